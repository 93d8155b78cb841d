package ledger

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/paulmach/orb"
	"github.com/xuri/excelize/v2"

	"github.com/yingji/yingji/internal/core"
	"github.com/yingji/yingji/internal/geo"
	"github.com/yingji/yingji/internal/region"
	"github.com/yingji/yingji/internal/registry"
)

// Divisions is what the ledger needs of the division tree (a
// *region.Tree).
type Divisions interface {
	Get(code string) (region.Division, bool)
	All() []region.Division
	Center(code string) (orb.Point, bool)
}

// Service reads and writes ledgers of registry records.
type Service struct {
	Registry  *registry.Service
	Divisions func() Divisions
}

// Import modes.
const (
	ModeAll       = "all"
	ModeValidOnly = "valid_only"
)

// Options says how to import.
type Options struct {
	// Mode is ModeAll (one bad row stores nothing) or ModeValidOnly.
	Mode string
	// DryRun checks everything and stores nothing.
	DryRun bool
	// CRS is the coordinate system of rows without a 坐标系 cell.
	CRS geo.System
}

// CellError is one problem in one row, with the column it is in (Column
// is empty when the problem is about a column the file does not have).
type CellError struct {
	Row     int    `json:"row"`
	Column  string `json:"column,omitempty"` // letter: "C"
	Header  string `json:"header"`           // the file's header, or the field's label
	Field   string `json:"field"`            // the record's field
	Value   string `json:"value,omitempty"`
	Message string `json:"message"`
}

// RowResult is what happened to one good row.
type RowResult struct {
	Row         int    `json:"row"`
	Action      string `json:"action"` // create, update or unchanged
	ID          int64  `json:"id,omitempty"`
	Code        string `json:"code"`
	Name        string `json:"name"`
	FromVersion int    `json:"from_version,omitempty"`
}

// ColumnRef names a column of the file.
type ColumnRef struct {
	Column string `json:"column"`
	Header string `json:"header"`
}

// Report is the outcome of an import.
type Report struct {
	Kind     string `json:"kind"`
	Format   string `json:"format"`
	Sheet    string `json:"sheet,omitempty"`
	Encoding string `json:"encoding,omitempty"`
	Mode     string `json:"mode"`
	DryRun   bool   `json:"dry_run"`
	// Stored is true when the good rows were written.
	Stored bool `json:"stored"`
	// Rows is the number of data rows read (not headers, blank rows or the
	// template's example row).
	Rows    int `json:"rows"`
	Created int `json:"created"`
	Updated int `json:"updated"`
	// Unchanged rows matched their stored records exactly.
	Unchanged int         `json:"unchanged"`
	Rejected  int         `json:"rejected"`
	Results   []RowResult `json:"results"`
	Errors    []CellError `json:"errors"`
	// UnknownColumns were not read: their headers name no field.
	UnknownColumns []ColumnRef `json:"unknown_columns"`
	// Notes are things the import did that the user should know.
	Notes   []string `json:"notes"`
	badRows map[int]bool
	layout  *sheetLayout
}

// sheetLayout is where the columns of a table are.
type sheetLayout struct {
	cols      []Column
	headerRow int         // 0-based index in Table.Rows
	at        map[int]int // sheet column index → cols index
	byKey     map[string]int
	headers   map[int]string
}

// locate finds the header row among the first rows and maps its cells to
// columns; it fails when the code column is missing or a column repeats.
func locate(k *registry.Kind, t *Table, rep *Report) (*sheetLayout, error) {
	cols := append(Columns(k, true), importAliases(k)...)
	m := newMatcher(cols)
	best, bestN := -1, 0
	for i := 0; i < len(t.Rows) && i < 10; i++ {
		n := 0
		for _, h := range t.Rows[i] {
			if _, ok := m.match(h); ok {
				n++
			}
		}
		if n > bestN {
			best, bestN = i, n
		}
	}
	if best < 0 || bestN < 2 {
		return nil, core.Invalid("file", "no header row found in the first 10 rows (want headers such as %s, 名称, %s); download the template", k.CodeLabel, k.CategoryLabel)
	}
	l := &sheetLayout{cols: cols, headerRow: best, at: map[int]int{}, byKey: map[string]int{}, headers: map[int]string{}}
	var probs core.Problems
	for j, h := range t.Rows[best] {
		if strings.TrimSpace(h) == "" {
			continue
		}
		l.headers[j] = strings.TrimSpace(h)
		ci, ok := m.match(h)
		if !ok {
			rep.UnknownColumns = append(rep.UnknownColumns, ColumnRef{Column: colName(j), Header: strings.TrimSpace(h)})
			continue
		}
		if prev, dup := l.byKey[cols[ci].Key]; dup {
			probs.Add(best+1, colName(j), "column %s %q repeats column %s %q", colName(j), h, colName(prev), l.headers[prev])
			continue
		}
		l.byKey[cols[ci].Key] = j
		l.at[j] = ci
	}
	if _, ok := l.byKey[keyCode]; !ok {
		probs.Add(best+1, keyCode, "the file has no %s column", k.CodeLabel)
	}
	if err := probs.Err("the header row cannot be used"); err != nil {
		return nil, err
	}
	return l, nil
}

