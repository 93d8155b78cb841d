package incident

import "testing"

// TestDecree493Boundaries checks every bound of art. 3: "以上" includes the
// bound, "以下" excludes it.
func TestDecree493Boundaries(t *testing.T) {
	tests := []struct {
		name string
		f    Figures
		want Level
	}{
		{"nothing", Figures{}, Ordinary},
		{"2 deaths", Figures{Deaths: 2}, Ordinary},
		{"3 deaths", Figures{Deaths: 3}, Large},
		{"9 deaths", Figures{Deaths: 9}, Large},
		{"10 deaths", Figures{Deaths: 10}, Major},
		{"29 deaths", Figures{Deaths: 29}, Major},
		{"30 deaths", Figures{Deaths: 30}, Particularly},
		{"9 injuries", Figures{SeriousInjuries: 9}, Ordinary},
		{"10 injuries", Figures{SeriousInjuries: 10}, Large},
		{"49 injuries", Figures{SeriousInjuries: 49}, Large},
		{"50 injuries", Figures{SeriousInjuries: 50}, Major},
		{"99 injuries", Figures{SeriousInjuries: 99}, Major},
		{"100 injuries", Figures{SeriousInjuries: 100}, Particularly},
		{"loss just under 10 million", Figures{LossCNY: 9_999_999.99}, Ordinary},
		{"loss 10 million", Figures{LossCNY: 10_000_000}, Large},
		{"loss just under 50 million", Figures{LossCNY: 49_999_999}, Large},
		{"loss 50 million", Figures{LossCNY: 50_000_000}, Major},
		{"loss just under 100 million", Figures{LossCNY: 99_999_999}, Major},
		{"loss 100 million", Figures{LossCNY: 100_000_000}, Particularly},
		// the highest grade met by any one criterion applies.
		{"2 deaths but 50 injuries", Figures{Deaths: 2, SeriousInjuries: 50}, Major},
		{"3 deaths and 100 million", Figures{Deaths: 3, LossCNY: 100_000_000}, Particularly},
		// missing people are not deaths under art. 3.
		{"2 deaths 5 missing", Figures{Deaths: 2, Missing: 5}, Ordinary},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := Decree493.Grade(tt.f)
			if g.Level != tt.want {
				t.Fatalf("level = %d (%s), want %d (%s)", g.Level, g.Grade, tt.want, tt.want.Name())
			}
			if g.Grade != tt.want.Name() {
				t.Errorf("grade = %q", g.Grade)
			}
		})
	}
}

func TestGradeNamesTheCriterion(t *testing.T) {
	g := Decree493.Grade(Figures{Deaths: 3, SeriousInjuries: 12})
	if g.Criterion != MDeaths || g.Value != 3 || g.Bound != 3 {
		t.Errorf("criterion %s %g ≥ %g, want deaths 3 ≥ 3", g.Criterion, g.Value, g.Bound)
	}
	g = Decree493.Grade(Figures{Deaths: 1, LossCNY: 60_000_000})
	if g.Level != Major || g.Criterion != MLoss || g.Bound != 50_000_000 {
		t.Errorf("got %+v", g)
	}
}

func TestGradeNames(t *testing.T) {
	want := map[Level][2]string{Particularly: {"特别重大", "Ⅰ"}, Major: {"重大", "Ⅱ"}, Large: {"较大", "Ⅲ"}, Ordinary: {"一般", "Ⅳ"}}
	for l, w := range want {
		if l.Name() != w[0] || l.Roman() != w[1] {
			t.Errorf("%d: %s %s", l, l.Name(), l.Roman())
		}
	}
	if Ungraded.Name() != "" || Level(5).Valid() {
		t.Error("out-of-range level has a name")
	}
}

func TestForestFireByArea(t *testing.T) {
	c, err := NewCatalog(SeedTypes())
	if err != nil {
		t.Fatal(err)
	}
	cr := c.Criteria("natural.forest_fire")
	for _, tt := range []struct {
		ha   float64
		want Level
	}{{0.5, Ordinary}, {1, Large}, {99.9, Large}, {100, Major}, {1000, Particularly}} {
		if g := cr.Grade(Figures{Extra: map[string]float64{"forest_area_ha": tt.ha}}); g.Level != tt.want {
			t.Errorf("%g ha: %s, want %s", tt.ha, g.Grade, tt.want.Name())
		}
	}
	// landslides inherit the geohazard criteria: 1 million CNY is 中型 (较大).
	if g := c.Criteria("natural.geohazard.landslide").Grade(Figures{LossCNY: 1_000_000}); g.Level != Large {
		t.Errorf("landslide 1 million: %s", g.Grade)
	}
	// accidents without their own criteria use Decree 493.
	if c.Criteria("accident.hazchem.leak").Basis != Decree493.Basis {
		t.Error("hazchem leak does not use Decree 493")
	}
	if c.Criteria("social.mass").Verified {
		t.Error("generic criteria claim to be verified")
	}
}

func TestCriteriaValidate(t *testing.T) {
	bad := Criteria{Bands: [3]Band{{MDeaths: 10}, {MDeaths: 30}, {MDeaths: 3}}}
	if bad.Validate() == nil {
		t.Error("crossed bands accepted")
	}
	if Decree493.Validate() != nil {
		t.Error("Decree 493 rejected")
	}
}

func TestCatalogRejectsOrphans(t *testing.T) {
	if _, err := NewCatalog([]EventType{{Code: "accident.x.y", Name: "y"}}); err == nil {
		t.Error("a type without its parent was accepted")
	}
	if _, err := NewCatalog([]EventType{{Code: "weather", Name: "w"}}); err == nil {
		t.Error("a type outside the four categories was accepted")
	}
}
