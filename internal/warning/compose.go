package warning

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/paulmach/orb"

	"github.com/yingji/yingji/internal/core"
	"github.com/yingji/yingji/internal/geo"
	"github.com/yingji/yingji/internal/region"
	"github.com/yingji/yingji/internal/warning/cap"
)

// Input is a draft as a person composes it (POST /api/v1/warnings, the
// edit, update and forward forms). Empty fields keep what the draft
// already has (its template's defaults for a new draft).
type Input struct {
	Template     string          `json:"template,omitempty"`
	Level        string          `json:"level,omitempty"`
	Event        string          `json:"event,omitempty"`
	Category     string          `json:"category,omitempty"`
	Urgency      string          `json:"urgency,omitempty"`
	Certainty    string          `json:"certainty,omitempty"`
	ResponseType string          `json:"response_type,omitempty"`
	Headline     string          `json:"headline,omitempty"`
	Description  string          `json:"description,omitempty"`
	Instruction  string          `json:"instruction,omitempty"`
	English      *Text           `json:"english,omitempty"`
	Onset        *time.Time      `json:"onset,omitempty"`
	Expires      *time.Time      `json:"expires,omitempty"`
	Area         json.RawMessage `json:"area,omitempty"`
	DivisionCode string          `json:"division_code,omitempty"`
	Note         string          `json:"note,omitempty"`
	// FromAlarm pre-fills level, text and area (a circle of RadiusM around
	// the alarm's point) from an alarm.
	FromAlarm int64 `json:"from_alarm,omitempty"`
	// FromIncident pre-fills level (from the incident's grade), text and
	// area (a circle of RadiusM around its place, or its division).
	FromIncident int64   `json:"from_incident,omitempty"`
	RadiusM      float64 `json:"radius_m,omitempty"`
	// Version is the version of the draft you edited (edits only).
	Version int `json:"version,omitempty"`
}

// maxHeadline keeps a headline short enough for an SMS with its prefix
// (CAP 3.2.2 recommends headlines under 160 characters).
const maxHeadline = 140

// DefaultAlarmRadiusM is the circle drawn around an alarm's point when the
// request gives no radius.
const DefaultAlarmRadiusM = 3000

func actorOf(ctx context.Context) *core.Actor {
	if a := core.ActorFrom(ctx); a != nil {
		return a
	}
	return &core.Actor{}
}

// inScope reports whether the actor may act on records of that division.
func inScope(a *core.Actor, code string) bool {
	if a.System {
		return true
	}
	return a.Division != "" && region.Within(code, a.Division)
}

// fromAlarm pre-fills a new draft from an alarm.
func (s *Service) fromAlarm(ctx context.Context, w *Warning, in *Input) error {
	if s.Alarm == nil {
		return core.Invalid("from_alarm", "drafting from alarms is not available on this server")
	}
	f, err := s.Alarm(ctx, in.FromAlarm)
	if err != nil {
		if core.ErrorCode(err) == core.ENOTFOUND {
			return core.Invalid("from_alarm", "alarm %d not found in your area", in.FromAlarm)
		}
		return err
	}
	t := TemplateForPoint(f.PointKind)
	if in.Template != "" {
		var ok bool
		if t, ok = TemplateNamed(in.Template); !ok {
			return core.Invalid("template", "%q is not a template", in.Template)
		}
	}
	applyTemplate(w, t)
	w.FromAlarm = f.ID
	w.Level = f.Level
	w.Division = f.Division
	r := in.RadiusM
	if r == 0 {
		r = DefaultAlarmRadiusM
	}
	if in.Area == nil {
		w.Area = Area{Circles: []Circle{{Lon: round6(f.Lon), Lat: round6(f.Lat), RadiusM: r}}}
	}
	w.Text.Description = t.Description + "（监测点" + f.PointName + "：" + f.Message + "，" + f.RaisedAt.In(Beijing).Format("1月2日15:04") + "）"
	w.Onset = f.RaisedAt.Truncate(time.Second)
	return nil
}

