package geo

import (
	"fmt"
	"math"
	"testing"

	"github.com/paulmach/orb"
)

func TestCheckPointNonFinite(t *testing.T) {
	// JSON cannot express these, so exercise the guard directly.
	tests := []struct {
		p    orb.Point
		want string
	}{
		{orb.Point{math.NaN(), 0}, "c: longitude NaN is not finite"},
		{orb.Point{math.Inf(1), 0}, "c: longitude +Inf is not finite"},
		{orb.Point{0, math.Inf(-1)}, "c: latitude -Inf is not finite"},
		{orb.Point{0, math.NaN()}, "c: latitude NaN is not finite"},
	}
	for _, tt := range tests {
		err := checkPoint("c", tt.p)
		if err == nil {
			t.Errorf("checkPoint(%v) = nil, want %q", tt.p, tt.want)
			continue
		}
		if got := err.Error(); got != tt.want {
			t.Errorf("checkPoint(%v) = %q, want %q", tt.p, got, tt.want)
		}
	}
}

func TestMarshalGeometry(t *testing.T) {
	tests := []struct {
		g    orb.Geometry
		want string
	}{
		{orb.Point{99.1656, 25.1211}, `{"type":"Point","coordinates":[99.1656,25.1211]}`},
		{orb.MultiPoint{{1, 2}, {3, 4}}, `{"type":"MultiPoint","coordinates":[[1,2],[3,4]]}`},
		{orb.LineString{{1, 2}, {3, 4}}, `{"type":"LineString","coordinates":[[1,2],[3,4]]}`},
		{orb.MultiLineString{{{1, 2}, {3, 4}}}, `{"type":"MultiLineString","coordinates":[[[1,2],[3,4]]]}`},
		{orb.Polygon{{{0, 0}, {1, 0}, {1, 1}, {0, 0}}}, `{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}`},
		{orb.Ring{{0, 0}, {1, 0}, {1, 1}, {0, 0}}, `{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}`},
		{orb.MultiPolygon{{{{0, 0}, {1, 0}, {1, 1}, {0, 0}}}},
			`{"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,0]]]]}`},
		{orb.Bound{Min: orb.Point{0, 0}, Max: orb.Point{1, 2}},
			`{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,2],[0,2],[0,0]]]}`},
	}
	for _, tt := range tests {
		got, err := MarshalGeometry(tt.g)
		if err != nil {
			t.Errorf("MarshalGeometry(%v) error = %v", tt.g, err)
			continue
		}
		if string(got) != tt.want {
			t.Errorf("MarshalGeometry(%v) = %s, want %s", tt.g, got, tt.want)
		}
	}
}

func TestMarshalGeometryErrors(t *testing.T) {
	tests := []struct {
		name string
		g    orb.Geometry
	}{
		{"nil", nil},
		{"collection", orb.Collection{orb.Point{1, 2}}},
		{"NaN", orb.Point{math.NaN(), 0}},
		{"Inf in line", orb.LineString{{0, 0}, {math.Inf(1), 0}}},
	}
	for _, tt := range tests {
		if got, err := MarshalGeometry(tt.g); err == nil {
			t.Errorf("%s: MarshalGeometry = %s, want error", tt.name, got)
		}
	}
}

func TestTransform(t *testing.T) {
	bs := orb.Point{99.1656, 25.1211}
	gx, gy := FromWGS84(GCJ02, bs[0], bs[1])
	gcj := orb.Point{gx, gy}
	bx, by := FromWGS84(BD09, bs[0], bs[1])
	bd := orb.Point{bx, by}

	tests := []struct {
		name string
		in   orb.Geometry
		sys  System
		want orb.Geometry
	}{
		{"wgs84 point", bs, WGS84, bs},
		{"gcj point", gcj, GCJ02, bs},
		{"bd point", bd, BD09, bs},
		{"gcj multipoint", orb.MultiPoint{gcj, gcj}, GCJ02, orb.MultiPoint{bs, bs}},
		{"gcj linestring", orb.LineString{gcj, gcj}, GCJ02, orb.LineString{bs, bs}},
		{"bd multilinestring", orb.MultiLineString{{bd, bd}}, BD09, orb.MultiLineString{{bs, bs}}},
		{"gcj ring", orb.Ring{gcj, gcj, gcj, gcj}, GCJ02, orb.Ring{bs, bs, bs, bs}},
		{"gcj polygon", orb.Polygon{{gcj, gcj, gcj, gcj}, {gcj, gcj, gcj, gcj}}, GCJ02,
			orb.Polygon{{bs, bs, bs, bs}, {bs, bs, bs, bs}}},
		{"bd multipolygon", orb.MultiPolygon{{{bd, bd, bd, bd}}}, BD09, orb.MultiPolygon{{{bs, bs, bs, bs}}}},
		{"gcj bound", orb.Bound{Min: gcj, Max: gcj}, GCJ02, orb.Bound{Min: bs, Max: bs}},
		{"gcj collection", orb.Collection{gcj, orb.LineString{gcj, gcj}}, GCJ02,
			orb.Collection{bs, orb.LineString{bs, bs}}},
		{"nil", nil, GCJ02, nil},
	}
	for _, tt := range tests {
		got := Transform(tt.in, tt.sys)
		if !approxEqual(got, tt.want, 1e-9) {
			t.Errorf("%s: Transform = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestTransformDoesNotAlias(t *testing.T) {
	for _, sys := range []System{WGS84, GCJ02} {
		in := orb.LineString{{99.1656, 25.1211}, {99.17, 25.13}}
		orig := in.Clone()
		out := Transform(in, sys).(orb.LineString)
		out[0][0] = 0
		if !orb.Equal(in, orig) {
			t.Errorf("%s: Transform changed its input: got %v, want %v", sys, in, orig)
		}
	}
}

// approxEqual compares geometries position by position, because the
// numeric inverse is exact only to rounding.
func approxEqual(a, b orb.Geometry, tol float64) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	if fmt.Sprintf("%T", a) != fmt.Sprintf("%T", b) {
		return false
	}
	pa, pb := flatten(a), flatten(b)
	if len(pa) != len(pb) {
		return false
	}
	for i := range pa {
		if math.Abs(pa[i][0]-pb[i][0]) > tol || math.Abs(pa[i][1]-pb[i][1]) > tol {
			return false
		}
	}
	return true
}

func flatten(g orb.Geometry) []orb.Point {
	var out []orb.Point
	mapPoints(orb.Clone(g), func(p *orb.Point) { out = append(out, *p) })
	return out
}
