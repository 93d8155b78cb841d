package outbox

import (
	"math"
	"math/bits"
	"sort"

	"github.com/paulmach/orb"

	"github.com/yingji/yingji/internal/region"
)

// Circle is a disc on the ground, as CAP's circle.
type Circle struct{ Lon, Lat, RadiusM float64 }

// Area is what a warning covers: the union of its polygons, circles and
// divisions (a code covers everything below it).
type Area struct {
	Polygons  orb.MultiPolygon
	Circles   []Circle
	Divisions []string
}

// Target is what targeting needs of a recipient.
type Target struct {
	ID       int64
	Lon, Lat float64 // NaN when the recipient has no location
	Division string
	Follows  []string
	Channels Channel
	Kind     string
}

// entry is a recipient in the index: 24 bytes.
type entry struct {
	id       int64
	lon, lat float32
	div      int32 // index into Land.divs
	ch       Channel
	kind     uint8
}

type follow struct{ pos, div int32 }

// Index resolves areas to recipients. It is immutable; the Service
// rebuilds it when recipients change.
type Index struct {
	land      *Land
	ent       []entry // by cell; recipients without a location last
	cellStart []int32 // ent[cellStart[c]:cellStart[c+1]] are in cell c
	follows   []follow
}

// NewIndex builds an index over the targets (enabled recipients only).
func NewIndex(land *Land, ts []Target) *Index {
	ix := &Index{land: land}
	ncell := land.g.nx * land.g.ny
	counts := make([]int32, ncell+2)
	cells := make([]int32, len(ts))
	for i, t := range ts {
		c := land.g.cell(t.Lon, t.Lat)
		if c < 0 {
			c = ncell // no location
		}
		cells[i] = int32(c)
		counts[c+1]++
	}
	for c := 1; c < len(counts); c++ {
		counts[c] += counts[c-1]
	}
	ix.cellStart = counts[:ncell+2]
	ix.ent = make([]entry, len(ts))
	next := make([]int32, ncell+1)
	copy(next, counts[:ncell+1])
	pos := make([]int32, len(ts))
	for i, t := range ts {
		c := cells[i]
		p := next[c]
		next[c]++
		pos[i] = p
		e := entry{id: t.ID, lon: float32(t.Lon), lat: float32(t.Lat), div: land.divIndex(t.Division), ch: t.Channels, kind: uint8(max(KindIndex(t.Kind), 0))}
		ix.ent[p] = e
		for _, f := range t.Follows {
			if d := land.divIndex(f); d >= 0 {
				ix.follows = append(ix.follows, follow{pos: p, div: d})
			}
		}
	}
	return ix
}

// Len is the number of recipients indexed.
func (ix *Index) Len() int { return len(ix.ent) }

// Match is a resolved area: the recipients in it and the population.
type Match struct {
	ix  *Index
	pos []int32 // positions in ix.ent, ascending
	// Population per county slot (Land.counties) of the area.
	Population []float64
}

