package rules

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/yingji/yingji/internal/core"
)

func TestDefaults(t *testing.T) {
	pond := func(grade int) FacilityAttrs {
		return FacilityAttrs{Type: "tailings_pond", DamGrade: grade, PondType: "wet"}
	}
	tank := FacilityAttrs{Type: "tank_farm"}
	tests := []struct {
		name    string
		point   PointAttrs
		fac     FacilityAttrs
		want    Thresholds // of the first rule; nil when there is none
		wantErr string     // a substring of the error; "" for none
	}{
		{"freeboard grade 1", PointAttrs{Kind: "freeboard", Unit: "m"}, pond(1),
			Thresholds{Red: 1.5, Orange: 1.8, Yellow: 2.25, Blue: 3}, ""},
		{"freeboard grade 3", PointAttrs{Kind: "freeboard", Unit: "m"}, pond(3),
			Thresholds{Red: 0.7, Orange: 0.84, Yellow: 1.05, Blue: 1.4}, ""},
		{"freeboard grade 5", PointAttrs{Kind: "freeboard", Unit: "m"}, pond(5),
			Thresholds{Red: 0.4, Orange: 0.48, Yellow: 0.6, Blue: 0.8}, ""},
		{"beach grade 2", PointAttrs{Kind: "beach_length", Unit: "m"}, pond(2),
			Thresholds{Red: 100, Orange: 120, Yellow: 150, Blue: 200}, ""},
		{"beach grade 4 with a longer design", PointAttrs{Kind: "beach_length", Unit: "m"},
			FacilityAttrs{Type: "tailings_pond", DamGrade: 4, PondType: "wet", DesignBeachLength: 120},
			Thresholds{Red: 50, Orange: 60, Yellow: 75, Blue: 120}, ""},
		{"freeboard without grade", PointAttrs{Kind: "freeboard", Unit: "m"}, pond(0), nil, "dam_grade: 0"},
		{"freeboard in cm", PointAttrs{Kind: "freeboard", Unit: "cm"}, pond(3), nil, `unit: "cm"`},
		{"freeboard of a dry pond", PointAttrs{Kind: "freeboard", Unit: "m"},
			FacilityAttrs{Type: "tailings_pond", DamGrade: 3, PondType: "dry"}, nil, "kind: a dry pond"},
		{"phreatic line", PointAttrs{Kind: "phreatic_line", Unit: "m", ControlDepth: 8}, pond(2),
			Thresholds{Red: 8, Orange: 8.8, Yellow: 9.6, Blue: 10.4}, ""},
		{"phreatic line without control depth", PointAttrs{Kind: "phreatic_line", Unit: "m"}, pond(2), nil, "control_depth_m"},
		{"displacement in mm", PointAttrs{Kind: "surface_displacement", Unit: "mm", DesignRed: 100}, pond(3),
			Thresholds{Red: 100, Orange: 80, Yellow: 60, Blue: 40}, ""},
		{"displacement without design", PointAttrs{Kind: "displacement", Unit: "mm"}, FacilityAttrs{}, nil, "design_red"},
		{"rainfall", PointAttrs{Kind: "rainfall", Unit: "mm"}, pond(3),
			Thresholds{Blue: 25, Yellow: 50, Orange: 100, Red: 250}, ""},
		{"combustible gas", PointAttrs{Kind: "combustible_gas", Unit: "%LEL"}, tank,
			Thresholds{Blue: 10, Yellow: 25, Orange: 40, Red: 50}, ""},
		{"ammonia in ppm", PointAttrs{Kind: "toxic_gas", Unit: "ppm", Substance: "氨"}, tank,
			Thresholds{Blue: 21.5355, Yellow: 43.0711, Orange: 64.6066, Red: 86.1421}, ""},
		{"hydrogen sulfide in mg/m3", PointAttrs{Kind: "toxic_gas", Unit: "mg/m3", Substance: "H2S"}, tank,
			Thresholds{Blue: 5, Yellow: 10, Orange: 15, Red: 20}, ""},
		{"chlorine by English name", PointAttrs{Kind: "toxic_gas", Unit: "ppm", Substance: " Chlorine "}, tank,
			Thresholds{Blue: 0.172426, Yellow: 0.344852, Orange: 0.517278, Red: 0.689704}, ""},
		{"unknown substance", PointAttrs{Kind: "toxic_gas", Unit: "ppm", Substance: "unobtainium"}, tank, nil, `substance: "unobtainium"`},
		{"pressure", PointAttrs{Kind: "pressure", Unit: "MPa", RangeMax: 1.6}, tank,
			Thresholds{Blue: 1.28, Yellow: 1.36, Orange: 1.44, Red: 1.52}, ""},
		{"level in percent", PointAttrs{Kind: "liquid_level", Unit: "%"}, tank,
			Thresholds{Blue: 80, Yellow: 85, Orange: 90, Red: 95}, ""},
		{"temperature without design", PointAttrs{Kind: "temperature", Unit: "°C"}, tank, nil, "range_max"},
		{"kind without a standard value", PointAttrs{Kind: "water_level", Unit: "m"}, pond(3), nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.point.IntervalS = 60
			rules, err := Defaults(tt.point, tt.fac, DefaultParams())
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("error %v", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("error %v, want one containing %q", err, tt.wantErr)
			case err != nil && core.ErrorCode(err) != core.EINVALID:
				t.Errorf("error code %q, want %q", core.ErrorCode(err), core.EINVALID)
			}
			var got Thresholds
			if len(rules) > 1 {
				got = rules[0].Thresholds
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("thresholds (-want +got):\n%s", diff)
			}
			last := rules[len(rules)-1]
			if want := (Rule{Name: "stale", Type: Stale, Intervals: 3, Level: Blue}); !cmp.Equal(last, want) {
				t.Errorf("last rule %+v, want the stale rule %+v", last, want)
			}
			if err := (PointConfig{Rules: rules, Interval: time.Minute}).Validate(); err != nil {
				t.Errorf("defaults do not validate: %v", err)
			}
		})
	}
}

