package webui

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

func newTestServer(t *testing.T) *Server {
	t.Helper()
	s, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func get(t *testing.T, h http.Handler, path string, cookies ...*http.Cookie) *http.Response {
	t.Helper()
	req := httptest.NewRequest("GET", path, nil)
	for _, c := range cookies {
		req.AddCookie(c)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Result()
}

func body(t *testing.T, r *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(r.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// Every message id exists, non-empty, in both languages.
func TestCatalogKeysInBothLanguages(t *testing.T) {
	c, err := LoadCatalog(i18nFS)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(c.Langs(), ","); got != "en,zh-CN" {
		t.Fatalf("languages = %s, want en,zh-CN", got)
	}
	for _, a := range c.Langs() {
		for _, b := range c.Langs() {
			for id, text := range c.Messages(a) {
				if strings.TrimSpace(text) == "" {
					t.Errorf("%s: %q is empty", a, id)
				}
				if _, ok := c.Messages(b)[id]; !ok {
					t.Errorf("%q is in %s but not in %s", id, a, b)
				}
			}
		}
	}
}

// Every message id used by a template or a script is in the catalog.
func TestUsedMessagesExist(t *testing.T) {
	c, err := LoadCatalog(i18nFS)
	if err != nil {
		t.Fatal(err)
	}
	patterns := map[string]*regexp.Regexp{
		".html": regexp.MustCompile(`\{\{t "([a-z0-9.\-]+)"\}\}`),
		".js":   regexp.MustCompile(`\bt\('([a-z0-9\-]+(?:\.[a-z0-9\-]+)+)'`),
	}
	used := 0
	for _, fsys := range []fs.FS{templateFS, staticFS} {
		fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || strings.Contains(p, "vendor/") {
				return err
			}
			re := patterns[p[strings.LastIndex(p, "."):]]
			if re == nil {
				return nil
			}
			data, _ := fs.ReadFile(fsys, p)
			for _, m := range re.FindAllStringSubmatch(string(data), -1) {
				used++
				if _, ok := c.Messages(DefaultLang)[m[1]]; !ok {
					t.Errorf("%s uses %q, which is not in the catalog", p, m[1])
				}
			}
			return nil
		})
	}
	if used < 50 {
		t.Fatalf("found only %d message uses; the patterns no longer match the sources", used)
	}
}

// Static files are served under their content hash with a year's caching.
func TestAssetsHashedAndCached(t *testing.T) {
	h := newTestServer(t).Handler()
	page := body(t, get(t, h, "/login"))
	m := regexp.MustCompile(`/static/app\.([0-9a-f]{10})\.css`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("the login page does not link app.css by hash:\n%s", page)
	}
	r := get(t, h, m[0])
	css := body(t, r)
	sum := sha256.Sum256([]byte(css))
	if r.StatusCode != 200 || hex.EncodeToString(sum[:])[:hashLen] != m[1] {
		t.Fatalf("GET %s: %d, hash of body does not match the name", m[0], r.StatusCode)
	}
	if cc := r.Header.Get("Cache-Control"); !strings.Contains(cc, "max-age=31536000") {
		t.Errorf("Cache-Control = %q", cc)
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/css") {
		t.Errorf("Content-Type = %q", ct)
	}
	if r := get(t, h, "/static/app.css"); r.StatusCode != 404 {
		t.Errorf("the unhashed name is served: %d", r.StatusCode)
	}
}

// Pages other than the login page send visitors without a session there.
func TestPagesNeedSession(t *testing.T) {
	h := newTestServer(t).Handler()
	for _, p := range []string{"/", "/dashboard"} {
		r := get(t, h, p)
		if r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/login?next=") {
			t.Errorf("GET %s without a session: %d %s", p, r.StatusCode, r.Header.Get("Location"))
		}
		r = get(t, h, p, &http.Cookie{Name: SessionCookie, Value: "x"})
		if r.StatusCode != 200 {
			t.Errorf("GET %s with a session cookie: %d", p, r.StatusCode)
		}
		if b := body(t, r); strings.Contains(b, "⟦") {
			t.Errorf("GET %s shows a missing message: %s", p, b)
		}
	}
	if r := get(t, h, "/nothing-here"); r.StatusCode != 404 {
		t.Errorf("GET /nothing-here: %d", r.StatusCode)
	}
}

// The language switch sets a cookie; pages then render in English.
func TestLanguageSwitch(t *testing.T) {
	h := newTestServer(t).Handler()
	zh := body(t, get(t, h, "/login"))
	if !strings.Contains(zh, `lang="zh-CN"`) || !strings.Contains(zh, "用户名") {
		t.Fatalf("the default login page is not Chinese")
	}
	r := get(t, h, "/lang/en?next=/dashboard")
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/dashboard" {
		t.Fatalf("GET /lang/en: %d %s", r.StatusCode, r.Header.Get("Location"))
	}
	var lang *http.Cookie
	for _, c := range r.Cookies() {
		if c.Name == LangCookie {
			lang = c
		}
	}
	if lang == nil || lang.Value != "en" {
		t.Fatalf("no language cookie: %v", r.Cookies())
	}
	en := body(t, get(t, h, "/login", lang))
	if !strings.Contains(en, `lang="en"`) || !strings.Contains(en, "Username") || strings.Contains(en, "用户名") {
		t.Errorf("the login page with the cookie is not English")
	}
	if r := get(t, h, "/lang/fr"); r.StatusCode != 404 {
		t.Errorf("GET /lang/fr: %d", r.StatusCode)
	}
}

