package region

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

// maxSamples bounds RandomPoint's rejection sampling. A county fills a
// third or more of its bounding box, so reaching this means the shape has
// (almost) no area rather than bad luck.
const maxSamples = 10000

// Locate returns the deepest division whose boundary contains p. Points on
// a boundary count as inside, so a point on the border of two divisions of
// the same level goes to the one with the smaller code, the same every
// time. Points outside every boundary, and non-finite points, locate to
// nothing.
func (t *Tree) Locate(p orb.Point) (Division, bool) {
	if !validLonLat(p) || !t.extent.Contains(p) {
		return Division{}, false
	}
	for _, s := range t.shapes {
		if s.bound.Contains(p) && planar.MultiPolygonContains(s.mp, p) {
			return clone(t.byCode[s.code]), true
		}
	}
	return Division{}, false
}

// RandomPoint returns a point drawn uniformly (in lon/lat degrees, which at
// this scale is close enough to uniform by area) from inside the boundary
// of code, or, when code has no boundary of its own, of its nearest
// ancestor that has one. The result depends only on the rng's state, so a
// seeded rng gives reproducible demo data.
func (t *Tree) RandomPoint(rng *rand.Rand, code string) (orb.Point, error) {
	if rng == nil {
		return orb.Point{}, errors.New("region: RandomPoint needs an rng")
	}
	owner, ok := t.boundaryOwner(code)
	if !ok {
		if _, known := t.byCode[code]; !known {
			return orb.Point{}, fmt.Errorf("region: unknown division %q", code)
		}
		return orb.Point{}, fmt.Errorf("region: neither %q nor any division above it has a boundary", code)
	}
	mp := t.bounds[owner]
	b := mp.Bound()
	for range maxSamples {
		p := orb.Point{
			b.Min[0] + rng.Float64()*(b.Max[0]-b.Min[0]),
			b.Min[1] + rng.Float64()*(b.Max[1]-b.Min[1]),
		}
		if planar.MultiPolygonContains(mp, p) {
			return p, nil
		}
	}
	return orb.Point{}, fmt.Errorf("region: no point found inside the boundary of %q in %d tries", owner, maxSamples)
}

// Center returns a representative point of code: its own Center if set,
// else an interior point of its own boundary, else the same for the
// nearest ancestor that has either. Map views use it to place a label or
// to zoom to a division that has no shape of its own.
func (t *Tree) Center(code string) (orb.Point, bool) {
	d, ok := t.byCode[code]
	for ok {
		if d.Center != nil {
			return *d.Center, true
		}
		if a, has := t.anchors[d.Code]; has {
			return a, true
		}
		d, ok = t.byCode[d.ParentCode]
	}
	return orb.Point{}, false
}

// boundaryOwner returns code or its nearest ancestor with a boundary.
func (t *Tree) boundaryOwner(code string) (string, bool) {
	d, ok := t.byCode[code]
	for ok {
		if _, has := t.bounds[d.Code]; has {
			return d.Code, true
		}
		d, ok = t.byCode[d.ParentCode]
	}
	return "", false
}

// anchor returns a point inside mp, for divisions whose source gives no
// center. The centroid of the largest polygon is used when it is inside;
// for concave shapes such as a crescent it is not, and the midpoint of the
// widest inside stretch of the horizontal line through it is used instead.
// As a last resort (shapes without area) the first vertex, which lies on
// the boundary and so counts as inside, is returned.
func anchor(mp orb.MultiPolygon) orb.Point {
	best, bestArea := 0, -1.0
	for i, poly := range mp {
		if a := planar.Area(poly); a > bestArea {
			best, bestArea = i, a
		}
	}
	poly := mp[best]
	c, _ := planar.CentroidArea(poly)
	if validLonLat(c) && planar.PolygonContains(poly, c) {
		return c
	}
	if !validLonLat(c) {
		c = poly.Bound().Center()
	}
	if p, ok := scanlineMidpoint(poly, c[1]); ok && planar.PolygonContains(poly, p) {
		return p
	}
	return poly[0][0]
}

// scanlineMidpoint intersects the line of latitude y with every ring of
// poly and returns the midpoint of the widest interval lying inside. With
// the even-odd rule, holes included, consecutive crossings bound inside
// and outside stretches alternately.
func scanlineMidpoint(poly orb.Polygon, y float64) (orb.Point, bool) {
	var xs []float64
	for _, ring := range poly {
		for i := 0; i+1 < len(ring); i++ {
			a, b := ring[i], ring[i+1]
			// Half-open on y, so a vertex exactly on the line is counted once.
			if (a[1] > y) == (b[1] > y) {
				continue
			}
			xs = append(xs, a[0]+(y-a[1])*(b[0]-a[0])/(b[1]-a[1]))
		}
	}
	if len(xs) < 2 {
		return orb.Point{}, false
	}
	slices.Sort(xs)
	bestW := -1.0
	var mid float64
	for i := 0; i+1 < len(xs); i += 2 {
		if w := xs[i+1] - xs[i]; w > bestW {
			bestW, mid = w, (xs[i]+xs[i+1])/2
		}
	}
	if math.IsNaN(mid) {
		return orb.Point{}, false
	}
	return orb.Point{mid, y}, true
}