// DefaultIncidentRadiusM is the circle drawn around an incident's place
// when the request gives no radius.
const DefaultIncidentRadiusM = 5000

// incidentTemplates maps event-type code prefixes (longest first wins) to
// templates.
var incidentTemplates = []struct{ prefix, template string }{
	{"natural.weather.rainstorm", "rainstorm"},
	{"natural.flood", "flood"},
	{"natural.earthquake", "earthquake"},
	{"natural.geohazard", "landslide"},
	{"natural.forest_fire", "forest_fire"},
	{"accident.mining.tailings", "tailings"},
	{"accident.hazchem", "chemical_leak"},
}

// TemplateForIncidentType is the template suggested for an incident of the
// event type code; "general" when none fits.
func TemplateForIncidentType(code string) Template {
	best := ""
	for _, it := range incidentTemplates {
		if (code == it.prefix || strings.HasPrefix(code, it.prefix+".")) && len(it.prefix) > len(best) {
			best = it.prefix
		}
	}
	for _, it := range incidentTemplates {
		if it.prefix == best {
			t, _ := TemplateNamed(it.template)
			return t
		}
	}
	t, _ := TemplateNamed("general")
	return t
}

// incidentLevels maps an incident's grade (1 特别重大 … 4 一般) to the
// warning level of the same rank.
var incidentLevels = map[int]Level{1: Red, 2: Orange, 3: Yellow, 4: Blue}

// fromIncident pre-fills a new draft from an incident. An ungraded
// incident leaves the level to the drafter.
func (s *Service) fromIncident(ctx context.Context, w *Warning, in *Input) error {
	if s.Incident == nil {
		return core.Invalid("from_incident", "drafting from incidents is not available on this server")
	}
	f, err := s.Incident(ctx, in.FromIncident)
	if err != nil {
		if core.ErrorCode(err) == core.ENOTFOUND {
			return core.Invalid("from_incident", "incident %d not found in your area", in.FromIncident)
		}
		return err
	}
	t := TemplateForIncidentType(f.Type)
	if in.Template != "" {
		var ok bool
		if t, ok = TemplateNamed(in.Template); !ok {
			return core.Invalid("template", "%q is not a template", in.Template)
		}
	}
	applyTemplate(w, t)
	w.FromIncident = f.ID
	if l, ok := incidentLevels[f.Level]; ok {
		w.Level = l
	}
	w.Division = f.Division
	r := in.RadiusM
	if r == 0 {
		r = DefaultIncidentRadiusM
	}
	if in.Area == nil {
		if f.HasPlace {
			w.Area = Area{Circles: []Circle{{Lon: round6(f.Lon), Lat: round6(f.Lat), RadiusM: r}}}
		} else {
			w.Area = Area{Divisions: []string{f.Division}}
		}
	}
	w.Text.Description = t.Description + "（事件" + f.Number + "：" + f.Title + "，" + f.OccurredAt.In(Beijing).Format("1月2日15:04") + "）"
	w.Onset = f.OccurredAt.Truncate(time.Second)
	return nil
}

func applyTemplate(w *Warning, t Template) {
	w.Template = t.Key
	w.Text.Event, w.Category, w.Urgency, w.Certainty, w.ResponseType = t.Event, t.Category, t.Urgency, t.Certainty, t.ResponseType
	w.Text.Description, w.Text.Instruction = t.Description, t.Instruction
	if t.EventEn != "" {
		w.English = &Text{Event: t.EventEn, Description: t.DescriptionEn, Instruction: t.InstructionEn}
	}
}

func set(dst *string, v string) {
	if v != "" {
		*dst = strings.TrimSpace(v)
	}
}

