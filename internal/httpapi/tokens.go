package httpapi

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/yingji/yingji/internal/auth"
	"github.com/yingji/yingji/internal/core"
)

// API tokens with scopes and expiry (issue 9), and a security
// administrator's view of other accounts' tokens. The scope check itself is
// in Server.wrap (auth.TokenAllows), beside the role check.

// tokenRoutes are the routes of other accounts' tokens; the caller's own
// are in routes.go.
func (s *Server) tokenRoutes() []Route {
	return []Route{
		{"GET", "/api/v1/users/{id}/tokens", auth.SecurityManage, "An account's sessions and API tokens (with scopes), inside your area", s.userTokens},
		{"DELETE", "/api/v1/users/{id}/tokens/{token_id}", auth.SecurityManage, "Revoke an account's session or API token, inside your area", s.revokeUserToken},
	}
}

// scopeRefusal says why an API token was refused a route its role allows.
func scopeRefusal(t *auth.Token, p auth.Permission) string {
	if p == auth.Authenticated {
		return "an API token may only read here; creating tokens or changing sign-in settings needs a signed-in person"
	}
	return fmt.Sprintf("the API token's scopes do not include %s (needs %s)", p, p)
}

func (s *Server) listTokens(w http.ResponseWriter, r *http.Request) {
	toks, err := s.Auth.Store.ListTokens(r.Context(), core.ActorFrom(r.Context()).UserID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if toks == nil {
		toks = []*auth.Token{}
	}
	writeJSON(w, http.StatusOK, List[*auth.Token]{Items: toks, Total: len(toks), Limit: len(toks)})
}

// NewTokenResponse is a created API token; the token itself is shown once.
type NewTokenResponse struct {
	*auth.Token
	Secret string `json:"token"`
}

func (s *Server) createToken(w http.ResponseWriter, r *http.Request) {
	var req auth.APITokenInput
	if err := decodeJSON(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	token, t, err := s.Auth.CreateAPIToken(r.Context(), req)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusCreated, NewTokenResponse{Token: t, Secret: token})
}

func (s *Server) deleteToken(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.Auth.Store.DeleteToken(r.Context(), core.ActorFrom(r.Context()).UserID, id); err != nil {
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) userTokens(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	toks, err := s.Auth.UserTokens(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if toks == nil {
		toks = []*auth.Token{}
	}
	writeJSON(w, http.StatusOK, List[*auth.Token]{Items: toks, Total: len(toks), Limit: len(toks)})
}

func (s *Server) revokeUserToken(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := strings.TrimSpace(r.PathValue("token_id"))
	tid, err := strconv.ParseInt(v, 10, 64)
	if err != nil || tid <= 0 {
		s.fail(w, r, core.Invalid("token_id", "%q is not a token id", v))
		return
	}
	if err := s.Auth.RevokeUserToken(r.Context(), id, tid); err != nil {
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// tokenOps say what the token routes take and return.
var tokenOps = map[string]opSpec{
	"GET /api/v1/users/{id}/tokens":               {response: "TokenList"},
	"DELETE /api/v1/users/{id}/tokens/{token_id}": {status: "204"},
}
