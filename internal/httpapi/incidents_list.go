package httpapi

import (
	"encoding/csv"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/yingji/yingji/internal/core"
	"github.com/yingji/yingji/internal/incident"
)

func (h *incidentHandler) list(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	var f incident.Filter
	var err error
	fail := func(err error) { h.s.fail(w, r, err) }
	if f.Limit, err = intParam(q, "limit", 100, 1, 5000); err != nil {
		fail(err)
		return
	}
	if f.Offset, err = intParam(q, "offset", 0, 0, 1<<30); err != nil {
		fail(err)
		return
	}
	for _, st := range splitList(q.Get("status")) {
		if st != incident.Open && st != incident.Closed && st != incident.Merged {
			fail(core.Invalid("status", "%q: want open, closed or merged", st))
			return
		}
		f.Statuses = append(f.Statuses, st)
	}
	for _, l := range splitList(q.Get("level")) {
		n, err := strconv.Atoi(l)
		if err != nil || !incident.Level(n).Valid() {
			fail(core.Invalid("level", "%q: want 1 (特别重大) to 4 (一般)", l))
			return
		}
		f.Levels = append(f.Levels, incident.Level(n))
	}
	if d := q.Get("division"); d != "" {
		if _, ok := h.s.Regions.Tree().Get(d); !ok {
			fail(core.Invalid("division", "%q is not a known division", d))
			return
		}
		f.Division = d
	}
	if c := q.Get("category"); c != "" {
		if !incident.ValidCategory(c) {
			fail(core.Invalid("category", "%q: want natural, accident, health or social", c))
			return
		}
		f.Category = c
	}
	if t := q.Get("type"); t != "" {
		if _, ok := h.svc.Types().Get(t); !ok {
			fail(core.Invalid("type", "%q is not in the event-type table", t))
			return
		}
		f.Type = t
	}
	f.Overdue = q.Get("overdue") == "true"
	if f.From, err = timeParam(q.Get("from"), "from"); err != nil {
		fail(err)
		return
	}
	if f.To, err = timeParam(q.Get("to"), "to"); err != nil {
		fail(err)
		return
	}
	f.Query = q.Get("q")
	format := q.Get("format")
	if format != "" && format != "json" && format != "geojson" {
		fail(core.Invalid("format", "%q: want json or geojson", format))
		return
	}
	items, total, err := h.svc.List(r.Context(), f)
	if err != nil {
		fail(err)
		return
	}
	if format == "geojson" {
		writeIncidentFeatures(w, items, total)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items, "total": total, "limit": f.Limit, "offset": f.Offset})
}

// writeIncidentFeatures writes the incidents that have coordinates as a
// FeatureCollection for the one-map.
func writeIncidentFeatures(w http.ResponseWriter, items []*incident.Incident, total int) {
	type feature struct {
		Type       string         `json:"type"`
		ID         int64          `json:"id"`
		Geometry   map[string]any `json:"geometry"`
		Properties map[string]any `json:"properties"`
	}
	fc := struct {
		Type     string    `json:"type"`
		Features []feature `json:"features"`
		Total    int       `json:"total"`
	}{Type: "FeatureCollection", Features: []feature{}, Total: total}
	for _, in := range items {
		if in.Lon == nil {
			continue
		}
		fc.Features = append(fc.Features, feature{Type: "Feature", ID: in.ID,
			Geometry: map[string]any{"type": "Point", "coordinates": []float64{*in.Lon, *in.Lat}},
			Properties: map[string]any{"id": in.ID, "number": in.Number, "title": in.Title, "type": in.Type, "type_name": in.TypeName,
				"category": in.Category, "status": in.Status, "level": in.Level, "grade": in.Grade, "occurred_at": in.OccurredAt,
				"division_code": in.Division, "address": in.Address, "deaths": in.Deaths, "missing": in.Missing, "serious_injuries": in.SeriousInjuries,
				"trapped": in.Trapped, "overdue": in.Overdue, "next_due": in.NextDue}})
	}
	w.Header().Set("Content-Type", "application/geo+json")
	json.NewEncoder(w).Encode(fc)
}

func (h *incidentHandler) timeline(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.s.fail(w, r, err)
		return
	}
	inc, evs, err := h.svc.Timeline(r.Context(), id)
	if err != nil {
		h.s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"number": inc.Number, "items": evs, "total": len(evs)})
}

func (h *incidentHandler) timelineCSV(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.s.fail(w, r, err)
		return
	}
	inc, evs, err := h.svc.Timeline(r.Context(), id)
	if err != nil {
		h.s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+inc.Number+`-timeline.csv"`)
	w.Write([]byte("\uFEFF")) // spreadsheet programs read UTF-8 by this mark
	cw := csv.NewWriter(w)
	cw.Write([]string{"number", "at_utc", "at_beijing", "kind", "actor", "summary", "data"})
	for _, e := range evs {
		data := ""
		if len(e.Data) > 0 {
			b, _ := json.Marshal(e.Data)
			data = string(b)
		}
		cw.Write([]string{inc.Number, e.At.UTC().Format(time.RFC3339), e.At.In(incident.Shanghai).Format("2006-01-02 15:04:05"), e.Kind, e.Actor,
			incCSVSafe(e.Summary), incCSVSafe(data)})
	}
	cw.Flush()
}

// incCSVSafe keeps a cell from being read as a formula by a spreadsheet.
func incCSVSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

func (h *incidentHandler) resources(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.s.fail(w, r, err)
		return
	}
	inc, err := h.svc.Store.GetIncident(r.Context(), id, false)
	if err != nil {
		h.s.fail(w, r, err)
		return
	}
	if inc.Lon == nil {
		h.s.fail(w, r, core.Errorf(core.ECONFLICT, "incident %s has no coordinates yet; set its place to rank resources by distance", inc.Number))
		return
	}
	q := r.URL.Query()
	nq := NearestQuery{Lon: *inc.Lon, Lat: *inc.Lat, Kind: q.Get("kind"), Tags: splitList(q.Get("tags"))}
	switch nq.Kind {
	case "team", "warehouse", "expert", "shelter":
	default:
		h.s.fail(w, r, core.Invalid("kind", "%q: want team, warehouse, expert or shelter", nq.Kind))
		return
	}
	if nq.Limit, err = intParam(q, "limit", 10, 1, 100); err != nil {
		h.s.fail(w, r, err)
		return
	}
	if nq.FreeCapacity, err = intParam(q, "free", 0, 0, 1_000_000); err != nil {
		h.s.fail(w, r, err)
		return
	}
	if v := q.Get("max_km"); v != "" {
		if nq.MaxKm, err = strconv.ParseFloat(v, 64); err != nil || nq.MaxKm < 0 {
			h.s.fail(w, r, core.Invalid("max_km", "%q is not a distance in km", v))
			return
		}
	}
	for _, part := range splitList(q.Get("needs")) {
		item, qty, ok := strings.Cut(part, ":")
		n, err := strconv.ParseFloat(qty, 64)
		if !ok || err != nil || n <= 0 || strings.TrimSpace(item) == "" {
			h.s.fail(w, r, core.Invalid("needs", "%q: want item:quantity pairs such as 帐篷:100,棉被:200", part))
			return
		}
		if nq.Needs == nil {
			nq.Needs = map[string]float64{}
		}
		nq.Needs[strings.TrimSpace(item)] = n
	}
	ms, err := h.s.Incidents.Nearest(r.Context(), nq)
	if ms == nil {
		ms = []NearestMatch{}
	}
	h.reply(w, r, http.StatusOK, map[string]any{"items": ms, "total": len(ms)}, err)
}
