package outbox

import (
	"math/rand/v2"
	"sort"
	"strings"

	"github.com/paulmach/orb"

	"github.com/yingji/yingji/internal/region"
)

// Census2020 returns the resident population of Baoshan's county-level
// divisions at the Seventh National Population Census (2020), from the
// cited table in internal/region (data/population.csv: four county
// bulletins and one figure derived from the city total; see docs/models.md).
// Their sum is the census total of the city, 2,431,211.
func Census2020() map[string]float64 {
	out := map[string]float64{}
	t, err := region.BaoshanPopulation()
	if err != nil {
		return out
	}
	for _, f := range t.All() {
		if len(f.Code) == 6 && !strings.HasSuffix(f.Code, "00") {
			out[f.Code] = float64(f.Population)
		}
	}
	return out
}

// Land is the region as targeting and coverage see it: the division
// table, the grid, and the population spread over the grid. Only county
// boundaries and county population figures exist, so a county's
// population is spread evenly over its area (by grid cell), and inside a
// county a township or village gets the county's population in proportion
// to its number of villages and communities.
type Land struct {
	tree      *region.Tree
	g         grid
	divs      []string
	divIdx    map[string]int32
	countyOf  []int16 // per division: its county slot, -1 above or outside
	counties  []string
	names     []string
	countyPop []float64
	// villages per division (the leaves below it, itself if a leaf)
	leaves     []int32
	cellCounty []int16
	cellPop    []float64
}

// NewLand builds the land from the division tree and population figures
// per county-level code.
func NewLand(tree *region.Tree, pop map[string]float64) (*Land, error) {
	l := &Land{tree: tree, g: newGrid(tree.Extent()), divs: sortedCodes(tree), divIdx: map[string]int32{}}
	for i, d := range l.divs {
		l.divIdx[d] = int32(i)
	}
	for _, d := range tree.List(region.County) {
		l.counties = append(l.counties, d.Code)
		l.names = append(l.names, d.Name)
		// a county without a figure counts 0 people (coverage then
		// leaves it out) rather than stopping the platform
		l.countyPop = append(l.countyPop, pop[d.Code])
	}
	l.countyOf = make([]int16, len(l.divs))
	l.leaves = make([]int32, len(l.divs))
	for i, d := range l.divs {
		l.countyOf[i] = -1
		for k, c := range l.counties {
			if region.Within(d, c) {
				l.countyOf[i] = int16(k)
			}
		}
		if len(tree.Children(d)) == 0 {
			for _, a := range tree.Ancestors(d) {
				if j, ok := l.divIdx[a.Code]; ok {
					l.leaves[j]++
				}
			}
			l.leaves[i]++
		}
	}
	ncell := l.g.nx * l.g.ny
	l.cellCounty = make([]int16, ncell)
	l.cellPop = make([]float64, ncell)
	area := make([]float64, len(l.counties))
	for c := range ncell {
		l.cellCounty[c] = -1
		lon, lat := l.g.center(c)
		d, ok := tree.Locate(orb.Point{lon, lat})
		if !ok {
			continue
		}
		for k, code := range l.counties {
			if region.Within(d.Code, code) {
				l.cellCounty[c] = int16(k)
				area[k] += l.g.cellArea(c)
			}
		}
	}
	for c := range ncell {
		if k := l.cellCounty[c]; k >= 0 && area[k] > 0 {
			l.cellPop[c] = l.countyPop[k] * l.g.cellArea(c) / area[k]
		}
	}
	return l, nil
}

func (l *Land) divIndex(code string) int32 {
	if i, ok := l.divIdx[code]; ok {
		return i
	}
	return -1
}

// Counties returns the county-level codes in slot order.
func (l *Land) Counties() []string { return l.counties }

// DivisionPopulation is the population apportioned to a division.
func (l *Land) DivisionPopulation(code string) float64 {
	p := make([]float64, len(l.counties))
	l.addPopulation(code, p)
	s := 0.0
	for _, v := range p {
		s += v
	}
	return s
}

// addPopulation adds code's population to its county slot(s).
func (l *Land) addPopulation(code string, into []float64) {
	i, ok := l.divIdx[code]
	if !ok {
		return
	}
	k := l.countyOf[i]
	if k < 0 { // the city or above: every county inside it
		for k, c := range l.counties {
			if region.Within(c, code) {
				into[k] += l.countyPop[k]
			}
		}
		return
	}
	ci := l.divIdx[l.counties[k]]
	if l.leaves[ci] == 0 {
		return
	}
	into[k] += l.countyPop[k] * float64(l.leaves[i]) / float64(l.leaves[ci])
}

// CountyOf returns the county-level code above (or equal to) code, "" if none.
func (l *Land) CountyOf(code string) string {
	i, ok := l.divIdx[code]
	if !ok || l.countyOf[i] < 0 {
		return ""
	}
	return l.counties[l.countyOf[i]]
}

// Name returns a division's name.
func (l *Land) Name(code string) string {
	d, _ := l.tree.Get(code)
	return d.Name
}

// Synthetic returns n recipients spread over the land in proportion to its
// population (each in a random grid cell drawn by the cell's population,
// uniform inside the cell): the fixture for load tests and benchmarks.
// Every third has an e-mail address as well as a phone; one in 500 is a
// loudspeaker group. Deterministic for a seed.
func (l *Land) Synthetic(n int, seed uint64) []Target {
	rng := rand.New(rand.NewPCG(seed, 1))
	cum := make([]float64, len(l.cellPop))
	s := 0.0
	for i, p := range l.cellPop {
		s += p
		cum[i] = s
	}
	out := make([]Target, n)
	for i := range out {
		c := sort.SearchFloat64s(cum, rng.Float64()*s)
		lon, lat := l.g.center(c)
		lon += (rng.Float64() - 0.5) * l.g.step
		lat += (rng.Float64() - 0.5) * l.g.step
		t := Target{ID: int64(i + 1), Lon: lon, Lat: lat, Channels: SMS, Kind: Public, Division: l.counties[l.cellCounty[c]]}
		switch {
		case i%500 == 0:
			t.Kind, t.Channels = Loudspeaker, MQTT
		case i%3 == 0:
			t.Channels |= Email
		}
		out[i] = t
	}
	return out
}
