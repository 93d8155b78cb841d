package main

import (
	"context"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/yingji/yingji/internal/core"
	"github.com/yingji/yingji/internal/dispatch"
	"github.com/yingji/yingji/internal/httpapi"
	"github.com/yingji/yingji/internal/incident"
	"github.com/yingji/yingji/internal/registry"
	"github.com/yingji/yingji/internal/report"
)

// resourceIndex is the nearest-resource index over the registry's teams,
// warehouses, experts and shelters. It is rebuilt lazily: after a change of
// those records or of a dispatch order (which moves stock and shelter
// places), and at most maxAge after the last build.
type resourceIndex struct {
	reg       *registry.Service
	occupancy func(ctx context.Context) (map[int64]int, error)
	travel    dispatch.Travel
	maxAge    time.Duration

	mu    sync.Mutex
	ix    *dispatch.Index
	built time.Time
	dirty bool
}

func (r *resourceIndex) invalidate() {
	r.mu.Lock()
	r.dirty = true
	r.mu.Unlock()
}

var resourceKinds = map[string]string{registry.KRescueTeam: dispatch.KindTeam, registry.KWarehouse: dispatch.KindWarehouse,
	registry.KExpert: dispatch.KindExpert, registry.KShelter: dispatch.KindShelter}

func (r *resourceIndex) index(ctx context.Context) (*dispatch.Index, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ix != nil && !r.dirty && time.Since(r.built) < r.maxAge {
		return r.ix, nil
	}
	sys := core.WithActor(ctx, core.SystemActor)
	occ, err := r.occupancy(sys)
	if err != nil {
		return nil, err
	}
	var rs []dispatch.Resource
	for regKind, kind := range resourceKinds {
		objs, _, err := r.reg.List(sys, registry.Filter{Kind: regKind})
		if err != nil {
			return nil, err
		}
		for _, o := range objs {
			if o.Geometry == nil || o.Status == "unavailable" || o.Status == "closed" || o.Status == "suspended" {
				continue
			}
			p := o.Anchor()
			res := dispatch.Resource{Kind: kind, ID: o.ID, Code: o.Code, Name: o.Name, Division: o.Division, Lon: p[0], Lat: p[1], Tags: []string{o.Category}}
			switch kind {
			case dispatch.KindWarehouse:
				res.Stock = map[string]float64{}
				ls, _ := o.Attrs["stock"].([]registry.StockLine)
				for _, l := range ls {
					res.Stock[l.Item] += l.Quantity
				}
			case dispatch.KindShelter:
				if c, ok := o.Attrs["capacity"].(int64); ok {
					res.Capacity = int(c)
				}
				res.Occupied = occ[o.ID]
			}
			rs = append(rs, res)
		}
	}
	r.ix, r.built, r.dirty = dispatch.NewIndex(rs, r.travel), time.Now(), false
	return r.ix, nil
}

// nearest answers the API's resource query within the actor's area.
func (r *resourceIndex) nearest(ctx context.Context, q httpapi.NearestQuery) ([]httpapi.NearestMatch, error) {
	ix, err := r.index(ctx)
	if err != nil {
		return nil, err
	}
	scope := registry.ScopeOf(core.ActorFrom(ctx))
	ms := ix.Nearest(dispatch.Query{Lon: q.Lon, Lat: q.Lat, Kind: q.Kind, Tags: q.Tags, Needs: q.Needs, FreeCapacity: q.FreeCapacity,
		MaxKm: q.MaxKm, Limit: 200})
	out := []httpapi.NearestMatch{}
	for _, m := range ms {
		res := m.Resource
		if scope.None || (!scope.All && !strings.HasPrefix(res.Division, scope.DivisionPrefix)) {
			continue // what the officer may not dispatch is not offered
		}
		nm := httpapi.NearestMatch{Kind: res.Kind, ID: res.ID, Code: res.Code, Name: res.Name, Division: res.Division, Lon: res.Lon, Lat: res.Lat,
			Tags: res.Tags, DistanceKm: m.DistanceKm, TravelMin: m.TravelMin, Covers: m.Covers}
		if res.Kind == dispatch.KindWarehouse {
			nm.Stock = res.Stock
		}
		if res.Kind == dispatch.KindShelter {
			free := res.Free()
			nm.FreePlaces = &free
		}
		out = append(out, nm)
		if len(out) == q.Limit {
			break
		}
	}
	return out, nil
}

// exportReport writes a situation report as PDF or DOCX.
func exportReport(w io.Writer, format string, in *incident.Incident, r *incident.Report) error {
	doc := r.Document(in)
	if format == "docx" {
		return report.DOCX(w, doc)
	}
	if err := report.PDF(w, doc, report.Options{}); err != nil {
		return core.Errorf(core.EUNAVAILABLE, "the PDF could not be made: %v", err)
	}
	return nil
}
