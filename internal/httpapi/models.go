package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"github.com/yingji/yingji/internal/auth"
	"github.com/yingji/yingji/internal/core"
	"github.com/yingji/yingji/internal/exposure"
	"github.com/yingji/yingji/internal/geo"
	"github.com/yingji/yingji/internal/models/fwi"
	"github.com/yingji/yingji/internal/models/landslide"
	"github.com/yingji/yingji/internal/registry"
)

// Models is what the API needs for hazard models, exposure and external
// hazard feeds (issue 7).
type Models struct {
	// Exposure returns the current exposure index; nil leaves exposure out
	// of model answers and POST /exposure.
	Exposure func(ctx context.Context) (*exposure.Index, error)
	// Feeds, if set, reports the external feeds' status.
	Feeds func() []FeedStatus
	// FeedPost, if set, accepts a pushed feed document of a kind.
	FeedPost func(ctx context.Context, kind string, body []byte) (FeedAccepted, error)
	// FeedEvents, if set, returns the latest n assessed feed events.
	FeedEvents func(n int) any
	// Landslide, if set, is the live rainfall-geohazard evaluator fed by
	// the rain gauges' readings.
	Landslide *landslide.Live
	// Rollups, if set (with Exposure), reads the monitoring points' hourly
	// roll-ups for the daily FWI of each weather station.
	Rollups RollupReader
	// Now, if set, is the clock of the FWI stations' days (tests).
	Now func() time.Time
}

// FeedStatus is one external feed's state.
type FeedStatus struct {
	Name       string     `json:"name"`
	Kind       string     `json:"kind"`
	Source     string     `json:"source"`
	LastPoll   *time.Time `json:"last_poll,omitempty"`
	LastError  string     `json:"last_error,omitempty"`
	LastErrAt  *time.Time `json:"last_error_at,omitempty"`
	EventsSeen int        `json:"events_seen"`
	Duplicates int        `json:"duplicates"`
}

// FeedAccepted is the answer to a pushed feed document.
type FeedAccepted struct {
	Events     int `json:"events"`
	New        int `json:"new"`
	Duplicates int `json:"duplicates"`
}

// modelRoutes are the model, exposure and feed routes.
func (s *Server) modelRoutes() []Route {
	if s.Models == nil {
		return nil
	}
	rs := []Route{
		{"POST", "/api/v1/models/fwi", auth.RegistryRead, "Fire Weather Index System over a run of daily noon weather", s.modelFWI},
		{"POST", "/api/v1/models/plume", auth.RegistryRead, "Gaussian plume: concentration at a point and threshold footprints with exposure", s.modelPlume},
		{"POST", "/api/v1/models/blast", auth.RegistryRead, "Explosion overpressure and damage rings with exposure", s.modelBlast},
		{"POST", "/api/v1/models/landslide", auth.RegistryRead, "Rainfall-induced geohazard warning levels per hazard point", s.modelLandslide},
		{"POST", "/api/v1/models/quake", auth.RegistryRead, "Earthquake intensity bands with the population and records in each", s.modelQuake},
		{"POST", "/api/v1/exposure", auth.RegistryRead, "Population and registry records inside a zone", s.postExposure},
	}
	if s.Models.Landslide != nil {
		rs = append(rs, Route{"GET", "/api/v1/models/landslide/live", auth.RegistryRead, "Geohazard warning levels from the live rain-gauge readings", s.landslideLive})
	}
	if s.Models.Rollups != nil && s.Models.Exposure != nil {
		rs = append(rs, Route{"GET", "/api/v1/models/fwi/stations", auth.RegistryRead, "Daily Fire Weather Index of each weather station from the stored noon readings", s.fwiStations})
	}
	if s.Models.Feeds != nil {
		rs = append(rs, Route{"GET", "/api/v1/feeds", auth.SystemManage, "External hazard feeds: last poll, last error, events seen", s.listFeeds})
	}
	if s.Models.FeedEvents != nil {
		rs = append(rs, Route{"GET", "/api/v1/feeds/events", auth.RegistryRead, "Latest external hazard events with what they mean for the region", s.feedEvents})
	}
	if s.Models.FeedPost != nil {
		rs = append(rs, Route{"POST", "/api/v1/feeds/{kind}", auth.IngestAdmin, "Push a feed document (usgs-geojson, quakeml, cenc-json, firms-csv, rain-csv)", s.postFeed})
	}
	return rs
}

