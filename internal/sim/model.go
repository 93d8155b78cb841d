package sim

import (
	"math"
	"math/rand/v2"
	"time"
)

// profile is how a kind of point behaves in normal operation. Amplitudes
// are fractions of the room between the base value and the edge of the
// normal band on the side the movement goes, so they add up to less than
// the room and no normal movement alone reaches an alarm threshold.
type profile struct {
	pos      [2]float64 // where the base value lies in the band, from-to (0 = low edge)
	daily    float64    // amplitude of the daily cycle
	peakHour float64    // local hour of the daily maximum
	drift    float64    // amplitude of slow wandering over hours
	noise    float64    // amplitude of sensor noise
	// rain moves the value with rain: positive upwards. With tau 0 it
	// follows the rain since the start of the run (displacement, which
	// does not go back); else the rain of the last hours, fading with
	// time constant tau (water levels).
	rain  float64
	tau   time.Duration
	creep float64 // movement over the first hours of the run, signed
	// scale caps the unit of movement at this fraction of the band, for
	// points that idle near one end of a wide range (gas detectors).
	scale float64
	// zero places the base between zero and the band's upper edge and
	// moves it as far down as up: readings that sit near zero whatever the
	// range (displacement, settlement).
	zero    bool
	digits  int  // decimals; -1 derives them from the range
	integer bool // counts
}

var profiles = map[string]profile{
	"surface_displacement":  {pos: [2]float64{0.15, 0.4}, daily: 0.03, peakHour: 15, drift: 0.05, noise: 0.04, rain: 0.3, creep: 0.15, zero: true, digits: 1},
	"internal_displacement": {pos: [2]float64{0.15, 0.4}, drift: 0.05, noise: 0.03, rain: 0.3, creep: 0.15, zero: true, digits: 1},
	"displacement":          {pos: [2]float64{0.1, 0.35}, daily: 0.02, peakHour: 15, drift: 0.05, noise: 0.04, rain: 0.45, creep: 0.15, zero: true, digits: 1},
	"settlement":            {pos: [2]float64{0.05, 0.2}, daily: 0.02, peakHour: 15, drift: 0.05, noise: 0.03, rain: 0.05, creep: 0.1, scale: 0.1, zero: true, digits: 1},
	// the phreatic line is measured as burial depth: rain lifts the line,
	// so the depth falls toward the low thresholds.
	"phreatic_line": {pos: [2]float64{0.35, 0.6}, drift: 0.05, noise: 0.02, rain: -0.5, tau: 6 * time.Hour, digits: 2},
	"water_level":   {pos: [2]float64{0.35, 0.55}, daily: 0.04, peakHour: 6, drift: 0.05, noise: 0.02, rain: 0.5, tau: 3 * time.Hour, digits: 2},
	"beach_length":  {pos: [2]float64{0.4, 0.6}, daily: 0.03, peakHour: 16, drift: 0.05, noise: 0.03, rain: -0.4, tau: 3 * time.Hour, digits: 1},
	"freeboard":     {pos: [2]float64{0.4, 0.6}, daily: 0.03, peakHour: 16, drift: 0.05, noise: 0.02, rain: -0.4, tau: 3 * time.Hour, digits: 2},
	"pressure":      {pos: [2]float64{0.45, 0.7}, daily: 0.08, peakHour: 15, drift: 0.1, noise: 0.04, digits: -1},
	"liquid_level":  {pos: [2]float64{0.35, 0.7}, daily: 0.03, peakHour: 15, drift: 0.3, noise: 0.02, digits: -1},
	// storage temperature follows the air: warm afternoons, cool nights,
	// cooler in rain.
	"temperature":     {pos: [2]float64{0.4, 0.55}, daily: 0.25, peakHour: 14, drift: 0.08, noise: 0.02, rain: -0.1, tau: 2 * time.Hour, digits: 1},
	"humidity":        {pos: [2]float64{0.5, 0.7}, daily: 0.3, peakHour: 5, drift: 0.05, noise: 0.02, rain: 0.3, tau: 2 * time.Hour, digits: 1},
	"combustible_gas": {pos: [2]float64{0, 0.05}, drift: 0.3, noise: 0.1, scale: 0.01, digits: 1},
	"toxic_gas":       {pos: [2]float64{0, 0.005}, drift: 0.3, noise: 0.1, scale: 0.005, digits: 1},
	"smoke":           {pos: [2]float64{0, 0.01}, drift: 0.3, noise: 0.1, scale: 0.005, digits: 2},
	"head_count":      {pos: [2]float64{0.2, 0.4}, daily: 0.6, peakHour: 11, noise: 0.05, integer: true},
	"rainfall":        {digits: 1}, // see model.normal
}

var genericProfile = profile{pos: [2]float64{0.4, 0.6}, daily: 0.02, peakHour: 15, drift: 0.05, noise: 0.03, digits: -1}

// model is one simulated point.
type model struct {
	g      *Generator
	p      Point
	prof   profile
	seed   uint64 // the point's noise stream
	cell   *cell
	site   float64 // how much of the cell's rain falls here
	lo, hi float64 // the normal band
	base   float64
	up     float64 // unit of upward movement
	down   float64 // unit of downward movement
	drift  [2]wave
	scale  float64 // 10^digits
	cap0   float64 // rain (mm) at which rain's effect is 63 % of its amplitude

	targets  []target
	anoms    []Anomaly
	anomRng  *rand.Rand
	anomNext int64
	outs     [][2]int64
	outRng   *rand.Rand
	outNext  int64
}

type wave struct{ period, phase float64 }

