package sim

import (
	"encoding/json"
	"math"
	"slices"
	"testing"
	"time"
)

func TestOfflinePointsSendNothing(t *testing.T) {
	ps := fixture()
	g := newGen(t, Config{Seed: 5, OfflineEvery: 30 * time.Minute, AnomalyEvery: -1}, ps)
	end := start.Add(12 * time.Hour)
	silent, long := 0, 0
	for _, p := range ps {
		g.Value(p.Code, end) // draws the outages up to end
		m := g.models[p.Code]
		for _, o := range m.outs {
			from, to := time.UnixMilli(o[0]), time.UnixMilli(o[1])
			if !to.Before(end) {
				continue
			}
			if d := to.Sub(from); d < 30*time.Second || d > 6*p.Interval+time.Second {
				t.Errorf("%s: outage of %s with an interval of %s", p.Code, d, p.Interval)
			}
			if to.Sub(from) > 3*p.Interval {
				long++ // long enough for the platform's stale rule (3 intervals)
			}
			for at := from; at.Before(to); at = at.Add(to.Sub(from) / 7) {
				if g.models[p.Code].anomalyAt(at.UnixMilli()) != nil {
					continue
				}
				silent++
				if v, ok := g.Value(p.Code, at); ok {
					t.Fatalf("%s sent %g at %s, offline %s–%s", p.Code, v, at, from, to)
				}
				if slices.ContainsFunc(g.Next(at, []string{p.Code, ps[0].Code}), func(r Reading) bool { return r.Point == p.Code }) {
					t.Fatalf("Next has a reading of %s while it is offline", p.Code)
				}
			}
			if _, ok := g.Value(p.Code, to); !ok && !slices.ContainsFunc(m.outs, func(o [2]int64) bool { return o[0] == to.UnixMilli() }) {
				t.Errorf("%s still offline after its outage ended at %s", p.Code, to)
			}
		}
	}
	if silent == 0 || long == 0 {
		t.Errorf("%d offline samples, %d outages long enough to be stale", silent, long)
	}
	// an anomaly keeps its point online.
	g = newGen(t, Config{Seed: 5, OfflineEvery: time.Second}, ps)
	for _, a := range g.Opening() {
		if _, ok := g.Value(a.Point, a.Peak); !ok {
			t.Errorf("%s offline during its anomaly", a.Point)
		}
	}
}

// Rain fills the gauge, raises the pond, lifts the phreatic line (its burial
// depth falls) and pushes displacement up; the gauge resets at 08:00.
func TestRainMovesPointsTheRightWay(t *testing.T) {
	ps := fixture()
	g := newGen(t, Config{Seed: 9, PerLevel: -1, AnomalyEvery: -1, OfflineEvery: -1}, ps)
	c := g.models[ps[0].Code].cell
	c.extend(start.Add(48 * time.Hour).UnixMilli())
	var ev *rainEvent
	for i := range c.events {
		if e := &c.events[i]; e.start > start.UnixMilli() && e.upto(e.end()) > 5 {
			ev = e
			break
		}
	}
	if ev == nil {
		t.Fatal("no rain of more than 5 mm in two days")
	}
	after := ev.end()
	effect := map[string]float64{}
	for _, p := range ps {
		m := g.models[p.Code]
		if m.cell != c {
			continue
		}
		if p.Kind == "rainfall" {
			prev := -1.0
			for at := ev.start - blockMS; at <= after; at += 30e3 {
				v, _ := m.value(at)
				if v < prev && rainDayStart(at, g.cfg.Location) == rainDayStart(at-30e3, g.cfg.Location) {
					t.Fatalf("%s fell from %g to %g during the rain day", p.Code, prev, v)
				}
				prev = v
			}
			before, _ := m.value(ev.start)
			if after, _ := m.value(after); rainDayStart(ev.start, g.cfg.Location) == rainDayStart(ev.end(), g.cfg.Location) && after-before < 3 {
				t.Errorf("%s: %g mm before the rain, %g after", p.Code, before, after)
			}
			continue
		}
		dry := *m
		dry.prof.rain = 0
		effect[p.Kind] = m.normal(after) - dry.normal(after)
	}
	for kind, sign := range map[string]float64{"phreatic_line": -1, "water_level": 1, "surface_displacement": 1, "beach_length": -1} {
		if !(effect[kind]*sign > 0) {
			t.Errorf("%s moved by %g after %.1f mm of rain", kind, effect[kind], ev.upto(ev.end()))
		}
	}
	if day := time.UnixMilli(rainDayStart(start.UnixMilli(), time.FixedZone("CST", 8*3600))).UTC(); day.Hour() != 0 || day.Day() != 28 {
		t.Errorf("rain day of 09:30 UTC (17:30 CST) began at %s UTC", day.UTC())
	}
}

