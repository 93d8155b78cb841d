package plume

import (
	"fmt"
	"math"
	"strings"

	"github.com/paulmach/orb"
)

// Search range for footprints: the centreline is scanned on a logarithmic
// grid from footprintXMin to footprintXMax metres downwind.
const (
	footprintXMin  = 1.0
	footprintXMax  = 100_000.0
	footprintScan  = 600 // grid points of the scan
	footprintSides = 120 // points along each side of the polygon
	earthRadiusM   = 6_371_008.8
)

// Footprint is the region where the concentration at receptor height Z is at
// least Threshold, as one polygon in local metres: x downwind from the
// source, y crosswind (positive to the left looking downwind). The exterior
// ring is counter-clockwise and closed.
type Footprint struct {
	Threshold    float64     // kg/m³
	Z            float64     // receptor height, m
	Start        float64     // nearest downwind distance at the threshold, m (0 for a ground source)
	Length       float64     // farthest downwind distance at the threshold, m
	MaxHalfWidth float64     // widest crosswind half-width, m
	Truncated    bool        // the contour reaches the 100 km scan limit
	Local        orb.Polygon // empty when the threshold is never reached
}

// Footprint returns the contour C(x,y,z) = threshold (kg/m³) at receptor
// height z. For each x the half-width is σy·sqrt(2 ln(C(x,0,z)/threshold));
// the downwind ends are found by bisection on the centreline concentration.
func (s Source) Footprint(threshold, z float64) (Footprint, error) {
	fp := Footprint{Threshold: threshold, Z: z}
	if err := s.Validate(); err != nil {
		return fp, err
	}
	if !finite(threshold) || threshold <= 0 {
		return fp, fmt.Errorf("plume: threshold %v must be finite and > 0", threshold)
	}
	if !finite(z) || z < 0 {
		return fp, fmt.Errorf("plume: receptor height %v must be finite and >= 0", z)
	}
	centre := func(x float64) float64 {
		sy, sz, _ := Sigmas(s.Class, s.Terrain, x)
		return s.centreline(sy, sz, z)
	}
	grid := logGrid(footprintXMin, footprintXMax, footprintScan)
	first, last := -1, -1
	for i, x := range grid {
		if centre(x) >= threshold {
			if first < 0 {
				first = i
			}
			last = i
		} else if first >= 0 {
			break // one contiguous run: the centreline rises then falls
		}
	}
	if first < 0 {
		return fp, nil
	}
	above := func(x float64) bool { return centre(x) >= threshold }
	start := grid[first]
	if first > 0 {
		start = bisect(grid[first-1], grid[first], above, false)
	}
	end := grid[last]
	if last < len(grid)-1 {
		end = bisect(grid[last], grid[last+1], above, true)
	} else {
		fp.Truncated = true
	}
	fp.Start, fp.Length = start, end

	xs := logGrid(start, end, footprintSides)
	half := make([]float64, len(xs))
	for i, x := range xs {
		sy, sz, _ := Sigmas(s.Class, s.Terrain, x)
		if r := s.centreline(sy, sz, z) / threshold; r > 1 {
			half[i] = sy * math.Sqrt(2*math.Log(r))
		}
		if !finite(half[i]) {
			return fp, fmt.Errorf("plume: footprint overflows at x=%v m (q=%v, threshold=%v)", x, s.Q, threshold)
		}
		fp.MaxHalfWidth = math.Max(fp.MaxHalfWidth, half[i])
	}
	half[len(half)-1] = 0
	ring := orb.Ring{}
	groundSource := first == 0
	if groundSource {
		fp.Start = 0
		ring = append(ring, orb.Point{0, 0})
	}
	for i, x := range xs { // right-hand side, going downwind
		ring = append(ring, orb.Point{x, -half[i]})
	}
	for i := len(xs) - 2; i >= 0; i-- { // left-hand side, coming back
		ring = append(ring, orb.Point{xs[i], half[i]})
	}
	ring = append(ring, ring[0])
	fp.Local = orb.Polygon{ring}
	return fp, nil
}

// ToLonLat places a local-metre polygon (x downwind, y to the left) at the
// source point (lon, lat) for a wind blowing FROM windFromDeg degrees
// clockwise from north, by a local equirectangular projection (good to well
// under 1 % over the tens of kilometres of a plume).
func ToLonLat(local orb.Polygon, source orb.Point, windFromDeg float64) (orb.Polygon, error) {
	lon, lat := source[0], source[1]
	if !finite(windFromDeg) || !finite(lon) || !finite(lat) || math.Abs(lat) >= 89 || math.Abs(lon) > 180 {
		return nil, fmt.Errorf("plume: source %v or wind direction %v out of range", source, windFromDeg)
	}
	b := (windFromDeg + 180) * math.Pi / 180 // bearing the plume travels towards
	sinB, cosB := math.Sin(b), math.Cos(b)
	cosLat := math.Cos(lat * math.Pi / 180)
	out := make(orb.Polygon, len(local))
	for i, r := range local {
		ring := make(orb.Ring, len(r))
		for j, p := range r {
			east := p[0]*sinB - p[1]*cosB
			north := p[0]*cosB + p[1]*sinB
			ring[j] = orb.Point{
				lon + east/(earthRadiusM*cosLat)*180/math.Pi,
				lat + north/earthRadiusM*180/math.Pi,
			}
		}
		out[i] = ring
	}
	return out, nil
}

