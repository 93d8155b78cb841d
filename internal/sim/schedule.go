package sim

import (
	"math"
	"slices"
	"time"
)

// Anomaly drives a point into an alarm level of one of its threshold
// rules: the value leaves its normal course at Start, reaches Value at
// Peak, stays within [Min, Max] — inside the level — until Until, and is
// back to normal at End. The sensor never goes offline during an anomaly.
type Anomaly struct {
	Point string
	Rule  string
	Level string
	// Value is the value held; Min and Max bound it while it is held.
	Value, Min, Max float64
	// For is the rule's minimum duration: the hold lasts longer.
	For                     time.Duration
	Start, Peak, Until, End time.Time
}

// wobble is how far the held value moves around Value.
func (a *Anomaly) wobble() float64 { return 0.1 * (a.Max - a.Min) / 2 }

// weight is how much of the way from the normal value to the held one
// the reading has gone at t: 0 before Start, 1 from Peak to Until.
func (a *Anomaly) weight(t int64) float64 {
	s, p, u, e := a.Start.UnixMilli(), a.Peak.UnixMilli(), a.Until.UnixMilli(), a.End.UnixMilli()
	switch {
	case t < s || t >= e:
		return 0
	case t < p:
		return smoothstep(float64(t-s) / float64(p-s))
	case t < u:
		return 1
	}
	return 1 - smoothstep(float64(t-u)/float64(e-u))
}

func smoothstep(x float64) float64 { return x * x * (3 - 2*x) }

// target is a level of a threshold rule a point can be driven into.
type target struct {
	rule     string
	level    int
	value    float64
	min, max float64
	forDur   time.Duration
}

// targets lists every level of every threshold rule of the point whose
// values lie within the sensor's range.
func targets(p Point) []target {
	var out []target
	for _, r := range p.Rules {
		if r.Type != "threshold" || r.Direction != "high" && r.Direction != "low" {
			continue
		}
		sign := 1.0
		if r.Direction == "low" {
			sign = -1
		}
		// work on sign × value, where more severe is always higher.
		var th []float64
		var lv []int
		for i, l := range Levels {
			if v, ok := r.Thresholds[l]; ok && finite(v) {
				th, lv = append(th, sign*v), append(lv, i)
			}
		}
		top := math.Inf(1) // the sensor's limit on the severe side
		if sign > 0 && finite(p.RangeMax) {
			top = p.RangeMax
		} else if sign < 0 && finite(p.RangeMin) {
			top = -p.RangeMin
		}
		for k := range th {
			lo, hi := th[k], top
			switch {
			case k+1 < len(th):
				hi = min(th[k+1], top)
			case k > 0:
				hi = min(th[k]+(th[k]-th[k-1]), top)
			default:
				hi = min(th[k]+max(math.Abs(th[k])*0.1, 1), top)
			}
			if !(hi > lo) || k > 0 && !(th[k] > th[k-1]) {
				continue
			}
			// keep clear of the next level and of the sensor's limit.
			mid := lo + (hi-lo)/2
			half := (hi - lo) / 4
			t := target{rule: r.Name, level: lv[k], value: sign * mid,
				min: sign * (mid - half), max: sign * (mid + half), forDur: r.For}
			if sign < 0 {
				t.min, t.max = t.max, t.min
			}
			out = append(out, t)
		}
	}
	return out
}

// planOpening drives PerLevel points to each level within the first
// seconds, each a different point: red first in every round, as the fewest
// points can reach it, preferring rules that fire at once and points of
// different owners. Anomalies start 2 s into the run, 0.8 s apart, and
// climb for 2 s (blue) to 5 s (red).
func (g *Generator) planOpening(points []Point) {
	per := g.cfg.PerLevel
	if per <= 0 {
		return
	}
	codes := make([]string, len(points))
	for i, p := range points {
		codes[i] = p.Code
	}
	codes = Priority(g.cfg.Seed, codes)
	type pick struct {
		m *model
		t *target
	}
	used, owners := map[string]bool{}, map[int64]bool{}
	chosen := make([][]pick, len(Levels))
	const quick = 5 * time.Second
	for k := 0; k < per; k++ { // a round over the levels at a time, so all get their share
		for level := len(Levels) - 1; level >= 0; level-- {
			for pass := 0; pass < 3 && len(chosen[level]) == k; pass++ {
				for _, code := range codes {
					if m := g.models[code]; !used[code] && (pass > 0 || !owners[m.p.Owner]) {
						if i := slices.IndexFunc(m.targets, func(t target) bool {
							return t.level == level && (pass == 2 || t.forDur <= quick)
						}); i >= 0 {
							chosen[level] = append(chosen[level], pick{m, &m.targets[i]})
							used[code], owners[m.p.Owner] = true, true
							break
						}
					}
				}
			}
		}
	}
	r := newRand(g.seed, "opening")
	n := 0
	for k := 0; k < per; k++ {
		for level := range Levels {
			if k >= len(chosen[level]) {
				continue
			}
			m, t := chosen[level][k].m, chosen[level][k].t
			start := g.cfg.Start.Add(2*time.Second + time.Duration(n)*800*time.Millisecond)
			peak := start.Add(time.Duration(2+level) * time.Second)
			until := peak.Add(t.forDur + time.Duration(uniform(r, 3, 8)*float64(time.Minute)))
			a := m.anomaly(t, start, peak, until, until.Add(time.Duration(uniform(r, 1, 2)*float64(time.Minute))))
			m.anoms = append(m.anoms, a)
			if m.anomNext != math.MaxInt64 {
				m.anomNext = max(m.anomNext, a.End.UnixMilli()+exponential(m.anomRng, g.cfg.AnomalyEvery))
			}
			g.opening = append(g.opening, a)
			n++
		}
	}
}

