// Package httpapi is the JSON API under /api/v1, its OpenAPI document, and
// the operational endpoints (/healthz, /readyz, /metrics).
package httpapi

import (
	"context"
	"log/slog"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/yingji/yingji/internal/audit"
	"github.com/yingji/yingji/internal/auth"
	"github.com/yingji/yingji/internal/core"
	"github.com/yingji/yingji/internal/region"
	"github.com/yingji/yingji/internal/registry"
	"github.com/yingji/yingji/internal/sso"
)

// SessionCookie is the browser session cookie's name.
const SessionCookie = "yingji_session"

// Regions is what the API needs of the division tree and its import.
type Regions interface {
	Tree() *region.Tree
	// Import stores divisions and rebuilds the tree.
	Import(ctx context.Context, divs []region.Division, boundaries []byte) (inserted, updated int, err error)
}

// Database is what the API needs of the store beyond the domain services.
type Database interface {
	Ping(ctx context.Context) error
	Dialect() string
	ListAudit(ctx context.Context, f audit.Filter) ([]audit.Entry, error)
}

// Server serves the API. Build it with its fields set, then call Handler.
type Server struct {
	Registry *registry.Service
	Auth     *auth.Service
	Regions  Regions
	DB       Database
	Logger   *slog.Logger
	Metrics  *prometheus.Registry
	// Perception, when set, adds ingestion, devices, alarms, readings and
	// the live feed.
	Perception *Perception
	// Incidents, Warnings, Supervision and Ledger, when set, add those
	// areas' routes (incidents.go, warnings.go, supervision.go, ledger.go).
	Incidents   *Incidents
	Warnings    *Warnings
	Supervision *Supervision
	Ledger      *Ledger
	// Recipients adds warning recipients, targeting and delivery (recipients.go).
	Recipients *Recipients
	// Models adds hazard models, exposure and external feeds (models.go).
	Models *Models
	// Duty adds the duty roster (duty.go).
	Duty *Duty
	// SecureCookies marks the session cookie Secure (behind HTTPS).
	SecureCookies bool
	Version       string
	// MQTTAddr is the embedded broker's address, told to devices and tools.
	MQTTAddr string
	// Limits are the request rate limits (net.go); zero: none.
	Limits Limits
	// TrustedProxies are the reverse proxies whose X-Forwarded-For and
	// X-Forwarded-Proto are believed (--trusted-proxies); none by default.
	TrustedProxies []netip.Prefix
	// OIDC, when set, adds single sign-on through an OpenID Connect
	// provider (oidc.go).
	OIDC *sso.RP

	routes   []Route
	docOnce  sync.Once
	docJSON  []byte
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	// chain caches the audit chain's status for the situation page.
	chain chainCache
}

// Route is one endpoint and the permission it needs. The route table is
// the single place permissions are declared; the router enforces them.
type Route struct {
	Method     string
	Pattern    string
	Permission auth.Permission // "" for public routes
	Summary    string
	Handler    http.HandlerFunc
}

// Routes returns the route table (the OpenAPI test and the permission test
// walk it).
func (s *Server) Routes() []Route { return s.routes }

// Handler returns the HTTP handler with every route.
func (s *Server) Handler() http.Handler {
	if s.Logger == nil {
		s.Logger = slog.Default()
	}
	if s.Metrics == nil {
		s.Metrics = prometheus.NewRegistry()
	}
	s.requests = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "yingji_http_requests_total", Help: "HTTP requests by route and status."}, []string{"route", "status"})
	s.duration = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "yingji_http_request_seconds", Help: "HTTP request latency by route.",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5}}, []string{"route"})
	s.Metrics.MustRegister(s.requests, s.duration)
	s.routes = s.buildRoutes()
	mux := http.NewServeMux()
	for _, rt := range s.routes {
		mux.Handle(rt.Method+" "+rt.Pattern, s.wrap(rt))
	}
	mux.Handle("GET /metrics", promhttp.HandlerFor(s.Metrics, promhttp.HandlerOpts{}))
	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, r, core.Errorf(core.ENOTFOUND, "no API endpoint %s %s", r.Method, r.URL.Path))
	})
	return s.securityHeaders(mux)
}

