package telemetry

import (
	"math"
	"sync"
	"sync/atomic"
	"time"
)

// PointID is a dense index for a monitoring point, assigned by the
// directory and stable while the process runs, so that the hot path
// indexes slices instead of hashing codes.
type PointID uint32

// Point is what ingestion and the rules need of a monitoring point.
type Point struct {
	ID           PointID
	ObjectID     int64 // registry record ID
	Code         string
	Name         string
	Kind         string
	Unit         string
	Division     string
	EnterpriseID int64
	OwnerID      int64
	Interval     time.Duration
	// RangeMin and RangeMax bound physically possible values; NaN for none.
	RangeMin, RangeMax float64
	Active             bool
}

// Device is an authenticated sender of readings. It may report for the
// points of the record that owns it: points owned by that record, or, for an
// enterprise, every point of the enterprise.
type Device struct {
	Code    string
	OwnerID int64
}

// May reports whether the device may send readings for p.
func (d Device) May(p *Point) bool {
	return d.OwnerID != 0 && (p.OwnerID == d.OwnerID || p.EnterpriseID == d.OwnerID)
}

// Directory maps point codes to points. Lookups are lock-free reads of an
// immutable snapshot; Update swaps in a new one. IDs of known points never
// change, so state indexed by PointID elsewhere stays valid.
type Directory struct {
	mu   sync.Mutex // serialises updates
	snap atomic.Pointer[snapshot]
}

type snapshot struct {
	byCode   map[string]PointID
	byObject map[int64]PointID
	points   []Point // index = PointID; removed points stay with Active=false
}

// NewDirectory returns an empty directory.
func NewDirectory() *Directory {
	d := &Directory{}
	d.snap.Store(&snapshot{byCode: map[string]PointID{}, byObject: map[int64]PointID{}})
	return d
}

// Update replaces the set of points. Points keep their ID by registry
// record; new ones get new IDs; points not in ps are marked inactive.
func (d *Directory) Update(ps []Point) {
	d.mu.Lock()
	defer d.mu.Unlock()
	old := d.snap.Load()
	next := &snapshot{byCode: make(map[string]PointID, len(ps)), byObject: make(map[int64]PointID, len(ps)),
		points: make([]Point, len(old.points), max(len(old.points), len(ps)))}
	copy(next.points, old.points)
	for i := range next.points {
		next.points[i].Active = false
	}
	for _, p := range ps {
		id, ok := old.byObject[p.ObjectID]
		if !ok {
			id = PointID(len(next.points))
			next.points = append(next.points, Point{})
		}
		p.ID = id
		next.points[id] = p
		next.byObject[p.ObjectID] = id
		next.byCode[p.Code] = id
	}
	d.snap.Store(next)
}

// Lookup finds an active point by code.
func (d *Directory) Lookup(code string) (*Point, bool) {
	s := d.snap.Load()
	id, ok := s.byCode[code]
	if !ok || !s.points[id].Active {
		return nil, false
	}
	return &s.points[id], true
}

// Get returns the point with the ID (active or not).
func (d *Directory) Get(id PointID) (*Point, bool) {
	s := d.snap.Load()
	if int(id) >= len(s.points) {
		return nil, false
	}
	return &s.points[id], true
}

// ByObject returns the point of a registry record.
func (d *Directory) ByObject(objectID int64) (*Point, bool) {
	s := d.snap.Load()
	id, ok := s.byObject[objectID]
	if !ok {
		return nil, false
	}
	return &s.points[id], true
}

// Len is one more than the highest PointID: the size state slices need.
func (d *Directory) Len() int { return len(d.snap.Load().points) }

// Each calls fn for every active point.
func (d *Directory) Each(fn func(p *Point)) {
	s := d.snap.Load()
	for i := range s.points {
		if s.points[i].Active {
			fn(&s.points[i])
		}
	}
}

// NoRange is the value of RangeMin/RangeMax when a point has no range.
var NoRange = math.NaN()
