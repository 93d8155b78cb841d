package outbox

import (
	"math"

	"github.com/paulmach/orb"
)

// grid is a regular lon/lat grid over the region, the spatial index's
// buckets. Points outside the extent are clamped into the edge cells,
// which are therefore always tested point by point.
type grid struct {
	lon0, lat0, step float64
	nx, ny           int
}

// cellDeg is the cell size: 0.01° is about 1.0 × 1.1 km at Baoshan's
// latitude, small enough that a county's boundary cells hold a few percent
// of its recipients.
const cellDeg = 0.01

func newGrid(b orb.Bound) grid {
	g := grid{lon0: math.Floor(b.Min[0]/cellDeg)*cellDeg - cellDeg, lat0: math.Floor(b.Min[1]/cellDeg)*cellDeg - cellDeg, step: cellDeg}
	g.nx = int(math.Ceil((b.Max[0]-g.lon0)/cellDeg)) + 2
	g.ny = int(math.Ceil((b.Max[1]-g.lat0)/cellDeg)) + 2
	return g
}

func clampInt(v, lo, hi int) int {
	if v < lo {
		return lo
	}
	if v > hi {
		return hi
	}
	return v
}

func (g grid) col(lon float64) int { return clampInt(int(math.Floor((lon-g.lon0)/g.step)), 0, g.nx-1) }
func (g grid) row(lat float64) int { return clampInt(int(math.Floor((lat-g.lat0)/g.step)), 0, g.ny-1) }
func (g grid) cell(lon, lat float64) int {
	if math.IsNaN(lon) || math.IsNaN(lat) {
		return -1
	}
	return g.row(lat)*g.nx + g.col(lon)
}
func (g grid) edge(c int) bool {
	x, y := c%g.nx, c/g.nx
	return x == 0 || y == 0 || x == g.nx-1 || y == g.ny-1
}
func (g grid) center(c int) (float64, float64) {
	return g.lon0 + (float64(c%g.nx)+0.5)*g.step, g.lat0 + (float64(c/g.nx)+0.5)*g.step
}

// cellArea is a cell's area in km² (spherical, by latitude band).
func (g grid) cellArea(c int) float64 {
	const r = 6371.0088
	y := c / g.nx
	la0, la1 := (g.lat0+float64(y)*g.step)*math.Pi/180, (g.lat0+float64(y+1)*g.step)*math.Pi/180
	return r * r * g.step * math.Pi / 180 * math.Abs(math.Sin(la1)-math.Sin(la0))
}

type seg struct{ ax, ay, bx, by float64 }

// polyRaster classifies the grid's cells against one polygon (its rings
// under the even-odd rule): cells no edge passes through are wholly in or
// out, decided by their centre; the others are tested point by point
// against only the edges in their row.
type polyRaster struct {
	g      grid
	y0, y1 int     // rows covered
	x0, x1 int     // columns covered
	rows   [][]seg // edges overlapping each row, from y0
	state  []int8  // per cell in [y0,y1]×[x0,x1]: 1 inside, 0 outside, 2 boundary
}

func (g grid) rasterize(p orb.Polygon) *polyRaster {
	b := p.Bound()
	pr := &polyRaster{g: g, y0: g.row(b.Min[1]), y1: g.row(b.Max[1]), x0: g.col(b.Min[0]), x1: g.col(b.Max[0])}
	nrow, ncol := pr.y1-pr.y0+1, pr.x1-pr.x0+1
	pr.rows = make([][]seg, nrow)
	pr.state = make([]int8, nrow*ncol)
	for _, ring := range p {
		for i := 0; i+1 < len(ring); i++ {
			s := seg{ring[i][0], ring[i][1], ring[i+1][0], ring[i+1][1]}
			lo, hi := math.Min(s.ay, s.by), math.Max(s.ay, s.by)
			for y := g.row(lo); y <= g.row(hi); y++ {
				pr.rows[y-pr.y0] = append(pr.rows[y-pr.y0], s)
				// the part of the edge inside this row's band marks its cells as boundary
				bl, bh := g.lat0+float64(y)*g.step, g.lat0+float64(y+1)*g.step
				xa, xb := clipX(s, math.Max(lo, bl), math.Min(hi, bh))
				for x := g.col(math.Min(xa, xb)); x <= g.col(math.Max(xa, xb)); x++ {
					if x >= pr.x0 && x <= pr.x1 {
						pr.state[(y-pr.y0)*ncol+x-pr.x0] = 2
					}
				}
			}
		}
	}
	for y := pr.y0; y <= pr.y1; y++ {
		for x := pr.x0; x <= pr.x1; x++ {
			i := (y-pr.y0)*ncol + x - pr.x0
			c := y*g.nx + x
			if pr.state[i] == 2 || g.edge(c) {
				pr.state[i] = 2
				continue
			}
			lon, lat := g.center(c)
			if crossings(pr.rows[y-pr.y0], lon, lat) {
				pr.state[i] = 1
			}
		}
	}
	return pr
}

