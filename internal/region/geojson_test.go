package region

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/paulmach/orb"
)

// square is a closed ring around (x, y) with half-width 1, as GeoJSON.
func square(x, y float64) string {
	return fmt.Sprintf("[[%g,%g],[%g,%g],[%g,%g],[%g,%g],[%g,%g]]",
		x-1, y-1, x+1, y-1, x+1, y+1, x-1, y+1, x-1, y-1)
}

// feature builds a feature with the given properties and geometry JSON.
func feature(props, geometry string) string {
	return fmt.Sprintf(`{"type":"Feature","properties":{%s},"geometry":%s}`, props, geometry)
}

// collection wraps features into a FeatureCollection.
func collection(features ...string) []byte {
	return []byte(`{"type":"FeatureCollection","features":[` + strings.Join(features, ",") + "]}")
}

func squareRing(x, y float64) orb.Ring {
	return orb.Ring{{x - 1, y - 1}, {x + 1, y - 1}, {x + 1, y + 1}, {x - 1, y + 1}, {x - 1, y - 1}}
}

func TestParseBoundaries(t *testing.T) {
	data := collection(
		feature(`"code":"530502","name":"隆阳区","center":[99.1,25.1]`,
			`{"type":"Polygon","coordinates":[`+square(99, 25)+`]}`),
		feature(`"code":"530521","center":null`,
			`{"type":"MultiPolygon","coordinates":[[`+square(99, 22)+`],[`+square(95, 22)+`,`+square(95, 22)+`]]}`),
		feature(`"code":"530523"`,
			`{"type":"Polygon","coordinates":[[[97,24,1500],[99,24,1500],[99,26,1500],[97,24,1500]]]}`),
	)
	bounds, centers, err := ParseBoundaries(data)
	if err != nil {
		t.Fatal(err)
	}
	wantBounds := map[string]orb.MultiPolygon{
		"530502": {{squareRing(99, 25)}},
		"530521": {{squareRing(99, 22)}, {squareRing(95, 22), squareRing(95, 22)}},
		"530523": {{{{97, 24}, {99, 24}, {99, 26}, {97, 24}}}},
	}
	if !reflect.DeepEqual(bounds, wantBounds) {
		t.Errorf("bounds = %v, want %v", bounds, wantBounds)
	}
	wantCenters := map[string]orb.Point{"530502": {99.1, 25.1}}
	if !reflect.DeepEqual(centers, wantCenters) {
		t.Errorf("centers = %v, want %v", centers, wantCenters)
	}
}

func TestParseBoundariesErrors(t *testing.T) {
	good := `{"type":"Polygon","coordinates":[` + square(99, 25) + `]}`
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"not JSON", []byte("{"), "boundaries: unexpected end of JSON input"},
		{"not a collection", []byte(`{"type":"Feature"}`), `boundaries: type is "Feature", want "FeatureCollection"`},
		{"feature type", collection(`{"type":"Point","properties":{"code":"530502"}}`),
			`boundaries: feature 0: type is "Point", want "Feature"`},
		{"feature not an object", collection(`[]`),
			"boundaries: feature 0: json: cannot unmarshal array into Go value of type region.featureDoc"},
		{"missing code", collection(feature(`"name":"x"`, good)),
			`boundaries: feature 0: property "code" is missing`},
		{"numeric code", collection(feature(`"code":530502`, good)),
			`boundaries: feature 0: property "code" must be a string: 530502`},
		{"code not a division code", collection(feature(`"code":"5305"`, good)),
			`boundaries: feature 0 (code "5305"): property "code" is not a division code`},
		{"bad center", collection(feature(`"code":"530502","center":[99]`, good)),
			`boundaries: feature 0 (code "530502"): property "center": has 1 numbers, want [lon, lat]`},
		{"center off the globe", collection(feature(`"code":"530502","center":[25,99]`, good)),
			`boundaries: feature 0 (code "530502"): property "center": [25 99] is not a lon/lat pair`},
		{"null geometry", collection(feature(`"code":"530502"`, `null`)),
			`boundaries: feature 0 (code "530502"): geometry: missing`},
		{"point geometry", collection(feature(`"code":"530502"`, `{"type":"Point","coordinates":[99,25]}`)),
			`boundaries: feature 0 (code "530502"): geometry: type is "Point", want "Polygon" or "MultiPolygon"`},
		{"no rings", collection(feature(`"code":"530502"`, `{"type":"Polygon","coordinates":[]}`)),
			`boundaries: feature 0 (code "530502"): geometry: polygon 0 has no rings`},
		{"no polygons", collection(feature(`"code":"530502"`, `{"type":"MultiPolygon","coordinates":[]}`)),
			`boundaries: feature 0 (code "530502"): geometry: no polygons`},
		{"short ring", collection(feature(`"code":"530502"`, `{"type":"Polygon","coordinates":[[[99,25],[100,25],[99,25]]]}`)),
			`boundaries: feature 0 (code "530502"): geometry: polygon 0, ring 0 has 3 positions, want at least 4`},
		{"open ring", collection(feature(`"code":"530502"`, `{"type":"Polygon","coordinates":[[[99,25],[100,25],[100,26],[99,26]]]}`)),
			`boundaries: feature 0 (code "530502"): geometry: polygon 0, ring 0 is not closed`},
		{"one-number position", collection(feature(`"code":"530502"`, `{"type":"Polygon","coordinates":[[[99,25],[100],[100,26],[99,25]]]}`)),
			`boundaries: feature 0 (code "530502"): geometry: polygon 0, ring 0, position 1: has 1 numbers, want [lon, lat]`},
		{"latitude out of range", collection(feature(`"code":"530502"`, `{"type":"Polygon","coordinates":[[[99,25],[100,95],[100,26],[99,25]]]}`)),
			`boundaries: feature 0 (code "530502"): geometry: polygon 0, ring 0, position 1: [100 95] is not a lon/lat pair`},
		{"duplicate code", collection(feature(`"code":"530502"`, good), feature(`"code":"530502"`, good)),
			`boundaries: feature 1 (code "530502"): duplicate of feature 0`},
		{"every bad feature", collection(
			feature(`"code":"530502"`, good),
			feature(`"code":"530521"`, `null`),
			feature(`"code":"530523"`, good),
			feature(`"name":"x"`, good)),
			"boundaries: feature 1 (code \"530521\"): geometry: missing\n" +
				`boundaries: feature 3: property "code" is missing`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bounds, centers, err := ParseBoundaries(tt.data)
			if err == nil {
				t.Fatalf("err = nil, want %q", tt.want)
			}
			if got := err.Error(); got != tt.want {
				t.Errorf("err = %q, want %q", got, tt.want)
			}
			if bounds != nil || centers != nil {
				t.Errorf("got maps %v, %v with an error, want nil", bounds, centers)
			}
		})
	}
}
