package store_test

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/yingji/yingji/internal/audit"
	"github.com/yingji/yingji/internal/core"
	"github.com/yingji/yingji/internal/incident"
	"github.com/yingji/yingji/internal/region"
	"github.com/yingji/yingji/internal/registry"
	"github.com/yingji/yingji/internal/store"
)

// incService is the incident service over db with a fixed clock.
func incService(t *testing.T, db *store.DB, tree *region.Tree, now time.Time) *incident.Service {
	t.Helper()
	s := &incident.Service{Store: db, Regions: func() incident.Regions { return tree }, Clock: func() time.Time { return now }}
	if err := s.LoadTypes(sysCtx); err != nil {
		t.Fatal(err)
	}
	return s
}

func incPtr[T any](v T) *T { return &v }

func incIntake(tree *region.Tree, div, typ string, at time.Time) *incident.Input {
	c, _ := tree.Center(div)
	return &incident.Input{Title: incPtr("测试事件"), Type: incPtr(typ), OccurredAt: &at, Lon: incPtr(c[0]), Lat: incPtr(c[1]), Source: incPtr("phone"),
		Reporter: incPtr("张三"), ReporterPhone: incPtr("13800000000")}
}

func incOfficer(div string) context.Context {
	return core.WithActor(context.Background(), &core.Actor{UserID: 9, Username: "officer-" + div, Role: "commander", Division: div})
}

// TestIncidentNumbersUnderConcurrency: twenty intakes at once in one county
// on one day take the numbers 0001–0020, each once.
func TestIncidentNumbersUnderConcurrency(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *store.DB, tree *region.Tree) {
		now := time.Date(2026, 11, 28, 1, 0, 0, 0, time.UTC) // 09:00 in Shanghai
		s := incService(t, db, tree, now)
		var wg sync.WaitGroup
		nums := make([]string, 20)
		errs := make([]error, 20)
		for i := range nums {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				in := incIntake(tree, longyang, "accident.fire", now.Add(-time.Duration(i)*time.Minute))
				in.Confirm = true
				got, err := s.Create(sysCtx, in)
				errs[i] = err
				if err == nil {
					nums[i] = got.Number
				}
			}(i)
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		sort.Strings(nums)
		for i, n := range nums {
			if want := fmt.Sprintf("YJ-530502-20261128-%04d", i+1); n != want {
				t.Fatalf("number %d = %s, want %s", i, n, want)
			}
		}
	})
}

func TestIncidentDuplicatesAndMerge(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *store.DB, tree *region.Tree) {
		now := time.Date(2026, 11, 28, 1, 0, 0, 0, time.UTC)
		s := incService(t, db, tree, now)
		first, err := s.Create(sysCtx, incIntake(tree, longyang, "accident.hazchem.leak", now.Add(-30*time.Minute)))
		if err != nil {
			t.Fatal(err)
		}
		// the same leak phoned in again 20 minutes later is held back.
		_, err = s.Create(sysCtx, incIntake(tree, longyang, "accident.hazchem.leak", now.Add(-10*time.Minute)))
		dup, ok := err.(*incident.DuplicatesError)
		if !ok || len(dup.Candidates) != 1 || dup.Candidates[0].Number != first.Number || core.ErrorCode(err) != core.ECONFLICT {
			t.Fatalf("second intake: %v", err)
		}
		// another type in the same place is not a duplicate.
		if _, err := s.Create(sysCtx, incIntake(tree, longyang, "accident.fire", now.Add(-10*time.Minute))); err != nil {
			t.Fatalf("another type: %v", err)
		}
		in := incIntake(tree, longyang, "accident.hazchem.leak", now.Add(-10*time.Minute))
		in.Confirm = true
		second, err := s.Create(sysCtx, in)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.AddTask(sysCtx, second.ID, incident.TaskInput{Title: incPtr("核实"), Owner: incPtr("值班员")}); err != nil {
			t.Fatal(err)
		}
		merged, err := s.Merge(sysCtx, second.ID, first.ID, second.Version)
		if err != nil {
			t.Fatal(err)
		}
		if len(merged.Tasks) != 1 {
			t.Errorf("the survivor has %d tasks, want the duplicate's 1", len(merged.Tasks))
		}
		gone, _ := db.GetIncident(sysCtx, second.ID, false)
		if gone.Status != incident.Merged || gone.MergedInto != first.ID {
			t.Errorf("duplicate: status %s into %d", gone.Status, gone.MergedInto)
		}
		_, evs, _ := s.Timeline(sysCtx, first.ID)
		var fromDup bool
		for _, e := range evs {
			if e.Kind == "intake" && e.Summary[:len(second.Number)+2] == "["+second.Number+"]" {
				fromDup = true
			}
		}
		if !fromDup {
			t.Error("the duplicate's timeline was not merged")
		}
		if _, err := s.Update(sysCtx, second.ID, &incident.Input{Deaths: incPtr(1)}); core.ErrorCode(err) != core.ECONFLICT {
			t.Errorf("changing a merged incident: %v", err)
		}
	})
}

