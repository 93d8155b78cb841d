package demo

import (
	"encoding/json"
	"maps"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/yingji/yingji/internal/creditcode"
	"github.com/yingji/yingji/internal/region"
	"github.com/yingji/yingji/internal/registry"
)

var cached = sync.OnceValues(func() (*Dataset, error) {
	tree, err := region.Baoshan()
	if err != nil {
		return nil, err
	}
	return Generate(tree, DefaultSeed)
})

// testData returns the default data set, generated once per test binary
// because most tests only read it.
func testData(t *testing.T) (*region.Tree, *Dataset) {
	t.Helper()
	tree, err := region.Baoshan()
	if err != nil {
		t.Fatal(err)
	}
	ds, err := cached()
	if err != nil {
		t.Fatal(err)
	}
	return tree, ds
}

func TestGenerateIsDeterministic(t *testing.T) {
	tree, _ := testData(t)
	a, err := Generate(tree, 7)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Generate(tree, 7)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(a, b) {
		t.Fatal("two data sets from seed 7 differ")
	}
	c, err := Generate(tree, 8)
	if err != nil {
		t.Fatal(err)
	}
	if reflect.DeepEqual(a, c) {
		t.Fatal("seeds 7 and 8 give the same data set")
	}
	ea, ec := a.Records(registry.KEnterprise)[0], c.Records(registry.KEnterprise)[0]
	if ea.Code == ec.Code || ea.Geometry == ec.Geometry {
		t.Errorf("seeds 7 and 8 give the same first enterprise: %s at %v", ea.Code, ea.Geometry)
	}
	// The plan's counts hold whatever the seed; only the number of
	// resources and pipeline segments may vary.
	sa, sc := a.Summary(), c.Summary()
	if !maps.Equal(sa.Industries, sc.Industries) {
		t.Errorf("industries differ between seeds: %v, %v", sa.Industries, sc.Industries)
	}
	for _, k := range []string{registry.KEnterprise, registry.KHazardSource, registry.KGeohazardPoint, registry.KMonitoringPoint} {
		if sa.Kinds[k] != sc.Kinds[k] {
			t.Errorf("%s: %d with seed 7, %d with seed 8", k, sa.Kinds[k], sc.Kinds[k])
		}
	}
}

