// Package region models China's administrative divisions (GB/T 2260 codes,
// extended with the statistical 9- and 12-digit codes for townships and
// villages) as an immutable in-memory tree with county boundaries.
//
// Everything here is pure: no database, no network. Other packages load the
// raw embedded data (BaoshanCSV, BaoshanBoundaries) into storage and use
// Prefix to query "a division and everything below it" with a LIKE pattern,
// which is why the code rules are checked strictly.
package region

import (
	"bytes"
	_ "embed"
	"fmt"
	"strings"
	"sync"

	"github.com/paulmach/orb"
)

// The Baoshan data is embedded as strings so that no caller can modify it
// through a shared slice; the accessors hand out copies. data/README.md
// names its sources and licences.
var (
	//go:embed data/divisions.csv
	baoshanCSV string
	//go:embed data/counties.geojson
	baoshanBoundaries string
)

// BaoshanCSV returns a copy of the embedded Baoshan divisions CSV (header
// code,name,level,parent_code; CRLF line endings), for loading into a
// database.
func BaoshanCSV() []byte {
	return []byte(baoshanCSV)
}

// BaoshanBoundaries returns a copy of the embedded GeoJSON boundaries of
// Baoshan's five county-level divisions.
func BaoshanBoundaries() []byte {
	return []byte(baoshanBoundaries)
}

var baoshan = sync.OnceValues(func() (*Tree, error) {
	divs, err := ParseCSV(bytes.NewReader(BaoshanCSV()))
	if err != nil {
		return nil, fmt.Errorf("region: embedded Baoshan divisions: %w", err)
	}
	bounds, centers, err := ParseBoundaries(BaoshanBoundaries())
	if err != nil {
		return nil, fmt.Errorf("region: embedded Baoshan boundaries: %w", err)
	}
	for i := range divs {
		if c, ok := centers[divs[i].Code]; ok {
			divs[i].Center = &c
		}
	}
	return NewTree(divs, bounds)
})

// Baoshan returns the tree of Baoshan city (530500): the city, its 5
// county-level divisions with boundaries and centers, 76 townships and 957
// villages. It is parsed on first use and shared afterwards, which is safe
// because a Tree is immutable.
func Baoshan() (*Tree, error) {
	return baoshan()
}

// Level is the tier of an administrative division.
type Level string

// The five tiers, from the top. Levels are stored as these lowercase words
// so that the database, the API and the CSV files all agree on one spelling.
const (
	Province Level = "province"
	City     Level = "city"
	County   Level = "county"
	Township Level = "township"
	Village  Level = "village"
)

// levels lists the tiers in depth order; Depth and Valid are derived from
// it so that the order is written down exactly once.
var levels = [...]Level{Province, City, County, Township, Village}

// Valid reports whether l is one of the five known levels.
func (l Level) Valid() bool {
	return l.Depth() >= 0
}

// Depth is 0 for Province down to 4 for Village, and -1 for an unknown
// level so that callers comparing depths never mistake garbage for a top
// level.
func (l Level) Depth() int {
	for i, known := range levels {
		if l == known {
			return i
		}
	}
	return -1
}

// CodeLen is the number of digits a code of this level has: 6 for
// province, city and county (GB/T 2260), 9 for township and 12 for village
// (statistical codes). It is 0 for an unknown level.
func (l Level) CodeLen() int {
	switch l {
	case Province, City, County:
		return 6
	case Township:
		return 9
	case Village:
		return 12
	}
	return 0
}

// Division is one administrative division.
type Division struct {
	// Code is the GB/T 2260 (6 digits) or statistical (9 or 12 digits) code.
	Code string `json:"code"`
	// Name is the official Chinese name.
	Name string `json:"name"`
	// Level is the tier; it always agrees with the shape of Code.
	Level Level `json:"level"`
	// ParentCode is the code of the division above. For the top division
	// of a data set it may name a division outside the set, possibly in
	// prefix form (the Baoshan city row has "53" for Yunnan).
	ParentCode string `json:"parent_code"`
	// Center is a representative [lon, lat] point, when the source has one.
	Center *orb.Point `json:"center,omitempty"`
}

// Prefix returns the leading digits shared by a division's code and the
// codes of all its descendants, for queries such as
// `division_code LIKE prefix || '%'`.
//
// Six-digit codes pad the unused tiers with "00", so those pairs are
// stripped: 530000 → "53", 530500 → "5305", 530502 → "530502". At least two
// digits are always kept, so even the malformed "000000" cannot turn into
// the empty prefix that would match every row. Nine- and twelve-digit codes,
// and anything that is not a six-digit number, are returned unchanged;
// that includes "", so SQL callers must reject an empty code themselves.
func Prefix(code string) string {
	if len(code) != 6 || !allDigits(code) {
		return code
	}
	p := code
	for len(p) > 2 && strings.HasSuffix(p, "00") {
		p = p[:len(p)-2]
	}
	return p
}

// Within reports whether code is ancestor itself or lies below it. An empty
// ancestor contains nothing: its prefix would be "", which matches every
// code, and an empty string reaching here is a bug, not a request for the
// whole country.
func Within(code, ancestor string) bool {
	if ancestor == "" {
		return false
	}
	return strings.HasPrefix(code, Prefix(ancestor))
}

// CodeLevel returns the level a well-formed code denotes: XX0000 is a
// province, XXYY00 a city, other six-digit codes counties, nine digits a
// township and twelve a village. ok is false for anything else.
func CodeLevel(code string) (l Level, ok bool) {
	if !allDigits(code) {
		return "", false
	}
	switch len(code) {
	case 6:
		switch {
		case strings.HasSuffix(code, "0000"):
			return Province, true
		case strings.HasSuffix(code, "00"):
			return City, true
		default:
			return County, true
		}
	case 9:
		return Township, true
	case 12:
		return Village, true
	}
	return "", false
}

// checkCode explains why code cannot be a code of level l, or returns "".
// The trailing-zero rules matter beyond tidiness: a county coded 530100
// would get the prefix "5301" and swallow a whole city's divisions.
func checkCode(code string, l Level) string {
	switch {
	case code == "":
		return "must not be empty"
	case !allDigits(code):
		return "must be digits"
	case !l.Valid():
		if n := len(code); n != 6 && n != 9 && n != 12 {
			return fmt.Sprintf("has %d digits, want 6, 9 or 12", n)
		}
		return ""
	case len(code) != l.CodeLen():
		return fmt.Sprintf("has %d digits, a %s code has %d", len(code), l, l.CodeLen())
	}
	if got, _ := CodeLevel(code); got != l {
		switch l {
		case Province:
			return `a province code must end in "0000"`
		case City:
			return `a city code must end in "00" but not in "0000"`
		case County:
			return `a county code must not end in "00"`
		}
	}
	return ""
}

// allDigits reports whether s is non-empty and only ASCII digits; Unicode
// digits are rejected because codes are compared byte-wise in SQL.
func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// clone copies d so that callers cannot reach the tree's Center through the
// returned pointer.
func clone(d Division) Division {
	if d.Center != nil {
		c := *d.Center
		d.Center = &c
	}
	return d
}
