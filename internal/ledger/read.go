package ledger

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"

	"github.com/yingji/yingji/internal/core"
)

// MaxRows is the most data rows one import reads.
const MaxRows = 100000

// Table is one sheet as read: every row's cells as text. Rows[i] is sheet
// row i+1 (CSV line i+1), so row numbers in reports are what the user sees.
type Table struct {
	Format string // "xlsx" or "csv"
	Sheet  string
	// Encoding is the CSV's character set as detected.
	Encoding string
	// Date1904 says the workbook counts serial dates from 1904.
	Date1904 bool
	Rows     [][]string
}

// instructionSheets are the template's own sheets, never data.
var instructionSheets = []string{sheetInstructions, sheetOptions}

// Read reads an .xlsx workbook or a CSV file (UTF-8 with or without a
// byte-order mark, UTF-16 with one, or GB18030/GBK as Chinese Excel saves
// it). For a workbook, the sheet named like the kind (prefer) or else the
// first visible sheet that is not the template's instructions is read.
func Read(data []byte, sheet string) (*Table, error) {
	if len(data) == 0 {
		return nil, core.Invalid("file", "is empty")
	}
	if bytes.HasPrefix(data, []byte("PK\x03\x04")) {
		return readXLSX(data, sheet)
	}
	if bytes.HasPrefix(data, []byte{0xD0, 0xCF, 0x11, 0xE0}) {
		return nil, core.Invalid("file", "is an old Excel 97–2003 .xls workbook; save it as .xlsx (Excel 工作簿) or CSV and upload again")
	}
	return readCSV(data)
}

func readXLSX(data []byte, want string) (*Table, error) {
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{UnzipSizeLimit: 512 << 20})
	if err != nil {
		return nil, core.Invalid("file", "is not a readable .xlsx workbook: %v", err)
	}
	defer f.Close()
	sheets := f.GetSheetList()
	sheet := ""
	if slices.Contains(sheets, want) {
		sheet = want
	} else {
		for _, s := range sheets {
			visible, _ := f.GetSheetVisible(s)
			if visible && !slices.Contains(instructionSheets, s) {
				sheet = s
				break
			}
		}
	}
	if sheet == "" {
		return nil, core.Invalid("file", "has no sheet with data")
	}
	t := &Table{Format: "xlsx", Sheet: sheet}
	if props, err := f.GetWorkbookProps(); err == nil && props.Date1904 != nil {
		t.Date1904 = *props.Date1904
	}
	rows, err := f.Rows(sheet)
	if err != nil {
		return nil, core.Invalid("file", "sheet %q cannot be read: %v", sheet, err)
	}
	defer rows.Close()
	// rows that are formatted but empty (whole columns styled down to row
	// 1,048,576) are counted, not kept, unless data follows them.
	empty, n := 0, 0
	for rows.Next() {
		cols, err := rows.Columns(excelize.Options{RawCellValue: true})
		if err != nil {
			return nil, core.Invalid("file", "sheet %q row %d cannot be read: %v", sheet, len(t.Rows)+empty+1, err)
		}
		if blank(cols) {
			empty++
			continue
		}
		for ; empty > 0; empty-- {
			t.Rows = append(t.Rows, nil)
		}
		t.Rows = append(t.Rows, cols)
		if n++; n > MaxRows+10 {
			return nil, core.Invalid("file", "has more than %d rows; split it into several files", MaxRows)
		}
	}
	if err := rows.Error(); err != nil {
		return nil, core.Invalid("file", "sheet %q cannot be read: %v", sheet, err)
	}
	return t, nil
}

func blank(cells []string) bool {
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

// decodeText detects the character set of a CSV and returns it as UTF-8.
func decodeText(data []byte) (string, string, error) {
	switch {
	case bytes.HasPrefix(data, []byte{0xEF, 0xBB, 0xBF}):
		return string(data[3:]), "UTF-8 (BOM)", nil
	case bytes.HasPrefix(data, []byte{0xFF, 0xFE}), bytes.HasPrefix(data, []byte{0xFE, 0xFF}):
		out, _, err := transform.Bytes(unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM).NewDecoder(), data)
		return string(out), "UTF-16", err
	case utf8.Valid(data):
		return string(data), "UTF-8", nil
	}
	out, _, err := transform.Bytes(simplifiedchinese.GB18030.NewDecoder(), data)
	return string(out), "GB18030", err
}

func readCSV(data []byte) (*Table, error) {
	text, enc, err := decodeText(data)
	if err != nil {
		return nil, core.Invalid("file", "is neither UTF-8 nor GB18030 (GBK) text: %v", err)
	}
	if strings.ContainsRune(text, 0) {
		return nil, core.Invalid("file", "is neither an .xlsx workbook nor CSV text")
	}
	r := csv.NewReader(strings.NewReader(text))
	r.Comma = delimiter(text)
	r.FieldsPerRecord = -1
	r.LazyQuotes = true
	t := &Table{Format: "csv", Encoding: enc}
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return nil, &core.Error{Code: core.EINVALID, Fields: []core.FieldError{{Row: pe.StartLine, Field: "file",
				Message: fmt.Sprintf("line %d: %v", pe.Line, pe.Err)}}}
		}
		if err != nil {
			return nil, core.Invalid("file", "%v", err)
		}
		// the reader skips blank lines; keep the numbering of the file.
		line, _ := r.FieldPos(0)
		for len(t.Rows) < line-1 {
			t.Rows = append(t.Rows, nil)
		}
		t.Rows = append(t.Rows, rec)
		if len(t.Rows) > MaxRows+10 {
			return nil, core.Invalid("file", "has more than %d rows; split it into several files", MaxRows)
		}
	}
	return t, nil
}

// delimiter guesses the separator from the first line: comma, tab (Excel's
// "Unicode text") or semicolon.
func delimiter(text string) rune {
	first, _, _ := strings.Cut(text, "\n")
	best, n := ',', strings.Count(first, ",")
	for _, d := range []rune{'\t', ';'} {
		if c := strings.Count(first, string(d)); c > n {
			best, n = d, c
		}
	}
	return best
}
