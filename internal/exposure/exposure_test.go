package exposure

import (
	"math"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"

	"github.com/yingji/yingji/internal/demo"
	"github.com/yingji/yingji/internal/region"
	"github.com/yingji/yingji/internal/registry"
)

func box(x0, y0, x1, y1 float64) orb.Ring {
	return orb.Ring{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}, {x0, y0}}
}

// synthetic is two square counties side by side, 1° × 1° at 30°N, with
// populations 1,000,000 and 500,000.
func synthetic(t testing.TB) (*region.Tree, *region.PopulationTable) {
	t.Helper()
	tree, err := region.NewTree([]region.Division{
		{Code: "990100", Name: "City", Level: region.City, ParentCode: "99"},
		{Code: "990101", Name: "A", Level: region.County, ParentCode: "990100"},
		{Code: "990102", Name: "B", Level: region.County, ParentCode: "990100"},
		{Code: "990101001", Name: "A1", Level: region.Township, ParentCode: "990101"},
	}, map[string]orb.MultiPolygon{
		"990101": {{box(100, 30, 101, 31)}},
		"990102": {{box(101, 30, 102, 31)}},
	})
	if err != nil {
		t.Fatal(err)
	}
	pop, err := region.ParsePopulation(strings.NewReader("code,name,population,method,source\n990101,A,1000000,census,a\n990102,B,500000,census,b\n"))
	if err != nil {
		t.Fatal(err)
	}
	return tree, pop
}

// The area of a 1° × 1° cell between 30° and 31°N on the sphere is
// R²·Δλ·(sin 31° − sin 30°) = 10,296.3 km² (R = 6371.0088 km).
func TestAreaOfACell(t *testing.T) {
	s, err := prepare(orb.MultiPolygon{{box(100, 30, 101, 31)}})
	if err != nil {
		t.Fatal(err)
	}
	r := 6371.0088
	want := r * r * (math.Pi / 180) * (math.Sin(31*math.Pi/180) - math.Sin(30*math.Pi/180))
	if got := overlapKm2(s, nil); math.Abs(got-want)/want > 1e-4 {
		t.Errorf("area %v km², want %v", got, want)
	}
}

// A 10 km circle as a 256-gon has area π·r²·sin(2π/256)·256/(2π).
func TestAreaOfACircle(t *testing.T) {
	c, err := Circle(orb.Point{99, 25}, 10000, 256)
	if err != nil {
		t.Fatal(err)
	}
	s, _ := prepare(orb.MultiPolygon{c})
	want := 100 * 256 / 2 * math.Sin(2*math.Pi/256)
	if got := overlapKm2(s, nil); math.Abs(got-want)/want > 2e-3 {
		t.Errorf("area %v km², want %v", got, want)
	}
}

