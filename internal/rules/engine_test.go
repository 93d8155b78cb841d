package rules

import (
	"math"
	"testing"
	"time"

	"github.com/yingji/yingji/internal/core"
)

// threeRules are a typical point's rules: a threshold, a rate of change
// and an offline rule.
var threeRules = []Rule{
	{Type: Threshold, Direction: High, Thresholds: Thresholds{Blue: 60, Yellow: 70, Orange: 80, Red: 90}, Deadband: 1, For: Duration(30 * time.Second)},
	{Type: Rate, Direction: High, Thresholds: Thresholds{Yellow: 20, Red: 40}, Window: Duration(10 * time.Minute)},
	{Type: Stale, Intervals: 3, Level: Blue},
}

func newEngine(t testing.TB, n int, rules []Rule) *Engine {
	t.Helper()
	e := NewEngine()
	for i := range n {
		cfg := PointConfig{Rules: rules, Interval: 10 * time.Second,
			Group: Membership{Facility: FacilityID(i / 40), Item: "item"}}
		if _, err := e.SetPoint(nil, PointID(i), cfg, 0); err != nil {
			t.Fatal(err)
		}
	}
	return e
}

func TestEvalDoesNotAllocate(t *testing.T) {
	e := newEngine(t, 1000, threeRules)
	buf := make([]Transition, 0, 64)
	ts := int64(0)
	normal := testing.AllocsPerRun(1000, func() {
		ts += 10
		buf, _ = e.Eval(buf[:0], PointID(ts/10%1000), ts, 50)
	})
	if normal != 0 {
		t.Errorf("Eval of normal readings: %v allocations per call, want 0", normal)
	}
	// Crossings with group changes: still nothing beyond the caller's buffer.
	transitions := 0
	crossing := testing.AllocsPerRun(1000, func() {
		ts += 10
		v := 50.0
		if ts/10%2 == 0 {
			v = 95
		}
		buf, _ = e.Eval(buf[:0], PointID(ts/10%1000), ts, v)
		transitions += len(buf)
	})
	if crossing != 0 || transitions == 0 {
		t.Errorf("Eval with %d transitions: %v allocations per call, want 0", transitions, crossing)
	}
	ticks := testing.AllocsPerRun(10, func() {
		ts += 60_000
		buf = e.Tick(buf[:0], ts)
	})
	if ticks != 0 {
		t.Errorf("Tick: %v allocations per call, want 0 with a large enough buffer", ticks)
	}
}

func TestEvalResults(t *testing.T) {
	e := newEngine(t, 2, threeRules[:1])
	tests := []struct {
		name string
		id   PointID
		ts   int64
		v    float64
		want Result
	}{
		{"normal", 0, 1000, 10, Evaluated},
		{"same time", 0, 1000, 11, Evaluated},
		{"late", 0, 999, 12, Late},
		{"NaN", 0, 2000, math.NaN(), NotFinite},
		{"infinite", 0, 2000, math.Inf(-1), NotFinite},
		{"beyond the table", 5, 2000, 1, UnknownPoint},
		{"far beyond", MaxPoints + 9, 2000, 1, UnknownPoint},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, res := e.Eval(nil, tt.id, tt.ts, tt.v)
			if res != tt.want || len(got) != 0 {
				t.Errorf("Eval = %v, %v; want no transitions, %v", got, res, tt.want)
			}
		})
	}
}

func TestSetPointRefused(t *testing.T) {
	e := NewEngine()
	_, err := e.SetPoint(nil, MaxPoints, PointConfig{}, 0)
	if core.ErrorCode(err) != core.EINVALID {
		t.Errorf("ID above the limit: error %v, want EINVALID", err)
	}
	_, err = e.SetPoint(nil, 3, PointConfig{Rules: []Rule{{Type: Stale, Intervals: 3, Level: Red}}}, 0)
	if core.ErrorCode(err) != core.EINVALID {
		t.Errorf("stale rule without interval: error %v, want EINVALID", err)
	}
	if got := e.Len(); got != 0 {
		t.Errorf("Len() = %d after refused points, want 0", got)
	}
}

func TestRemovePoint(t *testing.T) {
	e := newEngine(t, 3, threeRules)
	buf, _ := e.Eval(nil, 1, 1000, 95)
	if len(buf) != 1 || buf[0].State != Pending {
		t.Fatalf("transitions %+v, want one pending", buf)
	}
	slots := len(e.slots)
	buf = e.RemovePoint(buf[:0], 1, 2000)
	if len(buf) != 1 || buf[0].State != Resolved || buf[0].Was != Pending || buf[0].At != 2000 {
		t.Errorf("RemovePoint transitions %+v, want the pending condition resolved at 2000", buf)
	}
	if _, res := e.Eval(nil, 1, 3000, 1); res != UnknownPoint {
		t.Errorf("Eval of a removed point: %v, want %v", res, UnknownPoint)
	}
	if got := e.RemovePoint(nil, 1, 4000); len(got) != 0 {
		t.Errorf("removing twice gave %+v", got)
	}
	// The ID comes back, reusing its slots, without the old state.
	if _, err := e.SetPoint(nil, 1, PointConfig{Rules: threeRules, Interval: time.Second}, 5000); err != nil {
		t.Fatal(err)
	}
	if got := len(e.slots); got != slots {
		t.Errorf("slot table grew from %d to %d when an ID was set again", slots, got)
	}
	if _, res := e.Eval(nil, 1, 1999, 1); res != Late {
		t.Errorf("a re-set point took a reading older than its removal: %v, want %v", res, Late)
	}
	if _, res := e.Eval(nil, 1, 2000, 1); res != Evaluated {
		t.Errorf("a re-set point refused a reading at its removal time: %v", res)
	}
}

func TestRulesAreShared(t *testing.T) {
	e := newEngine(t, 500, threeRules)
	if got, want := len(e.rules), len(threeRules); got != want {
		t.Errorf("%d compiled rules for 500 points with the same %d rules", got, want)
	}
	for i := range 500 {
		e.RemovePoint(nil, PointID(i), 0)
	}
	if got := len(e.ruleIndex); got != 0 {
		t.Errorf("%d rules still interned after every point was removed", got)
	}
	if got := len(e.freeRings); got != 500 {
		t.Errorf("%d rings free after removing 500 points with a rate rule each, want 500", got)
	}
}

func TestTransitionTime(t *testing.T) {
	at := time.Date(2025, 6, 1, 10, 0, 0, 0, time.UTC)
	tr := Transition{At: at.UnixMilli()}
	if got := tr.Time(); !got.Equal(at) || got.Location() != time.UTC {
		t.Errorf("Time() = %v, want %v", got, at)
	}
}
