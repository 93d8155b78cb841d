package main

import (
	"flag"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/yingji/yingji/internal/auth"
	"github.com/yingji/yingji/internal/outbox"
)

// securityConfig is the login-security settings (issue 9).
type securityConfig struct {
	// MFARoles must sign in with a TOTP second factor until an
	// administrator stores a policy (PUT /api/v1/security/mfa-policy).
	MFARoles string
	// Password policy, lockout and idle sessions.
	PasswordMinLength, PasswordClasses, PasswordHistory int
	PasswordMaxAge                                      time.Duration
	LockAfter, LockAfterIP                              int
	LockDelay, LockMaxDelay                             time.Duration
	SessionIdle                                         time.Duration
}

func (c *securityConfig) register(fs *flag.FlagSet) {
	fs.StringVar(&c.MFARoles, "mfa-roles", strings.Join(auth.SecondFactorRoles(), ","), `roles that must sign in with a second factor until the security administrator sets the policy in the UI or API (comma-separated; "" for none; default: every role that can change data, and the audit administrator)`)
	fs.IntVar(&c.PasswordMinLength, "password-min-length", 10, "shortest password allowed, in characters")
	fs.IntVar(&c.PasswordClasses, "password-classes", 3, "how many of lower case, upper case, digits and symbols a password must mix (1–4)")
	fs.IntVar(&c.PasswordHistory, "password-history", 5, "a new password may not be one of the account's last N")
	fs.DurationVar(&c.PasswordMaxAge, "password-max-age", 0, "passwords expire this long after they were set, e.g. 2160h for 90 days (0: never)")
	fs.IntVar(&c.LockAfter, "login-lock-after", 5, "failed sign-ins of one account before it is locked for --login-lock-delay, doubled at each further failure")
	fs.IntVar(&c.LockAfterIP, "login-lock-after-ip", 20, "failed sign-ins from one address before it is locked likewise")
	fs.DurationVar(&c.LockDelay, "login-lock-delay", time.Minute, "first lockout after too many failed sign-ins")
	fs.DurationVar(&c.LockMaxDelay, "login-lock-max", time.Hour, "longest lockout")
	fs.DurationVar(&c.SessionIdle, "session-idle", 30*time.Minute, "a browser session unused this long ends (0: only --session-ttl ends it)")
}

// securityStore is what the login security needs of the store.
type securityStore interface {
	auth.MFAStore
	auth.SecurityStore
}

// apply turns on two-factor login, the password policy, the lockout and
// the idle timeout in the auth service.
func (c *securityConfig) apply(svc *auth.Service, store securityStore, cfg *Config) error {
	if c.PasswordMinLength == 0 {
		// a Config built in code (the benchmarks) takes the flags' defaults.
		d := securityConfig{}
		d.register(flag.NewFlagSet("defaults", flag.ContinueOnError))
		d.MFARoles = c.MFARoles
		*c = d
	}
	switch {
	case c.PasswordMinLength < 8:
		return fmt.Errorf("--password-min-length: %d is below 8", c.PasswordMinLength)
	case c.PasswordClasses < 1 || c.PasswordClasses > 4:
		return fmt.Errorf("--password-classes: %d is not from 1 to 4", c.PasswordClasses)
	case c.PasswordHistory < 0 || c.PasswordHistory > 24:
		return fmt.Errorf("--password-history: %d is not from 0 to 24", c.PasswordHistory)
	case c.LockAfter < 1 || c.LockAfterIP < 1:
		return fmt.Errorf("--login-lock-after and --login-lock-after-ip must be at least 1")
	case c.LockDelay <= 0 || c.LockMaxDelay < c.LockDelay:
		return fmt.Errorf("--login-lock-delay must be positive and at most --login-lock-max")
	case c.PasswordMaxAge < 0 || c.SessionIdle < 0:
		return fmt.Errorf("--password-max-age and --session-idle cannot be negative")
	}
	svc.Security = &auth.Security{Store: store, LockAfter: c.LockAfter, LockAfterIP: c.LockAfterIP, Delay: c.LockDelay, MaxDelay: c.LockMaxDelay,
		Password: auth.PasswordPolicy{MinLength: c.PasswordMinLength, MinClasses: c.PasswordClasses, History: c.PasswordHistory, MaxAge: c.PasswordMaxAge}}
	svc.IdleTimeout = c.SessionIdle
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
	svc.MFA = &auth.MFA{Store: store, Issuer: "Yingji", DefaultRoles: roles, Sealer: &lazySealer{load: cfg.protector}}
	return nil
}

// lazySealer seals TOTP secrets with the installation's data key ring
// (keys.go; secrets sealed before it with the recipient key,
// YINGJI_RECIPIENT_KEY or --recipient-key-file, still open), loaded at the
// first use so that commands which never touch a second factor do not
// create the recipient key file.
type lazySealer struct {
	load func() (*outbox.Protector, error)
	once sync.Once
	p    *outbox.Protector
	err  error
}

func (l *lazySealer) get() (*outbox.Protector, error) {
	l.once.Do(func() { l.p, l.err = l.load() })
	return l.p, l.err
}

func (l *lazySealer) Seal(field, plain string) (string, error) {
	p, err := l.get()
	if err != nil {
		return "", fmt.Errorf("the data key for TOTP secrets: %w", err)
	}
	return p.Seal(field, plain), nil
}

func (l *lazySealer) Open(field, sealed string) (string, error) {
	p, err := l.get()
	if err != nil {
		return "", fmt.Errorf("the data key for TOTP secrets: %w", err)
	}
	return p.Open(field, sealed)
}
