package httpapi_test

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"strings"
	"testing"

	"github.com/yingji/yingji/internal/creditcode"
	"github.com/yingji/yingji/internal/geo"
	"github.com/yingji/yingji/internal/registry"
)

const (
	longyang  = "530502"
	tengchong = "530581"
)

// sample builds a valid record of kind k in county div, filling every
// required field from the kind's metadata.
func sample(t *testing.T, e *env, k *registry.Kind, div string, n int, owner int64) map[string]any {
	t.Helper()
	c, _ := e.tree.Center(div)
	rec := map[string]any{
		"code":          fmt.Sprintf("T-%s-%s-%d", k.Name, div, n),
		"name":          fmt.Sprintf("测试%s%d", k.Label, n),
		k.CategoryField: k.Categories[0].Value,
		"geometry":      map[string]any{"type": "Point", "coordinates": []float64{c[0], c[1]}},
	}
	if k.Name == registry.KEnterprise {
		code, err := creditcode.Complete(fmt.Sprintf("91%s%09d", div, n))
		if err != nil {
			t.Fatal(err)
		}
		rec["code"] = code
	}
	if owner != 0 {
		rec["owner_id"] = owner
	}
	for _, f := range k.Fields {
		if !f.Required || !f.AppliesTo(k.Categories[0].Value) {
			continue
		}
		switch f.Type {
		case registry.Int, registry.Float:
			v := 1.0
			if f.Min != nil && *f.Min > v {
				v = *f.Min
			}
			rec[f.Name] = v
		case registry.Enum:
			rec[f.Name] = f.Enum[0]
		case registry.Phone:
			rec[f.Name] = "13800000000"
		default:
			rec[f.Name] = "x"
		}
	}
	if k.Name == registry.KMonitoringPoint {
		rec["unit"] = registry.PointUnits[k.Categories[0].Value][0]
	}
	return rec
}

// ownerKind is the kind whose record owns a sample of k, if any.
func ownerKind(k *registry.Kind) string {
	if len(k.Owners) == 0 {
		return ""
	}
	return k.Owners[0]
}

// seed creates, as admin, one record of every kind in each of two counties
// and returns their IDs by kind and county.
func seed(t *testing.T, e *env) map[string]map[string]int64 {
	ids := map[string]map[string]int64{}
	order := []string{registry.KEnterprise, registry.KFacility}
	for _, k := range registry.Kinds() {
		if k.Name != registry.KEnterprise && k.Name != registry.KFacility {
			order = append(order, k.Name)
		}
	}
	for _, name := range order {
		k, _ := registry.KindNamed(name)
		ids[name] = map[string]int64{}
		for i, div := range []string{longyang, tengchong} {
			var owner int64
			if ok := ownerKind(k); ok != "" {
				owner = ids[ok][div]
			}
			var obj struct{ ID int64 }
			e.call("POST", path(k), "admin", sample(t, e, k, div, i+1, owner), http.StatusCreated, &obj)
			ids[name][div] = obj.ID
		}
	}
	return ids
}

