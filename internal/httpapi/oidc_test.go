package httpapi_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/yingji/yingji/internal/audit"
	"github.com/yingji/yingji/internal/auth"
	"github.com/yingji/yingji/internal/sso"
	"github.com/yingji/yingji/internal/store/storetest"
)

// testIdP is an OpenID Connect provider in the test process: discovery,
// JWKS, an authorization endpoint that signs in its current user at once,
// and a token endpoint that checks the client, the redirect URI and the PKCE
// verifier before it hands out an ID token signed with go-jose. Its knobs
// make it misbehave: another nonce, issuer or audience, an expired token,
// a token signed by an unknown key.
type testIdP struct {
	t        *testing.T
	srv      *httptest.Server
	key      *rsa.PrivateKey
	clientID string
	secret   string
	redirect string

	mu       sync.Mutex
	user     string // preferred_username of who signs in
	nonce    string // replaces the nonce when set
	issuer   string // replaces the issuer when set
	audience string // replaces the audience when set
	expired  bool
	rogueKey *rsa.PrivateKey // signs with this key when set
	codes    map[string]idpCode
	verified int // token requests whose PKCE verifier matched
}

type idpCode struct{ challenge, nonce, user string }

func newTestIdP(t *testing.T) *testIdP {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	p := &testIdP{t: t, key: key, clientID: "yingji", secret: "s3cret", codes: map[string]idpCode{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]any{"issuer": p.srv.URL, "authorization_endpoint": p.srv.URL + "/authorize",
			"token_endpoint": p.srv.URL + "/token", "jwks_uri": p.srv.URL + "/jwks", "response_types_supported": []string{"code"},
			"subject_types_supported": []string{"public"}, "id_token_signing_alg_values_supported": []string{"RS256"},
			"code_challenge_methods_supported": []string{"S256"}})
	})
	mux.HandleFunc("GET /jwks", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &p.key.PublicKey, KeyID: "k1", Algorithm: "RS256", Use: "sig"}}})
	})
	mux.HandleFunc("GET /authorize", p.authorize)
	mux.HandleFunc("POST /token", p.token)
	p.srv = httptest.NewServer(mux)
	t.Cleanup(p.srv.Close)
	return p
}

func (p *testIdP) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	switch {
	case q.Get("response_type") != "code", q.Get("client_id") != p.clientID, q.Get("redirect_uri") != p.redirect,
		!strings.Contains(q.Get("scope"), "openid"), q.Get("code_challenge_method") != "S256", q.Get("code_challenge") == "",
		q.Get("state") == "", q.Get("nonce") == "":
		http.Error(w, "bad authorization request: "+r.URL.RawQuery, 400)
		return
	}
	p.mu.Lock()
	code := fmt.Sprintf("code-%d", len(p.codes)+1)
	p.codes[code] = idpCode{q.Get("code_challenge"), q.Get("nonce"), p.user}
	p.mu.Unlock()
	http.Redirect(w, r, p.redirect+"?code="+code+"&state="+url.QueryEscape(q.Get("state")), http.StatusFound)
}

func (p *testIdP) token(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	id, secret, ok := r.BasicAuth()
	if !ok {
		id, secret = r.Form.Get("client_id"), r.Form.Get("client_secret")
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	c, known := p.codes[r.Form.Get("code")]
	delete(p.codes, r.Form.Get("code")) // a code is good once
	sum := sha256.Sum256([]byte(r.Form.Get("code_verifier")))
	switch {
	case id != p.clientID || secret != p.secret:
		http.Error(w, `{"error":"invalid_client"}`, 401)
		return
	case !known || r.Form.Get("grant_type") != "authorization_code" || r.Form.Get("redirect_uri") != p.redirect:
		http.Error(w, `{"error":"invalid_grant"}`, 400)
		return
	case base64.RawURLEncoding.EncodeToString(sum[:]) != c.challenge:
		http.Error(w, `{"error":"invalid_grant","error_description":"PKCE verifier"}`, 400)
		return
	}
	p.verified++
	now := time.Now()
	claims := map[string]any{"iss": p.srv.URL, "sub": "sub-" + c.user, "aud": p.clientID, "iat": now.Unix(), "exp": now.Add(5 * time.Minute).Unix(),
		"nonce": c.nonce, "preferred_username": c.user}
	if p.nonce != "" {
		claims["nonce"] = p.nonce
	}
	if p.issuer != "" {
		claims["iss"] = p.issuer
	}
	if p.audience != "" {
		claims["aud"] = p.audience
	}
	if p.expired {
		claims["iat"], claims["exp"] = now.Add(-time.Hour).Unix(), now.Add(-30*time.Minute).Unix()
	}
	key := p.key
	if p.rogueKey != nil {
		key = p.rogueKey
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: key}, (&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", "k1"))
	if err != nil {
		p.t.Error(err)
		return
	}
	payload, _ := json.Marshal(claims)
	obj, err := signer.Sign(payload)
	if err != nil {
		p.t.Error(err)
		return
	}
	raw, _ := obj.CompactSerialize()
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"access_token": "at", "token_type": "Bearer", "expires_in": 300, "id_token": raw})
}

