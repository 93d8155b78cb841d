package auth

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode"

	"github.com/yingji/yingji/internal/core"
)

// Password policy, login-failure lockout and idle sessions (GB/T 22239-2019
// 8.1.4.1: identification with complexity and periodic change, handling of
// failed logins, ending idle sessions).

// PasswordPolicy is what a new password must meet.
type PasswordPolicy struct {
	// MinLength in characters (default 10).
	MinLength int
	// MinClasses of lower case, upper case, digits and symbols (default 3).
	MinClasses int
	// History refuses the last N passwords (0: only the current one).
	History int
	// MaxAge, when set, expires a password that long after it was set.
	MaxAge time.Duration
}

// DefaultPasswordPolicy is the policy without configuration.
var DefaultPasswordPolicy = PasswordPolicy{MinLength: 10, MinClasses: 3, History: 5}

// Check rejects a password that is too short or mixes too few classes.
func (p PasswordPolicy) Check(password string) error {
	minLen, minClasses := p.MinLength, p.MinClasses
	if minLen <= 0 {
		minLen = 10
	}
	if minClasses <= 0 {
		minClasses = 3
	}
	if len([]rune(password)) < minLen {
		return core.Invalid("password", "must be at least %d characters", minLen)
	}
	var lower, upper, digit, other bool
	for _, r := range password {
		switch {
		case unicode.IsLower(r):
			lower = true
		case unicode.IsUpper(r):
			upper = true
		case unicode.IsDigit(r):
			digit = true
		default:
			other = true
		}
	}
	classes := 0
	for _, b := range []bool{lower, upper, digit, other} {
		if b {
			classes++
		}
	}
	if classes < minClasses {
		return core.Invalid("password", "must mix at least %d of: lower-case letters, upper-case letters, digits, symbols", minClasses)
	}
	return nil
}

// SecurityStore keeps password history and login-failure counters.
type SecurityStore interface {
	// PasswordHistory returns the hashes of the user's last n passwords,
	// newest (the current one) first.
	PasswordHistory(ctx context.Context, userID int64, n int) ([]string, error)
	// LoginFailed counts a failure of subject and returns the count; a
	// count whose last failure is older than forget starts again.
	LoginFailed(ctx context.Context, subject string, now time.Time, forget time.Duration) (int, error)
	// LockLogin refuses subject's logins until then (audited).
	LockLogin(ctx context.Context, subject, division string, until time.Time, failures int) error
	// LoginLockedUntil is zero when subject is not locked.
	LoginLockedUntil(ctx context.Context, subject string) (time.Time, error)
	ClearLoginFailures(ctx context.Context, subject string) error
	// AuditEvent appends a security event (a login, a failure, a denial)
	// to the audit trail.
	AuditEvent(ctx context.Context, action, entity string, id int64, division string, detail any) error
}

// LoginEvent is what the audit trail keeps of a sign-in or a refusal.
type LoginEvent struct {
	Username string `json:"username"`
	IP       string `json:"ip,omitempty"`
	Method   string `json:"method,omitempty"` // password, totp, recovery_code
	Reason   string `json:"reason,omitempty"`
	Route    string `json:"route,omitempty"`
}

// audit records a security event when the store keeps them.
func (s *Service) audit(ctx context.Context, action string, u *User, ev LoginEvent) {
	if s.Security == nil {
		return
	}
	var id int64
	div := ""
	if u != nil {
		id, div = u.ID, u.Division
		ctx = asUser(ctx, u)
	}
	s.Security.Store.AuditEvent(ctx, action, "login", id, div, ev)
}

// Denied records a request refused for want of a permission.
func (s *Service) Denied(ctx context.Context, a *core.Actor, route string) {
	if s.Security == nil || a == nil {
		return
	}
	s.Security.Store.AuditEvent(core.WithActor(ctx, a), "denied", "permission", a.UserID, a.Division,
		LoginEvent{Username: a.Username, Route: route})
}

// Security is a Service's password and lockout configuration.
type Security struct {
	Store    SecurityStore
	Password PasswordPolicy
	// LockAfter failures of one account, or LockAfterIP from one address,
	// start a lockout of Delay, doubled at each further failure up to
	// MaxDelay (defaults 5, 20, 1 minute, 1 hour).
	LockAfter, LockAfterIP int
	Delay, MaxDelay        time.Duration
}

func orInt(v, d int) int {
	if v > 0 {
		return v
	}
	return d
}

func orDur(v, d time.Duration) time.Duration {
	if v > 0 {
		return v
	}
	return d
}

// LockDelay is the lockout after the n-th failure when after failures are
// allowed: none before, then base doubling per failure, at most max.
func LockDelay(n, after int, base, max time.Duration) time.Duration {
	if n < after {
		return 0
	}
	d := base
	for i := after; i < n && d < max; i++ {
		d *= 2
	}
	return min(d, max)
}

func (s *Service) policy() PasswordPolicy {
	if s.Security != nil {
		return s.Security.Password
	}
	return DefaultPasswordPolicy
}