func TestAssessSharesPopulationByArea(t *testing.T) {
	tree, pop := synthetic(t)
	objs := []*registry.Object{
		{ID: 1, Kind: registry.KShelter, Code: "S1", Division: "990101001", Geometry: orb.Point{100.2, 30.5}},
		{ID: 2, Kind: registry.KShelter, Code: "S2", Division: "990101", Geometry: orb.Point{100.8, 30.5}}, // outside
		{ID: 3, Kind: registry.KGeohazardPoint, Code: "G1", Division: "990102", Geometry: orb.Point{101.2, 30.5}},
		{ID: 4, Kind: registry.KGeohazardPoint, Code: "G2", Division: "990102", Geometry: orb.Point{101.45, 30.5}}, // in the hole
		{ID: 5, Kind: registry.KEnterprise, Code: "E1", Division: "990102"},                                        // no geometry
	}
	ix, err := NewIndex(tree, pop, objs)
	if err != nil {
		t.Fatal(err)
	}
	// Western half of A and western half of B, with a hole in B.
	zone := orb.MultiPolygon{{box(100, 30, 100.5, 31)}, {box(101, 30, 101.5, 31), box(101.4, 30.4, 101.49, 30.6)}}
	res, err := ix.Assess(zone, Query{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Counties) != 2 {
		t.Fatalf("counties %+v", res.Counties)
	}
	a, b := res.Counties[0], res.Counties[1]
	if math.Abs(a.Share-0.5) > 1e-3 || *a.Population != 500000 {
		t.Errorf("A: share %v population %v, want 0.5 and 500000", a.Share, *a.Population)
	}
	// B loses the hole: 0.09° × 0.2° of its 1° × 1° (close to 0.018 by area).
	if math.Abs(b.Share-(0.5-0.018)) > 1e-3 {
		t.Errorf("B: share %v, want about 0.482", b.Share)
	}
	if res.Population != *a.Population+*b.Population {
		t.Errorf("total %d", res.Population)
	}
	if res.Objects[registry.KShelter] != 1 || res.Objects[registry.KGeohazardPoint] != 1 || len(res.Items) != 2 {
		t.Errorf("objects %v, items %+v", res.Objects, res.Items)
	}
	if len(res.Townships) != 1 || res.Townships[0].Code != "990101001" || res.Townships[0].Objects[registry.KShelter] != 1 {
		t.Errorf("townships %+v", res.Townships)
	}
	// Scope: a user of county B does not see A's shelter.
	res, _ = ix.Assess(zone, Query{Scope: registry.Scope{DivisionPrefix: "990102"}})
	if res.Objects[registry.KShelter] != 0 || res.Objects[registry.KGeohazardPoint] != 1 {
		t.Errorf("scoped objects %v", res.Objects)
	}
	// Kinds filter.
	res, _ = ix.Assess(zone, Query{Kinds: []string{registry.KShelter}})
	if res.Objects[registry.KGeohazardPoint] != 0 || res.Objects[registry.KShelter] != 1 {
		t.Errorf("filtered objects %v", res.Objects)
	}
	if _, err := ix.Assess(orb.Point{1, 2}, Query{}); err == nil {
		t.Error("a point zone accepted")
	}
}

func baoshan(t testing.TB) (*region.Tree, *region.PopulationTable) {
	t.Helper()
	tree, err := region.Baoshan()
	if err != nil {
		t.Fatal(err)
	}
	pop, err := region.BaoshanPopulation()
	if err != nil {
		t.Fatal(err)
	}
	return tree, pop
}

// A zone covering the whole city gets the census total back, and a county
// boundary used as the zone gets that county's figure.
func TestBaoshanWholeAndCounty(t *testing.T) {
	tree, pop := baoshan(t)
	ix, err := NewIndex(tree, pop, nil)
	if err != nil {
		t.Fatal(err)
	}
	e := tree.Extent()
	res, err := ix.Assess(orb.Polygon{box(e.Min[0]-0.1, e.Min[1]-0.1, e.Max[0]+0.1, e.Max[1]+0.1)}, Query{})
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(float64(res.Population)-2431211) > 5 {
		t.Errorf("whole city: %d, census 2431211", res.Population)
	}
	lz, _ := tree.Boundary("530523")
	res, _ = ix.Assess(lz, Query{})
	var got int64
	for _, c := range res.Counties {
		if c.Code == "530523" {
			got = *c.Population
		}
	}
	if math.Abs(float64(got)-272769) > 272769*0.002 {
		t.Errorf("Longling as a zone: %d, census 272769 (counties %+v)", got, res.Counties)
	}
}

// demoObjects is the full demo registry as objects.
func demoObjects(t testing.TB, tree *region.Tree) []*registry.Object {
	ds, err := demo.Generate(tree, 1)
	if err != nil {
		t.Fatal(err)
	}
	var objs []*registry.Object
	for _, s := range ds.Stages {
		for _, r := range s.Records {
			objs = append(objs, &registry.Object{ID: int64(len(objs) + 1), Kind: s.Kind.Name, Code: r.Code, Name: r.Name,
				Category: r.Category, Division: r.Division, Geometry: r.Geometry})
		}
	}
	return objs
}

// bruteForce counts with no index: every record against the zone with
// orb's point-in-polygon.
func bruteForce(zone orb.MultiPolygon, objs []*registry.Object) map[string]int {
	out := map[string]int{}
	for _, o := range objs {
		if o.Geometry != nil && planar.MultiPolygonContains(zone, o.Anchor()) {
			out[o.Kind]++
		}
	}
	return out
}

func TestIndexAgreesWithBruteForce(t *testing.T) {
	tree, pop := baoshan(t)
	objs := demoObjects(t, tree)
	ix, err := NewIndex(tree, pop, objs)
	if err != nil {
		t.Fatal(err)
	}
	circle, _ := Circle(orb.Point{98.9, 25.0}, 30000, 128)
	for name, zone := range map[string]orb.MultiPolygon{"腾冲市": mustBoundary(t, tree, "530581"), "circle": {circle}} {
		res, err := ix.Assess(zone, Query{MaxItems: -1})
		if err != nil {
			t.Fatal(err)
		}
		want := bruteForce(zone, objs)
		for k, n := range want {
			if res.Objects[k] != n {
				t.Errorf("%s %s: %d, brute force %d", name, k, res.Objects[k], n)
			}
		}
		if len(res.Objects) != len(want) {
			t.Errorf("%s: kinds %v, brute force %v", name, res.Objects, want)
		}
	}
}

func mustBoundary(t testing.TB, tree *region.Tree, code string) orb.MultiPolygon {
	mp, ok := tree.Boundary(code)
	if !ok {
		t.Fatalf("no boundary for %s", code)
	}
	return mp
}

// BenchmarkCounty assesses the 龙陵县 boundary (a county-sized polygon of
// about 2,900 km²) over the full demo registry; the baseline tests every
// record with orb's point-in-polygon and integrates area over all edges.
func BenchmarkCounty(b *testing.B) {
	tree, pop := baoshan(b)
	objs := demoObjects(b, tree)
	ix, err := NewIndex(tree, pop, objs)
	if err != nil {
		b.Fatal(err)
	}
	zone := mustBoundary(b, tree, "530523")
	b.Logf("%d records", len(objs))
	b.Run("indexed", func(b *testing.B) {
		for b.Loop() {
			if _, err := ix.Assess(zone, Query{}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("bruteforce", func(b *testing.B) {
		for b.Loop() {
			bruteForce(zone, objs)
			z := naive(zone)
			for _, c := range ix.counties {
				overlapKm2(z, naive(c.shape.mp))
			}
		}
	})
}

// naive is a shape with a single strip: every crossing looks at every edge.
func naive(mp orb.MultiPolygon) *shape {
	s, _ := prepare(mp)
	all := make([]int32, len(s.edges))
	for i := range all {
		all[i] = int32(i)
	}
	s.strips = [][]int32{all}
	s.dy = s.bound.Max[1] - s.bound.Min[1] + 1
	return s
}

// Township figures: a zone holding the whole of 龙陵县 holds each of its
// townships, listed with their census figures (which sum to the county's);
// a zone cutting it leaves them for reference only, unapportioned (no
// township boundaries exist).
func TestTownshipFigures(t *testing.T) {
	tree, err := region.Baoshan()
	if err != nil {
		t.Fatal(err)
	}
	pop, err := region.BaoshanPopulation()
	if err != nil {
		t.Fatal(err)
	}
	ix, err := NewIndex(tree, pop, nil)
	if err != nil {
		t.Fatal(err)
	}
	ll, _ := tree.Boundary("530523")
	county, _ := pop.Lookup(nil, "530523")
	res, err := ix.Assess(ll, Query{})
	if err != nil {
		t.Fatal(err)
	}
	var sum int64
	n := 0
	for _, d := range res.Townships {
		if d.Population == nil || d.Share != 1 || !strings.Contains(d.PopulationSource, "wholly inside") {
			t.Errorf("township %+v", d)
			continue
		}
		f, _ := pop.Lookup(nil, d.Code)
		if *d.Population != f.Population {
			t.Errorf("%s: %d, census %d", d.Code, *d.Population, f.Population)
		}
		sum += *d.Population
		n++
	}
	if n != len(tree.Children("530523")) || sum != county.Population {
		t.Errorf("%d townships summing to %d; want %d summing to %d", n, sum, len(tree.Children("530523")), county.Population)
	}
	// the western half of the county's bounding box cuts it: no township
	// is listed without records in it, and none gets a population.
	b := ll.Bound()
	half := orb.Polygon{{{b.Min[0], b.Min[1]}, {b.Center()[0], b.Min[1]}, {b.Center()[0], b.Max[1]}, {b.Min[0], b.Max[1]}, {b.Min[0], b.Min[1]}}}
	res, err = ix.Assess(half, Query{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Townships) != 0 || len(res.Counties) == 0 {
		t.Errorf("cut county: townships %+v, counties %+v", res.Townships, res.Counties)
	}
}
