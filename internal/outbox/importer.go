package outbox

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/yingji/yingji/internal/core"
)

// ImportColumns are the columns of a recipients sheet; kind and name are
// required, the others may be left out of the header.
var ImportColumns = []string{"kind", "name", "division_code", "lon", "lat", "follows", "phone", "email", "app_user", "webhook", "topic", "note", "enabled"}

// maxImportRows bounds one import.
const maxImportRows = 200000

// ParseCSV reads a recipients CSV (UTF-8, optional BOM, header row).
// Problems name the line and column.
func ParseCSV(r io.Reader) ([]Recipient, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	var rows [][]string
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, &core.Error{Code: core.EINVALID, Message: "the CSV could not be read",
					Fields: []core.FieldError{{Row: pe.Line, Field: "csv", Message: fmt.Sprintf("column %d: %v", pe.Column, pe.Err)}}}
			}
			return nil, core.Invalid("csv", "%v", err)
		}
		rows = append(rows, rec)
		if len(rows) > maxImportRows+1 {
			return nil, core.Invalid("csv", "more than %d rows; split the file", maxImportRows)
		}
	}
	if len(rows) > 0 && len(rows[0]) > 0 {
		rows[0][0] = strings.TrimPrefix(rows[0][0], "\ufeff")
	}
	return parseTable(rows, func(c int) string { return strconv.Itoa(c + 1) })
}

// ParseXLSX reads the first sheet of an .xlsx workbook laid out as the CSV.
func ParseXLSX(r io.Reader) ([]Recipient, error) {
	data, err := io.ReadAll(io.LimitReader(r, 64<<20))
	if err != nil {
		return nil, core.Invalid("xlsx", "%v", err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		return nil, core.Invalid("xlsx", "not an .xlsx workbook: %v", err)
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return nil, core.Invalid("xlsx", "the workbook has no sheet")
	}
	rows, err := f.GetRows(sheets[0])
	if err != nil {
		return nil, core.Invalid("xlsx", "sheet %q: %v", sheets[0], err)
	}
	if len(rows) > maxImportRows+1 {
		return nil, core.Invalid("xlsx", "more than %d rows; split the file", maxImportRows)
	}
	return parseTable(rows, func(c int) string { n, _ := excelize.ColumnNumberToName(c + 1); return n })
}

// parseTable turns a header row and data rows into recipients. Row numbers
// in problems are the file's own (the header is row 1); col names a column
// the way the file shows it (a number in CSV, a letter in a sheet).
func parseTable(rows [][]string, col func(int) string) ([]Recipient, error) {
	var ps core.Problems
	if len(rows) == 0 {
		return nil, core.Invalid("header", "the file is empty; the first row names the columns (%s)", strings.Join(ImportColumns, ", "))
	}
	idx := map[string]int{}
	for i, h := range rows[0] {
		h = strings.ToLower(strings.TrimSpace(h))
		if h == "" {
			continue
		}
		known := false
		for _, c := range ImportColumns {
			known = known || c == h
		}
		switch {
		case !known:
			ps.Add(1, h, "column %s: unknown column (allowed: %s)", col(i), strings.Join(ImportColumns, ", "))
		case idx[h] != 0:
			ps.Add(1, h, "column %s: named twice", col(i))
		default:
			idx[h] = i + 1
		}
	}
	for _, req := range []string{"kind", "name"} {
		if idx[req] == 0 {
			ps.Add(1, req, "required column is missing")
		}
	}
	if err := ps.Err("the header row is wrong"); err != nil {
		return nil, err
	}
	get := func(row []string, name string) string {
		i := idx[name]
		if i == 0 || i > len(row) {
			return ""
		}
		return strings.TrimSpace(row[i-1])
	}
	var out []Recipient
	for n, row := range rows[1:] {
		line := n + 2
		empty := true
		for _, v := range row {
			empty = empty && strings.TrimSpace(v) == ""
		}
		if empty {
			continue
		}
		r := Recipient{Kind: get(row, "kind"), Name: get(row, "name"), Division: get(row, "division_code"), Phone: get(row, "phone"),
			Email: get(row, "email"), AppUser: get(row, "app_user"), Webhook: get(row, "webhook"), Topic: get(row, "topic"), Note: get(row, "note"), Enabled: true}
		for _, name := range []string{"lon", "lat"} {
			v := get(row, name)
			if v == "" {
				continue
			}
			x, err := strconv.ParseFloat(v, 64)
			if err != nil {
				ps.Add(line, name, "column %s: %q is not a number", col(idx[name]-1), v)
				continue
			}
			if name == "lon" {
				r.Lon = &x
			} else {
				r.Lat = &x
			}
		}
		if v := get(row, "follows"); v != "" {
			for _, f := range strings.FieldsFunc(v, func(c rune) bool { return c == ';' || c == '；' || c == ' ' || c == '|' }) {
				r.Follows = append(r.Follows, f)
			}
		}
		if v := strings.ToLower(get(row, "enabled")); v != "" {
			switch v {
			case "1", "true", "yes", "是", "y":
			case "0", "false", "no", "否", "n":
				r.Enabled = false
			default:
				ps.Add(line, "enabled", "column %s: %q is not yes/no", col(idx["enabled"]-1), v)
			}
		}
		r.rowNo = line
		out = append(out, r)
	}
	if err := ps.Err("the file has errors; nothing was imported"); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, core.Invalid("rows", "the file has a header but no recipients")
	}
	return out, nil
}
