package store_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/yingji/yingji/internal/alarm"
	"github.com/yingji/yingji/internal/audit"
	"github.com/yingji/yingji/internal/core"
	"github.com/yingji/yingji/internal/region"
	"github.com/yingji/yingji/internal/registry"
	"github.com/yingji/yingji/internal/store"
	"github.com/yingji/yingji/internal/supervision"
	"github.com/yingji/yingji/internal/supervision/gb18218"
)

type clock struct{ now time.Time }

func (c *clock) Now() time.Time { return c.now }

func supervisionService(t testing.TB, db *store.DB, tree *region.Tree, c *clock) *supervision.Service {
	t.Helper()
	tb, err := gb18218.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	ref, err := supervision.LoadReference("")
	if err != nil {
		t.Fatal(err)
	}
	return &supervision.Service{Store: db, Alarms: db, Registry: service(db, tree), Inbox: db, Table: tb, Ref: ref, Clock: c.Now,
		Inspectors: func(ctx context.Context, division string) ([]supervision.Person, error) {
			return []supervision.Person{{ID: 1, Name: "甲"}, {ID: 2, Name: "乙"}, {ID: 3, Name: "丙"}}, nil
		}}
}

func inspectorCtx(div string) context.Context {
	return core.WithActor(context.Background(), &core.Actor{UserID: 9, Username: "insp-" + div, Role: "inspector", Division: div})
}

