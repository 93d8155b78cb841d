package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/yingji/yingji/internal/sso"
)

// ssoConfig is single sign-on through a province's OpenID Connect identity
// provider (issue 9); off unless --oidc-issuer is set.
type ssoConfig struct {
	Issuer, ClientID, RedirectURL, Claim string
}

func (c *ssoConfig) register(fs *flag.FlagSet) {
	fs.StringVar(&c.Issuer, "oidc-issuer", "", "single sign-on: the OpenID Connect provider's issuer URL (its discovery document is read at the first sign-in); the client secret is YINGJI_OIDC_CLIENT_SECRET")
	fs.StringVar(&c.ClientID, "oidc-client-id", "", "single sign-on: this server's client ID at the provider")
	fs.StringVar(&c.RedirectURL, "oidc-redirect-url", "", "single sign-on: this server's callback as registered at the provider, https://HOST/api/v1/auth/oidc/callback")
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
