package httpapi

import (
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/yingji/yingji/internal/auth"
	"github.com/yingji/yingji/internal/core"
	"github.com/yingji/yingji/internal/geo"
	"github.com/yingji/yingji/internal/ledger"
	"github.com/yingji/yingji/internal/registry"
)

// Ledger is what the API needs for the Excel enterprise ledger (issue 8):
// templates, imports with error reports, and exports of registry kinds.
type Ledger struct {
	Service *ledger.Service
	// Clock dates the export's file name; nil means core.SystemClock.
	Clock core.Clock
}

// xlsxType is the media type of .xlsx workbooks.
const xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// maxUpload is the largest workbook or CSV an import takes.
const maxUpload = 64 << 20

// ledgerRoutes are the Excel ledger routes, one set for every registry kind
// ({kind} is the kind's path: enterprises, facilities, …).
func (s *Server) ledgerRoutes() []Route {
	if s.Ledger == nil {
		return nil
	}
	return []Route{
		{"GET", "/api/v1/ledger/{kind}/template.xlsx", auth.RegistryRead, "Import template of a registry kind (.xlsx)", s.ledgerTemplate},
		{"POST", "/api/v1/ledger/{kind}/import", auth.RegistryWrite, "Import records from .xlsx or CSV: new codes are created, known codes update their records", s.ledgerImport},
		{"POST", "/api/v1/ledger/{kind}/error-report", auth.RegistryWrite, "Check a file without storing it and return its rows with an error column (.xlsx)", s.ledgerErrorReport},
		{"GET", "/api/v1/ledger/{kind}/export.xlsx", auth.RegistryRead, "Export the records a registry list filter selects (.xlsx)", s.ledgerExport},
	}
}

var (
	ledgerUpload = obj{
		"multipart/form-data": obj{"schema": object([]string{"file"}, obj{"file": obj{"type": "string", "description": "the .xlsx workbook or CSV file"}})},
		xlsxType:              obj{},
		"text/csv":            obj{"schema": str()},
	}
	ledgerImportQuery = []obj{
		query("mode", "all (default: one bad row stores nothing) or valid_only (store the good rows, report the rest)", str()),
		query("dry_run", "true: check everything, store nothing", str()),
		query("crs", "coordinate system of rows without a 坐标系 cell: wgs84 (default), gcj02, bd09", str()),
		query("sheet", "the sheet to read (default: the one named like the kind, else the first)", str()),
	}
	ledgerListQuery = []obj{
		query("division", "this division and all below it", str()), query("bbox", "minLon,minLat,maxLon,maxLat", str()),
		query("crs", "system of bbox", str()), query("type", "categories, comma-separated (or the kind's category field)", str()),
		query("status", "comma-separated", str()), query("q", "free text over code, name and address", str()),
		query("owner_id", "", integer()), query("enterprise_id", "", integer()), query("sort", "id, name, code, created_at, updated_at", str()),
		query("lang", "zh (default) or en headers and labels", str()),
	}
)

// ledgerOps say what each of those routes takes and returns.
var ledgerOps = map[string]opSpec{
	"GET /api/v1/ledger/{kind}/template.xlsx": {content: obj{xlsxType: obj{}},
		query: []obj{query("lang", "zh (default): Chinese headers first, English second; en: the other way", str())}},
	"POST /api/v1/ledger/{kind}/import": {body: ledgerUpload, response: "LedgerReport", query: ledgerImportQuery,
		more: obj{"422": obj{"description": "bad rows (mode all: nothing stored) or an unreadable file",
			"content": obj{"application/problem+json": obj{"schema": ref("LedgerProblem")}}}}},
	"POST /api/v1/ledger/{kind}/error-report": {body: ledgerUpload, content: obj{xlsxType: obj{}},
		query: append([]obj{query("only_errors", "true: only the header and the bad rows, with their row numbers", str())}, ledgerImportQuery...)},
	"GET /api/v1/ledger/{kind}/export.xlsx": {content: obj{xlsxType: obj{}}, query: ledgerListQuery},
}

