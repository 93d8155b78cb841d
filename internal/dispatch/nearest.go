package dispatch

import (
	"container/heap"
	"maps"
	"math"
	"slices"
)

// need is one needed stock item, by column of the tree's stock table (-1
// when no resource of the kind holds it).
type need struct {
	name string
	col  int
	qty  float64
}

// search is one tree's part of a query.
type search struct {
	t     *tree
	kind  string
	tags  []uint64 // nil: no tag filter
	needs []need   // sorted by name, so sums come out the same every time
}

// Nearest returns up to q.Limit (default 10) resources of q.Kind (every kind
// when empty) that pass the query's filters, ranked by estimated travel time.
// When q.Needs is set, only resources that hold some of the needed items
// match, and those covering more of the need (Match.Coverage) come first,
// then the quicker to reach. Ties go to the shorter distance, then the lower
// id. A query at an invalid position yields nothing.
func (ix *Index) Nearest(q Query) []Match {
	if !validLonLat(q.Lon, q.Lat) || math.IsNaN(q.MaxKm) || q.MaxKm < 0 {
		return nil
	}
	limit := q.Limit
	if limit <= 0 {
		limit = DefaultLimit
	}
	maxKm := math.Inf(1)
	if q.MaxKm > 0 {
		maxKm = q.MaxKm
	}
	needs := cleanNeeds(q.Needs)
	tags := cleanTags(q.Tags)
	kinds := ix.kinds
	if q.Kind != "" {
		kinds = []string{q.Kind}
	}
	v := unit(q.Lon, q.Lat)
	frontier := make(nodeQueue, 0, 64)
	for _, kind := range kinds {
		t := ix.trees[kind]
		if t == nil || len(t.nodes) == 0 {
			continue
		}
		s := &search{t: t, kind: kind}
		if len(tags) > 0 {
			s.tags = make([]uint64, (len(t.tags)+63)/64)
			known := false
			for _, tag := range tags {
				if b, ok := t.tags[tag]; ok {
					s.tags[b/64] |= 1 << (b % 64)
					known = true
				}
			}
			if !known {
				continue
			}
		}
		for _, n := range needs {
			col, ok := t.stock[n.name]
			if !ok {
				col = -1
			}
			s.needs = append(s.needs, need{name: n.name, col: col, qty: n.qty})
		}
		if e, ok := ix.bound(s, 0, v, q, maxKm); ok {
			frontier.push(e)
		}
	}

	best := &resultHeap{h: make([]scored, 0, limit)}
	for len(frontier) > 0 {
		e := frontier.pop()
		if len(best.h) == limit && best.prunes(e) {
			break // every node left in the queue ranks no better than e
		}
		n := &e.s.t.nodes[e.node]
		if n.left < 0 {
			ix.scanLeaf(e.s, n, q, maxKm, limit, best)
			continue
		}
		for _, child := range [2]int{n.left, n.right} {
			if c, ok := ix.bound(e.s, child, v, q, maxKm); ok && !(len(best.h) == limit && best.prunes(c)) {
				frontier.push(c)
			}
		}
	}

	// Only the kept matches are copied out, best first.
	out := make([]Match, len(best.h))
	for i := len(out) - 1; i >= 0; i-- {
		r := heap.Pop(best).(scored)
		out[i] = r.s.match(r.it, r.k)
	}
	return out
}

func cleanNeeds(in map[string]float64) []need {
	var out []need
	for _, name := range slices.Sorted(maps.Keys(in)) {
		if q := in[name]; q > 0 && !math.IsInf(q, 0) {
			out = append(out, need{name: name, qty: q})
		}
	}
	return out
}

// bound returns the queue entry for a node, or false when nothing under it
// can pass the filters.
func (ix *Index) bound(s *search, id int, v [3]float64, q Query, maxKm float64) (entry, bool) {
	n := &s.t.nodes[id]
	if s.tags != nil && !intersects(s.tags, n.tags) {
		return entry{}, false
	}
	if q.FreeCapacity > 0 && n.maxFree < q.FreeCapacity {
		return entry{}, false
	}
	// Lower the bound by a hair so rounding in the chord → arc conversion
	// can never prune a node holding a resource exactly at the k-th travel time.
	dist := math.Max(0, chordKm(chordToBox(v, n.lo, n.hi))*(1-1e-12)-1e-9)
	if dist > maxKm {
		return entry{}, false
	}
	e := entry{s: s, node: id, travel: dist * ix.travel.Detour / n.maxSpeed * 60}
	if len(s.needs) > 0 {
		e.cov = s.coverage(n.maxStock)
		if e.cov <= 0 {
			return entry{}, false
		}
	}
	return e, true
}

