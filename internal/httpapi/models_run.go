package httpapi

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"github.com/yingji/yingji/internal/core"
	"github.com/yingji/yingji/internal/exposure"
	"github.com/yingji/yingji/internal/models/blast"
	"github.com/yingji/yingji/internal/models/landslide"
	"github.com/yingji/yingji/internal/models/plume"
	"github.com/yingji/yingji/internal/models/quake"
	"github.com/yingji/yingji/internal/registry"
)

// wantExposure reads an optional "exposure" flag, true by default.
func wantExposure(b *bool) bool { return b == nil || *b }

// --- plume

type plumeFootprintOut struct {
	Name         string           `json:"name"`
	KgM3         float64          `json:"kg_m3"`
	LengthM      float64          `json:"length_m"`
	MaxHalfWidth float64          `json:"max_half_width_m"`
	Truncated    bool             `json:"truncated,omitempty"`
	Exposure     *exposure.Result `json:"exposure,omitempty"`
}

type namedThreshold struct {
	Name string  `json:"name"`
	KgM3 float64 `json:"kg_m3"`
}

func (s *Server) modelPlume(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Q          float64          `json:"q"`
		U          float64          `json:"u"`
		Class      string           `json:"class"`
		Insolation string           `json:"insolation"`
		Sigma      string           `json:"sigma"`
		H          float64          `json:"h"`
		Lon        float64          `json:"lon"`
		Lat        float64          `json:"lat"`
		WindFrom   float64          `json:"wind_from"`
		X          *float64         `json:"x"`
		Y          float64          `json:"y"`
		Z          float64          `json:"z"`
		Substance  string           `json:"substance"`
		Levels     []string         `json:"levels"`
		Thresholds []namedThreshold `json:"thresholds"`
		Exposure   *bool            `json:"exposure"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	src := plume.Source{Q: in.Q, U: in.U, H: in.H}
	var err error
	if in.Sigma == "" {
		in.Sigma = "briggs-rural"
	}
	if src.Terrain, err = plume.ParseTerrain(in.Sigma); err != nil {
		s.fail(w, r, core.Invalid("sigma", "%s", err.Error()))
		return
	}
	switch {
	case in.Class != "" && in.Insolation != "":
		s.fail(w, r, core.Invalid("class", "give class or insolation, not both"))
		return
	case in.Class != "":
		if src.Class, err = plume.ParseClass(in.Class); err != nil {
			s.fail(w, r, core.Invalid("class", "%s", err.Error()))
			return
		}
	case in.Insolation != "":
		ins, err := plume.ParseInsolation(in.Insolation)
		if err == nil {
			src.Class, err = plume.StabilityClass(in.U, ins)
		}
		if err != nil {
			s.fail(w, r, core.Invalid("insolation", "%s", err.Error()))
			return
		}
	default:
		s.fail(w, r, core.Invalid("class", "required: a Pasquill-Gifford class A–F, or insolation"))
		return
	}
	if err := src.Validate(); err != nil {
		s.fail(w, r, core.Invalid("q", "%s", err.Error()))
		return
	}
	for _, c := range []struct {
		f         string
		v, lo, hi float64
	}{{"lon", in.Lon, -180, 180}, {"lat", in.Lat, -85, 85}, {"wind_from", in.WindFrom, -360, 360}, {"z", in.Z, 0, 1000}} {
		if err := checkNum(c.f, c.v, c.lo, c.hi); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	ths := in.Thresholds
	if in.Substance != "" {
		sub, ok := plume.LookupSubstance(in.Substance)
		if !ok {
			s.fail(w, r, core.Invalid("substance", "%q is not in the substance table", in.Substance))
			return
		}
		levels := in.Levels
		if len(levels) == 0 {
			for _, l := range sub.Levels {
				levels = append(levels, l.Name)
			}
		}
		for _, l := range levels {
			kg, err := sub.Threshold(l)
			if err != nil {
				s.fail(w, r, core.Invalid("levels", "%s", err.Error()))
				return
			}
			ths = append(ths, namedThreshold{sub.Name + " " + l, kg})
		}
	}
	if len(ths) > 20 {
		s.fail(w, r, core.Invalid("thresholds", "at most 20"))
		return
	}
	res := struct {
		Class      string                     `json:"class"`
		Sigma      string                     `json:"sigma"`
		Point      map[string]float64         `json:"point,omitempty"`
		Footprints []plumeFootprintOut        `json:"footprints"`
		Zones      *geojson.FeatureCollection `json:"zones"`
	}{Class: src.Class.String(), Sigma: src.Terrain.String(), Footprints: []plumeFootprintOut{}, Zones: geojson.NewFeatureCollection()}
	if in.X != nil {
		sy, sz, err := plume.Sigmas(src.Class, src.Terrain, *in.X)
		if err == nil {
			var c float64
			c, err = src.Concentration(*in.X, in.Y, in.Z)
			res.Point = map[string]float64{"x": *in.X, "y": in.Y, "z": in.Z, "sigma_y": sy, "sigma_z": sz, "concentration": c}
		}
		if err != nil {
			s.fail(w, r, core.Invalid("x", "%s", err.Error()))
			return
		}
	}
	for i, th := range ths {
		fp, err := src.Footprint(th.KgM3, in.Z)
		if err != nil {
			s.fail(w, r, core.Invalid(fmt.Sprintf("thresholds[%d]", i), "%s", err.Error()))
			return
		}
		out := plumeFootprintOut{Name: th.Name, KgM3: th.KgM3, LengthM: fp.Length, MaxHalfWidth: fp.MaxHalfWidth, Truncated: fp.Truncated}
		if len(fp.Local) > 0 {
			ll, err := plume.ToLonLat(fp.Local, orb.Point{in.Lon, in.Lat}, in.WindFrom)
			if err != nil {
				s.fail(w, r, core.Invalid("lon", "%s", err.Error()))
				return
			}
			res.Zones.Append(feature(ll, geojson.Properties{"name": th.Name, "kg_m3": th.KgM3, "model": "plume"}))
			if wantExposure(in.Exposure) {
				if out.Exposure, err = s.exposureOf(r, ll, nil, 200); err != nil {
					s.fail(w, r, err)
					return
				}
			}
		}
		res.Footprints = append(res.Footprints, out)
	}
	writeJSON(w, http.StatusOK, res)
}

// --- blast

type blastRingOut struct {
	blast.Ring
	Exposure *exposure.Result `json:"exposure,omitempty"`
}

func (s *Server) modelBlast(w http.ResponseWriter, r *http.Request) {
	var in struct {
		TNTKg      *float64          `json:"tnt_kg"`
		MassKg     *float64          `json:"mass_kg"`
		HeatMJKg   float64           `json:"heat_mj_kg"`
		Yield      *float64          `json:"yield"`
		DistanceM  *float64          `json:"distance_m"`
		Lon        *float64          `json:"lon"`
		Lat        *float64          `json:"lat"`
		Thresholds []blast.Threshold `json:"thresholds"`
		Exposure   *bool             `json:"exposure"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	var tnt float64
	switch {
	case in.TNTKg != nil && in.MassKg != nil:
		s.fail(w, r, core.Invalid("tnt_kg", "give tnt_kg or mass_kg, not both"))
		return
	case in.TNTKg != nil:
		if err := checkNum("tnt_kg", *in.TNTKg, 1e-6, 1e9); err != nil {
			s.fail(w, r, err)
			return
		}
		tnt = *in.TNTKg
	case in.MassKg != nil:
		eta := 0.05
		if in.Yield != nil {
			eta = *in.Yield
		}
		var err error
		if tnt, err = blast.TNTEquivalent(*in.MassKg, in.HeatMJKg*1e6, eta); err != nil {
			s.fail(w, r, core.Invalid("mass_kg", "%s", err.Error()))
			return
		}
	default:
		s.fail(w, r, core.Invalid("tnt_kg", "required (or mass_kg with heat_mj_kg)"))
		return
	}
	ths := in.Thresholds
	if len(ths) == 0 {
		ths = blast.DefaultThresholds
	}
	rings, err := blast.Rings(tnt, ths)
	if err != nil {
		s.fail(w, r, core.Invalid("thresholds", "%s", err.Error()))
		return
	}
	res := struct {
		TNTKg           float64                    `json:"tnt_kg"`
		DistanceM       *float64                   `json:"distance_m,omitempty"`
		ScaledDistance  *float64                   `json:"scaled_distance,omitempty"`
		OverpressureKPa *float64                   `json:"overpressure_kpa,omitempty"`
		Rings           []blastRingOut             `json:"rings"`
		Zones           *geojson.FeatureCollection `json:"zones"`
	}{TNTKg: tnt, Rings: []blastRingOut{}, Zones: geojson.NewFeatureCollection()}
	if in.DistanceM != nil {
		z, err := blast.ScaledDistance(*in.DistanceM, tnt)
		var p float64
		if err == nil {
			p, err = blast.IncidentOverpressure(z)
		}
		if err != nil {
			s.fail(w, r, core.Invalid("distance_m", "%s", err.Error()))
			return
		}
		res.DistanceM, res.ScaledDistance, res.OverpressureKPa = in.DistanceM, &z, &p
	}
	placed := in.Lon != nil && in.Lat != nil
	for _, rg := range rings {
		out := blastRingOut{Ring: rg}
		if placed {
			c, err := exposure.Circle(orb.Point{*in.Lon, *in.Lat}, rg.RadiusM, 96)
			if err != nil {
				s.fail(w, r, core.Invalid("lon", "%s", err.Error()))
				return
			}
			res.Zones.Append(feature(c, geojson.Properties{"name": rg.Name, "kpa": rg.KPa, "radius_m": rg.RadiusM, "model": "blast"}))
			if wantExposure(in.Exposure) {
				if out.Exposure, err = s.exposureOf(r, c, nil, 200); err != nil {
					s.fail(w, r, err)
					return
				}
			}
		}
		res.Rings = append(res.Rings, out)
	}
	writeJSON(w, http.StatusOK, res)
}

