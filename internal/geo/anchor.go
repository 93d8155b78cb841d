package geo

import (
	"math"
	"sort"

	"github.com/paulmach/orb"
	orbgeo "github.com/paulmach/orb/geo"
	"github.com/paulmach/orb/planar"
)

// Distance returns the great-circle distance in metres between two WGS84
// positions, using the haversine formula on a sphere of orb.EarthRadius.
// It is written out rather than taken from orb/geo so that the haversine term
// can be clamped: rounding can push it just above 1 for antipodal points,
// which would otherwise yield NaN.
func Distance(a, b orb.Point) float64 {
	const rad = math.Pi / 180
	sinLat := math.Sin((b[1] - a[1]) * rad / 2)
	sinLon := math.Sin((b[0] - a[0]) * rad / 2)
	h := sinLat*sinLat + math.Cos(a[1]*rad)*math.Cos(b[1]*rad)*sinLon*sinLon
	h = math.Min(1, math.Max(0, h))
	return 2 * orb.EarthRadius * math.Asin(math.Sqrt(h))
}

// MeanEarthRadiusKm is the IUGG mean Earth radius, the sphere the hazard
// models and distance rules use (Distance keeps orb's equatorial radius).
const MeanEarthRadiusKm = 6371.0088

// DistanceKm is the great-circle (haversine) distance in km between two
// WGS84 points on the sphere of mean radius.
func DistanceKm(lon1, lat1, lon2, lat2 float64) float64 {
	return Distance(orb.Point{lon1, lat1}, orb.Point{lon2, lat2}) / orb.EarthRadius * MeanEarthRadiusKm
}

// Anchor returns a single representative position for g: where a map pin or
// a "nearest team" search should go. Unlike a plain centroid it always lies
// on the geometry, because a pin in the middle of a lake next to a U-shaped
// flood zone would send people to the wrong place.
//
//   - Point: the point itself.
//   - LineString: the point halfway along its length.
//   - Polygon: the area centroid if it lies inside, else an interior point.
//   - Multi-geometries and collections: the anchor of the largest part
//     (by area, then length; the first one for points).
//
// An empty geometry yields the zero Point.
func Anchor(g orb.Geometry) orb.Point {
	switch v := g.(type) {
	case orb.Point:
		return v
	case orb.MultiPoint:
		if len(v) > 0 {
			return v[0]
		}
	case orb.LineString:
		return lineMidpoint(v)
	case orb.MultiLineString:
		return lineMidpoint(longestLine(v))
	case orb.Ring:
		return polygonAnchor(orb.Polygon{v})
	case orb.Polygon:
		return polygonAnchor(v)
	case orb.MultiPolygon:
		return polygonAnchor(largestPolygon(v))
	case orb.Bound:
		return v.Center()
	case orb.Collection:
		if part := largestPart(v); part != nil {
			return Anchor(part)
		}
	}
	return orb.Point{}
}

// lineMidpoint walks the line to half its geodesic length and interpolates
// linearly within that segment, so the result sits exactly on the drawn line.
func lineMidpoint(ls orb.LineString) orb.Point {
	if len(ls) == 0 {
		return orb.Point{}
	}
	half := lineLength(ls) / 2
	for i := 1; i < len(ls); i++ {
		d := Distance(ls[i-1], ls[i])
		if d > 0 && half <= d {
			f := half / d
			a, b := ls[i-1], ls[i]
			return orb.Point{a[0] + f*(b[0]-a[0]), a[1] + f*(b[1]-a[1])}
		}
		half -= d
	}
	// Zero length (or NaN coordinates): every position is equally central.
	return ls[0]
}

func lineLength(ls orb.LineString) float64 {
	total := 0.0
	for i := 1; i < len(ls); i++ {
		total += Distance(ls[i-1], ls[i])
	}
	return total
}

func longestLine(mls orb.MultiLineString) orb.LineString {
	var best orb.LineString
	bestLen := -1.0
	for _, ls := range mls {
		if l := lineLength(ls); l > bestLen || best == nil {
			best, bestLen = ls, l
		}
	}
	return best
}

func largestPolygon(mp orb.MultiPolygon) orb.Polygon {
	var best orb.Polygon
	bestArea := -1.0
	for _, p := range mp {
		if a := orbgeo.Area(p); a > bestArea || best == nil {
			best, bestArea = p, a
		}
	}
	return best
}

// largestPart picks the member of a collection with the highest dimension
// and, among those, the largest area or length; a polygon outranks any line.
func largestPart(c orb.Collection) orb.Geometry {
	var best orb.Geometry
	bestDim, bestSize := -1, -1.0
	for _, g := range c {
		if g == nil {
			continue
		}
		dim, size := g.Dimensions(), 0.0
		switch dim {
		case 2:
			size = orbgeo.Area(g)
		case 1:
			size = orbgeo.LengthHaversine(g)
		}
		if dim > bestDim || (dim == bestDim && size > bestSize) {
			best, bestDim, bestSize = g, dim, size
		}
	}
	return best
}

// polygonAnchor prefers the area centroid because it is what people expect
// for convex shapes, and falls back to a scan-line interior point for
// concave or holed polygons whose centroid falls outside.
func polygonAnchor(p orb.Polygon) orb.Point {
	if len(p) == 0 {
		return orb.Point{}
	}
	if len(p[0]) < 3 {
		// Not an area at all; treat it as the line it degenerates to.
		return lineMidpoint(orb.LineString(p[0]))
	}
	// orb's containment test indexes ring[0], so drop unusable holes first.
	clean := orb.Polygon{p[0]}
	for _, hole := range p[1:] {
		if len(hole) >= 3 {
			clean = append(clean, hole)
		}
	}
	if c, _ := planar.CentroidArea(clean); planar.PolygonContains(clean, c) {
		return c
	}
	if pt, ok := scanInteriorPoint(clean); ok && planar.PolygonContains(clean, pt) {
		return pt
	}
	// Only reachable for self-intersecting or collapsed rings; a vertex is at
	// least on the polygon's boundary.
	return p[0][0]
}

// scanInteriorPoint finds an interior point the way JTS's InteriorPointArea
// does: cut the polygon with a horizontal line at a height that avoids every
// vertex, and return the middle of the widest inside stretch. Choosing a
// height strictly between vertex heights means no crossing is ambiguous.
func scanInteriorPoint(p orb.Polygon) (orb.Point, bool) {
	b := p[0].Bound()
	centre := (b.Min[1] + b.Max[1]) / 2
	lo, hi := b.Min[1], b.Max[1]
	for _, r := range p {
		for _, pt := range r {
			if y := pt[1]; y <= centre && y > lo {
				lo = y
			} else if y > centre && y < hi {
				hi = y
			}
		}
	}
	scanY := (lo + hi) / 2

	var xs []float64
	for _, r := range p {
		for i := range r {
			a, c := r[i], r[(i+1)%len(r)]
			if (a[1] > scanY) != (c[1] > scanY) {
				xs = append(xs, a[0]+(scanY-a[1])*(c[0]-a[0])/(c[1]-a[1]))
			}
		}
	}
	sort.Float64s(xs)

	best, bestWidth := orb.Point{}, 0.0
	for i := 0; i+1 < len(xs); i += 2 {
		if w := xs[i+1] - xs[i]; w > bestWidth {
			best, bestWidth = orb.Point{(xs[i] + xs[i+1]) / 2, scanY}, w
		}
	}
	return best, bestWidth > 0
}
