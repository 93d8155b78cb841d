package feeds

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"github.com/yingji/yingji/internal/core"
	"strconv"
	"strings"
	"time"
)

// ParseUSGS reads the USGS GeoJSON summary feed.
func ParseUSGS(data []byte) ([]Event, error) {
	var doc struct {
		Type     string `json:"type"`
		Features []struct {
			ID         string `json:"id"`
			Properties struct {
				Mag     *float64 `json:"mag"`
				MagType string   `json:"magType"`
				Place   string   `json:"place"`
				Time    *int64   `json:"time"`
				Updated *int64   `json:"updated"`
				URL     string   `json:"url"`
				Type    string   `json:"type"`
				Status  string   `json:"status"`
			} `json:"properties"`
			Geometry *struct {
				Type        string    `json:"type"`
				Coordinates []float64 `json:"coordinates"`
			} `json:"geometry"`
		} `json:"features"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("usgs-geojson: %w", err)
	}
	if doc.Type != "FeatureCollection" {
		return nil, fmt.Errorf("usgs-geojson: type %q, want FeatureCollection", doc.Type)
	}
	out := make([]Event, 0, len(doc.Features))
	for i, f := range doc.Features {
		where := fmt.Sprintf("usgs-geojson: features[%d] (id %q)", i, f.ID)
		p := f.Properties
		if p.Type != "" && p.Type != "earthquake" {
			continue // quarry blasts, explosions, ice quakes
		}
		switch {
		case f.ID == "":
			return nil, fmt.Errorf("%s: no id", where)
		case f.Geometry == nil || f.Geometry.Type != "Point" || len(f.Geometry.Coordinates) < 2:
			return nil, fmt.Errorf("%s: geometry must be a Point [lon, lat, depth]", where)
		case p.Time == nil:
			return nil, fmt.Errorf("%s: properties.time missing", where)
		case p.Mag == nil:
			return nil, fmt.Errorf("%s: properties.mag missing", where)
		}
		c := f.Geometry.Coordinates
		if err := checkPosition(c[0], c[1]); err != nil {
			return nil, fmt.Errorf("%s: geometry: %w", where, err)
		}
		if err := checkMagnitude(*p.Mag); err != nil {
			return nil, fmt.Errorf("%s: properties.mag: %w", where, err)
		}
		ev := Event{Type: Quake, Source: "usgs", ID: f.ID, Time: time.UnixMilli(*p.Time).UTC(), Lon: c[0], Lat: c[1],
			Magnitude: ptr(*p.Mag), MagType: p.MagType, Place: p.Place, URL: p.URL, Automatic: p.Status == "automatic"}
		if len(c) > 2 {
			if err := checkDepth(c[2]); err != nil {
				return nil, fmt.Errorf("%s: geometry: %w", where, err)
			}
			ev.DepthKm = ptr(c[2])
		}
		if p.Updated != nil {
			ev.Updated = time.UnixMilli(*p.Updated).UTC()
		}
		out = append(out, ev)
	}
	return out, nil
}

// quakeML is the part of QuakeML 1.2 BED read here. Element names are
// matched by local name so the namespace prefixes in use do not matter.
type quakeML struct {
	XMLName xml.Name `xml:"quakeml"`
	Events  []struct {
		PublicID        string `xml:"publicID,attr"`
		PreferredOrigin string `xml:"preferredOriginID"`
		PreferredMag    string `xml:"preferredMagnitudeID"`
		Type            string `xml:"type"`
		Descriptions    []struct {
			Text string `xml:"text"`
			Type string `xml:"type"`
		} `xml:"description"`
		CreationInfo struct {
			CreationTime string `xml:"creationTime"`
		} `xml:"creationInfo"`
		Origins []struct {
			PublicID       string  `xml:"publicID,attr"`
			Time           qmValue `xml:"time"`
			Latitude       qmValue `xml:"latitude"`
			Longitude      qmValue `xml:"longitude"`
			Depth          qmValue `xml:"depth"`
			EvaluationMode string  `xml:"evaluationMode"`
		} `xml:"origin"`
		Magnitudes []struct {
			PublicID string  `xml:"publicID,attr"`
			Mag      qmValue `xml:"mag"`
			Type     string  `xml:"type"`
		} `xml:"magnitude"`
	} `xml:"eventParameters>event"`
}

type qmValue struct {
	Value string `xml:"value"`
}

// ParseQuakeML reads QuakeML 1.2: each event's preferred origin and
// magnitude (the first ones when none is marked preferred).
func ParseQuakeML(data []byte) ([]Event, error) {
	var doc quakeML
	dec := xml.NewDecoder(bytes.NewReader(data))
	dec.Strict = true
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("quakeml: %w", err)
	}
	out := make([]Event, 0, len(doc.Events))
	for i, e := range doc.Events {
		where := fmt.Sprintf("quakeml: event %d (%s)", i+1, e.PublicID)
		if e.Type != "" && e.Type != "earthquake" {
			continue
		}
		if e.PublicID == "" {
			return nil, fmt.Errorf("%s: no publicID", where)
		}
		oi := -1
		for k, o := range e.Origins {
			if o.PublicID == e.PreferredOrigin || oi < 0 {
				oi = k
			}
			if o.PublicID == e.PreferredOrigin {
				break
			}
		}
		if oi < 0 {
			return nil, fmt.Errorf("%s: no origin", where)
		}
		o := e.Origins[oi]
		t, err := parseQMTime(o.Time.Value)
		if err != nil {
			return nil, fmt.Errorf("%s: origin time: %w", where, err)
		}
		lat, err1 := strconv.ParseFloat(strings.TrimSpace(o.Latitude.Value), 64)
		lon, err2 := strconv.ParseFloat(strings.TrimSpace(o.Longitude.Value), 64)
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("%s: origin latitude %q / longitude %q are not numbers", where, o.Latitude.Value, o.Longitude.Value)
		}
		if err := checkPosition(lon, lat); err != nil {
			return nil, fmt.Errorf("%s: origin: %w", where, err)
		}
		ev := Event{Type: Quake, Source: "quakeml", ID: e.PublicID, Time: t, Lon: lon, Lat: lat, Automatic: o.EvaluationMode == "automatic"}
		if s := strings.TrimSpace(o.Depth.Value); s != "" {
			d, err := strconv.ParseFloat(s, 64)
			if err != nil {
				return nil, fmt.Errorf("%s: origin depth %q is not a number", where, s)
			}
			if err := checkDepth(d / 1000); err != nil { // QuakeML depths are metres
				return nil, fmt.Errorf("%s: origin: %w", where, err)
			}
			ev.DepthKm = ptr(d / 1000)
		}
		mi := -1
		for k, m := range e.Magnitudes {
			if m.PublicID == e.PreferredMag || mi < 0 {
				mi = k
			}
			if m.PublicID == e.PreferredMag {
				break
			}
		}
		if mi < 0 {
			return nil, fmt.Errorf("%s: no magnitude", where)
		}
		m, err := strconv.ParseFloat(strings.TrimSpace(e.Magnitudes[mi].Mag.Value), 64)
		if err != nil {
			return nil, fmt.Errorf("%s: magnitude %q is not a number", where, e.Magnitudes[mi].Mag.Value)
		}
		if err := checkMagnitude(m); err != nil {
			return nil, fmt.Errorf("%s: %w", where, err)
		}
		ev.Magnitude, ev.MagType = ptr(m), e.Magnitudes[mi].Type
		for _, d := range e.Descriptions {
			if strings.TrimSpace(d.Text) != "" {
				ev.Place = strings.TrimSpace(d.Text)
				break
			}
		}
		if ct, err := parseQMTime(e.CreationInfo.CreationTime); err == nil {
			ev.Updated = ct
		}
		out = append(out, ev)
	}
	return out, nil
}

// parseQMTime reads an xs:dateTime; QuakeML times are UTC and often lack
// the zone designator.
func parseQMTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not an xs:dateTime", s)
}

// flexNum is a JSON number or a string holding one.
type flexNum struct {
	v   float64
	set bool
}

func (f *flexNum) UnmarshalJSON(b []byte) error {
	s := strings.TrimSpace(string(b))
	if s == "null" || s == `""` {
		return nil
	}
	s = strings.Trim(s, `"`)
	v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil {
		return fmt.Errorf("%s is not a number", b)
	}
	f.v, f.set = v, true
	return nil
}

var beijing = core.Beijing

// ParseCENC reads the CENC report list.
func ParseCENC(data []byte) ([]Event, error) {
	var doc struct {
		Shuju *[]json.RawMessage `json:"shuju"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("cenc-json: %w", err)
	}
	if doc.Shuju == nil {
		return nil, errors.New(`cenc-json: no "shuju" list`)
	}
	out := make([]Event, 0, len(*doc.Shuju))
	for i, raw := range *doc.Shuju {
		var r struct {
			ID       json.RawMessage `json:"id"`
			CataID   string          `json:"CATA_ID"`
			OTime    string          `json:"O_TIME"`
			Lat      flexNum         `json:"EPI_LAT"`
			Lon      flexNum         `json:"EPI_LON"`
			Depth    flexNum         `json:"EPI_DEPTH"`
			M        flexNum         `json:"M"`
			Location string          `json:"LOCATION_C"`
			AutoFlag string          `json:"AUTO_FLAG"`
			SaveTime string          `json:"SAVE_TIME"`
		}
		where := fmt.Sprintf("cenc-json: shuju[%d]", i)
		if err := json.Unmarshal(raw, &r); err != nil {
			return nil, fmt.Errorf("%s: %w", where, err)
		}
		id := r.CataID
		if id == "" {
			id = strings.Trim(string(r.ID), `"`)
		}
		switch {
		case id == "" || id == "null":
			return nil, fmt.Errorf("%s: no CATA_ID or id", where)
		case !r.Lat.set || !r.Lon.set:
			return nil, fmt.Errorf("%s (%s): EPI_LAT and EPI_LON are required", where, id)
		case !r.M.set:
			return nil, fmt.Errorf("%s (%s): M is required", where, id)
		}
		t, err := time.ParseInLocation("2006-01-02 15:04:05", strings.TrimSpace(r.OTime), beijing)
		if err != nil {
			return nil, fmt.Errorf("%s (%s): O_TIME %q is not Beijing time YYYY-MM-DD hh:mm:ss", where, id, r.OTime)
		}
		if err := checkPosition(r.Lon.v, r.Lat.v); err != nil {
			return nil, fmt.Errorf("%s (%s): %w", where, id, err)
		}
		if err := checkMagnitude(r.M.v); err != nil {
			return nil, fmt.Errorf("%s (%s): M: %w", where, id, err)
		}
		ev := Event{Type: Quake, Source: "cenc", ID: id, Time: t.UTC(), Lon: r.Lon.v, Lat: r.Lat.v, Magnitude: ptr(r.M.v),
			MagType: "M", Place: r.Location, Automatic: r.AutoFlag == "AU" || strings.HasPrefix(id, "AU")}
		if r.Depth.set {
			if err := checkDepth(r.Depth.v); err != nil {
				return nil, fmt.Errorf("%s (%s): EPI_DEPTH: %w", where, id, err)
			}
			ev.DepthKm = ptr(r.Depth.v)
		}
		if st, err := time.ParseInLocation("2006-01-02 15:04:05", strings.TrimSpace(r.SaveTime), beijing); err == nil {
			ev.Updated = st.UTC()
		}
		out = append(out, ev)
	}
	return out, nil
}
