package region

import (
	"cmp"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/paulmach/orb"
)

// Tree is an immutable hierarchy of divisions with optional boundaries.
// All methods are safe for concurrent use because nothing changes after
// NewTree returns.
type Tree struct {
	byCode   map[string]Division
	all      []Division          // sorted by code
	children map[string][]string // parent code → child codes, sorted
	root     string

	bounds map[string]orb.MultiPolygon
	// shapes holds the divisions with a boundary in the order Locate tries
	// them: deepest first, then by code, which makes the answer for a point
	// on a shared border the same on every call.
	shapes  []shape
	anchors map[string]orb.Point // interior point of each boundary
	extent  orb.Bound
}

// shape is a boundary with its bounding box, kept together so Locate can
// skip most polygons with four comparisons.
type shape struct {
	code  string
	bound orb.Bound
	mp    orb.MultiPolygon
}

// emptyBound contains no point, unlike the zero orb.Bound which contains
// (0, 0); orb keeps its own copy unexported.
var emptyBound = orb.Bound{Min: orb.Point{1, 1}, Max: orb.Point{-1, -1}}

// NewTree builds a tree. The divisions must pass the same checks as
// ParseCSV and form a single tree: exactly one division (the root) may have
// a parent that is not in divs. Every key of bounds must be the code of a
// division and its shape must be usable (see ParseBoundaries). Divisions
// and boundaries are copied, so the caller may reuse its arguments.
func NewTree(divs []Division, bounds map[string]orb.MultiPolygon) (*Tree, error) {
	if len(divs) == 0 {
		return nil, errors.New("region: no divisions")
	}
	ref := func(i int) string { return fmt.Sprintf("division %d (code %q)", i, divs[i].Code) }
	var errs []error
	for i, d := range divs {
		for _, is := range checkDivision(d) {
			errs = append(errs, fmt.Errorf("region: %s: %s %q: %s", ref(i), is.field, is.value, is.msg))
		}
	}
	for _, is := range checkLinks(divs, ref) {
		errs = append(errs, fmt.Errorf("region: %s: %s %q: %s", ref(is.idx), is.field, is.value, is.msg))
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}

	t := &Tree{
		byCode:   make(map[string]Division, len(divs)),
		children: make(map[string][]string),
		bounds:   make(map[string]orb.MultiPolygon, len(bounds)),
		anchors:  make(map[string]orb.Point, len(bounds)),
		extent:   emptyBound,
	}
	for _, d := range divs {
		t.byCode[d.Code] = clone(d)
	}
	var roots []string
	for _, d := range divs {
		if _, ok := t.byCode[d.ParentCode]; ok {
			t.children[d.ParentCode] = append(t.children[d.ParentCode], d.Code)
		} else {
			roots = append(roots, d.Code)
		}
	}
	if len(roots) != 1 {
		slices.Sort(roots)
		return nil, fmt.Errorf("region: want one root division, found %d without a parent in the set: %v", len(roots), roots)
	}
	t.root = roots[0]
	for _, kids := range t.children {
		slices.Sort(kids)
	}
	t.all = make([]Division, 0, len(divs))
	for _, d := range t.byCode {
		t.all = append(t.all, d)
	}
	slices.SortFunc(t.all, func(a, b Division) int { return cmp.Compare(a.Code, b.Code) })

	// Sorted so that errors and the order of shapes are the same on every
	// run despite map iteration order.
	for _, code := range slices.Sorted(maps.Keys(bounds)) {
		mp := bounds[code]
		if _, ok := t.byCode[code]; !ok {
			errs = append(errs, fmt.Errorf("region: boundary %q: no division has this code", code))
			continue
		}
		if err := checkMultiPolygon(mp); err != nil {
			errs = append(errs, fmt.Errorf("region: boundary %q: %w", code, err))
			continue
		}
		mp = mp.Clone()
		t.bounds[code] = mp
		t.anchors[code] = anchor(mp)
		t.shapes = append(t.shapes, shape{code: code, bound: mp.Bound(), mp: mp})
		t.extent = t.extent.Union(mp.Bound())
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	slices.SortStableFunc(t.shapes, func(a, b shape) int {
		return t.byCode[b.code].Level.Depth() - t.byCode[a.code].Level.Depth()
	})
	return t, nil
}

// Get returns the division with this code.
func (t *Tree) Get(code string) (Division, bool) {
	d, ok := t.byCode[code]
	return clone(d), ok
}

// Children returns the divisions directly below code, sorted by code; nil
// for a leaf or an unknown code.
func (t *Tree) Children(code string) []Division {
	return t.lookup(t.children[code])
}

// Ancestors returns the divisions above code, root first, excluding code
// itself; nil for the root or an unknown code.
func (t *Tree) Ancestors(code string) []Division {
	d, ok := t.byCode[code]
	if !ok {
		return nil
	}
	var out []Division
	for {
		p, ok := t.byCode[d.ParentCode]
		if !ok {
			break
		}
		out = append(out, clone(p))
		d = p
	}
	slices.Reverse(out)
	return out
}

// List returns the divisions of one level, sorted by code.
func (t *Tree) List(level Level) []Division {
	var out []Division
	for _, d := range t.all {
		if d.Level == level {
			out = append(out, clone(d))
		}
	}
	return out
}

// All returns every division sorted by code. Because a child's code
// extends its parent's prefix with non-zero digits or is longer, this
// order puts every parent before its children, which suits inserting
// into a table with a foreign key on the parent.
func (t *Tree) All() []Division {
	out := make([]Division, len(t.all))
	for i, d := range t.all {
		out[i] = clone(d)
	}
	return out
}

// Root returns the top division.
func (t *Tree) Root() Division {
	return clone(t.byCode[t.root])
}

// Boundary returns the division's own boundary, if it has one. The shape is
// shared with the tree and must not be modified; copying it on every call
// would cost more than the lookups it serves.
func (t *Tree) Boundary(code string) (orb.MultiPolygon, bool) {
	mp, ok := t.bounds[code]
	return mp, ok
}

// Extent returns the bounding box of all boundaries, for rejecting
// coordinates that cannot be in the region before any polygon test. It is
// empty (IsEmpty reports true, Contains is always false) when the tree has
// no boundaries.
func (t *Tree) Extent() orb.Bound {
	return t.extent
}

// lookup resolves codes to copies of their divisions.
func (t *Tree) lookup(codes []string) []Division {
	if len(codes) == 0 {
		return nil
	}
	out := make([]Division, len(codes))
	for i, c := range codes {
		out[i] = clone(t.byCode[c])
	}
	return out
}
