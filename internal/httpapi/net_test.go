package httpapi_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/yingji/yingji/internal/audit"
	"github.com/yingji/yingji/internal/auth"
	"github.com/yingji/yingji/internal/core"
	"github.com/yingji/yingji/internal/httpapi"
	"github.com/yingji/yingji/internal/ratelimit"
	"github.com/yingji/yingji/internal/region"
	"github.com/yingji/yingji/internal/store/storetest"
)

// limitedEntries are the audit trail's rate-limit entries.
func (e *env) limitedEntries() []ratelimit.Event {
	e.t.Helper()
	es, err := e.db.ListAudit(core.WithActor(context.Background(), core.SystemActor), audit.Filter{Entity: "ratelimit", Limit: 1000})
	if err != nil {
		e.t.Fatal(err)
	}
	var out []ratelimit.Event
	for _, en := range es {
		if en.Action != "limited" {
			e.t.Errorf("ratelimit entry with action %q", en.Action)
		}
		var ev ratelimit.Event
		if err := json.Unmarshal(en.After, &ev); err != nil {
			e.t.Fatalf("entry %d after = %s: %v", en.Seq, en.After, err)
		}
		out = append(out, ev)
	}
	return out
}

func (e *env) loginFrom(user, forwardedFor string) (int, []byte, http.Header) {
	e.t.Helper()
	h := http.Header{}
	if forwardedFor != "" {
		h.Set("X-Forwarded-For", forwardedFor)
	}
	return e.do("POST", "/api/v1/auth/login", "", map[string]string{"username": user, "password": password}, h)
}

// TestLoginRateLimit: the N+1st sign-in from one address in the window is
// refused with 429, Retry-After and a problem naming the limit; another
// address is unaffected; the flood leaves one audit entry, not one per
// refusal; the per-account limit holds across addresses.
func TestLoginRateLimit(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		const n = 5
		e.api.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")} // the test client is the "proxy"
		e.api.Limits.Login = &ratelimit.Limiter{Scope: "login", Flag: "--rate-login", Spec: ratelimit.Spec{Burst: n, Per: time.Minute},
			OnLimited: ratelimit.Audit(e.db, nil)}
		for i := range n {
			if st, body, _ := e.loginFrom("viewer", "203.0.113.7"); st != 200 {
				t.Fatalf("sign-in %d = %d %s", i+1, st, body)
			}
		}
		st, body, h := e.loginFrom("viewer", "203.0.113.7")
		if st != 429 {
			t.Fatalf("sign-in %d = %d %s, want 429", n+1, st, body)
		}
		p := problemOf(t, body)
		if p.Code != "rate_limited" || p.Limit != "login" || !strings.Contains(p.Detail, "--rate-login 5/1m0s") || !strings.Contains(p.Detail, "ip:203.0.113.7") {
			t.Errorf("problem = %+v", p)
		}
		secs := 0
		if _, err := fmt.Sscan(h.Get("Retry-After"), &secs); err != nil || secs < 1 || secs > 12 {
			t.Errorf("Retry-After = %q, want 1–12 s (5 a minute)", h.Get("Retry-After"))
		}
		if st, body, _ := e.loginFrom("viewer", "198.51.100.9"); st != 200 {
			t.Fatalf("another address = %d %s", st, body)
		}
		for range 20 {
			if st, _, _ := e.loginFrom("admin", "203.0.113.7"); st != 429 {
				t.Fatalf("the limited address signs in again: %d", st)
			}
		}
		got := e.limitedEntries()
		if len(got) != 1 || got[0] != (ratelimit.Event{Scope: "login", Key: "ip:203.0.113.7", Count: 1}) {
			t.Fatalf("audit after 21 refusals = %+v, want one entry", got)
		}

		// per account, whatever the address
		e.api.Limits.Login = nil
		e.api.Limits.LoginUser = &ratelimit.Limiter{Scope: "login", Spec: ratelimit.Spec{Burst: 2, Per: time.Hour}, OnLimited: ratelimit.Audit(e.db, nil)}
		for i, ip := range []string{"192.0.2.1", "192.0.2.2"} {
			if st, _, _ := e.loginFrom("ly-inspector", ip); st != 200 {
				t.Fatalf("account sign-in %d = %d", i+1, st)
			}
		}
		if st, _, _ := e.loginFrom("LY-Inspector", "192.0.2.3"); st != 429 {
			t.Fatalf("third sign-in of the account from a third address = %d, want 429", st)
		}
		if got := e.limitedEntries(); len(got) != 2 || got[1].Key != "user:ly-inspector" {
			t.Errorf("audit = %+v", got)
		}
	})
}

