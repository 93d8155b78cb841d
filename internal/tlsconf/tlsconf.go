// Package tlsconf is the TLS server configuration for HTTP and MQTT: TLS 1.2
// and 1.3 only, forward-secret AEAD suites only, and a certificate that is
// read again on SIGHUP or when its files change (a renewed certificate needs
// no restart).
package tlsconf

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// Suites are the TLS 1.2 suites offered: ECDHE key exchange (forward
// secrecy) with AES-GCM or ChaCha20-Poly1305. TLS 1.3's suites are all of
// this kind and not configurable.
var Suites = []uint16{
	tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
	tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, // required by HTTP/2
	tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
	tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
	tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
	tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
}

// Cert is a certificate and key pair kept current from their files.
type Cert struct {
	CertFile, KeyFile string
	Log               *slog.Logger

	cur   atomic.Pointer[tls.Certificate]
	mu    sync.Mutex
	stamp string // the files' sizes and modification times at the last load
}

// Load reads the pair; it fails naming the file when it cannot.
func Load(certFile, keyFile string, log *slog.Logger) (*Cert, error) {
	if log == nil {
		log = slog.Default()
	}
	c := &Cert{CertFile: certFile, KeyFile: keyFile, Log: log}
	if err := c.Reload(); err != nil {
		return nil, err
	}
	return c, nil
}

func (c *Cert) stampNow() string {
	s := ""
	for _, f := range []string{c.CertFile, c.KeyFile} {
		if fi, err := os.Stat(f); err == nil {
			s += fmt.Sprintf("%d@%d;", fi.Size(), fi.ModTime().UnixNano())
		}
	}
	return s
}

// Reload reads the files again; the previous certificate stays in use if
// they are unusable.
func (c *Cert) Reload() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	stamp := c.stampNow()
	pair, err := tls.LoadX509KeyPair(c.CertFile, c.KeyFile)
	if err != nil {
		return fmt.Errorf("TLS certificate %s with key %s: %w", c.CertFile, c.KeyFile, err)
	}
	c.cur.Store(&pair)
	c.stamp = stamp
	return nil
}

// Current is the certificate in use.
func (c *Cert) Current() *tls.Certificate { return c.cur.Load() }

// Config is a server configuration serving the current certificate.
// nextProtos are the ALPN protocols ("h2", "http/1.1" for HTTP; none for MQTT).
func (c *Cert) Config(nextProtos ...string) *tls.Config {
	return &tls.Config{
		MinVersion:   tls.VersionTLS12,
		CipherSuites: Suites,
		NextProtos:   nextProtos,
		GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) {
			return c.cur.Load(), nil
		},
	}
}

// Watch reloads on SIGHUP and when the files' size or modification time
// changes (checked every interval), until ctx ends. A failed reload is
// logged and the old certificate kept. SIGHUP is caught once Watch returns
// (it then no longer ends the process); the watching goes on in the
// background.
func (c *Cert) Watch(ctx context.Context, every time.Duration) {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	go c.watch(ctx, every, hup)
}

func (c *Cert) watch(ctx context.Context, every time.Duration, hup chan os.Signal) {
	defer signal.Stop(hup)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-hup:
			c.reload("SIGHUP")
		case <-t.C:
			c.mu.Lock()
			changed := c.stampNow() != c.stamp
			c.mu.Unlock()
			if changed {
				c.reload("files changed")
			}
		}
	}
}

func (c *Cert) reload(why string) {
	if err := c.Reload(); err != nil {
		c.Log.Error("TLS certificate not reloaded; the previous one stays in use", "why", why, "err", err)
		return
	}
	c.Log.Info("TLS certificate reloaded", "why", why, "cert", c.CertFile)
}