func TestDefaultsOverrides(t *testing.T) {
	// Overrides come as a stored JSON document decoded over the defaults;
	// what it does not name keeps its default.
	p := DefaultParams()
	doc := `{"phreatic_line":{"orange":1.15},"stale_intervals":5,"stale_level":"yellow","for":"1m","deadband":0}`
	if err := json.Unmarshal([]byte(doc), &p); err != nil {
		t.Fatal(err)
	}
	rules, err := Defaults(PointAttrs{Kind: "phreatic_line", Unit: "m", ControlDepth: 10, IntervalS: 60}, FacilityAttrs{}, p)
	if err != nil {
		t.Fatal(err)
	}
	want := []Rule{
		{Name: "threshold", Type: Threshold, Direction: Low, Thresholds: Thresholds{Red: 10, Orange: 11.5, Yellow: 12, Blue: 13},
			For: Duration(time.Minute)},
		{Name: "stale", Type: Stale, Intervals: 5, Level: Yellow},
	}
	if diff := cmp.Diff(want, rules); diff != "" {
		t.Errorf("rules (-want +got):\n%s", diff)
	}

	// Overrides that make a rule invalid are reported, not applied.
	p = DefaultParams()
	p.CombustibleGas = Thresholds{Yellow: 50, Red: 25}
	rules, err = Defaults(PointAttrs{Kind: "combustible_gas", Unit: "%LEL", IntervalS: 10}, FacilityAttrs{}, p)
	if err == nil || !strings.Contains(err.Error(), "params: threshold rule of a combustible_gas point: thresholds.red: must be above yellow (50)") {
		t.Errorf("error %v, want the invalid override named", err)
	}
	if len(rules) != 1 || rules[0].Type != Stale {
		t.Errorf("rules %+v, want only the stale rule", rules)
	}
}

func TestDefaultConfig(t *testing.T) {
	pond := FacilityAttrs{Type: "tailings_pond", DamGrade: 3, PondType: "wet"}
	cfg, err := DefaultConfig(PointAttrs{Kind: "freeboard", Unit: "m", IntervalS: 300}, pond, 42, DefaultParams())
	if err != nil {
		t.Fatal(err)
	}
	if got, want := cfg.Group, (Membership{Facility: 42, Item: "freeboard"}); got != want {
		t.Errorf("group %+v, want %+v", got, want)
	}
	if got, want := cfg.Interval, 5*time.Minute; got != want {
		t.Errorf("interval %v, want %v", got, want)
	}
	cfg, err = DefaultConfig(PointAttrs{Kind: "pressure", Unit: "MPa", RangeMax: 2, IntervalS: 10}, FacilityAttrs{Type: "tank_farm"}, 43, DefaultParams())
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Group != (Membership{}) {
		t.Errorf("a tank farm's point joined group %+v; only tailings ponds combine", cfg.Group)
	}
	_, err = DefaultConfig(PointAttrs{Kind: "pressure", Unit: "MPa", RangeMax: 2}, FacilityAttrs{}, 0, DefaultParams())
	if err == nil || !strings.Contains(err.Error(), "interval_s") {
		t.Errorf("error %v, want the missing interval named", err)
	}
}

func TestExposurePPM(t *testing.T) {
	// 1 ppm of a gas of molar mass 24.45 g/mol weighs 1 mg/m³ at 25 °C.
	if got := (Exposure{MgM3: 3, MolarMass: 24.45}).PPM(); got != 3 {
		t.Errorf("PPM() = %v, want 3", got)
	}
	for _, tt := range []struct{ in, want string }{
		{"NH3", "nh3"}, {"ammonia", "nh3"}, {"氨气", "nh3"}, {"Hydrogen  Sulfide", "h2s"}, {"COCl2", "cocl2"},
	} {
		if got := substanceKey(tt.in); got != tt.want {
			t.Errorf("substanceKey(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
