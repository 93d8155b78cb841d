// Package incident is incident command: intake of reported events, their
// legal grading, the reporting deadlines that start with them, emergency
// plans and response levels, tasks, resource dispatch orders, situation
// reports (续报), closure and review. It holds the rules; the store keeps the
// records and the API exposes them.
package incident

import (
	"fmt"
	"math"
)

// Level is the severity of an event: 1 特别重大 (I) … 4 一般 (IV). Zero means
// not graded.
type Level int

// Levels, most severe first.
const (
	Ungraded     Level = 0
	Particularly Level = 1 // 特别重大 (I)
	Major        Level = 2 // 重大 (II)
	Large        Level = 3 // 较大 (III)
	Ordinary     Level = 4 // 一般 (IV)
)

var levelNames = [...]string{"", "特别重大", "重大", "较大", "一般"}
var levelNamesEn = [...]string{"", "particularly serious", "serious", "relatively serious", "ordinary"}
var levelRoman = [...]string{"", "Ⅰ", "Ⅱ", "Ⅲ", "Ⅳ"}

// Valid reports whether l is one of the four grades.
func (l Level) Valid() bool { return l >= Particularly && l <= Ordinary }

// Name is the grade's Chinese name, "" when ungraded.
func (l Level) Name() string {
	if !l.Valid() {
		return ""
	}
	return levelNames[l]
}

// NameEn is the grade's English name.
func (l Level) NameEn() string {
	if !l.Valid() {
		return ""
	}
	return levelNamesEn[l]
}

// Roman is Ⅰ … Ⅳ.
func (l Level) Roman() string {
	if !l.Valid() {
		return ""
	}
	return levelRoman[l]
}

// Metric names a figure grading criteria compare against.
const (
	MDeaths          = "deaths"
	MDeathsMissing   = "deaths_missing" // deaths and missing together
	MSeriousInjuries = "serious_injuries"
	MTrapped         = "trapped"
	MLoss            = "direct_loss_cny"
)

// Figures are what an event has caused, as far as known.
type Figures struct {
	Deaths          int     `json:"deaths"`
	Missing         int     `json:"missing"`
	SeriousInjuries int     `json:"serious_injuries"`
	Trapped         int     `json:"trapped"`
	LossCNY         float64 `json:"direct_loss_cny"`
	// Extra holds type-specific figures a plan grades by, such as
	// "forest_area_ha" (burned forest) or "magnitude".
	Extra map[string]float64 `json:"extra,omitempty"`
}

// Value returns the figure a metric names and whether it is known.
func (f Figures) Value(metric string) (float64, bool) {
	switch metric {
	case MDeaths:
		return float64(f.Deaths), true
	case MDeathsMissing:
		return float64(f.Deaths + f.Missing), true
	case MSeriousInjuries:
		return float64(f.SeriousInjuries), true
	case MTrapped:
		return float64(f.Trapped), true
	case MLoss:
		return f.LossCNY, true
	}
	v, ok := f.Extra[metric]
	return v, ok
}

// Check reports the first figure that cannot be right.
func (f Figures) Check() (field, msg string) {
	for _, c := range []struct {
		name string
		v    int
	}{{"deaths", f.Deaths}, {"missing", f.Missing}, {"serious_injuries", f.SeriousInjuries}, {"trapped", f.Trapped}} {
		if c.v < 0 {
			return c.name, "cannot be negative"
		}
		if c.v > 10_000_000 {
			return c.name, "is implausibly large"
		}
	}
	if math.IsNaN(f.LossCNY) || math.IsInf(f.LossCNY, 0) || f.LossCNY < 0 {
		return "direct_loss_cny", "must be a non-negative amount in CNY"
	}
	for k, v := range f.Extra {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return "extra." + k, "must be a finite number"
		}
	}
	return "", ""
}

// Band is the lower bounds of one grade: the grade applies when any figure
// reaches its bound ("以上" includes the bound).
type Band map[string]float64

// Criteria grade an event: Bands[0] is 特别重大, Bands[1] 重大, Bands[2]
// 较大; an event meeting none is 一般. The highest grade met by any one
// criterion applies.
type Criteria struct {
	Basis string `json:"basis"`
	// Verified is false for criteria taken from secondary sources; the UI
	// says so.
	Verified bool    `json:"verified"`
	Bands    [3]Band `json:"bands"`
}