func TestDailyCycle(t *testing.T) {
	p := Point{Code: "T1", Kind: "temperature", Unit: "°C", Owner: 1, RangeMin: -20, RangeMax: 60,
		Rules: []Rule{high(thresholds(48, 51, 54, 57), 1.14)}}
	g := newGen(t, Config{Seed: 1, PerLevel: -1, AnomalyEvery: -1, OfflineEvery: -1}, []Point{p})
	day := time.Date(2026, 11, 29, 0, 0, 0, 0, g.cfg.Location)
	mean := func(hour int) float64 {
		s := 0.0
		for m := range 60 {
			v, _ := g.Value("T1", day.Add(time.Duration(hour)*time.Hour+time.Duration(m)*time.Minute))
			s += v
		}
		return s / 60
	}
	if afternoon, night := mean(14), mean(2); afternoon-night < 5 {
		t.Errorf("14:00 averages %.1f °C, 02:00 %.1f °C: no daily cycle", afternoon, night)
	}
}

func TestPointFromAPI(t *testing.T) {
	var list struct{ Items []APIPoint }
	if err := json.Unmarshal([]byte(`{"items":[
		{"code":"A-JRX01","kind":"phreatic_line","unit":"m","status":"active","interval_s":300,"range_min":0,"range_max":11,"owner_id":7,"division_code":"530502207"},
		{"code":"A-WY01","kind":"surface_displacement","unit":"mm","status":"maintenance","interval_s":600,"owner_id":7},
		{"code":"B-KR01","kind":"combustible_gas","unit":"%LEL","status":"active","interval_s":60,"owner_id":3}]}`), &list); err != nil {
		t.Fatal(err)
	}
	var rules struct{ Rules []APIRule }
	if err := json.Unmarshal([]byte(`{"rules":[{"name":"threshold","type":"threshold","direction":"low",
		"thresholds":{"blue":5.2,"orange":4.4,"red":4,"yellow":4.8},"deadband":0.08,"for":"30s"},
		{"name":"stale","type":"stale","intervals":3,"level":"blue"}]}`), &rules); err != nil {
		t.Fatal(err)
	}
	p, err := PointFromAPI(list.Items[0], rules.Rules)
	if err != nil {
		t.Fatal(err)
	}
	if p.Region != "530502" || p.Interval != 5*time.Minute || p.RangeMax != 11 || len(p.Rules) != 2 ||
		p.Rules[0].For != 30*time.Second || p.Rules[0].Thresholds["orange"] != 4.4 {
		t.Errorf("point = %+v", p)
	}
	if q, _ := PointFromAPI(list.Items[2], nil); !math.IsNaN(q.RangeMin) || !math.IsNaN(q.RangeMax) {
		t.Errorf("no range became %g–%g", q.RangeMin, q.RangeMax)
	}
	rules.Rules[0].For = "soon"
	if _, err := PointFromAPI(list.Items[0], rules.Rules); err == nil {
		t.Error("a bad duration was accepted")
	}
	devs := Devices(list.Items)
	if len(devs) != 2 || devs[0].Code != "SIM-3" || devs[1].Code != "SIM-7" || !slices.Equal(devs[1].Points, []string{"A-JRX01"}) ||
		devs[1].Topic() != "yingji/v1/readings/SIM-7" {
		t.Errorf("devices = %+v", devs)
	}
	pri := Priority(4, []string{"a", "b", "c", "d", "e"})
	if slices.Equal(pri, []string{"a", "b", "c", "d", "e"}) && slices.Equal(pri, Priority(5, pri)) {
		t.Error("priority ignores the seed")
	}
}