func newModel(g *Generator, p Point, c *cell) *model {
	prof, ok := profiles[p.Kind]
	if !ok {
		prof = genericProfile
	}
	r := newRand(g.seed, "point/"+p.Code)
	m := &model{g: g, p: p, prof: prof, seed: hashKey(g.seed, "noise/"+p.Code), cell: c,
		site: uniform(r, 0.7, 1.3)}
	m.lo, m.hi = band(p)
	from := m.lo
	if prof.zero {
		from = clamp(0, m.lo, m.hi)
	}
	m.base = from + uniform(r, prof.pos[0], prof.pos[1])*(m.hi-from)
	m.up, m.down = m.hi-m.base, m.base-m.lo
	if prof.zero {
		m.down = min(m.down, m.up)
	}
	if prof.scale > 0 {
		m.up = min(m.up, prof.scale*(m.hi-m.lo))
		m.down = min(m.down, prof.scale*(m.hi-m.lo))
	}
	for i := range m.drift {
		m.drift[i] = wave{period: uniform(r, 40, 360) * 60e3, phase: uniform(r, 0, 2*math.Pi)}
	}
	m.cap0 = 30
	if prof.tau == 0 {
		m.cap0 = 100
	}
	digits := prof.digits
	switch {
	case prof.integer:
		digits = 0
	case digits < 0 && finite(p.RangeMax-p.RangeMin) && p.RangeMax > p.RangeMin:
		digits = max(0, 4-int(math.Floor(math.Log10(p.RangeMax-p.RangeMin))))
	case digits < 0:
		digits = 3
	}
	m.scale = math.Pow(10, float64(digits))
	m.targets = targets(p)
	m.initEvents(g)
	return m
}

// band is the range of normal values: inside the sensor's range and on
// the safe side of the least severe threshold of every threshold rule, by
// more than the deadband.
func band(p Point) (lo, hi float64) {
	lo, hi = math.Inf(-1), math.Inf(1)
	if finite(p.RangeMin) {
		lo = p.RangeMin
	}
	if finite(p.RangeMax) {
		hi = p.RangeMax
	}
	for _, r := range p.Rules {
		t, ok := leastSevere(r)
		if r.Type != "threshold" || !ok {
			continue
		}
		gap := max(r.Deadband, 0.01*math.Abs(t), 1e-3)
		if r.Direction == "low" {
			lo = max(lo, t+gap)
		} else {
			hi = min(hi, t-gap)
		}
	}
	switch {
	case math.IsInf(lo, -1) && math.IsInf(hi, 1):
		lo, hi = 0, 100
	case math.IsInf(lo, -1):
		lo = hi - max(1, math.Abs(hi))
	case math.IsInf(hi, 1):
		hi = lo + max(1, math.Abs(lo))
	}
	if lo > hi { // rules that leave no normal value: sit at the boundary
		lo, hi = (lo+hi)/2, (lo+hi)/2
	}
	return lo, hi
}

// leastSevere returns a rule's threshold of its lowest level.
func leastSevere(r Rule) (float64, bool) {
	for _, l := range Levels {
		if v, ok := r.Thresholds[l]; ok {
			return v, true
		}
	}
	return 0, false
}

// value is the reading at t, or false while the sensor is offline.
func (m *model) value(t int64) (float64, bool) {
	a := m.anomalyAt(t)
	if a == nil && m.offline(t) {
		return 0, false
	}
	v := m.normal(t)
	if a != nil {
		hold := a.Value + a.wobble()*noise(m.seed^0xA5A5, t)
		v += a.weight(t) * (hold - v)
	}
	v = math.Round(v*m.scale) / m.scale
	if finite(m.p.RangeMin) {
		v = max(v, m.p.RangeMin)
	}
	if finite(m.p.RangeMax) {
		v = min(v, m.p.RangeMax)
	}
	return v, true
}

// normal is the value at t without anomalies, inside the normal band.
func (m *model) normal(t int64) float64 {
	if m.p.Kind == "rainfall" {
		// a rain gauge reports the total of the meteorological day.
		day := rainDayStart(t, m.g.cfg.Location)
		return clamp(m.lo+m.site*(m.cell.total(t)-m.cell.total(day)), m.lo, m.hi)
	}
	pr := &m.prof
	c := pr.noise * noise(m.seed, t)
	if pr.daily != 0 {
		lt := time.UnixMilli(t).In(m.g.cfg.Location)
		h := float64(lt.Hour()) + float64(lt.Minute())/60 + float64(lt.Second())/3600
		c += pr.daily * math.Cos(2*math.Pi*(h-pr.peakHour)/24)
	}
	if pr.drift != 0 {
		c += pr.drift * (0.6*math.Sin(2*math.Pi*float64(t)/m.drift[0].period+m.drift[0].phase) +
			0.4*math.Sin(2*math.Pi*float64(t)/m.drift[1].period+m.drift[1].phase))
	}
	if pr.rain != 0 {
		var mm float64
		if pr.tau == 0 {
			mm = m.cell.total(t) - m.cell.total(m.g.startMS)
		} else {
			mm = m.cell.recent(t, pr.tau)
		}
		c += pr.rain * (1 - math.Exp(-max(mm, 0)*m.site/m.cap0))
	}
	if pr.creep != 0 {
		c += pr.creep * (1 - math.Exp(-float64(max(t-m.g.startMS, 0))/(12*hourMS)))
	}
	v := m.base + c*m.up
	if c < 0 {
		v = m.base + c*m.down
	}
	return clamp(v, m.lo, m.hi)
}

func clamp(v, lo, hi float64) float64 { return min(max(v, lo), hi) }