// TestAPIRateLimitPerUser: the general limit counts each user apart.
func TestAPIRateLimitPerUser(t *testing.T) {
	e := newEnv(t, storetest.Backends()[0])
	e.api.Limits.API = &ratelimit.Limiter{Scope: "api", Flag: "--rate-api", Spec: ratelimit.Spec{Burst: 3, Per: time.Minute}, OnLimited: ratelimit.Audit(e.db, nil)}
	for range 3 {
		e.call("GET", "/api/v1/auth/me", "viewer", nil, 200, nil)
	}
	st, body, h := e.do("GET", "/api/v1/auth/me", "viewer", nil, nil)
	if p := problemOf(t, body); st != 429 || p.Limit != "api" || h.Get("Retry-After") == "" {
		t.Fatalf("4th request = %d %+v", st, p)
	}
	e.call("GET", "/api/v1/auth/me", "admin", nil, 200, nil)
	if got := e.limitedEntries(); len(got) != 1 || got[0] != (ratelimit.Event{Scope: "api", Key: "user:viewer", Count: 1}) {
		t.Errorf("audit = %+v", got)
	}
}

// TestForwardedHeadersOnlyFromTrustedProxies: X-Forwarded-For from a peer
// that is not a trusted proxy is ignored (every spoofed address counts as
// the peer's), and X-Forwarded-Proto does not make cookies Secure.
func TestForwardedHeadersOnlyFromTrustedProxies(t *testing.T) {
	e := newEnv(t, storetest.Backends()[0])
	e.api.Limits.Login = &ratelimit.Limiter{Scope: "login", Spec: ratelimit.Spec{Burst: 1, Per: time.Hour}, OnLimited: ratelimit.Audit(e.db, nil)}
	if st, _, _ := e.loginFrom("viewer", "1.1.1.1"); st != 200 {
		t.Fatalf("first sign-in = %d", st)
	}
	if st, _, _ := e.loginFrom("viewer", "2.2.2.2"); st != 429 {
		t.Fatalf("a spoofed X-Forwarded-For escaped the limit: %d", st)
	}
	if got := e.limitedEntries(); len(got) != 1 || got[0].Key != "ip:127.0.0.1" {
		t.Fatalf("audit = %+v, want the peer's address", got)
	}
	cookie := func(proto string) *http.Cookie {
		req, _ := http.NewRequest("POST", e.url+"/api/v1/auth/login", strings.NewReader(`{"username":"admin","password":"`+password+`"}`))
		req.Header.Set("X-Forwarded-For", "192.0.2.44")
		req.Header.Set("X-Forwarded-Proto", proto)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		for _, c := range resp.Cookies() {
			if c.Name == httpapi.SessionCookie {
				if resp.Header.Get("Strict-Transport-Security") != "" != c.Secure {
					t.Errorf("HSTS %q with a Secure cookie %v", resp.Header.Get("Strict-Transport-Security"), c.Secure)
				}
				return c
			}
		}
		t.Fatalf("no session cookie: %d", resp.StatusCode)
		return nil
	}
	e.api.Limits.Login = nil
	if cookie("https").Secure {
		t.Error("X-Forwarded-Proto from an untrusted peer made the cookie Secure")
	}
	// behind a trusted proxy the rightmost untrusted address is the client,
	// whatever the client wrote to the left of it, and the proxy's https counts
	e.api.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("10.0.0.0/8")}
	e.api.Limits.Login = &ratelimit.Limiter{Scope: "login", Spec: ratelimit.Spec{Burst: 1, Per: time.Hour}, OnLimited: ratelimit.Audit(e.db, nil)}
	for _, xff := range []string{"9.9.9.9, 198.51.100.1, 10.1.2.3", "8.8.8.8, 198.51.100.1"} {
		e.loginFrom("viewer", xff)
	}
	if got := e.limitedEntries(); len(got) != 2 || got[1].Key != "ip:198.51.100.1" {
		t.Fatalf("audit = %+v, want the client behind the proxies", got)
	}
	e.api.Limits.Login = nil
	if !cookie("https").Secure {
		t.Error("X-Forwarded-Proto https from a trusted proxy: the cookie is not Secure")
	}
	if cookie("http").Secure {
		t.Error("X-Forwarded-Proto http: the cookie is Secure")
	}
}

