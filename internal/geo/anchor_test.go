package geo

import (
	"math"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

func TestDistance(t *testing.T) {
	oneDegree := orb.EarthRadius * math.Pi / 180
	tests := []struct {
		name string
		a, b orb.Point
		want float64
		tol  float64
	}{
		{"same point", orb.Point{99.1656, 25.1211}, orb.Point{99.1656, 25.1211}, 0, 0},
		{"one degree of meridian", orb.Point{99, 25}, orb.Point{99, 26}, oneDegree, 1e-6},
		{"one degree of equator", orb.Point{0, 0}, orb.Point{1, 0}, oneDegree, 1e-6},
		{"across the antimeridian", orb.Point{179.5, 0}, orb.Point{-179.5, 0}, oneDegree, 1e-6},
		{"antipodes", orb.Point{0, 0}, orb.Point{180, 0}, math.Pi * orb.EarthRadius, 1e-6},
		{"pole to pole", orb.Point{10, 90}, orb.Point{-70, -90}, math.Pi * orb.EarthRadius, 1e-6},
		// Baoshan to Kunming is about 380 km by air; the tolerance covers
		// the spherical model, not the formula.
		{"Baoshan to Kunming", orb.Point{99.1656, 25.1211}, orb.Point{102.8329, 24.8801}, 370e3, 15e3},
	}
	for _, tt := range tests {
		got := Distance(tt.a, tt.b)
		if math.IsNaN(got) || math.Abs(got-tt.want) > tt.tol {
			t.Errorf("%s: Distance(%v, %v) = %.3f, want %.3f ±%g", tt.name, tt.a, tt.b, got, tt.want, tt.tol)
		}
		if back := Distance(tt.b, tt.a); math.Abs(back-got) > 1e-6 {
			t.Errorf("%s: Distance is not symmetric: %.6f vs %.6f", tt.name, got, back)
		}
	}
}

func TestAnchor(t *testing.T) {
	square := orb.Ring{{0, 0}, {2, 0}, {2, 2}, {0, 2}, {0, 0}}
	small := orb.Ring{{10, 10}, {10.1, 10}, {10.1, 10.1}, {10, 10}}
	// A U shape whose area centroid (1.5, 1.36) falls in the notch.
	uShape := orb.Ring{{0, 0}, {3, 0}, {3, 3}, {2, 3}, {2, 1}, {1, 1}, {1, 3}, {0, 3}, {0, 0}}
	// A square with a hole around its centroid.
	frame := orb.Polygon{
		{{0, 0}, {4, 0}, {4, 4}, {0, 4}, {0, 0}},
		{{1, 1}, {3, 1}, {3, 3}, {1, 3}, {1, 1}},
	}
	tests := []struct {
		name string
		g    orb.Geometry
		want orb.Point
	}{
		{"point", orb.Point{99.1656, 25.1211}, orb.Point{99.1656, 25.1211}},
		{"multipoint", orb.MultiPoint{{1, 2}, {3, 4}}, orb.Point{1, 2}},
		{"two-point line", orb.LineString{{0, 0}, {2, 0}}, orb.Point{1, 0}},
		// Both legs are one degree long at the equator, so halfway is the corner.
		{"bent line", orb.LineString{{0, 0}, {1, 0}, {1, 1}}, orb.Point{1, 0}},
		{"uneven line", orb.LineString{{0, 0}, {0, 1}, {0, 4}}, orb.Point{0, 2}},
		{"zero-length line", orb.LineString{{5, 5}, {5, 5}}, orb.Point{5, 5}},
		{"single-point line", orb.LineString{{5, 5}}, orb.Point{5, 5}},
		{"multilinestring longest", orb.MultiLineString{{{0, 0}, {0, 1}}, {{10, 0}, {10, 4}}}, orb.Point{10, 2}},
		{"convex polygon", orb.Polygon{square}, orb.Point{1, 1}},
		{"ring", square, orb.Point{1, 1}},
		{"U-shaped polygon", orb.Polygon{uShape}, orb.Point{0.5, 2}},
		{"polygon with central hole", frame, orb.Point{0.5, 2}},
		{"multipolygon largest", orb.MultiPolygon{{small}, {square}}, orb.Point{1, 1}},
		{"bound", orb.Bound{Min: orb.Point{0, 0}, Max: orb.Point{2, 4}}, orb.Point{1, 2}},
		{"collection prefers area", orb.Collection{orb.Point{9, 9}, orb.LineString{{0, 0}, {50, 0}}, orb.Polygon{square}},
			orb.Point{1, 1}},
		{"collection prefers longer line", orb.Collection{orb.LineString{{0, 0}, {0, 1}}, orb.LineString{{10, 0}, {10, 4}}},
			orb.Point{10, 2}},
		{"nil", nil, orb.Point{}},
		{"empty multipoint", orb.MultiPoint{}, orb.Point{}},
		{"empty line", orb.LineString{}, orb.Point{}},
		{"empty polygon", orb.Polygon{}, orb.Point{}},
		{"empty multipolygon", orb.MultiPolygon{}, orb.Point{}},
		{"empty collection", orb.Collection{}, orb.Point{}},
		{"polygon with empty ring", orb.Polygon{{}}, orb.Point{}},
		{"polygon with short ring", orb.Polygon{{{0, 0}, {2, 0}}}, orb.Point{1, 0}},
	}
	for _, tt := range tests {
		got := Anchor(tt.g)
		if math.Abs(got[0]-tt.want[0]) > 1e-9 || math.Abs(got[1]-tt.want[1]) > 1e-9 {
			t.Errorf("%s: Anchor = %v, want %v", tt.name, got, tt.want)
		}
	}
}

// TestAnchorInsidePolygons checks the property that matters for map pins
// on shapes where the centroid is a trap.
func TestAnchorInsidePolygons(t *testing.T) {
	polys := []orb.Polygon{
		// C shape opening east.
		{{{0, 0}, {5, 0}, {5, 1}, {1, 1}, {1, 4}, {5, 4}, {5, 5}, {0, 5}, {0, 0}}},
		// Thin crescent-like L.
		{{{0, 0}, {10, 0}, {10, 0.2}, {0.2, 0.2}, {0.2, 10}, {0, 10}, {0, 0}}},
		// Ring-shaped flood zone around an island, clockwise outer ring.
		{{{0, 0}, {0, 6}, {6, 6}, {6, 0}, {0, 0}}, {{0.5, 0.5}, {5.5, 0.5}, {5.5, 5.5}, {0.5, 5.5}, {0.5, 0.5}}},
		// Vertex exactly at the bounding-box middle height.
		{{{0, 0}, {4, 2}, {0, 4}, {3, 2}, {0, 0}}},
		// Realistic hillside polygon near Baoshan.
		{{{99.16, 25.12}, {99.18, 25.12}, {99.18, 25.14}, {99.175, 25.14}, {99.175, 25.125},
			{99.165, 25.125}, {99.165, 25.14}, {99.16, 25.14}, {99.16, 25.12}}},
	}
	for i, p := range polys {
		got := Anchor(p)
		if !planar.PolygonContains(p, got) {
			t.Errorf("polygon %d: Anchor = %v, which is outside the polygon", i, got)
		}
		c, _ := planar.CentroidArea(p)
		if planar.PolygonContains(p, c) && got != c {
			t.Errorf("polygon %d: Anchor = %v, want the centroid %v since it is inside", i, got, c)
		}
	}
}

func TestScanInteriorPointDegenerate(t *testing.T) {
	// A flat polygon has no interior; the scan must say so, not invent one.
	flat := orb.Polygon{{{0, 1}, {2, 1}, {3, 1}, {0, 1}}}
	if got, ok := scanInteriorPoint(flat); ok {
		t.Errorf("scanInteriorPoint(flat) = %v, true; want false", got)
	}
	if got, want := Anchor(flat), (orb.Point{0, 1}); !planar.PolygonContains(flat, got) && got != want {
		t.Errorf("Anchor(flat) = %v, want a point on it such as %v", got, want)
	}
}
