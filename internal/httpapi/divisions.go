package httpapi

import (
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/paulmach/orb"

	"github.com/yingji/yingji/internal/core"
	"github.com/yingji/yingji/internal/geo"
	"github.com/yingji/yingji/internal/region"
	"github.com/yingji/yingji/internal/registry"
)

// DivisionOut is a division as the API shows it.
type DivisionOut struct {
	region.Division
	HasBoundary bool `json:"has_boundary"`
}

func (s *Server) divisionOut(t *region.Tree, d region.Division) DivisionOut {
	_, ok := t.Boundary(d.Code)
	if d.Center == nil {
		if c, ok := t.Center(d.Code); ok {
			d.Center = &c
		}
	}
	return DivisionOut{Division: d, HasBoundary: ok}
}

func (s *Server) divisionList(w http.ResponseWriter, t *region.Tree, ds []region.Division) {
	out := make([]DivisionOut, len(ds))
	for i, d := range ds {
		out[i] = s.divisionOut(t, d)
	}
	writeJSON(w, http.StatusOK, List[DivisionOut]{Items: out, Total: len(out), Limit: len(out)})
}

func (s *Server) listDivisions(w http.ResponseWriter, r *http.Request) {
	t := s.Regions.Tree()
	q := r.URL.Query()
	if q.Get("format") == "geojson" {
		s.divisionBoundaries(w, r, t)
		return
	}
	var ds []region.Division
	switch lv := region.Level(q.Get("level")); {
	case lv == "":
		ds = t.All()
	case lv.Valid():
		ds = t.List(lv)
	default:
		s.fail(w, r, core.Invalid("level", "%q is not one of province, city, county, township, village", lv))
		return
	}
	if p := q.Get("parent"); p != "" {
		if _, ok := t.Get(p); !ok {
			s.fail(w, r, core.Invalid("parent", "%q is not a known division", p))
			return
		}
		kept := ds[:0]
		for _, d := range ds {
			if region.Within(d.Code, p) && d.Code != p {
				kept = append(kept, d)
			}
		}
		ds = kept
	}
	s.divisionList(w, t, ds)
}

// divisionBoundaries returns the divisions that have a boundary as a
// FeatureCollection: the offline base map draws them.
func (s *Server) divisionBoundaries(w http.ResponseWriter, r *http.Request, t *region.Tree) {
	type feature struct {
		Type       string      `json:"type"`
		ID         string      `json:"id"`
		Geometry   orbGeometry `json:"geometry"`
		Properties DivisionOut `json:"properties"`
	}
	fc := struct {
		Type     string    `json:"type"`
		Features []feature `json:"features"`
	}{Type: "FeatureCollection", Features: []feature{}}
	for _, d := range t.All() {
		if b, ok := t.Boundary(d.Code); ok {
			fc.Features = append(fc.Features, feature{"Feature", d.Code, orbGeometry{b}, s.divisionOut(t, d)})
		}
	}
	w.Header().Set("Content-Type", "application/geo+json")
	json.NewEncoder(w).Encode(fc)
}

type orbGeometry struct{ g orb.Geometry }

func (o orbGeometry) MarshalJSON() ([]byte, error) { return geo.MarshalGeometry(o.g) }

func (s *Server) division(w http.ResponseWriter, r *http.Request) (*region.Tree, region.Division, bool) {
	t := s.Regions.Tree()
	d, ok := t.Get(r.PathValue("code"))
	if !ok {
		s.fail(w, r, core.Errorf(core.ENOTFOUND, "division %q not found", r.PathValue("code")))
	}
	return t, d, ok
}

func (s *Server) getDivision(w http.ResponseWriter, r *http.Request) {
	if t, d, ok := s.division(w, r); ok {
		writeJSON(w, http.StatusOK, s.divisionOut(t, d))
	}
}

func (s *Server) divisionChildren(w http.ResponseWriter, r *http.Request) {
	if t, d, ok := s.division(w, r); ok {
		s.divisionList(w, t, t.Children(d.Code))
	}
}

func (s *Server) divisionAncestors(w http.ResponseWriter, r *http.Request) {
	if t, d, ok := s.division(w, r); ok {
		s.divisionList(w, t, t.Ancestors(d.Code))
	}
}

