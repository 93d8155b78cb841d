package geo

import (
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/paulmach/orb"
)

func TestParseGeometryValid(t *testing.T) {
	square := orb.Ring{{0, 0}, {1, 0}, {1, 1}, {0, 1}, {0, 0}}
	tests := []struct {
		name string
		in   string
		want orb.Geometry
	}{
		{"point", `{"type":"Point","coordinates":[99.1656,25.1211]}`, orb.Point{99.1656, 25.1211}},
		{"point with altitude", `{"type":"Point","coordinates":[99.1656,25.1211,1650]}`, orb.Point{99.1656, 25.1211}},
		{"point at limits", `{"type":"Point","coordinates":[-180,90]}`, orb.Point{-180, 90}},
		{"extra members ignored", `{"type":"Point","bbox":[0,0,0,0],"coordinates":[0,0]}`, orb.Point{0, 0}},
		{"multipoint", `{"type":"MultiPoint","coordinates":[[1,2],[3,4]]}`, orb.MultiPoint{{1, 2}, {3, 4}}},
		{"multipoint single", `{"type":"MultiPoint","coordinates":[[1,2]]}`, orb.MultiPoint{{1, 2}}},
		{"linestring", `{"type":"LineString","coordinates":[[1,2],[3,4]]}`, orb.LineString{{1, 2}, {3, 4}}},
		{"multilinestring", `{"type":"MultiLineString","coordinates":[[[1,2],[3,4]],[[5,6],[7,8],[9,10]]]}`,
			orb.MultiLineString{{{1, 2}, {3, 4}}, {{5, 6}, {7, 8}, {9, 10}}}},
		{"polygon", `{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1],[0,0]]]}`, orb.Polygon{square}},
		{"polygon with hole", `{"type":"Polygon","coordinates":[[[0,0],[4,0],[4,4],[0,4],[0,0]],[[1,1],[2,1],[2,2],[1,1]]]}`,
			orb.Polygon{{{0, 0}, {4, 0}, {4, 4}, {0, 4}, {0, 0}}, {{1, 1}, {2, 1}, {2, 2}, {1, 1}}}},
		{"multipolygon", `{"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,1],[0,0]]]]}`,
			orb.MultiPolygon{{square}}},
		{"whitespace", " \n{ \"coordinates\" : [ 1 , 2 ] , \"type\" : \"Point\" }\t", orb.Point{1, 2}},
	}
	for _, tt := range tests {
		got, err := ParseGeometry([]byte(tt.in))
		if err != nil {
			t.Errorf("%s: ParseGeometry error = %v", tt.name, err)
			continue
		}
		if !orb.Equal(got, tt.want) {
			t.Errorf("%s: ParseGeometry = %#v, want %#v", tt.name, got, tt.want)
		}
	}
}

