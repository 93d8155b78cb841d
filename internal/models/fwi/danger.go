package fwi

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Level is a warning level, blue < yellow < orange < red, or None below the
// blue breakpoint. The names are those of the platform's alarm levels, so a
// Level converts directly (alarm.Level(l)).
type Level string

// Levels in increasing order of danger.
const (
	None   Level = ""
	Blue   Level = "blue"
	Yellow Level = "yellow"
	Orange Level = "orange"
	Red    Level = "red"
)

// Rank orders levels: 0 for None … 4 for Red.
func (l Level) Rank() int {
	switch l {
	case Blue:
		return 1
	case Yellow:
		return 2
	case Orange:
		return 3
	case Red:
		return 4
	}
	return 0
}

// Breakpoints are the FWI values at which each warning level begins: a day
// whose FWI is at least Blue (and below Yellow) is blue, and so on.
type Breakpoints struct {
	Blue, Yellow, Orange, Red float64
}

// DefaultBreakpoints are the fire-danger classes of the FWI maps of the
// Canadian Wildland Fire Information System (Natural Resources Canada):
// low 0–5, moderate 5–10, high 10–20, very high 20–30, extreme 30 and above
// [check], with low as no warning, moderate blue, high yellow, very high
// orange and extreme red. Class boundaries are regional in practice (they
// depend on fuels and fire climate) and should be calibrated on local fire
// records; they are data, not part of the FWI System.
var DefaultBreakpoints = Breakpoints{Blue: 5, Yellow: 10, Orange: 20, Red: 30}

// EFFISBreakpoints are the FWI classes of the European Forest Fire
// Information System: very low < 5.2, low 5.2–11.2, moderate 11.2–21.3, high
// 21.3–38, very high 38–50, extreme 50 and above [check], with very low and
// low as no warning, moderate blue, high yellow, very high orange and
// extreme (and above) red. An alternative for a warmer fire climate.
var EFFISBreakpoints = Breakpoints{Blue: 11.2, Yellow: 21.3, Orange: 38, Red: 50}

// Validate reports breakpoints that are not finite, negative or not strictly
// increasing from blue to red.
func (b Breakpoints) Validate() error {
	v := b.values()
	for i, x := range v {
		if math.IsNaN(x) || math.IsInf(x, 0) || x < 0 {
			return fmt.Errorf("breakpoint %s: %v is not a finite number ≥ 0", levelOrder[i], x)
		}
		if i > 0 && x <= v[i-1] {
			return fmt.Errorf("breakpoint %s (%v) is not above %s (%v)", levelOrder[i], x, levelOrder[i-1], v[i-1])
		}
	}
	return nil
}

// Level is the warning level of an FWI value. NaN gives None.
func (b Breakpoints) Level(fwi float64) Level {
	l := None
	for i, x := range b.values() {
		if fwi >= x {
			l = levelOrder[i]
		}
	}
	return l
}

// ParseBreakpoints reads four comma-separated FWI values, blue first, such as
// "5,10,20,30", and validates them.
func ParseBreakpoints(s string) (Breakpoints, error) {
	parts := strings.Split(s, ",")
	if len(parts) != len(levelOrder) {
		return Breakpoints{}, fmt.Errorf("breakpoints %q: want %d comma-separated values (blue,yellow,orange,red)", s, len(levelOrder))
	}
	var v [4]float64
	for i, p := range parts {
		x, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil {
			return Breakpoints{}, fmt.Errorf("breakpoint %s: %q is not a number", levelOrder[i], p)
		}
		v[i] = x
	}
	b := Breakpoints{Blue: v[0], Yellow: v[1], Orange: v[2], Red: v[3]}
	return b, b.Validate()
}

// String formats breakpoints as ParseBreakpoints reads them.
func (b Breakpoints) String() string {
	v := b.values()
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = strconv.FormatFloat(x, 'f', -1, 64)
	}
	return strings.Join(s, ",")
}

var levelOrder = [4]Level{Blue, Yellow, Orange, Red}

func (b Breakpoints) values() [4]float64 {
	return [4]float64{b.Blue, b.Yellow, b.Orange, b.Red}
}
