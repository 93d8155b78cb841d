package region

import (
	_ "embed"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
)

// Resident population (常住人口) of the Baoshan divisions at the 7th
// national census, 2020-11-01 00:00. data/population.csv (header
// code,name,population,method,source; CRLF) names the source of every row;
// docs/models.md lists them.
//
// The plan's "2.64 million" for Baoshan is a different figure: the
// registered (户籍) population of an earlier year, which counts people by
// household registration rather than where they live. Exposure estimates
// use the resident population, because that is who is there when a hazard
// strikes.
//
//go:embed data/population.csv
var populationCSV string

// How a population figure was obtained.
const (
	// Census: published in a census bulletin for this division.
	Census = "census"
	// Derived: exact arithmetic on census figures (e.g. a city total minus
	// its other counties), so as good as the census but not printed in it.
	Derived = "derived"
	// Summed: the sum of the division's children's figures.
	Summed = "summed"
)

// Figure is one division's resident population with its provenance.
type Figure struct {
	Code       string `json:"code"`
	Name       string `json:"name"`
	Population int64  `json:"population"`
	// Method is Census, Derived or Summed.
	Method string `json:"method"`
	Source string `json:"source"`
}

// PopulationTable holds population figures by division code.
type PopulationTable struct {
	byCode map[string]Figure
	codes  []string
}

// ParsePopulation reads a CSV with the header
// code,name,population,method,source. Every bad row is reported with its
// line; a code that appears twice is an error.
func ParsePopulation(r io.Reader) (*PopulationTable, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = 5
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("population: header: %w", err)
	}
	want := []string{"code", "name", "population", "method", "source"}
	for i, h := range header {
		if strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")) != want[i] {
			return nil, fmt.Errorf("population: line 1: column %d is %q, want %q", i+1, h, want[i])
		}
	}
	t := &PopulationTable{byCode: map[string]Figure{}}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			// a csv.ParseError names its line; FieldPos has no record here.
			return nil, fmt.Errorf("population: %w", err)
		}
		line, _ := cr.FieldPos(0)
		f := Figure{Code: strings.TrimSpace(rec[0]), Name: strings.TrimSpace(rec[1]), Method: strings.TrimSpace(rec[3]), Source: strings.TrimSpace(rec[4])}
		if _, ok := CodeLevel(f.Code); !ok {
			return nil, fmt.Errorf("population: line %d: code %q is not a division code", line, f.Code)
		}
		if _, dup := t.byCode[f.Code]; dup {
			return nil, fmt.Errorf("population: line %d: code %s is repeated", line, f.Code)
		}
		n, err := strconv.ParseInt(strings.TrimSpace(rec[2]), 10, 64)
		if err != nil || n < 0 {
			return nil, fmt.Errorf("population: line %d: population %q is not a whole number ≥ 0", line, rec[2])
		}
		f.Population = n
		if f.Method != Census && f.Method != Derived {
			return nil, fmt.Errorf("population: line %d: method %q, want census or derived", line, f.Method)
		}
		if f.Source == "" {
			return nil, fmt.Errorf("population: line %d: source must name where the figure comes from", line)
		}
		t.byCode[f.Code] = f
		t.codes = append(t.codes, f.Code)
	}
	return t, nil
}

// Lookup returns the figure of code: its own row, or, when it has none, the
// sum of its children's figures in tree when every child has one (so a city
// with figures for all its counties has a total). ok is false otherwise;
// no figure is ever guessed.
func (t *PopulationTable) Lookup(tree *Tree, code string) (Figure, bool) {
	if f, ok := t.byCode[code]; ok {
		return f, true
	}
	if tree == nil {
		return Figure{}, false
	}
	d, ok := tree.Get(code)
	if !ok {
		return Figure{}, false
	}
	kids := tree.Children(code)
	if len(kids) == 0 {
		return Figure{}, false
	}
	sum := Figure{Code: code, Name: d.Name, Method: Summed}
	var srcs []string
	for _, k := range kids {
		f, ok := t.Lookup(tree, k.Code)
		if !ok {
			return Figure{}, false
		}
		sum.Population += f.Population
		srcs = append(srcs, k.Code)
	}
	sum.Source = "sum of " + strings.Join(srcs, ", ")
	return sum, true
}

// All returns the table's own rows in file order.
func (t *PopulationTable) All() []Figure {
	out := make([]Figure, len(t.codes))
	for i, c := range t.codes {
		out[i] = t.byCode[c]
	}
	return out
}

var baoshanPopulation = sync.OnceValues(func() (*PopulationTable, error) {
	return ParsePopulation(strings.NewReader(populationCSV))
})

// BaoshanPopulation returns the embedded Baoshan census table.
func BaoshanPopulation() (*PopulationTable, error) { return baoshanPopulation() }

// Population returns the resident population of a Baoshan division at the
// 2020 census, and the source of the figure. Divisions without a figure of
// their own are summed from their children when all of those have one;
// otherwise ok is false (most townships outside Longling: their bulletins
// were not found, and an apportioned guess is not offered as a figure).
func Population(code string) (n int64, ok bool, source string) {
	t, err := BaoshanPopulation()
	if err != nil {
		return 0, false, ""
	}
	tree, err := Baoshan()
	if err != nil {
		return 0, false, ""
	}
	f, ok := t.Lookup(tree, code)
	if !ok {
		return 0, false, ""
	}
	return f.Population, true, f.Method + ": " + f.Source
}