// ledgerSchemas adds the area's component schemas.
func ledgerSchemas(schemas obj) {
	cellError := object([]string{"row", "header", "field", "message"}, obj{
		"row": integer(), "column": obj{"type": "string", "description": "spreadsheet column letter; absent when the file has no such column"},
		"header": str(), "field": str(), "value": str(), "message": str()})
	report := object([]string{"kind", "format", "mode", "dry_run", "stored", "rows", "created", "updated", "unchanged", "rejected", "results", "errors"}, obj{
		"kind": str(), "format": obj{"type": "string", "enum": []string{"xlsx", "csv"}}, "sheet": str(), "encoding": str(),
		"mode": obj{"type": "string", "enum": []string{ledger.ModeAll, ledger.ModeValidOnly}}, "dry_run": obj{"type": "boolean"},
		"stored": obj{"type": "boolean"}, "rows": integer(), "created": integer(), "updated": integer(), "unchanged": integer(), "rejected": integer(),
		"results": arrayOf(object([]string{"row", "action", "code", "name"}, obj{"row": integer(),
			"action": obj{"type": "string", "enum": []string{registry.ActionCreate, registry.ActionUpdate, registry.ActionUnchanged}},
			"id":     integer(), "code": str(), "name": str(), "from_version": integer()})),
		"errors":          arrayOf(ref("LedgerCellError")),
		"unknown_columns": arrayOf(object([]string{"column", "header"}, obj{"column": str(), "header": str()})),
		"notes":           arrayOf(str()),
	})
	prob := object([]string{"type", "title", "status", "code", "detail"}, obj{
		"type": str(), "title": str(), "status": integer(), "code": str(), "detail": str(),
		"errors": arrayOf(ref("FieldError")), "report": ref("LedgerReport")})
	schemas["LedgerCellError"] = cellError
	schemas["LedgerReport"] = report
	schemas["LedgerProblem"] = prob
}

func ledgerKind(r *http.Request) (*registry.Kind, error) {
	k, ok := registry.KindAt(r.PathValue("kind"))
	if !ok {
		var paths []string
		for _, k := range registry.Kinds() {
			paths = append(paths, k.Path)
		}
		return nil, core.Errorf(core.ENOTFOUND, "no registry kind %q (want one of %s)", r.PathValue("kind"), strings.Join(paths, ", "))
	}
	return k, nil
}

func langParam(q url.Values) (string, error) {
	switch l := q.Get("lang"); l {
	case "", "zh", "zh-CN":
		return "zh", nil
	case "en":
		return "en", nil
	default:
		return "", core.Invalid("lang", "%q: want zh or en", l)
	}
}

// download sets the headers of a workbook download on the first write, so
// that an error before any byte is written is still a problem response.
type download struct {
	w http.ResponseWriter
	// name is the file's name; ascii, the fallback for old clients.
	name, ascii string
	started     bool
}

func (d *download) Write(p []byte) (int, error) {
	if !d.started {
		d.started = true
		h := d.w.Header()
		h.Set("Content-Type", xlsxType)
		h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": d.ascii})+"; filename*=UTF-8''"+url.PathEscape(d.name))
		h.Set("Cache-Control", "no-store")
		d.w.WriteHeader(http.StatusOK)
	}
	return d.w.Write(p)
}

