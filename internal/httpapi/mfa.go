package httpapi

import (
	"encoding/base64"
	"net/http"
	"time"

	"github.com/yingji/yingji/internal/auth"
	"github.com/yingji/yingji/internal/core"
)

// Two-factor login (TOTP, RFC 6238). POST /api/v1/auth/login answers 202
// with a challenge when the account has (or must have) a second factor;
// the challenge and a code then open the session here.

// mfaRoutes are the two-factor routes; present when the auth service has
// MFA configured.
func (s *Server) mfaRoutes() []Route {
	rs := []Route{
		{"POST", "/api/v1/auth/password", "", "Change your password with the old one (also when it has expired); ends your sessions", s.changePassword},
	}
	if s.Auth == nil || s.Auth.MFA == nil {
		return rs
	}
	return append(rs, []Route{
		{"POST", "/api/v1/auth/login/mfa", "", "Second login step: the challenge and a TOTP or recovery code; opens the session", s.loginMFA},
		{"POST", "/api/v1/auth/login/mfa/enrol", "", "During a login that requires a second factor: a new TOTP secret for the account", s.loginEnrol},
		{"GET", "/api/v1/auth/mfa", auth.Authenticated, "Your two-factor state", s.myMFA},
		{"POST", "/api/v1/auth/mfa/enrol", auth.Authenticated, "Start enrolling an authenticator app (password again); the secret is shown once", s.enrolMFA},
		{"POST", "/api/v1/auth/mfa/confirm", auth.Authenticated, "Confirm the enrolment with a code; returns the recovery codes (shown once)", s.confirmMFA},
		{"POST", "/api/v1/auth/mfa/recovery-codes", auth.Authenticated, "Replace your recovery codes (a current code needed)", s.renewRecovery},
		{"GET", "/api/v1/users/{id}/mfa", auth.UsersManage, "An account's two-factor state", s.userMFA},
		{"DELETE", "/api/v1/users/{id}/mfa", auth.UsersManage, "Reset an account's second factor (lost device); ends its sessions", s.resetMFA},
		{"GET", "/api/v1/security/mfa-policy", auth.SecurityManage, "Roles that must sign in with a second factor", s.mfaPolicy},
		{"PUT", "/api/v1/security/mfa-policy", auth.SecurityManage, "Set the roles that must sign in with a second factor", s.setMFAPolicy},
	}...)
}

type passwordRequest struct {
	Username    string `json:"username"`
	OldPassword string `json:"old_password"`
	NewPassword string `json:"new_password"`
	Code        string `json:"code"`
}