// Validate checks that the bands do not cross: a bound of a more severe
// grade must not be below the same bound of a less severe one.
func (c Criteria) Validate() error {
	for i := 0; i < 2; i++ {
		for m, hi := range c.Bands[i] {
			if hi < 0 || math.IsNaN(hi) || math.IsInf(hi, 0) {
				return fmt.Errorf("%s bound of %s must be a non-negative number", m, Level(i+1).Name())
			}
			if lo, ok := c.Bands[i+1][m]; ok && lo > hi {
				return fmt.Errorf("%s: the %s bound %g is above the %s bound %g", m, Level(i+2).Name(), lo, Level(i+1).Name(), hi)
			}
		}
	}
	for m, v := range c.Bands[2] {
		if v < 0 || math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("%s bound of %s must be a non-negative number", m, Level(3).Name())
		}
	}
	return nil
}

// Grading is the result of grading one event.
type Grading struct {
	Level   Level  `json:"level"`
	Grade   string `json:"grade"`
	Roman   string `json:"roman"`
	GradeEn string `json:"grade_en"`
	// Criterion is the figure that decided the grade ("" for 一般 met by
	// nothing), with its value and the bound it reached.
	Criterion string  `json:"criterion,omitempty"`
	Value     float64 `json:"value,omitempty"`
	Bound     float64 `json:"bound,omitempty"`
	Basis     string  `json:"basis"`
	Verified  bool    `json:"verified"`
}

// Grade grades f: the highest grade whose band any one figure reaches.
func (c Criteria) Grade(f Figures) Grading {
	g := Grading{Level: Ordinary, Basis: c.Basis, Verified: c.Verified}
	for i := 0; i < 3; i++ {
		if m, v, bound, ok := reaches(c.Bands[i], f); ok {
			g.Level, g.Criterion, g.Value, g.Bound = Level(i+1), m, v, bound
			break
		}
	}
	g.Grade, g.Roman, g.GradeEn = g.Level.Name(), g.Level.Roman(), g.Level.NameEn()
	return g
}

// reaches returns the criterion of b that f reaches, the first in a fixed
// order so that the answer does not depend on map iteration.
func reaches(b Band, f Figures) (string, float64, float64, bool) {
	for _, m := range sortedMetrics(b) {
		v, ok := f.Value(m)
		if ok && v >= b[m] {
			return m, v, b[m], true
		}
	}
	return "", 0, 0, false
}

var metricOrder = map[string]int{MDeaths: 1, MDeathsMissing: 2, MSeriousInjuries: 3, MTrapped: 4, MLoss: 5}

func sortedMetrics(b Band) []string {
	out := make([]string, 0, len(b))
	for m := range b {
		out = append(out, m)
	}
	// insertion sort: bands hold a handful of metrics.
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && metricLess(out[j], out[j-1]); j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

func metricLess(a, b string) bool {
	ra, rb := metricOrder[a], metricOrder[b]
	if ra == 0 {
		ra = 100
	}
	if rb == 0 {
		rb = 100
	}
	if ra != rb {
		return ra < rb
	}
	return a < b
}

// Decree493 grades production-safety accidents: State Council Decree 493
// (生产安全事故报告和调查处理条例, 2007) art. 3. 特别重大: 30 or more deaths,
// 100 or more serious injuries (acute industrial poisoning included) or 100
// million CNY direct loss; 重大: 10–29, 50–99, 50–100 million; 较大: 3–9,
// 10–49, 10–50 million; 一般: below. "以上" includes the bound, "以下"
// excludes it.
var Decree493 = Criteria{
	Basis:    "《生产安全事故报告和调查处理条例》（国务院令第493号）第三条",
	Verified: true,
	Bands: [3]Band{
		{MDeaths: 30, MSeriousInjuries: 100, MLoss: 100_000_000},
		{MDeaths: 10, MSeriousInjuries: 50, MLoss: 50_000_000},
		{MDeaths: 3, MSeriousInjuries: 10, MLoss: 10_000_000},
	},
}
