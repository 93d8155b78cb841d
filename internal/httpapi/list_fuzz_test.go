package httpapi_test

import (
	"bytes"
	"encoding/json"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/yingji/yingji/internal/httpapi"
	"github.com/yingji/yingji/internal/store/storetest"
)

// FuzzListQuery sends any query string to every list route of the document
// (registry kinds, incidents, warnings, hidden dangers, inspections, duty,
// divisions, audit, …) on the wired server over SQLite with the demo data,
// as a user allowed to read the route. Whatever the query, the answer is never a 5xx; a
// refusal is a problem naming a parameter that was sent or that the route
// documents; a JSON answer is valid JSON.
func FuzzListQuery(f *testing.F) {
	w := newWiredServer(f, storetest.Backends()[0])
	h := w.api.Handler()
	srv := httptest.NewServer(h)
	f.Cleanup(srv.Close)
	byRoute := listParams(f, srv.URL)
	routes := make([]string, 0, len(byRoute))
	for r := range byRoute {
		routes = append(routes, r)
	}
	sort.Strings(routes)
	if len(routes) < 20 {
		f.Fatalf("only %d list routes in the document", len(routes))
	}
	tokens := map[string]string{}
	for _, u := range listUsers {
		var login httpapi.LoginResponse
		res, err := http.Post(srv.URL+"/api/v1/auth/login", "application/json", strings.NewReader(`{"username":"`+u+`","password":"`+password+`"}`))
		if err != nil {
			f.Fatal(err)
		}
		if err := json.NewDecoder(res.Body).Decode(&login); err != nil || login.Token == "" {
			f.Fatalf("sign in %s: %v", u, err)
		}
		res.Body.Close()
		tokens[u] = login.Token
	}
	get := func(route, query, user string) *httptest.ResponseRecorder {
		req, err := http.NewRequest("GET", route+"?"+query, nil)
		if err != nil {
			return nil
		}
		req.RemoteAddr = "127.0.0.1:40000"
		req.Header.Set("Authorization", "Bearer "+tokens[user])
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	// each route is read by a user allowed to (see reader).
	readers := map[string]string{}
	for _, r := range routes {
		readers[r] = reader(f, func(u string) int { return get(r, "", u).Code }, r)
	}
	// two seeds a route: every parameter with a plausible value, and with
	// a wrong one (the fuzzer mixes them).
	plausible := map[string]string{"limit": "5", "offset": "1", "division": "530502", "bbox": "99,25,100,26", "from": "2026-11-01T00:00:00+08:00",
		"to": "1795831200000", "format": "csv", "lang": "en", "sort": "-name", "crs": "gcj02", "q": "示例", "overdue": "true"}
	for i, r := range routes {
		good, bad := url.Values{}, url.Values{}
		for _, p := range byRoute[r] {
			v, ok := plausible[p]
			if !ok {
				v = "1"
			}
			good.Set(p, v)
			bad.Set(p, "-1'x")
		}
		f.Add(uint16(i), good.Encode())
		f.Add(uint16(i), bad.Encode())
	}
	f.Fuzz(func(t *testing.T, which uint16, raw string) {
		route := routes[int(which)%len(routes)]
		req, err := http.NewRequest("GET", route+"?"+raw, nil)
		if err != nil {
			return
		}
		sent, err := url.ParseQuery(req.URL.RawQuery)
		if err != nil {
			return // the server's Query() drops such pairs; net/http clients do not send them
		}
		rec := get(route, raw, readers[route])
		body := rec.Body.Bytes()
		switch {
		case rec.Code >= 500:
			t.Fatalf("GET %s?%s: %d %s", route, raw, rec.Code, body)
		case rec.Code == 400 || rec.Code == 422:
			var p httpapi.Problem
			if err := json.Unmarshal(body, &p); err != nil || len(p.Errors) == 0 {
				t.Fatalf("GET %s?%s: %d without a problem naming the parameter: %s", route, raw, rec.Code, body)
			}
			// JSON carries each byte of an invalid UTF-8 name as U+FFFD.
			named := slices.ContainsFunc(slices.Collect(maps.Keys(sent)), func(k string) bool { return string([]rune(k)) == p.Errors[0].Field })
			if f := p.Errors[0].Field; !named && !slices.Contains(byRoute[route], f) {
				t.Fatalf("GET %s?%s: %d names %q, neither sent nor a parameter of the route: %s", route, raw, rec.Code, f, body)
			}
		case rec.Code != 200:
		case strings.Contains(rec.Header().Get("Content-Type"), "ndjson"):
			for i, line := range bytes.Split(bytes.TrimSpace(body), []byte("\n")) {
				if !json.Valid(line) {
					t.Fatalf("GET %s?%s: line %d is not JSON: %.300s", route, raw, i+1, line)
				}
			}
		case strings.Contains(rec.Header().Get("Content-Type"), "json") && !json.Valid(body):
			t.Fatalf("GET %s?%s: invalid JSON %.300s", route, raw, body)
		}
	})
}
