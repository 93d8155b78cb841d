// Package cap is the OASIS Common Alerting Protocol 1.2 (ITU-T X.1303):
// the message model (alert → info → resource, area), its XML form in the
// namespace urn:oasis:names:tc:emergency:cap:1.2 with the element order the
// schema demands, a JSON form with the same names, and validation that
// mirrors the schema CAP-v1.2.xsd and reports the reason and the path.
//
// Reference: OASIS Common Alerting Protocol Version 1.2, OASIS Standard,
// 1 July 2010 (docs.oasis-open.org/emergency/cap/v1.2/), sections 3.2 (the
// element dictionary) and 3.3 (implementation notes), and its schema.
package cap

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Namespace is the CAP 1.2 XML namespace.
const Namespace = "urn:oasis:names:tc:emergency:cap:1.2"

// DSigNamespace is XML Signature's namespace, the only foreign elements the
// schema allows (at the end of alert).
const DSigNamespace = "http://www.w3.org/2000/09/xmldsig#"

// Values of the enumerated elements, in the schema's order.
var (
	Statuses      = []string{"Actual", "Exercise", "System", "Test", "Draft"}
	MsgTypes      = []string{"Alert", "Update", "Cancel", "Ack", "Error"}
	Scopes        = []string{"Public", "Restricted", "Private"}
	Categories    = []string{"Geo", "Met", "Safety", "Security", "Rescue", "Fire", "Health", "Env", "Transport", "Infra", "CBRNE", "Other"}
	ResponseTypes = []string{"Shelter", "Evacuate", "Prepare", "Execute", "Avoid", "Monitor", "Assess", "AllClear", "None"}
	Urgencies     = []string{"Immediate", "Expected", "Future", "Past", "Unknown"}
	Severities    = []string{"Extreme", "Severe", "Moderate", "Minor", "Unknown"}
	Certainties   = []string{"Observed", "Likely", "Possible", "Unlikely", "Unknown"}
)

// Alert is a CAP alert message.
type Alert struct {
	Identifier string
	Sender     string
	Sent       time.Time
	Status     string
	MsgType    string
	Source     string
	Scope      string
	// Restriction is required when Scope is Restricted (3.2.1).
	Restriction string
	// Addresses is required when Scope is Private: space-separated, names
	// with spaces in double quotes.
	Addresses string
	Codes     []string
	Note      string
	// References is the schema's string: space-separated
	// "sender,identifier,sent" triples (see Reference).
	References string
	Incidents  string
	Infos      []Info
	// Signatures are the xmldsig elements at the end of the alert, kept
	// verbatim (each declares its own namespace).
	Signatures []string
}

// Info is one language's text about the event (an alert has one per
// language).
type Info struct {
	// Language is an RFC 3066 tag; empty means the schema default en-US.
	Language      string
	Categories    []string
	Event         string
	ResponseTypes []string
	Urgency       string
	Severity      string
	Certainty     string
	Audience      string
	EventCodes    []Value
	// Effective, Onset and Expires are zero when absent.
	Effective   time.Time
	Onset       time.Time
	Expires     time.Time
	SenderName  string
	Headline    string
	Description string
	Instruction string
	Web         string
	Contact     string
	Parameters  []Value
	Resources   []Resource
	Areas       []Area
}

// Value is a valueName/value pair (eventCode, parameter, geocode).
type Value struct {
	Name  string
	Value string
}

// Resource is a file with more information (an image, audio).
type Resource struct {
	Desc     string
	MimeType string
	// Size in bytes; negative when absent.
	Size     int64
	URI      string
	DerefURI string
	Digest   string
}

// Area is where the info applies.
type Area struct {
	Desc     string
	Polygons []Polygon
	Circles  []Circle
	Geocodes []Value
	// Altitude and Ceiling in feet above mean sea level; nil when absent.
	Altitude *float64
	Ceiling  *float64
}

// Point is a WGS 84 position. CAP writes it "lat,lon".
type Point struct{ Lat, Lon float64 }

// Polygon is a closed ring of at least four points, first equal to last.
type Polygon []Point

// Circle is a centre and a radius in kilometres; CAP writes "lat,lon radius".
type Circle struct {
	Center   Point
	RadiusKm float64
}

// Reference names an earlier message (3.2.1 references).
type Reference struct {
	Sender, Identifier string
	Sent               time.Time
}

// TimeLayout is CAP's dateTime: a zone offset, no fractional seconds.
const TimeLayout = "2006-01-02T15:04:05-07:00"

// FormatTime writes t as CAP wants it. UTC is written "-00:00" (3.3.2:
// "The timezone for UTC MUST be represented as -00:00").
func FormatTime(t time.Time) string {
	s := t.Truncate(time.Second).Format(TimeLayout)
	if _, off := t.Zone(); off == 0 {
		s = s[:len(s)-6] + "-00:00"
	}
	return s
}

