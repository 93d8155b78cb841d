package audit

import (
	"crypto/sha256"
	"fmt"
	"hash"

	"github.com/emmansun/gmsm/sm3"
)

// The chain hash algorithms: SHA-256 (FIPS 180-4) and SM3 (GB/T 32905-2016,
// the Chinese commercial cryptography hash that MLPS level 3 deployments are
// expected to use).
const (
	SHA256 = "sha256"
	SM3    = "sm3"
)

// Algorithms lists the selectable chain hashes.
var Algorithms = []string{SHA256, SM3}

func newHash(alg string) hash.Hash {
	switch alg {
	case "", SHA256:
		return sha256.New()
	case SM3:
		return sm3.New()
	}
	return nil
}

// CheckAlg returns alg when it names a chain hash, or an error naming the
// choices.
func CheckAlg(alg string) (string, error) {
	if alg == "" {
		return SHA256, nil
	}
	if newHash(alg) == nil {
		return "", fmt.Errorf("audit: unknown hash algorithm %q (want sha256 or sm3)", alg)
	}
	return alg, nil
}