// compose applies in to w and checks the result; it is the one place a
// draft's content is validated.
func (s *Service) compose(ctx context.Context, w *Warning, in Input, now time.Time) error {
	var ps core.Problems
	// headlines generated before are generated again for the new level,
	// event or area; a headline someone wrote is kept.
	autoZH, autoEN := "", ""
	if w.Text.Headline != "" {
		autoZH = Headline(s.areaName(w.Area), w.Text.Event, w.Level)
	}
	if w.English != nil && w.English.Headline != "" {
		autoEN = HeadlineEn("", w.English.Event, w.Level)
	}
	if in.Template != "" && in.FromAlarm == 0 && in.FromIncident == 0 {
		t, ok := TemplateNamed(in.Template)
		if !ok {
			ps.Add(0, "template", "%q is not a template (%s)", in.Template, templateKeys())
		} else {
			applyTemplate(w, t)
		}
	}
	if in.Level != "" {
		l, err := ParseLevel(in.Level)
		if err != nil {
			ps.Add(0, "level", "%v", err)
		}
		w.Level = l
	}
	set(&w.Text.Event, in.Event)
	set(&w.Category, in.Category)
	set(&w.Urgency, in.Urgency)
	set(&w.Certainty, in.Certainty)
	set(&w.ResponseType, in.ResponseType)
	set(&w.Text.Headline, in.Headline)
	set(&w.Text.Description, in.Description)
	set(&w.Text.Instruction, in.Instruction)
	set(&w.Note, in.Note)
	if in.English != nil {
		if *in.English == (Text{}) {
			w.English = nil
		} else {
			w.English = in.English
		}
	}
	if in.Onset != nil {
		w.Onset = in.Onset.UTC().Truncate(time.Second)
	}
	if in.Expires != nil {
		w.Expires = in.Expires.UTC().Truncate(time.Second)
	}
	if w.Onset.IsZero() {
		w.Onset = now.UTC().Truncate(time.Second)
	}
	if in.Area != nil {
		a, err := ParseArea(in.Area)
		if err != nil {
			for _, f := range core.ErrorFields(err) {
				ps.Add(0, f.Field, "%s", f.Message)
			}
		} else {
			w.Area = a
		}
	}
	set(&w.Division, in.DivisionCode)
	actor := actorOf(ctx)
	if w.Division == "" {
		w.Division = actor.Division
	}
	if autoZH != "" && w.Text.Headline == autoZH {
		w.Text.Headline = ""
	}
	if w.English != nil && autoEN != "" && w.English.Headline == autoEN {
		w.English.Headline = ""
	}
	s.check(w, actor, now, &ps)
	if err := ps.Err("the warning is incomplete or invalid"); err != nil {
		return err
	}
	w.Severity = w.Level.Severity()
	if w.Text.Headline == "" {
		w.Text.Headline = Headline(s.areaName(w.Area), w.Text.Event, w.Level)
	}
	if w.English != nil && w.English.Headline == "" {
		w.English.Headline = HeadlineEn("", w.English.Event, w.Level)
	}
	return nil
}

func templateKeys() string {
	keys := make([]string, len(Templates))
	for i, t := range Templates {
		keys[i] = t.Key
	}
	return strings.Join(keys, ", ")
}

