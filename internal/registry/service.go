package registry

import (
	"context"
	"fmt"
	"slices"

	"github.com/paulmach/orb"

	"github.com/yingji/yingji/internal/core"
	"github.com/yingji/yingji/internal/region"
)

// Filter selects registry records of one kind. Zero values select all.
type Filter struct {
	Kind string
	// Division selects records in this division and every division below it.
	Division     string
	BBox         *orb.Bound
	Categories   []string
	Statuses     []string
	Query        string // free text over name and code
	Code         string // exactly this code
	OwnerID      int64
	EnterpriseID int64
	Sort         string // "id", "name", "code", "updated_at"; "-" prefix for descending
	// NoGeometry leaves Geometry nil, for bulk readers that do not need it
	// (parsing it is a good part of listing cost).
	NoGeometry bool
	// Limit is the page size; 0 or less returns every match.
	Limit  int
	Offset int
}

// Store keeps registry records. Every method applies the scope of the actor
// in ctx (see ScopeOf): records outside it behave as if they did not exist.
// Changes are written to the audit log in the same transaction.
type Store interface {
	// ListObjects returns one page of matching records and the total count.
	ListObjects(ctx context.Context, f Filter) ([]*Object, int, error)
	// GetObject returns ENOTFOUND when the record is missing or out of scope.
	GetObject(ctx context.Context, kind string, id int64) (*Object, error)
	// CreateObjects stores all records or none; a duplicate code returns
	// ECONFLICT naming the row.
	CreateObjects(ctx context.Context, objs []*Object) error
	// UpdateObject replaces the record; ECONFLICT when its version moved on.
	UpdateObject(ctx context.Context, before, after *Object) error
	// DeleteObject returns ECONFLICT while other records depend on it.
	DeleteObject(ctx context.Context, o *Object) error
	// ObjectsByCode returns the records of kind with these codes, by code,
	// whatever the actor's scope: a code is unique per kind across the
	// database, so an import must see a clash it may not touch. Callers
	// apply the scope (Service.Import, Service.FindByCodes).
	ObjectsByCode(ctx context.Context, kind string, codes []string) (map[string]*Object, error)
	// ImportObjects creates and updates records in one transaction, all or
	// none, auditing each; ECONFLICT when an updated record's version moved
	// on or a new record's code was taken meanwhile.
	ImportObjects(ctx context.Context, create []*Object, update []Change) error
}

// Regions is what the registry needs of the administrative divisions.
type Regions interface {
	Get(code string) (region.Division, bool)
	Locate(p orb.Point) (region.Division, bool)
	Extent() orb.Bound
}

// Service validates and authorises registry changes before storing them.
type Service struct {
	Store   Store
	Regions func() Regions
	// OnChange, if set, is told the kind of every stored change (the
	// perception pipeline reloads its points when they change).
	OnChange func(kind string)
}

func (s *Service) changed(kind string) {
	if s.OnChange != nil {
		s.OnChange(kind)
	}
}

// List returns one page of records and the total.
func (s *Service) List(ctx context.Context, f Filter) ([]*Object, int, error) {
	if _, ok := KindNamed(f.Kind); !ok {
		return nil, 0, core.Errorf(core.ENOTFOUND, "unknown registry kind %q", f.Kind)
	}
	return s.Store.ListObjects(ctx, f)
}

// Get returns one record.
func (s *Service) Get(ctx context.Context, kind string, id int64) (*Object, error) {
	return s.Store.GetObject(ctx, kind, id)
}

