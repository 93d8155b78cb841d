package rules

import (
	"math"
	"testing"
	"time"
)

// counts builds a per-level count from a list of levels.
func counts(levels ...Level) [Red + 1]int32 {
	var n [Red + 1]int32
	for _, l := range levels {
		n[l]++
	}
	return n
}

func rep(l Level, k int) []Level {
	s := make([]Level, k)
	for i := range s {
		s[i] = l
	}
	return s
}

func TestItemLevel(t *testing.T) {
	tests := []struct {
		name   string
		points []Level
		want   Level
	}{
		{"empty", nil, None},
		{"all normal", rep(None, 5), None},
		{"one blue", []Level{Blue, None}, Blue},
		{"three blue", rep(Blue, 3), Blue},
		{"four blue make yellow", rep(Blue, 4), Yellow},
		{"two blue two yellow", []Level{Blue, Blue, Yellow, Yellow}, Yellow},
		{"two yellow", rep(Yellow, 2), Yellow},
		{"three yellow make orange", rep(Yellow, 3), Orange},
		{"yellow counts include orange", []Level{Yellow, Yellow, Orange}, Orange},
		{"one orange", []Level{Orange, Blue}, Orange},
		{"two orange make red", rep(Orange, 2), Red},
		{"orange and red", []Level{Orange, Red}, Red},
		{"one red", []Level{Red}, Red},
		{"many blue stay yellow", rep(Blue, 12), Yellow},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := itemLevel(counts(tt.points...)); got != tt.want {
				t.Errorf("itemLevel(%v) = %v, want %v", tt.points, got, tt.want)
			}
		})
	}
}

func TestFacilityLevel(t *testing.T) {
	tests := []struct {
		name  string
		items []Level
		want  Level
	}{
		{"no items", nil, None},
		{"three blue items", rep(Blue, 3), Blue},
		{"four blue items count as a yellow", rep(Blue, 4), Yellow},
		{"four blue and two yellow make three yellows", append(rep(Blue, 4), Yellow, Yellow), Orange},
		{"three blue and two yellow stay yellow", append(rep(Blue, 3), Yellow, Yellow), Yellow},
		{"eight blue count as two yellows", rep(Blue, 8), Yellow},
		{"eight blue and one yellow", append(rep(Blue, 8), Yellow), Orange},
		{"twelve blue count as three yellows", rep(Blue, 12), Orange},
		{"three yellow items", rep(Yellow, 3), Orange},
		{"two orange items", rep(Orange, 2), Red},
		{"three yellow items are not an orange one", append(rep(Yellow, 3), Orange), Orange},
		{"a red item", []Level{Red, None, None}, Red},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := facilityLevel(counts(tt.items...)); got != tt.want {
				t.Errorf("facilityLevel(%v) = %v, want %v", tt.items, got, tt.want)
			}
		})
	}
}

// TestGroupLevel checks the engine's bookkeeping against the pure
// combination: after every reading the levels it reports are those of
// itemLevel and facilityLevel applied to its points' current levels.
func TestGroupLevel(t *testing.T) {
	e := NewEngine()
	rule := Rule{Type: Threshold, Direction: High, Thresholds: Thresholds{Blue: 1, Yellow: 2, Orange: 3, Red: 4}}
	items := []string{"a", "b", "c", "d", "e"}
	const perItem = 5
	var buf []Transition
	for i := range len(items) * perItem {
		cfg := PointConfig{Rules: []Rule{rule}, Interval: time.Minute,
			Group: Membership{Facility: 7, Item: items[i/perItem]}}
		if _, err := e.SetPoint(nil, PointID(i), cfg, 0); err != nil {
			t.Fatal(err)
		}
	}
	levels := make([]Level, len(items)*perItem)
	seed := uint64(1)
	for step := range 2000 {
		seed = seed*6364136223846793005 + 1442695040888963407
		id := int(seed>>33) % len(levels)
		v := float64(seed>>40%500) / 100 // 0 … 4.99
		buf, _ = e.Eval(buf[:0], PointID(id), int64(step), v)
		levels[id] = Level(min(4, math.Floor(v)))
		var itemCounts [Red + 1]int32
		for k, name := range items {
			want := itemLevel(counts(levels[k*perItem : (k+1)*perItem]...))
			if got := e.GroupLevel(7, name); got != want {
				t.Fatalf("step %d: item %s at %v, want %v", step, name, got, want)
			}
			itemCounts[want]++
		}
		if got, want := e.GroupLevel(7, ""), facilityLevel(itemCounts); got != want {
			t.Fatalf("step %d: facility at %v, want %v", step, got, want)
		}
	}
	if got := e.GroupLevel(8, ""); got != None {
		t.Errorf("unknown facility at %v, want none", got)
	}
	if got := e.GroupLevel(7, "z"); got != None {
		t.Errorf("unknown item at %v, want none", got)
	}
}
