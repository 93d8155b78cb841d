package landslide

import (
	"errors"
	"fmt"
	"github.com/yingji/yingji/internal/geo"
	"math"
	"slices"
	"sort"
	"time"
)

// Gauge is a rain gauge at a lon/lat position.
type Gauge struct {
	ID  string  `json:"id"`
	Lon float64 `json:"lon"`
	Lat float64 `json:"lat"`
}

// Point is a hazard point; Zone selects its parameters (empty: defaults).
// Division is the point's division code, carried for callers that filter
// by area.
type Point struct {
	ID       string  `json:"id"`
	Lon      float64 `json:"lon"`
	Lat      float64 `json:"lat"`
	Zone     string  `json:"zone,omitempty"`
	Division string  `json:"division_code,omitempty"`
}

// Reading is the rain a gauge measured in the interval ending at T, in mm
// (a tipping-bucket or interval total, not a running total).
type Reading struct {
	Gauge string    `json:"gauge"`
	T     time.Time `json:"t"`
	MM    float64   `json:"mm"`
}

// Params are what may differ between zones.
type Params struct {
	// K is the decay coefficient per day of the antecedent index (0–1].
	K         float64   `json:"k"`
	Threshold Threshold `json:"threshold"`
	// Effective are the breakpoints of effective rainfall, mm.
	Effective Breakpoints `json:"effective_mm"`
	// Ratio are the breakpoints of the I–D exceedance ratio I/I_threshold.
	Ratio Breakpoints `json:"id_ratio"`
}

// Config is the evaluator's configuration.
type Config struct {
	Default Params            `json:"default"`
	Zones   map[string]Params `json:"zones,omitempty"`
	// Days is n, the antecedent days (the effective rainfall spans n+1).
	Days int `json:"days"`
	// Durations are the I–D durations checked, in whole hours.
	Durations []int `json:"durations_h"`
	// Power is the inverse-distance exponent; Neighbours the most gauges
	// used per point; RadiusKm the farthest gauge used.
	Power      float64 `json:"power"`
	Neighbours int     `json:"neighbours"`
	RadiusKm   float64 `json:"radius_km"`
	// Stale leaves out a gauge whose last reading is older than this when
	// the evaluation time is reached, so a dead gauge reads as missing
	// rather than as no rain.
	Stale time.Duration `json:"stale"`
}

// DefaultConfig has K = 0.8 per day over 10 antecedent days, the Caine
// (1980) threshold checked at 1, 3, 6, 12, 24, 48 and 72 h, and inverse
// squared distance over at most 4 gauges within 20 km.
//
// The breakpoints are operator settings, not from a standard [check]: the
// effective-rainfall ones (50/80/120/180 mm) stand until the natural
// resources bureau's zone thresholds are entered; the I–D ratio makes the
// published threshold itself orange (1.0), with blue at half of it, yellow
// at three quarters and red at one and a half times.
func DefaultConfig() Config {
	return Config{
		Default: Params{
			K: 0.8, Threshold: Caine1980,
			Effective: Breakpoints{Blue: 50, Yellow: 80, Orange: 120, Red: 180},
			Ratio:     Breakpoints{Blue: 0.5, Yellow: 0.75, Orange: 1, Red: 1.5},
		},
		Days: 10, Durations: []int{1, 3, 6, 12, 24, 48, 72},
		Power: 2, Neighbours: 4, RadiusKm: 20, Stale: 3 * time.Hour,
	}
}

func (p Params) validate(where string) error {
	if !finite(p.K) || p.K <= 0 || p.K > 1 {
		return fmt.Errorf("%s k: %v must be in (0, 1]", where, p.K)
	}
	if err := p.Threshold.Validate(); err != nil {
		return fmt.Errorf("%s %w", where, err)
	}
	if err := p.Effective.Validate(); err != nil {
		return fmt.Errorf("%s effective_mm %w", where, err)
	}
	if err := p.Ratio.Validate(); err != nil {
		return fmt.Errorf("%s id_ratio %w", where, err)
	}
	return nil
}