func (s *Server) ledgerTemplate(w http.ResponseWriter, r *http.Request) {
	k, err := ledgerKind(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	lang, err := langParam(r.URL.Query())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := &download{w: w, name: k.Label + "台账导入模板.xlsx", ascii: k.Path + "-template.xlsx"}
	if lang == "en" {
		d.name = d.ascii
	}
	if err := s.Ledger.Service.Template(d, k, lang); err != nil && !d.started {
		s.fail(w, r, err)
	}
}

func (s *Server) ledgerExport(w http.ResponseWriter, r *http.Request) {
	k, err := ledgerKind(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	q := r.URL.Query()
	lang, err := langParam(q)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	fq := url.Values{}
	for name, v := range q {
		switch name {
		case "lang":
		case "limit", "offset", "format":
			s.fail(w, r, core.Invalid(name, "an export has every matching record; %s does not apply", name))
			return
		default:
			fq[name] = v
		}
	}
	h := &kindHandler{s: s, k: k}
	f, _, err := h.filter(fq)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	clock := s.Ledger.Clock
	if clock == nil {
		clock = core.SystemClock
	}
	stamp := clock().In(core.Beijing).Format("20060102-1504")
	d := &download{w: w, name: fmt.Sprintf("%s台账-%s.xlsx", k.Label, stamp), ascii: fmt.Sprintf("%s-%s.xlsx", k.Path, stamp)}
	if lang == "en" {
		d.name = d.ascii
	}
	if _, err := s.Ledger.Service.Export(r.Context(), d, k, f, lang); err != nil && !d.started {
		s.fail(w, r, err)
	}
}

// readUpload reads the file of an import: a multipart part named "file",
// or the raw body.
func readUpload(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct == "multipart/form-data" {
		if err := parseMultipart(w, r, maxUpload+1<<20, "file"); err != nil {
			return nil, err
		}
		data, err := formFile(r, "file")
		if err != nil {
			return nil, err
		}
		if len(data) > maxUpload {
			return nil, &httpError{status: http.StatusRequestEntityTooLarge, code: "too_large", limit: byteSize(maxUpload),
				detail: fmt.Sprintf("the file is larger than the limit of %s", byteSize(maxUpload))}
		}
		return data, nil
	}
	return readBody(w, r, maxUpload)
}

// ledgerRun parses the import parameters, reads the upload and runs the
// import (a dry run when dry is set).
func (s *Server) ledgerRun(w http.ResponseWriter, r *http.Request, dry bool, extra ...string) (*registry.Kind, *ledger.Table, *ledger.Report, error) {
	k, err := ledgerKind(r)
	if err != nil {
		return nil, nil, nil, err
	}
	q := r.URL.Query()
	allowed := map[string]bool{"mode": true, "dry_run": true, "crs": true, "sheet": true}
	for _, e := range extra {
		allowed[e] = true
	}
	for name := range q {
		if !allowed[name] {
			return nil, nil, nil, core.Invalid(name, "unknown query parameter (allowed: %s)", strings.Join(append([]string{"mode", "dry_run", "crs", "sheet"}, extra...), ", "))
		}
	}
	opt := ledger.Options{Mode: q.Get("mode"), DryRun: dry}
	switch opt.Mode {
	case "", ledger.ModeAll, ledger.ModeValidOnly:
	default:
		return nil, nil, nil, core.Invalid("mode", "%q: want all or valid_only", opt.Mode)
	}
	switch v := q.Get("dry_run"); v {
	case "", "false", "0":
	case "true", "1":
		opt.DryRun = true
	default:
		return nil, nil, nil, core.Invalid("dry_run", "%q: want true or false", v)
	}
	if opt.CRS, err = geo.ParseSystem(q.Get("crs")); err != nil {
		return nil, nil, nil, core.Invalid("crs", "%v", err)
	}
	data, err := readUpload(w, r)
	if err != nil {
		return nil, nil, nil, err
	}
	sheet := q.Get("sheet")
	if sheet == "" {
		sheet = k.Label
	}
	t, err := ledger.Read(data, sheet)
	if err != nil {
		return nil, nil, nil, err
	}
	rep, err := s.Ledger.Service.Import(r.Context(), k, t, opt)
	return k, t, rep, err
}

func (s *Server) ledgerImport(w http.ResponseWriter, r *http.Request) {
	_, _, rep, err := s.ledgerRun(w, r, false)
	switch {
	case err != nil && rep != nil && core.ErrorCode(err) == core.EINVALID:
		s.failWithReport(w, r, err, rep)
	case err != nil:
		s.fail(w, r, err)
	default:
		writeJSON(w, http.StatusOK, rep)
	}
}

// failWithReport is a problem response that also carries the import report
// (RFC 9457 allows extension members).
func (s *Server) failWithReport(w http.ResponseWriter, r *http.Request, err error, rep *ledger.Report) {
	status := statusOf[core.EINVALID]
	p := struct {
		Problem
		Report *ledger.Report `json:"report"`
	}{Problem{Type: "https://yingji.dev/problems/" + core.EINVALID, Title: http.StatusText(status), Status: status, Code: core.EINVALID,
		Detail: core.ErrorMessage(err), Errors: core.ErrorFields(err)}, rep}
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(p)
}

func (s *Server) ledgerErrorReport(w http.ResponseWriter, r *http.Request) {
	k, t, rep, err := s.ledgerRun(w, r, true, "only_errors")
	if err != nil && (rep == nil || core.ErrorCode(err) != core.EINVALID) {
		s.fail(w, r, err)
		return
	}
	only := r.URL.Query().Get("only_errors") == "true"
	d := &download{w: w, name: k.Label + "导入错误报告.xlsx", ascii: k.Path + "-import-errors.xlsx"}
	if err := ledger.ErrorReport(d, k, t, rep, only); err != nil && !d.started {
		s.fail(w, r, err)
	}
}
