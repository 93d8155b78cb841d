package warning

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"

	"github.com/paulmach/orb"

	"github.com/yingji/yingji/internal/core"
	"github.com/yingji/yingji/internal/geo"
	"github.com/yingji/yingji/internal/warning/cap"
)

// Circle is a centre (WGS84) and a radius in metres.
type Circle struct {
	Lon     float64 `json:"lon"`
	Lat     float64 `json:"lat"`
	RadiusM float64 `json:"radius_m"`
}

// Area is where a warning applies: polygons, circles and division codes (a
// code covers everything below it). Any mix is allowed; at least one part
// is required.
type Area struct {
	Polygons  orb.MultiPolygon
	Circles   []Circle
	Divisions []string
	// Desc is the area's description (CAP areaDesc); left empty, the
	// division names are used.
	Desc string
}

// Empty reports whether the area has no part.
func (a Area) Empty() bool {
	return len(a.Polygons) == 0 && len(a.Circles) == 0 && len(a.Divisions) == 0
}

// areaJSON is the wire form, the same as the targeting dry run's.
type areaJSON struct {
	Geometry    json.RawMessage `json:"geometry"`
	Circles     []Circle        `json:"circles"`
	Divisions   []string        `json:"divisions"`
	Description string          `json:"description,omitempty"`
}

// MarshalJSON writes the polygons as one GeoJSON MultiPolygon (or null).
func (a Area) MarshalJSON() ([]byte, error) {
	j := areaJSON{Circles: a.Circles, Divisions: a.Divisions, Description: a.Desc, Geometry: json.RawMessage("null")}
	if j.Circles == nil {
		j.Circles = []Circle{}
	}
	if j.Divisions == nil {
		j.Divisions = []string{}
	}
	if len(a.Polygons) > 0 {
		g, err := geo.MarshalGeometry(a.Polygons)
		if err != nil {
			return nil, err
		}
		j.Geometry = g
	}
	return json.Marshal(j)
}

// UnmarshalJSON reads the wire form as stored, checking only its shape
// (imported areas may hold what our own drafts may not, such as a CAP
// circle of radius 0); ParseArea checks input.
func (a *Area) UnmarshalJSON(data []byte) error {
	parsed, err := decodeArea(data, false)
	if err != nil {
		return err
	}
	*a = parsed
	return nil
}

// ParseArea reads and checks an area: geometry a GeoJSON Polygon or
// MultiPolygon in WGS84, circles with a positive radius, division codes
// well formed. Problems name the field (area.circles[1].radius_m).
func ParseArea(data []byte) (Area, error) { return decodeArea(data, true) }

func decodeArea(data []byte, check bool) (Area, error) {
	var j areaJSON
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&j); err != nil {
		return Area{}, core.Invalid("area", "is not an area object {geometry, circles, divisions}: %v", err)
	}
	var a Area
	var ps core.Problems
	if g := bytes.TrimSpace(j.Geometry); len(g) > 0 && !bytes.Equal(g, []byte("null")) {
		geom, err := geo.ParseGeometry(g)
		switch t := geom.(type) {
		case nil:
			ps.Add(0, "area.geometry", "%v", err)
		case orb.Polygon:
			a.Polygons = orb.MultiPolygon{t}
		case orb.MultiPolygon:
			a.Polygons = t
		default:
			ps.Add(0, "area.geometry", "must be a Polygon or MultiPolygon, not %s", geom.GeoJSONType())
		}
	}
	for i, c := range j.Circles {
		if !check {
			break
		}
		f := fmt.Sprintf("area.circles[%d]", i)
		if !(c.Lon >= -180 && c.Lon <= 180) || !(c.Lat >= -90 && c.Lat <= 90) {
			ps.Add(0, f, "centre %v,%v is not a WGS84 lon,lat", c.Lon, c.Lat)
		}
		if !(c.RadiusM > 0 && c.RadiusM <= 500_000) || math.IsInf(c.RadiusM, 0) {
			ps.Add(0, f+".radius_m", "%v must be more than 0 and at most 500000 metres", c.RadiusM)
		}
	}
	a.Circles = j.Circles
	seen := map[string]bool{}
	for i, d := range j.Divisions {
		if !sixDigits.MatchString(d) && len(d) != 9 && len(d) != 12 {
			ps.Add(0, fmt.Sprintf("area.divisions[%d]", i), "%q is not a division code", d)
			continue
		}
		if !seen[d] {
			a.Divisions = append(a.Divisions, d)
			seen[d] = true
		}
	}
	a.Desc = j.Description
	if err := ps.Err("the area is invalid"); err != nil {
		return Area{}, err
	}
	return a, nil
}

