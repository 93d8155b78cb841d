package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/yingji/yingji/internal/core"
	"github.com/yingji/yingji/internal/exposure"
	"github.com/yingji/yingji/internal/feeds"
	"github.com/yingji/yingji/internal/httpapi"
	"github.com/yingji/yingji/internal/ingest"
	"github.com/yingji/yingji/internal/models/landslide"
	"github.com/yingji/yingji/internal/models/quake"
	"github.com/yingji/yingji/internal/region"
	"github.com/yingji/yingji/internal/registry"
)

// modelsAPI wires hazard models, exposure and external feeds into the API;
// nil leaves them out. Feed pollers stop when ctx ends.
// Quakes whose modelled intensity VI reaches the region become incidents
// through inc's service when the incidents area is wired.
func (a *app) modelsAPI(ctx context.Context, per *perception, inc *httpapi.Incidents) (*httpapi.Models, error) {
	pop, err := region.BaoshanPopulation()
	if err != nil {
		return nil, err
	}
	exp := &exposure.Service{Lister: a.db, Tree: a.tree.Load, Pop: pop,
		Context: func(ctx context.Context) context.Context { return core.WithActor(ctx, core.SystemActor) }}
	live, err := a.startLandslide(ctx, exp, per)
	if err != nil {
		return nil, err
	}
	// A registry change makes the exposure index reload on its next use,
	// and the live geohazard evaluator take the new points and gauges.
	prev := a.registry.OnChange
	a.registry.OnChange = func(kind string) {
		if prev != nil {
			prev(kind)
		}
		exp.Invalidate()
		if kind == registry.KMonitoringPoint || kind == registry.KGeohazardPoint {
			live.stale.Store(true)
		}
	}

	gaoligong, err := feeds.GaoligongApprox()
	if err != nil {
		return nil, err
	}
	assessor := &feeds.Assessor{Tree: a.tree.Load, Exposure: exp.Index, Relation: quake.QinghaiTibet,
		MinMagnitude: 4, NearKm: 300, HotspotNearKm: 20, Areas: []feeds.Area{gaoligong}}
	if inc != nil && inc.Service != nil {
		assessor.Incidents = &quakeIncidents{svc: inc.Service}
	}
	if per != nil && per.alarms != nil {
		hot := &feeds.HotspotAlarms{Alarms: per.alarms, Tree: a.tree.Load, Clock: core.SystemClock}
		assessor.Alarms = hot
		go func() {
			t := time.NewTicker(10 * time.Minute)
			defer t.Stop()
			for {
				select {
				case <-ctx.Done():
					return
				case <-t.C:
					if _, err := hot.Recover(ctx); err != nil {
						a.log.Warn("hotspot alarms: recover", "err", err)
					}
				}
			}
		}()
	}
	runner := &feeds.Runner{Client: &http.Client{Timeout: 30 * time.Second}, Clock: core.SystemClock, Logger: a.log,
		Handle: func(ctx context.Context, ev feeds.Event) {
			if r, ok := feeds.RainReading(ev); ok {
				live.eval.Add([]landslide.Reading{r})
				return
			}
			as, err := assessor.Assess(ctx, ev)
			if err != nil {
				a.log.Warn("feed event not assessed", "source", ev.Source, "id", ev.ID, "err", err)
				return
			}
			if as.Alert {
				// Quakes become incidents and hotspots alarms (above);
				// every alert is also logged and listed at /api/v1/feeds/events.
				a.log.Warn("feed event needs attention", "type", ev.Type, "source", ev.Source, "id", ev.ID,
					"level", as.Level, "reason", as.Reason, "draft_incident", as.DraftIncident, "incident", as.Incident, "incident_error", as.IncidentError)
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
		Landslide:  live.eval,
		Rollups:    a.db.ReadRollups,
	}, nil
}

// liveLandslide feeds the rain gauges' running totals from the live feed
// into the geohazard evaluator.
type liveLandslide struct {
	eval  *landslide.Live
	stale atomic.Bool
}

// startLandslide builds the live evaluator over the registry's gauges and
// hazard points and feeds it: the live feed's latest values of the gauges
// (running daily totals, see landslide.Totals) go through a queue to one
// goroutine, and a minute ticker moves time on and picks up registry
// changes. The evaluator starts empty: rain before start-up is not read
// back from storage.
func (a *app) startLandslide(ctx context.Context, exp *exposure.Service, per *perception) (*liveLandslide, error) {
	sys := core.WithActor(ctx, core.SystemActor)
	load := func() ([]landslide.Gauge, []landslide.Point, error) {
		ix, err := exp.Index(sys)
		if err != nil {
			return nil, nil, err
		}
		g, p := httpapi.RegistryGeohazards(ix, registry.Scope{All: true})
		return g, p, nil
	}
	gauges, points, err := load()
	if err != nil {
		return nil, fmt.Errorf("landslide: %w", err)
	}
	ev, err := landslide.NewLive(landslide.DefaultConfig(), gauges, points)
	if err != nil {
		return nil, fmt.Errorf("landslide: %w", err)
	}
	l := &liveLandslide{eval: ev}
	if per == nil || per.feed == nil {
		return l, nil
	}
	// The subscriber runs on the bus delivery path under the live feed's
	// lock: it only queues the raw batch; decoding is the loop's job.
	queue := make(chan []byte, 1024)
	var dropped atomic.Int64
	go per.feed.Subscribe(ctx, func(e httpapi.LiveEvent) {
		if e.Type != "latest" {
			return
		}
		select {
		case queue <- e.Data:
		default:
			dropped.Add(1)
		}
	})
	go func() {
		tick := time.NewTicker(time.Minute)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case data := <-queue:
				ts := rainTotals(data)
				if len(ts) == 0 {
					continue
				}
				for _, st := range ev.Observe(ts) {
					a.log.Info("geohazard warning level changed", "point", st.Point, "level", st.Level,
						"effective_mm", st.Effective, "id_ratio", st.Ratio)
				}
			case now := <-tick.C:
				if n := dropped.Swap(0); n > 0 {
					a.log.Warn("landslide: rain batches dropped, the evaluator could not keep up", "batches", n)
				}
				if l.stale.Swap(false) {
					if g, p, err := load(); err != nil {
						a.log.Warn("landslide: reload the registry", "err", err)
						l.stale.Store(true)
					} else if err := ev.Rebuild(g, p); err != nil {
						a.log.Warn("landslide: rebuild", "err", err)
					}
				}
				ev.Tick(now.UTC())
			}
		}
	}()
	return l, nil
}

// rainTotals reads the gauges' running totals (values in mm) out of a live
// "latest" batch.
func rainTotals(data []byte) []landslide.Total {
	var vs []ingest.LatestValue
	if json.Unmarshal(data, &vs) != nil {
		return nil
	}
	var ts []landslide.Total
	for _, v := range vs {
		if v.Unit == "mm" {
			ts = append(ts, landslide.Total{Gauge: v.Point, T: time.UnixMilli(v.TS).UTC(), Value: v.Value})
		}
	}
	return ts
}
