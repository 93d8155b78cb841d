// Package feeds reads external hazard feeds — earthquake catalogues and
// satellite fire hotspots — into normalized events, suppresses the
// duplicates that repeated polls bring, and keeps each feed's status.
//
// Formats (each parser is fuzz-tested and checked on real-format samples
// in testdata/):
//
//   - usgs-geojson: the USGS earthquake GeoJSON summary feed
//     (earthquake.usgs.gov/earthquakes/feed/v1.0/geojson.php): a
//     FeatureCollection whose features have properties mag, magType, place,
//     time and updated (Unix ms), url, status, type, and a Point geometry
//     [lon, lat, depth km].
//   - quakeml: QuakeML 1.2 BED (quakeml.org/xmlns/bed/1.2): each event's
//     preferred origin (time, latitude, longitude, depth in metres) and
//     preferred magnitude.
//   - cenc-json: the list the China Earthquake Networks Center's site
//     serves for its automatic and formal reports: {"shuju": [{CATA_ID,
//     O_TIME (Beijing time, "2006-01-02 15:04:05"), EPI_LAT, EPI_LON,
//     EPI_DEPTH (km), M, LOCATION_C, AUTO_FLAG}]}, numbers as strings or
//     numbers [check: field set as observed in clients of the service].
//   - firms-csv: NASA FIRMS active-fire CSV, MODIS (brightness, bright_t31,
//     numeric confidence 0–100) or VIIRS (bright_ti4, bright_ti5, confidence
//     l/n/h or low/nominal/high), told apart by the header; acq_date is the
//     UTC date and acq_time the UTC time as HHMM written without zero
//     padding (41 is 00:41).
//   - rain-csv: rain-gauge readings from a partner, gauge,t,mm (interval
//     amounts), which feed the rainfall geohazard model.
package feeds

import (
	"fmt"
	"math"
	"strings"
	"time"
)

// Kinds of feed documents.
const (
	USGSGeoJSON = "usgs-geojson"
	QuakeML     = "quakeml"
	CENCJSON    = "cenc-json"
	FIRMSCSV    = "firms-csv"
	RainCSV     = "rain-csv"
)

// FeedKinds lists the kinds Parse understands.
var FeedKinds = []string{USGSGeoJSON, QuakeML, CENCJSON, FIRMSCSV, RainCSV}

// Event types.
const (
	Quake   = "quake"
	Hotspot = "hotspot"
	Rain    = "rain"
)

// Event is one normalized feed event.
type Event struct {
	Type   string    `json:"type"`
	Source string    `json:"source"`
	ID     string    `json:"id"`
	Time   time.Time `json:"time"`
	Lon    float64   `json:"lon"`
	Lat    float64   `json:"lat"`
	// Updated is when the source last revised the event (quakes); a later
	// revision of a known event passes duplicate suppression as an update.
	Updated time.Time `json:"updated,omitzero"`

	// Quakes.
	Magnitude *float64 `json:"magnitude,omitempty"`
	MagType   string   `json:"mag_type,omitempty"`
	DepthKm   *float64 `json:"depth_km,omitempty"`
	Place     string   `json:"place,omitempty"`
	URL       string   `json:"url,omitempty"`
	Automatic bool     `json:"automatic,omitempty"`

	// Hotspots.
	Satellite  string   `json:"satellite,omitempty"`
	Instrument string   `json:"instrument,omitempty"`
	Confidence string   `json:"confidence,omitempty"`
	Brightness *float64 `json:"brightness_k,omitempty"`
	FRP        *float64 `json:"frp_mw,omitempty"`
	DayNight   string   `json:"daynight,omitempty"`

	// Rain readings.
	Gauge string   `json:"gauge,omitempty"`
	MM    *float64 `json:"mm,omitempty"`
}

// Key identifies an event across polls: the source's own ID for quakes;
// for hotspots, which have none, the satellite, time and position.
func (e Event) Key() string {
	if e.Type == Hotspot {
		return fmt.Sprintf("%s|%s|%s|%.4f|%.4f", e.Source, e.Satellite, e.Time.UTC().Format(time.RFC3339), e.Lat, e.Lon)
	}
	return e.Source + "|" + e.ID
}

// Parse reads a document of a kind into events. Errors name the element,
// feature, record or line that is wrong; nothing is returned with them.
func Parse(kind string, data []byte) ([]Event, error) {
	switch strings.ToLower(kind) {
	case USGSGeoJSON:
		return ParseUSGS(data)
	case QuakeML:
		return ParseQuakeML(data)
	case CENCJSON:
		return ParseCENC(data)
	case FIRMSCSV:
		return ParseFIRMS(data)
	case RainCSV:
		return ParseRain(data)
	}
	return nil, fmt.Errorf("unknown feed kind %q (want %s)", kind, strings.Join(FeedKinds, ", "))
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// checkPosition reports a position that is not a lon/lat.
func checkPosition(lon, lat float64) error {
	if !finite(lon) || lon < -180 || lon > 180 {
		return fmt.Errorf("longitude %v is not within ±180", lon)
	}
	if !finite(lat) || lat < -90 || lat > 90 {
		return fmt.Errorf("latitude %v is not within ±90", lat)
	}
	return nil
}

func checkMagnitude(m float64) error {
	if !finite(m) || m < -2 || m > 10 {
		return fmt.Errorf("magnitude %v is not within −2…10", m)
	}
	return nil
}

func checkDepth(d float64) error {
	if !finite(d) || d < -10 || d > 800 {
		return fmt.Errorf("depth %v km is not within −10…800", d)
	}
	return nil
}

func ptr(v float64) *float64 { return &v }
