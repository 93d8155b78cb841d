package auth

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base32"
	"fmt"
	"github.com/yingji/yingji/internal/fieldcrypt"
	"slices"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
	qrcode "github.com/skip2/go-qrcode"

	"github.com/yingji/yingji/internal/core"
)

// Two-factor login: a password, then a time-based one-time password (TOTP,
// RFC 6238: HMAC-SHA1, 30-second steps, 6 digits — what every
// authenticator app reads from an otpauth:// URI). Between the two steps
// the client holds a short-lived challenge token, which is good for nothing
// but the second step. Each code is accepted once (the last time step used
// is stored) and within one step either side of now for clock drift.
// Recovery codes are stored hashed and are each good once.

// TOTP parameters.
const (
	totpPeriod = 30
	totpSkew   = 1
	// RecoveryCodeCount recovery codes are issued at a time.
	RecoveryCodeCount = 10
)

var totpOpts = totp.ValidateOpts{Period: totpPeriod, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

// MFARecord is a user's second factor.
type MFARecord struct {
	UserID int64
	// Secret is the base32 TOTP key.
	Secret string
	// ConfirmedAt is zero while the enrolment waits for its first code.
	ConfirmedAt time.Time
	// LastStep is the last time step (Unix time / 30) accepted.
	LastStep  int64
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Confirmed reports whether the second factor is in force.
func (r *MFARecord) Confirmed() bool { return r != nil && !r.ConfirmedAt.IsZero() }

// Challenge is the state between the password and the code.
type Challenge struct {
	Hash      string
	UserID    int64
	CreatedAt time.Time
	ExpiresAt time.Time
	// Attempts counts codes tried, this one included.
	Attempts int
}

// MFAStore keeps second factors, recovery codes and challenges. Changes to
// a user's second factor are audited by the store against the user.
type MFAStore interface {
	// GetMFA returns ENOTFOUND when the user has no second factor.
	GetMFA(ctx context.Context, userID int64) (*MFARecord, error)
	// BeginMFA stores a new unconfirmed secret, replacing an unconfirmed
	// one; ECONFLICT when a confirmed one exists.
	BeginMFA(ctx context.Context, userID int64, secret string, now time.Time) error
	// ConfirmMFA puts the pending secret in force with step as the last
	// step used and replaces the recovery codes.
	ConfirmMFA(ctx context.Context, userID, step int64, recoveryHashes []string, now time.Time) error
	// UseMFAStep records step as used; false when it is not after the
	// last step used (a replayed code).
	UseMFAStep(ctx context.Context, userID, step int64) (bool, error)
	// UseRecoveryCode marks an unused code used; false when none matches.
	UseRecoveryCode(ctx context.Context, userID int64, hash string, now time.Time) (bool, error)
	ReplaceRecoveryCodes(ctx context.Context, userID int64, hashes []string, now time.Time) error
	RecoveryCodesLeft(ctx context.Context, userID int64) (int, error)
	// ResetMFA removes the second factor, its recovery codes, the user's
	// challenges and sessions.
	ResetMFA(ctx context.Context, userID int64) error
	CreateChallenge(ctx context.Context, c *Challenge) error
	// TakeChallenge counts an attempt on the unexpired challenge with that
	// hash and returns it; EUNAUTHORIZED when unknown or expired.
	TakeChallenge(ctx context.Context, hash string, now time.Time) (*Challenge, error)
	DeleteChallenge(ctx context.Context, hash string) error
	// MFAPolicy returns the roles that must use a second factor; ok is
	// false when no policy was ever stored.
	MFAPolicy(ctx context.Context) (roles []string, ok bool, err error)
	SetMFAPolicy(ctx context.Context, roles []string) error
}

// Sealer encrypts TOTP secrets at rest (AES-256-GCM in cmd/yingji); the
// field names the user, so one user's sealed secret does not open as
// another's.
type Sealer interface {
	Seal(field, plain string) (string, error)
	Open(field, sealed string) (string, error)
}

// MFA is the two-factor configuration of a Service.
type MFA struct {
	Store MFAStore
	// Sealer, when set, seals new secrets; secrets stored before it was
	// set (plain base32) still verify.
	Sealer Sealer
	// Issuer names the service in authenticator apps.
	Issuer string
	// DefaultRoles must use a second factor until a policy is stored.
	DefaultRoles []string
	// ChallengeTTL is how long the second step may take (default 5 min).
	ChallengeTTL time.Duration
	// MaxAttempts is how many codes one challenge allows (default 5).
	MaxAttempts int
}

func secretField(userID int64) string { return fmt.Sprintf("totp_secret:%d", userID) }

// sealedPrefix starts the values sealed with the recipient key,
// fieldcrypt.Prefix those of the rotatable key ring; a base32 secret
// starts with neither.
const sealedPrefix = "v1."

// get returns a user's second factor with the secret opened.
func (m *MFA) get(ctx context.Context, userID int64) (*MFARecord, error) {
	rec, err := m.Store.GetMFA(ctx, userID)
	if err != nil {
		return nil, err
	}
	if strings.HasPrefix(rec.Secret, sealedPrefix) || strings.HasPrefix(rec.Secret, fieldcrypt.Prefix) {
		if m.Sealer == nil {
			return nil, fmt.Errorf("auth: the TOTP secret of user %d is sealed and no key is configured", userID)
		}
		if rec.Secret, err = m.Sealer.Open(secretField(userID), rec.Secret); err != nil {
			return nil, fmt.Errorf("auth: open the TOTP secret of user %d: %w", userID, err)
		}
	}
	return rec, nil
}

func (m *MFA) challengeTTL() time.Duration {
	if m.ChallengeTTL > 0 {
		return m.ChallengeTTL
	}
	return 5 * time.Minute
}

func (m *MFA) maxAttempts() int {
	if m.MaxAttempts > 0 {
		return m.MaxAttempts
	}
	return 5
}

// LoginResult is the answer to a step of the login: a session (Token), or
// a challenge for the second step.
type LoginResult struct {
	Token     string
	ExpiresAt time.Time
	User      *User
	// Challenge is set when a code is needed; EnrolRequired when the
	// account must first enrol (the role requires a second factor).
	Challenge          string
	ChallengeExpiresAt time.Time
	EnrolRequired      bool
	// RecoveryCodes are set when the login also completed an enrolment.
	RecoveryCodes []string
}

// Enrolment is a new TOTP secret, shown once.
type Enrolment struct {
	Secret string `json:"secret"`
	URI    string `json:"otpauth_uri"`
	// QRPNG is the URI as a QR code image.
	QRPNG []byte `json:"-"`
}

// MFAStatus is a user's second-factor state.
type MFAStatus struct {
	Enabled           bool       `json:"enabled"`
	Pending           bool       `json:"pending"`
	Required          bool       `json:"required"`
	ConfirmedAt       *time.Time `json:"confirmed_at,omitempty"`
	RecoveryCodesLeft int        `json:"recovery_codes_left"`
}

var errMFADisabled = core.Errorf(core.ENOTFOUND, "two-factor login is not configured on this server")

// RequiredRoles returns the roles that must use a second factor.
func (s *Service) RequiredRoles(ctx context.Context) ([]string, error) {
	if s.MFA == nil {
		return nil, nil
	}
	roles, ok, err := s.MFA.Store.MFAPolicy(ctx)
	if err != nil {
		return nil, err
	}
	if !ok {
		return slices.Clone(s.MFA.DefaultRoles), nil
	}
	return roles, nil
}

// SetRequiredRoles stores the roles that must use a second factor.
func (s *Service) SetRequiredRoles(ctx context.Context, roles []string) ([]string, error) {
	if s.MFA == nil {
		return nil, errMFADisabled
	}
	out := []string{}
	var p core.Problems
	for i, r := range roles {
		if _, ok := RoleNamed(r); !ok {
			p.Add(0, "required_roles", "item %d: %q is not a role", i+1, r)
			continue
		}
		if !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	if err := p.Err(""); err != nil {
		return nil, err
	}
	slices.Sort(out)
	if err := s.MFA.Store.SetMFAPolicy(ctx, out); err != nil {
		return nil, err
	}
	return out, nil
}

// BeginLogin checks the password. Without a second factor it opens the
// session; otherwise it returns a challenge for FinishLogin.
func (s *Service) BeginLogin(ctx context.Context, username, password, ip string) (*LoginResult, error) {
	account, addr := loginSubjects(username, ip)
	if err := s.checkLocked(ctx, account, addr); err != nil {
		return nil, err
	}
	u, err := s.checkLogin(ctx, username, password)
	if err == errLogin {
		div := ""
		known, kerr := s.Store.UserByName(ctx, strings.TrimSpace(username))
		if kerr == nil {
			div = known.Division
		} else {
			known = nil
		}
		s.loginFailed(ctx, account, addr, div)
		s.audit(ctx, "login_failed", known, LoginEvent{Username: username, IP: ip, Method: "password", Reason: "wrong username or password"})
	}
	if err != nil {
		return nil, err
	}
	if s.Security != nil {
		s.Security.Store.ClearLoginFailures(ctx, account)
	}
	if err := s.passwordExpired(u); err != nil {
		return nil, err
	}
	if s.MFA != nil {
		rec, err := s.MFA.Store.GetMFA(ctx, u.ID) // the secret is not needed here
		if err != nil && core.ErrorCode(err) != core.ENOTFOUND {
			return nil, err
		}
		roles, err := s.RequiredRoles(ctx)
		if err != nil {
			return nil, err
		}
		if rec.Confirmed() || slices.Contains(roles, u.Role) {
			token, hash := NewToken("yjm_")
			now := s.Clock()
			c := &Challenge{Hash: hash, UserID: u.ID, CreatedAt: now, ExpiresAt: now.Add(s.MFA.challengeTTL())}
			if err := s.MFA.Store.CreateChallenge(ctx, c); err != nil {
				return nil, err
			}
			return &LoginResult{User: u, Challenge: token, ChallengeExpiresAt: c.ExpiresAt, EnrolRequired: !rec.Confirmed()}, nil
		}
	}
	res, err := s.openSession(ctx, u)
	if err == nil {
		s.audit(ctx, "login", u, LoginEvent{Username: u.Username, IP: ip, Method: "password"})
	}
	return res, err
}

func (s *Service) openSession(ctx context.Context, u *User) (*LoginResult, error) {
	token, err := s.IssueToken(ctx, u, SessionToken, "login", s.SessionTTL)
	if err != nil {
		return nil, err
	}
	return &LoginResult{Token: token, ExpiresAt: s.Clock().Add(s.SessionTTL), User: u}, nil
}

var errChallenge = core.Errorf(core.EUNAUTHORIZED, "the sign-in has expired or is unknown; enter your password again")

// challengeUser takes an attempt on a challenge and returns its user.
func (s *Service) challengeUser(ctx context.Context, challenge string) (*Challenge, *User, error) {
	if s.MFA == nil {
		return nil, nil, errMFADisabled
	}
	challenge = strings.TrimSpace(challenge)
	if challenge == "" {
		return nil, nil, core.Invalid("challenge", "is required (from the password step)")
	}
	c, err := s.MFA.Store.TakeChallenge(ctx, HashToken(challenge), s.Clock())
	if err != nil {
		return nil, nil, err
	}
	if c.Attempts > s.MFA.maxAttempts() {
		s.MFA.Store.DeleteChallenge(ctx, c.Hash)
		return nil, nil, core.Errorf(core.EUNAUTHORIZED, "too many wrong codes; enter your password again")
	}
	u, err := s.Store.GetUser(ctx, c.UserID)
	if err != nil || u.Disabled {
		return nil, nil, errChallenge
	}
	account, _ := loginSubjects(u.Username, "")
	if err := s.checkLocked(ctx, account); err != nil {
		return nil, nil, err
	}
	return c, u, nil
}

// ChallengeEnrol starts the enrolment of an account that must have a
// second factor and has none, during its login.
func (s *Service) ChallengeEnrol(ctx context.Context, challenge string) (*Enrolment, error) {
	_, u, err := s.challengeUser(ctx, challenge)
	if err != nil {
		return nil, err
	}
	return s.beginEnrol(asUser(ctx, u), u)
}

// FinishLogin checks the code (or a recovery code) for a challenge and
// opens the session. When the account was enrolling, the code confirms the
// enrolment and the result carries the new recovery codes.
func (s *Service) FinishLogin(ctx context.Context, challenge, code, recovery, ip string) (*LoginResult, error) {
	c, u, err := s.challengeUser(ctx, challenge)
	if err != nil {
		return nil, err
	}
	uctx := asUser(ctx, u)
	rec, err := s.MFA.get(ctx, u.ID)
	if core.ErrorCode(err) == core.ENOTFOUND {
		return nil, core.Invalid("code", "this account has no authenticator yet: start the enrolment first")
	}
	if err != nil {
		return nil, err
	}
	var codes []string
	switch {
	case recovery != "" && rec.Confirmed():
		ok, err := s.MFA.Store.UseRecoveryCode(uctx, u.ID, HashToken(normRecovery(recovery)), s.Clock())
		if err != nil {
			return nil, err
		}
		if !ok {
			s.audit(ctx, "login_failed", u, LoginEvent{Username: u.Username, IP: ip, Method: "recovery_code", Reason: "wrong or used recovery code"})
			return nil, core.Errorf(core.EUNAUTHORIZED, "wrong or used recovery code")
		}
	case recovery != "":
		return nil, core.Invalid("recovery_code", "recovery codes exist only once the authenticator is confirmed")
	case rec.Confirmed():
		if err := s.checkCode(ctx, rec, code); err != nil {
			if core.ErrorCode(err) == core.EUNAUTHORIZED {
				s.secondFactorFailed(ctx, u, ip, "totp", "wrong or used code")
			}
			return nil, err
		}
	default:
		if codes, err = s.confirm(uctx, rec, code); err != nil {
			return nil, err
		}
	}
	s.MFA.Store.DeleteChallenge(ctx, c.Hash)
	res, err := s.openSession(ctx, u)
	if err != nil {
		return nil, err
	}
	res.RecoveryCodes = codes
	method := "totp"
	if recovery != "" {
		method = "recovery_code"
	}
	s.audit(ctx, "login", u, LoginEvent{Username: u.Username, IP: ip, Method: "password+" + method})
	return res, nil
}

// secondFactorFailed counts a refused second factor towards the account's
// lockout and audits it (login_failed with the method).
func (s *Service) secondFactorFailed(ctx context.Context, u *User, ip, method, reason string) {
	account, _ := loginSubjects(u.Username, "")
	s.loginFailed(ctx, account, "", u.Division)
	s.audit(ctx, "login_failed", u, LoginEvent{Username: u.Username, IP: ip, Method: method, Reason: reason})
}

var errCode = core.Errorf(core.EUNAUTHORIZED, "wrong or already used code; wait for the next code of your authenticator app")

// codeStep returns the time step at which code is valid for secret, after
// the last step used, within the allowed drift.
func codeStep(secret, code string, now time.Time, after int64) (int64, bool) {
	code = strings.ReplaceAll(strings.TrimSpace(code), " ", "")
	if len(code) != 6 {
		return 0, false
	}
	cur := now.Unix() / totpPeriod
	for d := int64(-totpSkew); d <= totpSkew; d++ {
		step := cur + d
		if step <= after {
			continue
		}
		want, err := totp.GenerateCodeCustom(secret, time.Unix(step*totpPeriod, 0), totpOpts)
		if err != nil {
			return 0, false
		}
		if subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return step, true
		}
	}
	return 0, false
}

// checkCode accepts a code of a confirmed second factor once.
func (s *Service) checkCode(ctx context.Context, rec *MFARecord, code string) error {
	if strings.TrimSpace(code) == "" {
		return core.Invalid("code", "is required: the 6 digits your authenticator app shows")
	}
	step, ok := codeStep(rec.Secret, code, s.Clock(), rec.LastStep)
	if !ok {
		return errCode
	}
	ok, err := s.MFA.Store.UseMFAStep(ctx, rec.UserID, step)
	if err != nil {
		return err
	}
	if !ok {
		return errCode
	}
	return nil
}

func (s *Service) confirm(ctx context.Context, rec *MFARecord, code string) ([]string, error) {
	if strings.TrimSpace(code) == "" {
		return nil, core.Invalid("code", "is required: the 6 digits your authenticator app shows")
	}
	step, ok := codeStep(rec.Secret, code, s.Clock(), 0)
	if !ok {
		return nil, errCode
	}
	codes, hashes := newRecoveryCodes()
	if err := s.MFA.Store.ConfirmMFA(ctx, rec.UserID, step, hashes, s.Clock()); err != nil {
		return nil, err
	}
	return codes, nil
}

func (s *Service) beginEnrol(ctx context.Context, u *User) (*Enrolment, error) {
	issuer := s.MFA.Issuer
	if issuer == "" {
		issuer = "Yingji"
	}
	key, err := totp.Generate(totp.GenerateOpts{Issuer: issuer, AccountName: u.Username, Period: totpPeriod,
		SecretSize: 20, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		return nil, fmt.Errorf("auth: totp secret: %w", err)
	}
	png, err := qrcode.Encode(key.URL(), qrcode.Medium, 256)
	if err != nil {
		return nil, fmt.Errorf("auth: QR code: %w", err)
	}
	stored := key.Secret()
	if s.MFA.Sealer != nil {
		if stored, err = s.MFA.Sealer.Seal(secretField(u.ID), stored); err != nil {
			return nil, fmt.Errorf("auth: seal the TOTP secret: %w", err)
		}
	}
	if err := s.MFA.Store.BeginMFA(ctx, u.ID, stored, s.Clock()); err != nil {
		return nil, err
	}
	return &Enrolment{Secret: key.Secret(), URI: key.URL(), QRPNG: png}, nil
}

// actorUser returns the signed-in user.
func (s *Service) actorUser(ctx context.Context) (*User, error) {
	if s.MFA == nil {
		return nil, errMFADisabled
	}
	a := core.ActorFrom(ctx)
	if a == nil || a.UserID == 0 {
		return nil, core.Errorf(core.EUNAUTHORIZED, "sign in first")
	}
	return s.Store.GetUser(ctx, a.UserID)
}

// Enrol starts (or restarts) the signed-in user's enrolment; the password
// is asked again so that an unattended session cannot bind a new device.
func (s *Service) Enrol(ctx context.Context, password string) (*Enrolment, error) {
	u, err := s.actorUser(ctx)
	if err != nil {
		return nil, err
	}
	if ok, err := CheckPassword(u.PasswordHash, password); err != nil || !ok {
		return nil, core.Invalid("password", "is wrong")
	}
	return s.beginEnrol(ctx, u)
}

// ConfirmEnrol puts the signed-in user's pending secret in force with its
// first code and returns the recovery codes (shown once).
func (s *Service) ConfirmEnrol(ctx context.Context, code string) ([]string, error) {
	u, err := s.actorUser(ctx)
	if err != nil {
		return nil, err
	}
	rec, err := s.MFA.get(ctx, u.ID)
	if core.ErrorCode(err) == core.ENOTFOUND {
		return nil, core.Errorf(core.ECONFLICT, "no enrolment is waiting: start one first")
	}
	if err != nil {
		return nil, err
	}
	if rec.Confirmed() {
		return nil, core.Errorf(core.ECONFLICT, "two-factor login is already enabled")
	}
	return s.confirm(ctx, rec, code)
}

// RegenerateRecoveryCodes replaces the signed-in user's recovery codes,
// given a current code.
func (s *Service) RegenerateRecoveryCodes(ctx context.Context, code string) ([]string, error) {
	u, err := s.actorUser(ctx)
	if err != nil {
		return nil, err
	}
	rec, err := s.MFA.get(ctx, u.ID)
	if err != nil && core.ErrorCode(err) != core.ENOTFOUND {
		return nil, err
	}
	if !rec.Confirmed() {
		return nil, core.Errorf(core.ECONFLICT, "two-factor login is not enabled")
	}
	if err := s.checkCode(ctx, rec, code); err != nil {
		return nil, err
	}
	codes, hashes := newRecoveryCodes()
	if err := s.MFA.Store.ReplaceRecoveryCodes(ctx, u.ID, hashes, s.Clock()); err != nil {
		return nil, err
	}
	return codes, nil
}

// Status returns a user's second-factor state.
func (s *Service) Status(ctx context.Context, u *User) (*MFAStatus, error) {
	if s.MFA == nil {
		return nil, errMFADisabled
	}
	st := &MFAStatus{}
	roles, err := s.RequiredRoles(ctx)
	if err != nil {
		return nil, err
	}
	st.Required = slices.Contains(roles, u.Role)
	rec, err := s.MFA.Store.GetMFA(ctx, u.ID)
	if core.ErrorCode(err) == core.ENOTFOUND {
		return st, nil
	}
	if err != nil {
		return nil, err
	}
	st.Enabled, st.Pending = rec.Confirmed(), !rec.Confirmed()
	if st.Enabled {
		t := rec.ConfirmedAt
		st.ConfirmedAt = &t
		if st.RecoveryCodesLeft, err = s.MFA.Store.RecoveryCodesLeft(ctx, u.ID); err != nil {
			return nil, err
		}
	}
	return st, nil
}

// MyStatus is Status for the signed-in user.
func (s *Service) MyStatus(ctx context.Context) (*MFAStatus, error) {
	u, err := s.actorUser(ctx)
	if err != nil {
		return nil, err
	}
	return s.Status(ctx, u)
}

// UserMFAStatus is Status of an account the actor manages.
func (s *Service) UserMFAStatus(ctx context.Context, id int64) (*MFAStatus, error) {
	if s.MFA == nil {
		return nil, errMFADisabled
	}
	u, err := s.visibleUser(ctx, id)
	if err != nil {
		return nil, err
	}
	return s.Status(ctx, u)
}

// ResetMFA removes an account's second factor (a lost phone), ending its
// sessions; the account enrols again at its next login when its role
// requires a second factor.
func (s *Service) ResetMFA(ctx context.Context, id int64) error {
	if s.MFA == nil {
		return errMFADisabled
	}
	u, err := s.visibleUser(ctx, id)
	if err != nil {
		return err
	}
	// resetting one's own second factor would let a stolen session sign in
	// with the password alone: another security administrator must.
	if a := core.ActorFrom(ctx); a != nil && !a.System && a.UserID == u.ID {
		return core.Errorf(core.EFORBIDDEN, "you cannot reset your own second factor; renew your recovery codes, or ask another security administrator")
	}
	return s.MFA.Store.ResetMFA(ctx, u.ID)
}

// asUser puts the user in ctx as the actor, so that what the store audits
// during the login is attributed to them.
func asUser(ctx context.Context, u *User) context.Context {
	return core.WithActor(ctx, &core.Actor{UserID: u.ID, Username: u.Username, Role: u.Role, Division: u.Division, EnterpriseID: u.EnterpriseID})
}

var recoveryEnc = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// newRecoveryCodes returns codes of 80 random bits (xxxx-xxxx-xxxx-xxxx)
// and their hashes.
func newRecoveryCodes() (codes, hashes []string) {
	for range RecoveryCodeCount {
		b := make([]byte, 10)
		rand.Read(b)
		s := recoveryEnc.EncodeToString(b)
		codes = append(codes, s[0:4]+"-"+s[4:8]+"-"+s[8:12]+"-"+s[12:16])
		hashes = append(hashes, HashToken(s))
	}
	return codes, hashes
}

// normRecovery drops separators and case from a typed recovery code.
func normRecovery(code string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '-' || r == ' ':
			return -1
		case r >= 'A' && r <= 'Z':
			return r + 'a' - 'A'
		}
		return r
	}, code)
}
