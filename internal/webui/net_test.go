package webui

import (
	"io/fs"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

// TestFormPostsGoThroughTheAPI is the web UI's side of CSRF protection:
// no page accepts a POST (a cross-site form posted with the session cookie
// to a page path finds nothing), and no template form posts natively — every
// form is sent by script to /api/v1, where a cookie-authenticated write must
// be same-origin (internal/httpapi TestCrossSiteFormPosts,
// TestCookieSessionRefusesCrossSiteWrites).
func TestFormPostsGoThroughTheAPI(t *testing.T) {
	h := newTestServer(t).Handler()
	for _, path := range []string{"/login", "/", "/account/security", "/admin/users", "/admin/devices", "/registry/enterprises/new",
		"/registry/enterprises/1/edit", "/incidents/new", "/warnings/new", "/recipients", "/supervision/plans", "/duty", "/ledger", "/models", "/lang/en"} {
		for _, method := range []string{"POST", "PUT", "PATCH", "DELETE"} {
			req := httptest.NewRequest(method, path, strings.NewReader("username=x&password=y"))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Origin", "https://evil.example")
			req.Header.Set("Sec-Fetch-Site", "cross-site")
			req.AddCookie(&http.Cookie{Name: "yingji_session", Value: "a-session"})
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code < 400 {
				t.Errorf("%s %s from another site = %d, want it refused (no page takes a write)", method, path, rec.Code)
			}
			if len(rec.Result().Cookies()) > 0 {
				t.Errorf("%s %s set a cookie", method, path)
			}
		}
	}
	native := regexp.MustCompile(`(?i)<form[^>]*\b(action|method)\s*=`)
	err := fs.WalkDir(templateFS, "templates", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(templateFS, p)
		if err != nil {
			return err
		}
		if m := native.Find(data); m != nil {
			t.Errorf("%s: a form that posts natively (%s); send it by script to the API", p, m)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