// modelOps say what each of those routes takes and returns.
var modelOps = map[string]opSpec{
	"POST /api/v1/models/fwi":           {request: "FWIRequest", response: "FWIResult"},
	"POST /api/v1/models/plume":         {request: "PlumeRequest", response: "PlumeResult"},
	"POST /api/v1/models/blast":         {request: "BlastRequest", response: "BlastResult"},
	"POST /api/v1/models/landslide":     {request: "LandslideRequest", response: "LandslideResult"},
	"POST /api/v1/models/quake":         {request: "QuakeRequest", response: "QuakeResult"},
	"GET /api/v1/models/landslide/live": {response: "LandslideResult", geojson: false, query: []obj{query("level", "only points at or above this level: blue, yellow, orange, red", str())}},
	"POST /api/v1/exposure":             {request: "ExposureRequest", response: "Exposure"},
	"GET /api/v1/models/fwi/stations": {response: "FWIStations", geojson: true, query: []obj{
		query("days", "days up to yesterday or today (once today's noon hour is complete), 1–120, default 30", integer()),
		query("lat_adjust", "latitude-adjusted day-length factors for each station's latitude (default true); false for the standard tables", str()),
		query("series", "true to include every day", str()),
		query("format", "json (default) or geojson: the stations with their latest FWI and level", str())}},
	"GET /api/v1/feeds":         {response: "FeedList"},
	"GET /api/v1/feeds/events":  {response: "FeedEventList", query: []obj{query("limit", "1–500, default 100", integer())}},
	"POST /api/v1/feeds/{kind}": {request: "FeedDocument", response: "FeedAccepted", status: "202"},
}

