package rules

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/yingji/yingji/internal/core"
)

func TestRuleValidate(t *testing.T) {
	high := func(th Thresholds) Rule { return Rule{Type: Threshold, Direction: High, Thresholds: th} }
	low := func(th Thresholds) Rule { return Rule{Type: Threshold, Direction: Low, Thresholds: th} }
	tests := []struct {
		name string
		rule Rule
		want string // the error text; "" for a valid rule
	}{
		{"high, all levels", high(Thresholds{Blue: 1, Yellow: 2, Orange: 3, Red: 4}), ""},
		{"low, some levels", low(Thresholds{Yellow: 2.6, Red: 2}), ""},
		{"rate", Rule{Type: Rate, Direction: High, Thresholds: Thresholds{Red: 5}, Window: Duration(time.Hour)}, ""},
		{"stale", Rule{Type: Stale, Intervals: 3, Level: Blue}, ""},
		{"no type", Rule{}, "type: must be threshold, rate or stale"},
		{"no direction", Rule{Type: Threshold, Thresholds: Thresholds{Red: 1}}, "direction: must be high or low"},
		{"no thresholds", high(nil), "thresholds: at least one of blue, yellow, orange, red is required"},
		{"high not ascending", high(Thresholds{Yellow: 3, Orange: 3}),
			"thresholds.orange: must be above yellow (3) for a high rule"},
		{"high skips a level", high(Thresholds{Blue: 5, Red: 4.5}),
			"thresholds.red: must be above blue (5) for a high rule"},
		{"low not descending", low(Thresholds{Yellow: 2.6, Orange: 2.7}),
			"thresholds.orange: must be below yellow (2.6) for a low rule"},
		{"NaN threshold", high(Thresholds{Red: math.NaN()}), "thresholds.red: must be a finite number"},
		{"level None as a key", high(Thresholds{None: 1, Red: 2}),
			"thresholds: level 0 is not blue, yellow, orange or red"},
		{"negative deadband", Rule{Type: Threshold, Direction: High, Thresholds: Thresholds{Red: 1}, Deadband: -1},
			"deadband: must be zero or a positive number"},
		{"negative for", Rule{Type: Threshold, Direction: High, Thresholds: Thresholds{Red: 1}, For: -1},
			"for: must not be negative"},
		{"threshold with a window", Rule{Type: Threshold, Direction: High, Thresholds: Thresholds{Red: 1}, Window: Duration(time.Hour)},
			"window: only rate rules have a window"},
		{"rate without a window", Rule{Type: Rate, Direction: High, Thresholds: Thresholds{Red: 1}},
			"window: a rate rule needs a window of at least 1ms"},
		{"rising rate below zero", Rule{Type: Rate, Direction: High, Thresholds: Thresholds{Red: -1}, Window: Duration(time.Hour)},
			"thresholds.red: must be above 0 for a rising rate rule (a change over the window)"},
		{"falling rate above zero", Rule{Type: Rate, Direction: Low, Thresholds: Thresholds{Red: 1}, Window: Duration(time.Hour)},
			"thresholds.red: must be below 0 for a falling rate rule (a change over the window)"},
		{"threshold with intervals", Rule{Type: Threshold, Direction: High, Thresholds: Thresholds{Red: 1}, Intervals: 2},
			"intervals: only stale rules have intervals"},
		{"stale below one interval", Rule{Type: Stale, Intervals: 0.5, Level: Blue},
			"intervals: must be a number of expected intervals, at least 1"},
		{"stale without level", Rule{Type: Stale, Intervals: 3}, "level: must be blue, yellow, orange or red"},
		{"stale with thresholds", Rule{Type: Stale, Intervals: 3, Level: Red, Thresholds: Thresholds{Red: 1}},
			"thresholds: does not apply to a stale rule"},
		{"long name", Rule{Name: strings.Repeat("x", 65), Type: Stale, Intervals: 3, Level: Blue},
			"name: must be at most 64 characters"},
		{"two problems", Rule{Type: Stale, Intervals: 0, Level: None},
			"intervals: must be a number of expected intervals, at least 1; level: must be blue, yellow, orange or red"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.rule.Validate()
			got := ""
			if err != nil {
				got = err.Error()
				if code := core.ErrorCode(err); code != core.EINVALID {
					t.Errorf("code = %q, want %q", code, core.EINVALID)
				}
			}
			if got != tt.want {
				t.Errorf("Validate() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestPointConfigValidate(t *testing.T) {
	stale := Rule{Type: Stale, Intervals: 3, Level: Blue}
	red := Rule{Type: Threshold, Direction: High, Thresholds: Thresholds{Red: 1}}
	tests := []struct {
		name string
		cfg  PointConfig
		want string
	}{
		{"valid", PointConfig{Rules: []Rule{red, stale}, Interval: time.Minute}, ""},
		{"no rules", PointConfig{}, ""},
		{"stale without interval", PointConfig{Rules: []Rule{stale}}, "interval: must be a positive duration when the point has a stale rule"},
		{"duplicate keys", PointConfig{Rules: []Rule{red, red}}, `rules[1].name: "threshold" is already the name of rules[0]`},
		{"named apart", PointConfig{Rules: []Rule{red, {Name: "second", Type: Threshold, Direction: High, Thresholds: Thresholds{Red: 2}}}}, ""},
		{"bad rule is prefixed", PointConfig{Rules: []Rule{red, {Type: Stale, Intervals: 3}}, Interval: time.Minute},
			"rules[1].level: must be blue, yellow, orange or red"},
		{"too many rules", PointConfig{Rules: make([]Rule, MaxRules+1)}, "rules: at most 16 rules per point"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ""
			if err := tt.cfg.Validate(); err != nil {
				got = err.Error()
			}
			if !strings.HasPrefix(got, tt.want) || (tt.want == "") != (got == "") {
				t.Errorf("Validate() = %q, want it to start with %q", got, tt.want)
			}
		})
	}
}

func TestRuleJSON(t *testing.T) {
	in := `{"name":"depth","type":"threshold","direction":"low",` +
		`"thresholds":{"blue":3,"orange":2.2,"red":2,"yellow":2.6},"deadband":0.05,"for":"30s"}`
	var r Rule
	if err := json.Unmarshal([]byte(in), &r); err != nil {
		t.Fatal(err)
	}
	want := Rule{Name: "depth", Type: Threshold, Direction: Low, Deadband: 0.05, For: Duration(30 * time.Second),
		Thresholds: Thresholds{Blue: 3, Yellow: 2.6, Orange: 2.2, Red: 2}}
	if diff := cmp.Diff(want, r); diff != "" {
		t.Errorf("decoded (-want +got):\n%s", diff)
	}
	out, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	if got := string(out); got != in {
		t.Errorf("encoded %s, want %s", got, in)
	}
	stale, err := json.Marshal(Rule{Type: Stale, Intervals: 3, Level: Yellow})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(stale), `{"type":"stale","intervals":3,"level":"yellow"}`; got != want {
		t.Errorf("stale rule encoded %s, want %s", got, want)
	}
	for _, bad := range []string{`{"type":"group"}`, `{"type":"threshold","thresholds":{"purple":1}}`, `{"for":"soon"}`} {
		if err := json.Unmarshal([]byte(bad), &r); err == nil {
			t.Errorf("decoding %s: no error", bad)
		}
	}
}

func TestParseLevel(t *testing.T) {
	for l := None; l <= Red; l++ {
		got, err := ParseLevel(l.String())
		if err != nil || got != l {
			t.Errorf("ParseLevel(%q) = %v, %v; want %v", l.String(), got, err, l)
		}
	}
	if got, err := ParseLevel("none"); got != None || err != nil {
		t.Errorf(`ParseLevel("none") = %v, %v`, got, err)
	}
	if _, err := ParseLevel("purple"); err == nil {
		t.Error(`ParseLevel("purple"): no error`)
	}
	if got, want := Level(9).String(), "Level(9)"; got != want {
		t.Errorf("Level(9).String() = %q, want %q", got, want)
	}
}
