package store_test

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/yingji/yingji/internal/alarm"
	"github.com/yingji/yingji/internal/core"
	"github.com/yingji/yingji/internal/region"
	"github.com/yingji/yingji/internal/store"
	"github.com/yingji/yingji/internal/telemetry"
)

type notes struct{ got []alarm.Notification }

func (n *notes) Notify(ctx context.Context, x alarm.Notification) error {
	n.got = append(n.got, x)
	return nil
}

func testPoint(enterprise int64) *telemetry.Point {
	return &telemetry.Point{ObjectID: 4242, Code: "WKK-1-JRX01", Name: "浸润线1", Kind: "phreatic_line", Unit: "m",
		Division: "530502001", EnterpriseID: enterprise, RangeMin: math.NaN(), RangeMax: math.NaN()}
}

// TestAlarmLifecycleAndEscalation drives one alarm through the lifecycle
// and the escalation tiers with an injected clock.
func TestAlarmLifecycleAndEscalation(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *store.DB, tree *region.Tree) {
		n := &notes{}
		svc := &alarm.Service{Store: db, Notifier: n, Policy: alarm.DefaultPolicy()}
		t0 := time.Date(2026, 11, 28, 2, 0, 0, 0, time.UTC)
		pt := testPoint(7)
		a, err := svc.Apply(sysCtx, alarm.Change{Point: pt, Rule: "threshold", Kind: "threshold", Level: alarm.Yellow, At: t0, Value: 2.5})
		if err != nil {
			t.Fatal(err)
		}
		if a.State != alarm.Raised || a.TierName != "enterprise" || !a.AckDeadline.Equal(t0.Add(30*time.Minute)) || len(n.got) != 1 {
			t.Fatalf("raised = %+v, %d notifications", a, len(n.got))
		}
		// the level rises to red: one alarm still, deadline shortened to red's.
		a, _ = svc.Apply(sysCtx, alarm.Change{Point: pt, Rule: "threshold", Kind: "threshold", Level: alarm.Red, At: t0.Add(time.Minute), Value: 1.9})
		if a.Level != alarm.Red || a.MaxLevel != alarm.Red || !a.AckDeadline.Equal(t0.Add(6*time.Minute)) {
			t.Fatalf("after red: %+v", a)
		}
		// nothing is due before the deadline.
		if k, err := svc.Escalate(sysCtx, t0.Add(5*time.Minute)); err != nil || k != 0 {
			t.Fatalf("early escalation moved %d, %v", k, err)
		}
		k, err := svc.Escalate(sysCtx, t0.Add(6*time.Minute))
		if err != nil || k != 1 {
			t.Fatalf("Escalate = %d, %v", k, err)
		}
		got, _ := db.GetAlarm(sysCtx, a.ID)
		if got.TierName != "county" || !got.Overdue || !got.AckDeadline.Equal(t0.Add(11*time.Minute)) {
			t.Fatalf("after escalation: tier %s overdue %v deadline %v", got.TierName, got.Overdue, got.AckDeadline)
		}
		if last := n.got[len(n.got)-1]; last.Tier != "county" || last.Event.Action != "escalate" {
			t.Errorf("the county tier was not notified: %+v", last)
		}
		svc.Escalate(sysCtx, t0.Add(11*time.Minute))
		svc.Escalate(sysCtx, t0.Add(16*time.Minute)) // already at the top: stays city
		got, _ = db.GetAlarm(sysCtx, a.ID)
		if got.TierName != "city" {
			t.Fatalf("tier = %s, want city", got.TierName)
		}
		overdue, total, _ := db.ListAlarms(sysCtx, alarm.Filter{Overdue: true})
		if total != 1 || overdue[0].ID != a.ID {
			t.Errorf("overdue list = %d", total)
		}

		// two people acting on the same state: the second is refused.
		stale1, _ := db.GetAlarm(sysCtx, a.ID)
		stale2, _ := db.GetAlarm(sysCtx, a.ID)
		stale1.Message, stale2.Message = "first", "second"
		if err := db.UpdateAlarm(sysCtx, stale1, alarm.Event{At: t0, Action: "note", Actor: "x"}); err != nil {
			t.Fatal(err)
		}
		if err := db.UpdateAlarm(sysCtx, stale2, alarm.Event{At: t0, Action: "note", Actor: "y"}); core.ErrorCode(err) != core.ECONFLICT {
			t.Fatalf("a change against an old version: %v", err)
		}

		// people act: a county user outside the alarm's county cannot see it.
		other := core.WithActor(context.Background(), &core.Actor{Username: "tc", Role: "duty_officer", Division: "530581"})
		if _, err := svc.Act(other, a.ID, alarm.Action{Kind: "acknowledge"}, t0.Add(17*time.Minute)); core.ErrorCode(err) != core.ENOTFOUND {
			t.Fatalf("acknowledge from another county: %v", err)
		}
		duty := core.WithActor(context.Background(), &core.Actor{Username: "ly", Role: "duty_officer", Division: "530502"})
		if _, err := svc.Act(duty, a.ID, alarm.Action{Kind: "close", Note: "x"}, t0.Add(17*time.Minute)); core.ErrorCode(err) != core.ECONFLICT {
			t.Errorf("closing an active unacknowledged alarm: %v", err)
		}
		if _, err := svc.Act(duty, a.ID, alarm.Action{Kind: "acknowledge", Note: "已通知企业"}, t0.Add(17*time.Minute)); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Act(duty, a.ID, alarm.Action{Kind: "dispose"}, t0.Add(18*time.Minute)); core.ErrorCode(err) != core.EINVALID {
			t.Errorf("dispose without feedback: %v", err)
		}
		if _, err := svc.Act(duty, a.ID, alarm.Action{Kind: "dispose", Feedback: &alarm.Feedback{Found: "排渗管堵塞", Measures: "疏通排渗管，加密观测"}}, t0.Add(30*time.Minute)); err != nil {
			t.Fatal(err)
		}
		// the value recovers: marked, still open until closed with a note.
		a, _ = svc.Apply(sysCtx, alarm.Change{Point: pt, Rule: "threshold", Kind: "threshold", Level: alarm.None, At: t0.Add(40 * time.Minute), Value: 3.5})
		if !a.Recovered || a.State != alarm.Disposing {
			t.Fatalf("after recovery: %+v", a)
		}
		if _, err := svc.Act(duty, a.ID, alarm.Action{Kind: "close"}, t0.Add(41*time.Minute)); core.ErrorCode(err) != core.EINVALID {
			t.Errorf("close without a note: %v", err)
		}
		closed, err := svc.Act(duty, a.ID, alarm.Action{Kind: "close", Note: "现场核查确认隐患已消除"}, t0.Add(42*time.Minute))
		if err != nil || closed.State != alarm.Closed {
			t.Fatalf("close: %v", err)
		}
		full, _ := db.GetAlarm(sysCtx, a.ID)
		var actions []string
		for _, ev := range full.Events {
			actions = append(actions, ev.Action+"/"+ev.Actor)
		}
		want := "raise/system level/system escalate/system escalate/system escalate/system note/x acknowledge/ly dispose/ly recover/system close/ly"
		if got := join(actions); got != want {
			t.Errorf("history = %s\nwant      %s", got, want)
		}
		// a new condition after closing opens a new alarm.
		b, _ := svc.Apply(sysCtx, alarm.Change{Point: pt, Rule: "threshold", Kind: "threshold", Level: alarm.Blue, At: t0.Add(time.Hour)})
		if b.ID == a.ID || b.State != alarm.Raised {
			t.Errorf("after close: %+v", b)
		}
		// one open alarm per point and rule, even if two writers race.
		if err := db.CreateAlarm(sysCtx, &alarm.Alarm{PointID: pt.ObjectID, Rule: "threshold", Level: alarm.Blue, MaxLevel: alarm.Blue, State: alarm.Raised,
			Division: pt.Division, RaisedAt: t0, UpdatedAt: t0, AckDeadline: t0}, alarm.Event{At: t0, Action: "raise"}); core.ErrorCode(err) != core.ECONFLICT {
			t.Errorf("second open alarm: %v", err)
		}
	})
}

func join(ss []string) string {
	out := ""
	for i, s := range ss {
		if i > 0 {
			out += " "
		}
		out += s
	}
	return out
}
