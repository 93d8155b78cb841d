package outbox

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"github.com/yingji/yingji/internal/fieldcrypt"
	"os"
	"path/filepath"
	"strings"
)

// Protector seals personal data (phone numbers, e-mail addresses, push
// subscriptions) at rest with AES-256-GCM and gives keyed hashes
// (HMAC-SHA256) for look-ups and de-duplication without decrypting.
//
// A sealed value reads "v1.<kid>.<base64url(nonce ‖ ciphertext ‖ tag)>".
// kid names the key that sealed it, so a later key rotation can keep old
// keys for opening while sealing with the new one (Keys holds them all).
// The field name is the additional authenticated data: a phone ciphertext
// pasted into the e-mail column does not open.
type Protector struct {
	kid  string
	keys map[string]cipher.AEAD
	mac  []byte
	// Ring, when set, seals instead (values "yj1.<alg>.<key id>.…", the
	// installation's rotatable AES-256-GCM or SM4-GCM key ring, see
	// internal/fieldcrypt) and opens what it sealed; values "v1." sealed
	// before still open with the master key. Hashes stay on the master key.
	Ring Ring
}

// Ring is the key ring that seals (fieldcrypt.Ring).
type Ring interface {
	Seal(context string, plain []byte) (string, error)
	Open(context, sealed string) ([]byte, error)
}

// IsSealed reports whether s is a value a Protector sealed (either form).
func IsSealed(s string) bool {
	return strings.HasPrefix(s, "v1.") || strings.HasPrefix(s, fieldcrypt.Prefix)
}

// NewProtector makes a protector from a 32-byte master key. The AES key
// and the HMAC key are derived from it with HMAC-SHA256 under distinct
// labels, so the hash never reveals anything about the encryption key.
func NewProtector(master []byte) (*Protector, error) {
	if len(master) != 32 {
		return nil, fmt.Errorf("outbox: the recipient data key must be 32 bytes, got %d", len(master))
	}
	enc := derive(master, "yingji recipients aes-256-gcm v1")
	block, err := aes.NewCipher(enc)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	id := sha256.Sum256(derive(master, "yingji recipients key id v1"))
	kid := hex.EncodeToString(id[:4])
	return &Protector{kid: kid, keys: map[string]cipher.AEAD{kid: aead}, mac: derive(master, "yingji recipients hmac-sha256 v1")}, nil
}

func derive(master []byte, label string) []byte {
	m := hmac.New(sha256.New, master)
	m.Write([]byte(label))
	return m.Sum(nil)
}

// KeyID is the id of the sealing key.
func (p *Protector) KeyID() string { return p.kid }

// Seal encrypts plain for field; "" stays "".
func (p *Protector) Seal(field, plain string) string {
	if plain == "" {
		return ""
	}
	if p.Ring != nil {
		out, err := p.Ring.Seal(field, []byte(plain))
		if err != nil {
			panic("outbox: " + err.Error()) // no randomness, as below
		}
		return out
	}
	aead := p.keys[p.kid]
	nonce := make([]byte, aead.NonceSize(), aead.NonceSize()+len(plain)+aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		panic("outbox: no randomness: " + err.Error())
	}
	out := aead.Seal(nonce, nonce, []byte(plain), []byte(field))
	return "v1." + p.kid + "." + base64.RawURLEncoding.EncodeToString(out)
}

// Open decrypts a value Seal made for the same field.
func (p *Protector) Open(field, sealed string) (string, error) {
	if sealed == "" {
		return "", nil
	}
	if strings.HasPrefix(sealed, fieldcrypt.Prefix) {
		if p.Ring == nil {
			return "", errors.New("outbox: sealed with the data key ring, which is not configured")
		}
		plain, err := p.Ring.Open(field, sealed)
		return string(plain), err
	}
	parts := strings.SplitN(sealed, ".", 3)
	if len(parts) != 3 || parts[0] != "v1" {
		return "", errors.New("outbox: sealed value has an unknown format")
	}
	aead, ok := p.keys[parts[1]]
	if !ok {
		return "", fmt.Errorf("outbox: sealed with key %s, which is not configured", parts[1])
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil || len(raw) < aead.NonceSize()+aead.Overhead() {
		return "", errors.New("outbox: sealed value is damaged")
	}
	plain, err := aead.Open(nil, raw[:aead.NonceSize()], raw[aead.NonceSize():], []byte(field))
	if err != nil {
		return "", fmt.Errorf("outbox: %s does not authenticate: %w", field, err)
	}
	return string(plain), nil
}

// Hash is the keyed hash of a normalised value of field (hex); "" stays "".
func (p *Protector) Hash(field, normalised string) string {
	if normalised == "" {
		return ""
	}
	m := hmac.New(sha256.New, p.mac)
	m.Write([]byte(field))
	m.Write([]byte{0})
	m.Write([]byte(normalised))
	return hex.EncodeToString(m.Sum(nil))
}

// LoadKey returns the recipient data key: from value (base64 or 64 hex
// digits) when set, else from the file at path, which is created with a
// fresh random key (mode 0600) when it does not exist.
func LoadKey(value, path string) ([]byte, error) {
	if value != "" {
		return decodeKey(value, "the configured recipient key")
	}
	data, err := os.ReadFile(path)
	if err == nil {
		return decodeKey(strings.TrimSpace(string(data)), path)
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("outbox: read key file: %w", err)
	}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("outbox: create key file: %w", err)
	}
	if _, err := f.WriteString(base64.StdEncoding.EncodeToString(key) + "\n"); err != nil {
		f.Close()
		return nil, err
	}
	if err := f.Close(); err != nil {
		return nil, err
	}
	return key, nil
}

func decodeKey(s, where string) ([]byte, error) {
	if b, err := hex.DecodeString(s); err == nil && len(b) == 32 {
		return b, nil
	}
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil || len(b) != 32 {
		return nil, fmt.Errorf("outbox: %s must hold 32 bytes as base64 or 64 hex digits", where)
	}
	return b, nil
}
