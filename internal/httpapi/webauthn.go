package httpapi

import (
	"encoding/json"
	"net/http"

	"github.com/yingji/yingji/internal/auth"
	"github.com/yingji/yingji/internal/core"
)

// WebAuthn security keys as a second factor (auth/webauthn.go): registered
// from the account security page, used at the login's second step instead
// of a TOTP code.

// keyRoutes are present when security keys are configured.
func (s *Server) keyRoutes() []Route {
	if s.Auth == nil || s.Auth.Keys == nil || s.Auth.MFA == nil {
		return nil
	}
	return []Route{
		{"GET", "/api/v1/auth/webauthn/keys", auth.Authenticated, "Your security keys", s.myKeys},
		{"POST", "/api/v1/auth/webauthn/register/begin", auth.Authenticated, "Start registering a security key (needs the authenticator app set up): the browser's creation options", s.beginKeyRegistration},
		{"POST", "/api/v1/auth/webauthn/register/finish", auth.Authenticated, "Finish registering a security key with the browser's answer", s.finishKeyRegistration},
		{"DELETE", "/api/v1/auth/webauthn/keys/{id}", auth.Authenticated, "Remove one of your security keys", s.deleteKey},
		{"POST", "/api/v1/auth/login/webauthn/begin", "", "Second login step with a security key: the browser's request options for the challenge", s.beginKeyLogin},
		{"POST", "/api/v1/auth/login/webauthn", "", "Second login step with a security key: the browser's answer; opens the session", s.finishKeyLogin},
	}
}

type keyRegistration struct {
	Name       string          `json:"name"`
	Credential json.RawMessage `json:"credential"`
}

type keyLogin struct {
	Challenge  string          `json:"challenge"`
	Credential json.RawMessage `json:"credential"`
}

func (s *Server) myKeys(w http.ResponseWriter, r *http.Request) {
	keys, err := s.Auth.MyKeys(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if keys == nil {
		keys = []*auth.Key{}
	}
	writeJSON(w, http.StatusOK, List[*auth.Key]{Items: keys, Total: len(keys), Limit: len(keys)})
}

func (s *Server) beginKeyRegistration(w http.ResponseWriter, r *http.Request) {
	cc, err := s.Auth.BeginKeyRegistration(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, cc)
}

func (s *Server) finishKeyRegistration(w http.ResponseWriter, r *http.Request) {
	var req keyRegistration
	if err := decodeJSON(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	if len(req.Credential) == 0 {
		s.fail(w, r, core.Invalid("credential", "is required: the browser's answer to navigator.credentials.create"))
		return
	}
	k, err := s.Auth.FinishKeyRegistration(r.Context(), req.Name, req.Credential)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, k)
}

func (s *Server) deleteKey(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.Auth.DeleteMyKey(r.Context(), id); err != nil {
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) beginKeyLogin(w http.ResponseWriter, r *http.Request) {
	var req keyLogin
	if err := decodeJSON(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	ca, err := s.Auth.BeginKeyLogin(r.Context(), req.Challenge)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, ca)
}

func (s *Server) finishKeyLogin(w http.ResponseWriter, r *http.Request) {
	if !s.limitLogin(w, r, "") {
		return
	}
	var req keyLogin
	if err := decodeJSON(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	if len(req.Credential) == 0 {
		s.fail(w, r, core.Invalid("credential", "is required: the browser's answer to navigator.credentials.get"))
		return
	}
	res, err := s.Auth.FinishKeyLogin(r.Context(), req.Challenge, req.Credential, s.clientIP(r))
	if err != nil {
		s.Logger.Warn("security key refused", "remote", r.RemoteAddr, "err", err)
		s.fail(w, r, err)
		return
	}
	s.writeSession(w, r, res)
}

// keyOps say what the security-key routes take and return.
var keyOps = map[string]opSpec{
	"GET /api/v1/auth/webauthn/keys":             {response: "KeyList"},
	"POST /api/v1/auth/webauthn/register/begin":  {response: "WebAuthnOptions"},
	"POST /api/v1/auth/webauthn/register/finish": {request: "KeyRegistration", response: "Key", status: "201"},
	"DELETE /api/v1/auth/webauthn/keys/{id}":     {status: "204"},
	"POST /api/v1/auth/login/webauthn/begin":     {request: "KeyLoginBegin", response: "WebAuthnOptions", more: obj{"401": problem("the challenge expired or is unknown")}},
	"POST /api/v1/auth/login/webauthn":           {request: "KeyLogin", response: "MFALoginResponse", more: obj{"401": problem("the key's answer was refused, or the challenge expired")}},
}

func keySchemas(schemas obj) {
	schemas["Key"] = object([]string{"id", "name", "credential_id", "created_at"}, obj{"id": integer(), "name": str(),
		"credential_id": obj{"type": "string", "description": "base64url"}, "created_at": dateTime(), "last_used_at": dateTime()})
	schemas["KeyList"] = listOf(ref("Key"))
	schemas["WebAuthnOptions"] = object([]string{"publicKey"}, obj{"publicKey": obj{"type": "object",
		"description": "PublicKeyCredentialCreationOptions or PublicKeyCredentialRequestOptions (W3C WebAuthn Level 3), binary fields base64url"}})
	credential := obj{"type": "object", "description": "the PublicKeyCredential as JSON (W3C WebAuthn Level 3 toJSON), binary fields base64url"}
	schemas["KeyRegistration"] = object([]string{"name", "credential"}, obj{"name": str(), "credential": credential})
	schemas["KeyLoginBegin"] = object([]string{"challenge"}, obj{"challenge": str()})
	schemas["KeyLogin"] = object([]string{"challenge", "credential"}, obj{"challenge": str(), "credential": credential})
}
