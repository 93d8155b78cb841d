// Package gb18218 identifies and grades major hazard sources of hazardous
// chemicals by GB 18218-2018 《危险化学品重大危险源辨识》:
//
//   - a unit is a major hazard source when S = Σ qᵢ/Qᵢ ≥ 1 (qᵢ the largest
//     quantity present, Qᵢ the critical quantity, both in tonnes);
//   - its grade follows R = α · Σ βᵢ · qᵢ/Qᵢ: R ≥ 100 一级, 50 ≤ R < 100 二级,
//     10 ≤ R < 50 三级, R < 10 四级;
//   - α by the people within 500 m outside the plant: ≥ 100 → 2.0, 50–99 →
//     1.5, 30–49 → 1.2, 1–29 → 1.0, 0 → 0.5.
//
// The formulas, the grade bands, α and the β of the named toxic gases were
// checked against the standard (docs/supervision.md). The critical-quantity
// table and the β by hazard category are data files (data/*.csv) whose rows
// say whether they were checked; an administrator corrects them by placing
// a copy in the data folder (LoadDir).
package gb18218

import (
	"bytes"
	"embed"
	"encoding/csv"
	"errors"
	"fmt"
	"github.com/yingji/yingji/internal/core"
	"io"
	"strconv"
	"strings"
	"unicode"
)

//go:embed data/*.csv
var dataFS embed.FS

// Category is a hazard category of GB 18218-2018 Table 2 with its critical
// quantity and its β (Table 4), for substances not named in Table 1.
type Category struct {
	Code          string  `json:"code"`
	Description   string  `json:"description"`
	DescriptionEn string  `json:"description_en"`
	CriticalT     float64 `json:"critical_t"`
	Beta          float64 `json:"beta"`
	Verified      bool    `json:"verified"`
}

// Substance is a named substance of Table 1.
type Substance struct {
	Name     string   `json:"name"`
	Aliases  []string `json:"aliases"`
	CAS      string   `json:"cas"`
	Category string   `json:"category"`
	// CriticalT is the critical quantity Q in tonnes.
	CriticalT float64 `json:"critical_t"`
	QVerified bool    `json:"q_verified"`
	// Beta is the named toxic gas's β; 0 means "by the category".
	Beta         float64 `json:"beta,omitempty"`
	BetaVerified bool    `json:"beta_verified"`
}

// Table is the critical-quantity and β data the assessment uses.
type Table struct {
	Substances []Substance `json:"substances"`
	Categories []Category  `json:"categories"`
	// Source says where each file came from: "embedded" or a path.
	Source map[string]string `json:"source"`

	byCAS  map[string]int
	byName map[string]int
	byCat  map[string]int
}

// Embedded returns the table shipped in the binary.
func Embedded() (*Table, error) { return LoadDir("") }

// LoadDir reads substances.csv and categories.csv from dir when present
// there (an administrator's corrected copy), otherwise the embedded files.
func LoadDir(dir string) (*Table, error) {
	t := &Table{Source: map[string]string{}}
	for _, name := range []string{"categories.csv", "substances.csv"} {
		data, src, err := readData(dir, name)
		if err != nil {
			return nil, err
		}
		t.Source[name] = src
		switch name {
		case "categories.csv":
			t.Categories, err = ParseCategories(bytes.NewReader(data))
		default:
			t.Substances, err = ParseSubstances(bytes.NewReader(data))
		}
		if err != nil {
			return nil, fmt.Errorf("gb18218: %s (%s): %w", name, src, err)
		}
	}
	if err := t.index(); err != nil {
		return nil, err
	}
	return t, nil
}

func readData(dir, name string) ([]byte, string, error) {
	return core.ReadDataFile(dataFS, dir, name)
}

func (t *Table) index() error {
	t.byCAS, t.byName, t.byCat = map[string]int{}, map[string]int{}, map[string]int{}
	for i, c := range t.Categories {
		t.byCat[c.Code] = i
	}
	for i, s := range t.Substances {
		if _, ok := t.byCat[s.Category]; !ok {
			return fmt.Errorf("gb18218: substance %s: category %q is not in categories.csv", s.Name, s.Category)
		}
		if s.CAS != "" {
			if j, dup := t.byCAS[s.CAS]; dup {
				return fmt.Errorf("gb18218: CAS %s is listed twice (%s and %s)", s.CAS, t.Substances[j].Name, s.Name)
			}
			t.byCAS[s.CAS] = i
		}
		for _, n := range append([]string{s.Name}, s.Aliases...) {
			k := normName(n)
			if j, dup := t.byName[k]; dup && j != i {
				return fmt.Errorf("gb18218: name %q is used by %s and %s", n, t.Substances[j].Name, s.Name)
			}
			t.byName[k] = i
		}
	}
	return nil
}