// TestHiddenDangerEscalation drives a hidden danger through its lifecycle
// and the overdue escalation (county, then the city seven days later) with
// an injected clock.
func TestHiddenDangerEscalation(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *store.DB, tree *region.Tree) {
		c := &clock{now: time.Date(2026, 11, 2, 1, 0, 0, 0, time.UTC)}
		svc := supervisionService(t, db, tree, c)
		ents, err := service(db, tree).Create(sysCtx, registry.Enterprise, []*registry.Input{enterprise(t, tree, longyang, 1, "tailings_pond")})
		if err != nil {
			t.Fatal(err)
		}
		ent := ents[0]
		ly, tc := inspectorCtx(longyang), inspectorCtx(tengchong)
		entCtx := core.WithActor(context.Background(), &core.Actor{UserID: 10, Username: "ent", Role: "enterprise", Division: longyang, EnterpriseID: ent.ID})
		// the enterprise reports its own self-inspection finding.
		h, err := svc.Report(entCtx, supervision.HazardInput{Title: "干滩长度不足", Level: supervision.Major, Criterion: "TP-08"})
		if err != nil {
			t.Fatal(err)
		}
		if h.Source != "self_inspection" || h.EnterpriseID != ent.ID || h.State != supervision.Reported {
			t.Fatalf("reported %+v", h)
		}
		// another county's inspector does not see it.
		if _, err := svc.Hazard(tc, h.ID); core.ErrorCode(err) != core.ENOTFOUND {
			t.Fatalf("out of scope: %v", err)
		}
		deadline := c.now.Add(72 * time.Hour)
		h, err = svc.Act(entCtx, h.ID, supervision.HazardAction{Action: "start", Responsible: "李四", Measures: "降低库水位", Deadline: &deadline, Version: 1}, false)
		if err != nil || h.State != supervision.Rectifying || h.Version != 2 {
			t.Fatalf("start: %+v %v", h, err)
		}
		// a stale version is refused.
		if _, err := svc.Act(ly, h.ID, supervision.HazardAction{Action: "update", Measures: "x", Version: 1}, true); core.ErrorCode(err) != core.ECONFLICT {
			t.Fatalf("stale version: %v", err)
		}
		// not due yet.
		if n, err := svc.Escalate(context.Background(), deadline); err != nil || n != 0 {
			t.Fatalf("at the deadline: %d %v", n, err)
		}
		c.now = deadline.Add(time.Hour)
		if n, err := svc.Escalate(context.Background(), c.now); err != nil || n != 1 {
			t.Fatalf("county escalation: %d %v", n, err)
		}
		if n, _ := svc.Escalate(context.Background(), c.now.Add(time.Hour)); n != 0 {
			t.Fatal("escalated twice to the county")
		}
		county := core.WithActor(context.Background(), &core.Actor{Username: "c", Role: "inspector", Division: longyang})
		msgs, _ := db.ListMessages(county, 10)
		if len(msgs) != 1 || msgs[0].Tier != "county" || msgs[0].Division != longyang {
			t.Fatalf("county inbox %+v", msgs)
		}
		got, _ := svc.Hazard(ly, h.ID)
		if !got.Overdue || got.Escalation != 1 {
			t.Fatalf("after county escalation: %+v", got)
		}
		c.now = deadline.Add(7*24*time.Hour + time.Minute)
		if n, err := svc.Escalate(context.Background(), c.now); err != nil || n != 1 {
			t.Fatalf("city escalation: %d %v", n, err)
		}
		city := core.WithActor(context.Background(), &core.Actor{Username: "s", Role: "inspector", Division: "530500"})
		msgs, _ = db.ListMessages(city, 10)
		if len(msgs) != 2 || msgs[0].Tier != "city" || msgs[0].Division != "530500" {
			t.Fatalf("city inbox %+v", msgs)
		}
		// the overdue hidden danger counts in the enterprise's risk.
		grades, _, err := svc.Grades(ly, supervision.RiskFilter{})
		if err != nil || len(grades) != 1 || grades[0].Activity.Overdue != 1 || grades[0].Activity.OpenMajor != 1 {
			t.Fatalf("grades %+v %v", grades, err)
		}
		// the enterprise may not verify; the rectification needs evidence.
		got, _ = svc.Hazard(ly, h.ID)
		if _, err := svc.Act(entCtx, h.ID, supervision.HazardAction{Action: "rectify"}, false); core.ErrorCode(err) != core.EINVALID {
			t.Fatalf("rectify without evidence: %v", err)
		}
		png := append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 64)...)
		if _, err := svc.AddPhoto(entCtx, h.ID, png); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.AddPhoto(entCtx, h.ID, []byte("not an image at all")); core.ErrorCode(err) != core.EINVALID {
			t.Fatalf("text as photo: %v", err)
		}
		if _, err := svc.Act(entCtx, h.ID, supervision.HazardAction{Action: "rectify"}, false); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Act(entCtx, h.ID, supervision.HazardAction{Action: "verify"}, false); core.ErrorCode(err) != core.EFORBIDDEN {
			t.Fatalf("enterprise verify: %v", err)
		}
		if _, err := svc.Act(ly, h.ID, supervision.HazardAction{Action: "verify"}, true); err != nil {
			t.Fatal(err)
		}
		h, err = svc.Act(ly, h.ID, supervision.HazardAction{Action: "close"}, true)
		if err != nil || h.State != supervision.Closed {
			t.Fatalf("close: %v", err)
		}
		wantActions := []string{"report", "start", "escalate", "escalate", "photo", "rectify", "verify", "close"}
		var actions []string
		for _, e := range h.Events {
			actions = append(actions, e.Action)
		}
		if !slices.Equal(actions, wantActions) {
			t.Errorf("steps %v, want %v", actions, wantActions)
		}
		_, data, err := db.Photo(ly, h.ID, h.Photos[0].ID)
		if err != nil || len(data) != len(png) {
			t.Errorf("photo: %d bytes, %v", len(data), err)
		}
		if _, _, err := db.Photo(tc, h.ID, h.Photos[0].ID); core.ErrorCode(err) != core.ENOTFOUND {
			t.Errorf("photo out of scope: %v", err)
		}
		entries, err := db.ListAudit(sysCtx, audit.Filter{Entity: "hidden_danger"})
		if err != nil || len(entries) != len(wantActions) {
			t.Errorf("audit entries %d, want %d (%v)", len(entries), len(wantActions), err)
		}
	})
}

