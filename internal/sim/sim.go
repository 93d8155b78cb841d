// Package sim generates realistic sensor readings for monitoring points, for
// the `yingji sim` command and for demonstrations: a base value inside each
// point's normal band (worked out from its alarm rules), daily cycles, noise
// and slow drift, rain events that fill rain gauges, raise pond water levels,
// lift the phreatic line and speed up displacement, sensors dropping offline,
// and injected anomalies that cross alarm thresholds.
//
// The package does no I/O and never reads the wall clock: every value is a
// function of the seed, the start time, the point and the time asked for, so
// a run can be replayed exactly, and points can be added while it runs
// without changing the values of the others.
package sim

import (
	"cmp"
	"errors"
	"fmt"
	"github.com/yingji/yingji/internal/core"
	"math"
	"slices"
	"sync"
	"time"
)

// Levels are the alarm levels, least severe first, as the platform names them.
var Levels = []string{"blue", "yellow", "orange", "red"}

// levelIndex returns the position of a level in Levels, or -1.
func levelIndex(name string) int { return slices.Index(Levels, name) }

// Rule is what the generator needs of one of a point's alarm rules.
type Rule struct {
	Name string
	// Type is "threshold", "rate" or "stale"; only threshold rules shape
	// the normal band and are targets of anomalies.
	Type string
	// Direction is "high" (alarm above the thresholds) or "low".
	Direction string
	// Thresholds maps level names (Levels) to values in the point's unit.
	Thresholds map[string]float64
	Deadband   float64
	// For is how long a level must hold before the alarm fires.
	For    time.Duration
	Window time.Duration
}

// Point is a monitoring point to simulate.
type Point struct {
	Code string
	Kind string
	Unit string
	// Owner is the registry record the point belongs to; one simulated
	// device reports for all points of an owner.
	Owner int64
	// Region is the weather cell, e.g. the county's division code: points
	// of a region get the same rain.
	Region string
	// Interval is the point's reporting period; the length of an outage is
	// a few of them.
	Interval time.Duration
	// RangeMin and RangeMax bound what the sensor can measure; NaN for no
	// bound. Values never leave the range.
	RangeMin, RangeMax float64
	Rules              []Rule
}

// Reading is one value of a point, as the platform's payload names it.
type Reading struct {
	Point string  `json:"point"`
	Value float64 `json:"value"`
	Unit  string  `json:"unit"`
}

// Message is a device's batch of readings in the platform's payload format:
// {"ts":<Unix ms>,"readings":[…]}.
type Message struct {
	TS       int64     `json:"ts"`
	Readings []Reading `json:"readings"`
}

// Config sets up a Generator.
type Config struct {
	Seed int64
	// Start is the beginning of the run; the opening anomalies are timed
	// from it. Required.
	Start time.Time
	// Location is the local time of daily cycles and of the rain day
	// (08:00 to 08:00); nil means China Standard Time (UTC+8).
	Location *time.Location
	// PerLevel is how many points are driven to each level at the start
	// of the run; 0 means 2, a negative value none.
	PerLevel int
	// AnomalyEvery is the mean time between later anomalies of one point;
	// 0 means 12 hours, a negative value none.
	AnomalyEvery time.Duration
	// OfflineEvery is the mean time between outages of one sensor; 0 means
	// 12 hours, a negative value none.
	OfflineEvery time.Duration
}

func (c Config) withDefaults() Config {
	if c.Location == nil {
		c.Location = core.Beijing
	}
	if c.PerLevel == 0 {
		c.PerLevel = 2
	}
	if c.AnomalyEvery == 0 {
		c.AnomalyEvery = 12 * time.Hour
	}
	if c.OfflineEvery == 0 {
		c.OfflineEvery = 12 * time.Hour
	}
	return c
}

// Generator produces readings. It is safe for concurrent use.
type Generator struct {
	cfg     Config
	seed    uint64
	startMS int64

	mu      sync.Mutex
	models  map[string]*model
	cells   map[string]*cell
	opening []Anomaly
}

// New returns a generator for the points. The opening anomalies (PerLevel
// points at each level within the first seconds) are chosen among these
// points, by the seed; points added later get only the later anomalies.
func New(cfg Config, points []Point) (*Generator, error) {
	if cfg.Start.IsZero() {
		return nil, errors.New("sim: Config.Start is required")
	}
	cfg = cfg.withDefaults()
	g := &Generator{cfg: cfg, seed: uint64(cfg.Seed), startMS: cfg.Start.UnixMilli(),
		models: map[string]*model{}, cells: map[string]*cell{}}
	for _, p := range points {
		if err := g.Add(p); err != nil {
			return nil, err
		}
	}
	g.planOpening(points)
	return g, nil
}