// normName folds case, width and spaces so that "氯 " and "Chlorine" match.
func normName(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch {
		case unicode.IsSpace(r):
		case r >= 0xFF01 && r <= 0xFF5E: // full-width ASCII
			b.WriteRune(r - 0xFEE0)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// Find looks a substance up by CAS number first, then by name or alias.
func (t *Table) Find(name, cas string) (*Substance, bool) {
	if cas = strings.TrimSpace(cas); cas != "" {
		if i, ok := t.byCAS[cas]; ok {
			return &t.Substances[i], true
		}
	}
	if i, ok := t.byName[normName(name)]; ok {
		return &t.Substances[i], true
	}
	return nil, false
}

// Category returns a hazard category by its code (J1 … W11).
func (t *Table) Category(code string) (*Category, bool) {
	i, ok := t.byCat[strings.ToUpper(strings.TrimSpace(code))]
	if !ok {
		return nil, false
	}
	return &t.Categories[i], true
}

// CSVRows reads a CSV with a header line, skipping '#' comment lines, and
// returns each row as a map by column name with its line number. Every
// record must have the header's number of fields and every wanted column
// must be in the header. The supervision reference tables are read with it
// too.
func CSVRows(r io.Reader, want []string) ([]map[string]string, []int, error) {
	cr := csv.NewReader(r)
	cr.Comment = '#'
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err != nil {
		return nil, nil, fmt.Errorf("no header line: %v", err)
	}
	col := map[string]int{}
	for i, h := range header {
		col[strings.TrimSpace(h)] = i
	}
	for _, w := range want {
		if _, ok := col[w]; !ok {
			return nil, nil, fmt.Errorf("column %q is missing from the header", w)
		}
	}
	var rows []map[string]string
	var lines []int
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, nil, err
		}
		line, _ := cr.FieldPos(0)
		if len(rec) != len(header) {
			return nil, nil, fmt.Errorf("line %d: %d fields, want %d", line, len(rec), len(header))
		}
		m := map[string]string{}
		for name, i := range col {
			m[name] = strings.TrimSpace(rec[i])
		}
		rows = append(rows, m)
		lines = append(lines, line)
	}
	return rows, lines, nil
}

func positive(line int, field, v string) (float64, error) {
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || !(f > 0) || f > 1e9 {
		return 0, fmt.Errorf("line %d: %s: %q is not a positive number", line, field, v)
	}
	return f, nil
}

func boolean(line int, field, v string) (bool, error) {
	switch strings.ToLower(v) {
	case "true", "yes", "1":
		return true, nil
	case "false", "no", "0", "":
		return false, nil
	}
	return false, fmt.Errorf("line %d: %s: %q is not true or false", line, field, v)
}

// ParseCategories reads categories.csv.
func ParseCategories(r io.Reader) ([]Category, error) {
	rows, lines, err := CSVRows(r, []string{"category", "description", "critical_t", "beta", "verified"})
	if err != nil {
		return nil, err
	}
	var out []Category
	seen := map[string]bool{}
	for i, m := range rows {
		c := Category{Code: strings.ToUpper(m["category"]), Description: m["description"], DescriptionEn: m["description_en"]}
		if c.Code == "" || seen[c.Code] {
			return nil, fmt.Errorf("line %d: category %q is empty or repeated", lines[i], c.Code)
		}
		seen[c.Code] = true
		if c.CriticalT, err = positive(lines[i], "critical_t", m["critical_t"]); err != nil {
			return nil, err
		}
		if c.Beta, err = positive(lines[i], "beta", m["beta"]); err != nil {
			return nil, err
		}
		if c.Verified, err = boolean(lines[i], "verified", m["verified"]); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		return nil, errors.New("no categories")
	}
	return out, nil
}

// ParseSubstances reads substances.csv.
func ParseSubstances(r io.Reader) ([]Substance, error) {
	rows, lines, err := CSVRows(r, []string{"name", "aliases", "cas", "category", "critical_t", "q_verified", "beta", "beta_verified"})
	if err != nil {
		return nil, err
	}
	var out []Substance
	for i, m := range rows {
		line := lines[i]
		s := Substance{Name: m["name"], CAS: m["cas"], Category: strings.ToUpper(m["category"])}
		if s.Name == "" {
			return nil, fmt.Errorf("line %d: name is empty", line)
		}
		if s.CAS != "" && !validCAS(s.CAS) {
			return nil, fmt.Errorf("line %d: cas: %q is not a valid CAS number", line, s.CAS)
		}
		for _, a := range strings.Split(m["aliases"], "|") {
			if a = strings.TrimSpace(a); a != "" {
				s.Aliases = append(s.Aliases, a)
			}
		}
		if s.CriticalT, err = positive(line, "critical_t", m["critical_t"]); err != nil {
			return nil, err
		}
		if s.QVerified, err = boolean(line, "q_verified", m["q_verified"]); err != nil {
			return nil, err
		}
		if m["beta"] != "" {
			if s.Beta, err = positive(line, "beta", m["beta"]); err != nil {
				return nil, err
			}
		}
		if s.BetaVerified, err = boolean(line, "beta_verified", m["beta_verified"]); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	if len(out) == 0 {
		return nil, errors.New("no substances")
	}
	return out, nil
}

// validCAS checks the form NNNNNNN-NN-N and its check digit.
func validCAS(s string) bool {
	parts := strings.Split(s, "-")
	if len(parts) != 3 || len(parts[0]) < 2 || len(parts[0]) > 7 || len(parts[1]) != 2 || len(parts[2]) != 1 {
		return false
	}
	digits := parts[0] + parts[1]
	sum := 0
	for i := range digits {
		c := digits[len(digits)-1-i]
		if c < '0' || c > '9' {
			return false
		}
		sum += int(c-'0') * (i + 1)
	}
	c := parts[2][0]
	return c >= '0' && c <= '9' && sum%10 == int(c-'0')
}
