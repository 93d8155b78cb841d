package rules

import "math"

// Eval evaluates a reading of point id taken at ts (Unix milliseconds) and
// appends the transitions it causes to dst. A reading older than the
// point's last decision, of an unknown point, or not finite changes
// nothing and says so in the Result; the caller counts those. Eval does
// not allocate unless dst has to grow, so a caller that reuses dst[:0]
// evaluates without garbage.
func (e *Engine) Eval(dst []Transition, id PointID, ts int64, v float64) ([]Transition, Result) {
	if int(id) >= len(e.points) {
		return dst, UnknownPoint
	}
	p := &e.points[id]
	switch {
	case !p.live:
		return dst, UnknownPoint
	case ts < p.last:
		return dst, Late
	case math.IsNaN(v) || math.IsInf(v, 0):
		return dst, NotFinite
	}
	p.last = ts
	moved := false
	deadline := int64(never)
	slots := e.slots[p.first : p.first+uint32(p.n)]
	for i := range slots {
		s := &slots[i]
		r := &e.rules[s.rule]
		switch r.kind {
		case Threshold:
			s.x = v
			if n := r.next(s.rung, v*r.sign); n != s.rung || s.state == Pending {
				dst = e.advance(dst, id, uint8(i), s, r, n, ts)
				moved = true
			}
		case Rate:
			g := &e.rings[s.ring]
			d, ok := s.change(g, ts, v, r.windowMs)
			s.push(g, ts, v, r.stepMs)
			if !ok {
				break
			}
			s.x = d
			if n := r.next(s.rung, d*r.sign); n != s.rung || s.state == Pending {
				dst = e.advance(dst, id, uint8(i), s, r, n, ts)
				moved = true
			}
		case Stale:
			s.x = v
			if s.state == Firing {
				dst = append(dst, Transition{At: ts, Value: v, Point: id, Rule: uint8(i), Kind: Stale,
					From: r.lv[0], To: None, State: Resolved, Was: Firing})
				s.state, s.rung = Inactive, 0
			}
			s.since = ts
			deadline = min(deadline, addSat(ts, staleAfter(r, p)))
			continue
		}
		if s.state == Pending {
			deadline = min(deadline, addSat(s.since, r.forMs))
		}
	}
	p.deadline = deadline
	if moved {
		if l := e.worst(p); l != p.level {
			dst = e.setLevel(dst, id, p, l, ts, v)
		}
	}
	return dst, Evaluated
}

// advance moves a threshold or rate condition to rung n at time at.
func (e *Engine) advance(dst []Transition, id PointID, rule uint8, s *slot, r *compiled, n uint8, at int64) []Transition {
	t := Transition{At: at, Value: s.x, Point: id, Rule: rule, Kind: r.kind,
		From: r.level(s.rung), To: r.level(n), Was: s.state}
	switch {
	case n == 0:
		s.state, s.rung = Inactive, 0
		t.State = Resolved
	case s.state == Inactive:
		s.state, s.rung, s.since = Firing, n, at
		if r.forMs > 0 {
			s.state = Pending
		}
		t.State = s.state
	case s.state == Pending && at-s.since >= r.forMs:
		s.state, s.rung = Firing, n
		t.State = Firing
	case n == s.rung:
		return dst // still pending at the same level
	default:
		s.rung = n
		t.State = s.state
	}
	return append(dst, t)
}

// Tick fires what time alone decides at now (Unix ms): stale rules whose
// points have been silent for their intervals, and pending conditions
// whose minimum duration has elapsed without a new reading (the last
// reading is taken to hold until the next). A point that changes takes now
// as its clock, so a reading older than now is then Late for it: pass a
// watermark, not the bare wall clock. Tick scans every point's deadline,
// a sequential pass over the point table, so calling it once a second
// costs about a millisecond for 440,000 points.
func (e *Engine) Tick(dst []Transition, now int64) []Transition {
	for i := range e.points {
		if p := &e.points[i]; p.deadline <= now && p.last <= now {
			dst = e.tickPoint(dst, PointID(i), p, now)
		}
	}
	return dst
}

func (e *Engine) tickPoint(dst []Transition, id PointID, p *point, now int64) []Transition {
	mark := len(dst)
	moved := false
	slots := e.slots[p.first : p.first+uint32(p.n)]
	for i := range slots {
		s := &slots[i]
		r := &e.rules[s.rule]
		switch {
		case s.state == Pending && now-s.since >= r.forMs:
			dst = append(dst, Transition{At: now, Value: s.x, Point: id, Rule: uint8(i), Kind: r.kind,
				From: r.level(s.rung), To: r.level(s.rung), State: Firing, Was: Pending})
			s.state = Firing
			moved = true
		case r.kind == Stale && s.state == Inactive && now-s.since >= staleAfter(r, p):
			dst = append(dst, Transition{At: now, Value: s.x, Point: id, Rule: uint8(i), Kind: Stale,
				From: None, To: r.lv[0], State: Firing, Was: Inactive})
			s.state, s.rung = Firing, 1
		}
	}
	if moved {
		if l := e.worst(p); l != p.level {
			dst = e.setLevel(dst, id, p, l, now, math.NaN())
		}
	}
	if len(dst) > mark {
		p.last = now
	}
	p.deadline = e.deadline(p)
	return dst
}
