package ledger

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/yingji/yingji/internal/core"
	"github.com/yingji/yingji/internal/geo"
	"github.com/yingji/yingji/internal/registry"
)

// maxCell is the most characters an Excel cell holds.
const maxCell = 32767

// tableWriter streams one sheet: a bold frozen header with an autofilter,
// column widths, numbers as numbers and times as dates in Beijing time.
type tableWriter struct {
	f        *excelize.File
	sw       *excelize.StreamWriter
	row      int
	ncols    int
	date     int
	dateTime int
}

// newTableWriter starts a workbook whose only sheet has the headers;
// widths (in characters) may be nil. rows is the number of data rows that
// will follow (the autofilter covers them).
func newTableWriter(sheet string, headers []string, widths []float64, rows int) (*tableWriter, error) {
	if sheet == "" {
		sheet = "Sheet1"
	}
	if len(headers) == 0 {
		return nil, fmt.Errorf("ledger: a table needs headers")
	}
	f := excelize.NewFile()
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		f.Close()
		return nil, fmt.Errorf("ledger: sheet name %q: %w", sheet, err)
	}
	tw := &tableWriter{f: f, ncols: len(headers)}
	last, _ := excelize.CoordinatesToCellName(len(headers), max(rows, 0)+1)
	// the autofilter is part of the sheet the stream writer copies.
	if err := f.AutoFilter(sheet, "A1:"+last, nil); err != nil {
		f.Close()
		return nil, err
	}
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		f.Close()
		return nil, err
	}
	tw.sw = sw
	dateFmt, dtFmt := "yyyy-mm-dd", "yyyy-mm-dd hh:mm:ss"
	header, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Alignment: &excelize.Alignment{Vertical: "center"},
		Fill:   excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DCE6F1"}},
		Border: []excelize.Border{{Type: "bottom", Color: "8EA9C8", Style: 1}}})
	if err != nil {
		return nil, err
	}
	if tw.date, err = f.NewStyle(&excelize.Style{CustomNumFmt: &dateFmt}); err != nil {
		return nil, err
	}
	if tw.dateTime, err = f.NewStyle(&excelize.Style{CustomNumFmt: &dtFmt}); err != nil {
		return nil, err
	}
	for j := range headers {
		w := float64(displayWidth(headers[j]) + 4)
		if j < len(widths) && widths[j] > w {
			w = widths[j]
		}
		if err := sw.SetColWidth(j+1, j+1, min(max(w, 8), 60)); err != nil {
			return nil, err
		}
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return nil, err
	}
	cells := make([]any, len(headers))
	for j, h := range headers {
		cells[j] = excelize.Cell{StyleID: header, Value: h}
	}
	if err := sw.SetRow("A1", cells, excelize.RowOpts{Height: 22}); err != nil {
		return nil, err
	}
	tw.row = 1
	return tw, nil
}

// Row appends one row.
func (tw *tableWriter) Row(values []any) error {
	tw.row++
	cells := make([]any, len(values))
	for j, v := range values {
		cells[j] = tw.cell(v)
	}
	cell, _ := excelize.CoordinatesToCellName(1, tw.row)
	return tw.sw.SetRow(cell, cells)
}

func (tw *tableWriter) cell(v any) any {
	switch x := v.(type) {
	case nil:
		return nil
	case time.Time:
		if x.IsZero() {
			return nil
		}
		t := x.In(core.Beijing)
		style := tw.dateTime
		if t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 && t.Nanosecond() == 0 {
			style = tw.date
		}
		return excelize.Cell{StyleID: style, Value: t}
	case Date:
		return excelize.Cell{StyleID: tw.date, Value: time.Time(x)}
	case string:
		if len(x) > maxCell {
			x = x[:maxCell]
		}
		return x
	case []string:
		return strings.Join(x, "、")
	case int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64, float32, float64, bool:
		return x
	case fmt.Stringer:
		return x.String()
	}
	return fmt.Sprint(v)
}

// Close ends the sheet and writes the workbook.
func (tw *tableWriter) Close(w io.Writer) error {
	defer tw.f.Close()
	if err := tw.sw.Flush(); err != nil {
		return err
	}
	_, err := tw.f.WriteTo(w)
	return err
}

// Date is a calendar day for WriteTable (shown as yyyy-mm-dd, no time).
type Date time.Time

// WriteTable writes rows as an .xlsx workbook of one sheet: a bold, frozen
// header row with an autofilter, column widths from the contents, numbers
// as numbers, time.Time in Beijing time (a date when it has no time of
// day) and Date as a date. Other lists (supervision, alarms) use it to
// give their lists an Excel export. It streams, so long lists do not sit
// in memory twice.
func WriteTable(w io.Writer, sheet string, headers []string, rows [][]any) error {
	widths := make([]float64, len(headers))
	for i, r := range rows {
		if i >= 500 {
			break
		}
		for j, v := range r {
			if j < len(widths) {
				widths[j] = max(widths[j], float64(displayWidth(fmt.Sprint(v))+2))
			}
		}
	}
	tw, err := newTableWriter(sheet, headers, widths, len(rows))
	if err != nil {
		return err
	}
	for _, r := range rows {
		if err := tw.Row(r); err != nil {
			tw.f.Close()
			return err
		}
	}
	return tw.Close(w)
}

// exportPage is how many records an export reads at a time.
const exportPage = 2000

