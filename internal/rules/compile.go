package rules

import "time"

// compiled is a validated Rule in the form the hot path wants: thresholds
// of the levels the rule uses, ascending in severity, multiplied by sign
// so that a low rule is evaluated as a high one on the negated value.
// It is comparable, so identical rules of many points intern to one entry.
type compiled struct {
	th        [4]float64 // th[k-1] is the threshold of rung k
	sign      float64    // +1 high, -1 low
	db        float64
	forMs     int64
	windowMs  int64
	stepMs    int64    // rate rules: minimum spacing of ring samples
	intervals float64  // stale rules
	lv        [4]Level // lv[k-1] is the level of rung k
	n         uint8    // rungs in use
	kind      Kind
}

// A rung is a condition's position among its rule's levels: 0 is normal,
// k is lv[k-1]. Slots keep rungs rather than levels so that the hot path
// indexes th directly.

func (r *compiled) level(rung uint8) Level {
	if rung == 0 {
		return None
	}
	return r.lv[rung-1]
}

func compile(r Rule) compiled {
	c := compiled{kind: r.Type, sign: 1}
	if r.Type == Stale {
		c.intervals = r.Intervals
		c.lv[0], c.n = r.Level, 1
		return c
	}
	if r.Direction == Low {
		c.sign = -1
	}
	for l := Blue; l <= Red; l++ {
		if v, ok := r.Thresholds[l]; ok {
			c.th[c.n], c.lv[c.n] = v*c.sign, l
			c.n++
		}
	}
	c.db = r.Deadband
	c.forMs = time.Duration(r.For).Milliseconds()
	if r.Type == Rate {
		c.windowMs = time.Duration(r.Window).Milliseconds()
		c.stepMs = c.windowMs / (ringSize - 1)
	}
	return c
}

// next returns the rung for the normalised value x given the current rung:
// the highest rung whose threshold x reaches, except that a rung already
// held stays held until x falls below its threshold less the deadband.
func (r *compiled) next(cur uint8, x float64) uint8 {
	if cur == 0 && x < r.th[0] {
		return 0 // the common case: normal and staying so
	}
	up := uint8(0)
	for k := r.n; k > 0; k-- {
		if x >= r.th[k-1] {
			up = k
			break
		}
	}
	for k := cur; k > up; k-- {
		if x >= r.th[k-1]-r.db {
			return k
		}
	}
	return up
}

// intern returns the index of c in the engine's rule table, adding it or
// taking a reference to an identical entry.
func (e *Engine) intern(c compiled) uint32 {
	if i, ok := e.ruleIndex[c]; ok {
		e.ruleRefs[i]++
		return i
	}
	var i uint32
	if n := len(e.freeRules); n > 0 {
		i = e.freeRules[n-1]
		e.freeRules = e.freeRules[:n-1]
		e.rules[i], e.ruleRefs[i] = c, 1
	} else {
		i = uint32(len(e.rules))
		e.rules = append(e.rules, c)
		e.ruleRefs = append(e.ruleRefs, 1)
	}
	e.ruleIndex[c] = i
	return i
}

func (e *Engine) release(i uint32) {
	if e.ruleRefs[i]--; e.ruleRefs[i] == 0 {
		delete(e.ruleIndex, e.rules[i])
		e.freeRules = append(e.freeRules, i)
	}
}

// ringSize is how many samples a rate rule keeps. Samples are spaced at
// least window/(ringSize-1) apart, so the ring always reaches back a whole
// window once it is full, whatever the reporting interval; 8 samples of
// 16 bytes are two cache lines, and the position of the ring's head lives
// in the slot so that the ring stays exactly that size.
const ringSize = 8

type sample struct {
	ts int64
	v  float64
}

type ring [ringSize]sample

// change returns the change of the value over the window ending at ts: v
// less the value at ts-window, interpolated linearly between the samples
// around that instant. Interpolating keeps the result right whatever the
// sample spacing, and after a gap in the data it spreads the change evenly
// over the gap rather than charging it all to one window. Until the ring
// reaches back a whole window the change is taken from the oldest sample,
// which can only understate it. ok is false when there is nothing to
// compare with. The walk starts at the oldest sample because, once the
// ring is full, the window's start lies among the oldest two or three, so
// the walk touches one or two cache lines.
func (s *slot) change(g *ring, ts int64, v float64, windowMs int64) (float64, bool) {
	if s.ringN == 0 {
		return 0, false
	}
	target := ts - windowMs
	first := int(s.ringHead) - int(s.ringN) + ringSize
	a := -1 // the newest sample at or before target
	for k := range int(s.ringN) {
		if g[(first+k)%ringSize].ts > target {
			break
		}
		a = k
	}
	if a < 0 {
		return v - g[first%ringSize].v, true
	}
	sa := &g[(first+a)%ringSize]
	bts, bv := ts, v
	if a+1 < int(s.ringN) {
		sb := &g[(first+a+1)%ringSize]
		bts, bv = sb.ts, sb.v
	}
	f := float64(target-sa.ts) / float64(bts-sa.ts)
	return v - (sa.v + (bv-sa.v)*f), true
}

// push records a sample unless the previous one is less than stepMs old.
func (s *slot) push(g *ring, ts int64, v float64, stepMs int64) {
	if s.ringN > 0 && ts-g[(int(s.ringHead)-1+ringSize)%ringSize].ts < stepMs {
		return
	}
	g[s.ringHead] = sample{ts, v}
	s.ringHead = (s.ringHead + 1) % ringSize
	if s.ringN < ringSize {
		s.ringN++
	}
}
