package httpapi

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/yingji/yingji/internal/core"
	"github.com/yingji/yingji/internal/geo"
)

// compact is JSON without insignificant space ("null" for none).
func compact(b json.RawMessage) string {
	var buf bytes.Buffer
	if len(b) == 0 || json.Compact(&buf, b) != nil {
		return "null"
	}
	return buf.String()
}

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
			if len(core.ErrorFields(err)) == 0 || core.ErrorFields(err)[0].Field != "body" {
				t.Fatalf("error %v does not name the body", err)
			}
			return
		}
		for i, r := range rows {
			if !json.Valid(r) {
				t.Fatalf("row %d of an accepted body is not JSON: %q", i, r)
			}
		}
		// a FeatureCollection gives one row per feature, its properties
		// with the feature's geometry.
		var fc struct {
			Features []struct {
				Geometry json.RawMessage `json:"geometry"`
			} `json:"features"`
		}
		if b := bytes.TrimSpace(body); len(b) > 0 && b[0] != '[' && json.Unmarshal(b, &fc) == nil {
			if len(rows) != len(fc.Features) {
				t.Fatalf("%d features, %d rows", len(fc.Features), len(rows))
			}
			for i, r := range rows {
				var row map[string]json.RawMessage
				if err := json.Unmarshal(r, &row); err != nil {
					t.Fatalf("row %d is not an object: %v", i, err)
				}
				want, got := compact(fc.Features[i].Geometry), compact(row["geometry"])
				if want != got {
					t.Fatalf("row %d geometry %s, feature's %s", i, got, want)
				}
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