// TestScopeOnEveryRegistryEndpoint: a county user reads and changes only its
// county's records, on every kind and every registry endpoint.
func TestScopeOnEveryRegistryEndpoint(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		ids := seed(t, e)
		for _, k := range registry.Kinds() {
			t.Run(k.Name, func(t *testing.T) {
				own, other := ids[k.Name][longyang], ids[k.Name][tengchong]
				var list struct {
					Items []struct{ ID int64 } `json:"items"`
					Total int                  `json:"total"`
				}
				e.call("GET", path(k), "ly-inspector", nil, 200, &list)
				if list.Total != 1 || len(list.Items) != 1 || list.Items[0].ID != own {
					t.Errorf("list: %+v; want only record %d", list, own)
				}
				e.call("GET", path(k)+"?division="+tengchong, "ly-inspector", nil, 200, &list)
				if list.Total != 0 {
					t.Errorf("list other county: %d records", list.Total)
				}
				var fc struct{ Features []any }
				e.call("GET", path(k)+"?format=geojson", "ly-inspector", nil, 200, &fc)
				if len(fc.Features) != 1 {
					t.Errorf("geojson: %d features, want 1", len(fc.Features))
				}
				csv := e.call("GET", path(k)+"?format=csv", "ly-inspector", nil, 200, nil)
				if n := strings.Count(strings.TrimSpace(string(csv)), "\n"); n != 1 {
					t.Errorf("csv: %d data rows, want 1", n)
				}
				e.call("GET", path(k, own), "ly-inspector", nil, 200, nil)
				e.call("GET", path(k, other), "ly-inspector", nil, 404, nil)
				e.call("PATCH", path(k, other), "ly-inspector", map[string]any{"name": "改"}, 404, nil)
				e.call("DELETE", path(k, other), "ly-inspector", nil, 404, nil)
				var owner int64
				if ok := ownerKind(k); ok != "" {
					owner = ids[ok][tengchong]
				}
				rec := sample(t, e, k, tengchong, 9, owner)
				status, body, _ := e.do("POST", path(k), "ly-inspector", rec, nil)
				if k.Name == registry.KEnterprise && status != 403 || k.Name != registry.KEnterprise && owner != 0 && status != 422 || owner == 0 && status != 403 {
					t.Errorf("create in other county: %d %s", status, body)
				}
				e.call("POST", path(k)+"/import", "ly-inspector", []any{rec}, status, nil)
				// the other county's inspector still sees its record unchanged.
				var got map[string]any
				e.call("GET", path(k, other), "tc-inspector", nil, 200, &got)
				if got["name"] == "改" {
					t.Error("out-of-scope update went through")
				}
				// a read-only role cannot write even in scope.
				e.call("PATCH", path(k, own), "viewer", map[string]any{"name": "改"}, 403, nil)
				e.call("DELETE", path(k, own), "viewer", nil, 403, nil)
				// in scope, the county user can change its own record.
				e.call("PATCH", path(k, own), "ly-inspector", map[string]any{"name": "县内修改"}, 200, &got)
				if got["name"] != "县内修改" {
					t.Errorf("own update: %v", got["name"])
				}
			})
		}
		if e.checked == 0 {
			t.Fatal("no response was validated against the OpenAPI document")
		}
	})
}

func TestListingByCountyAndIndustry(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		k := registry.Enterprise
		var rows []map[string]any
		for i := 0; i < 7; i++ {
			div, ind := longyang, "non_coal_mine"
			if i%3 == 0 {
				div = tengchong
			}
			if i%2 == 0 {
				ind = "hazchem_trader"
			}
			r := sample(t, e, k, div, 100+i, 0)
			r["industry"] = ind
			rows = append(rows, r)
		}
		var res struct{ Created int }
		e.call("POST", path(k)+"/import", "admin", rows, 201, &res)
		if res.Created != 7 {
			t.Fatalf("created %d", res.Created)
		}
		cases := map[string]int{
			"?division=530502":                        4,
			"?division=530502&industry=non_coal_mine": 2,
			"?industry=hazchem_trader":                4,
			"?type=hazchem_trader,non_coal_mine":      7,
			"?division=530500":                        7,
			"?limit=2&offset=6":                       7,
		}
		for q, want := range cases {
			var list struct {
				Items []map[string]any
				Total int
			}
			e.call("GET", path(k)+q, "viewer", nil, 200, &list)
			if list.Total != want {
				t.Errorf("%s: total %d, want %d", q, list.Total, want)
			}
		}
	})
}

