// Package webui serves the browser pages of Yingji: the login page, the
// one-map command centre (一张图), the dashboard (驾驶舱), the registry
// pages and the admin pages (accounts and devices). Pages are
// html/template documents embedded in the binary; they call the JSON API
// (/api/v1) from the browser with fetch, so no API logic is duplicated
// here. Static assets are served under checksummed URLs with long cache
// lifetimes.
package webui

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/yingji/yingji/internal/registry"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

//go:embed i18n/*.json
var i18nFS embed.FS

// SessionCookie is the API's session cookie; pages other than the login
// page send visitors without it to /login.
const SessionCookie = "yingji_session"

// Options configures the web UI.
type Options struct {
	// TileURL is an optional XYZ tile template ("https://…/{z}/{x}/{y}.png")
	// drawn under the offline county boundaries. Empty means offline only.
	TileURL string
	// TileWMTS is an optional WMTS tile source drawn under the boundaries
	// (above TileURL when both are set). Either a tile template in the Web
	// Mercator matrix set whose matrix identifiers are the zoom levels,
	// with {TileMatrix}, {TileRow} and {TileCol} (the 天地图 style:
	// "https://t0.tianditu.gov.cn/vec_w/wmts?SERVICE=WMTS&REQUEST=GetTile&…
	// &TILEMATRIX={TileMatrix}&TILEROW={TileRow}&TILECOL={TileCol}&tk={key}"),
	// or a GetCapabilities URL, optionally ending "#layer=NAME" to pick the
	// layer (default the first) — the browser reads the capabilities, so
	// the server must allow the page's origin (CORS). Empty means none;
	// nothing is fetched unless it is set.
	TileWMTS string
	// TileKey replaces {key} in TileWMTS (天地图's tk). It reaches the
	// browser, as a 天地图 browser key must.
	TileKey string
	// TileAttribution is shown on the map when a tile source is set.
	TileAttribution string
	// SecureCookies marks the language cookie Secure (behind HTTPS).
	SecureCookies bool
	// SSO shows the single sign-on button on the login page (the API's
	// /api/v1/auth/oidc/login is configured).
	SSO bool
	// Logger receives template errors; nil means slog.Default().
	Logger *slog.Logger
}

// Server renders the pages. Build it with New.
type Server struct {
	opts   Options
	assets *assets
	cat    *Catalog
	pages  map[string]*template.Template
	// csp is the pages' Content-Security-Policy.
	csp string
}

// pageNames are the templates that render a whole page with the layout.
var pageNames = []string{"login", "map", "dashboard", "registry", "admin"}

// New parses the templates, indexes the static assets and loads the
// message catalog.
func New(opts Options) (*Server, error) {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.TileURL != "" {
		u, err := url.Parse(strings.NewReplacer("{z}", "0", "{x}", "0", "{y}", "0", "{-y}", "0").Replace(opts.TileURL))
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
			return nil, fmt.Errorf("webui: tile URL %q must be an http(s) XYZ template", opts.TileURL)
		}
	}
	if opts.TileWMTS != "" {
		if strings.Contains(opts.TileWMTS, "{key}") && opts.TileKey == "" {
			return nil, fmt.Errorf("webui: the WMTS tile source %q needs a key for {key} (YINGJI_TILE_KEY)", opts.TileWMTS)
		}
		opts.TileWMTS = strings.ReplaceAll(opts.TileWMTS, "{key}", url.QueryEscape(opts.TileKey))
		u, err := url.Parse(strings.NewReplacer("{TileMatrix}", "0", "{TileRow}", "0", "{TileCol}", "0").Replace(opts.TileWMTS))
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("webui: WMTS tile source %q must be an http(s) capabilities URL or tile template", opts.TileWMTS)
		}
		tmpl := strings.Contains(opts.TileWMTS, "{TileMatrix}")
		if tmpl != (strings.Contains(opts.TileWMTS, "{TileRow}") && strings.Contains(opts.TileWMTS, "{TileCol}")) {
			return nil, fmt.Errorf("webui: WMTS tile template %q needs all of {TileMatrix}, {TileRow} and {TileCol}", opts.TileWMTS)
		}
	}
	sub, err := fs.Sub(staticFS, "static")
	if err != nil {
		return nil, err
	}
	a, err := loadAssets(sub)
	if err != nil {
		return nil, err
	}
	cat, err := LoadCatalog(i18nFS)
	if err != nil {
		return nil, err
	}
	s := &Server{opts: opts, assets: a, cat: cat, pages: map[string]*template.Template{}, csp: contentSecurityPolicy(opts.TileURL, opts.TileWMTS)}
	for _, name := range pageNames {
		t := template.New("layout.html").Funcs(s.funcs())
		t, err = t.ParseFS(templateFS, "templates/layout.html", "templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("webui: parse %s: %w", name, err)
		}
		s.pages[name] = t
	}
	return s, nil
}