// importAliases are columns an import also reads: the registry's own CSV
// export names the owner by ID.
func importAliases(k *registry.Kind) []Column {
	out := []Column{{Key: "enterprise_id", Label: "所属企业ID", LabelEn: "enterprise ID", Type: registry.Int, ReadOnly: true}}
	if len(k.Owners) > 0 {
		out = append(out, Column{Key: keyOwnerID, Label: "所属记录ID", LabelEn: "owner ID", Type: registry.Int, Min: num(1)})
	}
	return out
}

// colName is a zero-based column index as a spreadsheet letter.
func colName(j int) string {
	s, _ := excelize.ColumnNumberToName(j + 1)
	return s
}

func cellAt(row []string, j int) string {
	if j < len(row) {
		return row[j]
	}
	return ""
}

// parsedRow is a data row on its way to the registry.
type parsedRow struct {
	row    int // sheet row number
	cells  []string
	values map[string]any
	bad    bool
}

// Import reads a table of records of kind k and stores them (see Options).
// It returns the report, and an EINVALID error carrying the problems when
// the mode is ModeAll and any row is bad (nothing is stored then).
func (s *Service) Import(ctx context.Context, k *registry.Kind, t *Table, opt Options) (*Report, error) {
	if opt.Mode == "" {
		opt.Mode = ModeAll
	}
	rep := &Report{Kind: k.Name, Format: t.Format, Sheet: t.Sheet, Encoding: t.Encoding, Mode: opt.Mode, DryRun: opt.DryRun,
		Results: []RowResult{}, Errors: []CellError{}, UnknownColumns: []ColumnRef{}, Notes: []string{}, badRows: map[int]bool{}}
	l, err := locate(k, t, rep)
	if err != nil {
		return nil, err
	}
	rep.layout = l
	rows := s.dataRows(k, t, l, rep)
	if len(rows) == 0 {
		return nil, core.Invalid("file", "has no data rows below the header (row %d)", l.headerRow+1)
	}
	if len(rows) > MaxRows {
		return nil, core.Invalid("file", "has %d rows; import at most %d at a time", len(rows), MaxRows)
	}
	rep.Rows = len(rows)
	for _, r := range rows {
		s.parseRow(k, l, t, r, rep)
	}
	if err := s.resolveOwners(ctx, k, l, rows, rep); err != nil {
		return nil, err
	}
	existing, err := s.existing(ctx, k, rows)
	if err != nil {
		return nil, err
	}
	var batch []registry.ImportRow
	for _, r := range rows {
		if r.bad {
			continue
		}
		s.keepGeometry(l, r, existing[codeOf(r)], opt.CRS)
		in, probs := input(k, r, opt.CRS)
		if len(probs) > 0 {
			rep.addProblems(k, l, t, probs)
			continue
		}
		batch = append(batch, registry.ImportRow{Row: r.row, Input: in})
	}
	ropt := registry.ImportOptions{ValidOnly: opt.Mode == ModeValidOnly || len(rep.Errors) > 0, DryRun: opt.DryRun}
	if opt.Mode == ModeAll && len(rep.Errors) > 0 {
		ropt.DryRun = true // only to report every problem at once
	}
	out, probs, err := s.Registry.Import(ctx, k, batch, ropt)
	if err != nil && core.ErrorCode(err) != core.EINVALID {
		return nil, err
	}
	rep.addProblems(k, l, t, probs)
	sort.SliceStable(rep.Errors, func(i, j int) bool { return rep.Errors[i].Row < rep.Errors[j].Row })
	rep.Rejected = len(rep.badRows)
	if opt.Mode == ModeAll && len(rep.Errors) > 0 {
		return rep, rep.err()
	}
	for _, o := range out {
		res := RowResult{Row: o.Row, Action: o.Action, ID: o.Object.ID, Code: o.Object.Code, Name: o.Object.Name, FromVersion: o.FromVersion}
		switch o.Action {
		case registry.ActionCreate:
			rep.Created++
		case registry.ActionUpdate:
			rep.Updated++
		default:
			rep.Unchanged++
		}
		rep.Results = append(rep.Results, res)
	}
	rep.Stored = !opt.DryRun && rep.Created+rep.Updated > 0
	return rep, nil
}

