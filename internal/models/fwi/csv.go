package fwi

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
)

// InputColumns are the columns a weather CSV must have: the ISO date
// (YYYY-MM-DD), noon temperature (°C), relative humidity (%), 10-m wind speed
// (km/h) and 24-hour rain (mm). Other columns may come too; they are kept.
var InputColumns = []string{"date", "temp", "rh", "wind", "rain"}

// OutputColumns are the columns WriteCSV appends.
var OutputColumns = []string{"ffmc", "dmc", "dc", "isi", "bui", "fwi", "dsr"}

// ParseError is a bad value in a weather CSV: its line (1-based, the header
// is line 1) and column name, when known.
type ParseError struct {
	Line   int
	Column string
	Err    error
}

// Error reports the line and column first.
func (e *ParseError) Error() string {
	switch {
	case e.Line > 0 && e.Column != "":
		return fmt.Sprintf("line %d, column %s: %v", e.Line, e.Column, e.Err)
	case e.Line > 0:
		return fmt.Sprintf("line %d: %v", e.Line, e.Err)
	}
	return e.Err.Error()
}

// Unwrap returns the underlying error.
func (e *ParseError) Unwrap() error { return e.Err }

// Row is one data line of a weather CSV.
type Row struct {
	Line   int      // line number in the file
	Fields []string // the fields as read, for writing back unchanged
	Day
}

// Table is a parsed weather CSV.
type Table struct {
	Header []string // the header as read
	Rows   []Row
}

// Days returns the rows' dated weather, for Series.
func (t *Table) Days() []Day {
	days := make([]Day, len(t.Rows))
	for i, r := range t.Rows {
		days[i] = r.Day
	}
	return days
}

// ReadCSV parses a weather CSV with a header naming at least InputColumns
// (in any order; names are matched without case or surrounding blanks). It
// checks every value — a date in ISO form, numbers that are finite, RH in
// 0–100, wind and rain not negative, dates strictly increasing — and stops at
// the first bad one with a *ParseError naming its line and column.
func ReadCSV(r io.Reader) (*Table, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, &ParseError{Err: errors.New("empty input: want a header " + strings.Join(InputColumns, ","))}
	}
	if err != nil {
		return nil, csvError(err)
	}
	index, err := columnIndex(header)
	if err != nil {
		return nil, err
	}
	t := &Table{Header: header}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return t, nil
		}
		if err != nil {
			return nil, csvError(err)
		}
		line, _ := cr.FieldPos(0)
		row, err := parseRow(rec, header, index, line)
		if err != nil {
			return nil, err
		}
		if n := len(t.Rows); n > 0 && !row.Date.After(t.Rows[n-1].Date) {
			prev := t.Rows[n-1]
			return nil, &ParseError{Line: line, Column: "date", Err: fmt.Errorf("%s is not after %s on line %d: %w",
				row.Date.Format(time.DateOnly), prev.Date.Format(time.DateOnly), prev.Line, ErrOrder)}
		}
		t.Rows = append(t.Rows, row)
	}
}

// columnIndex finds each input column in the header.
func columnIndex(header []string) (map[string]int, error) {
	if len(header) > 0 {
		header[0] = strings.TrimPrefix(header[0], "\uFEFF") // a byte-order mark from spreadsheets
	}
	seen := map[string]int{}
	for i, h := range header {
		name := strings.ToLower(strings.TrimSpace(h))
		if _, dup := seen[name]; dup {
			return nil, &ParseError{Line: 1, Column: name, Err: errors.New("column appears twice in the header")}
		}
		seen[name] = i
	}
	for _, c := range OutputColumns {
		if _, ok := seen[c]; ok {
			return nil, &ParseError{Line: 1, Column: c, Err: errors.New("is an output column; remove it from the input")}
		}
	}
	index := map[string]int{}
	for _, c := range InputColumns {
		i, ok := seen[c]
		if !ok {
			return nil, &ParseError{Line: 1, Column: c, Err: fmt.Errorf("missing from the header (want %s)", strings.Join(InputColumns, ","))}
		}
		index[c] = i
	}
	return index, nil
}

// parseRow checks one record.
func parseRow(rec, header []string, index map[string]int, line int) (Row, error) {
	if len(rec) > len(header) {
		return Row{}, &ParseError{Line: line, Err: fmt.Errorf("%d fields, but the header has %d", len(rec), len(header))}
	}
	if len(rec) < len(header) {
		return Row{}, &ParseError{Line: line, Column: strings.TrimSpace(header[len(rec)]), Err: fmt.Errorf("missing (%d fields, but the header has %d)", len(rec), len(header))}
	}
	row := Row{Line: line, Fields: rec}
	ds := strings.TrimSpace(rec[index["date"]])
	d, err := time.Parse(time.DateOnly, ds)
	if err != nil {
		return Row{}, &ParseError{Line: line, Column: "date", Err: fmt.Errorf("%q is not an ISO date (YYYY-MM-DD)", ds)}
	}
	row.Date = d
	for _, f := range []struct {
		name     string
		dst      *float64
		lo, hi   float64
		boundary string
	}{
		{"temp", &row.Temp, math.Inf(-1), math.Inf(1), ""},
		{"rh", &row.RH, 0, 100, "outside 0–100 %"},
		{"wind", &row.Wind, 0, math.Inf(1), "negative"},
		{"rain", &row.Rain, 0, math.Inf(1), "negative"},
	} {
		s := strings.TrimSpace(rec[index[f.name]])
		v, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			return Row{}, &ParseError{Line: line, Column: f.name, Err: fmt.Errorf("%q is not a finite number", s)}
		}
		if v < f.lo || v > f.hi {
			return Row{}, &ParseError{Line: line, Column: f.name, Err: fmt.Errorf("%s is %s", s, f.boundary)}
		}
		*f.dst = v
	}
	return row, nil
}

// csvError turns a syntax error of encoding/csv into a ParseError.
func csvError(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return &ParseError{Line: pe.Line, Err: fmt.Errorf("character %d: %w", pe.Column, pe.Err)}
	}
	return &ParseError{Err: err}
}

// WriteCSV writes the table's header and rows as read, each with the day's
// indices appended in OutputColumns order, unrounded (the shortest decimal
// that reads back as the same float64). out must have one entry per row.
func WriteCSV(w io.Writer, t *Table, out []Indices) error {
	if len(out) != len(t.Rows) {
		return fmt.Errorf("fwi: %d results for %d rows", len(out), len(t.Rows))
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(append(append([]string(nil), t.Header...), OutputColumns...)); err != nil {
		return err
	}
	for i, r := range t.Rows {
		x := out[i]
		rec := append([]string(nil), r.Fields...)
		for _, v := range []float64{x.FFMC, x.DMC, x.DC, x.ISI, x.BUI, x.FWI, x.DSR} {
			rec = append(rec, strconv.FormatFloat(v, 'f', -1, 64))
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