// funcs are the template functions. "t" and "lang" are placeholders here;
// render replaces them with the request's language.
func (s *Server) funcs() template.FuncMap {
	return template.FuncMap{
		"asset": s.assets.URL,
		"t":     func(key string) string { return key },
	}
}

// Handler serves the pages and the static assets.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /static/", http.StripPrefix("/static/", s.assets))
	mux.HandleFunc("GET /login", s.page("login", false))
	mux.HandleFunc("GET /dashboard", s.page("dashboard", true))
	mux.HandleFunc("GET /registry", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/registry/enterprises", http.StatusSeeOther)
	})
	mux.HandleFunc("GET /registry/{kind}", s.registryPage("list"))
	mux.HandleFunc("GET /registry/{kind}/new", s.registryPage("form"))
	mux.HandleFunc("GET /registry/{kind}/{id}", s.registryPage("detail"))
	mux.HandleFunc("GET /registry/{kind}/{id}/edit", s.registryPage("form"))
	mux.HandleFunc("GET /admin", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/admin/users", http.StatusSeeOther)
	})
	mux.HandleFunc("GET /admin/users", s.adminPage("users"))
	mux.HandleFunc("GET /admin/devices", s.adminPage("devices"))
	s.incidentPages(mux)
	s.warningPages(mux)
	s.supervisionPages(mux)
	s.ledgerPages(mux)
	s.recipientPages(mux)
	s.modelPages(mux)
	s.dutyPages(mux)
	s.securityPages(mux)
	s.auditPages(mux)
	mux.HandleFunc("GET /lang/{lang}", s.setLanguage)
	mux.HandleFunc("GET /{$}", s.page("map", true))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "404 页面不存在 / page not found", http.StatusNotFound)
	})
	return s.headers(mux)
}

// headers sets the pages' security headers: a Content-Security-Policy that
// allows scripts only from our own assets (nothing inline: the message
// catalog is a JSON data block, not a script), images from us and the
// configured tile sources, no frames, no plugins, forms only to us; and
// HSTS when the site is served over HTTPS.
func (s *Server) headers(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", s.csp)
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("Referrer-Policy", "same-origin")
		if s.opts.SecureCookies {
			hd.Set("Strict-Transport-Security", "max-age=31536000")
		}
		h.ServeHTTP(w, r)
	})
}

// contentSecurityPolicy builds the policy for the configured tile sources:
// their origins may serve images, and a WMTS capabilities document may be
// fetched from its origin. Inline style attributes stay allowed (the map and
// chart libraries position their elements with them); inline scripts do not.
func contentSecurityPolicy(tileSources ...string) string {
	img, connect := []string{"'self'", "data:", "blob:"}, []string{"'self'"}
	for _, src := range tileSources {
		if src == "" {
			continue
		}
		clean := strings.NewReplacer("{z}", "0", "{x}", "0", "{y}", "0", "{-y}", "0", "{TileMatrix}", "0", "{TileRow}", "0", "{TileCol}", "0").Replace(src)
		if u, err := url.Parse(clean); err == nil && u.Host != "" {
			origin := u.Scheme + "://" + u.Host
			img = append(img, origin)
			connect = append(connect, origin)
		}
	}
	return "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src " + strings.Join(img, " ") +
		"; connect-src " + strings.Join(connect, " ") + "; font-src 'self' data:; worker-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
}

