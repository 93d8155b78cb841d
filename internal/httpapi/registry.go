package httpapi

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/paulmach/orb"

	"github.com/yingji/yingji/internal/core"
	"github.com/yingji/yingji/internal/geo"
	"github.com/yingji/yingji/internal/registry"
)

// kindHandler serves one registry kind.
type kindHandler struct {
	s *Server
	k *registry.Kind
}

// Page sizes: the map asks for whole layers as GeoJSON, lists page.
const (
	defaultLimit = 100
	maxLimit     = 5000
)

func pathID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, core.Invalid("id", "%q is not a record ID", r.PathValue("id"))
	}
	return id, nil
}

// ifMatch reads the version from If-Match, else from the body's field.
func ifMatch(r *http.Request, body int) (int, error) {
	v := r.Header.Get("If-Match")
	if v == "" {
		return body, nil
	}
	n, err := strconv.Atoi(strings.Trim(v, `"W/`))
	if err != nil {
		return 0, core.Invalid("If-Match", "%q is not a record version", v)
	}
	return n, nil
}

func splitList(v string) []string {
	var out []string
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// parseBBox reads "minLon,minLat,maxLon,maxLat" in the given system.
func parseBBox(v string, sys geo.System) (*orb.Bound, error) {
	parts := strings.Split(v, ",")
	if len(parts) != 4 {
		return nil, core.Invalid("bbox", "want minLon,minLat,maxLon,maxLat")
	}
	var n [4]float64
	for i, p := range parts {
		x, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, core.Invalid("bbox", "%q is not a number", p)
		}
		n[i] = x
	}
	if n[0] > n[2] || n[1] > n[3] || n[0] < -180 || n[2] > 180 || n[1] < -90 || n[3] > 90 {
		return nil, core.Invalid("bbox", "want minLon ≤ maxLon and minLat ≤ maxLat within ±180, ±90")
	}
	lo0, la0 := geo.ToWGS84(sys, n[0], n[1])
	lo1, la1 := geo.ToWGS84(sys, n[2], n[3])
	return &orb.Bound{Min: orb.Point{lo0, la0}, Max: orb.Point{lo1, la1}}, nil
}

func intParam(q url.Values, name string, def, lo, hi int) (int, error) {
	v := q.Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return 0, core.Invalid(name, "%q must be a whole number from %d to %d", v, lo, hi)
	}
	return n, nil
}