// err is the problem+json form of the report's errors.
func (rep *Report) err() error {
	fields := make([]core.FieldError, len(rep.Errors))
	for i, e := range rep.Errors {
		where := e.Header
		if e.Column != "" {
			where = "column " + e.Column + " (" + e.Header + ")"
		}
		fields[i] = core.FieldError{Row: e.Row, Field: e.Field, Message: where + ": " + e.Message}
	}
	return &core.Error{Code: core.EINVALID, Fields: fields,
		Message: fmt.Sprintf("%d problem(s) in %d of %d rows; nothing was stored (fix them, or import the valid rows only)", len(rep.Errors), rep.Rejected, rep.Rows)}
}

// dataRows returns the rows below the header that hold data: not blank,
// not a second (English or Chinese) header row, not the template's example.
func (s *Service) dataRows(k *registry.Kind, t *Table, l *sheetLayout, rep *Report) []*parsedRow {
	ex := example(k, s.divisions())
	var out []*parsedRow
	for i := l.headerRow + 1; i < len(t.Rows); i++ {
		cells := t.Rows[i]
		empty, headerLike, n := true, len(out) == 0, 0
		for j, ci := range l.at {
			v := strings.TrimSpace(cellAt(cells, j))
			if v == "" {
				continue
			}
			empty = false
			n++
			if headerLike {
				if m, ok := newMatcher(l.cols[ci : ci+1]).match(v); !ok || m != 0 {
					headerLike = false
				}
			}
		}
		switch {
		case empty:
			continue
		case headerLike && n >= 2:
			continue
		}
		code := strings.TrimSpace(cellAt(cells, l.byKey[keyCode]))
		name := ""
		if j, ok := l.byKey[keyName]; ok {
			name = strings.TrimSpace(cellAt(cells, j))
		}
		if code == ex[keyCode] && name == ex[keyName] {
			rep.Notes = append(rep.Notes, fmt.Sprintf("row %d is the template's example (示例) and was skipped", i+1))
			continue
		}
		out = append(out, &parsedRow{row: i + 1, cells: cells, values: map[string]any{}})
	}
	return out
}

func (s *Service) divisions() Divisions {
	if s.Divisions == nil {
		return nil
	}
	return s.Divisions()
}

func codeOf(r *parsedRow) string {
	c, _ := r.values[keyCode].(string)
	return c
}

// parseRow reads the cells of one row into the record's JSON fields.
func (s *Service) parseRow(k *registry.Kind, l *sheetLayout, t *Table, r *parsedRow, rep *Report) {
	for j, ci := range l.at {
		c := l.cols[ci]
		if c.ReadOnly {
			continue
		}
		raw := cellAt(r.cells, j)
		fail := func(format string, args ...any) {
			rep.add(r.row, j, l.headers[j], c.Key, raw, fmt.Sprintf(format, args...))
			r.bad = true
		}
		v, err := ParseCell(c, raw, t.Date1904)
		if err != nil {
			fail("%v", err)
			continue
		}
		switch c.Key {
		case keyCode:
			code, _ := v.(string)
			code = clean(code)
			if k.ValidateCode != nil {
				code = strings.ToUpper(code)
			}
			r.values[keyCode] = code
		case keyName:
			if v != nil {
				r.values[keyName] = v
			} else {
				r.values[keyName] = ""
			}
		case keyDivision:
			code, err := s.divisionCode(v)
			if err != nil {
				fail("%v", err)
				continue
			}
			r.values[keyDivision] = code
		case keyStatus, k.CategoryField, keyCRS, keyOwnerKind, keyOwnerCode, keyOwnerID, keyLon, keyLat, keyGeometry, keyVersion:
			if v != nil {
				r.values[c.Key] = v
			}
		default:
			r.values[c.Key] = v // nil clears the field
		}
	}
	if r.bad {
		rep.badRows[r.row] = true
		return
	}
	s.rowGeometry(l, r, rep)
}

