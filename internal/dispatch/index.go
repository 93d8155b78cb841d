package dispatch

import (
	"maps"
	"math"
	"slices"
	"sort"
)

// leafSize is the most resources a k-d tree leaf holds. Small leaves prune
// better; 8 keeps the node count (and the per-node stock bounds) modest.
const leafSize = 8

// Index answers nearest-resource queries. It is immutable and safe for
// concurrent use; rebuild it with NewIndex when resources change.
type Index struct {
	travel Travel
	kinds  []string // sorted, for a deterministic search order
	trees  map[string]*tree
	n      int
}

// tree is the k-d tree of one resource kind.
type tree struct {
	items []item
	nodes []node
	tags  map[string]int // tag -> bit
	stock map[string]int // stock item -> column of item.stock / node.maxStock
}

type item struct {
	r     Resource
	v     [3]float64
	speed float64
	tags  []uint64
	stock []float64
}

type node struct {
	lo, hi      [3]float64
	start, end  int
	left, right int // -1 for a leaf
	tags        []uint64
	maxFree     int
	maxStock    []float64
	maxSpeed    float64
}

// NewIndex builds the index over rs with the travel model tr (defaults filled
// in where unset). Resources whose position is not a valid WGS84 lon/lat are
// left out; Len says how many were indexed. The resources are copied, so the
// caller may reuse rs.
func NewIndex(rs []Resource, tr Travel) *Index {
	ix := &Index{travel: tr.normalized(), trees: map[string]*tree{}}
	byKind := map[string][]Resource{}
	for _, r := range rs {
		if !validLonLat(r.Lon, r.Lat) {
			continue
		}
		byKind[r.Kind] = append(byKind[r.Kind], r)
	}
	for kind, list := range byKind {
		ix.trees[kind] = buildTree(list, ix.travel)
		ix.n += len(list)
	}
	ix.kinds = slices.Sorted(maps.Keys(ix.trees))
	return ix
}

// Len returns the number of indexed resources.
func (ix *Index) Len() int { return ix.n }

// Travel returns the travel model in use, with defaults filled in.
func (ix *Index) Travel() Travel {
	t := ix.travel
	t.SpeedKmh = maps.Clone(t.SpeedKmh)
	return t
}

func unit(lon, lat float64) [3]float64 {
	const rad = math.Pi / 180
	cl := math.Cos(lat * rad)
	return [3]float64{cl * math.Cos(lon*rad), cl * math.Sin(lon*rad), math.Sin(lat * rad)}
}

func buildTree(rs []Resource, tr Travel) *tree {
	t := &tree{tags: map[string]int{}, stock: map[string]int{}}
	for _, r := range rs {
		for _, tag := range cleanTags(r.Tags) {
			if _, ok := t.tags[tag]; !ok {
				t.tags[tag] = len(t.tags)
			}
		}
		for _, name := range slices.Sorted(maps.Keys(r.Stock)) {
			if _, ok := t.stock[name]; !ok {
				t.stock[name] = len(t.stock)
			}
		}
	}
	words := (len(t.tags) + 63) / 64
	t.items = make([]item, len(rs))
	for i, r := range rs {
		r.Tags = cleanTags(r.Tags)
		r.Stock = maps.Clone(r.Stock)
		it := item{r: r, v: unit(r.Lon, r.Lat), speed: tr.speed(r.RoadClass), tags: make([]uint64, words)}
		for _, tag := range r.Tags {
			b := t.tags[tag]
			it.tags[b/64] |= 1 << (b % 64)
		}
		if len(t.stock) > 0 {
			it.stock = make([]float64, len(t.stock))
			for name, q := range r.Stock {
				if q > 0 && !math.IsInf(q, 0) {
					it.stock[t.stock[name]] = q
				}
			}
		}
		t.items[i] = it
	}
	if len(t.items) > 0 {
		t.build(0, len(t.items))
	}
	return t
}

// build makes the node over items[start:end] and returns its index.
func (t *tree) build(start, end int) int {
	id := len(t.nodes)
	t.nodes = append(t.nodes, node{start: start, end: end, left: -1, right: -1})
	n := node{start: start, end: end, left: -1, right: -1}
	n.lo, n.hi = t.items[start].v, t.items[start].v
	n.tags = make([]uint64, len(t.items[start].tags))
	if len(t.stock) > 0 {
		n.maxStock = make([]float64, len(t.stock))
	}
	for _, it := range t.items[start:end] {
		for d := range 3 {
			n.lo[d] = math.Min(n.lo[d], it.v[d])
			n.hi[d] = math.Max(n.hi[d], it.v[d])
		}
		for w, bits := range it.tags {
			n.tags[w] |= bits
		}
		n.maxFree = max(n.maxFree, it.r.Free())
		for c, q := range it.stock {
			n.maxStock[c] = math.Max(n.maxStock[c], q)
		}
		n.maxSpeed = math.Max(n.maxSpeed, it.speed)
	}
	if end-start > leafSize {
		axis := 0
		for d := 1; d < 3; d++ {
			if n.hi[d]-n.lo[d] > n.hi[axis]-n.lo[axis] {
				axis = d
			}
		}
		part := t.items[start:end]
		sort.Slice(part, func(i, j int) bool { return part[i].v[axis] < part[j].v[axis] })
		mid := start + (end-start)/2
		n.left = t.build(start, mid)
		n.right = t.build(mid, end)
	}
	t.nodes[id] = n
	return id
}

// chordToBox is the Euclidean distance from v to the box [lo, hi].
func chordToBox(v, lo, hi [3]float64) float64 {
	var s float64
	for d := range 3 {
		var e float64
		if v[d] < lo[d] {
			e = lo[d] - v[d]
		} else if v[d] > hi[d] {
			e = v[d] - hi[d]
		}
		s += e * e
	}
	return math.Sqrt(s)
}

// chordKm turns a chord between unit vectors into great-circle kilometres.
func chordKm(c float64) float64 {
	return 2 * earthRadiusKm * math.Asin(math.Min(1, c/2))
}

// key orders matches: more coverage first, then less travel time, then
// less distance, then kind and id so that ties come out the same every time.
type key struct {
	cov, travel, dist float64
	kind              string
	id                int64
	code              string
}

func (a key) better(b key) bool {
	switch {
	case a.cov != b.cov:
		return a.cov > b.cov
	case a.travel != b.travel:
		return a.travel < b.travel
	case a.dist != b.dist:
		return a.dist < b.dist
	case a.kind != b.kind:
		return a.kind < b.kind
	case a.id != b.id:
		return a.id < b.id
	}
	return a.code < b.code
}
