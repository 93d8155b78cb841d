package rules

import (
	"fmt"
	"math"

	"github.com/yingji/yingji/internal/core"
)

// MaxPoints bounds point IDs. Tables are sized by the largest ID, so a
// stray huge ID would otherwise cost gigabytes.
const MaxPoints = 1 << 26

// never is the deadline of a point Tick has nothing to do for.
const never = math.MaxInt64

// slot is the state of one rule of one point.
type slot struct {
	x float64 // last compared quantity (see Transition.Value)
	// since is when a pending condition opened; for a stale rule it is the
	// time of the last reading (or of SetPoint, before the first).
	since int64
	rule  uint32 // index in Engine.rules
	ring  int32  // index in Engine.rings for rate rules, else -1
	rung  uint8
	state State
	// ringHead is where the next sample goes in the ring, ringN how many
	// it holds.
	ringHead, ringN uint8
}

// point is the per-point record; it holds no pointers, so 440,000 of them
// cost the garbage collector nothing to scan.
type point struct {
	last     int64 // the point's clock: its last decision, Unix ms
	deadline int64 // the earliest time Tick has work for this point
	interval int64 // expected reporting interval, ms
	first    uint32
	item     uint32 // 1 + index in Engine.items; 0 for none
	n, capN  uint8  // slots in use and reserved at Engine.slots[first:]
	level    Level  // worst firing threshold or rate level, for the group
	live     bool
}

// Engine evaluates the rules of monitoring points. The zero value is not
// usable; call NewEngine. An Engine is not safe for concurrent use.
type Engine struct {
	points []point
	slots  []slot

	rules     []compiled
	ruleRefs  []uint32
	ruleIndex map[compiled]uint32
	freeRules []uint32

	rings     []ring
	freeRings []int32

	groups
}

// NewEngine returns an engine without points.
func NewEngine() *Engine {
	return &Engine{ruleIndex: make(map[compiled]uint32), groups: newGroups()}
}

// Len returns the number of point IDs the engine has room for (one more
// than the largest ID set so far).
func (e *Engine) Len() int { return len(e.points) }

// SetPoint adds a point or replaces its configuration at time at (Unix ms;
// the registration time of a new point, from which its stale rules start
// counting). A rule that is identical to the one at the same index before
// (its name aside) keeps its state, so editing one rule does not reset the others; a rule
// that changed starts afresh, and its open condition is resolved in the
// returned transitions, as are group changes; rule indexes in those refer
// to the previous configuration. Transitions of an existing
// point are dated no earlier than its clock. An invalid configuration
// leaves the engine unchanged and returns a core EINVALID error.
func (e *Engine) SetPoint(dst []Transition, id PointID, cfg PointConfig, at int64) ([]Transition, error) {
	if err := cfg.Validate(); err != nil {
		return dst, fmt.Errorf("rules: point %d: %w", id, err)
	}
	if id >= MaxPoints {
		return dst, core.Errorf(core.EINVALID, "rules: point ID %d is above the limit of %d", id, MaxPoints)
	}
	for int(id) >= len(e.points) {
		e.points = append(e.points, point{last: math.MinInt64, deadline: never})
	}
	p := &e.points[id]
	if !p.live {
		// A removed ID keeps its clock, so that its transitions never go
		// back in time across a removal.
		*p = point{last: p.last, first: p.first, capN: p.capN}
	}
	at = max(at, p.last)
	var old []slot
	if p.live {
		old = append(old, e.slots[p.first:p.first+uint32(p.n)]...)
	}
	fresh := make([]slot, len(cfg.Rules))
	kept := make([]bool, len(old))
	for i, r := range cfg.Rules {
		ri := e.intern(compile(r))
		if i < len(old) && old[i].rule == ri {
			fresh[i], kept[i] = old[i], true
			continue
		}
		fresh[i] = slot{x: math.NaN(), since: at, rule: ri, ring: -1}
		if r.Type == Rate {
			fresh[i].ring = e.newRing()
		}
	}
	mark := len(dst)
	for i := range old {
		s := &old[i]
		if !kept[i] {
			dst = e.close(dst, id, uint8(i), s, at)
			if s.ring >= 0 {
				e.freeRings = append(e.freeRings, s.ring)
			}
		}
		e.release(s.rule) // a kept slot holds the reference taken above
	}
	e.place(p, fresh)
	p.interval = cfg.Interval.Milliseconds()
	p.live = true

	item := e.item(cfg.Group)
	if item != p.item {
		dst = e.setLevel(dst, id, p, None, at, math.NaN())
		e.leave(p)
		e.join(p, item)
	}
	dst = e.setLevel(dst, id, p, e.worst(p), at, math.NaN())
	p.deadline = e.deadline(p)
	if len(dst) > mark {
		p.last = at
	}
	return dst, nil
}