// ParseTime reads a CAP dateTime, keeping its offset.
func ParseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if !timePattern.MatchString(s) {
		return time.Time{}, fmt.Errorf("%q is not a CAP date and time (YYYY-MM-DDThh:mm:ss with a zone offset such as +08:00, no fraction, no Z)", s)
	}
	t, err := time.Parse(TimeLayout, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not a valid date and time: %v", s, err)
	}
	return t, nil
}

// FormatReferences writes references as CAP's space-separated triples.
func FormatReferences(refs []Reference) string {
	parts := make([]string, len(refs))
	for i, r := range refs {
		parts[i] = r.Sender + "," + r.Identifier + "," + FormatTime(r.Sent)
	}
	return strings.Join(parts, " ")
}

// ParseReferences reads CAP's references string.
func ParseReferences(s string) ([]Reference, error) {
	var out []Reference
	for i, f := range strings.Fields(s) {
		p := strings.Split(f, ",")
		if len(p) != 3 || p[0] == "" || p[1] == "" {
			return nil, fmt.Errorf("reference %d %q is not sender,identifier,sent", i+1, f)
		}
		t, err := ParseTime(p[2])
		if err != nil {
			return nil, fmt.Errorf("reference %d: %v", i+1, err)
		}
		out = append(out, Reference{Sender: p[0], Identifier: p[1], Sent: t})
	}
	return out, nil
}

func formatFloat(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// String writes the polygon as CAP's "lat,lon lat,lon …".
func (p Polygon) String() string {
	parts := make([]string, len(p))
	for i, pt := range p {
		parts[i] = formatFloat(pt.Lat) + "," + formatFloat(pt.Lon)
	}
	return strings.Join(parts, " ")
}

// String writes the circle as CAP's "lat,lon radius".
func (c Circle) String() string {
	return formatFloat(c.Center.Lat) + "," + formatFloat(c.Center.Lon) + " " + formatFloat(c.RadiusKm)
}

func parsePoint(s string) (Point, error) {
	lat, lon, ok := strings.Cut(s, ",")
	if !ok {
		return Point{}, fmt.Errorf("%q is not lat,lon", s)
	}
	var p Point
	var err error
	// !(x >= lo && x <= hi) also refuses NaN, which strconv accepts.
	if p.Lat, err = strconv.ParseFloat(lat, 64); err != nil || !(p.Lat >= -90 && p.Lat <= 90) {
		return Point{}, fmt.Errorf("latitude %q is not a number from -90 to 90", lat)
	}
	if p.Lon, err = strconv.ParseFloat(lon, 64); err != nil || !(p.Lon >= -180 && p.Lon <= 180) {
		return Point{}, fmt.Errorf("longitude %q is not a number from -180 to 180", lon)
	}
	return p, nil
}

// ParsePolygon reads CAP's polygon text (3.2.4: at least four pairs, the
// first and last the same).
func ParsePolygon(s string) (Polygon, error) {
	fields := strings.Fields(s)
	p := make(Polygon, 0, len(fields))
	for _, f := range fields {
		pt, err := parsePoint(f)
		if err != nil {
			return nil, err
		}
		p = append(p, pt)
	}
	if err := p.check(); err != nil {
		return nil, err
	}
	return p, nil
}

func (p Polygon) check() error {
	if len(p) < 4 {
		return fmt.Errorf("has %d coordinate pairs; a CAP polygon needs at least 4 (3.2.4)", len(p))
	}
	for _, pt := range p {
		if !(pt.Lat >= -90 && pt.Lat <= 90 && pt.Lon >= -180 && pt.Lon <= 180) {
			return fmt.Errorf("point %v,%v is outside WGS 84 bounds", pt.Lat, pt.Lon)
		}
	}
	if p[0] != p[len(p)-1] {
		return fmt.Errorf("is not closed: the first and last pairs must be the same (3.2.4)")
	}
	return nil
}

// ParseCircle reads CAP's circle text "lat,lon radius" (radius in km).
func ParseCircle(s string) (Circle, error) {
	fields := strings.Fields(s)
	if len(fields) != 2 {
		return Circle{}, fmt.Errorf("%q is not \"lat,lon radius\"", s)
	}
	pt, err := parsePoint(fields[0])
	if err != nil {
		return Circle{}, err
	}
	r, err := strconv.ParseFloat(fields[1], 64)
	if err != nil || !(r >= 0) || math.IsInf(r, 0) {
		return Circle{}, fmt.Errorf("radius %q is not a non-negative number of kilometres", fields[1])
	}
	return Circle{Center: pt, RadiusKm: r}, nil
}