func (h *kindHandler) filter(q url.Values) (registry.Filter, string, error) {
	f := registry.Filter{Kind: h.k.Name}
	allowed := map[string]bool{"limit": true, "offset": true, "division": true, "bbox": true, "crs": true, "type": true,
		h.k.CategoryField: true, "status": true, "q": true, "owner_id": true, "enterprise_id": true, "sort": true, "format": true}
	var unknown []string
	for name := range q {
		if !allowed[name] {
			unknown = append(unknown, name)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return f, "", core.Invalid(unknown[0], "unknown query parameter (allowed: limit, offset, division, bbox, crs, %s or type, status, q, owner_id, enterprise_id, sort, format)", h.k.CategoryField)
	}
	var err error
	if f.Limit, err = intParam(q, "limit", defaultLimit, 1, maxLimit); err != nil {
		return f, "", err
	}
	if f.Offset, err = intParam(q, "offset", 0, 0, 1<<30); err != nil {
		return f, "", err
	}
	sys, err := geo.ParseSystem(q.Get("crs"))
	if err != nil {
		return f, "", core.Invalid("crs", "%v", err)
	}
	if d := q.Get("division"); d != "" {
		if _, ok := h.s.Regions.Tree().Get(d); !ok {
			return f, "", core.Invalid("division", "%q is not a known division", d)
		}
		f.Division = d
	}
	if v := q.Get("bbox"); v != "" {
		if f.BBox, err = parseBBox(v, sys); err != nil {
			return f, "", err
		}
	}
	// the category goes by its own name or by "type"; an error names the
	// parameter that was sent.
	for _, name := range []string{h.k.CategoryField, "type"} {
		for _, c := range splitList(q.Get(name)) {
			if !h.k.HasCategory(c) {
				return f, "", core.Invalid(name, "%q is not one of %s", c, strings.Join(registry.Values(h.k.Categories), ", "))
			}
			f.Categories = append(f.Categories, c)
		}
	}
	f.Statuses = splitList(q.Get("status"))
	for _, st := range f.Statuses {
		if !h.k.HasStatus(st) {
			return f, "", core.Invalid("status", "%q is not one of %s", st, strings.Join(registry.Values(h.k.Statuses), ", "))
		}
	}
	f.Query = q.Get("q")
	for name, dst := range map[string]*int64{"owner_id": &f.OwnerID, "enterprise_id": &f.EnterpriseID} {
		if v := q.Get(name); v != "" {
			if *dst, err = strconv.ParseInt(v, 10, 64); err != nil || *dst <= 0 {
				return f, "", core.Invalid(name, "%q is not a record ID", v)
			}
		}
	}
	if v := q.Get("sort"); v != "" {
		switch strings.TrimPrefix(v, "-") {
		case "id", "name", "code", "updated_at", "created_at":
			f.Sort = v
		default:
			return f, "", core.Invalid("sort", "%q: sort by id, name, code, created_at or updated_at, '-' first for descending", v)
		}
	}
	format := q.Get("format")
	switch format {
	case "", "json", "geojson", "csv":
	default:
		return f, "", core.Invalid("format", "%q: want json, geojson or csv", format)
	}
	return f, format, nil
}

// List is the JSON list envelope.
type List[T any] struct {
	Items  []T `json:"items"`
	Total  int `json:"total"`
	Limit  int `json:"limit"`
	Offset int `json:"offset"`
}

func (h *kindHandler) list(w http.ResponseWriter, r *http.Request) {
	f, format, err := h.filter(r.URL.Query())
	if err != nil {
		h.s.fail(w, r, err)
		return
	}
	objs, total, err := h.s.Registry.List(r.Context(), f)
	if err != nil {
		h.s.fail(w, r, err)
		return
	}
	w.Header().Set("X-Total-Count", strconv.Itoa(total))
	switch format {
	case "geojson":
		writeFeatureCollection(w, objs, total)
	case "csv":
		h.writeCSV(w, objs)
	default:
		writeJSON(w, http.StatusOK, List[*registry.Object]{Items: objs, Total: total, Limit: f.Limit, Offset: f.Offset})
	}
}

// FeatureCollection output: properties are the record's fields.
func writeFeatureCollection(w http.ResponseWriter, objs []*registry.Object, total int) {
	type feature struct {
		Type       string          `json:"type"`
		ID         int64           `json:"id"`
		Geometry   json.RawMessage `json:"geometry"`
		Properties map[string]any  `json:"properties"`
	}
	fc := struct {
		Type     string    `json:"type"`
		Features []feature `json:"features"`
		Total    int       `json:"total"`
	}{Type: "FeatureCollection", Features: make([]feature, 0, len(objs)), Total: total}
	for _, o := range objs {
		g, err := geo.MarshalGeometry(o.Geometry)
		if err != nil {
			g = []byte("null")
		}
		fc.Features = append(fc.Features, feature{Type: "Feature", ID: o.ID, Geometry: g, Properties: o.Properties()})
	}
	w.Header().Set("Content-Type", "application/geo+json")
	json.NewEncoder(w).Encode(fc)
}

// writeCSV writes UTF-8 with a byte-order mark so that Excel reads the
// Chinese text; composite fields are JSON in their cell.
func (h *kindHandler) writeCSV(w http.ResponseWriter, objs []*registry.Object) {
	cols := []string{"id", "code", "name", h.k.CategoryField, "status", "division_code", "owner_id", "enterprise_id", "lon", "lat"}
	for _, f := range h.k.Fields {
		cols = append(cols, f.Name)
	}
	cols = append(cols, "geometry", "updated_at")
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s.csv"`, h.k.Path))
	w.Write([]byte("\ufeff"))
	cw := csv.NewWriter(w)
	cw.Write(cols)
	for _, o := range objs {
		props := o.Properties()
		row := make([]string, len(cols))
		for i, c := range cols {
			if c == "geometry" {
				g, _ := geo.MarshalGeometry(o.Geometry)
				row[i] = string(g)
				continue
			}
			row[i] = cell(props[c])
		}
		cw.Write(row)
	}
	cw.Flush()
}

func cell(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		// a leading =, +, - or @ would run as a formula in a spreadsheet.
		if x != "" && strings.ContainsRune("=+-@", rune(x[0])) {
			return "'" + x
		}
		return x
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func (h *kindHandler) get(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.s.fail(w, r, err)
		return
	}
	o, err := h.s.Registry.Get(r.Context(), h.k.Name, id)
	if err != nil {
		h.s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, o)
}

// decode reads one record from the body, failing the request when it is
// not one.
func (h *kindHandler) decode(w http.ResponseWriter, r *http.Request) (*registry.Input, bool) {
	body, err := readBody(w, r, 1<<20)
	if err != nil {
		h.s.fail(w, r, err)
		return nil, false
	}
	in, probs := registry.Decode(h.k, body, 0)
	if err := probs.Err(""); err != nil {
		h.s.fail(w, r, err)
		return nil, false
	}
	return in, true
}

func (h *kindHandler) create(w http.ResponseWriter, r *http.Request) {
	in, ok := h.decode(w, r)
	if !ok {
		return
	}
	objs, err := h.s.Registry.Create(r.Context(), h.k, []*registry.Input{in})
	if err != nil {
		h.s.fail(w, r, err)
		return
	}
	w.Header().Set("Location", fmt.Sprintf("/api/v1/%s/%d", h.k.Path, objs[0].ID))
	writeJSON(w, http.StatusCreated, objs[0])
}

// importMany takes a JSON array of records or a GeoJSON FeatureCollection
// whose properties are the records' fields. ?crs= applies to rows that do
// not say their own. Every bad row is reported; nothing is stored unless
// every row is good.
func (h *kindHandler) importMany(w http.ResponseWriter, r *http.Request) {
	body, err := readBody(w, r, 64<<20)
	if err != nil {
		h.s.fail(w, r, err)
		return
	}
	sys, err := geo.ParseSystem(r.URL.Query().Get("crs"))
	if err != nil {
		h.s.fail(w, r, core.Invalid("crs", "%v", err))
		return
	}
	rows, err := importRows(body)
	if err != nil {
		h.s.fail(w, r, err)
		return
	}
	if len(rows) == 0 {
		h.s.fail(w, r, core.Invalid("body", "has no records"))
		return
	}
	var probs core.Problems
	inputs := make([]*registry.Input, 0, len(rows))
	for i, raw := range rows {
		in, p := registry.Decode(h.k, raw, i+1)
		probs = append(probs, p...)
		if in == nil {
			continue
		}
		if in.CRS == "" && sys != geo.WGS84 && in.Geometry != nil {
			in.Geometry = geo.Transform(in.Geometry, sys)
		}
		inputs = append(inputs, in)
	}
	if err := probs.Err(fmt.Sprintf("%d problem(s) in %d rows; nothing was stored", len(probs), len(rows))); err != nil {
		h.s.fail(w, r, err)
		return
	}
	objs, err := h.s.Registry.Create(r.Context(), h.k, inputs)
	if err != nil {
		h.s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"created": len(objs), "ids": ids(objs)})
}

