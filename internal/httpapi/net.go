package httpapi

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/yingji/yingji/internal/core"
	"github.com/yingji/yingji/internal/ratelimit"
)

// Transport and abuse protection (issue 9): rate limits, the trusted
// reverse proxies, request size limits.

// Limits are the request rate limits; a nil field limits nothing.
type Limits struct {
	// Login limits the sign-in steps (password, second factor, enrolment,
	// password change) per client address ("ip:…"); LoginUser per account
	// name given ("user:…").
	Login, LoginUser *ratelimit.Limiter
	// Ingest limits HTTP ingestion per device ("device:…"), IngestIP per
	// client address (checked before the device's credentials).
	Ingest, IngestIP *ratelimit.Limiter
	// API limits every signed-in request per user ("user:…").
	API *ratelimit.Limiter
}

// MaxRequestBody bounds every API request body whatever the route (the
// largest route limit, 64 MiB imports, plus multipart overhead); routes set
// their own, smaller limits.
const MaxRequestBody = 65 << 20

// httpError is an error with its own status and problem code (413, 429).
type httpError struct {
	status int
	code   string
	detail string
	limit  string
}

func (e *httpError) Error() string { return e.detail }

// BodyTimeout is how long a request body may take to arrive once its
// handler starts reading it (a client trickling a body holds a connection
// and a goroutine no longer than this). The header has ReadHeaderTimeout.
var BodyTimeout = 5 * time.Minute

// bodyDeadline sets the connection's read deadline for reading r's body and
// returns the function to call after the read: when it succeeded the
// deadline is cleared at once, so that a long handler is not cut off by it;
// when it failed the deadline stays, so that the server's attempt to drain
// the rest of a stalled body ends too and the connection is closed.
func bodyDeadline(w http.ResponseWriter, r *http.Request) func(err error) {
	rc := http.NewResponseController(w)
	if rc.SetReadDeadline(time.Now().Add(BodyTimeout)) != nil {
		return func(error) {} // a test recorder, or a writer without deadlines
	}
	return func(err error) {
		if err == nil {
			_ = rc.SetReadDeadline(time.Time{})
		}
	}
}

// bodyError is a 413 naming the limit when err is a body that hit it, a
// 408 when the body did not arrive within BodyTimeout, else nil.
func bodyError(err error) error {
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return &httpError{status: http.StatusRequestTimeout, code: "timeout", limit: BodyTimeout.String(),
			detail: fmt.Sprintf("the request body did not arrive within %s", BodyTimeout)}
	}
	return tooLarge(err)
}

// tooLarge is a 413 naming the limit when err is a body that hit it, else nil.
func tooLarge(err error) error {
	var mbe *http.MaxBytesError
	if !errors.As(err, &mbe) {
		return nil
	}
	return &httpError{status: http.StatusRequestEntityTooLarge, code: "too_large", limit: byteSize(mbe.Limit),
		detail: fmt.Sprintf("the request body is larger than this route's limit of %s (%d bytes)", byteSize(mbe.Limit), mbe.Limit)}
}

// parseMultipart reads a multipart form of at most limit bytes; a larger
// one is a 413 naming the limit.
func parseMultipart(w http.ResponseWriter, r *http.Request, limit int64, field string) error {
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	done := bodyDeadline(w, r)
	err := r.ParseMultipartForm(8 << 20)
	done(err)
	if err != nil {
		if e := bodyError(err); e != nil {
			return e
		}
		return core.Invalid(field, "send a multipart/form-data body: %v", err)
	}
	return nil
}

func byteSize(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return strconv.FormatInt(n>>20, 10) + " MiB"
	case n >= 1<<10 && n%(1<<10) == 0:
		return strconv.FormatInt(n>>10, 10) + " KiB"
	}
	return strconv.FormatInt(n, 10) + " bytes"
}

// allow takes a token of l for key, or answers 429 with Retry-After and a
// problem naming the limit.
func (s *Server) allow(w http.ResponseWriter, r *http.Request, l *ratelimit.Limiter, key string) bool {
	ok, wait := l.Allow(key)
	if ok {
		return true
	}
	secs := ratelimit.RetryAfter(wait)
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	name := l.Scope
	if l.Flag != "" {
		name += " (" + l.Flag + " " + l.Spec.String() + ")"
	}
	s.fail(w, r, &httpError{status: http.StatusTooManyRequests, code: "rate_limited", limit: l.Scope,
		detail: fmt.Sprintf("too many requests for %s: the %s limit allows %d per %s; try again in %d s", key, name, l.Spec.Burst, l.Spec.Per, secs)})
	return false
}