func TestGenerateRejectsOtherRegions(t *testing.T) {
	if _, err := Generate(nil, 1); err == nil {
		t.Error("Generate(nil) succeeded")
	}
	city, err := region.NewTree([]region.Division{{Code: "530500", Name: "保山市", Level: region.City, ParentCode: "53"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Generate(city, 1); err == nil || !strings.Contains(err.Error(), "530502") {
		t.Errorf("Generate on a tree without counties: got %v, want an error naming the missing county", err)
	}
}

func TestCounts(t *testing.T) {
	_, ds := testData(t)
	s := ds.Summary()
	wantInd := map[string]int{
		"non_coal_mine": 231, "tailings_pond": 39, "metallurgy": 14, "dust_explosion": 30,
		"liquid_ammonia": 12, "confined_space": 28, "hazchem_producer": 13, "hazchem_trader": 225,
		"fireworks_producer": 1, "fireworks_wholesaler": 12, "fireworks_retailer": 490, "oil_gas_pipeline": 3,
	}
	if !maps.Equal(s.Industries, wantInd) {
		t.Errorf("industries = %v, want %v", s.Industries, wantInd)
	}
	if s.Kinds[registry.KEnterprise] != 1098 {
		t.Errorf("%d enterprises, want 1098", s.Kinds[registry.KEnterprise])
	}
	if n := s.Kinds[registry.KGeohazardPoint]; n != 1596 {
		t.Errorf("%d geohazard points, want 1596", n)
	}
	if n := s.Kinds[registry.KHazardSource]; n != 7 {
		t.Errorf("%d hazard sources, want 7", n)
	}
	facilities := map[string]int{}
	hca := map[string]int{}
	for _, r := range ds.Records(registry.KFacility) {
		facilities[r.Category]++
		if g, ok := r.Attrs["hca_grade"].(string); ok {
			hca[g]++
		}
	}
	if facilities["mine"] != 231 || facilities["tailings_pond"] != 39 {
		t.Errorf("facilities = %v, want 231 mines and 39 tailings ponds", facilities)
	}
	if want := map[string]int{"II": 32, "III": 4}; !maps.Equal(hca, want) {
		t.Errorf("high-consequence areas by grade = %v, want %v", hca, want)
	}
	if !strings.Contains(s.String(), "1098 enterprise") || !strings.Contains(s.String(), "fireworks_retailer 490") {
		t.Errorf("summary line %q lacks the counts", s.String())
	}
	if s.Total() != sumKinds(ds) {
		t.Errorf("Total() = %d, want %d", s.Total(), sumKinds(ds))
	}
}

func sumKinds(ds *Dataset) int {
	n := 0
	for _, st := range ds.Stages {
		n += len(st.Records)
	}
	return n
}

func TestOwnersAndMining(t *testing.T) {
	_, ds := testData(t)
	ents := map[string]*Record{}
	for _, e := range ds.Records(registry.KEnterprise) {
		ents[e.Code] = e
	}
	owned := map[string]map[string]int{} // enterprise code → facility type → count
	for _, f := range ds.Records(registry.KFacility) {
		if owned[f.Owner.Code] == nil {
			owned[f.Owner.Code] = map[string]int{}
		}
		owned[f.Owner.Code][f.Category]++
	}
	for code, e := range ents {
		got := owned[code]
		switch e.Category {
		case "non_coal_mine":
			if !maps.Equal(got, map[string]int{"mine": 1}) {
				t.Errorf("mine operator %s owns %v, want one mine", e.Name, got)
			}
		case "tailings_pond":
			if !maps.Equal(got, map[string]int{"tailings_pond": 1}) {
				t.Errorf("pond operator %s owns %v, want one tailings pond", e.Name, got)
			}
		case "oil_gas_pipeline":
			if got["pipeline_segment"] == 0 || len(got) != 1 {
				t.Errorf("pipeline operator %s owns %v, want pipeline segments", e.Name, got)
			}
		default:
			if len(got) != 0 {
				t.Errorf("%s enterprise %s owns facilities %v", e.Category, e.Name, got)
			}
		}
	}
	holders := map[string]int{}
	for _, h := range ds.Records(registry.KHazardSource) {
		e := ents[h.Owner.Code]
		if e == nil {
			t.Fatalf("hazard source %s has no enterprise owner", h.Name)
		}
		holders[e.Category]++
		if (e.Category == "fireworks_producer") != (h.Category == "fireworks") {
			t.Errorf("hazard source %s of type %s belongs to a %s", h.Name, h.Category, e.Category)
		}
	}
	if want := map[string]int{"hazchem_producer": 6, "fireworks_producer": 1}; !maps.Equal(holders, want) {
		t.Errorf("hazard sources by holder industry = %v, want %v", holders, want)
	}
}

func TestNamesAndCodes(t *testing.T) {
	_, ds := testData(t)
	names := map[string]bool{}
	for _, st := range ds.Stages {
		codes := map[string]bool{}
		for _, r := range st.Records {
			if !strings.HasSuffix(r.Name, Marker) {
				t.Errorf("%s %s: name %q does not end with %q", st.Kind.Name, r.Code, r.Name, Marker)
			}
			if names[r.Name] {
				t.Errorf("%s %s: name %q is used twice", st.Kind.Name, r.Code, r.Name)
			}
			names[r.Name] = true
			if codes[r.Code] {
				t.Errorf("%s: code %q is used twice", st.Kind.Name, r.Code)
			}
			codes[r.Code] = true
		}
	}
	for _, e := range ds.Records(registry.KEnterprise) {
		if err := creditcode.Validate(e.Code); err != nil {
			t.Errorf("enterprise %s: %v", e.Code, err)
		}
		if d := creditcode.Division(e.Code); d != e.Division[:6] {
			t.Errorf("enterprise %s is registered in %s but located in %s", e.Code, d, e.Division)
		}
		if body := e.Code[8:17]; orgCheck([]byte(body[:8])) != body[8:] {
			t.Errorf("enterprise %s: organisation code %s has a wrong check character", e.Code, body)
		}
	}
	for _, p := range ds.Records(registry.KMonitoringPoint) {
		if !strings.HasPrefix(p.Code, p.Owner.Code+"-") {
			t.Errorf("monitoring point %s does not extend its owner's code %s", p.Code, p.Owner.Code)
		}
	}
	for _, g := range ds.Records(registry.KGeohazardPoint) {
		if !strings.HasPrefix(g.Code, "DZ-"+g.Division[:6]+"-") || len(g.Code) != len("DZ-530581-0001") {
			t.Errorf("geohazard code %s does not follow DZ-<county>-NNNN", g.Code)
		}
	}
}

// TestRecordsAreValid runs every record through its kind's own validation
// and the stored-attribute decoder, the two checks the store path applies
// to data, and checks that owners come from earlier stages.
func TestRecordsAreValid(t *testing.T) {
	_, ds := testData(t)
	earlier := map[Ref]bool{}
	for _, st := range ds.Stages {
		k := st.Kind
		for _, r := range st.Records {
			o := registry.Object{Kind: k.Name, Code: r.Code, Name: r.Name, Category: r.Category, Status: r.Status,
				Division: r.Division, Geometry: r.Geometry, Attrs: maps.Clone(r.Attrs)}
			if r.Owner != (Ref{}) {
				o.OwnerID = 1
				if !earlier[r.Owner] {
					t.Errorf("%s %s: owner %v is not in an earlier stage", k.Name, r.Code, r.Owner)
				}
				if !slices.Contains(k.Owners, r.Owner.Kind) {
					t.Errorf("%s %s: a %s may not own it", k.Name, r.Code, r.Owner.Kind)
				}
			}
			if probs := k.Validate(&o, 0); len(probs) > 0 {
				t.Errorf("%s %s: %v", k.Name, r.Code, probs)
			}
			data, err := json.Marshal(r.Attrs)
			if err != nil {
				t.Fatalf("%s %s: %v", k.Name, r.Code, err)
			}
			if _, err := registry.DecodeAttrs(k, data); err != nil {
				t.Errorf("%s %s: stored attributes would not read back: %v", k.Name, r.Code, err)
			}
		}
		for _, r := range st.Records {
			earlier[Ref{k.Name, r.Code}] = true
		}
	}
}

func TestContactsAndPhones(t *testing.T) {
	_, ds := testData(t)
	for _, st := range ds.Stages {
		for _, r := range st.Records {
			if cs, ok := r.Attrs["contacts"].([]registry.Contact); ok {
				if len(cs) == 0 {
					t.Errorf("%s %s: empty contact list", st.Kind.Name, r.Code)
				}
				for _, c := range cs {
					if !registry.ValidPhone(c.Phone) || c.Name == "" {
						t.Errorf("%s %s: bad contact %+v", st.Kind.Name, r.Code, c)
					}
					if strings.HasPrefix(c.Phone, "1") && (len(c.Phone) != 11 || c.Phone[1] < '3') {
						t.Errorf("%s %s: %s is not a mobile number", st.Kind.Name, r.Code, c.Phone)
					}
				}
			}
			for _, f := range []string{"monitor_phone", "phone"} {
				if p, ok := r.Attrs[f].(string); ok && !registry.ValidPhone(p) {
					t.Errorf("%s %s: %s %q is not a phone number", st.Kind.Name, r.Code, f, p)
				}
			}
		}
	}
	for _, k := range []string{registry.KGeohazardPoint, registry.KExpert} {
		for _, r := range ds.Records(k) {
			if r.Attrs["monitor_phone"] == nil && r.Attrs["phone"] == nil {
				t.Errorf("%s %s has no phone", k, r.Code)
			}
		}
	}
}

func TestApportion(t *testing.T) {
	cases := []struct {
		total   int
		weights []float64
		want    []int
	}{
		{1596, []float64{5011, 2009, 2884, 3888, 5845}, []int{407, 163, 235, 316, 475}},
		{490, []float64{93.6, 29.2, 26.8, 25.8, 67.7}, []int{189, 59, 54, 52, 136}},
		{3, []float64{1, 1, 1, 1}, []int{1, 1, 1, 0}},
		{5, []float64{0, 1}, []int{0, 5}},
	}
	for _, c := range cases {
		if got := apportion(c.total, c.weights); !slices.Equal(got, c.want) {
			t.Errorf("apportion(%d, %v) = %v, want %v", c.total, c.weights, got, c.want)
		}
	}
}

func TestShortVillage(t *testing.T) {
	cases := map[string]string{
		"大塘村民委员会":     "大塘村",
		"官田村村民委员会":    "官田村",
		"岗峨社区村民委员会":   "岗峨社区",
		"兰花社区居民委员会":   "兰花社区",
		"九龙居民委员会":     "九龙社区",
		"云南腾冲经济开发区社区": "云南腾冲经济开发区社区",
	}
	for in, want := range cases {
		if got := shortVillage(in); got != want {
			t.Errorf("shortVillage(%q) = %q, want %q", in, got, want)
		}
	}
}
