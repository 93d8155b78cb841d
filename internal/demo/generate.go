package demo

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"

	"github.com/paulmach/orb"

	"github.com/yingji/yingji/internal/region"
	"github.com/yingji/yingji/internal/registry"
)

// countyFacts holds the published figures the data set is weighted by, in
// the order of the county codes. Areas are the official land areas (they add
// up to the city's 19,600 km²); population is the 2020 census resident
// population in units of 10,000 [check: secondary source].
var countyFacts = []struct {
	code    string
	areaKm2 float64
	pop10k  float64
}{
	{"530502", 5011, 93.6}, // 隆阳区
	{"530521", 2009, 29.2}, // 施甸县
	{"530523", 2884, 26.8}, // 龙陵县
	{"530524", 3888, 25.8}, // 昌宁县
	{"530581", 5845, 67.7}, // 腾冲市
}

// county is a county-level division with what the generator needs of it.
type county struct {
	idx    int // position in countyFacts, for the per-county tables
	div    region.Division
	towns  []*town
	seat   orb.Point // the county seat: urban assets and resources cluster here
	area   float64
	pop10k float64
}

// town is a township or street office with its villages' short names.
type town struct {
	div      region.Division
	villages []string
}

// gen holds the state of one Generate run. The maps are only looked up,
// never ranged over, so they cannot make the output depend on map order.
type gen struct {
	rng      *rand.Rand
	tree     *region.Tree
	counties []*county
	byCode   map[string]*county
	stages   []*Stage
	names    map[string]bool
	creditNo map[string]bool
	plates   map[string]bool

	// What later steps need of earlier ones.
	ents      map[string][]*ent // by industry, in creation order
	ponds     []*pond
	hazards   []*hazardHolder
	lifelines []*lifeline
	teamCodes map[string]string // county code + team type → team code
}

// Generate builds the demo data set for the Baoshan tree. The same tree and
// seed give the same data set, record for record.
func Generate(tree *region.Tree, seed int64) (*Dataset, error) {
	if tree == nil {
		return nil, fmt.Errorf("demo: no region tree")
	}
	g := &gen{
		// One PCG stream; the second word only separates it from other
		// users of the same seed.
		rng:       rand.New(rand.NewPCG(uint64(seed), 0x59494e474a49)),
		tree:      tree,
		byCode:    map[string]*county{},
		names:     map[string]bool{},
		creditNo:  map[string]bool{},
		plates:    map[string]bool{},
		ents:      map[string][]*ent{},
		teamCodes: map[string]string{},
	}
	if err := g.loadCounties(); err != nil {
		return nil, err
	}
	for _, name := range kindOrder {
		k, _ := registry.KindNamed(name)
		g.stages = append(g.stages, &Stage{Kind: k})
	}
	steps := []func() error{
		g.enterprises, g.pipelines, g.hazardSources, g.geohazards,
		g.lifelineAssets, g.pondPoints, g.hazardPoints, g.geohazardPoints,
		g.lifelinePoints, g.resources,
		g.weatherStations,
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return nil, err
		}
	}
	return &Dataset{Stages: g.stages}, nil
}

// loadCounties checks that tree is Baoshan as the data set expects and
// collects each county's townships, villages and seat.
func (g *gen) loadCounties() error {
	for i, f := range countyFacts {
		d, ok := g.tree.Get(f.code)
		if !ok || d.Level != region.County {
			return fmt.Errorf("demo: the region has no county %s; the demo data set is made for Baoshan (530500)", f.code)
		}
		if _, ok := g.tree.Boundary(f.code); !ok {
			return fmt.Errorf("demo: county %s %s has no boundary", f.code, d.Name)
		}
		seat, ok := g.tree.Center(f.code)
		if !ok || !g.in(seat, f.code) {
			return fmt.Errorf("demo: county %s %s has no seat inside its boundary", f.code, d.Name)
		}
		c := &county{idx: i, div: d, seat: seat, area: f.areaKm2, pop10k: f.pop10k}
		for _, t := range g.tree.Children(f.code) {
			tw := &town{div: t}
			for _, v := range g.tree.Children(t.Code) {
				tw.villages = append(tw.villages, shortVillage(v.Name))
			}
			if len(tw.villages) == 0 {
				tw.villages = []string{""}
			}
			c.towns = append(c.towns, tw)
		}
		if len(c.towns) == 0 {
			return fmt.Errorf("demo: county %s %s has no townships", f.code, d.Name)
		}
		g.counties = append(g.counties, c)
		g.byCode[f.code] = c
	}
	return nil
}

// shortVillage turns an official committee name into the village name
// people use: 大塘村民委员会 → 大塘村, 官田村村民委员会 → 官田村,
// 岗峨社区村民委员会 → 岗峨社区, 兰花社区居民委员会 → 兰花社区.
func shortVillage(name string) string {
	base, suffix := name, ""
	switch {
	case strings.HasSuffix(name, "村民委员会"):
		base, suffix = strings.TrimSuffix(name, "村民委员会"), "村"
	case strings.HasSuffix(name, "居民委员会"):
		base, suffix = strings.TrimSuffix(name, "居民委员会"), "社区"
	}
	if strings.HasSuffix(base, "村") || strings.HasSuffix(base, "社区") {
		return base
	}
	return base + suffix
}

