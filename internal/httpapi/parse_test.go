package httpapi

import (
	"encoding/json"
	"testing"

	"github.com/yingji/yingji/internal/geo"
)

// FuzzImportRows: any body is split into rows or refused with an error,
// never a panic.
func FuzzImportRows(f *testing.F) {
	f.Add([]byte(`[{"code":"a"},{"code":"b"}]`))
	f.Add([]byte(`{"type":"FeatureCollection","features":[{"type":"Feature","geometry":null,"properties":{"code":"x"}}]}`))
	f.Add([]byte(`{"type":"Feature"}`))
	f.Add([]byte(``))
	f.Fuzz(func(t *testing.T, body []byte) {
		rows, err := importRows(body)
		if err != nil {
			return
		}
		for i, r := range rows {
			if !json.Valid(r) {
				t.Fatalf("row %d of an accepted body is not JSON: %q", i, r)
			}
		}
	})
}

// FuzzParseBBox: accepted boxes are ordered and inside the globe.
func FuzzParseBBox(f *testing.F) {
	f.Add("98.5,24.5,99.5,25.5")
	f.Add("1,2,3")
	f.Add("NaN,0,1,1")
	f.Fuzz(func(t *testing.T, v string) {
		b, err := parseBBox(v, geo.WGS84)
		if err != nil {
			return
		}
		if !(b.Min[0] <= b.Max[0] && b.Min[1] <= b.Max[1]) {
			t.Fatalf("parseBBox(%q) = %v: not ordered", v, b)
		}
	})
}
