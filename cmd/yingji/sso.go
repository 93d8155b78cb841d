package main

import (
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/yingji/yingji/internal/auth"

	"github.com/yingji/yingji/internal/sso"
)

// ssoConfig is single sign-on through a province's OpenID Connect identity
// provider (issue 9); off unless --oidc-issuer is set.
type ssoConfig struct {
	Issuer, ClientID, RedirectURL, Claim string
	// WebAuthnRPID and WebAuthnOrigins turn on security keys as a second
	// factor.
	WebAuthnRPID, WebAuthnOrigins string
}

func (c *ssoConfig) register(fs *flag.FlagSet) {
	fs.StringVar(&c.Issuer, "oidc-issuer", "", "single sign-on: the OpenID Connect provider's issuer URL (its discovery document is read at the first sign-in); the client secret is YINGJI_OIDC_CLIENT_SECRET")
	fs.StringVar(&c.ClientID, "oidc-client-id", "", "single sign-on: this server's client ID at the provider")
	fs.StringVar(&c.RedirectURL, "oidc-redirect-url", "", "single sign-on: this server's callback as registered at the provider, https://HOST/api/v1/auth/oidc/callback")
	fs.StringVar(&c.WebAuthnRPID, "webauthn-rp-id", "", "security keys (WebAuthn) as a second factor: the site's host name as browsers see it, e.g. yingji.example (off when empty)")
	fs.StringVar(&c.WebAuthnOrigins, "webauthn-origins", "", "security keys: the page origins allowed, comma-separated, e.g. https://yingji.example (default https://RP-ID)")
	fs.StringVar(&c.Claim, "oidc-claim", "preferred_username", "single sign-on: the ID token claim that holds the Yingji username (preferred_username or sub); only existing accounts sign in")
}

// relyingParty is nil when single sign-on is off.
func (c *ssoConfig) relyingParty() (*sso.RP, error) {
	if c.Issuer == "" {
		if c.ClientID != "" || c.RedirectURL != "" {
			return nil, fmt.Errorf("--oidc-client-id and --oidc-redirect-url need --oidc-issuer")
		}
		return nil, nil
	}
	rp, err := sso.New(sso.Config{Issuer: c.Issuer, ClientID: c.ClientID, ClientSecret: os.Getenv("YINGJI_OIDC_CLIENT_SECRET"),
		RedirectURL: c.RedirectURL, Claim: c.Claim})
	if err != nil {
		return nil, fmt.Errorf("--oidc-issuer: %w", err)
	}
	return rp, nil
}

// keys is nil when security keys are off.
func (c *ssoConfig) keys(store auth.KeyStore) (*auth.Keys, error) {
	if c.WebAuthnRPID == "" {
		if c.WebAuthnOrigins != "" {
			return nil, fmt.Errorf("--webauthn-origins needs --webauthn-rp-id")
		}
		return nil, nil
	}
	var origins []string
	for o := range strings.SplitSeq(c.WebAuthnOrigins, ",") {
		if o = strings.TrimSpace(o); o != "" {
			origins = append(origins, o)
		}
	}
	if len(origins) == 0 {
		origins = []string{"https://" + c.WebAuthnRPID}
	}
	k, err := auth.NewKeys(store, c.WebAuthnRPID, origins)
	if err != nil {
		return nil, fmt.Errorf("--webauthn-rp-id/--webauthn-origins: %w", err)
	}
	return k, nil
}