func (g *gen) stage(kind string) *Stage {
	for _, s := range g.stages {
		if s.Kind.Name == kind {
			return s
		}
	}
	panic("demo: no stage for kind " + kind)
}

func (g *gen) add(kind string, r *Record) *Record {
	s := g.stage(kind)
	s.Records = append(s.Records, r)
	return r
}

// in reports whether p lies inside the county with this code.
func (g *gen) in(p orb.Point, countyCode string) bool {
	d, ok := g.tree.Locate(p)
	return ok && d.Code[:min(6, len(d.Code))] == countyCode
}

// maxDraws bounds every re-draw loop; the shapes are large enough that it is
// never reached in practice, and reaching it is reported, not hidden.
const maxDraws = 200

// point draws a point inside the county, rounded to 6 decimals (about 0.1 m)
// to keep the stored JSON readable; rounding is checked like the draw.
func (g *gen) point(c *county) (orb.Point, error) {
	for range maxDraws {
		p, err := g.tree.RandomPoint(g.rng, c.div.Code)
		if err != nil {
			return orb.Point{}, fmt.Errorf("demo: %w", err)
		}
		p = round6(p)
		if g.in(p, c.div.Code) {
			return p, nil
		}
	}
	return orb.Point{}, fmt.Errorf("demo: no point found inside %s", c.div.Name)
}

// near draws a point between minM and maxM metres from p in a random
// direction, re-drawing until it lies in the same county as p, so that a
// facility near a county border does not change county.
func (g *gen) near(p orb.Point, c *county, minM, maxM float64) (orb.Point, error) {
	for range maxDraws {
		q := round6(offset(p, minM+g.rng.Float64()*(maxM-minM), g.rng.Float64()*2*math.Pi))
		if g.in(q, c.div.Code) {
			return q, nil
		}
	}
	return orb.Point{}, fmt.Errorf("demo: no point found within %g m of %v inside %s", maxM, p, c.div.Name)
}

// metresPerDegree is the length of one degree of latitude; the equirectangular
// approximation is far below a metre off at this scale.
const metresPerDegree = 111320.0

// offset moves p by dist metres towards bearing (radians, clockwise from north).
func offset(p orb.Point, dist, bearing float64) orb.Point {
	dLat := dist * math.Cos(bearing) / metresPerDegree
	dLon := dist * math.Sin(bearing) / (metresPerDegree * math.Cos(p[1]*math.Pi/180))
	return orb.Point{p[0] + dLon, p[1] + dLat}
}

func round6(p orb.Point) orb.Point {
	return orb.Point{math.Round(p[0]*1e6) / 1e6, math.Round(p[1]*1e6) / 1e6}
}

// round rounds x to the given number of decimals for tidy stored values.
func round(x float64, decimals int) float64 {
	f := math.Pow(10, float64(decimals))
	return math.Round(x*f) / f
}

// uniform returns a float in [lo, hi).
func (g *gen) uniform(lo, hi float64) float64 { return lo + g.rng.Float64()*(hi-lo) }

// between returns an integer in [lo, hi].
func (g *gen) between(lo, hi int) int { return lo + g.rng.IntN(hi-lo+1) }

// pick returns a random element of xs.
func pick[T any](g *gen, xs []T) T { return xs[g.rng.IntN(len(xs))] }

// weighted returns an index drawn with the given relative weights.
func (g *gen) weighted(weights []float64) int {
	total := 0.0
	for _, w := range weights {
		total += w
	}
	x := g.rng.Float64() * total
	for i, w := range weights {
		if x < w {
			return i
		}
		x -= w
	}
	return len(weights) - 1
}

// status returns the first status of the kind most of the time and the
// given other one with probability p, so that filters have something to show.
func (g *gen) status(first, other string, p float64) string {
	if g.rng.Float64() < p {
		return other
	}
	return first
}

// town picks a township of c.
func (g *gen) town(c *county) *town { return pick(g, c.towns) }

// ruralTown picks a town or township of c, not an urban street office
// (街道, codes ending 0xx), for mines and plants that do not sit in town.
func (g *gen) ruralTown(c *county) *town {
	var rural []*town
	for _, t := range c.towns {
		if t.div.Code[6] != '0' {
			rural = append(rural, t)
		}
	}
	if len(rural) == 0 {
		return g.town(c)
	}
	return pick(g, rural)
}

// apportion splits total over weights by the largest-remainder method, so
// that the parts are proportional and add up exactly; ties go to the
// earlier entry.
func apportion(total int, weights []float64) []int {
	sum := 0.0
	for _, w := range weights {
		sum += w
	}
	out := make([]int, len(weights))
	rest := make([]float64, len(weights))
	given := 0
	for i, w := range weights {
		share := float64(total) * w / sum
		out[i] = int(math.Floor(share))
		rest[i] = share - float64(out[i])
		given += out[i]
	}
	for ; given < total; given++ {
		best := 0
		for i := range rest {
			if rest[i] > rest[best] {
				best = i
			}
		}
		out[best]++
		rest[best] = -1
	}
	return out
}
