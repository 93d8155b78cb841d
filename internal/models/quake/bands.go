package quake

import (
	"fmt"
	"math"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

// Band is the area of one intensity degree: where the predicted intensity
// is at least Intensity and below Intensity+1, between the isoseismal
// ellipse of Intensity (Outer) and that of Intensity+1 (a hole, when the
// epicentre reaches it).
type Band struct {
	Intensity int     `json:"intensity"`
	Roman     string  `json:"roman"`
	MajorKm   float64 `json:"major_km"`
	MinorKm   float64 `json:"minor_km"`
	// AreaKm2 is the band's own area (ellipse minus the next one).
	AreaKm2 float64 `json:"area_km2"`
	// Outer is the isoseismal ellipse of Intensity as a lon/lat ring;
	// Polygon is the band (Outer with the next ellipse as a hole).
	Outer   orb.Ring    `json:"-"`
	Polygon orb.Polygon `json:"-"`
}

// Segments is the number of vertices of an isoseismal ellipse polygon.
const Segments = 96

// Bands returns the bands from minIntensity up to the epicentral intensity,
// highest last. Intensities are whole degrees of the Chinese seismic
// intensity scale (GB/T 17742-2020), 1–12.
func (r Relation) Bands(e Event, minIntensity int) ([]Band, error) {
	if err := e.Validate(); err != nil {
		return nil, err
	}
	if err := r.Validate(); err != nil {
		return nil, err
	}
	if minIntensity < 1 || minIntensity > 12 {
		return nil, fmt.Errorf("min intensity %d: must be 1–12", minIntensity)
	}
	var out []Band
	for i := minIntensity; i <= 12; i++ {
		a, b, ok := r.Radii(e.Magnitude, float64(i))
		if !ok {
			break
		}
		out = append(out, Band{Intensity: i, Roman: Roman(i), MajorKm: a, MinorKm: b, Outer: e.ellipse(a, b)})
	}
	for k := range out {
		bd := &out[k]
		bd.Polygon = orb.Polygon{bd.Outer}
		bd.AreaKm2 = math.Pi * bd.MajorKm * bd.MinorKm
		if k+1 < len(out) {
			next := out[k+1]
			hole := make(orb.Ring, len(next.Outer))
			for j := range next.Outer { // holes wind the other way
				hole[j] = next.Outer[len(next.Outer)-1-j]
			}
			bd.Polygon = append(bd.Polygon, hole)
			bd.AreaKm2 -= math.Pi * next.MajorKm * next.MinorKm
		}
	}
	return out, nil
}

// ellipse is the closed lon/lat ring of semi-axes a (along the azimuth)
// and b, counter-clockwise.
func (e Event) ellipse(a, b float64) orb.Ring {
	ring := make(orb.Ring, 0, Segments+1)
	for k := range Segments {
		t := 2 * math.Pi * float64(k) / Segments
		u, v := a*math.Cos(t), b*math.Sin(t)
		lon, lat := e.LonLat(u, v)
		ring = append(ring, orb.Point{lon, lat})
	}
	ring = append(ring, ring[0])
	if ring.Orientation() != orb.CCW {
		ring.Reverse()
	}
	return ring
}

// FeatureCollection returns the bands as GeoJSON features with
// properties intensity, roman, major_km, minor_km and area_km2.
func FeatureCollection(bands []Band) *geojson.FeatureCollection {
	fc := geojson.NewFeatureCollection()
	for _, b := range bands {
		f := geojson.NewFeature(b.Polygon)
		f.Properties = geojson.Properties{"intensity": b.Intensity, "roman": b.Roman,
			"major_km": b.MajorKm, "minor_km": b.MinorKm, "area_km2": b.AreaKm2}
		fc.Append(f)
	}
	return fc
}

// Roman writes an intensity degree in Roman numerals, as intensity maps do.
func Roman(i int) string {
	names := [...]string{"", "I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII"}
	if i < 1 || i > 12 {
		return fmt.Sprint(i)
	}
	return names[i]
}