// Validate reports the first unusable setting, naming it.
func (c Config) Validate() error {
	if err := c.Default.validate("default"); err != nil {
		return err
	}
	for z, p := range c.Zones {
		if err := p.validate("zone " + z); err != nil {
			return err
		}
	}
	switch {
	case c.Days < 0 || c.Days > 60:
		return fmt.Errorf("days: %d must be 0–60", c.Days)
	case len(c.Durations) == 0:
		return errors.New("durations_h: at least one")
	case !finite(c.Power) || c.Power <= 0:
		return fmt.Errorf("power: %v must be > 0", c.Power)
	case c.Neighbours < 1:
		return fmt.Errorf("neighbours: %d must be ≥ 1", c.Neighbours)
	case !finite(c.RadiusKm) || c.RadiusKm <= 0:
		return fmt.Errorf("radius_km: %v must be > 0", c.RadiusKm)
	case c.Stale <= 0:
		return fmt.Errorf("stale: %v must be > 0", c.Stale)
	}
	for _, d := range c.Durations {
		if d < 1 || d > (c.Days+1)*24 {
			return fmt.Errorf("durations_h: %d must be 1–%d (the days kept)", d, (c.Days+1)*24)
		}
	}
	return nil
}

// Status is one point's evaluation.
type Status struct {
	Point string `json:"point"`
	Zone  string `json:"zone,omitempty"`
	Level Level  `json:"level"`
	// NoData: no live gauge within the radius; the measures are zero.
	NoData bool `json:"no_data,omitempty"`
	// Gauges is the number of gauges interpolated.
	Gauges int `json:"gauges"`
	// Effective = Day0 + Antecedent, mm.
	Effective  float64 `json:"effective_mm"`
	Day0       float64 `json:"day0_mm"`
	Antecedent float64 `json:"antecedent_mm"`
	// Ratio is the largest I/I_threshold, at Duration hours with mean
	// intensity Intensity (mm/h).
	Ratio          float64 `json:"id_ratio"`
	Duration       int     `json:"id_duration_h"`
	Intensity      float64 `json:"intensity_mm_h"`
	EffectiveLevel Level   `json:"effective_level"`
	RatioLevel     Level   `json:"id_level"`
}

// neighbour is a gauge's weight at a point.
type neighbour struct {
	gauge int
	w     float64
}

// gaugeState holds a gauge's hourly rain in a ring.
type gaugeState struct {
	bins     []float64 // ring of hourly totals, indexed by hour mod len
	newest   int64     // hour index (Unix hours) of the newest bin
	lastSeen time.Time
	seen     bool
	live     bool
	feat     []float64 // window sums (per duration), then daily sums
	points   []int     // points that use this gauge
}

// Evaluator keeps gauge state and point statuses, updated by Add as
// readings arrive. It is not safe for concurrent use.
type Evaluator struct {
	cfg     Config
	gauges  []gaugeState
	gaugeID map[string]int
	points  []Point
	params  []*Params
	nbrs    [][]neighbour
	status  []Status
	now     time.Time
	hour    int64 // Unix hour of now
	hours   int   // ring length
	nfeat   int
	dirty   []bool
	// Dropped counts readings refused: unknown gauge, bad value, too old.
	Dropped int
}

// NewEvaluator prepares the interpolation weights of every point.
func NewEvaluator(cfg Config, gauges []Gauge, points []Point) (*Evaluator, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	e := &Evaluator{cfg: cfg, gaugeID: make(map[string]int, len(gauges)), points: slices.Clone(points),
		hours: (cfg.Days + 1) * 24}
	e.cfg.Durations = slices.Clone(cfg.Durations)
	e.nfeat = len(cfg.Durations) + cfg.Days + 1
	e.gauges = make([]gaugeState, len(gauges))
	for i, g := range gauges {
		if _, dup := e.gaugeID[g.ID]; dup {
			return nil, fmt.Errorf("gauge %q is repeated", g.ID)
		}
		if !validLonLat(g.Lon, g.Lat) {
			return nil, fmt.Errorf("gauge %q: position %v, %v is not a lon/lat", g.ID, g.Lon, g.Lat)
		}
		e.gaugeID[g.ID] = i
		e.gauges[i] = gaugeState{bins: make([]float64, e.hours), feat: make([]float64, e.nfeat)}
	}
	e.params = make([]*Params, len(points))
	e.nbrs = make([][]neighbour, len(points))
	e.status = make([]Status, len(points))
	e.dirty = make([]bool, len(gauges))
	for i, p := range points {
		if !validLonLat(p.Lon, p.Lat) {
			return nil, fmt.Errorf("point %q: position %v, %v is not a lon/lat", p.ID, p.Lon, p.Lat)
		}
		e.params[i] = &e.cfg.Default
		if zp, ok := e.cfg.Zones[p.Zone]; ok && p.Zone != "" {
			zp := zp
			e.params[i] = &zp
		}
		e.nbrs[i] = nearest(cfg, gauges, p)
		for _, n := range e.nbrs[i] {
			e.gauges[n.gauge].points = append(e.gauges[n.gauge].points, i)
		}
		e.status[i] = Status{Point: p.ID, Zone: p.Zone, NoData: true}
	}
	return e, nil
}

