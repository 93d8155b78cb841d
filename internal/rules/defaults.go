package rules

import (
	"fmt"
	"math"
	"time"

	"github.com/yingji/yingji/internal/core"
)

// PointAttrs are the attributes of a monitoring point its default rules
// depend on. JSON names follow the registry's monitoring-point fields;
// control_depth_m and design_red are design values the registry does not
// hold yet.
type PointAttrs struct {
	Kind      string  `json:"kind"`
	Unit      string  `json:"unit"`
	IntervalS int     `json:"interval_s"`
	RangeMax  float64 `json:"range_max"` // the design value of storage points
	Substance string  `json:"substance"`
	// ControlDepth is the phreatic line's control burial depth in m (the
	// GB 50863 minimum at the point's section), from the pond's design.
	ControlDepth float64 `json:"control_depth_m"`
	// DesignRed is the red threshold the designer set for a displacement
	// point (GB 39496-2020 5.5.4 leaves thresholds to the designer).
	DesignRed float64 `json:"design_red"`
}

// FacilityAttrs are the attributes of the point's facility that default
// rules depend on, named as in the registry.
type FacilityAttrs struct {
	Type              string  `json:"facility_type"`
	DamGrade          int     `json:"dam_grade"`
	PondType          string  `json:"pond_type"`
	DesignFreeboard   float64 `json:"design_freeboard_m"`
	DesignBeachLength float64 `json:"design_beach_length_m"`
}

// Defaults returns the default rules of a point: a threshold (or, for
// rainfall, rate) rule from its kind, unit and facility, and a stale rule.
// When an attribute a rule needs is missing or does not fit, the error
// (core EINVALID, naming the attribute) says so and the rules hold what
// could still be built, at least the stale rule when the interval is
// known; the caller keeps those and shows the error. Kinds without a
// standard value get only the stale rule, without error.
func Defaults(pt PointAttrs, fac FacilityAttrs, p Params) ([]Rule, error) {
	var probs core.Problems
	bad := func(field, format string, args ...any) { probs.Add(0, field, format, args...) }
	var rules []Rule
	add := func(r Rule) {
		if err := r.Validate(); err != nil {
			bad("params", "%s rule of a %s point: %v", r.Type, pt.Kind, err)
			return
		}
		rules = append(rules, r)
	}
	needUnit := func(want ...string) bool {
		for _, u := range want {
			if pt.Unit == u {
				return true
			}
		}
		bad("unit", "%q: default %s thresholds are in %v", pt.Unit, pt.Kind, want)
		return false
	}
	switch pt.Kind {
	case "freeboard", "beach_length":
		minimum, design, f := p.MinFreeboard, fac.DesignFreeboard, p.Freeboard
		if pt.Kind == "beach_length" {
			minimum, design, f = p.MinBeachLength, fac.DesignBeachLength, p.BeachLength
		}
		switch {
		case fac.PondType == "dry":
			bad("kind", "a dry pond has no pool, hence no %s to monitor (GB 39496-2020 5.5.2)", pt.Kind)
		case fac.DamGrade < 1 || fac.DamGrade > 5:
			bad("dam_grade", "%d: the facility's dam grade (1 to 5) sets the red threshold", fac.DamGrade)
		case needUnit("m"):
			r := levels(Low, minimum[fac.DamGrade-1], f, p)
			// Below the design value is a major hidden danger, so blue
			// is never under it [check: the level is this package's
			// choice].
			if b, ok := r.Thresholds[Blue]; ok && design > b {
				r.Thresholds[Blue] = design
			}
			add(r)
		}
	case "phreatic_line":
		switch {
		case !(pt.ControlDepth > 0):
			bad("control_depth_m", "the phreatic line's control depth from the design is required")
		case needUnit("m"):
			add(levels(Low, pt.ControlDepth, p.Phreatic, p))
		}
	case "surface_displacement", "internal_displacement", "displacement":
		switch {
		case !(pt.DesignRed > 0):
			bad("design_red", "the designer's red threshold is required for %s", pt.Kind)
		case needUnit("mm", "m"):
			add(levels(High, pt.DesignRed, p.Displacement, p))
		}
	case "rainfall":
		if needUnit("mm") {
			add(Rule{Name: "rate", Type: Rate, Direction: High, Thresholds: copyThresholds(p.Rainfall, 1),
				Deadband: deadband(p.Rainfall, p), For: p.For, Window: p.RainfallWindow})
		}
	case "combustible_gas":
		if needUnit("%LEL") {
			add(absolute(p.CombustibleGas, 1, p))
		}
	case "toxic_gas":
		x, ok := p.Exposures[substanceKey(pt.Substance)]
		switch {
		case !ok:
			bad("substance", "%q: no exposure limit known; add it to the exposures parameter", pt.Substance)
		case pt.Unit == "mg/m3":
			add(absolute(p.ToxicGas, x.MgM3, p))
		case needUnit("ppm", "mg/m3"):
			add(absolute(p.ToxicGas, x.PPM(), p))
		}
	case "pressure", "liquid_level", "temperature":
		design := pt.RangeMax
		if design == 0 && pt.Kind == "liquid_level" && pt.Unit == "%" {
			design = 100
		}
		if design > 0 {
			add(absolute(p.Storage[pt.Kind], design, p))
		} else {
			bad("range_max", "the design value (range_max) is required for %s thresholds", pt.Kind)
		}
	}
	if pt.IntervalS > 0 {
		add(Rule{Name: "stale", Type: Stale, Intervals: p.StaleIntervals, Level: p.StaleLevel})
	} else {
		bad("interval_s", "the reporting interval is required for the offline rule")
	}
	return rules, probs.Err(fmt.Sprintf("rules: defaults for a %s point", pt.Kind))
}

