package landslide

import (
	"math"
	"math/rand/v2"
	"sort"
	"testing"
	"time"
)

func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol }

// Caine (1980) and Guzzetti et al. (2008) as printed: I = 14.82·D^−0.39 and
// I = 2.20·D^−0.44. At D = 1 h the threshold is α itself; the other values
// are worked by hand from the printed coefficients (24^0.39 = 3.4537,
// 240^0.39 = 8.4778, 24^0.44 = 4.0485).
func TestPublishedThresholds(t *testing.T) {
	for _, c := range []struct {
		th   Threshold
		d, i float64
	}{
		{Caine1980, 1, 14.82},
		{Caine1980, 24, 14.82 / 3.4537},
		{Caine1980, 240, 14.82 / 8.4778},
		{Guzzetti2008, 1, 2.20},
		{Guzzetti2008, 24, 2.20 / 4.0485},
	} {
		if got := c.th.Intensity(c.d); !near(got, c.i, 1e-3) {
			t.Errorf("%s at %v h = %.4f mm/h, want %.4f", c.th.Name, c.d, got, c.i)
		}
	}
}

// A worked antecedent index: days 10, 20, 30 mm before today's 5 mm with
// K = 0.5 give 0.5·10 + 0.25·20 + 0.125·30 = 13.75 and 18.75 effective.
func TestEffective(t *testing.T) {
	daily := []float64{5, 10, 20, 30}
	if got := Antecedent(daily, 0.5); got != 13.75 {
		t.Errorf("Antecedent = %v, want 13.75", got)
	}
	if got := Effective(daily, 0.5); got != 18.75 {
		t.Errorf("Effective = %v, want 18.75", got)
	}
	if got := Effective(nil, 0.5); got != 0 {
		t.Errorf("Effective(nil) = %v", got)
	}
}

func TestBreakpoints(t *testing.T) {
	b := Breakpoints{1, 2, 3, 4}
	for x, want := range map[float64]Level{0.5: None, 1: Blue, 2.5: Yellow, 3: Orange, 9: Red, math.NaN(): None} {
		if got := b.Level(x); got != want {
			t.Errorf("Level(%v) = %q, want %q", x, got, want)
		}
	}
	if err := (Breakpoints{1, 1, 3, 4}).Validate(); err == nil {
		t.Error("equal breakpoints accepted")
	}
}

var t0 = time.Date(2026, 7, 10, 0, 0, 0, 0, time.UTC)

// Two gauges 1 km and 2 km from a point: inverse squared distance weights
// 1 and 1/4, so 10 mm and 20 mm interpolate to (10 + 20/4)/(1 + 1/4) = 12.
func TestInverseDistance(t *testing.T) {
	cfg := DefaultConfig()
	// 1 km of latitude is 1/111.195 degrees on the haversine sphere.
	deg := 1 / 111.19508
	gauges := []Gauge{{"g1", 99, 25 + deg}, {"g2", 99, 25 - 2*deg}, {"far", 99, 26}}
	e, err := NewEvaluator(cfg, gauges, []Point{{ID: "p", Lon: 99, Lat: 25}})
	if err != nil {
		t.Fatal(err)
	}
	e.Add([]Reading{{"g1", t0.Add(30 * time.Minute), 10}, {"g2", t0.Add(40 * time.Minute), 20}, {"far", t0, 500}})
	st := e.Statuses()[0]
	if st.Gauges != 2 || !near(st.Day0, 12, 1e-6) {
		t.Errorf("status %+v, want 2 gauges and 12 mm", st)
	}
	// 12 mm in the last hour: 12/14.82 = 0.81 of Caine's 1-h threshold → yellow.
	if st.Duration != 1 || !near(st.Ratio, 12/14.82, 1e-9) || st.Level != Yellow {
		t.Errorf("ratio %v at %d h, level %q; want %v at 1 h, yellow", st.Ratio, st.Duration, st.Level, 12/14.82)
	}
}

func TestGaugeOnThePointTakesAll(t *testing.T) {
	e, err := NewEvaluator(DefaultConfig(), []Gauge{{"a", 99, 25}, {"b", 99.01, 25}}, []Point{{ID: "p", Lon: 99, Lat: 25}})
	if err != nil {
		t.Fatal(err)
	}
	e.Add([]Reading{{"a", t0, 7}, {"b", t0, 100}})
	if st := e.Statuses()[0]; st.Day0 != 7 {
		t.Errorf("Day0 = %v, want the coincident gauge's 7", st.Day0)
	}
}