// Resolve returns the recipients inside the area: located ones inside a
// polygon or circle or in a listed division, and those following a listed
// division (or one above or below it) or a division whose centre lies in a
// polygon or circle.
func (ix *Index) Resolve(a Area) *Match {
	land := ix.land
	mark := make([]uint64, (len(ix.ent)+63)/64)
	set := func(p int32) { mark[p>>6] |= 1 << (p & 63) }
	ncell := land.g.nx * land.g.ny
	// polygons and circles, cell by cell
	type shape struct {
		state    func(c int) int8
		contains func(lon, lat float64) bool
		b        orb.Bound
	}
	var shapes []shape
	for _, p := range a.Polygons {
		if len(p) == 0 || len(p[0]) < 4 {
			continue
		}
		pr := land.g.rasterize(p)
		shapes = append(shapes, shape{pr.cellState, pr.contains, p.Bound()})
	}
	for _, c := range a.Circles {
		ct := newCircle(c)
		shapes = append(shapes, shape{func(cell int) int8 { return ct.cellState(land.g, cell) }, ct.contains, ct.b})
	}
	inShapes := func(lon, lat float64) bool {
		for _, s := range shapes {
			if s.contains(lon, lat) {
				return true
			}
		}
		return false
	}
	popArea := make([]float64, len(land.counties))
	for _, s := range shapes {
		x0, x1 := land.g.col(s.b.Min[0]), land.g.col(s.b.Max[0])
		y0, y1 := land.g.row(s.b.Min[1]), land.g.row(s.b.Max[1])
		for y := y0; y <= y1; y++ {
			for x := x0; x <= x1; x++ {
				c := y*land.g.nx + x
				st := s.state(c)
				if st == 0 {
					continue
				}
				es := ix.ent[ix.cellStart[c]:ix.cellStart[c+1]]
				base := ix.cellStart[c]
				for i := range es {
					if st == 1 || s.contains(float64(es[i].lon), float64(es[i].lat)) {
						set(base + int32(i))
					}
				}
			}
		}
	}
	// the area's population, by the land raster (each cell once, however
	// many shapes cover its centre)
	if len(shapes) > 0 {
		b := shapes[0].b
		for _, s := range shapes[1:] {
			b = b.Union(s.b)
		}
		for y := land.g.row(b.Min[1]); y <= land.g.row(b.Max[1]); y++ {
			for x := land.g.col(b.Min[0]); x <= land.g.col(b.Max[0]); x++ {
				c := y*land.g.nx + x
				k := land.cellCounty[c]
				if k < 0 {
					continue
				}
				if lon, lat := land.g.center(c); inShapes(lon, lat) {
					popArea[k] += land.cellPop[c]
				}
			}
		}
	}
	// divisions
	var divMatch []bool
	var codes []string
	for _, d := range a.Divisions {
		if d != "" {
			codes = append(codes, d)
		}
	}
	popDiv := make([]float64, len(land.counties))
	if len(codes) > 0 {
		divMatch = make([]bool, len(land.divs))
		for i, d := range land.divs {
			for _, c := range codes {
				if region.Within(d, c) {
					divMatch[i] = true
				}
			}
		}
		for _, c := range topmost(codes) {
			land.addPopulation(c, popDiv)
		}
		for p := range ix.ent[:ix.cellStart[ncell+1]] {
			if d := ix.ent[p].div; d >= 0 && divMatch[d] {
				set(int32(p))
			}
		}
	}
	// followers
	if len(ix.follows) > 0 && (len(codes) > 0 || len(shapes) > 0) {
		hit := make([]int8, len(land.divs)) // 0 unknown, 1 yes, -1 no
		for _, f := range ix.follows {
			h := hit[f.div]
			if h == 0 {
				h = -1
				d := land.divs[f.div]
				for _, c := range codes {
					if region.Within(d, c) || region.Within(c, d) {
						h = 1
					}
				}
				// without boundaries below the counties, a followed division is
				// hit by a shape that covers part of its county
				for k, code := range land.counties {
					if popArea[k] > 0 && (region.Within(code, d) || region.Within(d, code)) {
						h = 1
					}
				}
				hit[f.div] = h
			}
			if h > 0 {
				set(f.pos)
			}
		}
	}
	m := &Match{ix: ix, Population: make([]float64, len(land.counties))}
	for k := range m.Population {
		m.Population[k] = math.Min(land.countyPop[k], popArea[k]+popDiv[k])
	}
	n := 0
	for _, w := range mark {
		n += popcount(w)
	}
	m.pos = make([]int32, 0, n)
	for wi, w := range mark {
		for w != 0 {
			b := trailingZeros(w)
			m.pos = append(m.pos, int32(wi*64+b))
			w &= w - 1
		}
	}
	return m
}

// topmost drops codes that lie below another listed code.
func topmost(codes []string) []string {
	var out []string
	for _, c := range codes {
		covered := false
		for _, o := range codes {
			if o != c && region.Within(c, o) {
				covered = true
			}
		}
		if !covered && !containsStr(out, c) {
			out = append(out, c)
		}
	}
	return out
}

