package httpapi

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"github.com/yingji/yingji/internal/core"
	"github.com/yingji/yingji/internal/models/fwi"
	"github.com/yingji/yingji/internal/registry"
	"github.com/yingji/yingji/internal/telemetry"
)

// RollupReader reads a monitoring point's roll-ups with from ≤ bucket < to
// (Unix ms); the store's ReadRollups.
type RollupReader func(ctx context.Context, pointID, resolution, from, to int64) ([]telemetry.Rollup, error)

// fwiStationNoon is the hour of the noon observation (Asia/Shanghai
// standard time) and fwiZone its zone.
const fwiStationNoon = 12

var fwiZone = func() *time.Location {
	if loc, err := time.LoadLocation("Asia/Shanghai"); err == nil {
		return loc
	}
	return time.FixedZone("CST", 8*3600)
}()

type fwiStationDay struct {
	Date    string   `json:"date"`
	Missing []string `json:"missing,omitempty"`
	Temp    *float64 `json:"temp,omitempty"`
	RH      *float64 `json:"rh,omitempty"`
	Wind    *float64 `json:"wind_kmh,omitempty"`
	Rain    *float64 `json:"rain_mm,omitempty"`
	FFMC    *float64 `json:"ffmc,omitempty"`
	DMC     *float64 `json:"dmc,omitempty"`
	DC      *float64 `json:"dc,omitempty"`
	ISI     *float64 `json:"isi,omitempty"`
	BUI     *float64 `json:"bui,omitempty"`
	FWI     *float64 `json:"fwi,omitempty"`
	DSR     *float64 `json:"dsr,omitempty"`
	Level   string   `json:"level"`
}

type fwiStationOut struct {
	Code         string            `json:"code"`
	Name         string            `json:"name"`
	Division     string            `json:"division_code"`
	Lon          float64           `json:"lon"`
	Lat          float64           `json:"lat"`
	Grouping     string            `json:"grouping"`
	Points       map[string]string `json:"points"`
	Latest       *fwiStationDay    `json:"latest"`
	ComputedDays int               `json:"computed_days"`
	MissingDays  int               `json:"missing_days"`
	Days         []fwiStationDay   `json:"days,omitempty"`
}

func fp(v float64) *float64 { return &v }

func stationDayOut(d fwi.StationDay) fwiStationDay {
	o := fwiStationDay{Date: d.Date, Missing: d.Missing, Level: string(d.Level)}
	if d.Weather != nil {
		o.Temp, o.RH, o.Wind, o.Rain = fp(d.Weather.Temp), fp(d.Weather.RH), fp(d.Weather.Wind), fp(d.Weather.Rain)
	}
	if x := d.Indices; x != nil {
		o.FFMC, o.DMC, o.DC, o.ISI, o.BUI, o.FWI, o.DSR = fp(x.FFMC), fp(x.DMC), fp(x.DC), fp(x.ISI), fp(x.BUI), fp(x.FWI), fp(x.DSR)
	}
	return o
}