func TestIncidentRegradeHistoryAndVersions(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *store.DB, tree *region.Tree) {
		now := time.Date(2026, 11, 28, 1, 0, 0, 0, time.UTC)
		s := incService(t, db, tree, now)
		in := incIntake(tree, longyang, "accident.construction", now.Add(-20*time.Minute))
		in.Deaths = incPtr(2)
		a, err := s.Create(sysCtx, in)
		if err != nil {
			t.Fatal(err)
		}
		if a.Level != incident.Ordinary || a.Division[:6] != longyang {
			t.Fatalf("created %s level %d division %s", a.Number, a.Level, a.Division)
		}
		b, err := s.Update(sysCtx, a.ID, &incident.Input{Deaths: incPtr(3), Version: a.Version})
		if err != nil {
			t.Fatal(err)
		}
		if b.Level != incident.Large || b.Version != 2 {
			t.Fatalf("after 3 deaths: level %d version %d", b.Level, b.Version)
		}
		// a second officer who read version 1 is refused, with a clear message.
		_, err = s.Update(sysCtx, a.ID, &incident.Input{Missing: incPtr(4), Version: 1})
		if core.ErrorCode(err) != core.ECONFLICT {
			t.Fatalf("stale update: %v", err)
		}
		_, evs, _ := s.Timeline(sysCtx, a.ID)
		kinds := map[string]int{}
		for _, e := range evs {
			kinds[e.Kind]++
			if e.Kind == "update" {
				d, _ := e.Data["deaths"].([]any)
				if len(d) != 2 || fmt.Sprint(d[0]) != "2" || fmt.Sprint(d[1]) != "3" {
					t.Errorf("update history %v", e.Data)
				}
			}
		}
		if kinds["intake"] != 1 || kinds["grade"] != 2 || kinds["update"] != 1 {
			t.Errorf("timeline kinds %v", kinds)
		}
		// both writes are in the audit chain, with the division and the change.
		entries, err := db.ListAudit(sysCtx, audit.Filter{Entity: "incident", EntityID: fmt.Sprint(a.ID)})
		if err != nil || len(entries) != 2 || entries[0].Action != "create" || entries[1].Action != "update" || entries[1].Division != a.Division ||
			!strings.Contains(string(entries[1].Before), `"deaths":2`) || !strings.Contains(string(entries[1].After), `"deaths":3`) {
			t.Errorf("audit %+v %v", entries, err)
		}
	})
}

func TestIncidentScope(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *store.DB, tree *region.Tree) {
		now := time.Date(2026, 11, 28, 1, 0, 0, 0, time.UTC)
		s := incService(t, db, tree, now)
		tc, err := s.Create(sysCtx, incIntake(tree, tengchong, "accident.fire", now.Add(-time.Hour)))
		if err != nil {
			t.Fatal(err)
		}
		ly := incOfficer(longyang)
		if _, err := s.Get(ly, tc.ID); core.ErrorCode(err) != core.ENOTFOUND {
			t.Errorf("Longyang officer reads a Tengchong incident: %v", err)
		}
		list, total, _ := s.List(ly, incident.Filter{})
		if total != 0 || len(list) != 0 {
			t.Errorf("Longyang officer lists %d", total)
		}
		if _, err := s.Create(ly, incIntake(tree, tengchong, "accident.fire", now)); core.ErrorCode(err) != core.EFORBIDDEN {
			t.Errorf("Longyang officer records a Tengchong incident: %v", err)
		}
		if _, err := s.Get(incOfficer(tengchong), tc.ID); err != nil {
			t.Errorf("Tengchong officer: %v", err)
		}
	})
}