func containsStr(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// Len is the number of recipients matched.
func (m *Match) Len() int { return len(m.pos) }

// Each calls fn for every matched recipient.
func (m *Match) Each(fn func(id int64, ch Channel, kind string, division string)) {
	for _, p := range m.pos {
		e := &m.ix.ent[p]
		d := ""
		if e.div >= 0 {
			d = m.ix.land.divs[e.div]
		}
		fn(e.id, e.ch, Kinds[e.kind].Name, d)
	}
}

// ChannelCount is how many recipients a channel reaches.
type ChannelCount struct {
	Channel    string `json:"channel"`
	Recipients int    `json:"recipients"`
}

// DivisionCount is the figures of one county-level division.
type DivisionCount struct {
	Code       string         `json:"code"`
	Name       string         `json:"name"`
	Recipients int            `json:"recipients"`
	Messages   int            `json:"messages"`
	Channels   []ChannelCount `json:"channels"`
	Population int64          `json:"population"`
}

// Targeting is the result of resolving an area: counts per channel and
// per county-level division, and the area's population (the coverage
// denominator).
type Targeting struct {
	Recipients   int             `json:"recipients"`
	Messages     int             `json:"messages"`
	Loudspeakers int             `json:"loudspeakers"`
	Channels     []ChannelCount  `json:"channels"`
	Divisions    []DivisionCount `json:"divisions"`
	Population   int64           `json:"population"`
	// Enqueued is false when the message had been enqueued before.
	Enqueued bool `json:"enqueued"`
}

// Targeting counts the match.
func (m *Match) Targeting() Targeting {
	land := m.ix.land
	nk := len(land.counties)
	per := make([][nChannels]int, nk+1) // last: outside every county
	recs := make([]int, nk+1)
	msgs := make([]int, nk+1)
	var t Targeting
	ls := uint8(KindIndex(Loudspeaker))
	for _, p := range m.pos {
		e := &m.ix.ent[p]
		k := nk
		if e.div >= 0 && land.countyOf[e.div] >= 0 {
			k = int(land.countyOf[e.div])
		}
		recs[k]++
		if e.kind == ls {
			t.Loudspeakers++
		}
		for i, c := range AllChannels {
			if e.ch&c != 0 {
				per[k][i]++
				msgs[k]++
			}
		}
	}
	t.Recipients = len(m.pos)
	tot := [nChannels]int{}
	for k := 0; k <= nk; k++ {
		pop := 0.0
		code, name := "", "其他 / other"
		if k < nk {
			pop = m.Population[k]
			code = land.counties[k]
			name = land.names[k]
		}
		if recs[k] == 0 && pop == 0 {
			continue
		}
		dc := DivisionCount{Code: code, Name: name, Recipients: recs[k], Messages: msgs[k], Population: int64(math.Round(pop)), Channels: []ChannelCount{}}
		for i, c := range AllChannels {
			tot[i] += per[k][i]
			if per[k][i] > 0 {
				dc.Channels = append(dc.Channels, ChannelCount{c.String(), per[k][i]})
			}
		}
		t.Messages += msgs[k]
		t.Population += dc.Population
		t.Divisions = append(t.Divisions, dc)
	}
	t.Channels = []ChannelCount{}
	for i, c := range AllChannels {
		t.Channels = append(t.Channels, ChannelCount{c.String(), tot[i]})
	}
	if t.Divisions == nil {
		t.Divisions = []DivisionCount{}
	}
	return t
}

func popcount(w uint64) int      { return bits.OnesCount64(w) }
func trailingZeros(w uint64) int { return bits.TrailingZeros64(w) }

// sortedCodes returns the codes of every division in tree, sorted.
func sortedCodes(tree *region.Tree) []string {
	var out []string
	for _, d := range tree.All() {
		out = append(out, d.Code)
	}
	sort.Strings(out)
	return out
}
