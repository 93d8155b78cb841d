// Package sso signs people in through a province's identity provider: an
// OpenID Connect relying party (authorization code flow with PKCE, state
// and nonce; coreos/go-oidc verifies the ID token's signature, issuer,
// audience and expiry). The provider vouches for an identity; the account
// must already exist in Yingji under the name the configured claim holds
// (no account is created from a login).
package sso

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// Config is the relying party's registration with the identity provider.
type Config struct {
	// Issuer is the provider's issuer URL; its discovery document is at
	// Issuer + "/.well-known/openid-configuration".
	Issuer       string
	ClientID     string
	ClientSecret string
	// RedirectURL is this server's callback as registered with the
	// provider: https://yingji.example/api/v1/auth/oidc/callback.
	RedirectURL string
	// Claim names the ID token claim whose value is the Yingji username:
	// preferred_username (default) or sub.
	Claim string
	// HTTPClient talks to the provider (default: a client with a 10 s
	// timeout).
	HTTPClient *http.Client
}

// Claims a login may be matched by.
var Claims = []string{"preferred_username", "sub"}

// RP is a configured relying party. The provider's discovery document is
// read at the first login and kept once read, so the server starts while the
// provider is down.
type RP struct {
	cfg Config

	mu       sync.Mutex
	verifier *oidc.IDTokenVerifier
	oauth    *oauth2.Config
}

// New checks the configuration; it does not contact the provider.
func New(cfg Config) (*RP, error) {
	if cfg.Claim == "" {
		cfg.Claim = "preferred_username"
	}
	if cfg.Claim != "preferred_username" && cfg.Claim != "sub" {
		return nil, fmt.Errorf("sso: claim %q must be preferred_username or sub", cfg.Claim)
	}
	if u, err := url.Parse(cfg.Issuer); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("sso: issuer %q must be an http(s) URL", cfg.Issuer)
	}
	if strings.TrimSpace(cfg.ClientID) == "" {
		return nil, errors.New("sso: a client ID is required")
	}
	if u, err := url.Parse(cfg.RedirectURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("sso: redirect URL %q must be this server's absolute callback URL (…/api/v1/auth/oidc/callback)", cfg.RedirectURL)
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	return &RP{cfg: cfg}, nil
}

// Claim is the claim logins are matched by.
func (rp *RP) Claim() string { return rp.cfg.Claim }

func (rp *RP) ctx(ctx context.Context) context.Context {
	return oidc.ClientContext(ctx, rp.cfg.HTTPClient)
}

// discover reads the provider's discovery document once.
func (rp *RP) discover(ctx context.Context) (*oidc.IDTokenVerifier, *oauth2.Config, error) {
	rp.mu.Lock()
	defer rp.mu.Unlock()
	if rp.verifier != nil {
		return rp.verifier, rp.oauth, nil
	}
	p, err := oidc.NewProvider(rp.ctx(ctx), rp.cfg.Issuer)
	if err != nil {
		return nil, nil, &Error{Code: "idp", Err: fmt.Errorf("sso: discovery at %s: %w", rp.cfg.Issuer, err)}
	}
	rp.verifier = p.Verifier(&oidc.Config{ClientID: rp.cfg.ClientID})
	rp.oauth = &oauth2.Config{ClientID: rp.cfg.ClientID, ClientSecret: rp.cfg.ClientSecret, Endpoint: p.Endpoint(),
		RedirectURL: rp.cfg.RedirectURL, Scopes: []string{oidc.ScopeOpenID, "profile"}}
	return rp.verifier, rp.oauth, nil
}

// Error is a refused login; Code is one of state, denied, idp, token and
// account, for the login page.
type Error struct {
	Code string
	Err  error
}

func (e *Error) Error() string { return e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// Flow is what a login keeps between the redirect to the provider and the
// callback, in a cookie of the browser that started it: the state (bound
// to that browser), the nonce the ID token must carry, the PKCE verifier,
// and the page to return to.
type Flow struct {
	State, Nonce, Verifier, Next string
}

// Encode is the cookie value.
func (f Flow) Encode() string {
	return strings.Join([]string{f.State, f.Nonce, f.Verifier, base64.RawURLEncoding.EncodeToString([]byte(f.Next))}, ".")
}

// DecodeFlow reads a cookie value.
func DecodeFlow(s string) (Flow, error) {
	parts := strings.Split(s, ".")
	if len(parts) != 4 {
		return Flow{}, errors.New("sso: malformed login cookie")
	}
	next, err := base64.RawURLEncoding.DecodeString(parts[3])
	if err != nil {
		return Flow{}, errors.New("sso: malformed login cookie")
	}
	for _, p := range parts[:3] {
		if len(p) < 32 {
			return Flow{}, errors.New("sso: malformed login cookie")
		}
	}
	return Flow{State: parts[0], Nonce: parts[1], Verifier: parts[2], Next: string(next)}, nil
}

func random() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// Begin starts a login: the provider's authorization URL and the flow to
// keep for the callback.
func (rp *RP) Begin(ctx context.Context, next string) (string, Flow, error) {
	_, oc, err := rp.discover(ctx)
	if err != nil {
		return "", Flow{}, err
	}
	f := Flow{State: random(), Nonce: random(), Verifier: oauth2.GenerateVerifier(), Next: next}
	return oc.AuthCodeURL(f.State, oidc.Nonce(f.Nonce), oauth2.S256ChallengeOption(f.Verifier)), f, nil
}

// Finish completes a login from the callback's query and the flow kept in
// the browser, and returns the value of the configured claim.
func (rp *RP) Finish(ctx context.Context, f Flow, q url.Values) (string, error) {
	if e := q.Get("error"); e != "" {
		return "", &Error{Code: "denied", Err: fmt.Errorf("sso: the identity provider answered %s: %s", e, q.Get("error_description"))}
	}
	st := q.Get("state")
	if f.State == "" || subtle.ConstantTimeCompare([]byte(st), []byte(f.State)) != 1 {
		return "", &Error{Code: "state", Err: errors.New("sso: the state does not match this browser's login; start again")}
	}
	code := q.Get("code")
	if code == "" {
		return "", &Error{Code: "idp", Err: errors.New("sso: the callback has no code")}
	}
	verifier, oc, err := rp.discover(ctx)
	if err != nil {
		return "", err
	}
	ctx = context.WithValue(rp.ctx(ctx), oauth2.HTTPClient, rp.cfg.HTTPClient)
	tok, err := oc.Exchange(ctx, code, oauth2.VerifierOption(f.Verifier))
	if err != nil {
		return "", &Error{Code: "idp", Err: fmt.Errorf("sso: code exchange: %w", err)}
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return "", &Error{Code: "token", Err: errors.New("sso: the token response has no id_token")}
	}
	idt, err := verifier.Verify(ctx, raw) // signature, issuer, audience, expiry
	if err != nil {
		return "", &Error{Code: "token", Err: fmt.Errorf("sso: ID token refused: %w", err)}
	}
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(f.Nonce)) != 1 {
		return "", &Error{Code: "token", Err: errors.New("sso: ID token refused: the nonce is not this login's")}
	}
	if rp.cfg.Claim == "sub" {
		return idt.Subject, nil
	}
	var c struct {
		PreferredUsername string `json:"preferred_username"`
	}
	if err := idt.Claims(&c); err != nil || c.PreferredUsername == "" {
		return "", &Error{Code: "account", Err: fmt.Errorf("sso: the ID token has no %s claim", rp.cfg.Claim)}
	}
	return c.PreferredUsername, nil
}