func incWarehouse(t *testing.T, db *store.DB, tree *region.Tree, qty float64) *registry.Object {
	t.Helper()
	svc := &registry.Service{Store: db, Regions: func() registry.Regions { return tree }}
	c, _ := tree.Center(longyang)
	objs, err := svc.Create(sysCtx, registry.Warehouse, []*registry.Input{{Object: registry.Object{Code: "WH-1", Name: "隆阳区物资库", Category: "county",
		Geometry: orb.Point{c[0], c[1]}, Attrs: map[string]any{"stock": []registry.StockLine{{Item: "帐篷", Quantity: qty, Unit: "顶"}, {Item: "棉被", Quantity: 500, Unit: "床"}}}}}})
	if err != nil {
		t.Fatal(err)
	}
	return objs[0]
}

// TestConcurrentDispatchesNeverOverdraw: two commanders send 60 tents each
// from a warehouse holding 100 at the same moment: one order goes out, the
// other is refused naming the item, and the stock ends at 40.
func TestConcurrentDispatchesNeverOverdraw(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *store.DB, tree *region.Tree) {
		now := time.Date(2026, 11, 28, 1, 0, 0, 0, time.UTC)
		s := incService(t, db, tree, now)
		wh := incWarehouse(t, db, tree, 100)
		inc, err := s.Create(sysCtx, incIntake(tree, longyang, "natural.geohazard.landslide", now.Add(-time.Hour)))
		if err != nil {
			t.Fatal(err)
		}
		for round := 0; round < 3; round++ {
			var wg sync.WaitGroup
			errs := make([]error, 2)
			for i := range errs {
				wg.Add(1)
				go func(i int) {
					defer wg.Done()
					_, errs[i] = s.Order(sysCtx, inc.ID, &incident.Dispatch{Kind: incident.SendSupplies, ResourceID: wh.ID, Items: []incident.Item{{Item: "帐篷", Quantity: 60}}})
				}(i)
			}
			wg.Wait()
			ok, refused := 0, 0
			for _, err := range errs {
				switch {
				case err == nil:
					ok++
				case core.ErrorCode(err) == core.EINVALID && len(core.ErrorFields(err)) == 1 && core.ErrorFields(err)[0].Field == "items[0].quantity":
					refused++
				default:
					t.Fatalf("unexpected: %v", err)
				}
			}
			want := 1
			if round > 0 {
				want = 0 // 40 left: both refused
			}
			if ok != want || ok+refused != 2 {
				t.Fatalf("round %d: %d sent, %d refused", round, ok, refused)
			}
		}
		got, _ := db.GetObject(sysCtx, registry.KWarehouse, wh.ID)
		stock := got.Attrs["stock"].([]registry.StockLine)
		if stock[0].Quantity != 40 || stock[1].Quantity != 500 {
			t.Fatalf("stock after: %+v", stock)
		}
		full, _ := s.Get(sysCtx, inc.ID)
		if len(full.Dispatches) != 1 {
			t.Fatalf("%d dispatches stored", len(full.Dispatches))
		}
		// cancelling puts the tents back.
		if _, err := s.Advance(sysCtx, inc.ID, full.Dispatches[0].ID, incident.DispatchChange{Status: incident.Cancelled}); err != nil {
			t.Fatal(err)
		}
		got, _ = db.GetObject(sysCtx, registry.KWarehouse, wh.ID)
		if q := got.Attrs["stock"].([]registry.StockLine)[0].Quantity; q != 100 {
			t.Errorf("after cancel: %g tents", q)
		}
		// an item the warehouse does not hold is named.
		_, err = s.Order(sysCtx, inc.ID, &incident.Dispatch{Kind: incident.SendSupplies, ResourceID: wh.ID, Items: []incident.Item{{Item: "冲锋舟", Quantity: 1}}})
		if f := core.ErrorFields(err); len(f) != 1 || f[0].Field != "items[0].item" {
			t.Errorf("unknown item: %v", err)
		}
	})
}