// DefaultConfig returns a point's complete default configuration. Points
// of a tailings pond join the GB 39496 combination with their kind as the
// monitored item, because 5.5.4 counts points of the same kind of item.
func DefaultConfig(pt PointAttrs, fac FacilityAttrs, id FacilityID, p Params) (PointConfig, error) {
	rules, err := Defaults(pt, fac, p)
	cfg := PointConfig{Rules: rules, Interval: time.Duration(pt.IntervalS) * time.Second}
	if fac.Type == "tailings_pond" {
		cfg.Group = Membership{Facility: id, Item: pt.Kind}
	}
	return cfg, err
}

// levels builds a threshold rule from its red threshold and factors.
func levels(dir Direction, red float64, f Factors, p Params) Rule {
	t := Thresholds{Red: round6(red)}
	for l, k := range map[Level]float64{Orange: f.Orange, Yellow: f.Yellow, Blue: f.Blue} {
		if k != 0 {
			t[l] = round6(red * k)
		}
	}
	return Rule{Name: "threshold", Type: Threshold, Direction: dir, Thresholds: t,
		Deadband: round6(math.Abs(red) * p.Deadband), For: p.For}
}

// absolute builds a high threshold rule from thresholds scaled by base.
func absolute(t Thresholds, base float64, p Params) Rule {
	s := copyThresholds(t, base)
	return Rule{Name: "threshold", Type: Threshold, Direction: High, Thresholds: s,
		Deadband: deadband(s, p), For: p.For}
}

func copyThresholds(t Thresholds, base float64) Thresholds {
	s := make(Thresholds, len(t))
	for l, v := range t {
		s[l] = round6(v * base)
	}
	return s
}

// deadband is the Params fraction of the most severe threshold.
func deadband(t Thresholds, p Params) float64 {
	for l := Red; l >= Blue; l-- {
		if v, ok := t[l]; ok {
			return round6(math.Abs(v) * p.Deadband)
		}
	}
	return 0
}

// round6 keeps six significant digits, so that 0.7 × 1.2 is stored and
// shown as 0.84 rather than 0.8399999999999999.
func round6(v float64) float64 {
	if v == 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return v
	}
	scale := math.Pow(10, 5-math.Floor(math.Log10(math.Abs(v))))
	return math.Round(v*scale) / scale
}