func TestBadInput(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		k := registry.Enterprise
		good := sample(t, e, k, longyang, 1, 0)
		e.call("POST", path(k), "admin", good, 201, nil)
		mutate := func(f func(m map[string]any)) map[string]any {
			m := map[string]any{}
			b, _ := json.Marshal(sample(t, e, k, longyang, 2, 0))
			json.Unmarshal(b, &m)
			f(m)
			return m
		}
		cases := []struct {
			name   string
			body   any
			status int
			field  string
		}{
			{"malformed JSON", `{"code":`, 422, "body"},
			{"unknown field", mutate(func(m map[string]any) { m["colour"] = "red" }), 422, "colour"},
			{"bad credit code", mutate(func(m map[string]any) { m["code"] = "91530502MA6K000001" }), 422, "code"},
			{"outside the region", mutate(func(m map[string]any) {
				m["geometry"] = map[string]any{"type": "Point", "coordinates": []float64{116.39, 39.9}}
			}), 422, "geometry"},
			{"bad geometry", mutate(func(m map[string]any) {
				m["geometry"] = map[string]any{"type": "Point", "coordinates": []float64{99.1, 95}}
			}), 422, "geometry"},
			{"unknown division", mutate(func(m map[string]any) { m["division_code"] = "110101" }), 422, "division_code"},
			{"wrong type", mutate(func(m map[string]any) { m["employees"] = "many" }), 422, "employees"},
			{"bad phone", mutate(func(m map[string]any) {
				m["contacts"] = []map[string]string{{"name": "张三", "phone": "99999"}}
			}), 422, "contacts"},
			{"duplicate credit code", mutate(func(m map[string]any) { m["code"] = good["code"] }), 409, "code"},
		}
		for _, tt := range cases {
			t.Run(tt.name, func(t *testing.T) {
				status, body, hdr := e.do("POST", path(k), "admin", tt.body, nil)
				if status != tt.status {
					t.Fatalf("status %d, want %d: %s", status, tt.status, body)
				}
				if ct := hdr.Get("Content-Type"); ct != "application/problem+json" {
					t.Errorf("content type %q", ct)
				}
				p := problemOf(t, body)
				if len(p.Errors) == 0 || p.Errors[0].Field != tt.field {
					t.Errorf("problem %+v does not name field %s", p, tt.field)
				}
			})
		}
		t.Run("wrong unit for a monitoring point", func(t *testing.T) {
			var ent, fac struct{ ID int64 }
			e.call("POST", path(k), "admin", sample(t, e, k, tengchong, 5, 0), 201, &ent)
			e.call("POST", path(registry.Facility), "admin", sample(t, e, registry.Facility, tengchong, 5, ent.ID), 201, &fac)
			p := sample(t, e, registry.MonitoringPoint, tengchong, 5, fac.ID)
			p["unit"] = "kPa" // a water level in kPa
			status, body, _ := e.do("POST", path(registry.MonitoringPoint), "admin", p, nil)
			if status != 422 || problemOf(t, body).Errors[0].Field != "unit" {
				t.Errorf("got %d %s", status, body)
			}
		})
		t.Run("import reports every bad row and stores nothing", func(t *testing.T) {
			rows := []any{sample(t, e, k, longyang, 11, 0), mutate(func(m map[string]any) { m["code"] = "bad" }),
				sample(t, e, k, longyang, 12, 0), mutate(func(m map[string]any) { delete(m, "name"); m["code"] = good["code"] })}
			status, body, _ := e.do("POST", path(k)+"/import", "admin", rows, nil)
			p := problemOf(t, body)
			if status != 422 || len(p.Errors) != 2 || p.Errors[0].Row != 2 || p.Errors[1].Row != 4 {
				t.Fatalf("got %d %+v", status, p)
			}
			var list struct{ Total int }
			e.call("GET", path(k), "admin", nil, 200, &list)
			if list.Total != 2 {
				t.Errorf("%d enterprises stored after the failed import, want 2", list.Total)
			}
		})
		t.Run("unknown query parameter", func(t *testing.T) {
			status, body, _ := e.do("GET", path(k)+"?industy=metallurgy", "admin", nil, nil)
			if status != 422 || problemOf(t, body).Errors[0].Field != "industy" {
				t.Errorf("got %d %s", status, body)
			}
		})
	})
}

func TestCoordinateSystems(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		k := registry.Shelter
		rec := sample(t, e, k, longyang, 1, 0)
		rec["geometry"] = map[string]any{"type": "Point", "coordinates": []float64{99.170, 25.119}}
		rec["crs"] = "gcj02"
		var got map[string]any
		e.call("POST", path(k), "admin", rec, 201, &got)
		lon, lat := got["lon"].(float64), got["lat"].(float64)
		wantLon, wantLat := geo.ToWGS84(geo.GCJ02, 99.170, 25.119)
		if math.Abs(lon-wantLon) > 1e-9 || math.Abs(lat-wantLat) > 1e-9 || math.Abs(lon-99.170) < 1e-4 {
			t.Errorf("stored %.6f,%.6f; want %.6f,%.6f (the GCJ-02 offset removed)", lon, lat, wantLon, wantLat)
		}
		// a FeatureCollection import with ?crs=bd09
		fc := map[string]any{"type": "FeatureCollection", "features": []any{map[string]any{"type": "Feature",
			"geometry":   map[string]any{"type": "Point", "coordinates": []float64{99.1767, 25.1250}},
			"properties": map[string]any{"code": "BD-1", "name": "百度坐标避难所", "shelter_type": "type_2", "capacity": 500}}}}
		e.call("POST", path(k)+"/import?crs=bd09", "admin", fc, 201, nil)
		var list struct{ Items []map[string]any }
		e.call("GET", path(k)+"?q=BD-1", "admin", nil, 200, &list)
		wantLon, _ = geo.ToWGS84(geo.BD09, 99.1767, 25.1250)
		if len(list.Items) != 1 || math.Abs(list.Items[0]["lon"].(float64)-wantLon) > 1e-9 {
			t.Errorf("bd09 import: %+v, want lon %.6f", list.Items, wantLon)
		}
	})
}

func registryEnterprise() *registry.Kind { return registry.Enterprise }
