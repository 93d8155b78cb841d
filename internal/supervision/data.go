package supervision

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"github.com/yingji/yingji/internal/core"
	"github.com/yingji/yingji/internal/supervision/gb18218"
	"io"
	"strconv"
)

//go:embed data/*.csv
var dataFS embed.FS

// Criterion is a major hidden-danger criterion (重大事故隐患判定标准).
type Criterion struct {
	Code     string `json:"code"`
	Domain   string `json:"domain"`
	Text     string `json:"text"`
	TextEn   string `json:"text_en"`
	Source   string `json:"source"`
	Verified bool   `json:"verified"`
}

// DiagnosisItem is an item of the MEM 2018 risk diagnosis: a deduction
// area, or (Kind "red") a situation that makes the plant red directly.
type DiagnosisItem struct {
	Code         string  `json:"code"`
	Kind         string  `json:"kind"`
	Area         string  `json:"area"`
	Text         string  `json:"text"`
	TextEn       string  `json:"text_en"`
	MaxDeduction float64 `json:"max_deduction"`
	Verified     bool    `json:"verified"`
}

// CheckItem is an inspection checklist item of an industry ("*" for all).
type CheckItem struct {
	Industry string `json:"industry"`
	Code     string `json:"code"`
	Item     string `json:"item"`
	ItemEn   string `json:"item_en"`
	Basis    string `json:"basis"`
	Verified bool   `json:"verified"`
}

// Reference is the supervision reference data; LoadReference reads it.
type Reference struct {
	Criteria   []Criterion       `json:"criteria"`
	Diagnosis  []DiagnosisItem   `json:"diagnosis"`
	Checklists []CheckItem       `json:"checklists"`
	Source     map[string]string `json:"source"`
}

// LoadReference reads criteria.csv, diagnosis.csv and checklists.csv from
// dir when an administrator put corrected copies there, else the embedded
// files.
func LoadReference(dir string) (*Reference, error) {
	ref := &Reference{Source: map[string]string{}}
	for _, name := range []string{"criteria.csv", "diagnosis.csv", "checklists.csv"} {
		data, src, err := readData(dir, name)
		if err != nil {
			return nil, err
		}
		ref.Source[name] = src
		rows, err := ParseCSV(bytes.NewReader(data))
		if err != nil {
			return nil, fmt.Errorf("supervision: %s (%s): %w", name, src, err)
		}
		if err := ref.take(name, rows); err != nil {
			return nil, fmt.Errorf("supervision: %s (%s): %w", name, src, err)
		}
	}
	return ref, nil
}

func readData(dir, name string) ([]byte, string, error) {
	return core.ReadDataFile(dataFS, dir, name)
}

// Row is one CSV record by column name, with its line.
type Row struct {
	Line   int
	Fields map[string]string
}

// ParseCSV reads a CSV with a header, skipping '#' comments; every record
// must have the header's number of fields.
func ParseCSV(r io.Reader) ([]Row, error) {
	maps, lines, err := gb18218.CSVRows(r, nil)
	if err != nil {
		return nil, err
	}
	var rows []Row
	for i, m := range maps {
		rows = append(rows, Row{Line: lines[i], Fields: m})
	}
	return rows, nil
}

func (ref *Reference) take(name string, rows []Row) error {
	need := map[string][]string{
		"criteria.csv":   {"code", "domain", "text", "source", "verified"},
		"diagnosis.csv":  {"code", "kind", "area", "text", "max_deduction", "verified"},
		"checklists.csv": {"industry", "code", "item", "basis", "verified"},
	}[name]
	seen := map[string]bool{}
	for _, r := range rows {
		f := r.Fields
		for _, n := range need {
			if _, ok := f[n]; !ok {
				return fmt.Errorf("column %q is missing", n)
			}
		}
		if f["code"] == "" {
			return fmt.Errorf("line %d: code is empty", r.Line)
		}
		key := f["industry"] + "/" + f["code"]
		if seen[key] {
			return fmt.Errorf("line %d: code %s is repeated", r.Line, f["code"])
		}
		seen[key] = true
		verified := f["verified"] == "true"
		if !verified && f["verified"] != "false" {
			return fmt.Errorf("line %d: verified: %q is not true or false", r.Line, f["verified"])
		}
		switch name {
		case "criteria.csv":
			ref.Criteria = append(ref.Criteria, Criterion{Code: f["code"], Domain: f["domain"], Text: f["text"], TextEn: f["text_en"], Source: f["source"], Verified: verified})
		case "diagnosis.csv":
			max, err := strconv.ParseFloat(f["max_deduction"], 64)
			if err != nil || max < 0 || max > 100 {
				return fmt.Errorf("line %d: max_deduction: %q is not a number from 0 to 100", r.Line, f["max_deduction"])
			}
			if f["kind"] != "red" && f["kind"] != "deduct" {
				return fmt.Errorf("line %d: kind: %q is not red or deduct", r.Line, f["kind"])
			}
			ref.Diagnosis = append(ref.Diagnosis, DiagnosisItem{Code: f["code"], Kind: f["kind"], Area: f["area"], Text: f["text"], TextEn: f["text_en"], MaxDeduction: max, Verified: verified})
		case "checklists.csv":
			ref.Checklists = append(ref.Checklists, CheckItem{Industry: f["industry"], Code: f["code"], Item: f["item"], ItemEn: f["item_en"], Basis: f["basis"], Verified: verified})
		}
	}
	if len(rows) == 0 {
		return errors.New("no rows")
	}
	return nil
}

func findCriterion(cs []Criterion, code string) (Criterion, bool) {
	for _, c := range cs {
		if c.Code == code {
			return c, true
		}
	}
	return Criterion{}, false
}

// Checklist returns the items for an industry: the common ones, then its own.
func (ref *Reference) Checklist(industry string) []CheckItem {
	var out []CheckItem
	for _, c := range ref.Checklists {
		if c.Industry == "*" || c.Industry == industry {
			out = append(out, c)
		}
	}
	return out
}