// modelSchemas adds the area's component schemas.
func modelSchemas(schemas obj) {
	boolean := obj{"type": "boolean"}
	levels := obj{"type": "string", "enum": []string{"", "blue", "yellow", "orange", "red"}}
	bp := object([]string{"blue", "yellow", "orange", "red"}, obj{"blue": number(), "yellow": number(), "orange": number(), "red": number()})
	div := object([]string{"code", "objects"}, obj{"code": str(), "name": str(), "level": str(), "area_km2": number(), "share": number(),
		"population": integer(), "population_source": str(), "objects": obj{"type": "object", "additionalProperties": integer()}})
	schemas["Exposure"] = object([]string{"area_km2", "population", "population_method", "counties", "townships", "objects", "items"}, obj{
		"area_km2": number(), "population": integer(), "population_method": str(),
		"counties": arrayOf(div), "townships": arrayOf(div), "objects": obj{"type": "object", "additionalProperties": integer()},
		"items": arrayOf(object([]string{"id", "kind", "code", "name", "lon", "lat"}, obj{"id": integer(), "kind": str(), "code": str(), "name": str(),
			"category": str(), "division_code": str(), "lon": number(), "lat": number()})),
		"truncated": boolean,
	})
	schemas["ExposureRequest"] = object(nil, obj{
		"geometry": ref("Geometry"), "crs": str(),
		"circle":    object([]string{"lon", "lat", "radius_m"}, obj{"lon": number(), "lat": number(), "radius_m": number()}),
		"kinds":     arrayOf(str()),
		"max_items": integer(),
	})
	schemas["FWIRequest"] = object([]string{"days"}, obj{
		"start": object(nil, obj{"ffmc": number(), "dmc": number(), "dc": number()}),
		"lat":   number(), "breakpoints": bp,
		"days": arrayOf(object([]string{"date", "temp", "rh", "wind", "rain"}, obj{"date": obj{"type": "string", "format": "date"},
			"temp": number(), "rh": number(), "wind": number(), "rain": number()})),
	})
	schemas["FWIResult"] = object([]string{"days", "breakpoints"}, obj{"breakpoints": bp, "lat_adjusted": boolean,
		"days": arrayOf(object([]string{"date", "ffmc", "dmc", "dc", "isi", "bui", "fwi", "dsr", "level"}, obj{"date": str(),
			"ffmc": number(), "dmc": number(), "dc": number(), "isi": number(), "bui": number(), "fwi": number(), "dsr": number(), "level": levels}))})
	stDay := object([]string{"date", "level"}, obj{"date": str(), "missing": arrayOf(str()), "temp": number(), "rh": number(), "wind_kmh": number(),
		"rain_mm": number(), "ffmc": number(), "dmc": number(), "dc": number(), "isi": number(), "bui": number(), "fwi": number(), "dsr": number(), "level": levels})
	schemas["FWIStations"] = object([]string{"date", "first", "days", "breakpoints", "items"}, obj{"date": str(), "first": str(), "days": integer(),
		"noon": str(), "lat_adjusted": boolean, "breakpoints": bp,
		"items": arrayOf(object([]string{"code", "name", "lon", "lat", "grouping", "points", "latest", "computed_days", "missing_days"}, obj{
			"code": str(), "name": str(), "division_code": str(), "lon": number(), "lat": number(),
			"grouping": obj{"type": "string", "enum": []string{"owner", "distance"}},
			"points":   obj{"type": "object", "additionalProperties": str()},
			"latest":   obj{"oneOf": []any{stDay, obj{"type": "null"}}}, "computed_days": integer(), "missing_days": integer(), "days": arrayOf(stDay)}))})
	schemas["PlumeRequest"] = object([]string{"q", "u", "lon", "lat"}, obj{
		"q": number(), "u": number(), "class": str(), "insolation": str(), "sigma": str(), "h": number(),
		"lon": number(), "lat": number(), "wind_from": number(), "x": number(), "y": number(), "z": number(),
		"substance": str(), "levels": arrayOf(str()),
		"thresholds": arrayOf(object([]string{"name", "kg_m3"}, obj{"name": str(), "kg_m3": number()})),
		"exposure":   boolean,
	})
	schemas["PlumeResult"] = object([]string{"class", "sigma", "footprints", "zones"}, obj{
		"class": str(), "sigma": str(),
		"point": object(nil, obj{"x": number(), "y": number(), "z": number(), "sigma_y": number(), "sigma_z": number(), "concentration": number()}),
		"footprints": arrayOf(object([]string{"name", "kg_m3", "length_m", "max_half_width_m"}, obj{"name": str(), "kg_m3": number(),
			"length_m": number(), "max_half_width_m": number(), "truncated": boolean, "exposure": ref("Exposure")})),
		"zones": ref("FeatureCollection"),
	})
	schemas["BlastRequest"] = object(nil, obj{"tnt_kg": number(), "mass_kg": number(), "heat_mj_kg": number(), "yield": number(),
		"distance_m": number(), "lon": number(), "lat": number(), "exposure": boolean,
		"thresholds": arrayOf(object([]string{"name", "kpa"}, obj{"name": str(), "kpa": number(), "source": str()}))})
	schemas["BlastResult"] = object([]string{"tnt_kg", "rings", "zones"}, obj{"tnt_kg": number(), "distance_m": number(),
		"scaled_distance": number(), "overpressure_kpa": number(),
		"rings": arrayOf(object([]string{"name", "kpa", "radius_m"}, obj{"name": str(), "kpa": number(), "source": str(), "radius_m": number(),
			"scaled_distance": number(), "exposure": ref("Exposure")})),
		"zones": ref("FeatureCollection")})
	lsParams := obj{"type": "object", "description": "k, threshold {name, alpha, beta, min_hours, max_hours}, effective_mm and id_ratio breakpoints"}
	schemas["LandslideRequest"] = object([]string{"readings"}, obj{
		"config": object(nil, obj{"default": lsParams, "zones": obj{"type": "object", "additionalProperties": lsParams},
			"days": integer(), "durations_h": arrayOf(integer()), "power": number(), "neighbours": integer(), "radius_km": number(),
			"stale_minutes": integer()}),
		"gauges":   arrayOf(object([]string{"id", "lon", "lat"}, obj{"id": str(), "lon": number(), "lat": number()})),
		"points":   arrayOf(object([]string{"id", "lon", "lat"}, obj{"id": str(), "lon": number(), "lat": number(), "zone": str()})),
		"readings": arrayOf(object([]string{"gauge", "t", "mm"}, obj{"gauge": str(), "t": dateTime(), "mm": number()})),
		"now":      dateTime(),
	})
	schemas["LandslideResult"] = object([]string{"now", "points", "counts", "zones"}, obj{"now": dateTime(), "gauges": integer(),
		"dropped": integer(), "counts": obj{"type": "object", "additionalProperties": integer()},
		"points": arrayOf(object([]string{"point", "level", "gauges"}, obj{"point": str(), "zone": str(), "level": levels, "no_data": boolean,
			"gauges": integer(), "effective_mm": number(), "day0_mm": number(), "antecedent_mm": number(), "id_ratio": number(),
			"id_duration_h": integer(), "intensity_mm_h": number(), "effective_level": levels, "id_level": levels})),
		"zones": ref("FeatureCollection")})
	schemas["QuakeRequest"] = object([]string{"lon", "lat", "magnitude"}, obj{"time": dateTime(), "lon": number(), "lat": number(),
		"depth_km": number(), "magnitude": number(), "azimuth": number(), "relation": str(), "min_intensity": integer(), "exposure": boolean})
	schemas["QuakeResult"] = object([]string{"event", "relation", "epicentral_intensity", "bands", "zones"}, obj{
		"event": obj{"type": "object"}, "relation": obj{"type": "object"}, "epicentral_intensity": number(), "in_region": boolean,
		"bands": arrayOf(object([]string{"intensity", "roman", "major_km", "minor_km", "area_km2"}, obj{"intensity": integer(), "roman": str(),
			"major_km": number(), "minor_km": number(), "area_km2": number(), "exposure": ref("Exposure")})),
		"zones": ref("FeatureCollection")})
	schemas["FeedList"] = listOf(object([]string{"name", "kind", "source", "events_seen", "duplicates"}, obj{"name": str(), "kind": str(), "source": str(),
		"last_poll": dateTime(), "last_error": str(), "last_error_at": dateTime(), "events_seen": integer(), "duplicates": integer()}))
	schemas["FeedEventList"] = object([]string{"items"}, obj{"items": arrayOf(object([]string{"event", "in_region", "alert", "reason"}, obj{
		"event": object([]string{"type", "source", "id", "time", "lon", "lat"}, obj{"type": obj{"type": "string", "enum": []string{"quake", "hotspot"}},
			"source": str(), "id": str(), "time": dateTime(), "lon": number(), "lat": number(), "magnitude": number(), "depth_km": number(), "place": str()}),
		"distance_km": number(), "in_region": boolean, "division_code": str(), "modelled": boolean, "epicentral_intensity": number(),
		"bands": arrayOf(obj{"type": "object"}), "draft_incident": boolean,
		"incident": str(), "incident_created": boolean, "incident_error": str(),
		"nearest_county": str(), "alarm_id": integer(), "alarm_error": str(), "areas": arrayOf(str()), "outside_region": boolean,
		"alert": boolean, "level": str(), "reason": str()}))})
	schemas["FeedDocument"] = obj{"description": "the feed's own format: USGS GeoJSON, QuakeML 1.2 XML, the CENC JSON, FIRMS CSV or rain CSV (gauge,t,mm)"}
	schemas["FeedAccepted"] = object([]string{"events", "new", "duplicates"}, obj{"events": integer(), "new": integer(), "duplicates": integer()})
}

