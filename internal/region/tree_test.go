package region

import (
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

// box is a closed rectangular ring.
func box(x0, y0, x1, y1 float64) orb.Ring {
	return orb.Bound{Min: orb.Point{x0, y0}, Max: orb.Point{x1, y1}}.ToRing()
}

// uShape opens upwards; its centroid (110.5, 30.357…) lies in the notch,
// outside the shape, which forces anchor onto its scanline fallback.
var uShape = orb.MultiPolygon{{orb.Ring{
	{110, 30}, {113, 30}, {113, 33}, {112, 33}, {112, 31}, {111, 31}, {111, 33}, {110, 33}, {110, 30},
}}}

// testTree is a small fictitious city 990100: county 990101 (box with a
// township box inside), county 990102 sharing the edge x = 102, county
// 990103 with a center but no boundary, and the U-shaped county 990104.
func testTree(t testing.TB) *Tree {
	t.Helper()
	c3 := orb.Point{110, 40}
	divs := []Division{
		{Code: "990101001001", Name: "V", Level: Village, ParentCode: "990101001"},
		{Code: "990100", Name: "City", Level: City, ParentCode: "99"},
		{Code: "990102", Name: "B", Level: County, ParentCode: "990100"},
		{Code: "990101", Name: "A", Level: County, ParentCode: "990100"},
		{Code: "990101002", Name: "T2", Level: Township, ParentCode: "990101"},
		{Code: "990101001", Name: "T1", Level: Township, ParentCode: "990101"},
		{Code: "990103", Name: "C", Level: County, ParentCode: "990100", Center: &c3},
		{Code: "990104", Name: "U", Level: County, ParentCode: "990100"},
	}
	bounds := map[string]orb.MultiPolygon{
		"990101":    {{box(100, 30, 102, 32)}},
		"990102":    {{box(102, 30, 104, 32)}},
		"990101001": {{box(100.25, 30.25, 100.75, 30.75)}},
		"990104":    uShape,
	}
	tree, err := NewTree(divs, bounds)
	if err != nil {
		t.Fatal(err)
	}
	return tree
}

// codes lists the codes of divs, for compact comparisons.
func codes(divs []Division) []string {
	var out []string
	for _, d := range divs {
		out = append(out, d.Code)
	}
	return out
}

func TestTreeStructure(t *testing.T) {
	tree := testTree(t)
	tests := []struct {
		name string
		got  []string
		want []string
	}{
		{"Root", []string{tree.Root().Code}, []string{"990100"}},
		{"Children(city)", codes(tree.Children("990100")), []string{"990101", "990102", "990103", "990104"}},
		{"Children(county)", codes(tree.Children("990101")), []string{"990101001", "990101002"}},
		{"Children(leaf)", codes(tree.Children("990101001001")), nil},
		{"Children(unknown)", codes(tree.Children("990199")), nil},
		{"Ancestors(village)", codes(tree.Ancestors("990101001001")), []string{"990100", "990101", "990101001"}},
		{"Ancestors(root)", codes(tree.Ancestors("990100")), nil},
		{"Ancestors(unknown)", codes(tree.Ancestors("990199")), nil},
		{"List(County)", codes(tree.List(County)), []string{"990101", "990102", "990103", "990104"}},
		{"List(Province)", codes(tree.List(Province)), nil},
		{"All", codes(tree.All()), []string{
			"990100", "990101", "990101001", "990101001001", "990101002", "990102", "990103", "990104"}},
	}
	for _, tt := range tests {
		if !reflect.DeepEqual(tt.got, tt.want) {
			t.Errorf("%s = %v, want %v", tt.name, tt.got, tt.want)
		}
	}
	if d, ok := tree.Get("990101001"); !ok || d.Name != "T1" || d.Level != Township {
		t.Errorf("Get(990101001) = %+v, %v, want T1 township", d, ok)
	}
	if _, ok := tree.Get("990199"); ok {
		t.Error("Get(990199) found a division that does not exist")
	}
}

func TestTreeDoesNotShareState(t *testing.T) {
	c := orb.Point{1, 2}
	divs := []Division{{Code: "990100", Name: "City", Level: City, ParentCode: "99", Center: &c}}
	tree, err := NewTree(divs, nil)
	if err != nil {
		t.Fatal(err)
	}
	c[0] = 50          // caller's point after the call
	divs[0].Name = "X" // caller's slice after the call
	d, _ := tree.Get("990100")
	d.Center[1] = 60 // a returned copy
	got, _ := tree.Get("990100")
	if want := (orb.Point{1, 2}); *got.Center != want || got.Name != "City" {
		t.Errorf("Get = %+v center %v, want City center %v", got, *got.Center, want)
	}
}

func TestNewTreeErrors(t *testing.T) {
	city := Division{Code: "990100", Name: "City", Level: City, ParentCode: "99"}
	county := Division{Code: "990101", Name: "A", Level: County, ParentCode: "990100"}
	tests := []struct {
		name   string
		divs   []Division
		bounds map[string]orb.MultiPolygon
		want   string
	}{
		{"no divisions", nil, nil, "region: no divisions"},
		{"two roots", []Division{city, {Code: "990200", Name: "City2", Level: City, ParentCode: "99"}}, nil,
			"region: want one root division, found 2 without a parent in the set: [990100 990200]"},
		{"parent missing below the root", []Division{city, {Code: "990101001", Name: "T", Level: Township, ParentCode: "990101"}}, nil,
			`region: division 1 (code "990101001"): parent_code "990101": no division has this code; only the top level (city) may have its parent outside the set`},
		{"invalid division", []Division{city, {Code: "990101", Name: "A", Level: "district", ParentCode: "990100"}}, nil,
			`region: division 1 (code "990101"): level "district": unknown level, want province, city, county, township or village`},
		{"duplicate", []Division{city, county, county}, nil,
			`region: division 2 (code "990101"): code "990101": duplicate of division 1 (code "990101")`},
		{"boundary of unknown code", []Division{city, county},
			map[string]orb.MultiPolygon{"990102": {{box(0, 0, 1, 1)}}},
			`region: boundary "990102": no division has this code`},
		{"unusable boundary", []Division{city, county},
			map[string]orb.MultiPolygon{"990101": {{}}},
			`region: boundary "990101": polygon 0 has no rings`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tree, err := NewTree(tt.divs, tt.bounds)
			if err == nil {
				t.Fatalf("NewTree succeeded, want error %q", tt.want)
			}
			if got := err.Error(); got != tt.want {
				t.Errorf("err = %q, want %q", got, tt.want)
			}
			if tree != nil {
				t.Error("got a tree with the error")
			}
		})
	}
}

