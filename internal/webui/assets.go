package webui

// This file holds the embedded resources: static files served under
// checksummed names, and the message catalogs of each language.

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"sort"
	"strings"
)

// assets serves the embedded static files under checksummed names:
// "vendor/ol.js" is served as "/static/vendor/ol.<hash>.js". A changed file
// gets a new URL, so every response may be cached for a year.
type assets struct {
	byLogical map[string]string // "app.css" → "/static/app.1a2b3c4d5e.css"
	byHashed  map[string]asset  // "app.1a2b3c4d5e.css" → file
}

type asset struct {
	data        []byte
	contentType string
}

// hashLen is the number of hex digits of the SHA-256 kept in a name.
const hashLen = 10

// loadAssets reads every file of fsys and computes its hashed name.
func loadAssets(fsys fs.FS) (*assets, error) {
	a := &assets{byLogical: map[string]string{}, byHashed: map[string]asset{}}
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(p, ".md") {
			return err
		}
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(data)
		hashed := hashedName(p, hex.EncodeToString(sum[:])[:hashLen])
		ct := mime.TypeByExtension(path.Ext(p))
		if ct == "" {
			ct = "application/octet-stream"
		}
		a.byLogical[p] = "/static/" + hashed
		a.byHashed[hashed] = asset{data: data, contentType: ct}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("webui: read static assets: %w", err)
	}
	return a, nil
}

// hashedName inserts the hash before the extension: "a/b.min.js" with
// hash h becomes "a/b.min.h.js".
func hashedName(p, hash string) string {
	ext := path.Ext(p)
	return strings.TrimSuffix(p, ext) + "." + hash + ext
}

// URL returns the checksummed URL of a static file by its logical name.
// Templates call it as {{asset "app.css"}}; an unknown name is an error,
// so a typo fails the page instead of producing a dead link.
func (a *assets) URL(name string) (string, error) {
	u, ok := a.byLogical[name]
	if !ok {
		return "", fmt.Errorf("webui: no static asset %q", name)
	}
	return u, nil
}

// ServeHTTP serves a file by its hashed name with long cache headers.
func (a *assets) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f, ok := a.byHashed[r.URL.Path]
	if !ok {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("Content-Type", f.contentType)
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	h.Set("X-Content-Type-Options", "nosniff")
	w.Write(f.data)
}

// LangCookie holds the visitor's chosen language.
const LangCookie = "yingji_lang"

// DefaultLang is the language of a visitor who has not chosen one.
const DefaultLang = "zh-CN"

// Catalog holds the UI messages of each language, keyed by message id.
// The pages get the whole catalog of their language so that scripts use
// the same messages as the templates.
type Catalog struct {
	langs    []string
	messages map[string]map[string]string
}

// LoadCatalog reads i18n/<lang>.json files (flat objects of id → text).
func LoadCatalog(fsys fs.FS) (*Catalog, error) {
	files, err := fs.Glob(fsys, "i18n/*.json")
	if err != nil {
		return nil, err
	}
	c := &Catalog{messages: map[string]map[string]string{}}
	for _, f := range files {
		data, err := fs.ReadFile(fsys, f)
		if err != nil {
			return nil, err
		}
		m := map[string]string{}
		if err := json.Unmarshal(data, &m); err != nil {
			return nil, fmt.Errorf("webui: message catalog %s: %w", f, err)
		}
		// i18n/<lang>.json is a language's main catalog; i18n/<area>.<lang>.json
		// adds one area's messages to it. An id defined twice is an error.
		name := strings.TrimSuffix(strings.TrimPrefix(f, "i18n/"), ".json")
		lang := name
		if i := strings.IndexByte(name, '.'); i >= 0 {
			lang = name[i+1:]
		}
		if c.messages[lang] == nil {
			c.langs = append(c.langs, lang)
			c.messages[lang] = map[string]string{}
		}
		for id, msg := range m {
			if _, dup := c.messages[lang][id]; dup {
				return nil, fmt.Errorf("webui: message %q defined twice for %s (in %s)", id, lang, f)
			}
			c.messages[lang][id] = msg
		}
	}
	sort.Strings(c.langs)
	if !c.Has(DefaultLang) {
		return nil, fmt.Errorf("webui: no message catalog for %s", DefaultLang)
	}
	return c, nil
}

// Langs lists the languages, sorted.
func (c *Catalog) Langs() []string { return c.langs }

// Has reports whether lang has a catalog.
func (c *Catalog) Has(lang string) bool { _, ok := c.messages[lang]; return ok }

// Messages returns the catalog of one language.
func (c *Catalog) Messages(lang string) map[string]string { return c.messages[lang] }

// T returns the message id in lang. A missing id renders as "⟦id⟧" so that
// it is visible on the page and caught by the tests.
func (c *Catalog) T(lang, id string) string {
	if m, ok := c.messages[lang][id]; ok {
		return m
	}
	return "⟦" + id + "⟧"
}

// Other returns the language the switch offers: English from Chinese and
// Chinese from anything else.
func (c *Catalog) Other(lang string) string {
	if lang == DefaultLang {
		return "en"
	}
	return DefaultLang
}

// Pick chooses the request's language: the cookie, else Chinese.
// Accept-Language is deliberately not used: the platform is Chinese first
// and English is an explicit choice.
func (c *Catalog) Pick(r *http.Request) string {
	if ck, err := r.Cookie(LangCookie); err == nil && c.Has(ck.Value) {
		return ck.Value
	}
	return DefaultLang
}
