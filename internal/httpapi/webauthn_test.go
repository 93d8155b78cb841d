package httpapi_test

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	gowebauthn "github.com/go-webauthn/webauthn/webauthn"

	"github.com/yingji/yingji/internal/audit"
	"github.com/yingji/yingji/internal/auth"
	"github.com/yingji/yingji/internal/httpapi"
)

// TestWebAuthnRefusals: what the security-key routes refuse (the whole
// ceremony with a real authenticator is TestBrowserWebAuthnKey in webui):
// a key needs the authenticator app first; an answer that is not the
// browser's is refused naming the field, a finish without its begin, a key
// sign-in for an account without a key; a bad assertion is refused and
// audited as a failed sign-in (method webauthn).
func TestWebAuthnRefusals(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		e.api.Auth.Security = &auth.Security{Store: e.db}
		keys, err := auth.NewKeys(e.db, "localhost", []string{"http://localhost"})
		if err != nil {
			t.Fatal(err)
		}
		e.api.Auth.Keys = keys
		// a second server with the key routes (and its own OpenAPI document).
		e.api = &httpapi.Server{Registry: e.api.Registry, Auth: e.api.Auth, Regions: e.api.Regions, DB: e.api.DB, Logger: e.api.Logger, Version: "test"}
		srv := httptest.NewServer(e.api.Handler())
		t.Cleanup(srv.Close)
		e.url = srv.URL
		e.loadDocument()

		p := problemOf(t, e.call("POST", "/api/v1/auth/webauthn/register/begin", "viewer", map[string]any{}, 422, nil))
		if !strings.Contains(p.Detail, "authenticator app first") {
			t.Errorf("without the app: %s", p.Detail)
		}
		var en httpapi.MFAEnrolment
		e.call("POST", "/api/v1/auth/mfa/enrol", "viewer", map[string]string{"password": password}, 200, &en)
		e.call("POST", "/api/v1/auth/mfa/confirm", "viewer", map[string]string{"code": totpCode(t, en.Secret, time.Now())}, 200, nil)

		var opts struct {
			PublicKey struct {
				Challenge string
				RP        struct{ ID string }
			}
		}
		e.call("POST", "/api/v1/auth/webauthn/register/begin", "viewer", map[string]any{}, 200, &opts)
		if opts.PublicKey.Challenge == "" || opts.PublicKey.RP.ID != "localhost" {
			t.Errorf("creation options = %+v", opts)
		}
		data := e.call("POST", "/api/v1/auth/webauthn/register/finish", "viewer", map[string]any{"name": "key", "credential": map[string]any{"id": "x"}}, 422, nil)
		if p := problemOf(t, data); p.Errors[0].Field != "credential" {
			t.Errorf("a made-up answer: %s", data)
		}
		e.call("POST", "/api/v1/auth/webauthn/register/finish", "viewer", map[string]any{"name": "key", "credential": map[string]any{"id": "x"}}, 401, nil) // the begin is spent
		var list struct{ Items []any }
		e.call("GET", "/api/v1/auth/webauthn/keys", "viewer", nil, 200, &list)
		if len(list.Items) != 0 {
			t.Errorf("keys = %+v", list)
		}

		// no key: none offered, none accepted.
		ch := e.passwordStep("viewer", 202)
		if ch.WebAuthn {
			t.Error("a key is offered to an account without one")
		}
		e.call("POST", "/api/v1/auth/login/webauthn/begin", "", map[string]string{"challenge": ch.Challenge}, 422, nil)

		// a key (stored as a registration would), then a made-up assertion.
		id := userID(t, e, "viewer")
		cred, _ := json.Marshal(gowebauthn.Credential{ID: []byte("credential-1"), PublicKey: []byte{1, 2, 3}})
		if err := e.db.AddKey(context.Background(), &auth.Key{UserID: id, CredentialID: "Y3JlZGVudGlhbC0x", Name: "test", Data: string(cred), CreatedAt: time.Now()}); err != nil {
			t.Fatal(err)
		}
		ch = e.passwordStep("viewer", 202)
		if !ch.WebAuthn {
			t.Error("the key is not offered")
		}
		var req struct {
			PublicKey struct {
				Challenge        string
				AllowCredentials []struct{ ID string }
			}
		}
		e.call("POST", "/api/v1/auth/login/webauthn/begin", "", map[string]string{"challenge": ch.Challenge}, 200, &req)
		if len(req.PublicKey.AllowCredentials) != 1 || req.PublicKey.AllowCredentials[0].ID != "Y3JlZGVudGlhbC0x" {
			t.Errorf("request options = %+v", req)
		}
		e.call("POST", "/api/v1/auth/login/webauthn", "", map[string]any{"challenge": ch.Challenge, "credential": map[string]any{"id": "Y3JlZGVudGlhbC0x", "type": "public-key"}}, 401, nil)
		failed, _ := e.db.ListAudit(context.Background(), audit.Filter{Entity: "login", Actor: "viewer"})
		if n := len(failed); n == 0 || failed[n-1].Action != "login_failed" || !strings.Contains(string(failed[n-1].After), `"method":"webauthn"`) {
			t.Errorf("refusal audit = %+v", failed)
		}
		// the begin state is spent with the refusal.
		e.call("POST", "/api/v1/auth/login/webauthn", "", map[string]any{"challenge": ch.Challenge, "credential": map[string]any{"id": "x"}}, 401, nil)

		// a security administrator's reset of the second factor removes the keys too.
		addUser(t, e, auth.UserInput{Username: "city-secadmin", Role: "secadmin", Division: "530500"})
		e.call("DELETE", "/api/v1/users/"+itoa(id)+"/mfa", "city-secadmin", nil, 204, nil)
		if left, err := e.db.ListKeys(context.Background(), id); err != nil || len(left) != 0 {
			t.Errorf("keys after the reset: %v %v", left, err)
		}
	})
}