// fwiStations answers each weather station's daily FWI over the last days.
func (s *Server) fwiStations(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	days := 30
	if v := q.Get("days"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 120 {
			s.fail(w, r, core.Invalid("days", "%q: want 1 to 120", v))
			return
		}
		days = n
	}
	latAdjust := true
	if v := q.Get("lat_adjust"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			s.fail(w, r, core.Invalid("lat_adjust", "%q: want true or false", v))
			return
		}
		latAdjust = b
	}
	series := q.Get("series") == "true"
	asGeo := q.Get("format") == "geojson"
	if f := q.Get("format"); f != "" && f != "json" && f != "geojson" {
		s.fail(w, r, core.Invalid("format", "%q: want json or geojson", f))
		return
	}
	ix, err := s.Models.Exposure(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	sc := scope(r)
	owners := map[int64]string{}
	for _, k := range []string{registry.KFacility, registry.KEnterprise} {
		for _, o := range ix.Objects(k, registry.Scope{All: true}) {
			owners[o.ID] = o.Name
		}
	}
	var sensors []fwi.Sensor
	for _, o := range ix.Objects(registry.KMonitoringPoint, sc) {
		if o.Status != "active" {
			continue
		}
		a := o.Anchor()
		sensors = append(sensors, fwi.Sensor{ID: o.ID, Code: o.Code, Name: o.Name, Kind: o.Category, OwnerID: o.OwnerID,
			OwnerName: owners[o.OwnerID], Division: o.Division, Lon: a[0], Lat: a[1]})
	}
	now := time.Now()
	if s.Models.Now != nil {
		now = s.Models.Now()
	}
	local := now.In(fwiZone)
	last := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, fwiZone)
	if local.Before(last.Add((fwiStationNoon + 1) * time.Hour)) {
		last = last.AddDate(0, 0, -1) // today's noon hour is not complete yet
	}
	first := last.AddDate(0, 0, -(days - 1))
	from := first.Add(fwiStationNoon*time.Hour - 49*time.Hour).UnixMilli()
	to := last.Add((fwiStationNoon + 1) * time.Hour).UnixMilli()
	hours := func(id int64) ([]fwi.Hour, error) {
		rs, err := s.Models.Rollups(r.Context(), id, telemetry.Hour, from, to)
		if err != nil {
			return nil, err
		}
		out := make([]fwi.Hour, 0, len(rs))
		for _, x := range rs {
			if x.Count == 0 {
				continue
			}
			out = append(out, fwi.Hour{Start: time.UnixMilli(x.BucketMS).UTC(), Mean: x.Sum / float64(x.Count), Max: x.Max})
		}
		return out, nil
	}
	bp := fwi.DefaultBreakpoints
	items := []fwiStationOut{}
	for _, st := range fwi.Stations(sensors, fwi.StationRadiusM) {
		var ser fwi.StationSeries
		for _, p := range []struct {
			dst *[]fwi.Hour
			id  int64
		}{{&ser.Temp, st.Temp.ID}, {&ser.RH, st.RH.ID}, {&ser.Wind, st.Wind.ID}, {&ser.Rain, st.Rain.ID}} {
			if *p.dst, err = hours(p.id); err != nil {
				s.fail(w, r, err)
				return
			}
		}
		opt := fwi.Options{LatAdjust: latAdjust, Latitude: st.Lat}
		ds := fwi.RunStation(ser, first, last, fwiZone, fwiStationNoon, fwi.DefaultCodes, opt, bp)
		out := fwiStationOut{Code: st.Code, Name: st.Name, Division: st.Division, Lon: st.Lon, Lat: st.Lat, Grouping: st.Grouping,
			Points: map[string]string{}}
		for k, p := range st.Sensors() {
			out.Points[k] = p.Code
		}
		for _, d := range ds {
			if d.Indices == nil {
				out.MissingDays++
				continue
			}
			out.ComputedDays++
			l := stationDayOut(d)
			out.Latest = &l
		}
		if series {
			for _, d := range ds {
				out.Days = append(out.Days, stationDayOut(d))
			}
		}
		items = append(items, out)
	}
	if asGeo {
		fc := geojson.NewFeatureCollection()
		for _, it := range items {
			f := geojson.NewFeature(orb.Point{it.Lon, it.Lat})
			f.Properties = geojson.Properties{"code": it.Code, "name": it.Name, "division_code": it.Division, "grouping": it.Grouping,
				"computed_days": it.ComputedDays, "missing_days": it.MissingDays, "level": ""}
			if l := it.Latest; l != nil {
				f.Properties["date"], f.Properties["level"], f.Properties["fwi"] = l.Date, l.Level, *l.FWI
				f.Properties["ffmc"], f.Properties["dmc"], f.Properties["dc"] = *l.FFMC, *l.DMC, *l.DC
				f.Properties["isi"], f.Properties["bui"], f.Properties["dsr"] = *l.ISI, *l.BUI, *l.DSR
			}
			fc.Append(f)
		}
		w.Header().Set("Content-Type", "application/geo+json")
		json.NewEncoder(w).Encode(fc)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"date": last.Format(time.DateOnly), "first": first.Format(time.DateOnly), "days": days,
		"noon": "12:00 Asia/Shanghai", "lat_adjusted": latAdjust,
		"breakpoints": map[string]float64{"blue": bp.Blue, "yellow": bp.Yellow, "orange": bp.Orange, "red": bp.Red}, "items": items})
}