func (s *Server) securityHeaders(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.secureCookie(r) { // served over HTTPS, as the cookies say
			w.Header().Set("Strict-Transport-Security", "max-age=31536000")
		}
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("X-Frame-Options", "DENY")
		w.Header().Set("Referrer-Policy", "same-origin")
		// API answers are data, never a page: nothing in them may load or run.
		w.Header().Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
		h.ServeHTTP(w, r)
	})
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

// Unwrap lets http.ResponseController reach the connection (deadlines).
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// wrap authenticates, checks the route's permission, and records metrics.
func (s *Server) wrap(rt Route) http.Handler {
	label := rt.Method + " " + rt.Pattern
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		defer func() {
			s.requests.WithLabelValues(label, strconv.Itoa(sw.status)).Inc()
			s.duration.WithLabelValues(label).Observe(time.Since(start).Seconds())
		}()
		// every route's body is bounded; routes set smaller limits
		r.Body = http.MaxBytesReader(sw, r.Body, MaxRequestBody)
		if rt.Permission == "" {
			// a public write (sign-in, ingestion) sent by a browser from
			// another site is a forged form (login CSRF)
			if r.Method != http.MethodGet && r.Method != http.MethodHead && crossSite(r) {
				s.fail(sw, r, core.Errorf(core.EFORBIDDEN, "cross-site request refused; send the request from the Yingji pages"))
				return
			}
			rt.Handler(sw, r)
			return
		}
		actor, token, byCookie, err := s.authenticate(r)
		if err != nil {
			s.fail(sw, r, err)
			return
		}
		if byCookie && r.Method != http.MethodGet && r.Method != http.MethodHead && !sameOrigin(r) {
			s.fail(sw, r, core.Errorf(core.EFORBIDDEN, "cross-site request refused; send the request from the Yingji pages or use a bearer token"))
			return
		}
		if !s.allow(sw, r, s.Limits.API, "user:"+actor.Username) {
			return
		}
		if !auth.Can(actor.Role, rt.Permission) {
			s.Auth.Denied(r.Context(), actor, label)
			s.fail(sw, r, core.Errorf(core.EFORBIDDEN, "the %s role may not do this (needs %s)", actor.Role, rt.Permission))
			return
		}
		// an API token needs the permission in its scopes as well (tokens.go).
		if !auth.TokenAllows(token, rt.Permission, r.Method) {
			s.Auth.Denied(r.Context(), actor, label)
			s.fail(sw, r, core.Errorf(core.EFORBIDDEN, "%s", scopeRefusal(token, rt.Permission)))
			return
		}
		rt.Handler(sw, r.WithContext(core.WithActor(r.Context(), actor)))
	})
}

// authenticate reads a bearer token, or else the session cookie.
func (s *Server) authenticate(r *http.Request) (*core.Actor, *auth.Token, bool, error) {
	if h := r.Header.Get("Authorization"); h != "" {
		token, ok := strings.CutPrefix(h, "Bearer ")
		if !ok {
			return nil, nil, false, core.Errorf(core.EUNAUTHORIZED, "the Authorization header must be 'Bearer <token>'")
		}
		a, t, err := s.Auth.AuthenticateToken(r.Context(), strings.TrimSpace(token))
		return a, t, false, err
	}
	if c, err := r.Cookie(SessionCookie); err == nil {
		a, t, err := s.Auth.AuthenticateToken(r.Context(), c.Value)
		return a, t, true, err
	}
	return nil, nil, false, core.Errorf(core.EUNAUTHORIZED, "sign in first: send 'Authorization: Bearer <token>' from POST /api/v1/auth/login")
}

// sameOrigin guards cookie-authenticated changes against cross-site forms.
func sameOrigin(r *http.Request) bool {
	if site := r.Header.Get("Sec-Fetch-Site"); site != "" {
		return site == "same-origin" || site == "none"
	}
	origin := r.Header.Get("Origin")
	if origin == "" {
		return r.Header.Get("X-Requested-With") != ""
	}
	o := strings.TrimPrefix(strings.TrimPrefix(origin, "https://"), "http://")
	return o == r.Host
}
