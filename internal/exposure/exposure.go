// Package exposure says who and what is inside a hazard zone: the resident
// population, estimated from division population figures by area share,
// and the registry records (enterprises, hazard sources, monitoring
// points, geohazard points, shelters, resources) with counts per division.
//
// Population: each county-level division's 2020 census population
// (region.Population) times the share of its area inside the zone, summed.
// This assumes people are spread evenly over a county, which they are not
// (towns hold most of them), so the figure is an estimate and says so. Only
// county boundaries are available; township populations exist only for
// Longling and township boundaries for none, so the apportionment is by
// county: a township with a figure is listed with it only when its county
// lies wholly inside the zone (WholeShare), otherwise for reference. Records are counted by their anchor point (registry.Object.Anchor)
// and attributed to their own division code.
package exposure

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/quadtree"

	"github.com/yingji/yingji/internal/region"
	"github.com/yingji/yingji/internal/registry"
)

// Kinds are the registry kinds counted by default: everything with a
// place on the map except experts (people, placed at their office).
var Kinds = []string{registry.KEnterprise, registry.KFacility, registry.KHazardSource, registry.KMonitoringPoint,
	registry.KGeohazardPoint, registry.KLifelineAsset, registry.KShelter, registry.KRescueTeam, registry.KWarehouse, registry.KVehicle}

// Lister is the registry read the index is loaded with (registry.Store).
type Lister interface {
	ListObjects(ctx context.Context, f registry.Filter) ([]*registry.Object, int, error)
}

// county is a county-level division prepared for overlap.
type county struct {
	div     region.Division
	shape   *shape
	areaKm2 float64
	pop     region.Figure
	hasPop  bool
}

// item is an indexed registry record.
type item struct {
	obj *registry.Object
	at  orb.Point
}

func (it *item) Point() orb.Point { return it.at }

// Index holds the counties and the registry records for exposure queries.
// It is immutable once built and safe for concurrent use.
type Index struct {
	tree     *region.Tree
	pop      *region.PopulationTable
	counties []county
	items    []*item
	qt       *quadtree.Quadtree
	Built    time.Time
}

// NewIndex builds an index over the tree's county boundaries, the
// population table and objs (records without geometry are skipped).
func NewIndex(tree *region.Tree, pop *region.PopulationTable, objs []*registry.Object) (*Index, error) {
	ix := &Index{tree: tree, pop: pop}
	for _, d := range tree.List(region.County) {
		mp, ok := tree.Boundary(d.Code)
		if !ok {
			continue
		}
		s, err := prepare(mp)
		if err != nil {
			return nil, fmt.Errorf("exposure: boundary of %s: %w", d.Code, err)
		}
		c := county{div: d, shape: s, areaKm2: overlapKm2(s, nil)}
		if pop != nil {
			c.pop, c.hasPop = pop.Lookup(tree, d.Code)
		}
		ix.counties = append(ix.counties, c)
	}
	b := tree.Extent()
	for _, o := range objs {
		if o.Geometry == nil {
			continue
		}
		p := o.Anchor()
		if !validLonLat(p) {
			continue
		}
		b = b.Extend(p)
		ix.items = append(ix.items, &item{obj: o, at: p})
	}
	ix.qt = quadtree.New(b.Pad(1e-6))
	for _, it := range ix.items {
		if err := ix.qt.Add(it); err != nil {
			return nil, fmt.Errorf("exposure: index %s %d: %w", it.obj.Kind, it.obj.ID, err)
		}
	}
	return ix, nil
}

// Load reads every record of the given kinds (nil: Kinds) through l with
// the caller's context (use the system actor for a full index) and builds
// the index.
func Load(ctx context.Context, l Lister, tree *region.Tree, pop *region.PopulationTable, kinds []string) (*Index, error) {
	if kinds == nil {
		kinds = Kinds
	}
	var all []*registry.Object
	for _, k := range kinds {
		objs, _, err := l.ListObjects(ctx, registry.Filter{Kind: k})
		if err != nil {
			return nil, fmt.Errorf("exposure: load %s: %w", k, err)
		}
		all = append(all, objs...)
	}
	ix, err := NewIndex(tree, pop, all)
	if err != nil {
		return nil, err
	}
	ix.Built = time.Now().UTC()
	return ix, nil
}

