package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/yingji/yingji/internal/core"
)

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.DB.Ping(ctx); err != nil {
		s.Logger.Warn("not ready", "err", err)
		s.fail(w, r, core.Errorf(core.EUNAVAILABLE, "the database does not answer"))
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready", "database": s.DB.Dialect()})
}

func (s *Server) version(w http.ResponseWriter, r *http.Request) {
	v := map[string]string{"version": s.Version}
	if s.MQTTAddr != "" {
		v["mqtt"] = s.MQTTAddr
	}
	writeJSON(w, http.StatusOK, v)
}
