package httpapi

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/yingji/yingji/internal/core"
	"github.com/yingji/yingji/internal/registry"
)

// events is the live feed: Server-Sent Events of alarm changes ("alarm")
// and latest values ("latest") inside the user's area. A slow client
// loses the oldest events rather than slowing anyone else; it re-syncs from
// GET /api/v1/alarms.
func (s *Server) events(w http.ResponseWriter, r *http.Request) {
	fl, ok := w.(http.Flusher)
	if !ok {
		s.fail(w, r, core.Errorf(core.EINTERNAL, "streaming is not supported here"))
		return
	}
	scope := registry.ScopeOf(core.ActorFrom(r.Context()))
	types := map[string]bool{"alarm": true, "latest": true}
	if t := r.URL.Query().Get("types"); t != "" {
		types = map[string]bool{}
		for _, x := range splitList(t) {
			types[x] = true
		}
	}
	div := r.URL.Query().Get("division")
	queue := make(chan LiveEvent, 1024)
	ctx := r.Context()
	go s.Perception.Subscribe(ctx, func(e LiveEvent) {
		if !types[e.Type] || !visible(scope, e) || div != "" && !strings.HasPrefix(e.Division, prefixOf(div)) {
			return
		}
		select {
		case queue <- e:
		default:
			// full: drop the oldest, keep the newest.
			select {
			case <-queue:
			default:
			}
			select {
			case queue <- e:
			default:
			}
		}
	})
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	fmt.Fprint(w, ": yingji live feed\n\n")
	fl.Flush()
	beat := time.NewTicker(15 * time.Second)
	defer beat.Stop()
	for {
		select {
		case e := <-queue:
			fmt.Fprintf(w, "event: %s\ndata: %s\n\n", e.Type, e.Data)
			// send what is already queued before flushing once.
			for n := len(queue); n > 0; n-- {
				e := <-queue
				fmt.Fprintf(w, "event: %s\ndata: %s\n\n", e.Type, e.Data)
			}
			fl.Flush()
		case <-beat.C:
			fmt.Fprint(w, ": keep-alive\n\n")
			fl.Flush()
		case <-ctx.Done():
			return
		}
	}
}

// visible applies the registry's scope to a live event.
func visible(s registry.Scope, e LiveEvent) bool {
	switch {
	case s.None:
		return false
	case s.All:
		return true
	case !strings.HasPrefix(e.Division, s.DivisionPrefix):
		return false
	}
	return s.EnterpriseID == 0 || e.EnterpriseID == s.EnterpriseID
}
