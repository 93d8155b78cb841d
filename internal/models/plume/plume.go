// Package plume is a Gaussian plume model for a continuous point source
// with total reflection at the ground:
//
//	C(x,y,z) = Q / (2π u σy σz) · exp(−y²/2σy²)
//	           · [exp(−(z−H)²/2σz²) + exp(−(z+H)²/2σz²)]
//
// with x downwind, y crosswind and z up (metres), Q the release rate (kg/s),
// u the wind speed (m/s) and H the effective release height (m); C is in
// kg/m³. The dispersion coefficients σy(x), σz(x) are the Briggs (1973)
// open-country (rural) and urban formulas for the Pasquill-Gifford stability
// classes A–F, as tabulated in
//
//   - D. B. Turner, Workbook of Atmospheric Dispersion Estimates, 2nd ed.
//     (Lewis Publishers, 1994), ch. 2 (Briggs' formulas for 100 m < x < 10 km);
//   - D. A. Crowl & J. F. Louvar, Chemical Process Safety, 2nd ed.
//     (Prentice Hall, 2002), Table 5-3 [check table number];
//   - the ALOHA technical documentation (NOAA NOS ORCA-65, 1992), which uses
//     the same Briggs curves for its Gaussian (neutrally buoyant) model.
//
// The stability class may be given directly or chosen from the 10-m wind
// speed and the insolation (day) or cloud cover (night) by the
// Pasquill-Turner table (Turner 1970/1994, Table 2-1; Crowl & Louvar Table
// 5-1). The formulas are fitted for about 100 m to 10 km; they are evaluated
// outside that range as written (the usual practice of screening tools),
// which callers should bear in mind for very short or very long distances.
//
// Footprints (see Footprint) are the ground-level iso-concentration contours
// for a threshold, as orb polygons in local metres or rotated into lon/lat
// for a source point and a wind direction; Substances holds a few
// chemicals' IDLH, AEGL and ERPG levels for such thresholds.
package plume

import (
	"errors"
	"fmt"
	"math"
	"strings"
)

// Class is a Pasquill-Gifford stability class, A (very unstable) to F
// (moderately stable).
type Class int

// The Pasquill-Gifford stability classes.
const (
	ClassA Class = iota
	ClassB
	ClassC
	ClassD
	ClassE
	ClassF
)

// String returns the class letter.
func (c Class) String() string {
	if c < ClassA || c > ClassF {
		return fmt.Sprintf("Class(%d)", int(c))
	}
	return string(rune('A' + int(c)))
}

// ParseClass reads a class letter A–F (case-insensitive).
func ParseClass(s string) (Class, error) {
	t := strings.ToUpper(strings.TrimSpace(s))
	if len(t) != 1 || t[0] < 'A' || t[0] > 'F' {
		return 0, fmt.Errorf("plume: stability class %q is not one of A–F", s)
	}
	return Class(t[0] - 'A'), nil
}

// Terrain selects the Briggs rural (open-country) or urban coefficients.
type Terrain int

// The two Briggs (1973) coefficient sets.
const (
	Rural Terrain = iota
	Urban
)

// String returns the CLI name of the coefficient set.
func (t Terrain) String() string {
	if t == Urban {
		return "briggs-urban"
	}
	return "briggs-rural"
}

// ParseTerrain reads "briggs-rural" or "briggs-urban" (or "rural", "urban").
func ParseTerrain(s string) (Terrain, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "briggs-rural", "rural":
		return Rural, nil
	case "briggs-urban", "urban":
		return Urban, nil
	}
	return 0, fmt.Errorf("plume: sigma scheme %q is not briggs-rural or briggs-urban", s)
}