// Build makes a generator for points whose rules are slow to learn (one
// request each). It puts the codes in the seed's order (Priority) and has
// fetch return the points of a batch of them at a time, until the points
// fetched cover every level with opening anomalies or all are fetched. The
// run starts at now() once the last batch is in. It returns the codes not
// fetched, whose points the caller adds with Add as it learns them.
func Build(cfg Config, codes []string, batch int, now func() time.Time, fetch func([]string) ([]Point, error)) (*Generator, []string, error) {
	order := Priority(cfg.Seed, codes)
	var points []Point
	for n := 0; ; {
		next := order[n:min(n+max(batch, 1), len(order))]
		got, err := fetch(next)
		if err != nil {
			return nil, nil, err
		}
		points, n = append(points, got...), n+len(next)
		cfg.Start = now()
		g, err := New(cfg, points)
		if err != nil || n == len(order) || len(g.Uncovered()) == 0 {
			return g, order[n:], err
		}
	}
}

// Add adds a point. Its values do not depend on when it was added.
func (g *Generator) Add(p Point) error {
	if p.Code == "" {
		return errors.New("sim: a point needs a code")
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if _, ok := g.models[p.Code]; ok {
		return fmt.Errorf("sim: point %s added twice", p.Code)
	}
	c, ok := g.cells[p.Region]
	if !ok {
		c = newCell(g.seed, p.Region, g.startMS)
		g.cells[p.Region] = c
	}
	g.models[p.Code] = newModel(g, p, c)
	return nil
}

// Len is the number of points.
func (g *Generator) Len() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.models)
}

// Value returns the value of a point at now, and false when the point is
// unknown or its sensor is offline.
func (g *Generator) Value(code string, now time.Time) (float64, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	m, ok := g.models[code]
	if !ok {
		return 0, false
	}
	return m.value(now.UnixMilli())
}

// Next returns the readings of the given points at now, leaving out points
// that are unknown or offline.
func (g *Generator) Next(now time.Time, codes []string) []Reading {
	g.mu.Lock()
	defer g.mu.Unlock()
	ms := now.UnixMilli()
	out := make([]Reading, 0, len(codes))
	for _, code := range codes {
		m, ok := g.models[code]
		if !ok {
			continue
		}
		if v, ok := m.value(ms); ok {
			out = append(out, Reading{Point: code, Value: v, Unit: m.p.Unit})
		}
	}
	return out
}

// Opening returns the anomalies of the start of the run, in start order.
func (g *Generator) Opening() []Anomaly {
	return slices.Clone(g.opening)
}

// Uncovered returns the levels no opening anomaly reaches: no point of
// New's could be driven there (no threshold at that level, or no room for
// it within the sensor's range).
func (g *Generator) Uncovered() []string {
	if g.cfg.PerLevel < 0 {
		return nil
	}
	var out []string
	for _, l := range Levels {
		if !slices.ContainsFunc(g.opening, func(a Anomaly) bool { return a.Level == l }) {
			out = append(out, l)
		}
	}
	return out
}

// Anomalies returns a point's anomalies that start before until.
func (g *Generator) Anomalies(code string, until time.Time) []Anomaly {
	g.mu.Lock()
	defer g.mu.Unlock()
	m, ok := g.models[code]
	if !ok {
		return nil
	}
	ms := until.UnixMilli()
	m.anomalyAt(ms)
	var out []Anomaly
	for _, a := range m.anoms {
		if a.Start.UnixMilli() < ms {
			out = append(out, a)
		}
	}
	return out
}

// Priority returns the codes in the order the seed prefers them as targets
// of the opening anomalies. A caller that learns points' rules slowly can
// fetch them in this order and hand New the first ones.
func Priority(seed int64, codes []string) []string {
	out := slices.Clone(codes)
	slices.SortFunc(out, func(a, b string) int {
		ha, hb := hashKey(uint64(seed), "opening/"+a), hashKey(uint64(seed), "opening/"+b)
		switch {
		case ha < hb:
			return -1
		case ha > hb:
			return 1
		}
		return cmp.Compare(a, b)
	})
	return out
}

// finite reports whether v is a bound (not NaN or infinite).
func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