// RemovePoint drops a point at time at, resolving its open conditions and
// taking it out of its group, with the transitions that follow. The ID may
// be set again later; it keeps its clock, so readings older than the
// removal stay Late.
func (e *Engine) RemovePoint(dst []Transition, id PointID, at int64) []Transition {
	if int(id) >= len(e.points) || !e.points[id].live {
		return dst
	}
	p := &e.points[id]
	at = max(at, p.last)
	for i := range e.slotsOf(p) {
		s := &e.slots[p.first+uint32(i)]
		dst = e.close(dst, id, uint8(i), s, at)
		e.release(s.rule)
		if s.ring >= 0 {
			e.freeRings = append(e.freeRings, s.ring)
		}
	}
	dst = e.setLevel(dst, id, p, None, at, math.NaN())
	e.leave(p)
	*p = point{last: at, deadline: never, first: p.first, capN: p.capN}
	return dst
}

// close resolves the slot's open condition, if any.
func (e *Engine) close(dst []Transition, id PointID, rule uint8, s *slot, at int64) []Transition {
	if s.state == Inactive {
		return dst
	}
	r := &e.rules[s.rule]
	dst = append(dst, Transition{At: at, Value: s.x, Point: id, Rule: rule, Kind: r.kind,
		From: r.level(s.rung), To: None, State: Resolved, Was: s.state})
	s.state, s.rung = Inactive, 0
	return dst
}

// place writes a point's slots, reusing its reserved range when they fit.
// A point that needs more slots than it ever had moves to the end of the
// table and leaves its old range unused: rule edits are rare and the
// waste is bounded by MaxRules per edit, which is cheaper than a
// free-list walk on every SetPoint at start-up.
func (e *Engine) place(p *point, s []slot) {
	if len(s) > int(p.capN) {
		p.first, p.capN = uint32(len(e.slots)), uint8(len(s))
		e.slots = append(e.slots, s...)
	} else {
		copy(e.slots[p.first:], s)
	}
	p.n = uint8(len(s))
}

func (e *Engine) slotsOf(p *point) []slot { return e.slots[p.first : p.first+uint32(p.n)] }

func (e *Engine) newRing() int32 {
	if n := len(e.freeRings); n > 0 {
		i := e.freeRings[n-1]
		e.freeRings = e.freeRings[:n-1]
		return i
	}
	e.rings = append(e.rings, ring{})
	return int32(len(e.rings) - 1)
}

// worst is the level a point contributes to its group.
func (e *Engine) worst(p *point) Level {
	l := None
	for i := range e.slotsOf(p) {
		s := &e.slots[p.first+uint32(i)]
		if r := &e.rules[s.rule]; s.state == Firing && r.kind != Stale {
			l = max(l, r.level(s.rung))
		}
	}
	return l
}

// deadline is the earliest time Tick must look at the point: a pending
// condition whose minimum duration elapses, or a stale rule that expires.
func (e *Engine) deadline(p *point) int64 {
	d := int64(never)
	for i := range e.slotsOf(p) {
		s := &e.slots[p.first+uint32(i)]
		r := &e.rules[s.rule]
		switch {
		case s.state == Pending:
			d = min(d, addSat(s.since, r.forMs))
		case r.kind == Stale && s.state == Inactive:
			d = min(d, addSat(s.since, staleAfter(r, p)))
		}
	}
	return d
}

func staleAfter(r *compiled, p *point) int64 {
	return max(1, int64(r.intervals*float64(p.interval)))
}

// addSat adds without overflowing, so a far-future time stays far future.
func addSat(a, b int64) int64 {
	if b > 0 && a > math.MaxInt64-b {
		return math.MaxInt64
	}
	return a + b
}
