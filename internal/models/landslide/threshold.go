// Package landslide warns of rainfall-induced geological hazards
// (landslides, rockfalls, debris flows) at registered hazard points from
// rain-gauge readings.
//
// Two rainfall measures are compared with thresholds at every point:
//
//   - Effective rainfall (有效降雨量): the rain of the last 24 hours plus
//     an antecedent index in which each earlier day counts less by a decay
//     coefficient K per day, Re = R0 + Σ_{i=1..n} Kⁱ·Rᵢ. This is the
//     "antecedent daily rainfall model" of Crozier & Eyles (1980) as written
//     by Glade, Crozier & Smith (2000), "Applying probability determination
//     to refine landslide-triggering rainfall thresholds using an empirical
//     Antecedent Daily Rainfall Model", Pure Appl. Geophys. 157:1059–1079,
//     where the antecedent index is ra0 = k·r1 + k²·r2 + … + kⁿ·rn. Chinese
//     geological-hazard meteorological warning uses the same form
//     (前期有效降雨量) with K commonly 0.8 and n of 10 to 20 days [check];
//     K is a parameter and should be calibrated per region from the recession
//     of storm hydrographs, as Glade et al. do.
//   - Rainfall intensity–duration (I–D) thresholds I = α·D^(−β) (I in
//     mm/h, D in h): the mean intensity of the last D hours, for each of a
//     set of durations, is divided by the threshold intensity for D and the
//     largest ratio is the point's exceedance. Built in are Caine (1980)
//     "The rainfall intensity–duration control of shallow landslides and
//     debris flows", Geografiska Annaler 62A:23–27, I = 14.82·D^−0.39
//     (10 min < D < 10 days), and Guzzetti et al. (2008) "The rainfall
//     intensity–duration control of shallow landslides and debris flows: an
//     update", Landslides 5:3–17, global I = 2.20·D^−0.44 (0.1 < D < 1000 h).
//     A regional threshold is data (Threshold{Alpha, Beta}).
//
// Rain at a hazard point is interpolated from the gauges by inverse distance
// weighting (Shepard 1968) over the nearest gauges within a radius. Each
// measure maps to a warning level by configurable breakpoints; the point's
// level is the higher of the two. Zones (any grouping of points, such as a
// county or a geological unit) may carry their own K, threshold and
// breakpoints.
package landslide

import (
	"fmt"
	"math"
)

// Threshold is a power-law rainfall intensity–duration threshold
// I = Alpha·D^(−Beta), with I in mm/h and D in hours, valid for durations
// MinHours to MaxHours.
type Threshold struct {
	Name     string  `json:"name"`
	Alpha    float64 `json:"alpha"`
	Beta     float64 `json:"beta"`
	MinHours float64 `json:"min_hours"`
	MaxHours float64 `json:"max_hours"`
	Source   string  `json:"source,omitempty"`
}

// Published thresholds.
var (
	Caine1980 = Threshold{Name: "caine1980", Alpha: 14.82, Beta: 0.39, MinHours: 10.0 / 60, MaxHours: 240,
		Source: "Caine (1980), Geografiska Annaler 62A:23–27, global"}
	Guzzetti2008 = Threshold{Name: "guzzetti2008", Alpha: 2.20, Beta: 0.44, MinHours: 0.1, MaxHours: 1000,
		Source: "Guzzetti et al. (2008), Landslides 5:3–17, global"}
)

// LookupThreshold returns a built-in threshold by name.
func LookupThreshold(name string) (Threshold, bool) {
	switch name {
	case Caine1980.Name:
		return Caine1980, true
	case Guzzetti2008.Name:
		return Guzzetti2008, true
	}
	return Threshold{}, false
}

// Validate reports a threshold that cannot be evaluated.
func (t Threshold) Validate() error {
	switch {
	case !finite(t.Alpha) || t.Alpha <= 0:
		return fmt.Errorf("threshold alpha: %v must be > 0", t.Alpha)
	case !finite(t.Beta) || t.Beta < 0:
		return fmt.Errorf("threshold beta: %v must be ≥ 0", t.Beta)
	case !finite(t.MinHours) || !finite(t.MaxHours) || t.MinHours < 0 || t.MaxHours <= t.MinHours:
		return fmt.Errorf("threshold validity %v–%v h: want 0 ≤ min < max", t.MinHours, t.MaxHours)
	}
	return nil
}

// Intensity is the threshold intensity (mm/h) for a duration of d hours.
func (t Threshold) Intensity(d float64) float64 {
	return t.Alpha * math.Pow(d, -t.Beta)
}

// Antecedent is the antecedent rainfall index Σ_{i=1..n} Kⁱ·Rᵢ of
// daily[1:], where daily[i] is the rain of the i-th 24 hours before the
// last 24 (daily[0]).
func Antecedent(daily []float64, k float64) float64 {
	var sum, f float64 = 0, 1
	for i := 1; i < len(daily); i++ {
		f *= k
		sum += f * daily[i]
	}
	return sum
}

// Effective is the effective rainfall daily[0] + Antecedent(daily, k).
func Effective(daily []float64, k float64) float64 {
	if len(daily) == 0 {
		return 0
	}
	return daily[0] + Antecedent(daily, k)
}

// Level is a warning level, blue < yellow < orange < red, or None.
type Level string

// Levels in increasing order of danger.
const (
	None   Level = ""
	Blue   Level = "blue"
	Yellow Level = "yellow"
	Orange Level = "orange"
	Red    Level = "red"
)

var levelOrder = [...]Level{Blue, Yellow, Orange, Red}

// Rank orders levels: 0 for None … 4 for Red.
func (l Level) Rank() int {
	for i, x := range levelOrder {
		if l == x {
			return i + 1
		}
	}
	return 0
}

// Breakpoints are the values at which each level begins.
type Breakpoints struct {
	Blue   float64 `json:"blue"`
	Yellow float64 `json:"yellow"`
	Orange float64 `json:"orange"`
	Red    float64 `json:"red"`
}

// Validate reports breakpoints that are not finite, negative or not
// strictly increasing.
func (b Breakpoints) Validate() error {
	v := [...]float64{b.Blue, b.Yellow, b.Orange, b.Red}
	for i, x := range v {
		if !finite(x) || x < 0 {
			return fmt.Errorf("breakpoint %s: %v is not a finite number ≥ 0", levelOrder[i], x)
		}
		if i > 0 && x <= v[i-1] {
			return fmt.Errorf("breakpoint %s (%v) is not above %s (%v)", levelOrder[i], x, levelOrder[i-1], v[i-1])
		}
	}
	return nil
}

// Level is the level of value x; NaN is None.
func (b Breakpoints) Level(x float64) Level {
	l := None
	for i, v := range [...]float64{b.Blue, b.Yellow, b.Orange, b.Red} {
		if x >= v {
			l = levelOrder[i]
		}
	}
	return l
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