func (s *Server) changePassword(w http.ResponseWriter, r *http.Request) {
	var req passwordRequest
	if err := decodeJSON(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	if !s.limitLogin(w, r, req.Username) {
		return
	}
	if err := s.Auth.ChangePassword(r.Context(), req.Username, req.OldPassword, req.NewPassword, req.Code, s.clientIP(r)); err != nil {
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// MFAChallenge is the answer of a password step that needs a code.
type MFAChallenge struct {
	MFARequired   bool      `json:"mfa_required"`
	Challenge     string    `json:"challenge"`
	ExpiresAt     time.Time `json:"expires_at"`
	EnrolRequired bool      `json:"enrol_required"`
	// WebAuthn: the account may answer with a security key (webauthn.go).
	WebAuthn bool `json:"webauthn,omitempty"`
}

// MFALoginResponse is a session opened by the second step.
type MFALoginResponse struct {
	LoginResponse
	RecoveryCodes []string `json:"recovery_codes,omitempty"`
}

// MFAEnrolment is a new secret, its otpauth URI and the QR code.
type MFAEnrolment struct {
	Secret string `json:"secret"`
	URI    string `json:"otpauth_uri"`
	// QR is the QR code as a data: URL of a PNG image.
	QR string `json:"qr_png"`
}

// RecoveryCodes are shown once.
type RecoveryCodes struct {
	RecoveryCodes []string `json:"recovery_codes"`
}

// MFAPolicy is the roles that must use a second factor.
type MFAPolicy struct {
	RequiredRoles []string `json:"required_roles"`
	// WriteRoles are the roles that can change data (the ones the policy
	// is meant for).
	WriteRoles []string `json:"write_roles"`
}

type mfaLoginRequest struct {
	Challenge    string `json:"challenge"`
	Code         string `json:"code"`
	RecoveryCode string `json:"recovery_code"`
}

func enrolmentOf(e *auth.Enrolment) MFAEnrolment {
	return MFAEnrolment{Secret: e.Secret, URI: e.URI, QR: "data:image/png;base64," + base64.StdEncoding.EncodeToString(e.QRPNG)}
}

// setSessionCookie gives the browser the session a login opened (the
// password, second-factor, security-key and single sign-on steps alike).
func (s *Server) setSessionCookie(w http.ResponseWriter, r *http.Request, res *auth.LoginResult) {
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: res.Token, Path: "/", HttpOnly: true,
		Secure: s.secureCookie(r), SameSite: http.SameSiteLaxMode, Expires: res.ExpiresAt})
}

// writeSession sets the cookie and answers a login that opened a session.
func (s *Server) writeSession(w http.ResponseWriter, r *http.Request, res *auth.LoginResult) {
	s.setSessionCookie(w, r, res)
	s.Logger.Info("login", "username", res.User.Username, "remote", r.RemoteAddr, "mfa", res.Challenge == "" && s.Auth.MFA != nil)
	writeJSON(w, http.StatusOK, MFALoginResponse{LoginResponse: LoginResponse{Token: res.Token, ExpiresAt: res.ExpiresAt, User: res.User}, RecoveryCodes: res.RecoveryCodes})
}

// writeLoginStep answers the password step.
func (s *Server) writeLoginStep(w http.ResponseWriter, r *http.Request, res *auth.LoginResult) {
	if res.Challenge == "" {
		s.writeSession(w, r, res)
		return
	}
	writeJSON(w, http.StatusAccepted, MFAChallenge{MFARequired: true, Challenge: res.Challenge, ExpiresAt: res.ChallengeExpiresAt, EnrolRequired: res.EnrolRequired,
		WebAuthn: !res.EnrolRequired && s.Auth.HasKeys(r.Context(), res.User.ID)})
}

func (s *Server) loginMFA(w http.ResponseWriter, r *http.Request) {
	var req mfaLoginRequest
	if err := decodeJSON(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	if !s.limitLogin(w, r, "") {
		return
	}
	res, err := s.Auth.FinishLogin(r.Context(), req.Challenge, req.Code, req.RecoveryCode, s.clientIP(r))
	if err != nil {
		s.Logger.Warn("second factor refused", "remote", r.RemoteAddr, "err", err)
		s.fail(w, r, err)
		return
	}
	s.writeSession(w, r, res)
}

func (s *Server) loginEnrol(w http.ResponseWriter, r *http.Request) {
	var req mfaLoginRequest
	if err := decodeJSON(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	if !s.limitLogin(w, r, "") {
		return
	}
	e, err := s.Auth.ChallengeEnrol(r.Context(), req.Challenge)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, enrolmentOf(e))
}

func (s *Server) myMFA(w http.ResponseWriter, r *http.Request) {
	st, err := s.Auth.MyStatus(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, st)
}

func (s *Server) enrolMFA(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Password string `json:"password"`
	}
	if err := decodeJSON(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	e, err := s.Auth.Enrol(r.Context(), req.Password)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, enrolmentOf(e))
}

func (s *Server) confirmMFA(w http.ResponseWriter, r *http.Request) {
	var req mfaLoginRequest
	if err := decodeJSON(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	codes, err := s.Auth.ConfirmEnrol(r.Context(), req.Code)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, RecoveryCodes{codes})
}

func (s *Server) renewRecovery(w http.ResponseWriter, r *http.Request) {
	var req mfaLoginRequest
	if err := decodeJSON(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	codes, err := s.Auth.RegenerateRecoveryCodes(r.Context(), req.Code)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, RecoveryCodes{codes})
}

func (s *Server) userMFA(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	st, err := s.Auth.UserMFAStatus(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, st)
}

func (s *Server) resetMFA(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.Auth.ResetMFA(r.Context(), id); err != nil {
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}


func (s *Server) mfaPolicy(w http.ResponseWriter, r *http.Request) {
	roles, err := s.Auth.RequiredRoles(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if roles == nil {
		roles = []string{}
	}
	writeJSON(w, http.StatusOK, MFAPolicy{RequiredRoles: roles, WriteRoles: auth.WriteRoles()})
}

func (s *Server) setMFAPolicy(w http.ResponseWriter, r *http.Request) {
	var req MFAPolicy
	if err := decodeJSON(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	if req.RequiredRoles == nil {
		s.fail(w, r, core.Invalid("required_roles", "is required (an empty list turns the requirement off)"))
		return
	}
	roles, err := s.Auth.SetRequiredRoles(r.Context(), req.RequiredRoles)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, MFAPolicy{RequiredRoles: roles, WriteRoles: auth.WriteRoles()})
}

// mfaOps say what each two-factor route takes and returns.
var mfaOps = map[string]opSpec{
	"POST /api/v1/auth/password":           {request: "PasswordChange", status: "204"},
	"POST /api/v1/auth/login/mfa":          {request: "MFALoginRequest", response: "MFALoginResponse", more: obj{"401": problem("wrong or used code, or the challenge expired")}},
	"POST /api/v1/auth/login/mfa/enrol":    {request: "MFAChallengeInput", response: "MFAEnrolment"},
	"GET /api/v1/auth/mfa":                 {response: "MFAStatus"},
	"POST /api/v1/auth/mfa/enrol":          {request: "MFAEnrolInput", response: "MFAEnrolment"},
	"POST /api/v1/auth/mfa/confirm":        {request: "MFACodeInput", response: "RecoveryCodes"},
	"POST /api/v1/auth/mfa/recovery-codes": {request: "MFACodeInput", response: "RecoveryCodes"},
	"GET /api/v1/users/{id}/mfa":           {response: "MFAStatus"},
	"DELETE /api/v1/users/{id}/mfa":        {status: "204"},
	"GET /api/v1/security/mfa-policy":      {response: "MFAPolicy"},
	"PUT /api/v1/security/mfa-policy":      {request: "MFAPolicy", response: "MFAPolicy"},
}

// mfaSchemas adds the two-factor component schemas.
func mfaSchemas(schemas obj) {
	code := obj{"type": "string", "description": "the 6 digits the authenticator app shows"}
	schemas["MFAChallenge"] = object([]string{"mfa_required", "challenge", "expires_at", "enrol_required"}, obj{
		"mfa_required": obj{"type": "boolean", "const": true}, "challenge": obj{"type": "string", "description": "for POST /api/v1/auth/login/mfa; good for a few minutes"},
		"expires_at": dateTime(), "enrol_required": obj{"type": "boolean", "description": "the account must first enrol (POST /api/v1/auth/login/mfa/enrol)"},
		"webauthn": obj{"type": "boolean", "description": "the account may answer with a security key instead of a code (POST /api/v1/auth/login/webauthn/begin)"},
	})
	schemas["MFALoginRequest"] = object([]string{"challenge"}, obj{"challenge": str(), "code": code,
		"recovery_code": obj{"type": "string", "description": "instead of a code: one of the recovery codes (each works once)"}})
	schemas["MFALoginResponse"] = object([]string{"token", "expires_at", "user"}, obj{"token": str(), "expires_at": dateTime(), "user": ref("User"),
		"recovery_codes": obj{"type": "array", "items": str(), "description": "set when this login also completed the enrolment; shown once"}})
	schemas["MFAChallengeInput"] = object([]string{"challenge"}, obj{"challenge": str()})
	schemas["MFAEnrolment"] = object([]string{"secret", "otpauth_uri", "qr_png"}, obj{
		"secret": obj{"type": "string", "description": "base32 key, shown once"}, "otpauth_uri": obj{"type": "string", "pattern": "^otpauth://totp/"},
		"qr_png": obj{"type": "string", "pattern": "^data:image/png;base64,"}})
	schemas["MFAEnrolInput"] = object([]string{"password"}, obj{"password": obj{"type": "string", "format": "password"}})
	schemas["MFACodeInput"] = object([]string{"code"}, obj{"code": code})
	schemas["MFAStatus"] = object([]string{"enabled", "pending", "required", "recovery_codes_left"}, obj{
		"enabled": obj{"type": "boolean"}, "pending": obj{"type": "boolean", "description": "an enrolment waits for its first code"},
		"required":     obj{"type": "boolean", "description": "the account's role must use a second factor"},
		"confirmed_at": dateTime(), "recovery_codes_left": integer()})
	schemas["PasswordChange"] = object([]string{"username", "old_password", "new_password"}, obj{"username": str(),
		"old_password": obj{"type": "string", "format": "password"}, "new_password": obj{"type": "string", "format": "password"},
		"code": obj{"type": "string", "description": "a current code, when the account has two-factor login"}})
	schemas["RecoveryCodes"] = object([]string{"recovery_codes"}, obj{"recovery_codes": arrayOf(str())})
	schemas["MFAPolicy"] = object([]string{"required_roles"}, obj{"required_roles": arrayOf(str()), "write_roles": arrayOf(str())})
}