// loginSubjects are the counters a login from ip as username touches.
func loginSubjects(username, ip string) (account, addr string) {
	return "user:" + strings.ToLower(strings.TrimSpace(username)), "ip:" + ip
}

// LockedError is the refusal of a sign-in (or password change) while the
// account or the address is locked out: still EUNAUTHORIZED, but distinct
// from a wrong password so that the API can say when to try again
// (Retry-After) and the login page can say why.
type LockedError struct {
	Wait time.Duration
	err  *core.Error
}

func (e *LockedError) Error() string { return e.err.Error() }
func (e *LockedError) Unwrap() error { return e.err }

// checkLocked refuses a login while the account or the address is locked.
func (s *Service) checkLocked(ctx context.Context, subjects ...string) error {
	if s.Security == nil {
		return nil
	}
	now := s.Clock()
	for _, sub := range subjects {
		until, err := s.Security.Store.LoginLockedUntil(ctx, sub)
		if err != nil {
			return err
		}
		if until.After(now) {
			wait := until.Sub(now).Round(time.Second)
			return &LockedError{Wait: wait, err: core.Errorf(core.EUNAUTHORIZED, "too many failed sign-ins; try again in %s", wait)}
		}
	}
	return nil
}

// loginFailed counts a failure of the account and the address and locks
// them when they pass their limits.
func (s *Service) loginFailed(ctx context.Context, account, addr, division string) {
	if s.Security == nil {
		return
	}
	sec := s.Security
	base, max := orDur(sec.Delay, time.Minute), orDur(sec.MaxDelay, time.Hour)
	now := s.Clock()
	for _, c := range []struct {
		subject string
		after   int
		div     string
	}{{account, orInt(sec.LockAfter, 5), division}, {addr, orInt(sec.LockAfterIP, 20), ""}} {
		if c.subject == "ip:" {
			continue // a second step: its address was checked at the first
		}
		n, err := sec.Store.LoginFailed(ctx, c.subject, now, 24*time.Hour)
		if err != nil {
			continue
		}
		if d := LockDelay(n, c.after, base, max); d > 0 {
			sec.Store.LockLogin(ctx, c.subject, c.div, now.Add(d), n)
		}
	}
}

// checkHistory refuses a password among the user's last ones.
func (s *Service) checkHistory(ctx context.Context, u *User, password string) error {
	if u.ID == 0 {
		return nil
	}
	n := 1
	if s.Security != nil {
		n = max(1, s.Security.Password.History)
	}
	hashes := []string{u.PasswordHash}
	if s.Security != nil {
		old, err := s.Security.Store.PasswordHistory(ctx, u.ID, n)
		if err != nil {
			return err
		}
		hashes = append(hashes, old...)
	}
	for _, h := range hashes {
		if ok, _ := CheckPassword(h, password); ok {
			if n > 1 {
				return core.Invalid("password", "must differ from your last %d passwords", n)
			}
			return core.Invalid("password", "must differ from the current password")
		}
	}
	return nil
}

// passwordExpired reports whether u's password is past the policy's age.
func (s *Service) passwordExpired(u *User) error {
	p := s.policy()
	if p.MaxAge <= 0 || s.Clock().Sub(u.PasswordChangedAt) <= p.MaxAge {
		return nil
	}
	return core.Errorf(core.EFORBIDDEN, "your password expired on %s; set a new one (POST /api/v1/auth/password)",
		u.PasswordChangedAt.Add(p.MaxAge).In(shanghai).Format("2006-01-02"))
}

var shanghai = func() *time.Location {
	l, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		return time.FixedZone("CST", 8*3600)
	}
	return l
}()

// ChangePassword sets a new password given the old one (and a code when
// the account has a second factor); it works for an expired password and
// is guarded like a login. Every session of the account ends.
func (s *Service) ChangePassword(ctx context.Context, username, oldPassword, newPassword, code, ip string) error {
	account, addr := loginSubjects(username, ip)
	if err := s.checkLocked(ctx, account, addr); err != nil {
		return err
	}
	u, err := s.checkLogin(ctx, username, oldPassword)
	if err != nil {
		s.loginFailed(ctx, account, addr, "")
		s.audit(ctx, "password_change_failed", nil, LoginEvent{Username: username, IP: ip, Reason: "wrong password"})
		return err
	}
	if s.MFA != nil {
		rec, err := s.MFA.get(ctx, u.ID)
		if err != nil && core.ErrorCode(err) != core.ENOTFOUND {
			return err
		}
		if rec.Confirmed() {
			if err := s.checkCode(ctx, rec, code); err != nil {
				s.loginFailed(ctx, account, addr, u.Division)
				return err
			}
		}
	}
	if err := s.setPassword(ctx, u, newPassword); err != nil {
		return err
	}
	u.UpdatedAt = s.Clock()
	if err := s.Store.UpdateUser(asUser(ctx, u), u); err != nil {
		return fmt.Errorf("auth: change password: %w", err)
	}
	if s.Security != nil {
		s.Security.Store.ClearLoginFailures(ctx, account)
	}
	return nil
}
