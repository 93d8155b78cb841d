package sso

import (
	"strings"
	"testing"
)

func TestNewChecksConfig(t *testing.T) {
	good := Config{Issuer: "https://idp.example/realms/yn", ClientID: "yingji", RedirectURL: "https://yingji.example/api/v1/auth/oidc/callback"}
	if rp, err := New(good); err != nil || rp.Claim() != "preferred_username" {
		t.Fatalf("good config: %v", err)
	}
	for _, c := range []struct {
		change func(*Config)
		want   string
	}{
		{func(c *Config) { c.Issuer = "idp.example" }, "issuer"},
		{func(c *Config) { c.Issuer = "ftp://idp.example" }, "issuer"},
		{func(c *Config) { c.ClientID = " " }, "client ID"},
		{func(c *Config) { c.RedirectURL = "/api/v1/auth/oidc/callback" }, "redirect URL"},
		{func(c *Config) { c.Claim = "email" }, "claim"},
	} {
		cfg := good
		c.change(&cfg)
		if _, err := New(cfg); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want an error about the %s", cfg, err, c.want)
		}
	}
}

func TestFlowRoundTrip(t *testing.T) {
	f := Flow{State: random(), Nonce: random(), Verifier: random(), Next: "/registry/enterprises?division=530502"}
	got, err := DecodeFlow(f.Encode())
	if err != nil || got != f {
		t.Fatalf("DecodeFlow(Encode) = %+v, %v", got, err)
	}
	for _, bad := range []string{"", "a.b.c.d", f.State + "." + f.Nonce + "." + f.Verifier, f.State + "." + f.Nonce + "." + f.Verifier + ".%%%"} {
		if _, err := DecodeFlow(bad); err == nil {
			t.Errorf("DecodeFlow(%q) accepted", bad)
		}
	}
}

// FuzzDecodeFlow: the login cookie comes from the browser; any value is
// refused or decodes to a flow whose parts are long enough, and never
// panics.
func FuzzDecodeFlow(f *testing.F) {
	f.Add(Flow{State: random(), Nonce: random(), Verifier: random(), Next: "/"}.Encode())
	f.Add("....")
	f.Add("x.y.z.")
	f.Fuzz(func(t *testing.T, s string) {
		fl, err := DecodeFlow(s)
		if err != nil {
			return
		}
		if len(fl.State) < 32 || len(fl.Nonce) < 32 || len(fl.Verifier) < 32 {
			t.Errorf("DecodeFlow(%q) accepted short parts: %+v", s, fl)
		}
		if again, err := DecodeFlow(fl.Encode()); err != nil || again != fl {
			t.Errorf("re-encoding %+v: %+v, %v", fl, again, err)
		}
	})
}