// check validates a composed warning: what CAP requires (category,
// urgency, severity from the level, certainty, event), what a public
// message needs (headline, description, an area, an expiry after onset),
// and the actor's scope over the area and the division.
func (s *Service) check(w *Warning, actor *core.Actor, now time.Time, ps *core.Problems) {
	if w.Level == "" {
		ps.Add(0, "level", "is required: red, orange, yellow or blue")
	}
	if w.Text.Event == "" {
		ps.Add(0, "event", "is required (or choose a template)")
	}
	if !slices.Contains(cap.Categories, w.Category) {
		ps.Add(0, "category", "%q is not one of %s", w.Category, strings.Join(cap.Categories, ", "))
	}
	// urgency and certainty are required and must be chosen: CAP's
	// Unknown says nothing to the public.
	if !slices.Contains(cap.Urgencies[:4], w.Urgency) {
		ps.Add(0, "urgency", "%q must be one of Immediate, Expected, Future, Past", w.Urgency)
	}
	if !slices.Contains(cap.Certainties[:4], w.Certainty) {
		ps.Add(0, "certainty", "%q must be one of Observed, Likely, Possible, Unlikely", w.Certainty)
	}
	if w.ResponseType != "" && !slices.Contains(cap.ResponseTypes, w.ResponseType) {
		ps.Add(0, "response_type", "%q is not one of %s", w.ResponseType, strings.Join(cap.ResponseTypes, ", "))
	}
	if n := utf8.RuneCountInString(w.Text.Headline); n > maxHeadline {
		ps.Add(0, "headline", "has %d characters; at most %d", n, maxHeadline)
	}
	if w.Text.Description == "" {
		ps.Add(0, "description", "is required")
	}
	if w.English != nil {
		if w.English.Event == "" {
			ps.Add(0, "english.event", "is required with English text")
		}
		if w.English.Description == "" {
			ps.Add(0, "english.description", "is required with English text")
		}
		if n := utf8.RuneCountInString(w.English.Headline); n > maxHeadline {
			ps.Add(0, "english.headline", "has %d characters; at most %d", n, maxHeadline)
		}
	}
	switch {
	case w.Expires.IsZero():
		ps.Add(0, "expires", "is required")
	case !w.Expires.After(w.Onset):
		ps.Add(0, "expires", "must be after onset (%s)", w.Onset.Format(time.RFC3339))
	case !w.Expires.After(now) && w.MsgType != MsgCancel:
		ps.Add(0, "expires", "%s has passed", w.Expires.Format(time.RFC3339))
	}
	if w.Area.Empty() {
		ps.Add(0, "area", "is required: a polygon, a circle or division codes")
	}
	if !inScope(actor, w.Division) {
		ps.Add(0, "division_code", "%q is outside your area %s", w.Division, actor.Division)
	}
	for i, d := range w.Area.Divisions {
		f := fmt.Sprintf("area.divisions[%d]", i)
		if s.DivisionName != nil {
			if _, ok := s.DivisionName(d); !ok {
				ps.Add(0, f, "%q is not a known division", d)
				continue
			}
		}
		if !inScope(actor, d) {
			ps.Add(0, f, "%q is outside your area %s", d, actor.Division)
		}
	}
	if s.Locate == nil {
		return
	}
	for i, poly := range w.Area.Polygons {
		if d, ok := s.Locate(geo.Anchor(poly)); !ok || !inScope(actor, d) {
			ps.Add(0, fmt.Sprintf("area.geometry.coordinates[%d]", i), "the polygon lies outside your area %s", actor.Division)
		}
	}
	for i, c := range w.Area.Circles {
		if d, ok := s.Locate(orb.Point{c.Lon, c.Lat}); !ok || !inScope(actor, d) {
			ps.Add(0, fmt.Sprintf("area.circles[%d]", i), "the centre lies outside your area %s", actor.Division)
		}
	}
}

// areaName names an area for headlines and CAP areaDesc: its description,
// else its divisions' names, else the name of the division holding its
// first shape.
func (s *Service) areaName(a Area) string {
	if a.Desc != "" {
		return a.Desc
	}
	var names []string
	for _, d := range a.Divisions {
		if s.DivisionName != nil {
			if n, ok := s.DivisionName(d); ok {
				names = append(names, n)
				continue
			}
		}
		names = append(names, d)
	}
	if len(names) > 0 {
		return strings.Join(names, "、")
	}
	if s.Locate != nil && s.DivisionName != nil {
		var p orb.Point
		switch {
		case len(a.Polygons) > 0:
			p = geo.Anchor(a.Polygons[0])
		case len(a.Circles) > 0:
			p = orb.Point{a.Circles[0].Lon, a.Circles[0].Lat}
		}
		if d, ok := s.Locate(p); ok {
			if n, ok := s.DivisionName(d); ok {
				return n + "部分地区"
			}
		}
	}
	return "预警区域"
}
