package gb18218

import (
	"math"
	"strings"
	"testing"

	"github.com/yingji/yingji/internal/core"
)

func table(t *testing.T) *Table {
	t.Helper()
	tb, err := Embedded()
	if err != nil {
		t.Fatal(err)
	}
	return tb
}

// TestAlphaBands checks α at both ends of every band of GB 18218-2018
// Table 5 (≥100 → 2.0; 50–99 → 1.5; 30–49 → 1.2; 1–29 → 1.0; 0 → 0.5).
func TestAlphaBands(t *testing.T) {
	for _, tt := range []struct {
		people int
		want   float64
	}{{0, 0.5}, {1, 1.0}, {29, 1.0}, {30, 1.2}, {49, 1.2}, {50, 1.5}, {99, 1.5}, {100, 2.0}, {5000, 2.0}} {
		if got := Alpha(tt.people); got != tt.want {
			t.Errorf("Alpha(%d) = %v, want %v", tt.people, got, tt.want)
		}
	}
}

// TestWorkedExamples grades inventories built by hand so that R lands just
// below and exactly on each grade bound. Chlorine (β = 4, verified) and
// ammonia (β = 2, verified) are used with their Table 1 quantities (Q = 5 t
// and 10 t); α = 1.0 with 10 people exposed.
func TestWorkedExamples(t *testing.T) {
	tb := table(t)
	chlorine := func(q float64) Item { return Item{Name: "氯", CAS: "7782-50-5", QuantityT: q} }
	ammonia := func(q float64) Item { return Item{Name: "氨", QuantityT: q} }
	for _, tt := range []struct {
		name   string
		people int
		items  []Item
		s, r   float64
		major  bool
		grade  int
	}{
		// S below and at 1: 4.99 t of ammonia is S 0.499; with 4.99 t of
		// chlorine S = 0.998 + … see each case.
		{"S just below 1", 10, []Item{ammonia(9.99)}, 0.999, 1.998, false, 0},
		{"S at 1", 10, []Item{ammonia(10)}, 1, 2, true, 4},
		// R = 1.0 × 4 × q/5: q = 12.4875 → 9.99; q = 12.5 → 10.
		{"R just below 10", 10, []Item{chlorine(12.4875)}, 2.4975, 9.99, true, 4},
		{"R at 10", 10, []Item{chlorine(12.5)}, 2.5, 10, true, 3},
		// 62.5 t of chlorine: 4 × 12.5 = 50.
		{"R just below 50", 10, []Item{chlorine(62.4375)}, 12.4875, 49.95, true, 3},
		{"R at 50", 10, []Item{chlorine(62.5)}, 12.5, 50, true, 2},
		{"R just below 100", 10, []Item{chlorine(124.9375)}, 24.9875, 99.95, true, 2},
		{"R at 100", 10, []Item{chlorine(125)}, 25, 100, true, 1},
		// α applies: 60 people (1.5) × (2 × 20/10) = 6 — the example.
		{"issue example", 60, []Item{{Name: "氨", CAS: "7664-41-7", QuantityT: 20}}, 2, 6, true, 4},
		// a mixture: 5 t ammonia (β 2, q/Q 0.5) + 2.5 t chlorine (β 4, q/Q
		// 0.5) + 25 t methanol (Q 500, β by W5.3 = 1, q/Q 0.05):
		// S = 1.05, R = 2.0 × (1 + 2 + 0.05) = 6.1 with 100 people.
		{"mixture", 100, []Item{ammonia(5), chlorine(2.5), {Name: "甲醇", QuantityT: 25}}, 1.05, 6.1, true, 4},
		// an unnamed flammable gas by category W2 (Q 10, β 1.5): 40 t, nobody
		// around (α 0.5): S 4, R 0.5 × 1.5 × 4 = 3.
		{"by category", 0, []Item{{Name: "某混合燃气", Category: "W2", QuantityT: 40}}, 4, 3, true, 4},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tb.Assess(Input{ExposedPeople: tt.people, Substances: tt.items})
			if err != nil {
				t.Fatal(err)
			}
			if math.Abs(got.S-tt.s) > 1e-9 || math.Abs(got.R-tt.r) > 1e-9 || got.Major != tt.major || got.Grade != tt.grade {
				t.Errorf("S %v R %v major %v grade %d, want S %v R %v major %v grade %d", got.S, got.R, got.Major, got.Grade, tt.s, tt.r, tt.major, tt.grade)
			}
		})
	}
}

