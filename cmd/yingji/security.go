package main

import (
	"flag"
	"fmt"
	"strings"

	"github.com/yingji/yingji/internal/auth"
)

// securityConfig is the login-security settings (issue 9).
type securityConfig struct {
	// MFARoles must sign in with a TOTP second factor until an
	// administrator stores a policy (PUT /api/v1/security/mfa-policy).
	MFARoles string
}

func (c *securityConfig) register(fs *flag.FlagSet) {
	fs.StringVar(&c.MFARoles, "mfa-roles", "admin", `roles that must sign in with a TOTP second factor until an administrator sets the policy in the UI or API (comma-separated; "" for none)`)
}

// apply turns on two-factor login in the auth service.
func (c *securityConfig) apply(svc *auth.Service, store auth.MFAStore) error {
	var roles []string
	for r := range strings.SplitSeq(c.MFARoles, ",") {
		if r = strings.TrimSpace(r); r == "" {
			continue
		}
		if _, ok := auth.RoleNamed(r); !ok {
			return fmt.Errorf("--mfa-roles: %q is not a role", r)
		}
		roles = append(roles, r)
	}
	svc.MFA = &auth.MFA{Store: store, Issuer: "Yingji", DefaultRoles: roles}
	return nil
}