func TestSupervisionGradingAndPlans(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *store.DB, tree *region.Tree) {
		c := &clock{now: time.Date(2026, 11, 2, 1, 0, 0, 0, time.UTC)}
		svc := supervisionService(t, db, tree, c)
		reg := service(db, tree)
		var inputs []*registry.Input
		for i := 1; i <= 6; i++ {
			inputs = append(inputs, enterprise(t, tree, longyang, i, "hazchem_producer"))
		}
		ents, err := reg.Create(sysCtx, registry.Enterprise, inputs)
		if err != nil {
			t.Fatal(err)
		}
		src, err := reg.Create(sysCtx, registry.HazardSource, []*registry.Input{{Object: registry.Object{Code: "HS-1", Name: "液氨罐区", Category: "storage_tank",
			OwnerID: ents[0].ID, Geometry: center(t, tree, longyang), Attrs: map[string]any{"grade": int64(4), "exposed_people": int64(120),
				"substances": []registry.Substance{{Name: "氨", CAS: "7664-41-7", QuantityT: 300}}}}}})
		if err != nil {
			t.Fatal(err)
		}
		ly := inspectorCtx(longyang)
		// 300 t ammonia: S = 30, R = 2.0 × 2 × 30 = 120 → 一级.
		a, err := svc.GradeSource(ly, src[0].ID, nil)
		if err != nil || a.Result.Grade != 1 || a.Result.R != 120 {
			t.Fatalf("grade: %+v %v", a, err)
		}
		o, _ := reg.Get(sysCtx, registry.KHazardSource, src[0].ID)
		if o.Attrs["grade"] != int64(1) || o.Attrs["r_value"] != 120.0 {
			t.Errorf("registry not updated: %v", o.Attrs)
		}
		hist, _ := db.Assessments(ly, src[0].ID)
		if len(hist) != 1 || hist[0].Input.ExposedPeople != 120 || !hist[0].AssessedAt.Equal(c.now) {
			t.Errorf("history %+v", hist)
		}
		if h, _ := db.Assessments(inspectorCtx(tengchong), src[0].ID); len(h) != 0 {
			t.Error("history visible out of scope")
		}
		d, err := svc.Diagnose(ly, supervision.DiagnosisInput{EnterpriseID: ents[1].ID, Deductions: []supervision.Deduction{{Code: "D02", Points: 10}, {Code: "D05", Points: 8}}})
		if err != nil || d.Score != 82 || d.Color != supervision.Yellow {
			t.Fatalf("diagnose %+v %v", d, err)
		}
		grades, _, err := svc.Grades(ly, supervision.RiskFilter{})
		if err != nil || len(grades) != 6 || grades[0].EnterpriseID != ents[1].ID || *grades[0].Inherent != 82 {
			t.Fatalf("ranked %+v %v", grades, err)
		}
		// the plan draws 3 of 6 with a recorded seed; the same seed, pool and
		// roster give the same draw.
		p, err := svc.CreatePlan(ly, supervision.PlanInput{Name: "2026年第四季度双随机抽查", Filter: supervision.PoolFilter{Division: longyang}, EnterpriseN: 3})
		if err != nil || len(p.Assignments) != 3 || len(p.Pool) != 6 {
			t.Fatalf("plan %+v %v", p, err)
		}
		stored, _ := db.GetPlan(ly, p.ID)
		var drawn []int64
		for _, as := range stored.Assignments {
			drawn = append(drawn, as.EnterpriseID)
		}
		if !slices.Equal(supervision.Redraw(stored), drawn) {
			t.Errorf("redraw %v, stored %v", supervision.Redraw(stored), drawn)
		}
		seed := p.Seed
		again, err := svc.CreatePlan(ly, supervision.PlanInput{Name: "复核", Filter: supervision.PoolFilter{Division: longyang}, EnterpriseN: 3, Seed: &seed})
		if err != nil || !slices.EqualFunc(again.Assignments, p.Assignments, func(a, b supervision.Assignment) bool {
			return a.EnterpriseID == b.EnterpriseID && slices.Equal(a.Inspectors, b.Inspectors)
		}) {
			t.Errorf("replay from the seed differs: %v", err)
		}
		// an inspection of a drawn enterprise with a failed item becomes a
		// hidden danger and fills in the plan's result.
		target := p.Assignments[0].EnterpriseID
		due := c.now.Add(240 * time.Hour)
		r, err := svc.RecordInspection(ly, supervision.RecordInput{PlanID: p.ID, EnterpriseID: target, Inspectors: []string{"甲", "乙"}, InspectedAt: c.now.Add(-time.Hour),
			Items: []supervision.CheckResult{{Code: "G01", Result: "pass"}, {Code: "H03", Result: "fail", Note: "罐区可燃气体探头失效",
				Hazard: &supervision.FindingHazard{Level: supervision.General, Deadline: &due, Responsible: "王五", Measures: "更换探头"}}}})
		if err != nil || r.Result != "findings" || r.Items[1].Hazard.HazardID == 0 {
			t.Fatalf("record %+v %v", r, err)
		}
		hz, err := svc.Hazard(ly, r.Items[1].Hazard.HazardID)
		if err != nil || hz.Source != "inspection" || hz.InspectionID != r.ID || hz.State != supervision.Rectifying {
			t.Fatalf("finding hazard %+v %v", hz, err)
		}
		stored, _ = db.GetPlan(ly, p.ID)
		if stored.Assignments[0].RecordID != r.ID || stored.Version != 2 {
			t.Errorf("plan result %+v", stored.Assignments[0])
		}
		if _, err := svc.PublishPlan(ly, p.ID, 1); core.ErrorCode(err) != core.ECONFLICT {
			t.Errorf("publish with a stale version: %v", err)
		}
		if _, err := svc.PublishPlan(ly, p.ID, 2); err != nil {
			t.Fatal(err)
		}
		pub, _ := db.PublishedPlans(context.Background(), 10)
		if len(pub) != 1 || pub[0].ID != p.ID {
			t.Errorf("published %v", pub)
		}
		cs, err := svc.OpenCase(ly, supervision.CaseInput{EnterpriseID: target, RecordID: r.ID, Violation: "可燃气体检测报警装置失效", LegalBasis: "《安全生产法》", PenaltyKind: "fine", FineCNY: 20000})
		if err != nil || cs.State != "filed" {
			t.Fatalf("case %v", err)
		}
		if _, err := svc.UpdateCase(ly, cs.ID, supervision.CaseInput{State: "decided", PenaltyKind: "fine", FineCNY: 20000, Version: 1}); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.UpdateCase(ly, cs.ID, supervision.CaseInput{State: "filed", PenaltyKind: "fine", FineCNY: 20000, Version: 2}); core.ErrorCode(err) != core.EINVALID {
			t.Errorf("case moved backwards: %v", err)
		}
		grades, _, _ = svc.Grades(ly, supervision.RiskFilter{})
		for _, g := range grades {
			if g.EnterpriseID == target && (g.Activity.Findings != 1 || g.Activity.OpenGeneral != 1) {
				t.Errorf("target activity %+v", g.Activity)
			}
		}
	})
}

