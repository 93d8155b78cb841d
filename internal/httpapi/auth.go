package httpapi

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/yingji/yingji/internal/auth"
	"github.com/yingji/yingji/internal/core"
)

type loginRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

// LoginResponse is what a successful login returns.
type LoginResponse struct {
	Token     string     `json:"token"`
	ExpiresAt time.Time  `json:"expires_at"`
	User      *auth.User `json:"user"`
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	var req loginRequest
	if err := decodeJSON(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	if !s.limitLogin(w, r, req.Username) {
		return
	}
	res, err := s.Auth.BeginLogin(r.Context(), req.Username, req.Password, s.clientIP(r))
	if err != nil {
		s.Logger.Warn("login failed", "username", req.Username, "remote", r.RemoteAddr)
		s.fail(w, r, err)
		return
	}
	s.writeLoginStep(w, r, res)
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	token, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if c, err := r.Cookie(SessionCookie); err == nil && token == "" {
		token = c.Value
	}
	if err := s.Auth.Store.DeleteTokenByHash(r.Context(), auth.HashToken(strings.TrimSpace(token))); err != nil {
		s.fail(w, r, err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: s.secureCookie(r), SameSite: http.SameSiteLaxMode})
	w.WriteHeader(http.StatusNoContent)
}

// MeResponse describes the signed-in user.
type MeResponse struct {
	User        *auth.User        `json:"user"`
	Permissions []auth.Permission `json:"permissions"`
}

func (s *Server) me(w http.ResponseWriter, r *http.Request) {
	a := core.ActorFrom(r.Context())
	u, err := s.Auth.Store.GetUser(r.Context(), a.UserID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	role, _ := auth.RoleNamed(u.Role)
	writeJSON(w, http.StatusOK, MeResponse{User: u, Permissions: role.Permissions})
}

func (s *Server) listUsers(w http.ResponseWriter, r *http.Request) {
	us, err := s.Auth.ListUsers(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if us == nil {
		us = []*auth.User{}
	}
	writeJSON(w, http.StatusOK, List[*auth.User]{Items: us, Total: len(us), Limit: len(us)})
}

func (s *Server) createUser(w http.ResponseWriter, r *http.Request) {
	var in auth.UserInput
	if err := decodeJSON(w, r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	u, err := s.Auth.CreateUser(r.Context(), in)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/users/"+strconv.FormatInt(u.ID, 10))
	writeJSON(w, http.StatusCreated, u)
}

func (s *Server) getUser(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	u, err := s.Auth.GetUser(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, u)
}

func (s *Server) updateUser(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var in auth.UserInput
	if err := decodeJSON(w, r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	if in.Username != "" {
		s.fail(w, r, core.Invalid("username", "cannot be changed"))
		return
	}
	u, err := s.Auth.UpdateUser(r.Context(), id, in)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, u)
}

// RoleInfo describes a role for clients.
type RoleInfo struct {
	Name        string            `json:"name"`
	Label       string            `json:"label"`
	LabelEn     string            `json:"label_en"`
	Permissions []auth.Permission `json:"permissions"`
}

func (s *Server) listRoles(w http.ResponseWriter, r *http.Request) {
	out := make([]RoleInfo, len(auth.Roles))
	for i, ro := range auth.Roles {
		out[i] = RoleInfo{ro.Name, ro.Label, ro.LabelEn, ro.Permissions}
	}
	writeJSON(w, http.StatusOK, List[RoleInfo]{Items: out, Total: len(out), Limit: len(out)})
}
