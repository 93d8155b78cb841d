package rules

import (
	"fmt"
	"math"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/yingji/yingji/internal/core"
)

// MaxRules bounds the rules of one point; a transition names its rule with
// one byte.
const MaxRules = 16

// Rule is one rule of a monitoring point, as stored in the registry and
// edited through the API. Which fields apply depends on Type; Validate
// refuses fields that do not, so that a mistyped rule is not silently a
// different one.
type Rule struct {
	// Name identifies the rule within its point; when empty, the type's
	// name does. Alarms key on it, so it should stay put when the rule is
	// edited.
	Name string `json:"name,omitempty"`
	Type Kind   `json:"type"`
	// Direction, Thresholds, Deadband and For apply to threshold and rate
	// rules. A rate rule compares the change of the value over Window with
	// its thresholds: positive thresholds for a high (rising) rule,
	// negative ones for a low (falling) rule.
	Direction  Direction  `json:"direction,omitempty"`
	Thresholds Thresholds `json:"thresholds,omitempty"`
	Deadband   float64    `json:"deadband,omitempty"`
	For        Duration   `json:"for,omitzero"`
	Window     Duration   `json:"window,omitzero"`
	// Intervals and Level apply to stale rules: the point is offline, at
	// Level, once Intervals × its expected interval pass without a reading.
	Intervals float64 `json:"intervals,omitempty"`
	Level     Level   `json:"level,omitempty"`
}

// Thresholds holds a rule's threshold per level; a level without an entry
// is not used by the rule.
type Thresholds map[Level]float64

// Duration is a time.Duration written as text ("30s", "1h") in JSON,
// because people edit rules.
type Duration time.Duration

// MarshalText writes the duration in time.Duration's notation.
func (d Duration) MarshalText() ([]byte, error) { return []byte(time.Duration(d).String()), nil }

// UnmarshalText parses time.ParseDuration's notation.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return err
	}
	*d = Duration(v)
	return nil
}

// Key is the rule's name within its point: Name, or the type's name.
func (r Rule) Key() string {
	if r.Name != "" {
		return r.Name
	}
	return r.Type.String()
}

// Validate reports every problem with the rule, each naming its field
// (thresholds.orange, window, …) in a core EINVALID error.
func (r Rule) Validate() error {
	var p core.Problems
	r.validate(&p, "")
	return invalid(p)
}

// invalid turns problems into an EINVALID error whose text is the list of
// "field: message" parts. core.Problems.Err("") would repeat a single
// problem twice in the text, once as the message and once as the field.
func invalid(p core.Problems) error {
	if len(p) == 0 {
		return nil
	}
	return &core.Error{Code: core.EINVALID, Fields: p}
}

func (r Rule) validate(p *core.Problems, prefix string) {
	add := func(field, format string, args ...any) { p.Add(0, prefix+field, format, args...) }
	if utf8.RuneCountInString(r.Name) > 64 {
		add("name", "must be at most 64 characters")
	}
	switch r.Type {
	case Threshold, Rate:
		r.validateLevels(add)
		if r.Intervals != 0 {
			add("intervals", "only stale rules have intervals")
		}
		if r.Level != None {
			add("level", "only stale rules have a fixed level; use thresholds")
		}
	case Stale:
		if !(r.Intervals >= 1) || math.IsInf(r.Intervals, 0) {
			add("intervals", "must be a number of expected intervals, at least 1")
		}
		if r.Level < Blue || r.Level > Red {
			add("level", "must be blue, yellow, orange or red")
		}
		for _, f := range []struct {
			name string
			set  bool
		}{
			{"direction", r.Direction != ""}, {"thresholds", len(r.Thresholds) > 0},
			{"deadband", r.Deadband != 0}, {"for", r.For != 0}, {"window", r.Window != 0},
		} {
			if f.set {
				add(f.name, "does not apply to a stale rule")
			}
		}
	default:
		add("type", "must be threshold, rate or stale")
	}
}

// validateLevels checks what threshold and rate rules share.
func (r Rule) validateLevels(add func(field, format string, args ...any)) {
	above := "above"
	switch r.Direction {
	case High:
	case Low:
		above = "below"
	default:
		add("direction", "must be high or low")
		return
	}
	if len(r.Thresholds) == 0 {
		add("thresholds", "at least one of blue, yellow, orange, red is required")
	}
	for l := range r.Thresholds {
		if l < Blue || l > Red {
			add("thresholds", "level %d is not blue, yellow, orange or red", uint8(l))
		}
	}
	prev, prevLevel := 0.0, None
	for l := Blue; l <= Red; l++ {
		v, ok := r.Thresholds[l]
		if !ok {
			continue
		}
		field := "thresholds." + l.String()
		switch {
		case math.IsNaN(v) || math.IsInf(v, 0):
			add(field, "must be a finite number")
			continue
		case r.Type == Rate && r.Direction == High && v <= 0:
			add(field, "must be above 0 for a rising rate rule (a change over the window)")
		case r.Type == Rate && r.Direction == Low && v >= 0:
			add(field, "must be below 0 for a falling rate rule (a change over the window)")
		}
		if prevLevel != None && !(r.Direction == High && v > prev || r.Direction == Low && v < prev) {
			add(field, "must be %s %s (%s) for a %s rule", above, prevLevel, fmtNum(prev), r.Direction)
		}
		prev, prevLevel = v, l
	}
	if !(r.Deadband >= 0) || math.IsInf(r.Deadband, 0) {
		add("deadband", "must be zero or a positive number")
	}
	if r.For < 0 {
		add("for", "must not be negative")
	}
	switch {
	case r.Type == Rate && r.Window < Duration(time.Millisecond):
		add("window", "a rate rule needs a window of at least 1ms")
	case r.Type == Threshold && r.Window != 0:
		add("window", "only rate rules have a window")
	}
}

func fmtNum(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// Membership puts a point into the group combination of GB 39496-2020
// 5.5.4. The zero value (empty Item) means no membership.
type Membership struct {
	Facility FacilityID
	// Item names the monitored item (同类监测项目) within the facility,
	// for instance the point kind "phreatic_line".
	Item string
}

// PointConfig is everything the engine needs to know about a point.
type PointConfig struct {
	Rules []Rule
	// Interval is how often the point is expected to report; stale rules
	// count in it.
	Interval time.Duration
	Group    Membership
}

// Validate checks every rule, that rule keys are unique (alarms key on
// them) and that stale rules have an interval to count in. Fields are
// named rules[i].field.
func (c PointConfig) Validate() error {
	var p core.Problems
	if len(c.Rules) > MaxRules {
		p.Add(0, "rules", "at most %d rules per point", MaxRules)
	}
	seen := make(map[string]int, len(c.Rules))
	stale := false
	for i, r := range c.Rules {
		prefix := fmt.Sprintf("rules[%d].", i)
		r.validate(&p, prefix)
		if j, dup := seen[r.Key()]; dup {
			p.Add(0, prefix+"name", "%q is already the name of rules[%d]", r.Key(), j)
		}
		seen[r.Key()] = i
		stale = stale || r.Type == Stale
	}
	if c.Interval < 0 || stale && c.Interval < time.Millisecond {
		p.Add(0, "interval", "must be a positive duration when the point has a stale rule")
	}
	if utf8.RuneCountInString(c.Group.Item) > 64 {
		p.Add(0, "group.item", "must be at most 64 characters")
	}
	return invalid(p)
}
