package demo

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/yingji/yingji/internal/core"
	"github.com/yingji/yingji/internal/incident"
	"github.com/yingji/yingji/internal/region"
)

type incidentRecorder struct {
	svc *incident.Service
	got []*incident.Input
}

func (r *incidentRecorder) Create(ctx context.Context, in *incident.Input) (*incident.Incident, error) {
	r.got = append(r.got, in)
	inc, _, err := r.svc.Check(ctx, in)
	return inc, err
}

// The demo incidents pass intake's checks, land in their county, carry the
// marker, and come out the same for the same seed.
func TestDemoIncidents(t *testing.T) {
	tree, err := region.Baoshan()
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 28, 2, 0, 0, 0, time.UTC)
	svc := &incident.Service{Regions: func() incident.Regions { return tree }, Clock: func() time.Time { return now }, Store: noCandidates{}}
	run := func() []*incident.Input {
		r := &incidentRecorder{svc: svc}
		n, err := Incidents(core.WithActor(context.Background(), core.SystemActor), r, tree, DefaultSeed, now)
		if err != nil || n != len(demoIncidents) {
			t.Fatalf("Incidents = %d, %v", n, err)
		}
		return r.got
	}
	a, b := run(), run()
	for i, in := range a {
		if !strings.HasSuffix(*in.Title, Marker) {
			t.Errorf("%s lacks the marker", *in.Title)
		}
		d, ok := tree.Locate(orb.Point{*in.Lon, *in.Lat})
		if !ok || !region.Within(d.Code, demoIncidents[i].county) {
			t.Errorf("%s placed in %v, want county %s", *in.Title, d.Code, demoIncidents[i].county)
		}
		if *in.Lon != *b[i].Lon || *in.Lat != *b[i].Lat {
			t.Errorf("%s: not deterministic", *in.Title)
		}
	}
}

// noCandidates is a store with no incidents: Check needs only Candidates.
type noCandidates struct{ incident.Store }

func (noCandidates) Candidates(context.Context, string, time.Time, time.Time) ([]*incident.Incident, error) {
	return nil, nil
}
