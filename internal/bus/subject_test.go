package bus_test

import (
	"strings"
	"testing"

	"github.com/yingji/yingji/internal/bus"
)

func TestMatch(t *testing.T) {
	tests := []struct {
		pattern, subject string
		want             bool
	}{
		{"alarm.530502.raised", "alarm.530502.raised", true},
		{"alarm.530502.raised", "alarm.530502.cleared", false},
		{"alarm.*.raised", "alarm.530502.raised", true},
		{"alarm.*.raised", "alarm.530502.level.raised", false},
		{"alarm.*.raised", "alarm.raised", false},
		{"alarm.*", "alarm.530502", true},
		{"alarm.*", "alarm.530502.raised", false},
		{"*", "alarm", true},
		{"*", "alarm.530502", false},
		{"alarm.>", "alarm.530502.raised", true},
		{"alarm.>", "alarm.530502", true},
		{"alarm.>", "alarm", false}, // ">" needs at least one token
		{"alarm.530502.>", "alarm.530502.raised", true},
		{"alarm.530502.>", "alarm.530581.raised", false},
		{">", "alarm", true},
		{">", "alarm.530502.raised", true},
		{"*.*.>", "alarm.530502.raised", true},
		{"*.*.>", "alarm.530502", false},
		{"reading.latest.*", "reading.latest.530581", true},
		{"*.latest.530581", "reading.latest.530581", true},
		// Wildcards are whole tokens: a region prefix inside a token is a
		// literal, which is why region filters use whole division codes.
		{"alarm.5305>", "alarm.530502.raised", false},
		{"alarm.5305*", "alarm.530502", false},
		{"alarm.5305*", "alarm.5305*", true},
		{"alarm.a>b", "alarm.a>b", true},
		// Malformed on either side never matches.
		{"", "", false},
		{"alarm", "", false},
		{"", "alarm", false},
		{"alarm..raised", "alarm..raised", false},
		{"alarm.>.raised", "alarm.x.raised", false},
		{"alarm.*", "alarm.*", false},
		{"alarm.>", "alarm.>", false},
		{"alarm.", "alarm.", false},
		{".alarm", ".alarm", false},
		{"alarm.5305 02", "alarm.5305 02", false},
		{"alarm.*", "alarm.53\t05", false},
	}
	for _, tt := range tests {
		t.Run(tt.pattern+"~"+tt.subject, func(t *testing.T) {
			if got := bus.Match(tt.pattern, tt.subject); got != tt.want {
				t.Errorf("Match(%q, %q) = %v, want %v", tt.pattern, tt.subject, got, tt.want)
			}
			if got := refMatch(tt.pattern, tt.subject); got != tt.want {
				t.Errorf("refMatch(%q, %q) = %v, want %v; the reference is wrong", tt.pattern, tt.subject, got, tt.want)
			}
		})
	}
}

func TestValid(t *testing.T) {
	tests := []struct {
		s                string
		subject, pattern bool
	}{
		{"alarm.530502.raised", true, true},
		{"alarm", true, true},
		{"alarm.*.raised", false, true},
		{"alarm.>", false, true},
		{">", false, true},
		{"*", false, true},
		{"alarm.>.raised", false, false},
		{">.>", false, false},
		{"alarm..raised", false, false},
		{"", false, false},
		{".", false, false},
		{"alarm.", false, false},
		{"al arm", false, false},
		{"alarm\n", false, false},
		{"alarm.5305>", true, true},
		{"报警.530502", true, true},
	}
	for _, tt := range tests {
		t.Run(tt.s, func(t *testing.T) {
			if got := bus.ValidSubject(tt.s); got != tt.subject {
				t.Errorf("ValidSubject(%q) = %v, want %v", tt.s, got, tt.subject)
			}
			if got := bus.ValidPattern(tt.s); got != tt.pattern {
				t.Errorf("ValidPattern(%q) = %v, want %v", tt.s, got, tt.pattern)
			}
		})
	}
}

// refMatch is the matcher written the obvious way, by splitting and
// recursion, for the fuzz test to hold Match to.
func refMatch(pattern, subject string) bool {
	ps, ss := strings.Split(pattern, "."), strings.Split(subject, ".")
	if !refValid(ps, true) || !refValid(ss, false) {
		return false
	}
	return refTokens(ps, ss)
}

func refTokens(ps, ss []string) bool {
	if len(ps) == 0 {
		return len(ss) == 0
	}
	if ps[0] == ">" {
		return len(ss) > 0
	}
	if len(ss) == 0 || (ps[0] != "*" && ps[0] != ss[0]) {
		return false
	}
	return refTokens(ps[1:], ss[1:])
}

func refValid(toks []string, wildcards bool) bool {
	for i, tok := range toks {
		if tok == "" || strings.ContainsAny(tok, " \t\r\n\f\v\x00") {
			return false
		}
		if (tok == "*" || tok == ">") && !wildcards {
			return false
		}
		if tok == ">" && i != len(toks)-1 {
			return false
		}
	}
	return true
}

func FuzzMatch(f *testing.F) {
	seeds := [][2]string{
		{"alarm.*.raised", "alarm.530502.raised"},
		{"alarm.>", "alarm"},
		{">", "a.b.c"},
		{"a.*.>", "a.b"},
		{"alarm.5305>", "alarm.530502"},
		{"a..b", "a..b"},
		{"*.>", "x.y.z"},
		{"a.b", "a.b."},
	}
	for _, s := range seeds {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, pattern, subject string) {
		got, want := bus.Match(pattern, subject), refMatch(pattern, subject)
		if got != want {
			t.Errorf("Match(%q, %q) = %v, reference says %v", pattern, subject, got, want)
		}
		if vp := bus.ValidPattern(pattern); vp != refValid(strings.Split(pattern, "."), true) {
			t.Errorf("ValidPattern(%q) = %v, reference disagrees", pattern, vp)
		}
		if vs := bus.ValidSubject(subject); vs != refValid(strings.Split(subject, "."), false) {
			t.Errorf("ValidSubject(%q) = %v, reference disagrees", subject, vs)
		}
		// A valid subject is a pattern that matches exactly itself.
		if bus.ValidSubject(subject) && !bus.Match(subject, subject) {
			t.Errorf("Match(%q, %q) = false for a valid subject", subject, subject)
		}
	})
}