// --- quake

type quakeBandOut struct {
	quake.Band
	Exposure *exposure.Result `json:"exposure,omitempty"`
}

func (s *Server) modelQuake(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Time         *time.Time `json:"time"`
		Lon          float64    `json:"lon"`
		Lat          float64    `json:"lat"`
		DepthKm      float64    `json:"depth_km"`
		Magnitude    float64    `json:"magnitude"`
		Azimuth      *float64   `json:"azimuth"`
		Relation     string     `json:"relation"`
		MinIntensity int        `json:"min_intensity"`
		Exposure     *bool      `json:"exposure"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	ev := quake.Event{Lon: in.Lon, Lat: in.Lat, DepthKm: in.DepthKm, Magnitude: in.Magnitude, Azimuth: quake.DefaultAzimuth}
	if in.Time != nil {
		ev.Time = in.Time.UTC()
	}
	if in.Azimuth != nil {
		ev.Azimuth = *in.Azimuth
	}
	rel := quake.QinghaiTibet
	if in.Relation != "" {
		var ok bool
		if rel, ok = quake.LookupRelation(in.Relation); !ok {
			s.fail(w, r, core.Invalid("relation", "%q is not one of yu2013-qinghai-tibet, yu2013-east-strong, yu2013-moderate-strong, yu2013-xinjiang", in.Relation))
			return
		}
	}
	if in.MinIntensity == 0 {
		in.MinIntensity = 6
	}
	if err := ev.Validate(); err != nil {
		s.fail(w, r, core.Invalid("event", "%s", err.Error()))
		return
	}
	bands, err := rel.Bands(ev, in.MinIntensity)
	if err != nil {
		s.fail(w, r, core.Invalid("min_intensity", "%s", err.Error()))
		return
	}
	res := struct {
		Event      quake.Event                `json:"event"`
		Relation   quake.Relation             `json:"relation"`
		Epicentral float64                    `json:"epicentral_intensity"`
		InRegion   bool                       `json:"in_region"`
		Bands      []quakeBandOut             `json:"bands"`
		Zones      *geojson.FeatureCollection `json:"zones"`
	}{Event: ev, Relation: rel, Epicentral: rel.Epicentral(ev.Magnitude), Bands: []quakeBandOut{}, Zones: quake.FeatureCollection(bands)}
	for _, b := range bands {
		out := quakeBandOut{Band: b}
		if wantExposure(in.Exposure) {
			if out.Exposure, err = s.exposureOf(r, b.Polygon, nil, 200); err != nil {
				s.fail(w, r, err)
				return
			}
			if out.Exposure != nil && len(out.Exposure.Counties) > 0 {
				res.InRegion = true
			}
		}
		res.Bands = append(res.Bands, out)
	}
	writeJSON(w, http.StatusOK, res)
}

// --- landslide

type lsParamsIn struct {
	K         *float64               `json:"k"`
	Threshold *landslide.Threshold   `json:"threshold"`
	Effective *landslide.Breakpoints `json:"effective_mm"`
	Ratio     *landslide.Breakpoints `json:"id_ratio"`
}

func (p lsParamsIn) apply(base landslide.Params) landslide.Params {
	if p.K != nil {
		base.K = *p.K
	}
	if p.Threshold != nil {
		base.Threshold = *p.Threshold
		if t, ok := landslide.LookupThreshold(p.Threshold.Name); ok && p.Threshold.Alpha == 0 {
			base.Threshold = t
		}
	}
	if p.Effective != nil {
		base.Effective = *p.Effective
	}
	if p.Ratio != nil {
		base.Ratio = *p.Ratio
	}
	return base
}

func (s *Server) modelLandslide(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Config *struct {
			Default      *lsParamsIn           `json:"default"`
			Zones        map[string]lsParamsIn `json:"zones"`
			Days         *int                  `json:"days"`
			Durations    []int                 `json:"durations_h"`
			Power        *float64              `json:"power"`
			Neighbours   *int                  `json:"neighbours"`
			RadiusKm     *float64              `json:"radius_km"`
			StaleMinutes *int                  `json:"stale_minutes"`
		} `json:"config"`
		Gauges   []landslide.Gauge   `json:"gauges"`
		Points   []landslide.Point   `json:"points"`
		Readings []landslide.Reading `json:"readings"`
		Now      *time.Time          `json:"now"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	cfg := landslide.DefaultConfig()
	if c := in.Config; c != nil {
		if c.Default != nil {
			cfg.Default = c.Default.apply(cfg.Default)
		}
		if len(c.Zones) > 0 {
			cfg.Zones = map[string]landslide.Params{}
			for z, p := range c.Zones {
				cfg.Zones[z] = p.apply(cfg.Default)
			}
		}
		if c.Days != nil {
			cfg.Days = *c.Days
		}
		if len(c.Durations) > 0 {
			cfg.Durations = c.Durations
		}
		if c.Power != nil {
			cfg.Power = *c.Power
		}
		if c.Neighbours != nil {
			cfg.Neighbours = *c.Neighbours
		}
		if c.RadiusKm != nil {
			cfg.RadiusKm = *c.RadiusKm
		}
		if c.StaleMinutes != nil {
			cfg.Stale = time.Duration(*c.StaleMinutes) * time.Minute
		}
	}
	if err := cfg.Validate(); err != nil {
		s.fail(w, r, core.Invalid("config", "%s", err.Error()))
		return
	}
	if len(in.Readings) > 500000 {
		s.fail(w, r, core.Invalid("readings", "at most 500000 per request"))
		return
	}
	gauges, points := in.Gauges, in.Points
	if len(gauges) == 0 || len(points) == 0 {
		if s.Models.Exposure == nil {
			s.fail(w, r, core.Invalid("gauges", "give gauges and points: the registry is not available here"))
			return
		}
		ix, err := s.Models.Exposure(r.Context())
		if err != nil {
			s.fail(w, r, err)
			return
		}
		rg, rp := RegistryGeohazards(ix, scope(r))
		if len(gauges) == 0 {
			gauges = rg
		}
		if len(points) == 0 {
			points = rp
		}
	}
	e, err := landslide.NewEvaluator(cfg, gauges, points)
	if err != nil {
		s.fail(w, r, core.Invalid("gauges", "%s", err.Error()))
		return
	}
	e.Add(in.Readings)
	if in.Now != nil {
		e.AdvanceTo(in.Now.UTC())
	}
	sts := e.Statuses()
	counts := map[string]int{"none": 0, "blue": 0, "yellow": 0, "orange": 0, "red": 0, "no_data": 0}
	fc := geojson.NewFeatureCollection()
	for i, st := range sts {
		switch {
		case st.NoData:
			counts["no_data"]++
		case st.Level == landslide.None:
			counts["none"]++
		default:
			counts[string(st.Level)]++
		}
		if st.Level != landslide.None {
			fc.Append(feature(orb.Point{points[i].Lon, points[i].Lat}, geojson.Properties{"point": st.Point, "level": st.Level,
				"effective_mm": st.Effective, "id_ratio": st.Ratio, "model": "landslide"}))
		}
	}
	now := e.Now()
	if now.IsZero() {
		now = time.Now().UTC()
	}
	writeJSON(w, http.StatusOK, struct {
		Now     time.Time                  `json:"now"`
		Gauges  int                        `json:"gauges"`
		Dropped int                        `json:"dropped"`
		Counts  map[string]int             `json:"counts"`
		Points  []landslide.Status         `json:"points"`
		Zones   *geojson.FeatureCollection `json:"zones"`
	}{now.UTC(), len(gauges), e.Dropped, counts, sts, fc})
}

