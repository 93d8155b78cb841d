package feeds

import (
	"context"
	_ "embed"
	"fmt"
	"math"
	"sync"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/planar"

	"github.com/yingji/yingji/internal/exposure"
	"github.com/yingji/yingji/internal/models/quake"
	"github.com/yingji/yingji/internal/region"
)

// Area is a named zone hotspots are checked against.
type Area struct {
	Name string `json:"name"`
	// Approximate marks a hand-drawn outline, not a surveyed boundary.
	Approximate bool             `json:"approximate"`
	Shape       orb.MultiPolygon `json:"-"`
}

//go:embed data/gaoligong_approx.geojson
var gaoligongJSON []byte

// GaoligongApprox is the Baoshan stretch of the Gaoligongshan National
// Nature Reserve (高黎贡山国家级自然保护区) as a rough hand-drawn outline
// along the ridge between 隆阳区 and 腾冲市 — 示例, approximate, not the
// gazetted boundary; replace it with the reserve's official polygon.
func GaoligongApprox() (Area, error) {
	fc, err := geojson.UnmarshalFeatureCollection(gaoligongJSON)
	if err != nil || len(fc.Features) == 0 {
		return Area{}, fmt.Errorf("feeds: Gaoligong outline: %v", err)
	}
	var mp orb.MultiPolygon
	switch g := fc.Features[0].Geometry.(type) {
	case orb.Polygon:
		mp = orb.MultiPolygon{g}
	case orb.MultiPolygon:
		mp = g
	default:
		return Area{}, fmt.Errorf("feeds: Gaoligong outline is a %s", g.GeoJSONType())
	}
	return Area{Name: "高黎贡山国家级自然保护区(示例, 近似范围)", Approximate: true, Shape: mp}, nil
}

// Assessor decides what a fresh event means for the region.
type Assessor struct {
	Tree     func() *region.Tree
	Exposure func(ctx context.Context) (*exposure.Index, error)
	Relation quake.Relation
	// Quakes at least MinMagnitude within NearKm of the region's
	// boundaries run the quake model.
	MinMagnitude float64
	NearKm       float64
	// Hotspots within HotspotNearKm outside the region are reported as
	// near it; Areas are checked for hotspots inside them.
	HotspotNearKm float64
	Areas         []Area
	// Incidents, if set, records an incident for every quake assessment
	// that calls for one (DraftIncident).
	Incidents IncidentDrafter
	// Alarms, if set, raises an alarm for every alerting hotspot.
	Alarms *HotspotAlarms

	mu     sync.Mutex
	recent []Assessment
}

// BandSummary is one intensity band of an assessed quake.
type BandSummary struct {
	Intensity  int            `json:"intensity"`
	Roman      string         `json:"roman"`
	MajorKm    float64        `json:"major_km"`
	MinorKm    float64        `json:"minor_km"`
	Population int64          `json:"population"`
	Counties   []string       `json:"counties"`
	Objects    map[string]int `json:"objects"`
}

// Assessment is an event with what it means for the region.
type Assessment struct {
	Event Event `json:"event"`
	// DistanceKm is from the event to the nearest county boundary (0
	// inside the region).
	DistanceKm float64 `json:"distance_km"`
	InRegion   bool    `json:"in_region"`
	Division   string  `json:"division_code,omitempty"`
	// Quakes: the model's result, when run.
	Modelled   bool          `json:"modelled,omitempty"`
	Epicentral float64       `json:"epicentral_intensity,omitempty"`
	Bands      []BandSummary `json:"bands,omitempty"`
	// DraftIncident: intensity VI or more reaches the region, so an
	// incident should be drafted for the duty officer.
	DraftIncident bool `json:"draft_incident,omitempty"`
	// Incident is the number of the incident the draft went to, and
	// IncidentCreated whether it was created for this event (false: a
	// note on an incident that already described the quake);
	// IncidentError says why no incident was recorded.
	Incident        string `json:"incident,omitempty"`
	IncidentCreated bool   `json:"incident_created,omitempty"`
	IncidentError   string `json:"incident_error,omitempty"`
	// Hotspots.
	Areas []string `json:"areas,omitempty"`
	// OutsideRegion marks a hotspot outside the region but within
	// HotspotNearKm: across the border or in a neighbouring prefecture
	// (no border line is loaded to tell them apart).
	OutsideRegion bool `json:"outside_region,omitempty"`
	// NearestCounty is the county nearest an alerting hotspot outside.
	NearestCounty string `json:"nearest_county,omitempty"`
	// AlarmID is the alarm an alerting hotspot raised or moved, and
	// AlarmError why it did not.
	AlarmID    int64  `json:"alarm_id,omitempty"`
	AlarmError string `json:"alarm_error,omitempty"`
	// Alert and Level say whether the event should raise an alarm.
	Alert  bool   `json:"alert"`
	Level  string `json:"level,omitempty"`
	Reason string `json:"reason"`
}

