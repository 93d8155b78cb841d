package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/yingji/yingji/internal/auth"
	"github.com/yingji/yingji/internal/core"
	"github.com/yingji/yingji/internal/httpapi"
	"github.com/yingji/yingji/internal/httpapi/openapitest"
	"github.com/yingji/yingji/internal/region"
	"github.com/yingji/yingji/internal/registry"
	"github.com/yingji/yingji/internal/store"
	"github.com/yingji/yingji/internal/store/storetest"
)

// regions is the test's httpapi.Regions over the store.
type regions struct {
	db   *store.DB
	tree atomic.Pointer[region.Tree]
}

func (r *regions) Tree() *region.Tree { return r.tree.Load() }

func (r *regions) Import(ctx context.Context, divs []region.Division, boundaries []byte) (int, int, error) {
	ins, upd, err := r.db.ImportDivisions(ctx, divs, nil)
	if err != nil {
		return 0, 0, err
	}
	all, bounds, err := r.db.LoadDivisions(ctx)
	if err != nil {
		return 0, 0, err
	}
	t, err := region.NewTree(all, bounds)
	if err != nil {
		return 0, 0, err
	}
	r.tree.Store(t)
	return ins, upd, nil
}

// env is a running API over a real database, with a user per role.
type env struct {
	t       *testing.T
	url     string
	db      *store.DB
	tree    *region.Tree
	api     *httpapi.Server
	v       *openapitest.Validator
	tokens  map[string]string // by username
	checked int               // responses validated against the document
}

const password = "Test-password-1"

func newEnv(t *testing.T, b storetest.Backend) *env {
	t.Helper()
	db, tree := storetest.Open(t, b)
	rg := &regions{db: db}
	rg.tree.Store(tree)
	authSvc := &auth.Service{Store: db, Clock: core.SystemClock, SessionTTL: time.Hour,
		Divisions: func(c string) bool { _, ok := rg.Tree().Get(c); return ok },
		Enterprise: func(ctx context.Context, id int64) (string, error) {
			o, err := db.GetObject(ctx, registry.KEnterprise, id)
			if err != nil {
				return "", err
			}
			return o.Division, nil
		}}
	authSvc.MFA = &auth.MFA{Store: db, Issuer: "Yingji test"} // no role requires it until a test says so
	api := &httpapi.Server{Registry: &registry.Service{Store: db, Regions: func() registry.Regions { return rg.Tree() }},
		Auth: authSvc, Regions: rg, DB: db, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Version: "test"}
	srv := httptest.NewServer(api.Handler())
	t.Cleanup(srv.Close)
	e := &env{t: t, url: srv.URL, db: db, tree: tree, api: api, tokens: map[string]string{}}
	e.loadDocument()
	ctx := core.WithActor(context.Background(), core.SystemActor)
	for _, u := range []auth.UserInput{
		{Username: "admin", Role: "admin", Division: "530500"},
		{Username: "ly-inspector", Role: "inspector", Division: "530502"},
		{Username: "tc-inspector", Role: "inspector", Division: "530581"},
		{Username: "viewer", Role: "viewer", Division: "530500"},
		// the three administrators of 三员分立 at the city.
		{Username: "secadmin", Role: "secadmin", Division: "530500"},
		{Username: "sysadmin", Role: "sysadmin", Division: "530500"},
		{Username: "auditadmin", Role: "auditadmin", Division: "530500"},
	} {
		u.Password = password
		if _, err := authSvc.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		e.login(u.Username)
	}
	return e
}

func (e *env) login(username string) {
	var resp httpapi.LoginResponse
	e.call("POST", "/api/v1/auth/login", "", map[string]string{"username": username, "password": password}, 200, &resp)
	e.tokens[username] = resp.Token
}

func (e *env) loadDocument() { e.v = openapitest.Load(e.t, e.url) }

// do sends a request as a user ("" for none) and validates the response
// against the OpenAPI document.
func (e *env) do(method, path, user string, body any, header http.Header) (int, []byte, http.Header) {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(b)
	case string:
		rd = strings.NewReader(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, e.url+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range header {
		req.Header[k] = v
	}
	if user != "" {
		tok, ok := e.tokens[user]
		if !ok {
			tok = user // a raw token
		}
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	e.validate(req, resp, data)
	return resp.StatusCode, data, resp.Header
}

func (e *env) validate(req *http.Request, resp *http.Response, data []byte) {
	e.t.Helper()
	e.v.Check(e.t, req, resp, data)
	e.checked = e.v.Checked
}

// call is do with a wanted status, decoding the JSON body into out.
func (e *env) call(method, path, user string, body any, want int, out any) []byte {
	e.t.Helper()
	status, data, _ := e.do(method, path, user, body, nil)
	if status != want {
		e.t.Fatalf("%s %s as %q = %d, want %d: %s", method, path, user, status, want, data)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			e.t.Fatalf("%s %s: decode %s: %v", method, path, data, err)
		}
	}
	return data
}

// problem decodes a problem response.
func problemOf(t *testing.T, data []byte) httpapi.Problem {
	t.Helper()
	var p httpapi.Problem
	if err := json.Unmarshal(data, &p); err != nil {
		t.Fatalf("not a problem response: %s", data)
	}
	return p
}

func forEachBackend(t *testing.T, fn func(t *testing.T, e *env)) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) { fn(t, newEnv(t, b)) })
	}
}

func path(k *registry.Kind, id ...int64) string {
	if len(id) == 0 {
		return "/api/v1/" + k.Path
	}
	return fmt.Sprintf("/api/v1/%s/%d", k.Path, id[0])
}