func TestPlanActivationAndReports(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *store.DB, tree *region.Tree) {
		now := time.Date(2026, 11, 28, 1, 0, 0, 0, time.UTC)
		s := incService(t, db, tree, now)
		in := incIntake(tree, longyang, "natural.geohazard.landslide", now.Add(-time.Hour))
		in.Deaths, in.Trapped = incPtr(1), incPtr(12)
		inc, err := s.Create(sysCtx, in)
		if err != nil {
			t.Fatal(err)
		}
		sug, err := s.Suggestions(sysCtx, inc.ID)
		if err != nil || len(sug) != 1 || sug[0].Code != "BS-YA-DZZH" || sug[0].Level != 2 {
			t.Fatalf("suggestions %+v %v", sug, err)
		}
		act, err := s.Activate(sysCtx, inc.ID, incident.Activation{PlanID: sug[0].PlanID, Level: 2, Version: inc.Version})
		if err != nil {
			t.Fatal(err)
		}
		if act.ResponseLevel != 2 || len(act.Tasks) != 3 || act.Tasks[0].Due == nil || act.Tasks[0].Owner == "" {
			t.Fatalf("after activation: level %d, %d tasks", act.ResponseLevel, len(act.Tasks))
		}
		r, err := s.NewReport(sysCtx, inc.ID, incident.ReportInput{Course: incPtr("11月28日8时许发生滑坡。")})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.StepReport(sysCtx, inc.ID, r.ID, "publish", 0); core.ErrorCode(err) != core.ECONFLICT {
			t.Errorf("published a draft: %v", err)
		}
		for _, a := range []string{"submit", "approve", "publish"} {
			if r, err = s.StepReport(sysCtx, inc.ID, r.ID, a, 0); err != nil {
				t.Fatalf("%s: %v", a, err)
			}
		}
		if r.Number != inc.Number+"-R1" || r.Seq != 1 {
			t.Errorf("published as %q", r.Number)
		}
		got, _ := s.Get(sysCtx, inc.ID)
		if got.LastReportAt == nil || !got.LastReportAt.Equal(now) {
			t.Errorf("last report at %v", got.LastReportAt)
		}
	})
}

// fakeEnterprises knows one enterprise, in Longyang.
type fakeEnterprises struct{}

func (fakeEnterprises) Enterprise(ctx context.Context, id int64) (string, string, error) {
	if id != 77 {
		return "", "", core.Errorf(core.ENOTFOUND, "enterprise %d not found", id)
	}
	return "示例化工有限公司", longyang, nil
}

// TestIncidentEnterpriseAndAccidentCounts: an incident can name its
// enterprise at intake (unknown ones are refused, and it cannot be changed
// later); accidents per enterprise in a window count only accident-category,
// unmerged incidents that name one — the input of dynamic risk.
func TestIncidentEnterpriseAndAccidentCounts(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *store.DB, tree *region.Tree) {
		now := time.Date(2026, 11, 28, 1, 0, 0, 0, time.UTC)
		s := incService(t, db, tree, now)
		s.Enterprises = fakeEnterprises{}
		mk := func(typ string, ent int64, at time.Time) (*incident.Incident, error) {
			in := incIntake(tree, longyang, typ, at)
			in.Confirm, in.EnterpriseID = true, ent
			return s.Create(sysCtx, in)
		}
		a, err := mk("accident.hazchem.leak", 77, now.Add(-2*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if a.EnterpriseID != 77 || a.Unit != "示例化工有限公司" {
			t.Fatalf("enterprise not kept: %d %q", a.EnterpriseID, a.Unit)
		}
		got, err := s.Get(sysCtx, a.ID)
		if err != nil || got.EnterpriseID != 77 {
			t.Fatalf("read back %+v %v", got, err)
		}
		if _, err := mk("accident.fire", 77, now.Add(-3*24*time.Hour)); err != nil {
			t.Fatal(err)
		}
		if _, err := mk("accident.fire", 77, now.Add(-40*24*time.Hour)); err != nil { // outside the window
			t.Fatal(err)
		}
		if _, err := mk("natural.geohazard.landslide", 77, now.Add(-time.Hour)); err != nil { // not an accident
			t.Fatal(err)
		}
		if _, err := mk("accident.fire", 0, now.Add(-time.Hour)); err != nil { // no enterprise
			t.Fatal(err)
		}
		if _, err := mk("accident.fire", 78, now); core.ErrorCode(err) != core.EINVALID || !strings.Contains(err.Error(), "enterprise_id") {
			t.Fatalf("unknown enterprise: %v", err)
		}
		if _, err := s.Update(sysCtx, a.ID, &incident.Input{EnterpriseID: 77, Version: got.Version}); core.ErrorCode(err) != core.EINVALID {
			t.Fatalf("changing the enterprise later: %v", err)
		}
		counts, err := db.CountAccidents(context.Background(), now.Add(-30*24*time.Hour), now.Add(time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		if len(counts) != 1 || counts[77] != 2 {
			t.Fatalf("accident counts = %v, want 77:2", counts)
		}
	})
}
