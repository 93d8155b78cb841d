package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/yingji/yingji/internal/audit"
	"github.com/yingji/yingji/internal/auth"
	"github.com/yingji/yingji/internal/core"
)

type newToken struct {
	ID        int64
	Token     string
	Name      string
	Scopes    []string
	ExpiresAt string `json:"expires_at"`
}

type tokenList struct {
	Items []struct {
		ID     int64
		Kind   string
		Name   string
		Scopes []string
	}
}

// TestAPITokenScopes: a token is created with scopes that are a subset of
// its creator's role, is listed with them, and may use only them (and the
// role, at the time of use); creation, refusals and revocation are audited
// with the scopes.
func TestAPITokenScopes(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		e.api.Auth.Security = &auth.Security{Store: e.db} // audits denials
		ctx := context.Background()
		addUser(t, e, auth.UserInput{Username: "city-secadmin", Role: "secadmin", Division: "530500"})

		// refused: no scopes, a scope outside the role, not a permission, bad days.
		for _, c := range []struct {
			body  map[string]any
			field string
		}{
			{map[string]any{"name": "x"}, "scopes"},
			{map[string]any{"name": "x", "scopes": []string{}}, "scopes"},
			{map[string]any{"name": "x", "scopes": []string{"registry.read", "users.manage"}}, "scopes[1]"},
			{map[string]any{"name": "x", "scopes": []string{"*"}}, "scopes[0]"},
			{map[string]any{"name": "x", "scopes": []string{"authenticated"}}, "scopes[0]"},
			{map[string]any{"name": "x", "scopes": []string{"registry.read"}, "days": 367}, "days"},
			{map[string]any{"name": " ", "scopes": []string{"registry.read"}}, "name"},
		} {
			data := e.call("POST", "/api/v1/auth/tokens", "ly-inspector", c.body, 422, nil)
			if !strings.Contains(string(data), `"`+c.field+`"`) {
				t.Errorf("%v: the problem does not name %s: %s", c.body, c.field, data)
			}
		}

		var tok newToken
		e.call("POST", "/api/v1/auth/tokens", "ly-inspector", map[string]any{"name": "水利局 读取", "scopes": []string{"registry.read", "registry.read"}}, 201, &tok)
		if !strings.HasPrefix(tok.Token, "yja_") || !slices.Equal(tok.Scopes, []string{"registry.read"}) || tok.ID == 0 {
			t.Fatalf("created %+v", tok)
		}
		var list tokenList
		e.call("GET", "/api/v1/auth/tokens", "ly-inspector", nil, 200, &list)
		found := false
		for _, it := range list.Items {
			if it.ID == tok.ID {
				found = it.Kind == "api" && slices.Equal(it.Scopes, []string{"registry.read"})
			} else if len(it.Scopes) != 0 {
				t.Errorf("a session lists scopes: %+v", it)
			}
		}
		if !found {
			t.Errorf("the token is not listed with its scopes: %+v", list)
		}

		// inside its scopes: read; outside (the role may write): 403, audited.
		e.call("GET", "/api/v1/divisions?level=county", tok.Token, nil, 200, nil)
		e.call("GET", "/api/v1/enterprises", tok.Token, nil, 200, nil)
		p := problemOf(t, e.call("POST", "/api/v1/enterprises", tok.Token, map[string]any{"name": "x"}, 403, nil))
		if !strings.Contains(p.Detail, "scopes do not include registry.write") {
			t.Errorf("write with a read token: %s", p.Detail)
		}
		denied, _ := e.db.ListAudit(ctx, audit.Filter{Entity: "permission", Actor: "ly-inspector"})
		if len(denied) != 1 || !strings.Contains(string(denied[0].After), "POST /api/v1/enterprises") {
			t.Errorf("denial audit = %+v", denied)
		}
		// a token reads the caller's own state but cannot make tokens
		// (no widening), change a second factor, or revoke.
		e.call("GET", "/api/v1/auth/me", tok.Token, nil, 200, nil)
		e.call("POST", "/api/v1/auth/tokens", tok.Token, map[string]any{"name": "wider", "scopes": []string{"registry.write"}}, 403, nil)
		e.call("POST", "/api/v1/auth/mfa/enrol", tok.Token, map[string]any{"password": password}, 403, nil)
		e.call("DELETE", fmt.Sprintf("/api/v1/auth/tokens/%d", tok.ID), tok.Token, nil, 403, nil)

		// the role still applies at use: a write token of an inspector
		// turned viewer is refused by the role.
		var wtok newToken
		e.call("POST", "/api/v1/auth/tokens", "ly-inspector", map[string]any{"name": "采集", "days": 1, "scopes": []string{"registry.write"}}, 201, &wtok)
		e.call("GET", "/api/v1/divisions", wtok.Token, nil, 403, nil) // registry.read is not in its scopes
		id := userID(t, e, "ly-inspector")
		e.call("PATCH", fmt.Sprintf("/api/v1/users/%d", id), "city-secadmin", map[string]any{"role": "viewer"}, 200, nil)
		p = problemOf(t, e.call("POST", "/api/v1/enterprises", wtok.Token, map[string]any{"name": "x"}, 403, nil))
		if !strings.Contains(p.Detail, "viewer role") {
			t.Errorf("demoted: %s", p.Detail)
		}

		// creation and revocation are audited with the scopes and the division.
		e.call("DELETE", fmt.Sprintf("/api/v1/auth/tokens/%d", tok.ID), "ly-inspector", nil, 204, nil)
		e.call("GET", "/api/v1/divisions", tok.Token, nil, 401, nil)
		entries, err := e.db.ListAudit(ctx, audit.Filter{Entity: "api_token", EntityID: fmt.Sprint(tok.ID)})
		if err != nil || len(entries) != 2 {
			t.Fatalf("api_token audit = %+v, %v", entries, err)
		}
		for _, en := range entries {
			body := en.After
			if en.Action == "delete" {
				body = en.Before
			}
			var rec struct{ Scopes []string }
			json.Unmarshal(body, &rec)
			if !slices.Equal(rec.Scopes, []string{"registry.read"}) || en.Division != "530502" || en.Actor != "ly-inspector" {
				t.Errorf("%s entry: %+v %s", en.Action, en, body)
			}
		}
	})
}

