// Package certtest makes a throwaway certificate authority and a server
// certificate signed by it, for tests of TLS listeners (crypto/x509, ECDSA
// P-256). Nothing here is for production use.
package certtest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// Set is a CA and a server certificate for 127.0.0.1, ::1 and localhost.
type Set struct {
	// Pool holds the CA: a client with it trusts the server.
	Pool *x509.CertPool
	// CertFile and KeyFile are the server's PEM files in a temporary folder.
	CertFile, KeyFile string
	// CAFile is the CA certificate in PEM.
	CAFile string

	ca    *x509.Certificate
	caKey *ecdsa.PrivateKey
}

// New makes a Set valid for an hour, the server certificate named "server".
func New(t testing.TB) *Set {
	t.Helper()
	dir := t.TempDir()
	caKey := key(t)
	ca := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Yingji test CA"},
		NotBefore: time.Now().Add(-time.Minute), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature}
	caDER, err := x509.CreateCertificate(rand.Reader, ca, ca, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	caCert, _ := x509.ParseCertificate(caDER)
	s := &Set{Pool: x509.NewCertPool(), CertFile: filepath.Join(dir, "server.crt"), KeyFile: filepath.Join(dir, "server.key"),
		CAFile: filepath.Join(dir, "ca.crt"), ca: caCert, caKey: caKey}
	s.Pool.AddCert(caCert)
	write(t, s.CAFile, "CERTIFICATE", caDER)
	s.Renew(t, "server")
	return s
}

// Renew replaces the server's files with a new certificate and key signed
// by the CA, named cn (certificate reload tests).
func (s *Set) Renew(t testing.TB, cn string) {
	t.Helper()
	k := key(t)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Minute), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames: []string{"localhost"}, IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, s.ca, &k.PublicKey, s.caKey)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	write(t, s.CertFile, "CERTIFICATE", der)
	write(t, s.KeyFile, "EC PRIVATE KEY", kder)
}

func key(t testing.TB) *ecdsa.PrivateKey {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func write(t testing.TB, path, typ string, der []byte) {
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
}