// Sigmas returns σy and σz (m) at downwind distance x (m > 0) by Briggs'
// formulas (Turner 1994; Crowl & Louvar Table 5-3):
//
//	rural  A  σy = 0.22x(1+0.0001x)^-½   σz = 0.20x
//	       B  σy = 0.16x(1+0.0001x)^-½   σz = 0.12x
//	       C  σy = 0.11x(1+0.0001x)^-½   σz = 0.08x(1+0.0002x)^-½
//	       D  σy = 0.08x(1+0.0001x)^-½   σz = 0.06x(1+0.0015x)^-½
//	       E  σy = 0.06x(1+0.0001x)^-½   σz = 0.03x(1+0.0003x)^-1
//	       F  σy = 0.04x(1+0.0001x)^-½   σz = 0.016x(1+0.0003x)^-1
//	urban  A,B σy = 0.32x(1+0.0004x)^-½  σz = 0.24x(1+0.001x)^½
//	       C  σy = 0.22x(1+0.0004x)^-½   σz = 0.20x
//	       D  σy = 0.16x(1+0.0004x)^-½   σz = 0.14x(1+0.0003x)^-½
//	       E,F σy = 0.11x(1+0.0004x)^-½  σz = 0.08x(1+0.0015x)^-½
func Sigmas(c Class, t Terrain, x float64) (sigmaY, sigmaZ float64, err error) {
	if !(x > 0) || math.IsInf(x, 0) {
		return 0, 0, fmt.Errorf("plume: downwind distance %v m must be finite and > 0", x)
	}
	if c < ClassA || c > ClassF {
		return 0, 0, fmt.Errorf("plume: unknown stability class %d", int(c))
	}
	invSqrt := func(a float64) float64 { return 1 / math.Sqrt(1+a*x) }
	if t == Rural {
		sy := [...]float64{0.22, 0.16, 0.11, 0.08, 0.06, 0.04}[c] * x * invSqrt(0.0001)
		switch c {
		case ClassA:
			return sy, 0.20 * x, nil
		case ClassB:
			return sy, 0.12 * x, nil
		case ClassC:
			return sy, 0.08 * x * invSqrt(0.0002), nil
		case ClassD:
			return sy, 0.06 * x * invSqrt(0.0015), nil
		case ClassE:
			return sy, 0.03 * x / (1 + 0.0003*x), nil
		default:
			return sy, 0.016 * x / (1 + 0.0003*x), nil
		}
	}
	if t != Urban {
		return 0, 0, fmt.Errorf("plume: unknown terrain %d", int(t))
	}
	switch c {
	case ClassA, ClassB:
		return 0.32 * x * invSqrt(0.0004), 0.24 * x * math.Sqrt(1+0.001*x), nil
	case ClassC:
		return 0.22 * x * invSqrt(0.0004), 0.20 * x, nil
	case ClassD:
		return 0.16 * x * invSqrt(0.0004), 0.14 * x * invSqrt(0.0003), nil
	default:
		return 0.11 * x * invSqrt(0.0004), 0.08 * x * invSqrt(0.0015), nil
	}
}

// Source is a continuous point release in a uniform wind.
type Source struct {
	Q       float64 // release rate, kg/s
	U       float64 // wind speed at release height, m/s
	H       float64 // effective release height, m
	Class   Class   // Pasquill-Gifford stability class
	Terrain Terrain // Briggs rural or urban coefficients
}

// Validate reports the first input that is not finite or out of range.
func (s Source) Validate() error {
	switch {
	case !finite(s.Q) || s.Q <= 0:
		return fmt.Errorf("plume: release rate q=%v must be finite and > 0", s.Q)
	case !finite(s.U) || s.U <= 0:
		return fmt.Errorf("plume: wind speed u=%v must be finite and > 0", s.U)
	case !finite(s.H) || s.H < 0:
		return fmt.Errorf("plume: release height h=%v must be finite and >= 0", s.H)
	case s.Class < ClassA || s.Class > ClassF:
		return fmt.Errorf("plume: unknown stability class %d", int(s.Class))
	case s.Terrain != Rural && s.Terrain != Urban:
		return fmt.Errorf("plume: unknown terrain %d", int(s.Terrain))
	}
	return nil
}