func (m *model) anomaly(t *target, start, peak, until, end time.Time) Anomaly {
	return Anomaly{Point: m.p.Code, Rule: t.rule, Level: Levels[t.level], Value: math.Round(t.value*m.scale) / m.scale,
		Min: t.min, Max: t.max, For: t.forDur, Start: start, Peak: peak, Until: until, End: end}
}

// levelWeights make later anomalies mostly mild.
var levelWeights = []float64{0.45, 0.3, 0.17, 0.08}

// initEvents sets up the point's own streams of anomalies and outages.
func (m *model) initEvents(g *Generator) {
	m.anomRng = newRand(g.seed, "anomaly/"+m.p.Code)
	m.outRng = newRand(g.seed, "offline/"+m.p.Code)
	m.anomNext = math.MaxInt64
	if g.cfg.AnomalyEvery > 0 && len(m.targets) > 0 {
		m.anomNext = g.startMS + max(60e3, exponential(m.anomRng, g.cfg.AnomalyEvery))
	}
	m.outNext = math.MaxInt64
	if g.cfg.OfflineEvery > 0 {
		if m.outRng.Float64() < 0.02 { // a few sensors drop out early on
			m.outNext = g.startMS + int64(uniform(m.outRng, 0, 60e3))
		} else {
			m.outNext = g.startMS + exponential(m.outRng, g.cfg.OfflineEvery)
		}
	}
}

// anomalyAt returns the anomaly running at t, drawing later anomalies as
// time goes on.
func (m *model) anomalyAt(t int64) *Anomaly {
	for m.anomNext <= t {
		w := make([]float64, len(Levels))
		for _, tg := range m.targets {
			w[tg.level] = levelWeights[tg.level]
		}
		level, x := -1, m.anomRng.Float64()*sum(w)
		for l := range w {
			if w[l] > 0 {
				level = l
				if x < w[l] {
					break
				}
				x -= w[l]
			}
		}
		var cands []*target
		for i := range m.targets {
			if m.targets[i].level == level {
				cands = append(cands, &m.targets[i])
			}
		}
		tg := cands[m.anomRng.IntN(len(cands))]
		start := time.UnixMilli(m.anomNext)
		peak := start.Add(time.Duration(uniform(m.anomRng, 1, 5) * float64(time.Minute)))
		until := peak.Add(tg.forDur + time.Duration(uniform(m.anomRng, 5, 20)*float64(time.Minute)))
		end := until.Add(time.Duration(uniform(m.anomRng, 2, 10) * float64(time.Minute)))
		m.anoms = append(m.anoms, m.anomaly(tg, start, peak, until, end))
		m.anomNext = end.UnixMilli() + max(60e3, exponential(m.anomRng, m.g.cfg.AnomalyEvery))
	}
	for i := len(m.anoms) - 1; i >= 0; i-- {
		if a := &m.anoms[i]; a.Start.UnixMilli() <= t {
			if t < a.End.UnixMilli() {
				return a
			}
			break
		}
	}
	return nil
}

// offline reports whether the sensor is silent at t. An outage lasts one
// to six reporting intervals, so about half of them are long enough for
// the platform's offline (stale) rule to fire.
func (m *model) offline(t int64) bool {
	for m.outNext <= t {
		interval := m.p.Interval
		if interval <= 0 {
			interval = time.Minute
		}
		d := max(30e3, int64(uniform(m.outRng, 1, 6)*float64(interval/time.Millisecond)))
		m.outs = append(m.outs, [2]int64{m.outNext, m.outNext + d})
		m.outNext += d + exponential(m.outRng, m.g.cfg.OfflineEvery)
	}
	_, found := slices.BinarySearchFunc(m.outs, t, func(o [2]int64, t int64) int {
		switch {
		case o[1] <= t:
			return -1
		case o[0] > t:
			return 1
		}
		return 0
	})
	return found
}

func sum(xs []float64) float64 {
	s := 0.0
	for _, x := range xs {
		s += x
	}
	return s
}
