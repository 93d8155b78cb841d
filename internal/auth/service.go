package auth

import (
	"context"
	"regexp"
	"strings"
	"time"

	"github.com/yingji/yingji/internal/core"
	"github.com/yingji/yingji/internal/region"
)

// Store keeps accounts and tokens. User changes are audited by the store.
type Store interface {
	// CreateUser returns ECONFLICT when the username is taken.
	CreateUser(ctx context.Context, u *User) error
	UpdateUser(ctx context.Context, u *User) error
	// GetUser and UserByName return ENOTFOUND for unknown users.
	GetUser(ctx context.Context, id int64) (*User, error)
	UserByName(ctx context.Context, username string) (*User, error)
	ListUsers(ctx context.Context) ([]*User, error)
	CreateToken(ctx context.Context, t *Token) error
	// TokenUser returns the unexpired token with that hash and its user, or
	// EUNAUTHORIZED.
	TokenUser(ctx context.Context, hash string, now time.Time) (*Token, *User, error)
	ListTokens(ctx context.Context, userID int64) ([]*Token, error)
	DeleteToken(ctx context.Context, userID, id int64) error
	DeleteTokenByHash(ctx context.Context, hash string) error
}

// EnterpriseCheck reports the division of an enterprise, or an error when
// there is no such enterprise.
type EnterpriseCheck func(ctx context.Context, id int64) (division string, err error)

// Service manages accounts and signs people in.
type Service struct {
	Store      Store
	Divisions  func(code string) bool
	Enterprise EnterpriseCheck
	Clock      core.Clock
	// SessionTTL is how long a browser or login session lasts.
	SessionTTL time.Duration
	// MFA, when set, turns on two-factor login (mfa.go).
	MFA *MFA
	// Security, when set, applies its password policy and history and the
	// login-failure lockout (policy.go); without it the default policy.
	Security *Security
	// Keys, when set, allows WebAuthn security keys as a second factor
	// (webauthn.go).
	Keys *Keys
	// IdleTimeout, when set, ends a browser session unused that long
	// (SessionTTL stays its absolute lifetime); API tokens are exempt.
	IdleTimeout time.Duration
}

var usernameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_.-]{1,31}$`)

// UserInput is a request to create or change an account.
type UserInput struct {
	Username     string `json:"username"`
	DisplayName  string `json:"display_name"`
	Password     string `json:"password"`
	Role         string `json:"role"`
	Division     string `json:"division_code"`
	EnterpriseID int64  `json:"enterprise_id"`
	Disabled     *bool  `json:"disabled"`
}

func (s *Service) checkUser(ctx context.Context, u *User) error {
	var p core.Problems
	if !usernameRE.MatchString(u.Username) {
		p.Add(0, "username", "%q must be 2–32 characters of a–z, 0–9, '_', '.', '-', starting with a letter or digit", u.Username)
	}
	if _, ok := RoleNamed(u.Role); !ok {
		names := make([]string, len(Roles))
		for i, r := range Roles {
			names[i] = r.Name
		}
		p.Add(0, "role", "%q is not one of %s", u.Role, strings.Join(names, ", "))
	}
	if !s.Divisions(u.Division) {
		p.Add(0, "division_code", "%q is not a known division", u.Division)
	}
	switch {
	case u.Role == "enterprise" && u.EnterpriseID == 0:
		p.Add(0, "enterprise_id", "is required for an enterprise user")
	case u.Role != "enterprise" && u.EnterpriseID != 0:
		p.Add(0, "enterprise_id", "only enterprise users belong to an enterprise")
	case u.EnterpriseID != 0:
		div, err := s.Enterprise(ctx, u.EnterpriseID)
		if err != nil {
			p.Add(0, "enterprise_id", "no enterprise %d that you may see", u.EnterpriseID)
		} else {
			u.Division = div
		}
	}
	if err := p.Err(""); err != nil {
		return err
	}
	// an administrator manages only accounts inside their own area.
	if a := core.ActorFrom(ctx); a != nil && !a.System && !region.Within(u.Division, a.Division) {
		return core.Errorf(core.EFORBIDDEN, "division %s is outside your area", u.Division)
	}
	return nil
}

// CreateUser adds an account.
func (s *Service) CreateUser(ctx context.Context, in UserInput) (*User, error) {
	now := s.Clock()
	u := &User{Username: strings.TrimSpace(in.Username), DisplayName: strings.TrimSpace(in.DisplayName), Role: in.Role,
		Division: in.Division, EnterpriseID: in.EnterpriseID, CreatedAt: now, UpdatedAt: now, PasswordChangedAt: now}
	if in.Disabled != nil {
		u.Disabled = *in.Disabled
	}
	if err := s.checkUser(ctx, u); err != nil {
		return nil, err
	}
	if err := s.policy().Check(in.Password); err != nil {
		return nil, err
	}
	hash, err := HashPassword(in.Password)
	if err != nil {
		return nil, err
	}
	u.PasswordHash = hash
	if err := s.Store.CreateUser(ctx, u); err != nil {
		return nil, err
	}
	return u, nil
}

// UpdateUser changes the fields set in in; an empty password keeps the old.
func (s *Service) UpdateUser(ctx context.Context, id int64, in UserInput) (*User, error) {
	u, err := s.visibleUser(ctx, id)
	if err != nil {
		return nil, err
	}
	before := *u
	if in.DisplayName != "" {
		u.DisplayName = strings.TrimSpace(in.DisplayName)
	}
	if in.Role != "" {
		u.Role = in.Role
		if in.Role != "enterprise" {
			u.EnterpriseID = 0
		}
	}
	if in.Division != "" {
		u.Division = in.Division
	}
	if in.EnterpriseID != 0 {
		u.EnterpriseID = in.EnterpriseID
	}
	if in.Disabled != nil {
		u.Disabled = *in.Disabled
	}
	if err := s.checkUser(ctx, u); err != nil {
		return nil, err
	}
	if err := checkSeparation(ctx, &before, u); err != nil {
		return nil, err
	}
	if in.Password != "" {
		if err := s.setPassword(ctx, u, in.Password); err != nil {
			return nil, err
		}
	}
	u.UpdatedAt = s.Clock()
	if err := s.Store.UpdateUser(ctx, u); err != nil {
		return nil, err
	}
	return u, nil
}

// checkSeparation enforces the three-role separation (三员分立) on a change
// of an account from before to after:
//   - nobody changes their own account's role, area, enterprise or
//     enabled state (another security administrator must), so a security
//     administrator cannot widen or lift their own powers;
//   - an account never moves into, out of or between the three
//     administrator roles (sysadmin, secadmin, auditadmin): an
//     administrator is a new account of its own, so one person's account
//     never carries the powers, sessions or history of two roles.
//
// The system actor (the command line on the host) is bound by the second
// rule too; only the first is about who acts.
func checkSeparation(ctx context.Context, before, after *User) error {
	if a := core.ActorFrom(ctx); a != nil && !a.System && a.UserID == before.ID {
		if after.Role != before.Role || after.Division != before.Division || after.EnterpriseID != before.EnterpriseID || after.Disabled != before.Disabled {
			return core.Errorf(core.EFORBIDDEN, "you cannot change your own account's role, area or state; another security administrator must")
		}
	}
	if after.Role != before.Role && (IsAdminRole(before.Role) || IsAdminRole(after.Role)) {
		return core.Invalid("role", "an account cannot move from %s to %s: the system, security and audit administrators each need an account of their own (三员分立); create a new account", before.Role, after.Role)
	}
	return nil
}

func (s *Service) setPassword(ctx context.Context, u *User, password string) error {
	if err := s.policy().Check(password); err != nil {
		return err
	}
	if err := s.checkHistory(ctx, u, password); err != nil {
		return err
	}
	hash, err := HashPassword(password)
	if err != nil {
		return err
	}
	u.PasswordHash, u.PasswordChangedAt = hash, s.Clock()
	return nil
}

// SetPassword replaces a user's password (CLI and the user themself).
func (s *Service) SetPassword(ctx context.Context, username, password string) error {
	u, err := s.Store.UserByName(ctx, username)
	if err != nil {
		return err
	}
	if err := s.setPassword(ctx, u, password); err != nil {
		return err
	}
	u.UpdatedAt = s.Clock()
	return s.Store.UpdateUser(ctx, u)
}

// visibleUser returns a user the actor may manage, ENOTFOUND otherwise.
func (s *Service) visibleUser(ctx context.Context, id int64) (*User, error) {
	u, err := s.Store.GetUser(ctx, id)
	if err != nil {
		return nil, err
	}
	if a := core.ActorFrom(ctx); a != nil && !a.System && !region.Within(u.Division, a.Division) {
		return nil, core.Errorf(core.ENOTFOUND, "user %d not found", id)
	}
	return u, nil
}

// GetUser returns a user the actor may manage.
func (s *Service) GetUser(ctx context.Context, id int64) (*User, error) {
	return s.visibleUser(ctx, id)
}

// ListUsers returns the accounts inside the actor's area.
func (s *Service) ListUsers(ctx context.Context) ([]*User, error) {
	all, err := s.Store.ListUsers(ctx)
	if err != nil {
		return nil, err
	}
	a := core.ActorFrom(ctx)
	out := all[:0]
	for _, u := range all {
		if a == nil || a.System || region.Within(u.Division, a.Division) {
			out = append(out, u)
		}
	}
	return out, nil
}

// errLogin is the one answer to every failed login, so that it does not tell
// which usernames exist.
var errLogin = core.Errorf(core.EUNAUTHORIZED, "wrong username or password")

// Login checks a password and opens a session, returning its bearer token.
// It does not know second factors: the API signs in with BeginLogin.
func (s *Service) Login(ctx context.Context, username, password string) (string, *User, error) {
	u, err := s.checkLogin(ctx, username, password)
	if err != nil {
		return "", nil, err
	}
	token, err := s.IssueToken(ctx, u, SessionToken, "login", s.SessionTTL)
	return token, u, err
}

// checkLogin returns the enabled user with that username and password.
func (s *Service) checkLogin(ctx context.Context, username, password string) (*User, error) {
	u, err := s.Store.UserByName(ctx, strings.TrimSpace(username))
	if core.ErrorCode(err) == core.ENOTFOUND {
		// spend the same time as a real check so timing does not tell.
		CheckPassword(dummyHash, password)
		return nil, errLogin
	}
	if err != nil {
		return nil, err
	}
	ok, err := CheckPassword(u.PasswordHash, password)
	if err != nil || !ok || u.Disabled {
		return nil, errLogin
	}
	return u, nil
}

var dummyHash, _ = HashPassword("yingji-dummy-password")

// IssueToken creates a session or API token for u.
func (s *Service) IssueToken(ctx context.Context, u *User, kind, name string, ttl time.Duration) (string, error) {
	token, _, err := s.issueToken(ctx, u, kind, name, ttl, nil)
	return token, err
}

// issueToken is IssueToken with the API token's scopes, returning the
// stored token too.
func (s *Service) issueToken(ctx context.Context, u *User, kind, name string, ttl time.Duration, scopes []Permission) (string, *Token, error) {
	prefix := "yjs_"
	if kind == APIToken {
		prefix = "yja_"
	}
	token, hash := NewToken(prefix)
	now := s.Clock()
	t := &Token{UserID: u.ID, Kind: kind, Name: name, Hash: hash, Scopes: scopes, CreatedAt: now, ExpiresAt: now.Add(ttl), LastUsedAt: now}
	if err := s.Store.CreateToken(ctx, t); err != nil {
		return "", nil, err
	}
	return token, t, nil
}

// Authenticate turns a bearer token into the actor it speaks for.
func (s *Service) Authenticate(ctx context.Context, token string) (*core.Actor, error) {
	a, _, err := s.AuthenticateToken(ctx, token)
	return a, err
}

// AuthenticateToken is Authenticate that also returns the token, whose
// kind and scopes the caller checks with TokenAllows.
func (s *Service) AuthenticateToken(ctx context.Context, token string) (*core.Actor, *Token, error) {
	if token == "" {
		return nil, nil, core.Errorf(core.EUNAUTHORIZED, "sign in first")
	}
	t, u, err := s.Store.TokenUser(ctx, HashToken(token), s.Clock())
	if err != nil {
		return nil, nil, err
	}
	if u.Disabled {
		return nil, nil, core.Errorf(core.EUNAUTHORIZED, "this account is disabled")
	}
	if t.Kind == SessionToken && s.IdleTimeout > 0 && s.Clock().Sub(t.LastUsedAt) > s.IdleTimeout {
		s.Store.DeleteTokenByHash(ctx, t.Hash)
		return nil, nil, core.Errorf(core.EUNAUTHORIZED, "the session ended after %s without use; sign in again", s.IdleTimeout)
	}
	return &core.Actor{UserID: u.ID, Username: u.Username, Role: u.Role, Division: u.Division, EnterpriseID: u.EnterpriseID}, t, nil
}