// limitLogin applies the sign-in limits: per client address, and per
// account name when one is given.
func (s *Server) limitLogin(w http.ResponseWriter, r *http.Request, username string) bool {
	if !s.allow(w, r, s.Limits.Login, "ip:"+s.clientIP(r)) {
		return false
	}
	if u := strings.ToLower(strings.TrimSpace(username)); u != "" {
		return s.allow(w, r, s.Limits.LoginUser, "user:"+u)
	}
	return true
}

// ParseProxies reads a comma-separated list of addresses and CIDR prefixes
// (--trusted-proxies).
func ParseProxies(list string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for item := range strings.SplitSeq(list, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		if p, err := netip.ParsePrefix(item); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(item)
		if err != nil {
			return nil, fmt.Errorf("%q is neither an address nor a CIDR prefix such as 10.0.0.0/8", item)
		}
		out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	return out, nil
}

func (s *Server) trusted(a netip.Addr) bool {
	a = a.Unmap()
	for _, p := range s.TrustedProxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

func peerAddr(r *http.Request) (netip.Addr, bool) {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	a, err := netip.ParseAddr(host)
	return a.Unmap(), err == nil
}

// clientIP is the address a request came from: the TCP peer, unless the
// peer is a trusted reverse proxy (--trusted-proxies); then the rightmost
// address of X-Forwarded-For that is not itself a trusted proxy. From any
// other peer the header is ignored, so it cannot be spoofed.
func (s *Server) clientIP(r *http.Request) string {
	peer, ok := peerAddr(r)
	if !ok {
		return r.RemoteAddr
	}
	if len(s.TrustedProxies) == 0 || !s.trusted(peer) {
		return peer.String()
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		h := strings.TrimSpace(hops[i])
		if h == "" {
			continue
		}
		a, err := netip.ParseAddr(h)
		if err != nil {
			break // garbage: trust nothing left of it
		}
		if !s.trusted(a) {
			return a.Unmap().String()
		}
		peer = a.Unmap()
	}
	return peer.String()
}

// isHTTPS reports whether the client reached us over TLS: directly, or
// through a trusted proxy that says so in X-Forwarded-Proto.
func (s *Server) isHTTPS(r *http.Request) bool {
	if r.TLS != nil {
		return true
	}
	if len(s.TrustedProxies) == 0 {
		return false
	}
	peer, ok := peerAddr(r)
	if !ok || !s.trusted(peer) {
		return false
	}
	proto, _, _ := strings.Cut(r.Header.Get("X-Forwarded-Proto"), ",")
	return strings.EqualFold(strings.TrimSpace(proto), "https")
}

// secureCookie reports whether a cookie set in answer to r is Secure:
// always with SecureCookies, and whenever the request came over HTTPS.
func (s *Server) secureCookie(r *http.Request) bool {
	return s.SecureCookies || s.isHTTPS(r)
}

// crossSite reports a browser request sent from another site (a form or a
// script elsewhere): Sec-Fetch-Site says so, or an Origin that is not ours.
// Devices and scripts send neither header.
func crossSite(r *http.Request) bool {
	switch r.Header.Get("Sec-Fetch-Site") {
	case "cross-site", "same-site":
		return true
	case "same-origin", "none":
		return false
	}
	origin := r.Header.Get("Origin")
	if origin == "" {
		return false
	}
	o := strings.TrimPrefix(strings.TrimPrefix(origin, "https://"), "http://")
	return o != r.Host
}

// rateLimited reports whether a route answers 429 (the OpenAPI document
// says so): every signed-in route, the sign-in steps (limitLogin) and
// ingestion.
func rateLimited(rt Route) bool {
	switch rt.Method + " " + rt.Pattern {
	case "POST /api/v1/auth/login", "POST /api/v1/auth/login/mfa", "POST /api/v1/auth/login/mfa/enrol", "POST /api/v1/auth/password", "POST /api/v1/ingest",
		"POST /api/v1/auth/login/webauthn", "GET " + oidcPath + "/callback":
		return true
	}
	return rt.Permission != ""
}