// A hidden danger found disposing an alarm links to it (only an alarm of
// the same enterprise), and the window's alarms — by level, and those
// escalated for want of acknowledgement — drive the dynamic risk.
func TestAlarmsInSupervision(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *store.DB, tree *region.Tree) {
		c := &clock{now: time.Date(2026, 11, 20, 1, 0, 0, 0, time.UTC)}
		svc := supervisionService(t, db, tree, c)
		ents, err := service(db, tree).Create(sysCtx, registry.Enterprise, []*registry.Input{enterprise(t, tree, longyang, 1, "hazchem_producer"), enterprise(t, tree, longyang, 2, "hazchem_producer")})
		if err != nil {
			t.Fatal(err)
		}
		alarms := &alarm.Service{Store: db, Notifier: &notes{}, Policy: alarm.DefaultPolicy()}
		raise := func(ent int64, rule string, level alarm.Level, at time.Time) *alarm.Alarm {
			pt := testPoint(ent)
			pt.ObjectID = ent*100 + int64(len(rule))
			a, err := alarms.Apply(sysCtx, alarm.Change{Point: pt, Rule: rule, Kind: "threshold", Level: level, At: at, Value: 1})
			if err != nil {
				t.Fatal(err)
			}
			return a
		}
		red := raise(ents[0].ID, "r", alarm.Red, c.now.Add(-2*time.Hour))
		raise(ents[0].ID, "yy", alarm.Yellow, c.now.Add(-time.Hour))
		other := raise(ents[1].ID, "r", alarm.Red, c.now.Add(-time.Hour))
		raise(ents[0].ID, "old", alarm.Red, c.now.Add(-40*24*time.Hour)) // outside the window
		// nobody acknowledged the red one: it climbs to the county (late).
		if _, err := alarms.Escalate(sysCtx, c.now.Add(-time.Hour)); err != nil {
			t.Fatal(err)
		}
		ly := inspectorCtx(longyang)
		h, err := svc.Report(ly, supervision.HazardInput{Title: "报警处置发现压力表失灵", Source: "alarm", AlarmID: red.ID, Level: supervision.General})
		if err != nil || h.AlarmID != red.ID || h.EnterpriseID != ents[0].ID {
			t.Fatalf("from an alarm: %+v %v", h, err)
		}
		if _, err := svc.Report(ly, supervision.HazardInput{EnterpriseID: ents[0].ID, Title: "x", Source: "alarm", AlarmID: other.ID, Level: supervision.General}); core.ErrorCode(err) != core.EINVALID {
			t.Errorf("another enterprise's alarm: %v", err)
		}
		grades, _, err := svc.Grades(ly, supervision.RiskFilter{})
		if err != nil {
			t.Fatal(err)
		}
		g := grades[0]
		if g.EnterpriseID != ents[0].ID {
			g = grades[1]
		}
		// red 3 + yellow 1 + late 1 + one open general hidden danger 1 = 6.
		if g.Activity.Alarms["red"] != 1 || g.Activity.Alarms["yellow"] != 1 || g.Activity.LateAlarms != 1 || g.Score != 94 || len(g.Drivers) != 4 {
			t.Errorf("grade %+v", g)
		}
	})
}