// LocateResponse is the division containing a point and its ancestors.
type LocateResponse struct {
	Lon       float64       `json:"lon"`
	Lat       float64       `json:"lat"`
	Division  DivisionOut   `json:"division"`
	Ancestors []DivisionOut `json:"ancestors"`
}

func (s *Server) locateDivision(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	sys, err := geo.ParseSystem(q.Get("crs"))
	if err != nil {
		s.fail(w, r, core.Invalid("crs", "%v", err))
		return
	}
	lon, err1 := strconv.ParseFloat(q.Get("lon"), 64)
	lat, err2 := strconv.ParseFloat(q.Get("lat"), 64)
	switch {
	case err1 != nil || !(lon >= -180 && lon <= 180): // NaN too
		s.fail(w, r, core.Invalid("lon", "%q is not a longitude", q.Get("lon")))
		return
	case err2 != nil || !(lat >= -90 && lat <= 90):
		s.fail(w, r, core.Invalid("lat", "%q is not a latitude", q.Get("lat")))
		return
	}
	lon, lat = geo.ToWGS84(sys, lon, lat)
	t := s.Regions.Tree()
	d, ok := t.Locate(orb.Point{lon, lat})
	if !ok {
		s.fail(w, r, core.Errorf(core.ENOTFOUND, "no division contains %.6f, %.6f", lon, lat))
		return
	}
	resp := LocateResponse{Lon: lon, Lat: lat, Division: s.divisionOut(t, d), Ancestors: []DivisionOut{}}
	for _, a := range t.Ancestors(d.Code) {
		resp.Ancestors = append(resp.Ancestors, s.divisionOut(t, a))
	}
	writeJSON(w, http.StatusOK, resp)
}

// importDivisions takes the divisions CSV as the body, or a multipart form
// with parts "csv" and optionally "boundaries" (GeoJSON).
func (s *Server) importDivisions(w http.ResponseWriter, r *http.Request) {
	var csvData, boundaries []byte
	if ct := r.Header.Get("Content-Type"); len(ct) >= 19 && ct[:19] == "multipart/form-data" {
		if err := parseMultipart(w, r, 64<<20, "body"); err != nil {
			s.fail(w, r, err)
			return
		}
		var err error
		if csvData, err = formFile(r, "csv"); err != nil {
			s.fail(w, r, err)
			return
		}
		boundaries, _ = formFile(r, "boundaries")
	} else {
		var err error
		if csvData, err = readBody(w, r, 64<<20); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	divs, err := region.ParseCSV(bytesReader(csvData))
	if err != nil {
		s.fail(w, r, csvProblems(err))
		return
	}
	ins, upd, err := s.Regions.Import(r.Context(), divs, boundaries)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]int{"inserted": ins, "updated": upd})
}

// csvProblems turns region's row errors into field problems (every row).
func csvProblems(err error) error {
	ce, ok := err.(*region.CSVError)
	if !ok {
		return core.Invalid("body", "%v", err)
	}
	var p core.Problems
	for _, re := range ce.Rows {
		p.Add(re.Line, re.Field, "%s", re.Msg)
	}
	return p.Err(strconv.Itoa(len(p)) + " problem(s) in the divisions CSV (row = line number); nothing was stored")
}

// KindInfo describes a registry kind for clients (forms, legends, filters).
type KindInfo struct {
	Name          string            `json:"name"`
	Path          string            `json:"path"`
	Label         string            `json:"label"`
	LabelEn       string            `json:"label_en"`
	CodeLabel     string            `json:"code_label"`
	CategoryField string            `json:"category_field"`
	Categories    []registry.Option `json:"categories"`
	Statuses      []registry.Option `json:"statuses"`
	Fields        []registry.Field  `json:"fields"`
	Owners        []string          `json:"owners"`
	Geometries    []string          `json:"geometries"`
}

func (s *Server) listKinds(w http.ResponseWriter, r *http.Request) {
	var out []KindInfo
	for _, k := range registry.Kinds() {
		out = append(out, KindInfo{k.Name, k.Path, k.Label, k.LabelEn, k.CodeLabel, k.CategoryField, k.Categories, k.Statuses, k.Fields, k.Owners, k.Geometries})
	}
	writeJSON(w, http.StatusOK, List[KindInfo]{Items: out, Total: len(out), Limit: len(out)})
}

func prefixOf(code string) string { return region.Prefix(code) }