func (p *testIdP) set(fn func(p *testIdP)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.user, p.nonce, p.issuer, p.audience, p.expired, p.rogueKey = "", "", "", "", false, nil
	fn(p)
}

// browser follows redirects between Yingji and the provider, keeping
// cookies, and stops when it is sent back to a Yingji page (not the API).
type browser struct {
	*http.Client
	base string
}

func newBrowser(t *testing.T, base string) *browser {
	jar, _ := cookiejar.New(nil)
	b := &browser{base: base}
	b.Client = &http.Client{Jar: jar, Timeout: 20 * time.Second, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if strings.HasPrefix(req.URL.String(), base) && !strings.HasPrefix(req.URL.Path, "/api/") {
			return http.ErrUseLastResponse
		}
		return nil
	}}
	return b
}

// signIn runs the flow and returns where it ended and the session cookie.
func (b *browser) signIn(t *testing.T, next string) (string, string) {
	t.Helper()
	resp, err := b.Get(b.base + "/api/v1/auth/oidc/login?next=" + url.QueryEscape(next))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 303 {
		t.Fatalf("the flow ended with %d at %s", resp.StatusCode, resp.Request.URL)
	}
	u, _ := url.Parse(b.base)
	session := ""
	for _, c := range b.Jar.Cookies(u) {
		if c.Name == "yingji_session" {
			session = c.Value
		}
	}
	return resp.Header.Get("Location"), session
}

