package region

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
)

// csvColumns are the columns ParseCSV requires, in the order their errors
// are reported within one row.
var csvColumns = [...]string{"code", "name", "level", "parent_code"}

// RowError is one problem in one CSV row.
type RowError struct {
	// Line is the 1-based line on which the row starts.
	Line int
	// Field is the column at fault, or "" when the whole row is.
	Field string
	// Value is the offending value as read, after trimming spaces.
	Value string
	// Msg says what is wrong.
	Msg string
}

// Error formats the problem as `line 7: code "53050x": must be digits`.
func (e RowError) Error() string {
	if e.Field == "" {
		return fmt.Sprintf("line %d: %s", e.Line, e.Msg)
	}
	return fmt.Sprintf("line %d: %s %q: %s", e.Line, e.Field, e.Value, e.Msg)
}

// CSVError collects every problem ParseCSV found, so that whoever fixes a
// file sees all of them at once instead of one per attempt.
type CSVError struct {
	// Rows holds the problems ordered by line, then by column.
	Rows []RowError
}

// Error lists the problems one per line.
func (e *CSVError) Error() string {
	msgs := make([]string, len(e.Rows))
	for i, r := range e.Rows {
		msgs[i] = r.Error()
	}
	return strings.Join(msgs, "\n")
}

// ParseCSV reads divisions from CSV with a header naming at least the
// columns code, name, level and parent_code, in any order; other columns
// are ignored. Every row is validated (see CodeLevel for the code rules)
// and so are the links between rows: no duplicate codes, each code starts
// with its parent's Prefix, a parent present in the file is of a higher
// level, and only rows of the shallowest level present may name a parent
// outside the file. On any problem the result is a *CSVError listing all of
// them with line numbers (or a plain error if reading r itself fails).
// Divisions are returned in file order.
func ParseCSV(r io.Reader) ([]Division, error) {
	cr := csv.NewReader(r)
	// Field counts are checked here so that a short row is reported with
	// the others rather than by the reader in its own format.
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, &CSVError{Rows: []RowError{{Line: 1, Msg: "empty input: a header row is required"}}}
	}
	if pe, ok := errors.AsType[*csv.ParseError](err); ok {
		return nil, &CSVError{Rows: []RowError{parseRowError(pe)}}
	}
	if err != nil {
		return nil, err
	}
	headerLine, _ := cr.FieldPos(0)
	col, problems := csvHeader(header, headerLine)
	if len(problems) > 0 {
		return nil, &CSVError{Rows: problems}
	}

	var (
		divs  []Division
		lines []int
	)
	for {
		offset := cr.InputOffset()
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if pe, ok := errors.AsType[*csv.ParseError](err); ok {
			problems = append(problems, parseRowError(pe))
			// The reader resumes after a syntax error on the next line; the
			// offset check only guards against it ever failing to advance.
			if cr.InputOffset() == offset {
				break
			}
			continue
		}
		if err != nil {
			return nil, err
		}
		line, _ := cr.FieldPos(0)
		if len(rec) != len(header) {
			problems = append(problems, RowError{Line: line,
				Msg: fmt.Sprintf("has %d fields, the header has %d", len(rec), len(header))})
			continue
		}
		divs = append(divs, Division{
			Code:       strings.TrimSpace(rec[col["code"]]),
			Name:       strings.TrimSpace(rec[col["name"]]),
			Level:      Level(strings.TrimSpace(rec[col["level"]])),
			ParentCode: strings.TrimSpace(rec[col["parent_code"]]),
		})
		lines = append(lines, line)
	}

	for i, d := range divs {
		for _, is := range checkDivision(d) {
			problems = append(problems, RowError{Line: lines[i], Field: is.field, Value: is.value, Msg: is.msg})
		}
	}
	lineOf := func(i int) string { return fmt.Sprintf("line %d", lines[i]) }
	for _, is := range checkLinks(divs, lineOf) {
		problems = append(problems, RowError{Line: lines[is.idx], Field: is.field, Value: is.value, Msg: is.msg})
	}
	if len(problems) > 0 {
		slices.SortStableFunc(problems, func(a, b RowError) int {
			if a.Line != b.Line {
				return a.Line - b.Line
			}
			return fieldRank(a.Field) - fieldRank(b.Field)
		})
		return nil, &CSVError{Rows: problems}
	}
	return divs, nil
}