// Create validates and stores the records, all or none. Every bad record
// is reported with its row (counting from 1 when there is more than one).
func (s *Service) Create(ctx context.Context, k *Kind, inputs []*Input) ([]*Object, error) {
	var probs core.Problems
	seen := map[string]int{}
	objs := make([]*Object, len(inputs))
	for i, in := range inputs {
		row := 0
		if len(inputs) > 1 {
			row = i + 1
		}
		o := in.Object
		o.Kind = k.Name
		if o.Attrs == nil {
			o.Attrs = map[string]any{}
		}
		probs = append(probs, k.Validate(&o, row)...)
		if first, dup := seen[o.Code]; dup && o.Code != "" {
			probs.Add(row, "code", "%q is repeated (first at row %d)", o.Code, first)
		} else {
			seen[o.Code] = row
		}
		if o.Geometry != nil {
			probs = append(probs, s.place(ctx, k, &o, row)...)
		}
		objs[i] = &o
	}
	if err := probs.Err(fmt.Sprintf("%d problem(s) in the %s data; nothing was stored", len(probs), k.Name)); err != nil {
		return nil, err
	}
	for i, o := range objs {
		if err := CheckScope(core.ActorFrom(ctx), o); err != nil {
			if len(objs) > 1 {
				return nil, core.Errorf(core.EFORBIDDEN, "row %d: %s; nothing was stored", i+1, core.ErrorMessage(err))
			}
			return nil, err
		}
	}
	if err := s.Store.CreateObjects(ctx, objs); err != nil {
		return nil, err
	}
	s.changed(k.Name)
	return objs, nil
}

// Update applies the fields the client sent to the stored record.
func (s *Service) Update(ctx context.Context, k *Kind, id int64, in *Input) (*Object, error) {
	before, err := s.Store.GetObject(ctx, k.Name, id)
	if err != nil {
		return nil, err
	}
	if in.Version != 0 && in.Version != before.Version {
		return nil, core.Errorf(core.ECONFLICT, "%s %d was changed by someone else (version %d, you sent %d); reload and try again", k.Name, id, before.Version, in.Version)
	}
	after := merge(before, in)
	probs := k.Validate(after, 0)
	if after.Geometry != nil {
		probs = append(probs, s.place(ctx, k, after, 0)...)
	}
	if err := probs.Err(""); err != nil {
		return nil, err
	}
	if err := CheckScope(core.ActorFrom(ctx), after); err != nil {
		return nil, err
	}
	if err := s.Store.UpdateObject(ctx, before, after); err != nil {
		return nil, err
	}
	s.changed(k.Name)
	return after, nil
}

// Delete removes a record that nothing depends on.
func (s *Service) Delete(ctx context.Context, k *Kind, id int64) error {
	o, err := s.Store.GetObject(ctx, k.Name, id)
	if err != nil {
		return err
	}
	if err := s.Store.DeleteObject(ctx, o); err != nil {
		return err
	}
	s.changed(k.Name)
	return nil
}

// place checks the location against the region, derives the division when
// it was not given, and resolves the owner and the enterprise.
func (s *Service) place(ctx context.Context, k *Kind, o *Object, row int) core.Problems {
	var p core.Problems
	regions := s.Regions()
	ext := regions.Extent()
	if b := o.Geometry.Bound(); !ext.IsEmpty() && !(ext.Contains(b.Min) && ext.Contains(b.Max)) {
		p.Add(row, "geometry", "lies outside the configured region (lon %.4f–%.4f, lat %.4f–%.4f); check the coordinates and their crs",
			ext.Min[0], ext.Max[0], ext.Min[1], ext.Max[1])
		return p
	}
	var owner *Object
	if o.OwnerID != 0 && len(k.Owners) > 0 {
		var err error
		owner, err = s.Store.GetObject(ctx, "", o.OwnerID)
		switch {
		case core.ErrorCode(err) == core.ENOTFOUND:
			p.Add(row, "owner_id", "no record %d that you may see", o.OwnerID)
		case err != nil:
			p.Add(row, "owner_id", "cannot be checked now")
		case !slices.Contains(k.Owners, owner.Kind):
			p.Add(row, "owner_id", "record %d is a %s; a %s is owned by a %v", o.OwnerID, owner.Kind, k.Name, k.Owners)
			owner = nil
		case owner.ID == o.ID:
			p.Add(row, "owner_id", "a record cannot own itself")
			owner = nil
		}
	}
	o.EnterpriseID = 0
	if k.Name == KEnterprise {
		o.EnterpriseID = o.ID // filled by the store for new records
	} else if owner != nil {
		o.EnterpriseID = owner.EnterpriseID
	}
	if o.Division == "" {
		if d, ok := regions.Locate(o.Anchor()); ok {
			o.Division = d.Code
		} else if owner != nil {
			o.Division = owner.Division
		} else {
			p.Add(row, "division_code", "is required: the location is in no known division")
		}
	} else if _, ok := regions.Get(o.Division); !ok {
		p.Add(row, "division_code", "%q is not a known division", o.Division)
	}
	return p
}