// zeros is an endless body.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'a'
	}
	return len(p), nil
}

// TestRequestSizeLimits: a JSON body over 1 MiB and an import over 64 MiB
// are refused with 413 naming the limit; nothing is stored.
func TestRequestSizeLimits(t *testing.T) {
	e := newEnv(t, storetest.Backends()[0])
	big := `{"name":"` + strings.Repeat("x", 1<<20) + `"}`
	st, body, _ := e.do("POST", "/api/v1/auth/tokens", "admin", big, nil)
	if p := problemOf(t, body); st != 413 || p.Code != "too_large" || p.Limit != "1 MiB" || !strings.Contains(p.Detail, "1 MiB") {
		t.Fatalf("2 MiB JSON = %d %+v", st, p)
	}
	send := func(ct string) (int, httpapi.Problem) {
		body := io.MultiReader(strings.NewReader("--b\r\nContent-Disposition: form-data; name=\"csv\"; filename=\"d.csv\"\r\n\r\n"), io.LimitReader(zeros{}, 70<<20))
		req, _ := http.NewRequest("POST", e.url+"/api/v1/divisions/import", body)
		req.Header.Set("Content-Type", ct)
		req.Header.Set("Authorization", "Bearer "+e.tokens["sysadmin"]) // divisions are the system administrator's
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		data, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, problemOf(t, data)
	}
	for _, ct := range []string{"multipart/form-data; boundary=b", "text/csv"} {
		if st, p := send(ct); st != 413 || p.Limit != "64 MiB" {
			t.Errorf("70 MiB %s import = %d %+v, want 413 naming 64 MiB", ct, st, p)
		}
	}
}