// TestSecurityAdminTokens: a security administrator lists and revokes other
// accounts' tokens inside their area only; others may not.
func TestSecurityAdminTokens(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		addUser(t, e, auth.UserInput{Username: "ly-secadmin", Role: "secadmin", Division: "530502"})
		var lyTok, tcTok newToken
		e.call("POST", "/api/v1/auth/tokens", "ly-inspector", map[string]any{"name": "ly", "scopes": []string{"alarms.read"}}, 201, &lyTok)
		e.call("POST", "/api/v1/auth/tokens", "tc-inspector", map[string]any{"name": "tc", "scopes": []string{"alarms.read"}}, 201, &tcTok)
		ly, tc := userID(t, e, "ly-inspector"), userID(t, e, "tc-inspector")

		var list tokenList
		e.call("GET", fmt.Sprintf("/api/v1/users/%d/tokens", ly), "ly-secadmin", nil, 200, &list)
		if !slices.ContainsFunc(list.Items, func(it struct {
			ID     int64
			Kind   string
			Name   string
			Scopes []string
		}) bool {
			return it.ID == lyTok.ID && slices.Equal(it.Scopes, []string{"alarms.read"})
		}) {
			t.Errorf("secadmin's list = %+v", list)
		}
		// outside the area: not found; wrong token of the right user: not found.
		e.call("GET", fmt.Sprintf("/api/v1/users/%d/tokens", tc), "ly-secadmin", nil, 404, nil)
		e.call("DELETE", fmt.Sprintf("/api/v1/users/%d/tokens/%d", tc, tcTok.ID), "ly-secadmin", nil, 404, nil)
		e.call("DELETE", fmt.Sprintf("/api/v1/users/%d/tokens/%d", ly, tcTok.ID), "ly-secadmin", nil, 404, nil)
		e.call("DELETE", fmt.Sprintf("/api/v1/users/%d/tokens/x", ly), "ly-secadmin", nil, 422, nil)
		// without security.manage: refused.
		e.call("GET", fmt.Sprintf("/api/v1/users/%d/tokens", ly), "admin", nil, 403, nil)
		e.call("DELETE", fmt.Sprintf("/api/v1/users/%d/tokens/%d", ly, lyTok.ID), "admin", nil, 403, nil)

		e.call("GET", "/api/v1/alarms", lyTok.Token, nil, 404, nil) // perception is off here: past the checks
		e.call("DELETE", fmt.Sprintf("/api/v1/users/%d/tokens/%d", ly, lyTok.ID), "ly-secadmin", nil, 204, nil)
		e.call("GET", "/api/v1/auth/me", lyTok.Token, nil, 401, nil)
		e.call("GET", "/api/v1/auth/me", tcTok.Token, nil, 200, nil)
		entries, _ := e.db.ListAudit(context.Background(), audit.Filter{Entity: "api_token", EntityID: fmt.Sprint(lyTok.ID)})
		if n := len(entries); n != 2 || entries[1].Action != "delete" || entries[1].Actor != "ly-secadmin" || !strings.Contains(string(entries[1].Before), "alarms.read") {
			t.Errorf("revocation audit = %+v", entries)
		}
	})
}

// addUser creates an account and signs it in.
func addUser(t *testing.T, e *env, u auth.UserInput) {
	t.Helper()
	u.Password = password
	if _, err := e.api.Auth.CreateUser(core.WithActor(context.Background(), core.SystemActor), u); err != nil {
		t.Fatal(err)
	}
	e.login(u.Username)
}