// csvHeader maps the required column names to their indexes. Names are
// trimmed and lowercased and a UTF-8 byte-order mark is dropped, because
// spreadsheets add all three when a file is edited by hand.
func csvHeader(header []string, line int) (map[string]int, []RowError) {
	col := make(map[string]int, len(header))
	var problems []RowError
	for i, h := range header {
		if i == 0 {
			h = strings.TrimPrefix(h, "\uFEFF")
		}
		h = strings.ToLower(strings.TrimSpace(h))
		if _, dup := col[h]; dup && slices.Contains(csvColumns[:], h) {
			problems = append(problems, RowError{Line: line, Field: "header", Value: h, Msg: "column appears twice"})
			continue
		}
		col[h] = i
	}
	for _, name := range csvColumns {
		if _, ok := col[name]; !ok {
			problems = append(problems, RowError{Line: line, Field: "header", Value: name, Msg: "required column is missing"})
		}
	}
	return col, problems
}

// parseRowError turns a CSV syntax error into a RowError at the line where
// its record starts, like every other row problem.
func parseRowError(pe *csv.ParseError) RowError {
	return RowError{Line: pe.StartLine, Msg: fmt.Sprintf("%v (line %d, column %d)", pe.Err, pe.Line, pe.Column)}
}

// fieldRank orders a row's problems by column so that output is stable.
func fieldRank(field string) int {
	if i := slices.Index(csvColumns[:], field); i >= 0 {
		return i + 1
	}
	return 0
}

// issue is a validation problem of the division at index idx, shared by
// ParseCSV (which turns idx into a line) and NewTree (which reports idx).
type issue struct {
	idx               int
	field, value, msg string
}

// checkDivision validates the fields of one division on their own.
func checkDivision(d Division) []issue {
	var out []issue
	add := func(field, value, msg string) {
		out = append(out, issue{field: field, value: value, msg: msg})
	}
	if msg := checkCode(d.Code, d.Level); msg != "" {
		add("code", d.Code, msg)
	}
	if d.Name == "" {
		add("name", d.Name, "must not be empty")
	}
	if !d.Level.Valid() {
		add("level", string(d.Level), "unknown level, want province, city, county, township or village")
	}
	switch {
	case d.ParentCode == "":
		add("parent_code", d.ParentCode, "must not be empty")
	case !allDigits(d.ParentCode):
		add("parent_code", d.ParentCode, "must be digits")
	case d.ParentCode == d.Code:
		add("parent_code", d.ParentCode, "must differ from the division's own code")
	}
	return out
}

// checkLinks validates the relations between divisions: duplicates, codes
// under their parents, parents of a higher level, and parents missing from
// the set below the top level. ref names a division for messages. Fields
// that checkDivision rejects are skipped here so one mistake is reported
// once.
func checkLinks(divs []Division, ref func(int) string) []issue {
	first := make(map[string]int, len(divs))
	minDepth := -1
	for i, d := range divs {
		if _, seen := first[d.Code]; !seen {
			first[d.Code] = i
		}
		if dep := d.Level.Depth(); dep >= 0 && (minDepth < 0 || dep < minDepth) {
			minDepth = dep
		}
	}
	var out []issue
	for i, d := range divs {
		if j := first[d.Code]; j != i {
			out = append(out, issue{i, "code", d.Code, "duplicate of " + ref(j)})
			continue
		}
		if !allDigits(d.ParentCode) || d.ParentCode == d.Code {
			continue
		}
		if allDigits(d.Code) && !strings.HasPrefix(d.Code, Prefix(d.ParentCode)) {
			out = append(out, issue{i, "code", d.Code,
				fmt.Sprintf("does not start with %q, the prefix of its parent %s", Prefix(d.ParentCode), d.ParentCode)})
		}
		j, ok := first[d.ParentCode]
		switch {
		case ok:
			p := divs[j]
			if p.Level.Valid() && d.Level.Valid() && p.Level.Depth() >= d.Level.Depth() {
				out = append(out, issue{i, "parent_code", d.ParentCode,
					fmt.Sprintf("parent (%s) is a %s, which is not above a %s", ref(j), p.Level, d.Level)})
			}
		case d.Level.Valid() && d.Level.Depth() > minDepth:
			out = append(out, issue{i, "parent_code", d.ParentCode,
				fmt.Sprintf("no division has this code; only the top level (%s) may have its parent outside the set", levels[minDepth])})
		}
	}
	return out
}
