package ledger

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/yingji/yingji/internal/registry"
)

// ErrorReport writes the imported table back as a workbook with an error
// column: every row as it was read (so row numbers match the user's file),
// each bad cell marked red with its reason as a comment, and the reasons of
// each bad row in the last column. With onlyErrors, only the header and
// the bad rows are written, with their original row numbers in a column.
func ErrorReport(w io.Writer, k *registry.Kind, t *Table, rep *Report, onlyErrors bool) error {
	if rep.layout == nil {
		return fmt.Errorf("ledger: the report has no layout")
	}
	l := rep.layout
	f := excelize.NewFile()
	defer f.Close()
	sheet := t.Sheet
	if sheet == "" {
		sheet = k.Label
	}
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return err
	}
	st, err := newStyles(f)
	if err != nil {
		return err
	}
	width := 0
	for _, r := range t.Rows {
		width = max(width, len(r))
	}
	byRow := map[int][]CellError{}
	for _, e := range rep.Errors {
		byRow[e.Row] = append(byRow[e.Row], e)
	}
	dateCols := map[int]bool{}
	for j, ci := range l.at {
		if l.cols[ci].Type == registry.Date {
			dateCols[j] = true
		}
	}
	errCol := width
	origCol := -1
	if onlyErrors {
		origCol, errCol = width, width+1
	}
	out := 0
	for i, cells := range t.Rows {
		rowNum := i + 1
		isHeader := i <= l.headerRow
		errs := byRow[rowNum]
		if onlyErrors && !isHeader && len(errs) == 0 {
			continue
		}
		out++
		vals := make([]any, max(errCol+1, len(cells)))
		for j, c := range cells {
			if dateCols[j] && !isHeader {
				if d, err := ParseDate(c, t.Date1904); err == nil {
					c = d
				}
			}
			vals[j] = c
		}
		switch {
		case i == l.headerRow:
			vals[errCol] = "错误说明"
			if origCol >= 0 {
				vals[origCol] = "原行号"
			}
		case !isHeader:
			if origCol >= 0 {
				vals[origCol] = rowNum
			}
			if len(errs) > 0 {
				vals[errCol] = describe(errs)
			}
		}
		cell, _ := excelize.CoordinatesToCellName(1, out)
		if err := f.SetSheetRow(sheet, cell, &vals); err != nil {
			return err
		}
		if isHeader {
			last, _ := excelize.CoordinatesToCellName(errCol+1, out)
			f.SetCellStyle(sheet, cell, last, st.header)
			continue
		}
		for _, e := range errs {
			if e.Column == "" {
				continue
			}
			ref := fmt.Sprintf("%s%d", e.Column, out)
			f.SetCellStyle(sheet, ref, ref, st.bad)
			f.AddComment(sheet, excelize.Comment{Cell: ref, Author: commentAuthor, Text: e.Message, Width: 260, Height: 90})
		}
		if len(errs) > 0 {
			ref, _ := excelize.CoordinatesToCellName(errCol+1, out)
			f.SetCellStyle(sheet, ref, ref, st.bad)
		}
	}
	for j := 0; j < width; j++ {
		f.SetColWidth(sheet, colName(j), colName(j), 16)
	}
	f.SetColWidth(sheet, colName(errCol), colName(errCol), 70)
	top, _ := excelize.CoordinatesToCellName(1, l.headerRow+2)
	f.SetPanes(sheet, &excelize.Panes{Freeze: true, YSplit: l.headerRow + 1, TopLeftCell: top, ActivePane: "bottomLeft"})
	_, err = f.WriteTo(w)
	return err
}

// describe lists a row's problems: "C列「行业类别」：…；F列「经度」：…".
func describe(errs []CellError) string {
	sort.SliceStable(errs, func(i, j int) bool { return colIndex(errs[i].Column) < colIndex(errs[j].Column) })
	parts := make([]string, len(errs))
	for i, e := range errs {
		if e.Column != "" {
			parts[i] = fmt.Sprintf("%s列「%s」：%s", e.Column, e.Header, e.Message)
		} else {
			parts[i] = fmt.Sprintf("「%s」：%s", e.Header, e.Message)
		}
	}
	return strings.Join(parts, "；")
}

func colIndex(name string) int {
	if name == "" {
		return 1 << 30
	}
	n, _ := excelize.ColumnNameToNumber(name)
	return n
}