// TestCrossSiteFormPosts: a form posted from another site with the session
// cookie is refused — by Sec-Fetch-Site, or by Origin from a browser that
// sends no fetch metadata — and so is a forged sign-in (login CSRF); the
// same form from our own pages passes.
func TestCrossSiteFormPosts(t *testing.T) {
	e := newEnv(t, storetest.Backends()[0])
	post := func(path, body string, cookie bool, h map[string]string) int {
		req, _ := http.NewRequest("POST", e.url+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if cookie {
			req.AddCookie(&http.Cookie{Name: httpapi.SessionCookie, Value: e.tokens["admin"]})
		}
		for k, v := range h {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	form := `{"name":"forged","x":"=1"}`
	for name, h := range map[string]map[string]string{
		"fetch metadata": {"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"},
		"origin only":    {"Origin": "https://evil.example"},
		"same-site":      {"Sec-Fetch-Site": "same-site", "Origin": "https://other.example.gov.cn"},
	} {
		if st := post("/api/v1/auth/tokens", form, true, h); st != 403 {
			t.Errorf("%s: cross-site form with the cookie = %d, want 403", name, st)
		}
		// text/plain forms can carry JSON: {"username":"a","password":"b="}
		if st := post("/api/v1/auth/login", `{"username":"admin","password":"`+password+`"}`, false, h); st != 403 {
			t.Errorf("%s: cross-site sign-in form = %d, want 403", name, st)
		}
	}
	if st := post("/api/v1/auth/login", `{"username":"admin","password":"`+password+`"}`, false, map[string]string{"Sec-Fetch-Site": "same-origin"}); st != 200 {
		t.Errorf("same-origin sign-in = %d", st)
	}
	u := strings.TrimPrefix(e.url, "http://")
	if st := post("/api/v1/auth/login", `{"username":"admin","password":"`+password+`"}`, false, map[string]string{"Origin": "http://" + u}); st != 200 {
		t.Errorf("sign-in with our own Origin = %d", st)
	}
	var toks struct{ Items []struct{ Name string } }
	e.call("GET", "/api/v1/auth/tokens", "admin", nil, 200, &toks)
	for _, tk := range toks.Items {
		if tk.Name == "forged" {
			t.Fatal("a cross-site form created a token")
		}
	}
}

// BenchmarkAPIRequestRateLimit is one signed-in API request (token lookup
// in SQLite, GET /api/v1/auth/me) without and with the per-user limiter;
// the ratio is in docs/security.md.
//
//	go test ./internal/httpapi -run '^$' -bench APIRequestRateLimit
func BenchmarkAPIRequestRateLimit(b *testing.B) {
	for _, on := range []bool{false, true} {
		b.Run(map[bool]string{false: "without", true: "with"}[on], func(b *testing.B) {
			e := benchEnv(b)
			if on {
				e.api.Limits.API = ratelimit.New("api", ratelimit.Spec{Burst: 1 << 30, Per: time.Second}, nil)
			}
			h := e.handler
			req := httptest.NewRequest("GET", "/api/v1/auth/me", nil)
			req.Header.Set("Authorization", "Bearer "+e.token)
			for b.Loop() {
				w := httptest.NewRecorder()
				h.ServeHTTP(w, req)
				if w.Code != 200 {
					b.Fatalf("%d %s", w.Code, w.Body)
				}
			}
		})
	}
}

type benchE struct {
	api     *httpapi.Server
	handler http.Handler
	token   string
}

func benchEnv(b *testing.B) *benchE {
	db, tree := storetest.Open(b, storetest.Backends()[0])
	authSvc := &auth.Service{Store: db, Clock: core.SystemClock, SessionTTL: time.Hour, Divisions: func(string) bool { return true }}
	api := &httpapi.Server{Auth: authSvc, Regions: treeOnly{tree}, DB: db, Logger: slog.New(slog.DiscardHandler), Version: "bench"}
	ctx := core.WithActor(context.Background(), core.SystemActor)
	u, err := authSvc.CreateUser(ctx, auth.UserInput{Username: "bench", Role: "viewer", Division: "530500", Password: password})
	if err != nil {
		b.Fatal(err)
	}
	tok, err := authSvc.IssueToken(ctx, u, auth.APIToken, "bench", time.Hour)
	if err != nil {
		b.Fatal(err)
	}
	return &benchE{api: api, handler: api.Handler(), token: tok}
}

type treeOnly struct{ t *region.Tree }

func (r treeOnly) Tree() *region.Tree { return r.t }
func (r treeOnly) Import(context.Context, []region.Division, []byte) (int, int, error) {
	return 0, 0, nil
}

// TestSlowBodyTimesOut: a client that sends the headers and then trickles
// nothing is answered 408 once BodyTimeout has passed, naming the limit,
// instead of holding the connection; a prompt body on the same server
// is served as usual.
func TestSlowBodyTimesOut(t *testing.T) {
	e := newEnv(t, storetest.Backends()[0])
	saved := httpapi.BodyTimeout
	httpapi.BodyTimeout = 300 * time.Millisecond
	t.Cleanup(func() { httpapi.BodyTimeout = saved })
	conn, err := net.Dial("tcp", strings.TrimPrefix(e.url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /api/v1/auth/login HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"user", strings.TrimPrefix(e.url, "http://"))
	conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no answer to a stalled body: %v", err)
	}
	data, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if p := problemOf(t, data); resp.StatusCode != 408 || p.Code != "timeout" || p.Limit != "300ms" {
		t.Fatalf("stalled body = %d %+v", resp.StatusCode, p)
	}
	e.login("viewer")
}