// Redirect targets stay on this site.
func TestSafeNext(t *testing.T) {
	for in, want := range map[string]string{"": "/", "/dashboard": "/dashboard", "//evil.example": "/",
		"https://evil.example": "/", `/\evil.example`: "/", "/?a=1": "/?a=1"} {
		if got := safeNext(in); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", in, got, want)
		}
	}
}

// A tile URL must be an http(s) template.
func TestTileURLChecked(t *testing.T) {
	if _, err := New(Options{TileURL: "javascript:alert(1)"}); err == nil {
		t.Error("a javascript: tile URL was accepted")
	}
	s, err := New(Options{TileURL: "https://tiles.example/{z}/{x}/{y}.png"})
	if err != nil {
		t.Fatal(err)
	}
	b := body(t, get(t, s.Handler(), "/", &http.Cookie{Name: SessionCookie, Value: "x"}))
	if !strings.Contains(b, `data-tile-template="https://tiles.example/{z}/{x}/{y}.png"`) {
		t.Error("the map page does not carry the tile URL")
	}
}

// Pages carry a Content-Security-Policy that runs only our own scripts and
// lets images come from us and the configured tile sources only.
func TestContentSecurityPolicy(t *testing.T) {
	s, err := New(Options{TileURL: "https://tiles.example:8443/{z}/{x}/{y}.png", TileWMTS: "https://wmts.example/wmts?tk={key}&TILEMATRIX={TileMatrix}&TILEROW={TileRow}&TILECOL={TileCol}", TileKey: "k"})
	if err != nil {
		t.Fatal(err)
	}
	csp := get(t, s.Handler(), "/login").Header.Get("Content-Security-Policy")
	for _, want := range []string{"script-src 'self';", "object-src 'none'", "frame-ancestors 'none'", "https://tiles.example:8443", "https://wmts.example"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "script-src 'self' 'unsafe-inline'") || strings.Contains(csp, "'unsafe-eval'") {
		t.Errorf("CSP allows inline or eval'd scripts: %q", csp)
	}
	plain, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	if csp := get(t, plain.Handler(), "/login").Header.Get("Content-Security-Policy"); strings.Contains(csp, "example") || !strings.Contains(csp, "img-src 'self' data: blob:;") {
		t.Errorf("without tiles the CSP is %q", csp)
	}
}