// scope is the caller's registry scope.
func scope(r *http.Request) registry.Scope { return registry.ScopeOf(core.ActorFrom(r.Context())) }

// exposureOf assesses zone for the caller, or returns nil when exposure is
// not wired.
func (s *Server) exposureOf(r *http.Request, zone orb.Geometry, kinds []string, maxItems int) (*exposure.Result, error) {
	if s.Models.Exposure == nil {
		return nil, nil
	}
	ix, err := s.Models.Exposure(r.Context())
	if err != nil {
		return nil, fmt.Errorf("exposure index: %w", err)
	}
	res, err := ix.Assess(zone, exposure.Query{Kinds: kinds, Scope: scope(r), MaxItems: maxItems})
	if err != nil {
		return nil, core.Invalid("geometry", "%s", err.Error())
	}
	return res, nil
}

func checkNum(field string, v, lo, hi float64) error {
	if math.IsNaN(v) || math.IsInf(v, 0) || v < lo || v > hi {
		return core.Invalid(field, "%v must be in [%v, %v]", v, lo, hi)
	}
	return nil
}

func feature(g orb.Geometry, props geojson.Properties) *geojson.Feature {
	f := geojson.NewFeature(g)
	f.Properties = props
	return f
}

// --- FWI

type fwiDayIn struct {
	Date string  `json:"date"`
	Temp float64 `json:"temp"`
	RH   float64 `json:"rh"`
	Wind float64 `json:"wind"`
	Rain float64 `json:"rain"`
}

