package rules

import (
	"fmt"
	"math"
	"testing"
	"time"
)

// fuzzInput turns the fuzzer's bytes into rule parameters and events; an
// exhausted input reads as zeros.
type fuzzInput struct{ b []byte }

func (in *fuzzInput) byte() byte {
	if len(in.b) == 0 {
		return 0
	}
	c := in.b[0]
	in.b = in.b[1:]
	return c
}

func (in *fuzzInput) value() float64 { return float64(int8(in.byte())) / 4 }

// rule makes a rule that is valid most of the time; the byte that picks
// the type may also pick a malformed one, which SetPoint must refuse.
func (in *fuzzInput) rule(i int) Rule {
	r := Rule{Name: fmt.Sprint("r", i)}
	kind := in.byte()
	switch kind % 4 {
	case 0, 1:
		r.Type = Threshold
	case 2:
		r.Type = Rate
		r.Window = Duration(time.Duration(1+in.byte()%6) * 10 * time.Second)
	case 3:
		r.Type = Stale
		r.Intervals = 1 + float64(in.byte()%3)
		r.Level = Level(1 + in.byte()%4)
		return r
	}
	r.Direction = High
	sign := 1.0
	if in.byte()%2 == 1 {
		r.Direction, sign = Low, -1
	}
	r.Thresholds = Thresholds{}
	mask := 1 + in.byte()%15
	v := math.Abs(in.value())
	for l := Blue; l <= Red; l++ {
		v += float64(in.byte()%16)/4 + 0.25
		if mask&(1<<(l-1)) != 0 {
			r.Thresholds[l] = sign * v
		}
	}
	r.Deadband = float64(in.byte()%8) / 8
	r.For = Duration(time.Duration(in.byte()%4) * 10 * time.Second)
	if kind >= 0xf0 {
		r.Thresholds[Red] = sign * -100 // out of order: invalid
	}
	return r
}

type condition struct {
	state State
	level Level
	kind  Kind
}

type fuzzModel struct {
	t       *testing.T
	configs map[PointID]PointConfig
	conds   map[[2]int]condition // by point, rule index
	lastAt  map[PointID]int64
}

// apply checks transitions against the model of every condition and
// updates it: one open condition per point and rule, levels among the
// rule's own, a resolution only of something pending or firing, and no
// point's transitions going back in time.
func (m *fuzzModel) apply(ts []Transition, configs map[PointID]PointConfig) {
	for _, tr := range ts {
		if tr.Kind == Group {
			continue
		}
		if last, ok := m.lastAt[tr.Point]; ok && tr.At < last {
			m.t.Fatalf("%+v: dated before the point's previous transition at %d", tr, last)
		}
		m.lastAt[tr.Point] = tr.At
		key := [2]int{int(tr.Point), int(tr.Rule)}
		c := m.conds[key]
		if tr.Was != c.state || tr.From != c.level {
			m.t.Fatalf("%+v: the condition was %v at %v", tr, c.state, c.level)
		}
		switch tr.State {
		case Resolved:
			if tr.To != None || (c.state != Pending && c.state != Firing) {
				m.t.Fatalf("%+v: resolved without an open condition", tr)
			}
			delete(m.conds, key)
			continue
		case Pending, Firing:
			if tr.To == None {
				m.t.Fatalf("%+v: open at no level", tr)
			}
		default:
			m.t.Fatalf("%+v: state %v in a transition", tr, tr.State)
		}
		r := configs[tr.Point].Rules[tr.Rule]
		if _, ok := r.Thresholds[tr.To]; !ok && !(r.Type == Stale && tr.To == r.Level) {
			m.t.Fatalf("%+v: level %v is not one of rule %+v", tr, tr.To, r)
		}
		m.conds[key] = condition{tr.State, tr.To, tr.Kind}
	}
}

// checkGroups compares the engine's item levels with the combination of
// the model's firing conditions.
func (m *fuzzModel) checkGroups(e *Engine) {
	for _, item := range []string{"a", "b"} {
		var n [Red + 1]int32
		for id, cfg := range m.configs {
			if cfg.Group.Item != item {
				continue
			}
			worst := None
			for i := range cfg.Rules {
				if c := m.conds[[2]int{int(id), i}]; c.state == Firing && c.kind != Stale {
					worst = max(worst, c.level)
				}
			}
			n[worst]++
		}
		if got, want := e.GroupLevel(1, item), itemLevel(n); got != want {
			m.t.Fatalf("item %s at %v, want %v", item, got, want)
		}
	}
}

func FuzzEngine(f *testing.F) {
	f.Add([]byte{1, 0, 0, 0, 5, 0, 1, 2, 3, 4, 0, 0, 0, 0, 3, 1, 1, 0, 20, 1, 0, 40, 1, 0, 120, 6, 200})
	f.Add([]byte{3, 2, 2, 3, 1, 7, 9, 1, 2, 3, 4, 2, 1, 0, 250, 0, 0, 50, 0, 0, 200, 7, 0, 7, 1, 0, 1})
	f.Add([]byte("the quick brown fox jumps over the lazy dog, twice: the quick brown fox"))
	f.Fuzz(fuzzEngine)
}

func fuzzEngine(t *testing.T, data []byte) {
	in := &fuzzInput{b: data}
	e := NewEngine()
	m := &fuzzModel{t: t, configs: map[PointID]PointConfig{}, conds: map[[2]int]condition{}, lastAt: map[PointID]int64{}}
	setPoint := func(id PointID, clock int64) {
		cfg := PointConfig{Interval: time.Duration(1+in.byte()%30) * time.Second,
			Group: Membership{Facility: 1, Item: string(rune('a' + in.byte()%2))}}
		for i := range 1 + int(in.byte()%3) {
			cfg.Rules = append(cfg.Rules, in.rule(i))
		}
		ts, err := e.SetPoint(nil, id, cfg, clock)
		if (err == nil) != (cfg.Validate() == nil) {
			t.Fatalf("SetPoint error %v for %+v", err, cfg)
		}
		m.apply(ts, m.configs)
		if err == nil {
			m.configs[id] = cfg
		}
	}
	points := 1 + int(in.byte()%4)
	clock := int64(1_000_000)
	for i := range points {
		setPoint(PointID(i), clock)
	}
	var buf []Transition
	for len(in.b) > 0 {
		op, id := in.byte()%16, PointID(in.byte()%uint8(points))
		switch {
		case op < 12:
			ts := clock + (int64(in.byte()%32)-4)*1000
			clock = max(clock, ts)
			buf, _ = e.Eval(buf[:0], id, ts, in.value())
			m.apply(buf, m.configs)
		case op < 14:
			clock += int64(in.byte()) * 1000
			buf = e.Tick(buf[:0], clock)
			m.apply(buf, m.configs)
		case op == 14:
			setPoint(id, clock)
		default:
			buf = e.RemovePoint(buf[:0], id, clock)
			m.apply(buf, m.configs)
			delete(m.configs, id)
		}
		for key, c := range m.conds {
			if _, live := m.configs[PointID(key[0])]; !live || c.state == Inactive {
				t.Fatalf("condition %v left %v on a removed point", key, c)
			}
		}
		m.checkGroups(e)
	}
}