// logGrid returns n points from a to b (a, b > 0) evenly spaced in log x.
func logGrid(a, b float64, n int) []float64 {
	out := make([]float64, n)
	la, lb := math.Log(a), math.Log(b)
	for i := range out {
		out[i] = math.Exp(la + (lb-la)*float64(i)/float64(n-1))
	}
	out[0], out[n-1] = a, b
	return out
}

// bisect finds the crossing of pred between lo and hi; pred(lo) is
// wantLo and pred(hi) is its negation. It returns the last x where pred
// holds on the side that is inside the footprint.
func bisect(lo, hi float64, pred func(float64) bool, wantLo bool) float64 {
	for range 60 {
		mid := (lo + hi) / 2
		if pred(mid) == wantLo {
			lo = mid
		} else {
			hi = mid
		}
	}
	if wantLo {
		return lo
	}
	return hi
}

// Level is one concentration threshold of a substance.
type Level struct {
	Name   string  // e.g. "IDLH", "AEGL-2 (60 min)", "ERPG-2"
	PPM    float64 // volume fraction, ppm
	Source string  // where the value comes from; "[check]" where unverified
}

// Substance is a chemical with its threshold levels.
type Substance struct {
	Name      string
	CAS       string
	MolarMass float64 // g/mol
	Levels    []Level
}

// KgPerM3 converts ppm to kg/m³ at 25 °C and 1 atm (molar volume 24.45 L):
// mg/m³ = ppm · M / 24.45.
func KgPerM3(ppm, molarMass float64) float64 { return ppm * molarMass / 24.45 * 1e-6 }

// Threshold returns the named level of the substance in kg/m³.
func (s Substance) Threshold(level string) (float64, error) {
	for _, l := range s.Levels {
		if strings.EqualFold(l.Name, level) {
			return KgPerM3(l.PPM, s.MolarMass), nil
		}
	}
	return 0, fmt.Errorf("plume: %s has no level %q", s.Name, level)
}

// Sources of the threshold table.
const (
	srcNIOSH = "NIOSH IDLH values (NIOSH Pocket Guide / IDLH documentation, 1994)"
	srcAEGL  = "US EPA AEGL final values, 60-minute exposure"
	srcERPG  = "AIHA ERPG handbook [check: edition-dependent]"
)

// Substances is a small table of toxic gases with their emergency
// thresholds. Values are in ppm; AEGLs are the 60-minute values. Entries
// marked [check] were not verified against the current edition.
var Substances = []Substance{
	{Name: "ammonia", CAS: "7664-41-7", MolarMass: 17.031, Levels: []Level{
		{"IDLH", 300, srcNIOSH},
		{"AEGL-1", 30, srcAEGL},
		{"AEGL-2", 160, srcAEGL},
		{"AEGL-3", 1100, srcAEGL},
		{"ERPG-1", 25, srcERPG},
		{"ERPG-2", 150, srcERPG},
		{"ERPG-3", 1500, srcERPG + " [check: older editions 750]"},
	}},
	{Name: "chlorine", CAS: "7782-50-5", MolarMass: 70.906, Levels: []Level{
		{"IDLH", 10, srcNIOSH},
		{"AEGL-1", 0.5, srcAEGL},
		{"AEGL-2", 2, srcAEGL},
		{"AEGL-3", 20, srcAEGL},
		{"ERPG-1", 1, srcERPG},
		{"ERPG-2", 3, srcERPG},
		{"ERPG-3", 20, srcERPG},
	}},
	{Name: "hydrogen sulfide", CAS: "7783-06-4", MolarMass: 34.08, Levels: []Level{
		{"IDLH", 100, srcNIOSH},
		{"AEGL-1", 0.51, srcAEGL},
		{"AEGL-2", 27, srcAEGL},
		{"AEGL-3", 50, srcAEGL},
		{"ERPG-1", 0.1, srcERPG},
		{"ERPG-2", 30, srcERPG},
		{"ERPG-3", 100, srcERPG},
	}},
}

// LookupSubstance finds a substance of Substances by name or CAS number.
func LookupSubstance(name string) (Substance, bool) {
	for _, s := range Substances {
		if strings.EqualFold(s.Name, strings.TrimSpace(name)) || s.CAS == strings.TrimSpace(name) {
			return s, true
		}
	}
	return Substance{}, false
}
