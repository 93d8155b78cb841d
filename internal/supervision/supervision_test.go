package supervision

import (
	"math"
	"slices"
	"testing"
	"time"

	"github.com/yingji/yingji/internal/core"
)

func ref(t *testing.T) *Reference {
	t.Helper()
	r, err := LoadReference("")
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestColorBands checks the MEM 2018 bands at their bounds: red < 60,
// orange 60–< 75, yellow 75–< 90, blue ≥ 90.
func TestColorBands(t *testing.T) {
	for _, tt := range []struct {
		score float64
		want  string
	}{{0, Red}, {59.9, Red}, {60, Orange}, {74.9, Orange}, {75, Yellow}, {89.9, Yellow}, {90, Blue}, {100, Blue}} {
		if got := ColorOf(tt.score); got != tt.want {
			t.Errorf("ColorOf(%v) = %s, want %s", tt.score, got, tt.want)
		}
	}
}

func TestDiagnosisScore(t *testing.T) {
	r := ref(t)
	score, color, err := r.Score(DiagnosisInput{Deductions: []Deduction{{Code: "D01", Points: 10}, {Code: "D07", Points: 5}}})
	if err != nil || score != 85 || color != Yellow {
		t.Errorf("score %v %s %v, want 85 yellow", score, color, err)
	}
	// a red situation makes the plant red whatever the score.
	if _, color, _ := r.Score(DiagnosisInput{RedFlags: []string{"R3"}}); color != Red {
		t.Errorf("red flag gave %s", color)
	}
	_, _, err = r.Score(DiagnosisInput{Deductions: []Deduction{{Code: "D01", Points: 11}, {Code: "X", Points: 1}, {Code: "R1", Points: 1}}, RedFlags: []string{"D01"}})
	if f := core.ErrorFields(err); len(f) != 4 || f[0].Row != 1 || f[1].Row != 2 || f[3].Field != "red_flags" {
		t.Errorf("problems %+v", f)
	}
}

func TestRateDrivers(t *testing.T) {
	w := DefaultWeights()
	d := &Diagnosis{Score: 92, Color: Blue, RedFlags: []string{}}
	// 92 − (2 red alarms × 3 + 1 open major × 8) = 78 → yellow; the major
	// hidden danger is the biggest driver.
	g := Rate(d, Activity{Alarms: map[string]int{Red: 2}, OpenMajor: 1}, w)
	if g.Score != 78 || g.Color != Yellow || len(g.Drivers) != 2 || g.Drivers[0].Factor != "open_major" || g.Dynamic != 14 {
		t.Errorf("grade %+v", g)
	}
	// the cap holds.
	g = Rate(d, Activity{Accidents: 5}, w)
	if g.Dynamic != w.MaxDynamic || g.Score != 52 || g.Color != Red {
		t.Errorf("capped grade %+v", g)
	}
	// no diagnosis: starts from 100 and says so (nil inherent).
	if g := Rate(nil, Activity{}, w); g.Inherent != nil || g.Score != 100 || g.Color != Blue {
		t.Errorf("undiagnosed %+v", g)
	}
	if err := (Weights{WindowDays: 0, AlarmRed: -1}).Validate(); len(core.ErrorFields(err)) != 2 {
		t.Errorf("weights: %v", err)
	}
}

func TestHazardLifecycle(t *testing.T) {
	t0 := time.Date(2026, 11, 1, 2, 0, 0, 0, time.UTC)
	deadline := t0.Add(72 * time.Hour)
	h := &HiddenDanger{ID: 1, State: Reported}
	steps := []struct {
		act     HazardAction
		photos  int
		want    string
		errCode string
	}{
		{HazardAction{Action: "rectify", Evidence: "x"}, 0, "", core.ECONFLICT},
		{HazardAction{Action: "start"}, 0, "", core.EINVALID},
		{HazardAction{Action: "start", Responsible: "张三", Measures: "更换阀门", Deadline: &deadline}, 0, Rectifying, ""},
		{HazardAction{Action: "rectify"}, 0, "", core.EINVALID},
		{HazardAction{Action: "rectify"}, 1, Rectified, ""},
		{HazardAction{Action: "reject"}, 0, "", core.EINVALID},
		{HazardAction{Action: "reject", Note: "阀门型号不符"}, 0, Rectifying, ""},
		{HazardAction{Action: "close"}, 0, "", core.ECONFLICT},
		{HazardAction{Action: "rectify", Evidence: "已更换为合格阀门"}, 0, Rectified, ""},
		{HazardAction{Action: "verify"}, 0, Verified, ""},
		{HazardAction{Action: "close"}, 0, Closed, ""},
		{HazardAction{Action: "start", Responsible: "a", Measures: "b", Deadline: &deadline}, 0, "", core.ECONFLICT},
	}
	for i, s := range steps {
		step, err := h.apply(s.act, "tester", t0.Add(time.Duration(i)*time.Hour), s.photos)
		if core.ErrorCode(err) != s.errCode {
			t.Fatalf("step %d (%s): err %v, want code %q", i, s.act.Action, err, s.errCode)
		}
		if err == nil && (h.State != s.want || step.ToState != s.want) {
			t.Fatalf("step %d: state %s, want %s", i, h.State, s.want)
		}
	}
	if h.ClosedAt == nil || h.VerifiedAt == nil {
		t.Error("times not set")
	}
}

func TestOverdue(t *testing.T) {
	d := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	h := &HiddenDanger{State: Rectifying, Deadline: &d}
	if h.OverdueAt(d) || !h.OverdueAt(d.Add(time.Second)) {
		t.Error("overdue bound")
	}
	h.State = Rectified
	if h.OverdueAt(d.Add(time.Hour)) {
		t.Error("a rectified one waiting for verification is not the enterprise's delay")
	}
}

// TestDrawReproducible re-runs a draw from its seed and gets the same
// result, whatever order the pool is given in.
func TestDrawReproducible(t *testing.T) {
	pool := []int64{}
	for i := int64(1); i <= 200; i++ {
		pool = append(pool, i*7)
	}
	a := Draw(20261128, "enterprises", pool, 15)
	rev := slices.Clone(pool)
	slices.Reverse(rev)
	b := Draw(20261128, "enterprises", rev, 15)
	if !slices.Equal(a, b) || len(a) != 15 {
		t.Fatalf("draws differ: %v vs %v", a, b)
	}
	if c := Draw(20261129, "enterprises", pool, 15); slices.Equal(a, c) {
		t.Error("another seed gave the same draw")
	}
	if c := Draw(20261128, "inspectors/1", pool, 15); slices.Equal(a, c) {
		t.Error("another stream gave the same draw")
	}
	seen := map[int64]bool{}
	for _, id := range a {
		if seen[id] || id%7 != 0 {
			t.Fatalf("bad draw %v", a)
		}
		seen[id] = true
	}
	if got := Draw(1, "x", []int64{3, 1, 2}, 10); len(got) != 3 {
		t.Errorf("k > n: %v", got)
	}
	// the plan helper draws teams of distinct inspectors.
	as := assign(5, []Assignment{{EnterpriseID: 1}, {EnterpriseID: 2}, {EnterpriseID: 3}}, []Person{{ID: 10}, {ID: 11}, {ID: 12}}, 2, 2)
	if len(as) != 2 || len(as[0].Inspectors) != 2 || as[0].Inspectors[0].ID == as[0].Inspectors[1].ID {
		t.Errorf("assignments %+v", as)
	}
}

// TestDrawUniform: over many seeds every member of a pool of 20 is drawn
// (k = 5) close to k/n of the time; a chi-square test at 19 degrees of
// freedom stays below 43.8 (p = 0.001) for a fair draw.
func TestDrawUniform(t *testing.T) {
	pool := make([]int64, 20)
	for i := range pool {
		pool[i] = int64(i + 1)
	}
	counts := map[int64]int{}
	const seeds, k = 20000, 5
	for s := int64(0); s < seeds; s++ {
		for _, id := range Draw(s, "enterprises", pool, k) {
			counts[id]++
		}
	}
	expected := float64(seeds*k) / float64(len(pool))
	chi := 0.0
	for _, id := range pool {
		d := float64(counts[id]) - expected
		chi += d * d / expected
	}
	if chi > 43.8 || math.IsNaN(chi) {
		t.Errorf("chi-square %.1f over 19 d.f.: the draw is not uniform (%v)", chi, counts)
	}
	// first positions too: position 0 must not favour the smallest ID.
	first := map[int64]int{}
	for s := int64(0); s < seeds; s++ {
		first[Draw(s, "enterprises", pool, 1)[0]]++
	}
	if first[1] > seeds/20*13/10 {
		t.Errorf("ID 1 first %d times of %d", first[1], seeds)
	}
}

func TestReportValidation(t *testing.T) {
	r := ref(t)
	in := HazardInput{Source: "public", Level: Major}
	p := in.validate(r.Criteria)
	fields := map[string]bool{}
	for _, f := range p {
		fields[f.Field] = true
	}
	for _, want := range []string{"enterprise_id", "title", "reporter", "criterion"} {
		if !fields[want] {
			t.Errorf("no problem for %s in %v", want, p)
		}
	}
	ok := HazardInput{EnterpriseID: 1, Title: "浸润线埋深不足", Source: "inspector", Level: Major, Criterion: "TP-07"}
	if p := ok.validate(r.Criteria); len(p) != 0 {
		t.Errorf("valid report refused: %v", p)
	}
}

func TestReferenceData(t *testing.T) {
	r := ref(t)
	reds := 0
	for _, d := range r.Diagnosis {
		if d.Kind == "red" {
			reds++
		}
	}
	// the guide names four situations that make a plant red directly.
	if reds != 4 {
		t.Errorf("%d red situations", reds)
	}
	if len(r.Checklist("tailings_pond")) <= len(r.Checklist("unknown")) {
		t.Error("industry checklist not added to the common one")
	}
	if _, ok := findCriterion(r.Criteria, "HC-20"); !ok {
		t.Error("HC-20 missing")
	}
}
