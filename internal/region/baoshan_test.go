package region

import (
	"bytes"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

func baoshanTree(t testing.TB) *Tree {
	t.Helper()
	tree, err := Baoshan()
	if err != nil {
		t.Fatal(err)
	}
	return tree
}

func TestBaoshanCounts(t *testing.T) {
	tree := baoshanTree(t)
	tests := []struct {
		level Level
		want  int
	}{
		{Province, 0},
		{City, 1},
		{County, 5},
		{Township, 76},
		{Village, 957},
	}
	for _, tt := range tests {
		if got := len(tree.List(tt.level)); got != tt.want {
			t.Errorf("len(List(%s)) = %d, want %d", tt.level, got, tt.want)
		}
	}
	if got, want := len(tree.All()), 1039; got != want {
		t.Errorf("len(All()) = %d, want %d", got, want)
	}
	if got, want := tree.Root(), (Division{Code: "530500", Name: "保山市", Level: City, ParentCode: "53"}); !reflect.DeepEqual(got, want) {
		t.Errorf("Root() = %+v, want %+v", got, want)
	}
	if got, want := codes(tree.Children("530500")), []string{"530502", "530521", "530523", "530524", "530581"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Children(530500) = %v, want %v", got, want)
	}
}

func TestBaoshanEveryDivisionWithinItsParent(t *testing.T) {
	tree := baoshanTree(t)
	seen := map[string]bool{}
	for _, d := range tree.All() {
		if d.Code != tree.Root().Code && !seen[d.ParentCode] {
			t.Errorf("All(): %s comes before its parent %s", d.Code, d.ParentCode)
		}
		if !Within(d.Code, d.ParentCode) {
			t.Errorf("Within(%s, %s) = false for its own parent", d.Code, d.ParentCode)
		}
		if !Within(d.Code, "530500") {
			t.Errorf("Within(%s, 530500) = false", d.Code)
		}
		seen[d.Code] = true
	}
}

func TestBaoshanAncestors(t *testing.T) {
	tree := baoshanTree(t)
	got := tree.Ancestors("530502001002")
	want := []struct {
		code  string
		level Level
	}{
		{"530500", City},
		{"530502", County},
		{"530502001", Township},
	}
	if len(got) != len(want) {
		t.Fatalf("Ancestors(530502001002) = %v, want %d divisions", codes(got), len(want))
	}
	for i := range want {
		if got[i].Code != want[i].code || got[i].Level != want[i].level {
			t.Errorf("Ancestors[%d] = %s %s, want %s %s", i, got[i].Code, got[i].Level, want[i].code, want[i].level)
		}
	}
}

func TestBaoshanLocateCountyCenters(t *testing.T) {
	tree := baoshanTree(t)
	for _, c := range tree.List(County) {
		if c.Center == nil {
			t.Fatalf("county %s has no center", c.Code)
		}
		mp, ok := tree.Boundary(c.Code)
		if !ok {
			t.Fatalf("county %s has no boundary", c.Code)
		}
		// The source's centers are label points, not guaranteed interior;
		// check before relying on them (all five are inside).
		if !planar.MultiPolygonContains(mp, *c.Center) {
			t.Fatalf("center %v of %s is outside its own boundary", *c.Center, c.Code)
		}
		got, ok := tree.Locate(*c.Center)
		if !ok || got.Code != c.Code {
			t.Errorf("Locate(center of %s %s) = %q, %v, want %s", c.Code, c.Name, got.Code, ok, c.Code)
		}
		if p, ok := tree.Center(c.Code); !ok || p != *c.Center {
			t.Errorf("Center(%s) = %v, %v, want %v", c.Code, p, ok, *c.Center)
		}
	}
}

func TestBaoshanLocateOutside(t *testing.T) {
	tree := baoshanTree(t)
	tests := []struct {
		name string
		p    orb.Point
	}{
		{"Myanmar", orb.Point{97.5, 24.5}},
		{"Kunming", orb.Point{102.7, 25.0}},
		{"south-west of Longling, inside the extent", orb.Point{98.2, 24.2}},
		{"south-east corner area, inside the extent", orb.Point{99.9, 24.2}},
	}
	for _, tt := range tests {
		if d, ok := tree.Locate(tt.p); ok {
			t.Errorf("Locate(%v) in %s = %s %s, want nothing", tt.p, tt.name, d.Code, d.Name)
		}
	}
	if e := tree.Extent(); e.Contains(orb.Point{97.5, 24.5}) || !e.Contains(orb.Point{98.2, 24.2}) {
		t.Errorf("Extent = %v, want it to exclude Myanmar's (97.5, 24.5) and include (98.2, 24.2)", e)
	}
}

func TestBaoshanRandomPoint(t *testing.T) {
	tree := baoshanTree(t)
	rng := rand.New(rand.NewPCG(2026, 530500))
	for _, c := range tree.List(County) {
		for range 100 {
			p, err := tree.RandomPoint(rng, c.Code)
			if err != nil {
				t.Fatal(err)
			}
			if got, ok := tree.Locate(p); !ok || got.Code != c.Code {
				t.Fatalf("RandomPoint(%s) = %v, which locates to %q, %v", c.Code, p, got.Code, ok)
			}
		}
	}
	// A village has no shape of its own and draws from its county.
	p, err := tree.RandomPoint(rng, "530581001001")
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := tree.Locate(p); got.Code != "530581" {
		t.Errorf("RandomPoint(village of Tengchong) located in %q, want 530581", got.Code)
	}
}

func TestBaoshanRandomPointDeterministic(t *testing.T) {
	tree := baoshanTree(t)
	draw := func(seed uint64) []orb.Point {
		rng := rand.New(rand.NewPCG(seed, 1))
		var out []orb.Point
		for _, c := range tree.List(County) {
			for range 3 {
				p, err := tree.RandomPoint(rng, c.Code)
				if err != nil {
					t.Fatal(err)
				}
				out = append(out, p)
			}
		}
		return out
	}
	if got, want := draw(7), draw(7); !reflect.DeepEqual(got, want) {
		t.Errorf("same seed, different points:\n%v\n%v", got, want)
	}
	if a, b := draw(7), draw(8); reflect.DeepEqual(a, b) {
		t.Errorf("seeds 7 and 8 gave the same points %v", a)
	}
}

func TestBaoshanCenterFallsBackToCounty(t *testing.T) {
	tree := baoshanTree(t)
	county, _ := tree.Get("530523")
	got, ok := tree.Center("530523101")
	if !ok || got != *county.Center {
		t.Errorf("Center(township of Longling) = %v, %v, want the county's %v", got, ok, *county.Center)
	}
}

func TestBaoshanRawData(t *testing.T) {
	csvData := BaoshanCSV()
	if !bytes.HasPrefix(csvData, []byte("code,name,level,parent_code\r\n")) {
		t.Errorf("BaoshanCSV starts %q, want the header", csvData[:min(40, len(csvData))])
	}
	if got, want := bytes.Count(csvData, []byte("\n")), 1040; got != want {
		t.Errorf("BaoshanCSV has %d lines, want %d", got, want)
	}
	csvData[0] = 'X' // must not reach the embedded copy
	if again := BaoshanCSV(); again[0] != 'c' {
		t.Errorf("BaoshanCSV shares its bytes with callers")
	}
	bounds, centers, err := ParseBoundaries(BaoshanBoundaries())
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(bounds), 5; got != want {
		t.Errorf("BaoshanBoundaries has %d shapes, want %d", got, want)
	}
	if got, want := len(centers), 5; got != want {
		t.Errorf("BaoshanBoundaries has %d centers, want %d", got, want)
	}
	divs, err := ParseCSV(strings.NewReader(string(BaoshanCSV())))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := divs[0], (Division{Code: "530500", Name: "保山市", Level: City, ParentCode: "53"}); got != want {
		t.Errorf("first row = %+v, want %+v", got, want)
	}
}

// BenchmarkLocate reports Locate beside a brute-force baseline that tests
// every county polygon with no bounding-box prefilter (ratio = locate /
// brute-force), over the same seeded points in the region's extent.
func BenchmarkLocate(b *testing.B) {
	tree := baoshanTree(b)
	e := tree.Extent()
	rng := rand.New(rand.NewPCG(1, 1))
	points := make([]orb.Point, 4096)
	for i := range points {
		points[i] = orb.Point{
			e.Min[0] + rng.Float64()*(e.Max[0]-e.Min[0]),
			e.Min[1] + rng.Float64()*(e.Max[1]-e.Min[1]),
		}
	}
	b.Run("locate", func(b *testing.B) {
		i := 0
		for b.Loop() {
			tree.Locate(points[i%len(points)])
			i++
		}
	})
	var polys []orb.MultiPolygon
	for _, d := range tree.List(County) {
		mp, _ := tree.Boundary(d.Code)
		polys = append(polys, mp)
	}
	b.Run("brute-force", func(b *testing.B) {
		i := 0
		for b.Loop() {
			p := points[i%len(points)]
			for _, mp := range polys {
				if planar.MultiPolygonContains(mp, p) {
					break
				}
			}
			i++
		}
	})
}