type fwiDayOut struct {
	Date  string    `json:"date"`
	FFMC  float64   `json:"ffmc"`
	DMC   float64   `json:"dmc"`
	DC    float64   `json:"dc"`
	ISI   float64   `json:"isi"`
	BUI   float64   `json:"bui"`
	FWI   float64   `json:"fwi"`
	DSR   float64   `json:"dsr"`
	Level fwi.Level `json:"level"`
}

type breakpointsIn struct {
	Blue   float64 `json:"blue"`
	Yellow float64 `json:"yellow"`
	Orange float64 `json:"orange"`
	Red    float64 `json:"red"`
}

func (s *Server) modelFWI(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Start *struct {
			FFMC float64 `json:"ffmc"`
			DMC  float64 `json:"dmc"`
			DC   float64 `json:"dc"`
		} `json:"start"`
		Lat         *float64       `json:"lat"`
		Breakpoints *breakpointsIn `json:"breakpoints"`
		Days        []fwiDayIn     `json:"days"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	start := fwi.DefaultCodes
	if in.Start != nil {
		start = fwi.Codes{FFMC: in.Start.FFMC, DMC: in.Start.DMC, DC: in.Start.DC}
	}
	var opt fwi.Options
	if in.Lat != nil {
		if err := checkNum("lat", *in.Lat, -90, 90); err != nil {
			s.fail(w, r, err)
			return
		}
		opt = fwi.Options{LatAdjust: true, Latitude: *in.Lat}
	}
	bp := fwi.DefaultBreakpoints
	if in.Breakpoints != nil {
		bp = fwi.Breakpoints{Blue: in.Breakpoints.Blue, Yellow: in.Breakpoints.Yellow, Orange: in.Breakpoints.Orange, Red: in.Breakpoints.Red}
		if err := bp.Validate(); err != nil {
			s.fail(w, r, core.Invalid("breakpoints", "%s", err.Error()))
			return
		}
	}
	if len(in.Days) == 0 || len(in.Days) > 3660 {
		s.fail(w, r, core.Invalid("days", "give 1 to 3660 days"))
		return
	}
	days := make([]fwi.Day, len(in.Days))
	var probs core.Problems
	for i, d := range in.Days {
		t, err := time.Parse(time.DateOnly, d.Date)
		if err != nil {
			probs.Add(i+1, "date", "%q is not a YYYY-MM-DD date", d.Date)
			continue
		}
		days[i] = fwi.Day{Date: t, Weather: fwi.Weather{Temp: d.Temp, RH: d.RH, Wind: d.Wind, Rain: d.Rain}}
		if err := days[i].Weather.Validate(); err != nil {
			probs.Add(i+1, "days", "%s", err.Error())
		}
	}
	if err := probs.Err("bad weather rows; nothing was computed"); err != nil {
		s.fail(w, r, err)
		return
	}
	out, err := fwi.Series(start, days, opt)
	if err != nil {
		s.fail(w, r, core.Invalid("days", "%s", err.Error()))
		return
	}
	res := struct {
		Days        []fwiDayOut   `json:"days"`
		Breakpoints breakpointsIn `json:"breakpoints"`
		LatAdjusted bool          `json:"lat_adjusted"`
	}{Breakpoints: breakpointsIn{bp.Blue, bp.Yellow, bp.Orange, bp.Red}, LatAdjusted: opt.LatAdjust}
	for i, x := range out {
		res.Days = append(res.Days, fwiDayOut{Date: in.Days[i].Date, FFMC: x.FFMC, DMC: x.DMC, DC: x.DC, ISI: x.ISI, BUI: x.BUI,
			FWI: x.FWI, DSR: x.DSR, Level: bp.Level(x.FWI)})
	}
	writeJSON(w, http.StatusOK, res)
}

// --- exposure

func (s *Server) postExposure(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Geometry json.RawMessage `json:"geometry"`
		CRS      string          `json:"crs"`
		Circle   *struct {
			Lon     float64 `json:"lon"`
			Lat     float64 `json:"lat"`
			RadiusM float64 `json:"radius_m"`
		} `json:"circle"`
		Kinds    []string `json:"kinds"`
		MaxItems int      `json:"max_items"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	if s.Models.Exposure == nil {
		s.fail(w, r, core.Errorf(core.EUNAVAILABLE, "exposure is not available on this server"))
		return
	}
	for _, k := range in.Kinds {
		if _, ok := registry.KindNamed(k); !ok {
			s.fail(w, r, core.Invalid("kinds", "%q is not a registry kind", k))
			return
		}
	}
	var zone orb.Geometry
	switch {
	case in.Circle != nil && len(in.Geometry) > 0:
		s.fail(w, r, core.Invalid("geometry", "give a geometry or a circle, not both"))
		return
	case in.Circle != nil:
		c, err := exposure.Circle(orb.Point{in.Circle.Lon, in.Circle.Lat}, in.Circle.RadiusM, 128)
		if err != nil {
			s.fail(w, r, core.Invalid("circle", "%s", err.Error()))
			return
		}
		zone = c
	case len(in.Geometry) > 0:
		g, err := geo.ParseGeometry(in.Geometry)
		if err != nil {
			s.fail(w, r, core.Invalid("geometry", "%s", err.Error()))
			return
		}
		if in.CRS != "" {
			sys, err := geo.ParseSystem(in.CRS)
			if err != nil {
				s.fail(w, r, core.Invalid("crs", "%s", err.Error()))
				return
			}
			g = geo.Transform(g, sys)
		}
		zone = g
	default:
		s.fail(w, r, core.Invalid("geometry", "required (a Polygon or MultiPolygon), or a circle"))
		return
	}
	res, err := s.exposureOf(r, zone, in.Kinds, in.MaxItems)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}
