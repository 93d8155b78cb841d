package sim

import (
	"fmt"
	"math"
	"slices"
	"testing"
	"time"
)

var start = time.Date(2026, 11, 28, 9, 30, 0, 0, time.UTC)

func thresholds(b, y, o, r float64) map[string]float64 {
	return map[string]float64{"blue": b, "yellow": y, "orange": o, "red": r}
}

func high(t map[string]float64, db float64) Rule {
	return Rule{Name: "threshold", Type: "threshold", Direction: "high", Thresholds: t, Deadband: db}
}

func low(t map[string]float64, db float64) Rule {
	return Rule{Name: "threshold", Type: "threshold", Direction: "low", Thresholds: t, Deadband: db}
}

var stale = Rule{Name: "stale", Type: "stale"}

// fixture is a small platform modelled on the demo data: tailings ponds,
// geohazard points, storage tanks, gas stations.
func fixture() []Point {
	var ps []Point
	add := func(owner int64, region, kind, unit string, lo, hi float64, iv time.Duration, rules ...Rule) {
		code := fmt.Sprintf("P%d-%s-%02d", owner, kind, len(ps))
		ps = append(ps, Point{Code: code, Kind: kind, Unit: unit, Owner: owner, Region: region, Interval: iv,
			RangeMin: lo, RangeMax: hi, Rules: append(rules, stale)})
	}
	rain := Rule{Name: "rate", Type: "rate", Direction: "high", Thresholds: thresholds(25, 50, 100, 250), Deadband: 5, Window: 24 * time.Hour}
	for i := range 4 {
		owner, region := int64(100+i), fmt.Sprintf("53050%d", i%2)
		for range 3 {
			add(owner, region, "surface_displacement", "mm", -500, 500, 10*time.Minute, high(thresholds(60, 90, 120, 150), 3))
		}
		add(owner, region, "phreatic_line", "m", 0, 11, 5*time.Minute, low(thresholds(5.2, 4.8, 4.4, 4), 0.08))
		add(owner, region, "beach_length", "m", 0, 300, 10*time.Minute, low(thresholds(80, 60, 48, 40), 0.8))
		add(owner, region, "water_level", "m", 0, 21, 10*time.Minute)
		add(owner, region, "rainfall", "mm", 0, 300, 5*time.Minute, rain)
	}
	for i := range 3 {
		owner := int64(200 + i)
		add(owner, "530521", "displacement", "mm", 0, 1000, 10*time.Minute, high(thresholds(80, 120, 160, 200), 4))
		add(owner, "530521", "rainfall", "mm", 0, 300, time.Minute, rain)
	}
	add(300, "530502", "pressure", "MPa", 0, 2.5, 5*time.Minute, high(thresholds(2, 2.125, 2.25, 2.375), 0.0475))
	add(300, "530502", "liquid_level", "m", 0, 12, 2*time.Minute, high(thresholds(9.6, 10.2, 10.8, 11.4), 0.228))
	add(300, "530502", "temperature", "°C", -20, 60, time.Minute, high(thresholds(48, 51, 54, 57), 1.14))
	add(300, "530502", "toxic_gas", "ppm", 0, 1000, time.Minute)
	add(300, "530502", "head_count", "persons", 0, 50, 5*time.Minute)
	add(301, "530502", "combustible_gas", "%LEL", 0, 100, time.Minute, high(thresholds(10, 25, 40, 50), 1))
	add(302, "530524", "settlement", "mm", -100, 100, 10*time.Minute)
	return ps
}

func codes(ps []Point) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.Code
	}
	return out
}