// clipX returns the longitudes where segment s is at latitudes lo and hi
// (lo ≤ hi within the segment's range); horizontal segments give their ends.
func clipX(s seg, lo, hi float64) (float64, float64) {
	if s.ay == s.by {
		return s.ax, s.bx
	}
	at := func(y float64) float64 { return s.ax + (y-s.ay)*(s.bx-s.ax)/(s.by-s.ay) }
	return at(lo), at(hi)
}

// crossings reports whether a ray from (x, y) to +x crosses the edges an
// odd number of times.
func crossings(edges []seg, x, y float64) bool {
	in := false
	for _, s := range edges {
		if (s.ay > y) != (s.by > y) && x < s.ax+(y-s.ay)*(s.bx-s.ax)/(s.by-s.ay) {
			in = !in
		}
	}
	return in
}

// cellState is 1 (wholly inside), 0 (outside) or 2 (test each point).
func (pr *polyRaster) cellState(c int) int8 {
	x, y := c%pr.g.nx, c/pr.g.nx
	if x < pr.x0 || x > pr.x1 || y < pr.y0 || y > pr.y1 {
		return 0
	}
	return pr.state[(y-pr.y0)*(pr.x1-pr.x0+1)+x-pr.x0]
}

func (pr *polyRaster) contains(lon, lat float64) bool {
	y := pr.g.row(lat)
	if y < pr.y0 || y > pr.y1 {
		return false
	}
	return crossings(pr.rows[y-pr.y0], lon, lat)
}

// circle tests with an equirectangular distance, exact to well under a
// metre at the radii warnings use (up to tens of kilometres).
type circleTest struct {
	lon, lat, r2, kx float64
	b                orb.Bound
}

const metresPerDeg = 6371008.8 * math.Pi / 180

func newCircle(c Circle) circleTest {
	kx := math.Cos(c.Lat * math.Pi / 180)
	dLat := c.RadiusM / metresPerDeg
	dLon := dLat / math.Max(kx, 1e-6)
	return circleTest{lon: c.Lon, lat: c.Lat, r2: c.RadiusM * c.RadiusM, kx: kx,
		b: orb.Bound{Min: orb.Point{c.Lon - dLon, c.Lat - dLat}, Max: orb.Point{c.Lon + dLon, c.Lat + dLat}}}
}

func (ct circleTest) contains(lon, lat float64) bool {
	dx := (lon - ct.lon) * ct.kx * metresPerDeg
	dy := (lat - ct.lat) * metresPerDeg
	return dx*dx+dy*dy <= ct.r2
}

// cellState: 1 when all four corners are inside (a disc is convex), 0 when
// the cell is outside the circle's box, else 2.
func (ct circleTest) cellState(g grid, c int) int8 {
	if g.edge(c) {
		return 2
	}
	x0, y0 := g.lon0+float64(c%g.nx)*g.step, g.lat0+float64(c/g.nx)*g.step
	x1, y1 := x0+g.step, y0+g.step
	if x1 < ct.b.Min[0] || x0 > ct.b.Max[0] || y1 < ct.b.Min[1] || y0 > ct.b.Max[1] {
		return 0
	}
	if ct.contains(x0, y0) && ct.contains(x1, y0) && ct.contains(x0, y1) && ct.contains(x1, y1) {
		return 1
	}
	return 2
}