// Division is one division's part of the exposure.
type Division struct {
	Code  string       `json:"code"`
	Name  string       `json:"name"`
	Level region.Level `json:"level"`
	// AreaKm2 is the area of the division inside the zone and Share its
	// fraction of the division's area (counties only).
	AreaKm2 float64 `json:"area_km2,omitempty"`
	Share   float64 `json:"share,omitempty"`
	// Population is the division's census population × Share, rounded.
	Population       *int64         `json:"population,omitempty"`
	PopulationSource string         `json:"population_source,omitempty"`
	Objects          map[string]int `json:"objects"`
}

// Object is a record inside the zone, as the exposure lists it.
type Object struct {
	ID       int64   `json:"id"`
	Kind     string  `json:"kind"`
	Code     string  `json:"code"`
	Name     string  `json:"name"`
	Category string  `json:"category"`
	Division string  `json:"division_code"`
	Lon      float64 `json:"lon"`
	Lat      float64 `json:"lat"`
}

// Result is the exposure of one zone.
type Result struct {
	AreaKm2 float64 `json:"area_km2"`
	// Population is the estimated resident population inside; the method
	// says how it was obtained.
	Population       int64  `json:"population"`
	PopulationMethod string `json:"population_method"`
	// Counties and Townships list the divisions the zone touches, with
	// record counts by kind; counties also carry area and population.
	Counties  []Division     `json:"counties"`
	Townships []Division     `json:"townships"`
	Objects   map[string]int `json:"objects"`
	// Items are the records inside, sorted by kind and code, at most
	// Query.MaxItems of them; Truncated says some were left out.
	Items     []Object `json:"items"`
	Truncated bool     `json:"truncated,omitempty"`
}

// WholeShare is the share of a county's area inside a zone from which the
// county counts as wholly inside, and so each of its townships: the area
// integration is exact to about 10⁻⁴ of a county.
const WholeShare = 0.9999

// PopulationMethod describes the estimate in Result.
const PopulationMethod = "2020 census resident population of each county × the share of its area inside the zone (even spread assumed)"

// Query selects what Assess counts.
type Query struct {
	// Kinds limits the records counted; nil counts all indexed kinds.
	Kinds []string
	// Scope limits the records to those the caller may see.
	Scope registry.Scope
	// MaxItems bounds Result.Items (0: 1000; negative: none listed).
	MaxItems int
}

// Assess computes the exposure of zone, a lon/lat (multi)polygon.
func (ix *Index) Assess(zone orb.Geometry, q Query) (*Result, error) {
	var mp orb.MultiPolygon
	switch g := zone.(type) {
	case orb.Polygon:
		mp = orb.MultiPolygon{g}
	case orb.MultiPolygon:
		mp = g
	default:
		return nil, errors.New("exposure: the zone must be a Polygon or MultiPolygon")
	}
	z, err := prepare(mp)
	if err != nil {
		return nil, fmt.Errorf("exposure: zone: %w", err)
	}
	res := &Result{AreaKm2: overlapKm2(z, nil), PopulationMethod: PopulationMethod, Objects: map[string]int{}, Counties: []Division{}, Townships: []Division{}, Items: []Object{}}
	byCode := map[string]*Division{}
	var counties []*Division
	for i := range ix.counties {
		c := &ix.counties[i]
		a := overlapKm2(z, c.shape)
		if a <= 0 {
			continue
		}
		d := &Division{Code: c.div.Code, Name: c.div.Name, Level: c.div.Level, AreaKm2: a, Share: min(a/c.areaKm2, 1), Objects: map[string]int{}}
		if c.hasPop {
			n := int64(float64(c.pop.Population)*d.Share + 0.5)
			d.Population, d.PopulationSource = &n, c.pop.Method+": "+c.pop.Source
			res.Population += n
		}
		byCode[d.Code] = d
		counties = append(counties, d)
	}
	kinds := map[string]bool{}
	for _, k := range q.Kinds {
		kinds[k] = true
	}
	maxItems := q.MaxItems
	if maxItems == 0 {
		maxItems = 1000
	}
	var towns []*Division
	var buf []orb.Pointer
	buf = ix.qt.InBound(buf, z.bound)
	for _, pt := range buf {
		it := pt.(*item)
		o := it.obj
		if len(kinds) > 0 && !kinds[o.Kind] || !q.Scope.Contains(o) || !z.contains(it.at) {
			continue
		}
		res.Objects[o.Kind]++
		if maxItems > 0 {
			res.Items = append(res.Items, Object{ID: o.ID, Kind: o.Kind, Code: o.Code, Name: o.Name, Category: o.Category, Division: o.Division, Lon: it.at[0], Lat: it.at[1]})
		}
		if cc := countyOf(o.Division); cc != "" {
			d := byCode[cc]
			if d == nil {
				d = ix.division(cc)
				byCode[cc] = d
				counties = append(counties, d)
			}
			d.Objects[o.Kind]++
		}
		if len(o.Division) >= 9 {
			tc := o.Division[:9]
			d := byCode[tc]
			if d == nil {
				d = ix.division(tc)
				byCode[tc] = d
				towns = append(towns, d)
			}
			d.Objects[o.Kind]++
		}
	}
	sortItems(res.Items)
	if maxItems > 0 && len(res.Items) > maxItems {
		res.Items, res.Truncated = res.Items[:maxItems], true
	}
	for _, d := range sortDivs(counties) {
		res.Counties = append(res.Counties, *d)
	}
	// A county wholly inside the zone has all its townships inside: those
	// with a census figure are listed with it, records or not.
	whole := map[string]bool{}
	for _, c := range counties {
		if c.Share < WholeShare {
			continue
		}
		whole[c.Code] = true
		for _, t := range ix.tree.Children(c.Code) {
			if _, ok := ix.townPopulation(t.Code); ok && byCode[t.Code] == nil {
				d := ix.division(t.Code)
				byCode[t.Code] = d
				towns = append(towns, d)
			}
		}
	}
	for _, d := range sortDivs(towns) {
		if f, ok := ix.townPopulation(d.Code); ok {
			if whole[countyOf(d.Code)] {
				n := f.Population
				d.Population, d.Share = &n, 1
				d.PopulationSource = fmt.Sprintf("%s: %s; wholly inside (its county is)", f.Method, f.Source)
			} else {
				// a township's census figure, shown for reference: its
				// share inside the zone is unknown without township
				// boundaries.
				d.PopulationSource = fmt.Sprintf("whole township %d (%s: %s); not apportioned", f.Population, f.Method, f.Source)
			}
		}
		res.Townships = append(res.Townships, *d)
	}
	return res, nil
}