func newGen(t *testing.T, cfg Config, ps []Point) *Generator {
	t.Helper()
	if cfg.Start.IsZero() {
		cfg.Start = start
	}
	g, err := New(cfg, ps)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// levelOf is the alarm level (index into Levels) a value is at under a
// threshold rule, or -1 for normal.
func levelOf(r Rule, v float64) int {
	out := -1
	for i, l := range Levels {
		th, ok := r.Thresholds[l]
		if ok && (r.Direction == "high" && v >= th || r.Direction == "low" && v <= th) {
			out = i
		}
	}
	return out
}

func TestDeterministic(t *testing.T) {
	ps := fixture()
	a := newGen(t, Config{Seed: 7}, ps)
	b := newGen(t, Config{Seed: 7}, ps)
	var times []time.Time
	for s := 0; s < 900; s += 3 {
		times = append(times, start.Add(time.Duration(s)*time.Second))
	}
	for h := 1; h < 72; h += 5 {
		times = append(times, start.Add(time.Duration(h)*time.Hour+1234*time.Millisecond))
	}
	want := map[time.Time][]Reading{}
	for _, at := range times {
		want[at] = a.Next(at, codes(ps))
	}
	// b is asked in the opposite order: the values must not depend on it.
	for i := len(times) - 1; i >= 0; i-- {
		if got := b.Next(times[i], codes(ps)); !slices.Equal(got, want[times[i]]) {
			t.Fatalf("at %s: %v, want %v", times[i], got, want[times[i]])
		}
	}
	if !slices.EqualFunc(a.Opening(), b.Opening(), func(x, y Anomaly) bool { return x == y }) {
		t.Errorf("opening anomalies differ:\n%v\n%v", a.Opening(), b.Opening())
	}
	c := newGen(t, Config{Seed: 8}, ps)
	same := 0
	for _, at := range times {
		if slices.Equal(c.Next(at, codes(ps)), want[at]) {
			same++
		}
	}
	if same > len(times)/10 {
		t.Errorf("seeds 7 and 8 give the same readings at %d of %d times", same, len(times))
	}
}

// Points added after New get the values they would have had from the start.
func TestAddLaterKeepsValues(t *testing.T) {
	ps := fixture()
	all := newGen(t, Config{Seed: 3, PerLevel: -1}, ps)
	half := newGen(t, Config{Seed: 3, PerLevel: -1}, ps[:len(ps)/2])
	at := start.Add(90 * time.Minute)
	half.Next(at, codes(ps)) // the first half moves on before the rest arrives
	for _, p := range ps[len(ps)/2:] {
		if err := half.Add(p); err != nil {
			t.Fatal(err)
		}
	}
	if err := half.Add(ps[0]); err == nil {
		t.Error("a point was added twice")
	}
	for m := 0; m < 600; m += 7 {
		at := start.Add(time.Duration(m) * time.Minute)
		if got, want := half.Next(at, codes(ps)), all.Next(at, codes(ps)); !slices.Equal(got, want) {
			t.Fatalf("at +%dm: %v, want %v", m, got, want)
		}
	}
}

// Over three days with anomalies and outages, every value is within the
// sensor's range, and outside anomalies no threshold is crossed.
func TestValuesStayInRangeAndNormalBand(t *testing.T) {
	ps := fixture()
	g := newGen(t, Config{Seed: 11, AnomalyEvery: 3 * time.Hour, OfflineEvery: 2 * time.Hour}, ps)
	end := start.Add(72 * time.Hour)
	anomalous := map[string][]Anomaly{}
	for _, p := range ps {
		anomalous[p.Code] = g.Anomalies(p.Code, end)
	}
	if n := len(anomalous[ps[0].Code]); n < 3 {
		t.Fatalf("%d anomalies of %s in three days with one every 3 h", n, ps[0].Code)
	}
	readings, crossings := 0, 0
	for at := start; at.Before(end); at = at.Add(47 * time.Second) {
		for _, p := range ps {
			v, ok := g.Value(p.Code, at)
			if !ok {
				continue
			}
			readings++
			if v < p.RangeMin || v > p.RangeMax || math.IsNaN(v) {
				t.Fatalf("%s at %s = %g, outside %g–%g", p.Code, at, v, p.RangeMin, p.RangeMax)
			}
			if slices.ContainsFunc(anomalous[p.Code], func(a Anomaly) bool { return !at.Before(a.Start) && at.Before(a.End) }) {
				crossings++
				continue
			}
			for _, r := range p.Rules {
				if r.Type == "threshold" && levelOf(r, v) >= 0 {
					t.Fatalf("%s at %s = %g is at %s outside any anomaly", p.Code, at, v, Levels[levelOf(r, v)])
				}
			}
		}
	}
	if readings == 0 || crossings == 0 {
		t.Errorf("%d readings, %d during anomalies", readings, crossings)
	}
}

func TestOpeningCoversEveryLevel(t *testing.T) {
	ps := fixture()
	// the rules take 10 s to fire: the anomalies must hold longer.
	for i := range ps {
		for j := range ps[i].Rules {
			if ps[i].Rules[j].Type == "threshold" {
				ps[i].Rules[j].For = 10 * time.Second
			}
		}
	}
	for seed := int64(1); seed <= 5; seed++ {
		g := newGen(t, Config{Seed: seed, OfflineEvery: time.Minute}, ps)
		if u := g.Uncovered(); len(u) > 0 {
			t.Fatalf("seed %d: no opening anomaly at %v", seed, u)
		}
		levels := map[string]int{}
		for _, a := range g.Opening() {
			levels[a.Level]++
			p := ps[slices.IndexFunc(ps, func(p Point) bool { return p.Code == a.Point })]
			r := p.Rules[slices.IndexFunc(p.Rules, func(r Rule) bool { return r.Name == a.Rule })]
			if a.Peak.Sub(start) > 15*time.Second || a.Until.Sub(a.Peak) <= r.For+time.Minute {
				t.Errorf("seed %d: %s %s peaks at +%s and holds until +%s (for %s)", seed, a.Point, a.Level,
					a.Peak.Sub(start), a.Until.Sub(start), r.For)
			}
			// sampled as a device would, every quarter second from the peak
			// until well past the rule's minimum duration.
			for at := a.Peak; at.Before(a.Peak.Add(r.For + 30*time.Second)); at = at.Add(250 * time.Millisecond) {
				v, ok := g.Value(a.Point, at)
				if lv := levelOf(r, v); !ok || lv < 0 || Levels[lv] != a.Level {
					t.Fatalf("seed %d: %s at +%s = %g (online %v), want level %s", seed, a.Point, at.Sub(start), v, ok, a.Level)
				}
			}
		}
		for _, l := range Levels {
			if levels[l] != 2 {
				t.Errorf("seed %d: %d opening anomalies at %s, want 2", seed, levels[l], l)
			}
		}
	}
	a, b := newGen(t, Config{Seed: 1}, ps).Opening(), newGen(t, Config{Seed: 2}, ps).Opening()
	if slices.EqualFunc(a, b, func(x, y Anomaly) bool { return x.Point == y.Point }) {
		t.Error("seeds 1 and 2 chose the same targets")
	}
}

func TestUncovered(t *testing.T) {
	ps := []Point{{Code: "W1", Kind: "water_level", Unit: "m", Owner: 1, RangeMin: 0, RangeMax: 20, Rules: []Rule{stale}},
		// red at the top of the range cannot be exceeded.
		{Code: "L1", Kind: "liquid_level", Unit: "m", Owner: 2, RangeMin: 0, RangeMax: 10, Rules: []Rule{high(thresholds(8, 9, 9.5, 10), 0.1)}}}
	for _, code := range []string{"L2", "L3"} { // one point per level: three can cover three levels
		q := ps[1]
		q.Code = code
		ps = append(ps, q)
	}
	g := newGen(t, Config{PerLevel: 1}, ps)
	if u := g.Uncovered(); !slices.Equal(u, []string{"red"}) {
		t.Errorf("uncovered %v, want [red]", u)
	}
	if u := newGen(t, Config{PerLevel: -1}, ps).Uncovered(); u != nil {
		t.Errorf("without opening anomalies: uncovered %v", u)
	}
	if _, err := New(Config{}, ps); err == nil {
		t.Error("New without a start time succeeded")
	}
}

// Build fetches in the seed's order only until every level is covered.
func TestBuild(t *testing.T) {
	ps := fixture()
	byCode := map[string]Point{}
	for _, p := range ps {
		byCode[p.Code] = p
	}
	var asked []string
	fetch := func(codes []string) ([]Point, error) {
		asked = append(asked, codes...)
		out := make([]Point, len(codes))
		for i, c := range codes {
			out[i] = byCode[c]
		}
		return out, nil
	}
	g, rest, err := Build(Config{Seed: 2}, codes(ps), 4, func() time.Time { return start }, fetch)
	if err != nil {
		t.Fatal(err)
	}
	order := Priority(2, codes(ps))
	if !slices.Equal(append(slices.Clone(asked), rest...), order) || len(rest) == 0 {
		t.Errorf("fetched %v, left %v; want a prefix of %v and the rest", asked, rest, order)
	}
	if g.Len() != len(asked) || len(g.Uncovered()) > 0 || len(asked)%4 != 0 {
		t.Errorf("%d points fetched in batches of 4, %d in the generator, uncovered %v", len(asked), g.Len(), g.Uncovered())
	}
	// without targets it fetches everything and says what is missing.
	asked = nil
	for code, p := range byCode {
		p.Rules = []Rule{stale}
		byCode[code] = p
	}
	g, rest, err = Build(Config{Seed: 2}, codes(ps), 4, func() time.Time { return start }, fetch)
	if err != nil || len(rest) > 0 || len(asked) != len(ps) || !slices.Equal(g.Uncovered(), Levels) {
		t.Errorf("no thresholds: err %v, rest %v, %d fetched, uncovered %v", err, rest, len(asked), g.Uncovered())
	}
	if _, _, err := Build(Config{}, codes(ps), 4, time.Now, func([]string) ([]Point, error) { return nil, fmt.Errorf("down") }); err == nil {
		t.Error("a failed fetch was not reported")
	}
}