// Concentration returns C(x,y,z) in kg/m³ (for Q in kg/s). Points at or
// upwind of the source (x <= 0) get 0; z must be >= 0.
func (s Source) Concentration(x, y, z float64) (float64, error) {
	if err := s.Validate(); err != nil {
		return 0, err
	}
	if !finite(x) || !finite(y) || !finite(z) || z < 0 {
		return 0, fmt.Errorf("plume: receptor (%v, %v, %v) must be finite with z >= 0", x, y, z)
	}
	if x <= 0 {
		return 0, nil
	}
	sy, sz, err := Sigmas(s.Class, s.Terrain, x)
	if err != nil {
		return 0, err
	}
	c := s.centreline(sy, sz, z) * math.Exp(-y*y/(2*sy*sy))
	if !finite(c) {
		return 0, fmt.Errorf("plume: concentration overflows at x=%v m (q=%v, u=%v)", x, s.Q, s.U)
	}
	return c, nil
}

// centreline is C(x,0,z) given the sigmas at x.
func (s Source) centreline(sy, sz, z float64) float64 {
	vert := math.Exp(-(z-s.H)*(z-s.H)/(2*sz*sz)) + math.Exp(-(z+s.H)*(z+s.H)/(2*sz*sz))
	return s.Q / (2 * math.Pi * s.U * sy * sz) * vert
}

// Insolation is the sky condition of the Pasquill-Turner table.
type Insolation int

// Day insolation classes, night cloud classes, and heavy overcast (D by day
// or night).
const (
	StrongSun   Insolation = iota // day, strong incoming solar radiation
	ModerateSun                   // day, moderate
	SlightSun                     // day, slight
	NightCloudy                   // night, thinly overcast or >= 4/8 low cloud
	NightClear                    // night, <= 3/8 cloud
	Overcast                      // heavy overcast, day or night
)

// ParseInsolation reads strong, moderate, slight, night-cloudy, night-clear
// or overcast.
func ParseInsolation(s string) (Insolation, error) {
	names := []string{"strong", "moderate", "slight", "night-cloudy", "night-clear", "overcast"}
	for i, n := range names {
		if strings.EqualFold(strings.TrimSpace(s), n) {
			return Insolation(i), nil
		}
	}
	return 0, fmt.Errorf("plume: insolation %q is not one of %s", s, strings.Join(names, ", "))
}

// turnerTable is Pasquill's table as printed by Turner (1994, Table 2-1):
// rows are wind-speed bands (<2, 2–3, 3–5, 5–6, >=6 m/s), columns strong,
// moderate, slight, night cloudy, night clear. Split classes (A–B, B–C,
// C–D) take the more stable letter, which gives the higher downwind
// concentrations. The table leaves night at < 2 m/s blank; F is used there,
// as in Crowl & Louvar Table 5-1 [check].
var turnerTable = [5][5]Class{
	{ClassA, ClassB, ClassB, ClassF, ClassF},
	{ClassB, ClassB, ClassC, ClassE, ClassF},
	{ClassB, ClassC, ClassC, ClassD, ClassE},
	{ClassC, ClassD, ClassD, ClassD, ClassD},
	{ClassC, ClassD, ClassD, ClassD, ClassD},
}

// StabilityClass chooses the Pasquill-Gifford class from the 10-m wind
// speed u (m/s) and the sky condition.
func StabilityClass(u float64, sky Insolation) (Class, error) {
	if !finite(u) || u < 0 {
		return 0, errors.New("plume: wind speed must be finite and >= 0")
	}
	if sky == Overcast {
		return ClassD, nil
	}
	if sky < StrongSun || sky > NightClear {
		return 0, fmt.Errorf("plume: unknown insolation %d", int(sky))
	}
	row := 4
	switch {
	case u < 2:
		row = 0
	case u < 3:
		row = 1
	case u < 5:
		row = 2
	case u < 6:
		row = 3
	}
	return turnerTable[row][sky], nil
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