func TestNamedGasBetas(t *testing.T) {
	// domain.md [verified]: CO, SO₂, NH₃, ethylene oxide 2; HCl, methyl
	// bromide 3; Cl₂ 4; H₂S, HF 5; NO₂, HCN 10; phosgene, PH₃, methyl
	// isocyanate 20.
	tb := table(t)
	want := map[string]float64{"630-08-0": 2, "7446-09-5": 2, "7664-41-7": 2, "75-21-8": 2, "7647-01-0": 3, "74-83-9": 3, "7782-50-5": 4,
		"7783-06-4": 5, "7664-39-3": 5, "10102-44-0": 10, "74-90-8": 10, "75-44-5": 20, "7803-51-2": 20, "624-83-9": 20}
	for cas, beta := range want {
		s, ok := tb.Find("", cas)
		if !ok || s.Beta != beta || !s.BetaVerified {
			t.Errorf("CAS %s: %+v, want β %v verified", cas, s, beta)
		}
	}
}

func TestFindByNameOrAlias(t *testing.T) {
	tb := table(t)
	for _, n := range []string{"氯", "液氯", "Chlorine", " 氯气 "} {
		if s, ok := tb.Find(n, ""); !ok || s.CAS != "7782-50-5" {
			t.Errorf("Find(%q) = %+v, %v", n, s, ok)
		}
	}
	// the CAS number wins over a wrong name.
	if s, ok := tb.Find("氨", "7782-50-5"); !ok || s.Name != "氯" {
		t.Errorf("CAS did not win: %+v", s)
	}
}

func TestUnknownSubstanceNamesTheRow(t *testing.T) {
	tb := table(t)
	_, err := tb.Assess(Input{ExposedPeople: 3, Substances: []Item{{Name: "氨", QuantityT: 1}, {Name: "不存在的物质", QuantityT: 2}, {Name: "x", Category: "Z9", QuantityT: 1}, {Name: "氯", QuantityT: -1}}})
	if core.ErrorCode(err) != core.EINVALID {
		t.Fatalf("err = %v", err)
	}
	fields := core.ErrorFields(err)
	if len(fields) != 3 || fields[0].Row != 2 || fields[0].Field != "name" || !strings.Contains(fields[0].Message, "不存在的物质") ||
		fields[1].Row != 3 || fields[1].Field != "category" || fields[2].Row != 4 || fields[2].Field != "quantity_t" {
		t.Errorf("problems = %+v", fields)
	}
	if _, err := tb.Assess(Input{ExposedPeople: -1, Substances: nil}); len(core.ErrorFields(err)) != 2 {
		t.Errorf("empty input: %v", err)
	}
}

func TestUnverifiedFlag(t *testing.T) {
	tb := table(t)
	r, err := tb.Assess(Input{Substances: []Item{{Name: "氯", QuantityT: 1}}})
	if err != nil {
		t.Fatal(err)
	}
	// chlorine's β is verified, its Q (Table 1) is not.
	c := r.Substances[0]
	if !c.BetaVerified || c.QVerified || !r.Unverified {
		t.Errorf("flags: %+v unverified %v", c, r.Unverified)
	}
}

func TestOverrideFromDir(t *testing.T) {
	dir := t.TempDir()
	// an administrator corrects chlorine's critical quantity and marks it checked.
	if err := writeFile(dir+"/substances.csv", "name,aliases,cas,category,critical_t,q_verified,beta,beta_verified\n氯,,7782-50-5,J1,8,true,4,true\n"); err != nil {
		t.Fatal(err)
	}
	tb, err := LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if tb.Source["substances.csv"] == "embedded" || tb.Source["categories.csv"] != "embedded" {
		t.Errorf("sources %v", tb.Source)
	}
	r, err := tb.Assess(Input{Substances: []Item{{Name: "氯", QuantityT: 8}}})
	if err != nil || r.S != 1 || r.Unverified {
		t.Errorf("with the override: %+v, %v", r, err)
	}
	if _, err := tb.Assess(Input{Substances: []Item{{Name: "氨", QuantityT: 8}}}); err == nil {
		t.Error("a substance left out of the override was still found")
	}
	if err := writeFile(dir+"/categories.csv", "category,description,critical_t,beta,verified\nW2,x,ten,1.5,true\n"); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadDir(dir); err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("bad override: %v", err)
	}
}

func TestValidCAS(t *testing.T) {
	for s, want := range map[string]bool{"7664-41-7": true, "7782-50-5": true, "7664-41-8": false, "x-41-7": false, "7664417": false} {
		if validCAS(s) != want {
			t.Errorf("validCAS(%q) != %v", s, want)
		}
	}
}