// Effective rainfall over days: 40 mm on each of three days with K = 0.8
// is 40 + 0.8·40 + 0.64·40 = 97.6 mm → yellow (80–120).
func TestEffectiveAcrossDays(t *testing.T) {
	e, err := NewEvaluator(DefaultConfig(), []Gauge{{"a", 99, 25}}, []Point{{ID: "p", Lon: 99, Lat: 25}})
	if err != nil {
		t.Fatal(err)
	}
	for d := range 3 {
		// spread thinly over 20 hours so the I–D ratio stays low
		for h := range 20 {
			e.Add([]Reading{{"a", t0.Add(time.Duration(d*24+h) * time.Hour), 2}})
		}
	}
	e.AdvanceTo(t0.Add(68*time.Hour + 30*time.Minute))
	st := e.Statuses()[0]
	if !near(st.Effective, 97.6, 1e-9) || st.EffectiveLevel != Yellow {
		t.Errorf("effective %v (%q), want 97.6 (yellow); %+v", st.Effective, st.EffectiveLevel, st)
	}
}

func TestStaleGaugeIsMissingNotDry(t *testing.T) {
	e, err := NewEvaluator(DefaultConfig(), []Gauge{{"a", 99, 25}}, []Point{{ID: "p", Lon: 99, Lat: 25}})
	if err != nil {
		t.Fatal(err)
	}
	e.Add([]Reading{{"a", t0, 30}})
	if st := e.Statuses()[0]; st.NoData || st.Level == None {
		t.Fatalf("fresh gauge: %+v", st)
	}
	changed := e.AdvanceTo(t0.Add(4 * time.Hour))
	if st := e.Statuses()[0]; !st.NoData || st.Level != None || len(changed) != 1 {
		t.Errorf("stale gauge: %+v, changed %v", st, changed)
	}
}

func TestZoneParams(t *testing.T) {
	cfg := DefaultConfig()
	strict := cfg.Default
	strict.Effective = Breakpoints{1, 2, 3, 4}
	cfg.Zones = map[string]Params{"530523": strict}
	e, err := NewEvaluator(cfg, []Gauge{{"a", 99, 25}}, []Point{{ID: "p", Lon: 99, Lat: 25}, {ID: "q", Lon: 99, Lat: 25, Zone: "530523"}})
	if err != nil {
		t.Fatal(err)
	}
	e.AdvanceTo(t0)
	e.Add([]Reading{{"a", t0, 5}})
	st := e.Statuses()
	if st[0].EffectiveLevel != None || st[1].EffectiveLevel != Red {
		t.Errorf("levels %q, %q; want none and red", st[0].EffectiveLevel, st[1].EffectiveLevel)
	}
}