func TestParseGeometryErrors(t *testing.T) {
	want := "want Point, LineString, Polygon, MultiPoint, MultiLineString or MultiPolygon"
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"null", `null`, "invalid GeoJSON geometry: got null, want an object"},
		{"missing type", `{"coordinates":[0,0]}`, `missing "type"`},
		{"type not string", `{"type":7,"coordinates":[0,0]}`, `"type" must be a string: `},
		{"unknown type", `{"type":"Circle","coordinates":[0,0]}`,
			`type "Circle" is not a GeoJSON geometry type (` + want + `)`},
		{"feature", `{"type":"Feature","geometry":null}`,
			`type "Feature" is not a GeoJSON geometry type (` + want + `)`},
		{"type case", `{"type":"point","coordinates":[0,0]}`,
			`type "point" is not a GeoJSON geometry type (` + want + `)`},
		{"collection", `{"type":"GeometryCollection","geometries":[]}`,
			`type "GeometryCollection" is not supported (` + want + `)`},
		{"missing coordinates", `{"type":"Point"}`, `Point is missing "coordinates"`},
		{"null coordinates", `{"type":"Polygon","coordinates":null}`, `Polygon is missing "coordinates"`},
		{"point not array", `{"type":"Point","coordinates":"0,0"}`,
			"coordinates: want a position [longitude, latitude]: "},
		{"point one element", `{"type":"Point","coordinates":[1]}`,
			"coordinates: position has 1 elements, want 2 or 3 (longitude, latitude[, altitude])"},
		{"point four elements", `{"type":"Point","coordinates":[1,2,3,4]}`,
			"coordinates: position has 4 elements, want 2 or 3 (longitude, latitude[, altitude])"},
		{"point string element", `{"type":"Point","coordinates":[1,"2"]}`, "coordinates[1]: want a number: "},
		{"point null element", `{"type":"Point","coordinates":[null,2]}`, "coordinates[0]: want a number, got null"},
		{"number overflow", `{"type":"Point","coordinates":[1e400,2]}`, "coordinates[0]: want a number: "},
		{"longitude high", `{"type":"Point","coordinates":[180.5,0]}`, "coordinates: longitude 180.5 is outside [-180, 180]"},
		{"longitude low", `{"type":"Point","coordinates":[-181,0]}`, "coordinates: longitude -181 is outside [-180, 180]"},
		{"latitude low", `{"type":"Point","coordinates":[0,-90.1]}`, "coordinates: latitude -90.1 is outside [-90, 90]"},
		{"multipoint empty", `{"type":"MultiPoint","coordinates":[]}`,
			"coordinates: empty array, want at least one position"},
		{"multipoint bad member", `{"type":"MultiPoint","coordinates":[[0,0],[0,91]]}`,
			"coordinates[1]: latitude 91 is outside [-90, 90]"},
		{"linestring one position", `{"type":"LineString","coordinates":[[0,0]]}`,
			"coordinates: 1 positions, want at least 2"},
		{"linestring empty", `{"type":"LineString","coordinates":[]}`,
			"coordinates: empty array, want at least one position"},
		{"linestring flat", `{"type":"LineString","coordinates":[0,0]}`,
			"coordinates[0]: want a position [longitude, latitude]: "},
		{"multilinestring empty", `{"type":"MultiLineString","coordinates":[]}`,
			"coordinates: empty array, want at least one line"},
		{"multilinestring short member", `{"type":"MultiLineString","coordinates":[[[0,0],[1,1]],[[2,2]]]}`,
			"coordinates[1]: 1 positions, want at least 2"},
		{"polygon empty", `{"type":"Polygon","coordinates":[]}`, "coordinates: empty array, want at least one ring"},
		{"polygon not nested", `{"type":"Polygon","coordinates":[[0,0],[1,0],[1,1],[0,0]]}`,
			"coordinates[0][0]: want a position [longitude, latitude]: "},
		{"polygon latitude", `{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,95],[0,0]]]}`,
			"coordinates[0][3]: latitude 95 is outside [-90, 90]"},
		{"ring too short", `{"type":"Polygon","coordinates":[[[0,0],[1,0],[0,0]]]}`,
			"coordinates[0]: 3 positions, want at least 4"},
		{"ring not closed", `{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1]]]}`,
			"coordinates[0]: ring is not closed: first position [0, 0] differs from last [0, 1]"},
		{"hole not closed", `{"type":"Polygon","coordinates":[[[0,0],[4,0],[4,4],[0,0]],[[1,1],[2,1],[2,2],[1,2]]]}`,
			"coordinates[1]: ring is not closed: first position [1, 1] differs from last [1, 2]"},
		{"multipolygon empty", `{"type":"MultiPolygon","coordinates":[]}`,
			"coordinates: empty array, want at least one polygon"},
		{"multipolygon bad ring", `{"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,0]]],[[[0,0],[1,0],[0,0]]]]}`,
			"coordinates[1][0]: 3 positions, want at least 4"},
		{"multipolygon deep", `{"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,0]],[[0,0],[200,0],[1,1],[0,0]]]]}`,
			"coordinates[0][1][1]: longitude 200 is outside [-180, 180]"},
	}
	for _, tt := range tests {
		g, err := ParseGeometry([]byte(tt.in))
		if err == nil {
			t.Errorf("%s: ParseGeometry = %v, want error %q", tt.name, g, tt.want)
			continue
		}
		// Messages ending in ": " wrap a JSON decoding error whose wording
		// belongs to encoding/json, so only our prefix is compared.
		if got := err.Error(); got != tt.want && !(strings.HasSuffix(tt.want, ": ") && strings.HasPrefix(got, tt.want)) {
			t.Errorf("%s: ParseGeometry error = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestParseGeometryMalformedJSON(t *testing.T) {
	inputs := []string{
		``,
		`{`,
		`{"type":"Point","coordinates":[0,0]`,
		`{"type":"Point","coordinates":[0,0]} trailing`,
		`[0,0]`,
		`"Point"`,
		`{"type":"Point",}`,
	}
	for _, in := range inputs {
		_, err := ParseGeometry([]byte(in))
		if err == nil {
			t.Errorf("ParseGeometry(%q) succeeded, want error", in)
			continue
		}
		var v map[string]json.RawMessage
		jsonErr := json.Unmarshal([]byte(in), &v)
		if jsonErr == nil {
			t.Fatalf("test input %q is valid JSON for a map", in)
		}
		if got := err.Error(); !strings.Contains(got, jsonErr.Error()) || !strings.HasPrefix(got, "invalid GeoJSON geometry: ") {
			t.Errorf("ParseGeometry(%q) error = %q, want it to include %q", in, got, jsonErr)
		}
	}
}

// fuzzSeeds mixes valid geometries of every type with near misses, so the
// fuzzer starts next to each validation boundary.
var fuzzSeeds = []string{
	`{"type":"Point","coordinates":[99.1656,25.1211]}`,
	`{"type":"Point","coordinates":[-180,-90,12.5]}`,
	`{"type":"Point","coordinates":[-0,0]}`,
	`{"type":"Point","coordinates":[1e-320,5e-324]}`,
	`{"type":"MultiPoint","coordinates":[[1,2],[3,4]]}`,
	`{"type":"LineString","coordinates":[[99.16,25.12],[99.17,25.13]]}`,
	`{"type":"MultiLineString","coordinates":[[[1,2],[3,4]],[[5,6],[7,8]]]}`,
	`{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1],[0,0]]]}`,
	`{"type":"Polygon","coordinates":[[[0,0],[4,0],[4,4],[0,4],[0,0]],[[1,1],[2,1],[2,2],[1,1]]]}`,
	`{"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,0]]],[[[5,5],[6,5],[6,6],[5,5]]]]}`,
	`{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1]]]}`,
	`{"type":"Polygon","coordinates":[[[0,0],[1,0],[0,0]]]}`,
	`{"type":"LineString","coordinates":[[0,0]]}`,
	`{"type":"Point","coordinates":[0,95]}`,
	`{"type":"Point","coordinates":[1e400,0]}`,
	`{"type":"Point","coordinates":[null,0]}`,
	`{"type":"Circle","coordinates":[0,0]}`,
	`{"type":"GeometryCollection","geometries":[]}`,
	`{"type":"MultiPolygon","coordinates":[]}`,
	`{"type":["Point"],"coordinates":[0,0]}`,
	`{"coordinates":[0,0]}`,
	`{"type":"Point"}`,
	`{"type":"Point","coordinates":[0,0]`,
	`null`,
	`[]`,
	``,
}

func FuzzParseGeometry(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		g, err := ParseGeometry(data)
		if err != nil {
			if g != nil {
				t.Fatalf("ParseGeometry returned %v together with error %v", g, err)
			}
			return
		}
		if bad, ok := firstInvalidPoint(g); ok {
			t.Fatalf("ParseGeometry accepted out-of-range position %v in %s", bad, data)
		}

		out, err := MarshalGeometry(g)
		if err != nil {
			t.Fatalf("MarshalGeometry(%v) error = %v (input %s)", g, err, data)
		}
		again, err := ParseGeometry(out)
		if err != nil {
			t.Fatalf("re-parse of %s error = %v (input %s)", out, err, data)
		}
		if !orb.Equal(g, again) {
			t.Fatalf("round trip changed geometry: got %v, want %v", again, g)
		}

		// Accepted geometries flow straight into these; they must cope.
		a := Anchor(g)
		if math.IsNaN(a[0]) || math.IsNaN(a[1]) {
			t.Fatalf("Anchor(%v) = %v, want finite", g, a)
		}
		_ = Transform(g, GCJ02)
	})
}

// firstInvalidPoint re-checks every accepted position independently of the
// parser's own bookkeeping.
func firstInvalidPoint(g orb.Geometry) (orb.Point, bool) {
	for _, p := range flatten(g) {
		if checkPoint("", p) != nil {
			return p, true
		}
	}
	return orb.Point{}, false
}
