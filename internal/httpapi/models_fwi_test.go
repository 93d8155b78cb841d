package httpapi_test

import (
	"context"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/yingji/yingji/internal/core"
	"github.com/yingji/yingji/internal/models/fwi"
	"github.com/yingji/yingji/internal/registry"
	"github.com/yingji/yingji/internal/store/storetest"
	"github.com/yingji/yingji/internal/telemetry"
)

// fwiNow is the models' clock: 2024-03-04 14:00 in Shanghai, after the
// day's noon hour.
var fwiNow = time.Date(2024, 3, 4, 6, 0, 0, 0, time.UTC)

// TestFWIStations: the rain gauge of the model environment and three
// sensors added to its owner make a station; four days of hourly roll-ups
// (noon readings, the gauge's running totals with a reset at 20:00) give
// the same indices as fwi.Series over the noon weather written by hand,
// with the latitude-adjusted factors at the station's latitude, and the
// day with no humidity reading is missing.
func TestFWIStations(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			m := newModelEnv(t, b)
			ctx := core.WithActor(context.Background(), core.SystemActor)
			ix, err := m.api.Models.Exposure(ctx)
			if err != nil {
				t.Fatal(err)
			}
			var gauge *registry.Object
			for _, o := range ix.Objects(registry.KMonitoringPoint, registry.Scope{All: true}) {
				if o.Code == "JY-1" {
					gauge = o
				}
			}
			at := gauge.Anchor()
			ids := map[string]int64{"rainfall": gauge.ID}
			for _, s := range []struct{ kind, unit string }{{"temperature", "°C"}, {"humidity", "%RH"}, {"wind_speed", "m/s"}} {
				objs, err := m.api.Registry.Create(ctx, registry.MonitoringPoint, []*registry.Input{{Object: registry.Object{
					Code: "QX-" + s.kind, Name: "示例气象" + s.kind, Category: s.kind, Status: "active", OwnerID: gauge.OwnerID,
					Geometry: orb.Point{at[0] + 0.0001, at[1]}, Attrs: map[string]any{"unit": s.unit, "interval_s": 300}}}})
				if err != nil {
					t.Fatal(err)
				}
				ids[s.kind] = objs[0].ID
			}
			m.exp.Invalidate()
			sh := time.FixedZone("CST", 8*3600)
			// noon weather of 1–4 March 2024; wind in m/s as stored, rain
			// of the 24 h to noon.
			weather := []struct{ temp, rh, windMS, rain float64 }{{17, 42, 2.5, 0}, {19, 35, 3, 0}, {12, 80, 1, 7.5}, {20, 30, 4, 0}}
			var rs []telemetry.Rollup
			roll := func(kind string, at time.Time, v ...float64) {
				r := telemetry.Rollup{PointID: ids[kind], Resolution: telemetry.Hour, BucketMS: at.UnixMilli()}
				for _, x := range v {
					r.Add(x)
				}
				rs = append(rs, r)
			}
			roll("rainfall", time.Date(2024, 2, 29, 11, 0, 0, 0, sh), 0)
			for i, w := range weather {
				noon := time.Date(2024, 3, 1+i, 12, 0, 0, 0, sh)
				roll("temperature", noon, w.temp-0.5, w.temp+0.5)
				if i != 1 {
					roll("humidity", noon, w.rh)
				}
				roll("wind_speed", noon, w.windMS)
				// the day's 7.5 mm: 5 mm before the 20:00 reset, 2.5 after.
				if w.rain > 0 {
					roll("rainfall", noon.Add(-20*time.Hour), 3, 5)
					roll("rainfall", noon.Add(-15*time.Hour), 1)
					roll("rainfall", noon.Add(-1*time.Hour), 2.5)
				} else {
					roll("rainfall", noon.Add(-1*time.Hour), 2.5*float64(i/3))
				}
			}
			if err := m.db.WriteSeries(ctx, nil, rs, nil); err != nil {
				t.Fatal(err)
			}
			var res struct {
				Date, First string
				LatAdjusted bool `json:"lat_adjusted"`
				Items       []struct {
					Code         string
					Grouping     string
					Points       map[string]string
					ComputedDays int `json:"computed_days"`
					MissingDays  int `json:"missing_days"`
					Latest       *struct {
						Date  string
						FWI   float64
						Level string
					}
					Days []struct {
						Date    string
						Missing []string
						Rain    *float64 `json:"rain_mm"`
						Wind    *float64 `json:"wind_kmh"`
						FFMC    *float64
						DMC     *float64
						DC      *float64
						FWI     *float64
					}
				}
			}
			m.call("GET", "/api/v1/models/fwi/stations?days=4&series=true", "viewer", nil, 200, &res)
			if res.Date != "2024-03-04" || res.First != "2024-03-01" || !res.LatAdjusted || len(res.Items) != 1 {
				t.Fatalf("%+v", res)
			}
			st := res.Items[0]
			if st.Grouping != "owner" || st.Points["rainfall"] != "JY-1" || st.ComputedDays != 3 || st.MissingDays != 1 || len(st.Days) != 4 {
				t.Fatalf("station %+v", st)
			}
			if d := st.Days[1]; d.FWI != nil || len(d.Missing) != 1 || d.Missing[0] != "humidity" {
				t.Errorf("day without humidity: %+v", d)
			}
			var days []fwi.Day
			for i, w := range weather {
				if i == 1 {
					continue
				}
				days = append(days, fwi.Day{Date: time.Date(2024, 3, 1+i, 0, 0, 0, 0, time.UTC),
					Weather: fwi.Weather{Temp: w.temp, RH: w.rh, Wind: w.windMS * 3.6, Rain: w.rain}})
			}
			want, err := fwi.Series(fwi.DefaultCodes, days, fwi.Options{LatAdjust: true, Latitude: at[1]})
			if err != nil {
				t.Fatal(err)
			}
			j := 0
			for i, d := range st.Days {
				if i == 1 {
					continue
				}
				if d.FWI == nil || math.Abs(*d.FWI-want[j].FWI) > 1e-9 || math.Abs(*d.DC-want[j].DC) > 1e-9 ||
					math.Abs(*d.Rain-days[j].Rain) > 1e-9 || math.Abs(*d.Wind-days[j].Wind) > 1e-9 {
					t.Errorf("day %s: %+v (rain %v wind %v), want %+v", d.Date, d, *d.Rain, *d.Wind, want[j])
				}
				j++
			}
			if st.Latest == nil || st.Latest.Date != "2024-03-04" || math.Abs(st.Latest.FWI-want[2].FWI) > 1e-9 ||
				st.Latest.Level != string(fwi.DefaultBreakpoints.Level(want[2].FWI)) {
				t.Errorf("latest %+v, want FWI %v", st.Latest, want[2].FWI)
			}
			// GeoJSON for the map
			var fc struct {
				Type     string
				Features []struct {
					Geometry   struct{ Coordinates []float64 }
					Properties map[string]any
				}
			}
			m.call("GET", "/api/v1/models/fwi/stations?days=4&format=geojson", "viewer", nil, 200, &fc)
			if fc.Type != "FeatureCollection" || len(fc.Features) != 1 || fc.Features[0].Properties["date"] != "2024-03-04" ||
				math.Abs(fc.Features[0].Properties["fwi"].(float64)-want[2].FWI) > 1e-9 {
				t.Errorf("geojson %+v", fc)
			}
			// a 腾冲 inspector sees no station of 隆阳区
			res.Items = nil
			m.call("GET", "/api/v1/models/fwi/stations", "tc-inspector", nil, 200, &res)
			if len(res.Items) != 0 {
				t.Errorf("out of scope: %+v", res.Items)
			}
			body := string(m.call("GET", "/api/v1/models/fwi/stations?days=0", "viewer", nil, 422, nil))
			if !strings.Contains(body, "days") {
				t.Errorf("bad days: %s", body)
			}
		})
	}
}
