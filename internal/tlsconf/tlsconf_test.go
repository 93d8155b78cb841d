package tlsconf

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/yingji/yingji/internal/certtest"
)

func serve(t *testing.T, cfg *tls.Config) string {
	ln, err := tls.Listen("tcp", "127.0.0.1:0", cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { c.(*tls.Conn).Handshake(); c.Close() }()
		}
	}()
	return ln.Addr().String()
}

func peerCN(t *testing.T, addr string, cfg *tls.Config) (string, error) {
	c, err := tls.DialWithDialer(&net.Dialer{Timeout: 10 * time.Second}, "tcp", addr, cfg)
	if err != nil {
		return "", err
	}
	defer c.Close()
	return c.ConnectionState().PeerCertificates[0].Subject.CommonName, nil
}

// TestConfigAndReload: TLS 1.2+ with the CA, refused below 1.2, refused
// without the CA, no CBC suite; a renewed certificate is served after the
// files change, without a restart.
func TestConfigAndReload(t *testing.T) {
	set := certtest.New(t)
	c, err := Load(set.CertFile, set.KeyFile, nil)
	if err != nil {
		t.Fatal(err)
	}
	addr := serve(t, c.Config("h2", "http/1.1"))
	if cn, err := peerCN(t, addr, &tls.Config{RootCAs: set.Pool}); err != nil || cn != "server" {
		t.Fatalf("with the CA: %q %v", cn, err)
	}
	if _, err := peerCN(t, addr, &tls.Config{RootCAs: x509.NewCertPool()}); err == nil {
		t.Fatal("a client without the CA trusted the server")
	}
	if _, err := peerCN(t, addr, &tls.Config{RootCAs: set.Pool, MaxVersion: tls.VersionTLS11, MinVersion: tls.VersionTLS10}); err == nil {
		t.Fatal("TLS 1.1 accepted")
	}
	cbc := &tls.Config{RootCAs: set.Pool, MaxVersion: tls.VersionTLS12, CipherSuites: []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA, tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256}}
	if _, err := peerCN(t, addr, cbc); err == nil {
		t.Fatal("a CBC suite was accepted")
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c.Watch(ctx, 20*time.Millisecond)
	time.Sleep(30 * time.Millisecond) // a different modification time
	set.Renew(t, "renewed")
	deadline := time.Now().Add(20 * time.Second)
	for {
		cn, err := peerCN(t, addr, &tls.Config{RootCAs: set.Pool})
		if err == nil && cn == "renewed" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("renewed certificate never served: %q %v", cn, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestLoadNamesTheFile(t *testing.T) {
	_, err := Load("/nonexistent/cert.pem", "/nonexistent/key.pem", nil)
	if err == nil || !contains(err.Error(), "/nonexistent/cert.pem") {
		t.Fatalf("err = %v", err)
	}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }

// TestReloadOnSIGHUP: kill -HUP serves the renewed certificate (the file
// check is an hour away here, so only the signal can have done it).
func TestReloadOnSIGHUP(t *testing.T) {
	set := certtest.New(t)
	c, err := Load(set.CertFile, set.KeyFile, nil)
	if err != nil {
		t.Fatal(err)
	}
	addr := serve(t, c.Config())
	c.Watch(t.Context(), time.Hour)
	set.Renew(t, "after-hup")
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		cn, err := peerCN(t, addr, &tls.Config{RootCAs: set.Pool})
		if err == nil && cn == "after-hup" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after SIGHUP the server still presents %q (%v)", cn, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