func ids(objs []*registry.Object) []int64 {
	out := make([]int64, len(objs))
	for i, o := range objs {
		out[i] = o.ID
	}
	return out
}

// importRows splits an import body into one JSON object per record.
func importRows(body []byte) ([]json.RawMessage, error) {
	body = bytes.TrimSpace(body)
	if len(body) > 0 && body[0] == '[' {
		var rows []json.RawMessage
		if err := json.Unmarshal(body, &rows); err != nil {
			return nil, core.Invalid("body", "malformed JSON array: %v", err)
		}
		return rows, nil
	}
	var fc struct {
		Type     string `json:"type"`
		Features []struct {
			Geometry   json.RawMessage            `json:"geometry"`
			Properties map[string]json.RawMessage `json:"properties"`
		} `json:"features"`
	}
	if err := json.Unmarshal(body, &fc); err != nil {
		return nil, core.Invalid("body", "want a JSON array of records or a GeoJSON FeatureCollection: %v", err)
	}
	if fc.Type != "FeatureCollection" {
		return nil, core.Invalid("body", "want a JSON array of records or a GeoJSON FeatureCollection, got type %q", fc.Type)
	}
	rows := make([]json.RawMessage, len(fc.Features))
	for i, f := range fc.Features {
		props := f.Properties
		if props == nil {
			props = map[string]json.RawMessage{}
		}
		props["geometry"] = f.Geometry
		b, err := json.Marshal(props)
		if err != nil {
			return nil, core.Invalid("body", "feature %d: %v", i, err)
		}
		rows[i] = b
	}
	return rows, nil
}

func (h *kindHandler) update(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.s.fail(w, r, err)
		return
	}
	in, ok := h.decode(w, r)
	if !ok {
		return
	}
	if in.Version, err = ifMatch(r, in.Version); err != nil {
		h.s.fail(w, r, err)
		return
	}
	o, err := h.s.Registry.Update(r.Context(), h.k, id, in)
	if err != nil {
		h.s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, o)
}

func (h *kindHandler) remove(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.s.fail(w, r, err)
		return
	}
	if err := h.s.Registry.Delete(r.Context(), h.k, id); err != nil {
		h.s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