func TestOIDCLogin(t *testing.T) {
	for _, be := range storetest.Backends() {
		t.Run(be.Name, func(t *testing.T) {
			e := newEnv(t, be)
			e.api.Auth.Security = &auth.Security{Store: e.db}
			idp := newTestIdP(t)
			// the API under a second server so that the redirect URL is known before the RP is made.
			mux := http.NewServeMux()
			srv := httptest.NewServer(mux)
			t.Cleanup(srv.Close)
			idp.redirect = srv.URL + "/api/v1/auth/oidc/callback"
			rp, err := sso.New(sso.Config{Issuer: idp.srv.URL, ClientID: idp.clientID, ClientSecret: idp.secret, RedirectURL: idp.redirect})
			if err != nil {
				t.Fatal(err)
			}
			e.api.OIDC = rp
			e.api.Metrics = nil // a second handler registers its metrics anew
			mux.Handle("/", e.api.Handler())
			e.url = srv.URL
			e.loadDocument()
			// the admin role must use a second factor: single sign-on stands in for it.
			e.api.Auth.MFA.DefaultRoles = []string{"admin"}

			idp.set(func(p *testIdP) { p.user = "admin" })
			b := newBrowser(t, srv.URL)
			to, session := b.signIn(t, "/registry/enterprises")
			if to != "/registry/enterprises" || session == "" {
				t.Fatalf("signed in: to %q, session %q", to, session)
			}
			var me struct{ User struct{ Username string } }
			e.call("GET", "/api/v1/auth/me", session, nil, 200, &me)
			if me.User.Username != "admin" {
				t.Errorf("me = %+v", me)
			}
			if idp.verified != 1 {
				t.Errorf("the provider checked %d PKCE verifiers, want 1", idp.verified)
			}
			logins, _ := e.db.ListAudit(context.Background(), audit.Filter{Entity: "login", Actor: "admin"})
			if len(logins) != 1 || logins[0].Action != "login" || !strings.Contains(string(logins[0].After), `"method":"oidc"`) {
				t.Errorf("login audit = %+v", logins)
			}
			// an unsafe next is replaced by /.
			if to, _ := newBrowser(t, srv.URL).signIn(t, "//evil.example/x"); to != "/" {
				t.Errorf("next //evil.example/x went to %q", to)
			}

			for _, c := range []struct {
				name, want string
				set        func(p *testIdP)
			}{
				{"wrong nonce", "token", func(p *testIdP) { p.user, p.nonce = "admin", "another-login's-nonce" }},
				{"wrong issuer", "token", func(p *testIdP) { p.user, p.issuer = "admin", "https://idp.elsewhere.example" }},
				{"wrong audience", "token", func(p *testIdP) { p.user, p.audience = "admin", "another-client" }},
				{"expired", "token", func(p *testIdP) { p.user, p.expired = "admin", true }},
				{"unknown key", "token", func(p *testIdP) {
					p.user = "admin"
					p.rogueKey, _ = rsa.GenerateKey(rand.Reader, 2048)
				}},
				{"no such account", "account", func(p *testIdP) { p.user = "nobody" }},
			} {
				idp.set(c.set)
				to, session := newBrowser(t, srv.URL).signIn(t, "/")
				if to != "/login?sso_error="+c.want || session != "" {
					t.Errorf("%s: to %q, session %q", c.name, to, session)
				}
			}
			failed, _ := e.db.ListAudit(context.Background(), audit.Filter{Entity: "login"})
			n := 0
			for _, f := range failed {
				if f.Action == "login_failed" && strings.Contains(string(f.After), `"method":"oidc"`) {
					n++
				}
			}
			if n != 6 {
				t.Errorf("%d failed single sign-ons audited, want 6", n)
			}

			// a disabled account is refused.
			idp.set(func(p *testIdP) { p.user = "viewer" })
			addUser(t, e, auth.UserInput{Username: "city-secadmin", Role: "secadmin", Division: "530500"})
			e.call("PATCH", fmt.Sprintf("/api/v1/users/%d", userID(t, e, "viewer")), "city-secadmin", map[string]any{"disabled": true}, 200, nil)
			if to, session := newBrowser(t, srv.URL).signIn(t, "/"); to != "/login?sso_error=account" || session != "" {
				t.Errorf("disabled: to %q, session %q", to, session)
			}

			// the state: a callback without this browser's login, or with another state, is refused.
			idp.set(func(p *testIdP) { p.user = "admin" })
			victim := newBrowser(t, srv.URL)
			resp, err := victim.Get(srv.URL + "/api/v1/auth/oidc/callback?code=code-1&state=forged")
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if loc := resp.Header.Get("Location"); resp.StatusCode != 303 || loc != "/login?sso_error=state" {
				t.Errorf("callback without a login: %d %q", resp.StatusCode, loc)
			}
			// the attacker's own login, finished in the victim's browser: the state is not the victim's.
			attacker := newBrowser(t, srv.URL)
			attacker.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
			resp, _ = attacker.Get(srv.URL + "/api/v1/auth/oidc/login")
			resp.Body.Close()
			resp, _ = attacker.Get(resp.Header.Get("Location")) // the provider answers with the callback URL
			resp.Body.Close()
			callback := resp.Header.Get("Location")
			victim.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
			resp, _ = victim.Get(srv.URL + "/api/v1/auth/oidc/login") // the victim's own login under way, at the provider
			resp.Body.Close()
			resp, err = victim.Get(callback)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if loc := resp.Header.Get("Location"); loc != "/login?sso_error=state" {
				t.Errorf("another browser's callback: %d %q", resp.StatusCode, loc)
			}
			// the provider's refusal.
			resp, _ = attacker.Get(srv.URL + "/api/v1/auth/oidc/login")
			resp.Body.Close()
			resp, _ = attacker.Get(srv.URL + "/api/v1/auth/oidc/callback?error=access_denied")
			resp.Body.Close()
			if loc := resp.Header.Get("Location"); loc != "/login?sso_error=denied" {
				t.Errorf("access_denied: %q", loc)
			}
		})
	}
}
