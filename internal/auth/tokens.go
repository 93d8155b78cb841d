package auth

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/yingji/yingji/internal/core"
)

// API token scopes (issue 9). An API token carries the list of permissions
// it was created for; a request made with it needs the route's permission
// both in the token's scopes and in its user's role (so a user's later
// demotion narrows their tokens at once). Session tokens carry no scopes:
// a person signed in has all of their role.

// LegacyScope marks API tokens created before scopes existed (migration
// 0013): they keep the whole of their user's role until revoked. New
// tokens cannot be given it.
const LegacyScope Permission = "*"

// MaxTokenDays is the longest an API token may live.
const MaxTokenDays = 366

// TokenAllows reports whether a request with method may use permission p
// under the token. A session token allows what the role allows. An API
// token allows the permissions in its scopes and, of the routes open to
// every signed-in user, only the reading ones: a token cannot create
// tokens, change a second factor or otherwise act as the person.
func TokenAllows(t *Token, p Permission, method string) bool {
	if t == nil || t.Kind != APIToken || slices.Contains(t.Scopes, LegacyScope) {
		return true
	}
	if p == Authenticated {
		return method == "GET" || method == "HEAD"
	}
	return slices.Contains(t.Scopes, p)
}

// CheckScopes validates a new token's scopes against its user's role: each
// must be a permission the role has; at least one is required (there is no
// default, so that a token is never wider than its creator meant). The
// result is sorted and without duplicates.
func CheckScopes(role string, scopes []string) ([]Permission, error) {
	if len(scopes) == 0 {
		return nil, core.Invalid("scopes", "is required: list the permissions the token needs, e.g. [\"registry.read\"] (GET /api/v1/auth/me lists yours)")
	}
	r, _ := RoleNamed(role)
	var out []Permission
	var p core.Problems
	for i, s := range scopes {
		perm := Permission(strings.TrimSpace(s))
		switch {
		case perm == "" || perm == LegacyScope || perm == Authenticated:
			p.Add(0, "scopes["+itoa(i)+"]", "%q is not a permission", s)
		case !slices.Contains(r.Permissions, perm):
			p.Add(0, "scopes["+itoa(i)+"]", "%q is not a permission of your role %s", s, role)
		case !slices.Contains(out, perm):
			out = append(out, perm)
		}
	}
	if err := p.Err(""); err != nil {
		return nil, err
	}
	slices.Sort(out)
	return out, nil
}

func itoa(i int) string { return strconv.Itoa(i) }

// APITokenInput asks for an API token.
type APITokenInput struct {
	Name   string   `json:"name"`
	Days   int      `json:"days"`
	Scopes []string `json:"scopes"`
}

// CreateAPIToken issues an API token for the signed-in user with the scopes
// asked for (a subset of the role) and an expiry of 1 to 366 days (90 when
// not given). The creation is audited with the scopes.
func (s *Service) CreateAPIToken(ctx context.Context, in APITokenInput) (string, *Token, error) {
	a := core.ActorFrom(ctx)
	if a == nil || a.UserID == 0 {
		return "", nil, core.Errorf(core.EUNAUTHORIZED, "sign in first")
	}
	u, err := s.Store.GetUser(ctx, a.UserID)
	if err != nil {
		return "", nil, err
	}
	in.Name = strings.TrimSpace(in.Name)
	if in.Name == "" {
		return "", nil, core.Invalid("name", "is required (say what the token is for)")
	}
	if len(in.Name) > 100 {
		return "", nil, core.Invalid("name", "is longer than 100 characters")
	}
	if in.Days == 0 {
		in.Days = 90
	}
	if in.Days < 1 || in.Days > MaxTokenDays {
		return "", nil, core.Invalid("days", "must be from 1 to %d", MaxTokenDays)
	}
	scopes, err := CheckScopes(u.Role, in.Scopes)
	if err != nil {
		return "", nil, err
	}
	return s.issueToken(ctx, u, APIToken, in.Name, time.Duration(in.Days)*24*time.Hour, scopes)
}

// UserTokens lists the sessions and API tokens of an account the actor may
// manage (a security administrator, inside their area).
func (s *Service) UserTokens(ctx context.Context, userID int64) ([]*Token, error) {
	if _, err := s.visibleUser(ctx, userID); err != nil {
		return nil, err
	}
	return s.Store.ListTokens(ctx, userID)
}

// RevokeUserToken ends a session or revokes an API token of an account the
// actor may manage; audited with the token (its scopes) and the account's
// division.
func (s *Service) RevokeUserToken(ctx context.Context, userID, tokenID int64) error {
	if _, err := s.visibleUser(ctx, userID); err != nil {
		return err
	}
	return s.Store.DeleteToken(ctx, userID, tokenID)
}

// ExternalLogin opens a session for the account an identity provider has
// vouched for (single sign-on, method "oidc"). The account must exist and
// be enabled: none is created. The provider's authentication stands in for
// the password and the second factor (see docs/security.md), so neither is
// asked, and the password's expiry does not apply. Audited as a login, or a
// failed one, with the method.
func (s *Service) ExternalLogin(ctx context.Context, username, ip, method string) (*LoginResult, error) {
	u, err := s.Store.UserByName(ctx, strings.TrimSpace(username))
	if err != nil || u.Disabled {
		reason := "no Yingji account of that name"
		if err == nil {
			reason = "account disabled"
		} else if core.ErrorCode(err) != core.ENOTFOUND {
			return nil, err
		} else {
			u = nil
		}
		s.audit(ctx, "login_failed", u, LoginEvent{Username: username, IP: ip, Method: method, Reason: reason})
		return nil, core.Errorf(core.EUNAUTHORIZED, "the identity provider signed in %q, but %s", username, reason)
	}
	res, err := s.openSession(ctx, u)
	if err == nil {
		s.audit(ctx, "login", u, LoginEvent{Username: u.Username, IP: ip, Method: method})
	}
	return res, err
}

// ExternalLoginFailed audits a single sign-on refused before an account was
// known (a wrong state, nonce, issuer or audience).
func (s *Service) ExternalLoginFailed(ctx context.Context, ip, method, reason string) {
	s.audit(ctx, "login_failed", nil, LoginEvent{IP: ip, Method: method, Reason: reason})
}
