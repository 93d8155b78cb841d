package main

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/yingji/yingji/internal/core"
	"github.com/yingji/yingji/internal/exposure"
	"github.com/yingji/yingji/internal/feeds"
	"github.com/yingji/yingji/internal/httpapi"
	"github.com/yingji/yingji/internal/models/quake"
	"github.com/yingji/yingji/internal/region"
)

// modelsAPI wires hazard models, exposure and external feeds into the API;
// nil leaves them out. Feed pollers stop when ctx ends.
func (a *app) modelsAPI(ctx context.Context, per *perception) (*httpapi.Models, error) {
	pop, err := region.BaoshanPopulation()
	if err != nil {
		return nil, err
	}
	exp := &exposure.Service{Lister: a.db, Tree: a.tree.Load, Pop: pop,
		Context: func(ctx context.Context) context.Context { return core.WithActor(ctx, core.SystemActor) }}
	// A registry change makes the exposure index reload on its next use.
	prev := a.registry.OnChange
	a.registry.OnChange = func(kind string) {
		if prev != nil {
			prev(kind)
		}
		exp.Invalidate()
	}

	gaoligong, err := feeds.GaoligongApprox()
	if err != nil {
		return nil, err
	}
	assessor := &feeds.Assessor{Tree: a.tree.Load, Exposure: exp.Index, Relation: quake.QinghaiTibet,
		MinMagnitude: 4, NearKm: 300, HotspotNearKm: 20, Areas: []feeds.Area{gaoligong}}
	runner := &feeds.Runner{Client: &http.Client{Timeout: 30 * time.Second}, Clock: core.SystemClock, Logger: a.log,
		Handle: func(ctx context.Context, ev feeds.Event) {
			as, err := assessor.Assess(ctx, ev)
			if err != nil {
				a.log.Warn("feed event not assessed", "source", ev.Source, "id", ev.ID, "err", err)
				return
			}
			if as.Alert {
				// The alarm service keys alarms to monitoring points, so a
				// feed event is logged and listed at /api/v1/feeds/events
				// for the duty officer rather than raised as an alarm.
				a.log.Warn("feed event needs attention", "type", ev.Type, "source", ev.Source, "id", ev.ID,
					"level", as.Level, "reason", as.Reason, "draft_incident", as.DraftIncident)
			}
		}}
	for _, s := range strings.Split(a.cfg.Feeds, ";") {
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		src, err := feeds.ParseSource(s)
		if err != nil {
			return nil, fmt.Errorf("--feeds: %w", err)
		}
		runner.Sources = append(runner.Sources, src)
	}
	if len(runner.Sources) > 0 {
		go runner.Run(ctx)
	}
	return &httpapi.Models{
		Exposure: exp.Index,
		Feeds: func() []httpapi.FeedStatus {
			var out []httpapi.FeedStatus
			for _, s := range runner.Statuses() {
				fs := httpapi.FeedStatus{Name: s.Name, Kind: s.Kind, Source: s.Source, LastError: s.LastError, EventsSeen: s.EventsSeen, Duplicates: s.Duplicates}
				if !s.LastPoll.IsZero() {
					fs.LastPoll = &s.LastPoll
				}
				if !s.LastErrAt.IsZero() {
					fs.LastErrAt = &s.LastErrAt
				}
				out = append(out, fs)
			}
			return out
		},
		FeedPost: func(ctx context.Context, kind string, body []byte) (httpapi.FeedAccepted, error) {
			n, fresh, err := runner.Push(ctx, kind, body)
			return httpapi.FeedAccepted{Events: n, New: fresh, Duplicates: n - fresh}, err
		},
		FeedEvents: func(n int) any { return assessor.Recent(n) },
	}, nil
}