// Assess evaluates ev and keeps it among the recent assessments.
func (a *Assessor) Assess(ctx context.Context, ev Event) (Assessment, error) {
	var as Assessment
	var err error
	switch ev.Type {
	case Quake:
		as, err = a.quake(ctx, ev)
		if err == nil && as.DraftIncident && a.Incidents != nil {
			if d, ok := a.Draft(as); ok {
				as.Incident, as.IncidentCreated, err = a.Incidents.DraftQuake(ctx, d)
				if err != nil {
					as.IncidentError, err = err.Error(), nil
				}
			}
		}
	case Hotspot:
		as = a.hotspot(ev)
		if as.Alert && a.Alarms != nil {
			al, err := a.Alarms.Raise(ctx, as)
			switch {
			case err != nil:
				as.AlarmError = err.Error()
			case al != nil:
				as.AlarmID = al.ID
			}
		}
	default:
		return as, fmt.Errorf("feeds: unknown event type %q", ev.Type)
	}
	if err != nil {
		return as, err
	}
	a.mu.Lock()
	a.recent = append(a.recent, as)
	if len(a.recent) > 500 {
		a.recent = a.recent[len(a.recent)-500:]
	}
	a.mu.Unlock()
	return as, nil
}

// Recent returns the latest assessments, newest first.
func (a *Assessor) Recent(n int) []Assessment {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := make([]Assessment, 0, min(n, len(a.recent)))
	for i := len(a.recent) - 1; i >= 0 && len(out) < n; i-- {
		out = append(out, a.recent[i])
	}
	return out
}

// locate returns the county containing p, and the distance in km from p
// to the nearest county boundary when it is outside all of them.
func (a *Assessor) locate(p orb.Point) (string, float64) {
	code, km, _ := a.nearest(p)
	return code, km
}

// nearest is locate with, for a point outside, the nearest county.
func (a *Assessor) nearest(p orb.Point) (string, float64, string) {
	t := a.Tree()
	if d, ok := t.Locate(p); ok {
		code := d.Code
		if len(code) > 6 {
			code = code[:6]
		}
		return code, 0, code
	}
	best, near := math.Inf(1), ""
	for _, d := range t.List(region.County) {
		mp, ok := t.Boundary(d.Code)
		if !ok {
			continue
		}
		for _, poly := range mp {
			for _, ring := range poly {
				for i := 0; i+1 < len(ring); i++ {
					if km := segmentKm(p, ring[i], ring[i+1]); km < best {
						best, near = km, d.Code
					}
				}
			}
		}
	}
	return "", best, near
}

// segmentKm is the distance from p to the segment ab on a local
// equirectangular projection at p's latitude.
func segmentKm(p, a, b orb.Point) float64 {
	k := 6371.0088 * math.Pi / 180
	c := math.Cos(p[1] * math.Pi / 180)
	ax, ay := (a[0]-p[0])*k*c, (a[1]-p[1])*k
	bx, by := (b[0]-p[0])*k*c, (b[1]-p[1])*k
	dx, dy := bx-ax, by-ay
	t := 0.0
	if l := dx*dx + dy*dy; l > 0 {
		t = math.Max(0, math.Min(1, -(ax*dx+ay*dy)/l))
	}
	return math.Hypot(ax+t*dx, ay+t*dy)
}