func TestLocate(t *testing.T) {
	tree := testTree(t)
	tests := []struct {
		name   string
		p      orb.Point
		want   string
		wantOK bool
	}{
		{"deepest wins", orb.Point{100.5, 30.5}, "990101001", true},
		{"township border counts as inside", orb.Point{100.25, 30.5}, "990101001", true},
		{"county outside township", orb.Point{101.5, 31.5}, "990101", true},
		{"second county", orb.Point{103, 31}, "990102", true},
		{"shared border goes to the smaller code", orb.Point{102, 31}, "990101", true},
		{"shared corner too", orb.Point{102, 32}, "990101", true},
		{"U arm", orb.Point{110.5, 32.5}, "990104", true},
		{"U notch is outside", orb.Point{111.5, 32}, "", false},
		{"in the extent, outside every shape", orb.Point{108, 31}, "", false},
		{"outside the extent", orb.Point{0, 0}, "", false},
		{"NaN", orb.Point{math.NaN(), 31}, "", false},
		{"infinite", orb.Point{math.Inf(1), 31}, "", false},
	}
	for _, tt := range tests {
		d, ok := tree.Locate(tt.p)
		if d.Code != tt.want || ok != tt.wantOK {
			t.Errorf("%s: Locate(%v) = %q, %v, want %q, %v", tt.name, tt.p, d.Code, ok, tt.want, tt.wantOK)
		}
	}
}

