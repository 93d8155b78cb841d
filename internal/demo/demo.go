// Package demo builds the deterministic Baoshan demo data set: the
// enterprises, facilities, major hazard sources, monitoring points,
// geological hazard points, lifeline assets and emergency resources that the
// platform shows on its first start and that `yingji demo` loads.
//
// The counts follow the city's 2021 emergency-management informatization
// plan (see the Baoshan reference data README); everything else (names,
// places, quantities) is invented but plausible. Every record's name ends
// with Marker so that nobody mistakes it for real data.
//
// Generation is pure: Generate turns a region tree and a seed into a Dataset
// with owners referenced by code, and Dataset.Create stores it stage by stage,
// turning those references into the IDs the store assigned.
package demo

import (
	"context"
	"fmt"
	"maps"
	"strings"

	"github.com/paulmach/orb"

	"github.com/yingji/yingji/internal/region"
	"github.com/yingji/yingji/internal/registry"
)

// Marker ends the name of every demo record. Users and `yingji demo` look
// for it to tell demo records from real ones, so it must never change.
const Marker = "（示例）"

// DefaultSeed is the seed the platform uses, so that every installation
// shows the same demo city and screenshots in the manual stay true.
const DefaultSeed int64 = 20210531

// batchSize bounds one Create call: large enough to keep the per-call cost
// low, small enough that a single transaction does not hold the SQLite write
// lock for long.
const batchSize = 1000

// Creator stores a batch of new records, all or none, and returns them with
// their IDs in input order. registry.Service satisfies it.
type Creator interface {
	Create(ctx context.Context, k *registry.Kind, inputs []*registry.Input) ([]*registry.Object, error)
}

// Ref names a record of an earlier stage by kind and code, because IDs exist
// only once the store has assigned them.
type Ref struct {
	Kind string
	Code string
}

// Record is one demo record before it is stored.
type Record struct {
	Code     string
	Name     string
	Category string
	Status   string
	// Division is the township (or, for city-level records, the city) the
	// record belongs to; its county is the one the geometry lies in.
	Division string
	// Owner is the owning record, zero for none.
	Owner    Ref
	Geometry orb.Geometry
	Attrs    map[string]any
}

// Anchor is the point the registry uses to locate the record.
func (r *Record) Anchor() orb.Point {
	o := registry.Object{Geometry: r.Geometry}
	return o.Anchor()
}

// Stage is a list of records of one kind. Stages are created in order, so
// every owner is stored before the records it owns.
type Stage struct {
	Kind    *registry.Kind
	Records []*Record
}

// Dataset is the complete demo data set.
type Dataset struct {
	Stages []*Stage
}

// Records returns the records of the named kind, in creation order.
func (d *Dataset) Records(kind string) []*Record {
	var out []*Record
	for _, s := range d.Stages {
		if s.Kind.Name == kind {
			out = append(out, s.Records...)
		}
	}
	return out
}

// Summary counts records per kind and enterprises per industry.
type Summary struct {
	Kinds      map[string]int
	Industries map[string]int
}

// kindOrder fixes the order of kinds in summaries and of stages.
var kindOrder = []string{
	registry.KEnterprise, registry.KFacility, registry.KHazardSource,
	registry.KGeohazardPoint, registry.KLifelineAsset, registry.KMonitoringPoint,
	registry.KRescueTeam, registry.KWarehouse, registry.KExpert,
	registry.KShelter, registry.KVehicle,
}

func newSummary() Summary {
	return Summary{Kinds: map[string]int{}, Industries: map[string]int{}}
}

func (s Summary) add(kind, category string, n int) {
	s.Kinds[kind] += n
	if kind == registry.KEnterprise {
		s.Industries[category] += n
	}
}

// Total is the number of records of all kinds.
func (s Summary) Total() int {
	n := 0
	for _, k := range kindOrder {
		n += s.Kinds[k]
	}
	return n
}

// String is a one-line account for the log, in a fixed order.
func (s Summary) String() string {
	var kinds, inds []string
	for _, k := range kindOrder {
		if n := s.Kinds[k]; n > 0 {
			kinds = append(kinds, fmt.Sprintf("%d %s", n, k))
		}
	}
	for _, o := range registry.Industries {
		if n := s.Industries[o.Value]; n > 0 {
			inds = append(inds, fmt.Sprintf("%s %d", o.Value, n))
		}
	}
	return fmt.Sprintf("demo data: %d records (%s); enterprises by industry: %s",
		s.Total(), strings.Join(kinds, ", "), strings.Join(inds, ", "))
}

// Summary counts the records of the data set.
func (d *Dataset) Summary() Summary {
	s := newSummary()
	for _, st := range d.Stages {
		for _, r := range st.Records {
			s.add(st.Kind.Name, r.Category, 1)
		}
	}
	return s
}

// Load generates the demo data set for tree with seed and stores it through
// c. See Dataset.Create for what happens on failure.
func Load(ctx context.Context, c Creator, tree *region.Tree, seed int64) (Summary, error) {
	ds, err := Generate(tree, seed)
	if err != nil {
		return newSummary(), err
	}
	return ds.Create(ctx, c)
}

// Create stores the data set stage by stage in batches of at most 1,000
// records and returns what was stored. Each batch is all-or-nothing, but the
// data set as a whole is not: after an error the records of earlier batches
// remain (the summary says which), and the caller can find them by Marker.
// Loading the same data set twice fails on the first batch, because the
// codes are already taken, and stores nothing.
func (d *Dataset) Create(ctx context.Context, c Creator) (Summary, error) {
	sum := newSummary()
	ids := map[Ref]int64{}
	for _, st := range d.Stages {
		for start := 0; start < len(st.Records); start += batchSize {
			batch := st.Records[start:min(start+batchSize, len(st.Records))]
			inputs := make([]*registry.Input, len(batch))
			for i, r := range batch {
				var owner int64
				if r.Owner != (Ref{}) {
					id, ok := ids[r.Owner]
					if !ok {
						return sum, fmt.Errorf("demo: %s %s: owner %s %s was not created before it", st.Kind.Name, r.Code, r.Owner.Kind, r.Owner.Code)
					}
					owner = id
				}
				inputs[i] = r.input(st.Kind.Name, owner)
			}
			objs, err := c.Create(ctx, st.Kind, inputs)
			if err != nil {
				return sum, fmt.Errorf("demo: create %s records %d–%d: %w", st.Kind.Name, start+1, start+len(batch), err)
			}
			if len(objs) != len(batch) {
				return sum, fmt.Errorf("demo: create %s: stored %d of %d records", st.Kind.Name, len(objs), len(batch))
			}
			for i, o := range objs {
				ids[Ref{Kind: st.Kind.Name, Code: batch[i].Code}] = o.ID
				sum.add(st.Kind.Name, o.Category, 1)
			}
		}
	}
	return sum, nil
}

// input copies the record so that the store's changes to the object (such
// as dropping empty attributes) never reach the data set.
func (r *Record) input(kind string, owner int64) *registry.Input {
	return &registry.Input{Object: registry.Object{
		Kind: kind, Code: r.Code, Name: r.Name, Category: r.Category, Status: r.Status,
		Division: r.Division, OwnerID: owner, Geometry: r.Geometry, Attrs: maps.Clone(r.Attrs),
	}}
}