// nearest returns the inverse-distance weights (not normalised) of the
// nearest gauges within the radius; a gauge closer than a metre takes all
// the weight.
func nearest(cfg Config, gauges []Gauge, p Point) []neighbour {
	type cand struct {
		i int
		d float64
	}
	var cs []cand
	for i, g := range gauges {
		if d := DistanceKm(p.Lon, p.Lat, g.Lon, g.Lat); d <= cfg.RadiusKm {
			cs = append(cs, cand{i, d})
		}
	}
	sort.Slice(cs, func(a, b int) bool {
		if cs[a].d != cs[b].d {
			return cs[a].d < cs[b].d
		}
		return cs[a].i < cs[b].i
	})
	if len(cs) > cfg.Neighbours {
		cs = cs[:cfg.Neighbours]
	}
	out := make([]neighbour, len(cs))
	for k, c := range cs {
		if c.d < 1e-3 {
			return []neighbour{{c.i, 1}}
		}
		out[k] = neighbour{c.i, math.Pow(c.d, -cfg.Power)}
	}
	return out
}

// DistanceKm is the great-circle distance (haversine, R = 6371.0088 km;
// geo.DistanceKm).
func DistanceKm(lon1, lat1, lon2, lat2 float64) float64 {
	return geo.DistanceKm(lon1, lat1, lon2, lat2)
}

func validLonLat(lon, lat float64) bool {
	return finite(lon) && finite(lat) && lon >= -180 && lon <= 180 && lat >= -90 && lat <= 90
}

func unixHour(t time.Time) int64 {
	s := t.Unix()
	if s < 0 && s%3600 != 0 {
		return s/3600 - 1
	}
	return s / 3600
}

// Add records a batch of readings and advances the evaluation time to the
// latest reading (never backwards), then re-evaluates the points whose
// gauges changed (all points when the hour moved on). It returns the
// statuses whose level changed.
func (e *Evaluator) Add(batch []Reading) []Status {
	latest := e.now
	for _, r := range batch {
		gi, ok := e.gaugeID[r.Gauge]
		if !ok || !finite(r.MM) || r.MM < 0 || r.T.IsZero() {
			e.Dropped++
			continue
		}
		if !e.record(gi, r) {
			e.Dropped++
			continue
		}
		if r.T.After(latest) {
			latest = r.T
		}
	}
	return e.advance(latest)
}

// AdvanceTo moves the evaluation time on without readings (a silent hour
// still moves the windows and makes gauges stale).
func (e *Evaluator) AdvanceTo(now time.Time) []Status {
	if now.Before(e.now) {
		return nil
	}
	return e.advance(now)
}

// record adds a reading to its gauge's ring; false if it is older than the
// ring holds.
func (e *Evaluator) record(gi int, r Reading) bool {
	g := &e.gauges[gi]
	h := unixHour(r.T)
	n := int64(e.hours)
	switch {
	case !g.seen:
		g.newest, g.seen = h, true
	case h > g.newest:
		for x := g.newest + 1; x <= h && x <= g.newest+n; x++ {
			g.bins[mod(x, n)] = 0
		}
		if h-g.newest > n {
			clear(g.bins)
		}
		g.newest = h
	case h <= g.newest-n:
		return false
	}
	g.bins[mod(h, n)] += r.MM
	if r.T.After(g.lastSeen) {
		g.lastSeen = r.T
	}
	e.dirty[gi] = true
	return true
}