// pageData is what every page template sees.
type pageData struct {
	Page      string
	Lang      string
	Messages  map[string]string
	TileURL   string
	TileWMTS  string
	TileAttr  string
	NextPath  string
	OtherLang string
	// SSO shows the single sign-on button; SSOError is the reason code of
	// a refused single sign-on (pages_sso.go).
	SSO      bool
	SSOError string
	// Path is the page's own path, where the language switch returns.
	Path string
	// The registry pages: the kind's URL path, the record ID ("" for a
	// list or a new record) and the view (list, detail or form). The admin
	// pages set View to "users" or "devices".
	Kind, ID, View string
}

// page renders a template; when needSession is set, visitors without the
// session cookie go to the login page.
func (s *Server) page(name string, needSession bool) http.HandlerFunc {
	return s.render(name, needSession, nil)
}

// render is page with a hook that fills in page-specific data; the hook
// returns false when it has answered the request itself.
func (s *Server) render(name string, needSession bool, fill func(w http.ResponseWriter, r *http.Request, d *pageData) bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if needSession {
			if c, err := r.Cookie(SessionCookie); err != nil || c.Value == "" {
				http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
				return
			}
		}
		lang := s.cat.Pick(r)
		d := pageData{Page: name, Lang: lang, Messages: s.cat.Messages(lang), TileURL: s.opts.TileURL, TileWMTS: s.opts.TileWMTS,
			TileAttr: s.opts.TileAttribution, NextPath: safeNext(r.URL.Query().Get("next")), OtherLang: s.cat.Other(lang)}
		if name == "login" {
			d.SSO, d.SSOError = s.opts.SSO, ssoError(r.URL.Query().Get("sso_error"))
		}
		if fill != nil && !fill(w, r, &d) {
			return
		}
		t, err := s.pages[name].Clone()
		if err == nil {
			t = t.Funcs(template.FuncMap{"t": func(key string) string { return s.cat.T(lang, key) }})
		}
		var buf bytes.Buffer
		if err == nil {
			err = t.Execute(&buf, d)
		}
		if err != nil {
			s.opts.Logger.Error("webui: render page", "page", name, "err", err)
			http.Error(w, "页面渲染失败 / the page could not be rendered", http.StatusInternalServerError)
			return
		}
		h := w.Header()
		h.Set("Content-Type", "text/html; charset=utf-8")
		h.Set("Cache-Control", "no-store")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		w.Write(buf.Bytes())
	}
}

// registryPage serves the registry pages of one kind: the list, a record
// and the form. The page's script reads the kind's metadata and the records
// from the API; here only the kind's path and the record ID are checked.
func (s *Server) registryPage(view string) http.HandlerFunc {
	return s.render("registry", true, func(w http.ResponseWriter, r *http.Request, d *pageData) bool {
		k, ok := registry.KindAt(r.PathValue("kind"))
		id := r.PathValue("id")
		if ok && id != "" {
			n, err := strconv.ParseInt(id, 10, 64)
			ok = err == nil && n > 0
		}
		if !ok {
			http.Error(w, "404 页面不存在 / page not found", http.StatusNotFound)
			return false
		}
		d.Kind, d.ID, d.View, d.Path = k.Path, id, view, r.URL.Path
		return true
	})
}

// adminPage serves an administration page: the accounts or the devices.
// The page's script reads everything from the API, which checks the
// permissions (users.manage, devices.manage); the page only shows what the
// API refuses.
func (s *Server) adminPage(view string) http.HandlerFunc {
	return s.render("admin", true, func(w http.ResponseWriter, r *http.Request, d *pageData) bool {
		d.View, d.Path = view, r.URL.Path
		return true
	})
}

// setLanguage stores the chosen language in a cookie and returns to the
// page the visitor came from.
func (s *Server) setLanguage(w http.ResponseWriter, r *http.Request) {
	lang := r.PathValue("lang")
	if !s.cat.Has(lang) {
		http.Error(w, "未知语言 / unknown language", http.StatusNotFound)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: LangCookie, Value: lang, Path: "/", MaxAge: 365 * 24 * 3600,
		HttpOnly: true, Secure: s.opts.SecureCookies, SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, safeNext(r.URL.Query().Get("next")), http.StatusSeeOther)
}

// safeNext keeps redirects on this site: only absolute paths, never
// "//host" or a scheme.
func safeNext(p string) string {
	if p == "" || !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.HasPrefix(p, "/\\") {
		return "/"
	}
	return p
}
