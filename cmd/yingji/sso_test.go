package main

import (
	"strings"
	"testing"
)

func TestSSOFlags(t *testing.T) {
	if rp, err := (&ssoConfig{}).relyingParty(); rp != nil || err != nil {
		t.Errorf("off by default: %v %v", rp, err)
	}
	if _, err := (&ssoConfig{ClientID: "yingji"}).relyingParty(); err == nil || !strings.Contains(err.Error(), "--oidc-issuer") {
		t.Errorf("a client ID without an issuer: %v", err)
	}
	if _, err := (&ssoConfig{Issuer: "https://idp.example", ClientID: "yingji", RedirectURL: "callback", Claim: "preferred_username"}).relyingParty(); err == nil || !strings.Contains(err.Error(), "redirect URL") {
		t.Errorf("a relative redirect URL: %v", err)
	}
	t.Setenv("YINGJI_OIDC_CLIENT_SECRET", "s")
	rp, err := (&ssoConfig{Issuer: "https://idp.example", ClientID: "yingji", RedirectURL: "https://y.example/api/v1/auth/oidc/callback", Claim: "sub"}).relyingParty()
	if err != nil || rp.Claim() != "sub" {
		t.Errorf("configured: %v", err)
	}
	if k, err := (&ssoConfig{}).keys(nil); k != nil || err != nil {
		t.Errorf("security keys off by default: %v %v", k, err)
	}
	if _, err := (&ssoConfig{WebAuthnOrigins: "https://y.example"}).keys(nil); err == nil || !strings.Contains(err.Error(), "--webauthn-rp-id") {
		t.Errorf("origins without an RP ID: %v", err)
	}
	k, err := (&ssoConfig{WebAuthnRPID: "yingji.example"}).keys(nil)
	if err != nil || len(k.Origins) != 1 || k.Origins[0] != "https://yingji.example" {
		t.Errorf("default origin: %+v %v", k, err)
	}
}