func TestExtent(t *testing.T) {
	tree := testTree(t)
	if got, want := tree.Extent(), (orb.Bound{Min: orb.Point{100, 30}, Max: orb.Point{113, 33}}); got != want {
		t.Errorf("Extent = %v, want %v", got, want)
	}
	bare, err := NewTree([]Division{{Code: "990100", Name: "City", Level: City, ParentCode: "99"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if e := bare.Extent(); !e.IsEmpty() || e.Contains(orb.Point{0, 0}) {
		t.Errorf("Extent without boundaries = %v, want an empty bound containing nothing", e)
	}
}

func TestCenter(t *testing.T) {
	tree := testTree(t)
	uAnchor := orb.Point{110.5, (9*1.5-2*2)/7.0 + 30} // centroid y, x mid of the left arm
	tests := []struct {
		code   string
		want   orb.Point
		wantOK bool
	}{
		{"990103", orb.Point{110, 40}, true},           // own center
		{"990101", orb.Point{101, 31}, true},           // centroid of its box
		{"990101002", orb.Point{101, 31}, true},        // no shape: parent's
		{"990101001001", orb.Point{100.5, 30.5}, true}, // township's box
		{"990104", uAnchor, true},                      // centroid outside: scanline
		{"990100", orb.Point{}, false},                 // nothing at or above
		{"990199", orb.Point{}, false},
	}
	for _, tt := range tests {
		got, ok := tree.Center(tt.code)
		if ok != tt.wantOK || math.Abs(got[0]-tt.want[0]) > 1e-9 || math.Abs(got[1]-tt.want[1]) > 1e-9 {
			t.Errorf("Center(%s) = %v, %v, want %v, %v", tt.code, got, ok, tt.want, tt.wantOK)
		}
	}
	if !planar.MultiPolygonContains(uShape, uAnchor) {
		t.Errorf("U anchor %v is not inside the U", uAnchor)
	}
}

func TestRandomPoint(t *testing.T) {
	tree := testTree(t)
	tests := []struct {
		code  string
		owner string // whose boundary the point must fall in
	}{
		{"990101", "990101"},
		{"990101001", "990101001"},
		{"990101002", "990101"}, // no boundary of its own
		{"990101001001", "990101001"},
		{"990104", "990104"},
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for _, tt := range tests {
		mp, _ := tree.Boundary(tt.owner)
		for range 200 {
			p, err := tree.RandomPoint(rng, tt.code)
			if err != nil {
				t.Fatalf("RandomPoint(%s): %v", tt.code, err)
			}
			if !planar.MultiPolygonContains(mp, p) {
				t.Fatalf("RandomPoint(%s) = %v, outside %s", tt.code, p, tt.owner)
			}
		}
	}
}

func TestRandomPointErrors(t *testing.T) {
	tree := testTree(t)
	line, err := NewTree(
		[]Division{{Code: "990100", Name: "City", Level: City, ParentCode: "99"}},
		map[string]orb.MultiPolygon{"990100": {{{{100, 30}, {101, 31}, {100, 30}, {100, 30}}}}})
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	tests := []struct {
		name string
		tree *Tree
		rng  *rand.Rand
		code string
		want string
	}{
		{"nil rng", tree, nil, "990101", "region: RandomPoint needs an rng"},
		{"unknown code", tree, rng, "990199", `region: unknown division "990199"`},
		{"no boundary at or above", tree, rng, "990103", `region: neither "990103" nor any division above it has a boundary`},
		{"shape without area", line, rng, "990100", `region: no point found inside the boundary of "990100" in 10000 tries`},
	}
	for _, tt := range tests {
		_, err := tt.tree.RandomPoint(tt.rng, tt.code)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want %q", tt.name, err, tt.want)
		}
	}
}

func TestAnchorDegenerate(t *testing.T) {
	// Shapes without area still get a point that Contains accepts (one on
	// the boundary), so Center never returns a point off the shape.
	tests := []struct {
		name string
		mp   orb.MultiPolygon
	}{
		{"flat", orb.MultiPolygon{{{{100, 30}, {101, 30}, {102, 30}, {100, 30}}}}},
		{"folded V", orb.MultiPolygon{{{{100, 30}, {101, 31}, {102, 30}, {101, 31}, {100, 30}}}}},
		{"one point", orb.MultiPolygon{{{{100, 30}, {100, 30}, {100, 30}, {100, 30}}}}},
	}
	for _, tt := range tests {
		got := anchor(tt.mp)
		if !planar.MultiPolygonContains(tt.mp, got) {
			t.Errorf("%s: anchor = %v, not on the shape", tt.name, got)
		}
	}
}