// divisionCode accepts a division code or a unique division name.
func (s *Service) divisionCode(v any) (string, error) {
	str, _ := v.(string)
	str = clean(str)
	if str == "" {
		return "", nil
	}
	if allDigits(str) {
		return str, nil
	}
	divs := s.divisions()
	if divs == nil {
		return "", fmt.Errorf("%q is not a division code", str)
	}
	var found []region.Division
	for _, d := range divs.All() {
		if d.Name == str {
			found = append(found, d)
		}
	}
	switch len(found) {
	case 0:
		return "", fmt.Errorf("%q is neither a division code nor the name of a known division", str)
	case 1:
		return found[0].Code, nil
	}
	codes := make([]string, len(found))
	for i, d := range found {
		codes[i] = d.Code
	}
	return "", fmt.Errorf("%q names several divisions (%s); write the code", str, strings.Join(codes, ", "))
}

// rowGeometry turns the lon, lat, crs and geometry cells into the record's
// geometry and crs.
func (s *Service) rowGeometry(l *sheetLayout, r *parsedRow, rep *Report) {
	lon, hasLon := r.values[keyLon].(float64)
	lat, hasLat := r.values[keyLat].(float64)
	delete(r.values, keyLon)
	delete(r.values, keyLat)
	if g, ok := r.values[keyGeometry].(string); ok {
		r.values[keyGeometry] = json.RawMessage(g)
		if !json.Valid([]byte(g)) {
			j := l.byKey[keyGeometry]
			rep.add(r.row, j, l.headers[j], keyGeometry, g, "is not GeoJSON")
			r.bad = true
		}
		return
	}
	switch {
	case hasLon && hasLat:
		if math.Abs(lat) > 90 {
			j := l.byKey[keyLat]
			msg := fmt.Sprintf("%g is outside -90…90", lat)
			if math.Abs(lon) <= 90 {
				msg += "; are 经度 and 纬度 swapped?"
			}
			rep.add(r.row, j, l.headers[j], keyLat, cellAt(r.cells, j), msg)
			r.bad = true
			return
		}
		if math.Abs(lon) > 180 {
			j := l.byKey[keyLon]
			rep.add(r.row, j, l.headers[j], keyLon, cellAt(r.cells, j), fmt.Sprintf("%g is outside -180…180", lon))
			r.bad = true
			return
		}
		r.values[keyGeometry] = orb.Point{lon, lat}
	case hasLon != hasLat:
		key := keyLat
		if !hasLon {
			key = keyLon
		}
		j, ok := l.byKey[key]
		header := "经度"
		if key == keyLat {
			header = "纬度"
		}
		col := -1
		if ok {
			col, header = j, l.headers[j]
		}
		rep.add(r.row, col, header, key, "", "is required with the other coordinate")
		r.bad = true
	}
}

// input is the registry input of a parsed row: the fields its columns set
// (a nil attribute clears it), the geometry in WGS84. The cells are typed
// already; the registry validates the rest.
func input(k *registry.Kind, r *parsedRow, sys geo.System) (*registry.Input, core.Problems) {
	var probs core.Problems
	in := &registry.Input{Object: registry.Object{Kind: k.Name, Attrs: map[string]any{}}, Set: map[string]bool{}}
	crs := sys
	if c, ok := r.values[keyCRS].(string); ok {
		crs = geo.System(c)
	}
	str := func(v any) string { s, _ := v.(string); return s }
	for key, v := range r.values {
		in.Set[key] = true
		switch key {
		case keyCode:
			in.Code = str(v)
		case keyName:
			in.Name = str(v)
		case k.CategoryField:
			in.Category = str(v)
			in.Set["category"] = true
		case keyStatus:
			in.Status = str(v)
		case keyDivision:
			in.Division = str(v)
		case keyOwnerID:
			in.OwnerID, _ = v.(int64)
		case keyVersion:
			n, _ := v.(int64)
			in.Version = int(n)
			delete(in.Set, key)
		case keyCRS:
			delete(in.Set, key)
		case keyGeometry:
			switch g := v.(type) {
			case orb.Point:
				in.Geometry = g
			case json.RawMessage:
				geom, err := geo.ParseGeometry(g)
				if err != nil {
					probs.Add(r.row, keyGeometry, "%v", err)
					continue
				}
				in.Geometry = geom
			}
		default:
			in.Attrs[key] = v
		}
	}
	if in.Geometry != nil && crs != "" && crs != geo.WGS84 {
		in.Geometry = geo.Transform(in.Geometry, crs)
	}
	return in, probs
}