func (a *Assessor) quake(ctx context.Context, ev Event) (Assessment, error) {
	as := Assessment{Event: ev}
	as.Division, as.DistanceKm = a.locate(orb.Point{ev.Lon, ev.Lat})
	as.InRegion = as.Division != ""
	m := 0.0
	if ev.Magnitude != nil {
		m = *ev.Magnitude
	}
	if m < a.MinMagnitude || as.DistanceKm > a.NearKm {
		as.Reason = fmt.Sprintf("M%.1f at %.0f km from the region: below M%.1f or beyond %.0f km, not modelled", m, as.DistanceKm, a.MinMagnitude, a.NearKm)
		return as, nil
	}
	qe := quake.Event{Time: ev.Time, Lon: ev.Lon, Lat: ev.Lat, Magnitude: m, Azimuth: quake.DefaultAzimuth}
	if ev.DepthKm != nil && *ev.DepthKm >= 0 {
		qe.DepthKm = *ev.DepthKm
	}
	bands, err := a.Relation.Bands(qe, 6)
	if err != nil {
		return as, err
	}
	as.Modelled, as.Epicentral = true, a.Relation.Epicentral(m)
	var ix *exposure.Index
	if a.Exposure != nil {
		if ix, err = a.Exposure(ctx); err != nil {
			return as, err
		}
	}
	maxIn := 0
	for _, b := range bands {
		bs := BandSummary{Intensity: b.Intensity, Roman: b.Roman, MajorKm: b.MajorKm, MinorKm: b.MinorKm, Counties: []string{}, Objects: map[string]int{}}
		if ix != nil {
			res, err := ix.Assess(b.Polygon, exposure.Query{MaxItems: -1})
			if err != nil {
				return as, err
			}
			bs.Population, bs.Objects = res.Population, res.Objects
			for _, c := range res.Counties {
				if c.Population != nil {
					bs.Counties = append(bs.Counties, c.Code)
				}
			}
			if len(bs.Counties) > 0 {
				maxIn = max(maxIn, b.Intensity)
			}
		}
		as.Bands = append(as.Bands, bs)
	}
	switch {
	case maxIn >= 8:
		as.Level = "red"
	case maxIn == 7:
		as.Level = "orange"
	case maxIn == 6:
		as.Level = "yellow"
	}
	as.Alert = maxIn >= 6
	as.DraftIncident = maxIn >= 6
	if as.Alert {
		as.Reason = fmt.Sprintf("intensity %s reaches the region", quake.Roman(maxIn))
	} else {
		as.Reason = "no band of intensity VI or more reaches the region"
	}
	return as, nil
}

func (a *Assessor) hotspot(ev Event) Assessment {
	as := Assessment{Event: ev}
	p := orb.Point{ev.Lon, ev.Lat}
	var near string
	as.Division, as.DistanceKm, near = a.nearest(p)
	as.InRegion = as.Division != ""
	for _, ar := range a.Areas {
		if planar.MultiPolygonContains(ar.Shape, p) {
			as.Areas = append(as.Areas, ar.Name)
		}
	}
	low := ev.Confidence == "low" || isLowPercent(ev.Confidence)
	switch {
	case low:
		as.Reason = "low-confidence detection: shown, no alarm"
	case len(as.Areas) > 0:
		as.Alert, as.Level, as.Reason = true, "orange", "hotspot inside "+as.Areas[0]
	case as.InRegion:
		as.Alert, as.Level, as.Reason = true, "yellow", "hotspot inside "+as.Division
	case as.DistanceKm <= a.HotspotNearKm:
		as.OutsideRegion, as.NearestCounty = true, near
		as.Alert, as.Level = true, "blue"
		as.Reason = fmt.Sprintf("hotspot %.1f km outside the region (across the border or in a neighbouring prefecture)", as.DistanceKm)
	default:
		as.Reason = fmt.Sprintf("hotspot %.0f km from the region", as.DistanceKm)
	}
	return as
}

// isLowPercent: MODIS confidence below 30 % is the "low" class of the
// MODIS fire product user guide (Giglio et al.) [check].
func isLowPercent(s string) bool {
	var n int
	if _, err := fmt.Sscanf(s, "%d", &n); err != nil {
		return false
	}
	return n < 30
}
