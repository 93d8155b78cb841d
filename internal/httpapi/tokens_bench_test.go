package httpapi_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/yingji/yingji/internal/auth"
	"github.com/yingji/yingji/internal/core"
	"github.com/yingji/yingji/internal/httpapi"
	"github.com/yingji/yingji/internal/registry"
	"github.com/yingji/yingji/internal/store/storetest"
)

// BenchmarkAuthenticate: a request authenticated by a session token and by
// a scoped API token (the scope check in Server.wrap on top of the same
// token lookup), on each store. The route is GET /api/v1/divisions/{code}
// (registry.read, answered from memory), so the token lookup dominates.
// Compare the two sub-benchmarks' ns/op for the ratio.
func BenchmarkAuthenticate(b *testing.B) {
	for _, be := range storetest.Backends() {
		b.Run(be.Name, func(b *testing.B) {
			db, tree := storetest.Open(b, be)
			rg := &regions{db: db}
			rg.tree.Store(tree)
			svc := &auth.Service{Store: db, Clock: core.SystemClock, SessionTTL: time.Hour,
				Divisions: func(c string) bool { _, ok := rg.Tree().Get(c); return ok }}
			api := &httpapi.Server{Registry: &registry.Service{Store: db, Regions: func() registry.Regions { return rg.Tree() }},
				Auth: svc, Regions: rg, DB: db, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Version: "bench"}
			h := api.Handler()
			sys := core.WithActor(context.Background(), core.SystemActor)
			u, err := svc.CreateUser(sys, auth.UserInput{Username: "bench", Password: password, Role: "inspector", Division: "530502"})
			if err != nil {
				b.Fatal(err)
			}
			session, err := svc.IssueToken(sys, u, auth.SessionToken, "login", time.Hour)
			if err != nil {
				b.Fatal(err)
			}
			token, _, err := svc.CreateAPIToken(core.WithActor(context.Background(), &core.Actor{UserID: u.ID, Username: u.Username, Role: u.Role, Division: u.Division}),
				auth.APITokenInput{Name: "bench", Days: 1, Scopes: []string{"registry.read", "alarms.read"}})
			if err != nil {
				b.Fatal(err)
			}
			for _, c := range []struct{ name, token string }{{"session", session}, {"scoped-token", token}} {
				b.Run(c.name, func(b *testing.B) {
					req := httptest.NewRequest("GET", "/api/v1/divisions/530502", nil)
					req.Header.Set("Authorization", "Bearer "+c.token)
					for b.Loop() {
						rec := httptest.NewRecorder()
						h.ServeHTTP(rec, req)
						if rec.Code != http.StatusOK {
							b.Fatalf("%d %s", rec.Code, rec.Body)
						}
					}
				})
			}
		})
	}
}