// Objects returns the indexed records of a kind inside scope, in index
// order (the order they were loaded).
func (ix *Index) Objects(kind string, sc registry.Scope) []*registry.Object {
	var out []*registry.Object
	for _, it := range ix.items {
		if it.obj.Kind == kind && sc.Contains(it.obj) {
			out = append(out, it.obj)
		}
	}
	return out
}

// countyOf is the county-level code a division code lies in, or "" for a
// city- or province-level record.
func countyOf(code string) string {
	if len(code) < 6 {
		return ""
	}
	if l, ok := region.CodeLevel(code[:6]); !ok || l != region.County {
		return ""
	}
	return code[:6]
}

func (ix *Index) division(code string) *Division {
	d := &Division{Code: code, Objects: map[string]int{}}
	if div, ok := ix.tree.Get(code); ok {
		d.Name, d.Level = div.Name, div.Level
	}
	return d
}

func (ix *Index) townPopulation(code string) (region.Figure, bool) {
	if ix.pop == nil {
		return region.Figure{}, false
	}
	return ix.pop.Lookup(nil, code)
}

func sortItems(items []Object) {
	sort.Slice(items, func(i, j int) bool {
		if items[i].Kind != items[j].Kind {
			return items[i].Kind < items[j].Kind
		}
		if items[i].Code != items[j].Code {
			return items[i].Code < items[j].Code
		}
		return items[i].ID < items[j].ID
	})
}

func sortDivs(ds []*Division) []*Division {
	slices.SortFunc(ds, func(a, b *Division) int {
		if a.Code < b.Code {
			return -1
		}
		if a.Code > b.Code {
			return 1
		}
		return 0
	})
	return ds
}

// Service keeps an index current: Invalidate marks it stale after a
// registry change, and the next query reloads it (as it does when the
// division tree was replaced).
type Service struct {
	Lister Lister
	Tree   func() *region.Tree
	Pop    *region.PopulationTable
	// Context gives the context the index loads with (the system actor).
	Context func(context.Context) context.Context

	mu    sync.Mutex
	ix    *Index
	stale bool
}

// Invalidate makes the next Index call reload.
func (s *Service) Invalidate() {
	s.mu.Lock()
	s.stale = true
	s.mu.Unlock()
}

// Index returns the current index, loading it when missing or stale.
func (s *Service) Index(ctx context.Context) (*Index, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	tree := s.Tree()
	if s.ix != nil && !s.stale && s.ix.tree == tree {
		return s.ix, nil
	}
	lctx := ctx
	if s.Context != nil {
		lctx = s.Context(ctx)
	}
	ix, err := Load(lctx, s.Lister, tree, s.Pop, nil)
	if err != nil {
		return nil, err
	}
	s.ix, s.stale = ix, false
	return ix, nil
}