func (s *search) coverage(stock []float64) float64 {
	sum := 0.0
	for _, n := range s.needs {
		if n.col >= 0 {
			sum += math.Min(stock[n.col], n.qty) / n.qty
		}
	}
	return sum / float64(len(s.needs))
}

func intersects(a, b []uint64) bool {
	for i := range a {
		if a[i]&b[i] != 0 {
			return true
		}
	}
	return false
}

func (ix *Index) scanLeaf(s *search, n *node, q Query, maxKm float64, limit int, best *resultHeap) {
	for i := n.start; i < n.end; i++ {
		it := &s.t.items[i]
		if s.tags != nil && !intersects(s.tags, it.tags) {
			continue
		}
		if q.FreeCapacity > 0 && it.r.Free() < q.FreeCapacity {
			continue
		}
		var cov float64
		if len(s.needs) > 0 {
			cov = s.coverage(it.stock)
			if cov <= 0 {
				continue
			}
		}
		dist := HaversineKm(q.Lon, q.Lat, it.r.Lon, it.r.Lat)
		if dist > maxKm {
			continue
		}
		k := key{cov: cov, travel: dist * ix.travel.Detour / it.speed * 60, dist: dist, kind: s.kind, id: it.r.ID, code: it.r.Code}
		if len(best.h) == limit {
			if !k.better(best.h[0].k) {
				continue
			}
			best.h[0] = scored{k: k, s: s, it: it}
			heap.Fix(best, 0)
			continue
		}
		heap.Push(best, scored{k: k, s: s, it: it})
	}
}

func (s *search) match(it *item, k key) Match {
	r := it.r
	r.Tags = slices.Clone(r.Tags)
	r.Stock = maps.Clone(r.Stock)
	m := Match{Resource: r, DistanceKm: k.dist, TravelMin: k.travel}
	if len(s.needs) > 0 {
		m.Covers = make(map[string]float64, len(s.needs))
		for _, n := range s.needs {
			c := 0.0
			if n.col >= 0 {
				c = math.Min(it.stock[n.col], n.qty)
			}
			m.Covers[n.name] = c
		}
	}
	return m
}

// entry is a node waiting in the best-first queue with the best coverage and
// least travel time anything under it could have.
type entry struct {
	s           *search
	node        int
	cov, travel float64
}

// nodeQueue pops the most promising node first. It is a binary heap
// written out for the entry type, so that pushing does not allocate.
type nodeQueue []entry

func (h nodeQueue) less(i, j int) bool {
	if h[i].cov != h[j].cov {
		return h[i].cov > h[j].cov
	}
	return h[i].travel < h[j].travel
}

func (h *nodeQueue) push(e entry) {
	*h = append(*h, e)
	q := *h
	for i := len(q) - 1; i > 0; {
		p := (i - 1) / 2
		if !q.less(i, p) {
			break
		}
		q[i], q[p] = q[p], q[i]
		i = p
	}
}

func (h *nodeQueue) pop() entry {
	q := *h
	top := q[0]
	last := len(q) - 1
	q[0] = q[last]
	q = q[:last]
	for i := 0; ; {
		l, r, m := 2*i+1, 2*i+2, i
		if l < len(q) && q.less(l, m) {
			m = l
		}
		if r < len(q) && q.less(r, m) {
			m = r
		}
		if m == i {
			break
		}
		q[i], q[m] = q[m], q[i]
		i = m
	}
	*h = q
	return top
}

// scored is a kept match: its rank key and where to build it from.
type scored struct {
	k  key
	s  *search
	it *item
}

// resultHeap keeps the best matches so far with the worst on top.
type resultHeap struct{ h []scored }

func (r *resultHeap) Len() int           { return len(r.h) }
func (r *resultHeap) Less(i, j int) bool { return r.h[j].k.better(r.h[i].k) }
func (r *resultHeap) Swap(i, j int)      { r.h[i], r.h[j] = r.h[j], r.h[i] }
func (r *resultHeap) Push(x any)         { r.h = append(r.h, x.(scored)) }
func (r *resultHeap) Pop() any {
	e := r.h[len(r.h)-1]
	r.h = r.h[:len(r.h)-1]
	return e
}

// prunes reports whether nothing under e can rank before the worst kept
// match. Equal travel times are not pruned: an id may still break the tie.
func (r *resultHeap) prunes(e entry) bool {
	w := r.h[0].k
	return e.cov < w.cov || (e.cov == w.cov && e.travel > w.travel)
}