func TestConfigValidate(t *testing.T) {
	for name, mut := range map[string]func(*Config){
		"k":        func(c *Config) { c.Default.K = 1.5 },
		"alpha":    func(c *Config) { c.Default.Threshold.Alpha = 0 },
		"days":     func(c *Config) { c.Days = -1 },
		"duration": func(c *Config) { c.Durations = []int{1000} },
		"zone":     func(c *Config) { c.Zones = map[string]Params{"x": {}} },
		"power":    func(c *Config) { c.Power = math.NaN() },
	} {
		c := DefaultConfig()
		mut(&c)
		if err := c.Validate(); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, err := NewEvaluator(DefaultConfig(), []Gauge{{"a", 99, 25}, {"a", 99, 25}}, nil); err == nil {
		t.Error("repeated gauge accepted")
	}
}

// bruteForce is the straightforward evaluation the incremental one must
// equal: for each point, find its gauges among all by distance, and for
// each of those sum its raw readings into windows.
func bruteForce(cfg Config, gauges []Gauge, points []Point, readings []Reading, now time.Time) []Status {
	hours := int64((cfg.Days + 1) * 24)
	nowH := unixHour(now)
	newest := map[string]int64{}
	last := map[string]time.Time{}
	for _, r := range readings {
		if h := unixHour(r.T); h > newest[r.Gauge] || last[r.Gauge].IsZero() {
			newest[r.Gauge] = h
		}
		if r.T.After(last[r.Gauge]) {
			last[r.Gauge] = r.T
		}
	}
	byGauge := map[string][]Reading{}
	for _, r := range readings {
		byGauge[r.Gauge] = append(byGauge[r.Gauge], r)
	}
	e := &Evaluator{cfg: cfg}
	out := make([]Status, len(points))
	for pi, p := range points {
		st := Status{Point: p.ID, Zone: p.Zone}
		type cand struct {
			i    int
			d, w float64
		}
		var cs []cand
		for i, g := range gauges {
			if d := DistanceKm(p.Lon, p.Lat, g.Lon, g.Lat); d <= cfg.RadiusKm {
				cs = append(cs, cand{i, d, math.Pow(d, -cfg.Power)})
			}
		}
		sort.Slice(cs, func(a, b int) bool { return cs[a].d < cs[b].d || cs[a].d == cs[b].d && cs[a].i < cs[b].i })
		if len(cs) > cfg.Neighbours {
			cs = cs[:cfg.Neighbours]
		}
		for _, c := range cs {
			if c.d < 1e-3 {
				cs = []cand{{c.i, c.d, 1}}
				break
			}
		}
		f := make([]float64, len(cfg.Durations)+cfg.Days+1)
		var sumW float64
		for _, c := range cs {
			id := gauges[c.i].ID
			if last[id].IsZero() || now.Sub(last[id]) > cfg.Stale {
				continue
			}
			sumW += c.w
			st.Gauges++
			for _, r := range byGauge[id] {
				h := unixHour(r.T)
				if h <= newest[id]-hours || h > nowH {
					continue
				}
				back := int(nowH - h)
				for k, d := range cfg.Durations {
					if back < d {
						f[k] += c.w * r.MM
					}
				}
				if back < int(hours) {
					f[len(cfg.Durations)+back/24] += c.w * r.MM
				}
			}
		}
		if st.Gauges == 0 {
			st.NoData = true
			out[pi] = st
			continue
		}
		for k := range f {
			f[k] /= sumW
		}
		params := &cfg.Default
		if zp, ok := cfg.Zones[p.Zone]; ok {
			params = &zp
		}
		out[pi] = e.assess(st, f, params)
	}
	return out
}

// scene is a Baoshan-sized set: 1,596 hazard points and 160 gauges (one per
// monitored point, as in the demo registry) in the city's extent.
func scene(seed uint64) ([]Gauge, []Point) {
	rng := rand.New(rand.NewPCG(seed, 1))
	gauges := make([]Gauge, 160)
	for i := range gauges {
		gauges[i] = Gauge{ID: "g" + itoa(i), Lon: 98.1 + rng.Float64()*1.7, Lat: 24.1 + rng.Float64()*2.0}
	}
	points := make([]Point, 1596)
	for i := range points {
		points[i] = Point{ID: "p" + itoa(i), Lon: 98.1 + rng.Float64()*1.7, Lat: 24.1 + rng.Float64()*2.0}
	}
	return gauges, points
}

func itoa(i int) string {
	return string(rune('0'+i/1000%10)) + string(rune('0'+i/100%10)) + string(rune('0'+i/10%10)) + string(rune('0'+i%10))
}

// batches are a storm: every gauge reports every 5 minutes for 30 hours.
func batches(gauges []Gauge, seed uint64) [][]Reading {
	rng := rand.New(rand.NewPCG(seed, 2))
	var out [][]Reading
	for m := 0; m < 30*60; m += 5 {
		var b []Reading
		for _, g := range gauges {
			if rng.IntN(10) == 0 { // a tenth of the reports go missing
				continue
			}
			b = append(b, Reading{g.ID, t0.Add(time.Duration(m) * time.Minute), rng.ExpFloat64() * 1.5})
		}
		out = append(out, b)
	}
	return out
}

func TestIncrementalEqualsBruteForce(t *testing.T) {
	gauges, points := scene(7)
	cfg := DefaultConfig()
	cfg.Zones = map[string]Params{"z": {K: 0.9, Threshold: Guzzetti2008, Effective: Breakpoints{10, 20, 30, 40}, Ratio: Breakpoints{1, 2, 3, 4}}}
	for i := range points {
		if i%3 == 0 {
			points[i].Zone = "z"
		}
	}
	e, err := NewEvaluator(cfg, gauges, points)
	if err != nil {
		t.Fatal(err)
	}
	var all []Reading
	bs := batches(gauges, 7)
	for i, b := range bs {
		e.Add(b)
		all = append(all, b...)
		if i%120 != 119 {
			continue
		}
		want := bruteForce(cfg, gauges, points, all, e.Now())
		got := e.Statuses()
		levels := map[Level]int{}
		for pi := range want {
			g, w := got[pi], want[pi]
			levels[g.Level]++
			if g.Level != w.Level || g.Gauges != w.Gauges || !near(g.Effective, w.Effective, 1e-9) || !near(g.Ratio, w.Ratio, 1e-9) {
				t.Fatalf("batch %d point %s: incremental %+v, brute force %+v", i, g.Point, g, w)
			}
		}
		t.Logf("after %s: %v", e.Now().Sub(t0), levels)
	}
}

// BenchmarkBatch times one 5-minute batch from every gauge against the
// 1,596 points; the baseline recomputes everything from the raw readings.
func BenchmarkBatch(b *testing.B) {
	gauges, points := scene(1)
	bs := batches(gauges, 1)
	warm, rest := bs[:24*12], bs[24*12:]
	b.Run("incremental", func(b *testing.B) {
		e, err := NewEvaluator(DefaultConfig(), gauges, points)
		if err != nil {
			b.Fatal(err)
		}
		for _, x := range warm {
			e.Add(x)
		}
		i := 0
		for b.Loop() {
			// replay the later batches shifted by whole days so time moves on
			x := rest[i%len(rest)]
			shift := time.Duration(i/len(rest)) * 30 * time.Hour
			y := make([]Reading, len(x))
			for k, r := range x {
				r.T = r.T.Add(shift)
				y[k] = r
			}
			e.Add(y)
			i++
		}
	})
	b.Run("bruteforce", func(b *testing.B) {
		var all []Reading
		for _, x := range warm {
			all = append(all, x...)
		}
		cfg := DefaultConfig()
		i := 0
		for b.Loop() {
			x := rest[i%len(rest)]
			bruteForce(cfg, gauges, points, append(all, x...), x[0].T)
			i++
		}
	})
}
