package webui

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/yingji/yingji/internal/auth"
	"github.com/yingji/yingji/internal/core"
	"github.com/yingji/yingji/internal/exposure"
	"github.com/yingji/yingji/internal/httpapi"
	"github.com/yingji/yingji/internal/incident"
	"github.com/yingji/yingji/internal/models/landslide"
	"github.com/yingji/yingji/internal/region"
	"github.com/yingji/yingji/internal/registry"
	"github.com/yingji/yingji/internal/store"
	"github.com/yingji/yingji/internal/warning"
)

// startDashboardHarness is the harness (stubbed alarm routes) with the
// areas the dashboard reads besides the registry and the alarms: the live
// landslide evaluator with a storm at the first rain gauge, the incidents
// with one open incident, and the warnings with one published (active)
// warning, drafted and approved by two different people.
func startDashboardHarness(t *testing.T) *harness {
	t.Helper()
	return newHarness(t, harnessOptions{wire: func(api *httpapi.Server, db *store.DB, tree *region.Tree, reg *registry.Service) {
		sys := core.WithActor(context.Background(), core.SystemActor)
		pop, err := region.BaoshanPopulation()
		if err != nil {
			t.Fatal(err)
		}
		exp := &exposure.Service{Lister: db, Tree: func() *region.Tree { return tree }, Pop: pop,
			Context: func(ctx context.Context) context.Context { return core.WithActor(ctx, core.SystemActor) }}
		ix, err := exp.Index(sys)
		if err != nil {
			t.Fatal(err)
		}
		gauges, points := httpapi.RegistryGeohazards(ix, registry.Scope{All: true})
		live, err := landslide.NewLive(landslide.DefaultConfig(), gauges, points)
		if err != nil {
			t.Fatal(err)
		}
		now := time.Now().UTC()
		live.Observe([]landslide.Total{{Gauge: gauges[0].ID, T: now.Add(-40 * time.Minute), Value: 0}, {Gauge: gauges[0].ID, T: now, Value: 30}})
		api.Models = &httpapi.Models{Exposure: exp.Index, FeedEvents: func(int) any { return []any{} }, Landslide: live}

		inc := &incident.Service{Store: db, Regions: func() incident.Regions { return tree }, Clock: core.SystemClock}
		if err := inc.LoadTypes(sys); err != nil {
			t.Fatal(err)
		}
		c, _ := tree.Center("530502")
		title, typ, src, rep, occurred := "某仓库火灾", "accident.fire", "phone", "李四", now.Add(-30*time.Minute)
		if _, err := inc.Create(sys, &incident.Input{Title: &title, Type: &typ, OccurredAt: &occurred, Lon: &c[0], Lat: &c[1], Source: &src, Reporter: &rep, Confirm: true}); err != nil {
			t.Fatalf("create an incident: %v", err)
		}
		api.Incidents = &httpapi.Incidents{Service: inc}

		wsvc := &warning.Service{Store: db, Clock: core.SystemClock, Issuer: warning.Issuer{Area: "530500", Dept: "001", Unit: "002", Ext: "00"},
			Sender: "yjj.baoshan.gov.cn", SenderName: "保山市应急管理局", ImportDivision: "530500",
			Logger:       slog.New(slog.NewTextHandler(io.Discard, nil)),
			DivisionName: func(c string) (string, bool) { d, ok := tree.Get(c); return d.Name, ok },
			Locate:       func(p orb.Point) (string, bool) { d, ok := tree.Locate(p); return d.Code, ok }}
		actor := func(name, role string) context.Context {
			u, err := api.Auth.CreateUser(sys, auth.UserInput{Username: name, Password: adminPassword, Role: role, Division: "530500"})
			if err != nil {
				t.Fatal(err)
			}
			return core.WithActor(context.Background(), &core.Actor{UserID: u.ID, Username: u.Username, Role: role, Division: "530500"})
		}
		drafter, commander := actor("dash-duty", "duty_officer"), actor("dash-commander", "commander")
		expires := now.Add(6 * time.Hour)
		area, _ := json.Marshal(map[string]any{"divisions": []string{"530502"}})
		w, err := wsvc.Draft(drafter, warning.Input{Template: "rainstorm", Level: "orange", Expires: &expires, Area: area})
		if err == nil {
			w, err = wsvc.Approve(commander, w.ID, w.Version)
		}
		if err == nil {
			w, err = wsvc.Publish(commander, w.ID, w.Version)
		}
		if err != nil || w.State != "active" {
			t.Fatalf("publish a warning: %v", err)
		}
		api.Warnings = &httpapi.Warnings{Service: wsvc}
	}})
}
