package landslide

import (
	"testing"
	"time"
)

func TestTotals(t *testing.T) {
	var tt Totals
	steps := []struct {
		min   int
		total float64
		mm    float64
		ok    bool
	}{
		{0, 12, 0, false}, // baseline
		{5, 15, 3, true},  // +3
		{5, 16, 0, false}, // same time again
		{3, 20, 0, false}, // out of order
		{10, 15.5, 0.5, true},
		{20, 2, 2, true}, // the day was reset
	}
	for i, s := range steps {
		mm, ok := tt.Increment("g", t0.Add(time.Duration(s.min)*time.Minute), s.total)
		if ok != s.ok || mm != s.mm {
			t.Errorf("step %d: %v, %v; want %v, %v", i, mm, ok, s.mm, s.ok)
		}
	}
}

// Running totals of 0, 10, 20 mm within one hour at a gauge on the point:
// 20 mm in the hour is 1.35 of Caine's 1-h threshold → orange; a rebuild
// with a second point keeps the history.
func TestLive(t *testing.T) {
	l, err := NewLive(DefaultConfig(), []Gauge{{"g", 99, 25}}, []Point{{ID: "p", Lon: 99, Lat: 25}})
	if err != nil {
		t.Fatal(err)
	}
	l.Observe([]Total{{"g", t0.Add(1 * time.Minute), 0}, {"displacement", t0, 3}})
	l.Observe([]Total{{"g", t0.Add(20 * time.Minute), 10}})
	changed := l.Observe([]Total{{"g", t0.Add(40 * time.Minute), 20}})
	_, st, _, _ := l.Snapshot()
	if st[0].Level != Orange || len(changed) != 1 || len(l.history) != 2 {
		t.Fatalf("status %+v, changed %v", st[0], changed)
	}
	if err := l.Rebuild([]Gauge{{"g", 99, 25}}, []Point{{ID: "p", Lon: 99, Lat: 25}, {ID: "q", Lon: 99.001, Lat: 25}}); err != nil {
		t.Fatal(err)
	}
	pts, st, _, _ := l.Snapshot()
	if len(pts) != 2 || st[0].Level != Orange || st[1].Level != Orange {
		t.Errorf("after rebuild: %+v", st)
	}
	l.Tick(t0.Add(5 * time.Hour))
	if _, st, _, _ = l.Snapshot(); !st[0].NoData {
		t.Errorf("a silent gauge is not stale after 5 h: %+v", st[0])
	}
}

func TestLiveAdd(t *testing.T) {
	l, err := NewLive(DefaultConfig(), []Gauge{{"g", 99, 25}}, []Point{{ID: "p", Lon: 99, Lat: 25}})
	if err != nil {
		t.Fatal(err)
	}
	changed := l.Add([]Reading{{"g", t0.Add(10 * time.Minute), 9}, {"g", t0.Add(20 * time.Minute), 9}, {"other", t0, 50}})
	_, st, _, _ := l.Snapshot()
	// 18 mm in the hour: 1.21 of Caine's threshold → orange
	if len(changed) != 1 || st[0].Level != Orange || st[0].Day0 != 18 || l.eval.Dropped != 1 {
		t.Errorf("status %+v, dropped %d", st[0], l.eval.Dropped)
	}
}