// Export writes the records of kind k that f selects (the registry list
// filters; paging is ignored) as a workbook with the kind's columns:
// headers in lang ("en" or Chinese), choices as their labels, numbers as
// numbers and dates as dates. The result can be edited and imported back.
func (s *Service) Export(ctx context.Context, w io.Writer, k *registry.Kind, f registry.Filter, lang string) (int, error) {
	f.Kind, f.Offset, f.Limit = k.Name, 0, 1
	if f.Sort == "" {
		f.Sort = "id"
	}
	_, total, err := s.Registry.List(ctx, f)
	if err != nil {
		return 0, err
	}
	cols := Columns(k, true)
	headers := make([]string, len(cols))
	widths := make([]float64, len(cols))
	for j, c := range cols {
		headers[j] = c.Header(lang)
		widths[j] = float64(displayWidth(c.Header(lang)) + 4)
		switch c.Key {
		case keyCode, keyName:
			widths[j] = 24
		case keyLon, keyLat:
			widths[j] = 12
		}
		if c.Type == registry.Contacts || c.Type == registry.Substances || c.Type == registry.Stock || c.Key == "address" {
			widths[j] = 36
		}
	}
	tw, err := newTableWriter(k.Label, headers, widths, total)
	if err != nil {
		return 0, err
	}
	owners := newOwnerCodes(s.Registry)
	n := 0
	for f.Offset = 0; ; f.Offset += exportPage {
		f.Limit = exportPage
		objs, _, err := s.Registry.List(ctx, f)
		if err != nil {
			tw.f.Close()
			return 0, err
		}
		for _, o := range objs {
			row, err := s.exportRow(ctx, k, cols, o, owners, lang)
			if err != nil {
				tw.f.Close()
				return 0, err
			}
			if err := tw.Row(row); err != nil {
				tw.f.Close()
				return 0, err
			}
			n++
		}
		if len(objs) < exportPage {
			break
		}
	}
	return n, tw.Close(w)
}

func (s *Service) exportRow(ctx context.Context, k *registry.Kind, cols []Column, o *registry.Object, owners *ownerCodes, lang string) ([]any, error) {
	row := make([]any, len(cols))
	anchor := o.Anchor()
	var owner *registry.Object
	if o.OwnerID != 0 {
		var err error
		if owner, err = owners.get(ctx, o.OwnerID); err != nil {
			return nil, err
		}
	}
	for j, c := range cols {
		switch c.Key {
		case keyCode:
			row[j] = o.Code
		case keyName:
			row[j] = o.Name
		case k.CategoryField:
			row[j] = label(c.Options, o.Category, lang)
		case keyStatus:
			row[j] = label(c.Options, o.Status, lang)
		case keyDivision:
			row[j] = o.Division
		case keyDivName:
			if divs := s.divisions(); divs != nil {
				if d, ok := divs.Get(o.Division); ok {
					row[j] = d.Name
				}
			}
		case keyOwnerKind:
			if owner != nil {
				row[j] = label(c.Options, owner.Kind, lang)
			}
		case keyOwnerCode:
			if owner != nil {
				row[j] = owner.Code
			}
		case keyLon:
			if o.Geometry != nil {
				row[j] = round6(anchor[0])
			}
		case keyLat:
			if o.Geometry != nil {
				row[j] = round6(anchor[1])
			}
		case keyCRS:
			row[j] = label(c.Options, string(geo.WGS84), lang)
		case keyGeometry:
			if o.Geometry != nil && o.Geometry.GeoJSONType() != "Point" {
				if g, err := geo.MarshalGeometry(o.Geometry); err == nil && len(g) <= maxCell {
					row[j] = string(g)
				}
			}
		case keyVersion:
			row[j] = o.Version
		case keyID:
			row[j] = o.ID
		case keyUpdated:
			row[j] = o.UpdatedAt
		default:
			v := o.Attrs[c.Key]
			if f, ok := k.Field(c.Key); ok && f.Personal != "" {
				v = registry.MaskValue(f, v) // personal data leaves masked; a re-import keeps the stored value
			}
			row[j] = attrCell(c, v, lang)
		}
	}
	return row, nil
}

func round6(x float64) float64 {
	v, _ := strconv.ParseFloat(strconv.FormatFloat(x, 'f', 6, 64), 64)
	return v
}

// label is an option's label in lang, or the value itself.
func label(opts []registry.Option, v, lang string) string {
	for _, o := range opts {
		if o.Value == v {
			if lang == "en" {
				return o.LabelEn
			}
			return o.Label
		}
	}
	return v
}

// attrCell is the cell of a type-specific field's value.
func attrCell(c Column, v any, lang string) any {
	if v == nil {
		return nil
	}
	switch c.Type {
	case registry.Enum:
		s, _ := v.(string)
		return label(c.Options, s, lang)
	case registry.Date:
		s, _ := v.(string)
		if t, err := time.Parse(time.DateOnly, s); err == nil {
			return Date(t)
		}
		return s
	case registry.Strings:
		ss, _ := v.([]string)
		out := make([]string, len(ss))
		for i, x := range ss {
			out[i] = label(c.Options, x, lang)
		}
		return strings.Join(out, "、")
	case registry.Contacts, registry.Substances, registry.Stock:
		return FormatComposite(c.Type, v)
	}
	return v
}

// ownerCodes caches the owners of exported records.
type ownerCodes struct {
	reg   *registry.Service
	cache map[int64]*registry.Object
}

func newOwnerCodes(reg *registry.Service) *ownerCodes {
	return &ownerCodes{reg: reg, cache: map[int64]*registry.Object{}}
}

func (oc *ownerCodes) get(ctx context.Context, id int64) (*registry.Object, error) {
	if o, ok := oc.cache[id]; ok {
		return o, nil
	}
	o, err := oc.reg.Get(ctx, "", id)
	if err != nil && !isNotFound(err) {
		return nil, err
	}
	oc.cache[id] = o // nil when out of scope: the cell stays empty
	return o, nil
}

func isNotFound(err error) bool { return core.ErrorCode(err) == core.ENOTFOUND }
