package landslide

import (
	"sync"
	"time"
)

// Totals turns the running totals that rain gauges report (the rain of the
// meteorological day so far, reset once a day) into interval amounts: the
// rise since the gauge's previous total, or the whole total when it fell
// (the day was reset). The first total seen of a gauge is only a baseline:
// how much of it fell in the last hours is unknown, so it adds nothing.
type Totals struct {
	last map[string]gaugeTotal
}

type gaugeTotal struct {
	t time.Time
	v float64
}

// Increment returns the rain (mm) a gauge measured since its previous
// total; ok is false for a baseline, a repeated or out-of-order reading,
// or a value that is not a finite amount ≥ 0.
func (t *Totals) Increment(gauge string, ts time.Time, total float64) (mm float64, ok bool) {
	if !finite(total) || total < 0 {
		return 0, false
	}
	if t.last == nil {
		t.last = map[string]gaugeTotal{}
	}
	prev, seen := t.last[gauge]
	if seen && !ts.After(prev.t) {
		return 0, false
	}
	t.last[gauge] = gaugeTotal{ts, total}
	switch {
	case !seen:
		return 0, false
	case total >= prev.v:
		return total - prev.v, true
	default: // reset at the start of the day
		return total, true
	}
}

// Live is an evaluator fed as readings arrive, safe for concurrent use. It
// keeps the interval amounts of the evaluator's window so that it can be
// rebuilt, history included, when the gauges or points change.
type Live struct {
	mu      sync.Mutex
	cfg     Config
	eval    *Evaluator
	gauges  []Gauge
	points  []Point
	totals  Totals
	history []Reading
	// Updated is the time of the latest evaluation.
	updated time.Time
}

// NewLive starts an evaluator with no readings.
func NewLive(cfg Config, gauges []Gauge, points []Point) (*Live, error) {
	e, err := NewEvaluator(cfg, gauges, points)
	if err != nil {
		return nil, err
	}
	return &Live{cfg: cfg, eval: e, gauges: gauges, points: points}, nil
}

// Rebuild replaces the gauges and points and replays the kept readings.
func (l *Live) Rebuild(gauges []Gauge, points []Point) error {
	e, err := NewEvaluator(l.cfg, gauges, points)
	if err != nil {
		return err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	e.Add(l.history)
	if !l.eval.Now().IsZero() {
		e.AdvanceTo(l.eval.Now())
	}
	l.eval, l.gauges, l.points = e, gauges, points
	return nil
}

// Total is one running-total reading of a gauge.
type Total struct {
	Gauge string
	T     time.Time
	Value float64
}

// Observe feeds running totals and returns the points whose level changed.
func (l *Live) Observe(totals []Total) []Status {
	l.mu.Lock()
	defer l.mu.Unlock()
	var batch []Reading
	for _, x := range totals {
		if _, known := l.eval.gaugeID[x.Gauge]; !known {
			continue // another sensor in mm (displacement, settlement)
		}
		if mm, ok := l.totals.Increment(x.Gauge, x.T, x.Value); ok {
			batch = append(batch, Reading{x.Gauge, x.T.UTC(), mm})
		}
	}
	return l.add(batch)
}

// Add feeds interval amounts (readings already in mm per interval, such as
// a partner's feed) and returns the points whose level changed. Readings of
// gauges the evaluator does not know are counted as dropped.
func (l *Live) Add(readings []Reading) []Status {
	l.mu.Lock()
	defer l.mu.Unlock()
	var batch []Reading
	for _, r := range readings {
		if _, known := l.eval.gaugeID[r.Gauge]; known {
			batch = append(batch, r)
		} else {
			l.eval.Dropped++
		}
	}
	return l.add(batch)
}

// Tick moves the evaluation time on (silent gauges go stale, windows move).
func (l *Live) Tick(now time.Time) []Status {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.updated = now
	return l.eval.AdvanceTo(now)
}

// add evaluates a batch of known gauges' readings and keeps it for
// Rebuild; l.mu is held.
func (l *Live) add(batch []Reading) []Status {
	if len(batch) == 0 {
		return nil
	}
	changed := l.eval.Add(batch)
	l.history = append(l.history, batch...)
	l.prune()
	l.updated = l.eval.Now()
	return changed
}

// prune drops kept readings older than the evaluator's window.
func (l *Live) prune() {
	cut := l.eval.Now().Add(-time.Duration((l.cfg.Days+1)*24+1) * time.Hour)
	i := 0
	for i < len(l.history) && l.history[i].T.Before(cut) {
		i++
	}
	if i > 0 && i > len(l.history)/4 {
		l.history = append(l.history[:0], l.history[i:]...)
	}
}

// Snapshot returns the points, their statuses and the evaluation time.
func (l *Live) Snapshot() ([]Point, []Status, time.Time, int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.points, l.eval.Statuses(), l.updated, len(l.gauges)
}
