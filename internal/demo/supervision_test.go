package demo

import (
	"context"
	"testing"
	"time"

	"github.com/yingji/yingji/internal/core"
	"github.com/yingji/yingji/internal/registry"
	"github.com/yingji/yingji/internal/store/storetest"
	"github.com/yingji/yingji/internal/supervision"
	"github.com/yingji/yingji/internal/supervision/gb18218"
)

// The supervision demo stores hidden dangers in every state, some overdue,
// and diagnoses, all marked 示例, the same on every run.
func TestLoadSupervision(t *testing.T) {
	db, tree := storetest.Open(t, storetest.Backends()[0])
	ctx := core.WithActor(context.Background(), core.SystemActor)
	reg := &registry.Service{Store: db, Regions: func() registry.Regions { return tree }}
	if _, err := Load(ctx, reg, tree, DefaultSeed); err != nil {
		t.Fatal(err)
	}
	tb, _ := gb18218.Embedded()
	ref, _ := supervision.LoadReference("")
	now := time.Date(2026, 11, 28, 2, 0, 0, 0, time.UTC)
	svc := &supervision.Service{Store: db, Alarms: db, Registry: reg, Inbox: db, Table: tb, Ref: ref, Clock: func() time.Time { return now }}
	hz, dg, err := LoadSupervision(ctx, svc, DefaultSeed)
	if err != nil || hz < 10 || dg < 10 {
		t.Fatalf("stored %d hidden dangers and %d diagnoses: %v", hz, dg, err)
	}
	list, _, err := svc.Hazards(ctx, supervision.HazardFilter{})
	if err != nil {
		t.Fatal(err)
	}
	states, overdue := map[string]int{}, 0
	for _, h := range list {
		states[h.State]++
		if h.Overdue {
			overdue++
		}
		if len(h.Title) < len(Marker) || h.Title[len(h.Title)-len(Marker):] != Marker {
			t.Errorf("%q is not marked", h.Title)
		}
	}
	if len(states) != 4 || overdue == 0 {
		t.Errorf("states %v, %d overdue", states, overdue)
	}
	grades, _, err := svc.Grades(ctx, supervision.RiskFilter{})
	if err != nil {
		t.Fatal(err)
	}
	red := 0
	for _, g := range grades {
		if len(g.RedFlags) > 0 {
			red++
		}
	}
	if red != 1 {
		t.Errorf("%d enterprises red directly, want 1", red)
	}
}