func mod(a, n int64) int {
	m := a % n
	if m < 0 {
		m += n
	}
	return int(m)
}

// advance sets the evaluation time and re-evaluates what changed.
func (e *Evaluator) advance(now time.Time) []Status {
	h := unixHour(now)
	all := h != e.hour || e.now.IsZero()
	e.now, e.hour = now, h
	for gi := range e.gauges {
		g := &e.gauges[gi]
		live := g.seen && now.Sub(g.lastSeen) <= e.cfg.Stale
		if live != g.live {
			g.live = live
			e.dirty[gi] = true
		}
		if all || e.dirty[gi] {
			e.features(gi)
		}
	}
	var changed []Status
	eval := func(pi int) {
		before := e.status[pi].Level
		e.status[pi] = e.evaluate(pi)
		if e.status[pi].Level != before {
			changed = append(changed, e.status[pi])
		}
	}
	if all {
		for pi := range e.points {
			eval(pi)
		}
	} else {
		seen := map[int]bool{}
		for gi := range e.gauges {
			if !e.dirty[gi] {
				continue
			}
			for _, pi := range e.gauges[gi].points {
				if !seen[pi] {
					seen[pi] = true
					eval(pi)
				}
			}
		}
	}
	clear(e.dirty)
	return changed
}

// features computes a gauge's window sums and daily sums ending at the
// evaluation hour; hours after the gauge's newest bin hold no rain.
func (e *Evaluator) features(gi int) {
	g := &e.gauges[gi]
	clear(g.feat)
	if !g.seen {
		return
	}
	n := int64(e.hours)
	nd := len(e.cfg.Durations)
	// Walk back hour by hour, adding to each window and day it belongs to.
	maxD := e.hours
	for back := 0; back < maxD; back++ {
		x := e.hour - int64(back)
		if x > g.newest || x <= g.newest-n {
			continue
		}
		v := g.bins[mod(x, n)]
		if v == 0 {
			continue
		}
		for k, d := range e.cfg.Durations {
			if back < d {
				g.feat[k] += v
			}
		}
		g.feat[nd+back/24] += v
	}
}

// evaluate interpolates the live neighbours' features at point pi.
func (e *Evaluator) evaluate(pi int) Status {
	st := Status{Point: e.points[pi].ID, Zone: e.points[pi].Zone}
	var sumW float64
	f := make([]float64, e.nfeat)
	for _, nb := range e.nbrs[pi] {
		g := &e.gauges[nb.gauge]
		if !g.live {
			continue
		}
		sumW += nb.w
		st.Gauges++
		for k, v := range g.feat {
			f[k] += nb.w * v
		}
	}
	if st.Gauges == 0 {
		st.NoData = true
		return st
	}
	for k := range f {
		f[k] /= sumW
	}
	return e.assess(st, f, e.params[pi])
}

// assess turns interpolated features into the measures and levels.
func (e *Evaluator) assess(st Status, f []float64, p *Params) Status {
	nd := len(e.cfg.Durations)
	daily := f[nd:]
	st.Day0 = daily[0]
	st.Antecedent = Antecedent(daily, p.K)
	st.Effective = st.Day0 + st.Antecedent
	for k, d := range e.cfg.Durations {
		i := f[k] / float64(d)
		r := i / p.Threshold.Intensity(float64(d))
		if r > st.Ratio {
			st.Ratio, st.Duration, st.Intensity = r, d, i
		}
	}
	st.EffectiveLevel = p.Effective.Level(st.Effective)
	st.RatioLevel = p.Ratio.Level(st.Ratio)
	st.Level = st.EffectiveLevel
	if st.RatioLevel.Rank() > st.Level.Rank() {
		st.Level = st.RatioLevel
	}
	return st
}

// Statuses returns every point's current status, in point order.
func (e *Evaluator) Statuses() []Status { return slices.Clone(e.status) }

// Now is the evaluation time.
func (e *Evaluator) Now() time.Time { return e.now }