// keepGeometry leaves a stored record's geometry alone when the row's
// coordinates are its anchor as exported: a polygon or line survives an
// export and re-import, and a point does not drift by rounding.
func (s *Service) keepGeometry(l *sheetLayout, r *parsedRow, old *registry.Object, sys geo.System) {
	if old == nil || old.Geometry == nil {
		return
	}
	pt, ok := r.values[keyGeometry].(orb.Point)
	if !ok {
		return
	}
	crs := sys
	if c, ok := r.values[keyCRS].(string); ok {
		crs = geo.System(c)
	}
	lon, lat := geo.ToWGS84(crs, pt[0], pt[1])
	a := old.Anchor()
	if math.Abs(lon-a[0]) < 2e-6 && math.Abs(lat-a[1]) < 2e-6 {
		delete(r.values, keyGeometry)
	}
}

// existing returns the stored records the rows' codes name (in scope).
func (s *Service) existing(ctx context.Context, k *registry.Kind, rows []*parsedRow) (map[string]*registry.Object, error) {
	var codes []string
	for _, r := range rows {
		if c := codeOf(r); c != "" && !r.bad {
			codes = append(codes, c)
		}
	}
	return s.Registry.FindByCodes(ctx, k.Name, codes)
}

// resolveOwners turns owner codes into owner IDs, looking in the owner
// kinds the row allows.
func (s *Service) resolveOwners(ctx context.Context, k *registry.Kind, l *sheetLayout, rows []*parsedRow, rep *Report) error {
	if len(k.Owners) == 0 {
		return nil
	}
	var codes []string
	for _, r := range rows {
		if c, ok := r.values[keyOwnerCode].(string); ok && !r.bad {
			codes = append(codes, c)
		}
	}
	found := map[string]map[string]*registry.Object{}
	if len(codes) > 0 {
		for _, kind := range k.Owners {
			m, err := s.Registry.FindByCodes(ctx, kind, codes)
			if err != nil {
				return err
			}
			found[kind] = m
		}
	}
	for _, r := range rows {
		code, hasCode := r.values[keyOwnerCode].(string)
		kind, hasKind := r.values[keyOwnerKind].(string)
		delete(r.values, keyOwnerCode)
		delete(r.values, keyOwnerKind)
		if !hasCode || r.bad {
			continue
		}
		var matches []*registry.Object
		for _, ok := range k.Owners {
			if hasKind && ok != kind {
				continue
			}
			if o := found[ok][code]; o != nil {
				matches = append(matches, o)
			}
		}
		j := l.byKey[keyOwnerCode]
		switch len(matches) {
		case 1:
			r.values[keyOwnerID] = matches[0].ID
		case 0:
			what := strings.Join(k.Owners, " or ")
			if hasKind {
				what = kind
			}
			rep.add(r.row, j, l.headers[j], keyOwnerCode, code, fmt.Sprintf("no %s with code %q in your area", what, code))
			r.bad = true
		default:
			rep.add(r.row, j, l.headers[j], keyOwnerCode, code, fmt.Sprintf("code %q is both a %s and a %s; fill 所属对象类型", code, matches[0].Kind, matches[1].Kind))
			r.bad = true
		}
	}
	return nil
}

// add records a problem at a sheet column (-1 for none).
func (rep *Report) add(row, j int, header, field, value, msg string) {
	col := ""
	if j >= 0 {
		col = colName(j)
	}
	rep.Errors = append(rep.Errors, CellError{Row: row, Column: col, Header: header, Field: field, Value: strings.TrimSpace(value), Message: msg})
	rep.badRows[row] = true
}

// addProblems maps the registry's problems (by field) to the sheet's
// columns.
func (rep *Report) addProblems(k *registry.Kind, l *sheetLayout, t *Table, probs core.Problems) {
	for _, p := range probs {
		key := p.Field
		switch key {
		case keyOwnerID:
			if _, ok := l.byKey[keyOwnerCode]; ok {
				key = keyOwnerCode
			}
		case "geometry":
			if j, ok := l.byKey[keyGeometry]; !ok || strings.TrimSpace(cellAt(rowCells(t, p.Row), j)) == "" {
				key = keyLon
			}
		}
		j, ok := l.byKey[key]
		header := fieldLabel(k, l, key)
		value := ""
		if ok {
			header = l.headers[j]
			value = cellAt(rowCells(t, p.Row), j)
		} else {
			j = -1
		}
		rep.add(p.Row, j, header, p.Field, value, p.Message)
	}
}

func rowCells(t *Table, row int) []string {
	if row >= 1 && row <= len(t.Rows) {
		return t.Rows[row-1]
	}
	return nil
}

// fieldLabel is the Chinese label of a field the file has no column for.
func fieldLabel(k *registry.Kind, l *sheetLayout, key string) string {
	for _, c := range l.cols {
		if c.Key == key {
			return c.Label
		}
	}
	return key
}