// RegistryGeohazards are the registry's rain gauges (active rainfall
// monitoring points, by code) and hazard points (active geohazard points,
// zoned by county) inside sc, for the landslide evaluator.
func RegistryGeohazards(ix *exposure.Index, sc registry.Scope) ([]landslide.Gauge, []landslide.Point) {
	var gauges []landslide.Gauge
	var points []landslide.Point
	for _, o := range ix.Objects(registry.KMonitoringPoint, sc) {
		if o.Category == "rainfall" && o.Status == "active" {
			a := o.Anchor()
			gauges = append(gauges, landslide.Gauge{ID: o.Code, Lon: a[0], Lat: a[1]})
		}
	}
	for _, o := range ix.Objects(registry.KGeohazardPoint, sc) {
		if o.Status != "active" {
			continue
		}
		a := o.Anchor()
		zone := o.Division
		if len(zone) > 6 {
			zone = zone[:6]
		}
		points = append(points, landslide.Point{ID: o.Code, Lon: a[0], Lat: a[1], Zone: zone, Division: o.Division})
	}
	return gauges, points
}

// landslideLive reports the live evaluator's statuses of the points in the
// caller's area.
func (s *Server) landslideLive(w http.ResponseWriter, r *http.Request) {
	minRank := 0
	if lv := r.URL.Query().Get("level"); lv != "" {
		minRank = landslide.Level(lv).Rank()
		if minRank == 0 {
			s.fail(w, r, core.Invalid("level", "%q is not one of blue, yellow, orange, red", lv))
			return
		}
	}
	points, sts, now, gauges := s.Models.Landslide.Snapshot()
	sc := scope(r)
	counts := map[string]int{"none": 0, "blue": 0, "yellow": 0, "orange": 0, "red": 0, "no_data": 0}
	out := []landslide.Status{}
	fc := geojson.NewFeatureCollection()
	for i, st := range sts {
		if !sc.All && (sc.None || !strings.HasPrefix(points[i].Division, sc.DivisionPrefix)) {
			continue
		}
		switch {
		case st.NoData:
			counts["no_data"]++
		case st.Level == landslide.None:
			counts["none"]++
		default:
			counts[string(st.Level)]++
		}
		if st.Level.Rank() < minRank {
			continue
		}
		out = append(out, st)
		if st.Level != landslide.None {
			fc.Append(feature(orb.Point{points[i].Lon, points[i].Lat}, geojson.Properties{"point": st.Point, "level": st.Level,
				"effective_mm": st.Effective, "id_ratio": st.Ratio, "model": "landslide"}))
		}
	}
	if now.IsZero() {
		now = time.Now().UTC()
	}
	writeJSON(w, http.StatusOK, struct {
		Now    time.Time                  `json:"now"`
		Gauges int                        `json:"gauges"`
		Counts map[string]int             `json:"counts"`
		Points []landslide.Status         `json:"points"`
		Zones  *geojson.FeatureCollection `json:"zones"`
	}{now.UTC(), gauges, counts, out, fc})
}

// --- feeds

func (s *Server) listFeeds(w http.ResponseWriter, r *http.Request) {
	fs := s.Models.Feeds()
	if fs == nil {
		fs = []FeedStatus{}
	}
	writeJSON(w, http.StatusOK, List[FeedStatus]{Items: fs, Total: len(fs), Limit: len(fs)})
}

func (s *Server) feedEvents(w http.ResponseWriter, r *http.Request) {
	n, err := intParam(r.URL.Query(), "limit", 100, 1, 500)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": s.Models.FeedEvents(n)})
}

func (s *Server) postFeed(w http.ResponseWriter, r *http.Request) {
	body, err := readBody(w, r, 16<<20)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	acc, err := s.Models.FeedPost(r.Context(), r.PathValue("kind"), body)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusAccepted, acc)
}
