package httpapi

import (
	"net/http/httptest"
	"net/netip"
	"testing"
)

// FuzzForwardedFor feeds --trusted-proxies lists and X-Forwarded-For
// headers to the parsers: no panic; an untrusted peer is always the client
// whatever the header says and X-Forwarded-Proto is not believed; behind a
// trusted peer the client is a valid address.
func FuzzForwardedFor(f *testing.F) {
	f.Add("127.0.0.1,10.0.0.0/8", "127.0.0.1:5000", "9.9.9.9, 198.51.100.1, 10.1.2.3")
	f.Add("::1", "[::1]:80", "2001:db8::1")
	f.Add("10.0.0.0/8", "203.0.113.5:1", "1.1.1.1")
	f.Add("127.0.0.1", "127.0.0.1:1", "garbage, 8.8.8.8,,")
	f.Add("", "127.0.0.1:1", "")
	f.Fuzz(func(t *testing.T, proxies, remote, xff string) {
		ps, err := ParseProxies(proxies)
		if err != nil {
			return
		}
		s := &Server{TrustedProxies: ps}
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = remote
		r.Header.Set("X-Forwarded-For", xff)
		r.Header.Set("X-Forwarded-Proto", "https")
		got := s.clientIP(r)
		peer, ok := peerAddr(r)
		if !ok {
			if got != remote {
				t.Fatalf("unparsable peer %q → %q", remote, got)
			}
			return
		}
		if !s.trusted(peer) {
			if got != peer.String() {
				t.Fatalf("untrusted peer %s, header %q → client %q", peer, xff, got)
			}
			if s.isHTTPS(r) {
				t.Fatal("X-Forwarded-Proto believed from an untrusted peer")
			}
			return
		}
		if _, err := netip.ParseAddr(got); err != nil {
			t.Fatalf("client %q is not an address", got)
		}
	})
}