// capArea is the area in CAP form: outer rings as polygons (CAP has no
// holes, so a hole widens the area rather than narrow it), circles in km,
// divisions as geocodes named "GB/T 2260".
func (a Area) capArea(desc string) cap.Area {
	out := cap.Area{Desc: desc}
	for _, poly := range a.Polygons {
		if len(poly) == 0 {
			continue
		}
		ring := poly[0]
		p := make(cap.Polygon, 0, len(ring))
		for _, pt := range ring {
			p = append(p, cap.Point{Lat: round6(pt[1]), Lon: round6(pt[0])})
		}
		if len(p) > 0 && p[0] != p[len(p)-1] {
			p = append(p, p[0])
		}
		out.Polygons = append(out.Polygons, p)
	}
	for _, c := range a.Circles {
		out.Circles = append(out.Circles, cap.Circle{Center: cap.Point{Lat: round6(c.Lat), Lon: round6(c.Lon)}, RadiusKm: c.RadiusM / 1000})
	}
	for _, d := range a.Divisions {
		out.Geocodes = append(out.Geocodes, cap.Value{Name: GeocodeName, Value: d})
	}
	return out
}

// GeocodeName is the valueName of division geocodes in our CAP messages.
const GeocodeName = "GB/T 2260"

// round6 keeps 6 decimals (about 0.1 m), enough for any warning area.
func round6(f float64) float64 { return math.Round(f*1e6) / 1e6 }

// areaFromCAP gathers the areas of an imported info.
func areaFromCAP(as []cap.Area) Area {
	var a Area
	var descs []string
	for _, ca := range as {
		if ca.Desc != "" {
			descs = append(descs, ca.Desc)
		}
		for _, p := range ca.Polygons {
			ring := make(orb.Ring, len(p))
			for i, pt := range p {
				ring[i] = orb.Point{pt.Lon, pt.Lat}
			}
			a.Polygons = append(a.Polygons, orb.Polygon{ring})
		}
		for _, c := range ca.Circles {
			a.Circles = append(a.Circles, Circle{Lon: c.Center.Lon, Lat: c.Center.Lat, RadiusM: c.RadiusKm * 1000})
		}
		for _, g := range ca.Geocodes {
			if g.Name == GeocodeName {
				a.Divisions = append(a.Divisions, g.Value)
			}
		}
	}
	a.Desc = joinNonEmpty(descs, "；")
	return a
}

func joinNonEmpty(ss []string, sep string) string {
	out := ""
	for _, s := range ss {
		if s == "" {
			continue
		}
		if out != "" {
			out += sep
		}
		out += s
	}
	return out
}

// Shape is the area as one MultiPolygon for maps: the polygons, each
// circle as a 64-sided polygon, and the divisions' boundaries when
// boundary knows them.
func (a Area) Shape(boundary func(code string) (orb.MultiPolygon, bool)) orb.MultiPolygon {
	out := append(orb.MultiPolygon{}, a.Polygons...)
	for _, c := range a.Circles {
		out = append(out, circlePolygon(c, 64))
	}
	if boundary != nil {
		for _, d := range a.Divisions {
			if mp, ok := boundary(d); ok {
				out = append(out, mp...)
			}
		}
	}
	return out
}

// circlePolygon approximates a circle on the sphere (radius 6371 km) by
// the destinations at n bearings.
func circlePolygon(c Circle, n int) orb.Polygon {
	const earth = 6371008.8
	lat1, lon1 := c.Lat*math.Pi/180, c.Lon*math.Pi/180
	d := c.RadiusM / earth
	ring := make(orb.Ring, 0, n+1)
	for i := 0; i < n; i++ {
		b := 2 * math.Pi * float64(i) / float64(n)
		lat2 := math.Asin(math.Sin(lat1)*math.Cos(d) + math.Cos(lat1)*math.Sin(d)*math.Cos(b))
		lon2 := lon1 + math.Atan2(math.Sin(b)*math.Sin(d)*math.Cos(lat1), math.Cos(d)-math.Sin(lat1)*math.Sin(lat2))
		ring = append(ring, orb.Point{round6(lon2 * 180 / math.Pi), round6(lat2 * 180 / math.Pi)})
	}
	ring = append(ring, ring[0])
	return orb.Polygon{ring}
}
