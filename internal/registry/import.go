package registry

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"

	"github.com/yingji/yingji/internal/core"
)

// Change is an update of a stored record: the record as read and as it
// will be written.
type Change struct {
	Before, After *Object
}

// ImportRow is one record of a batch import with its row number in the
// source (a spreadsheet row, a CSV line); problems name that row.
type ImportRow struct {
	Row   int
	Input *Input
}

// ImportOptions says how a batch import treats bad rows.
type ImportOptions struct {
	// ValidOnly stores the good rows and returns the bad ones' problems;
	// otherwise one bad row stores nothing.
	ValidOnly bool
	// DryRun checks everything and stores nothing.
	DryRun bool
}

// Import actions.
const (
	ActionCreate = "create"
	ActionUpdate = "update"
	// ActionUnchanged: the row matches the stored record; nothing is written.
	ActionUnchanged = "unchanged"
)

// ImportOutcome is what happened (or, in a dry run, would happen) to one
// good row: a new record, or an update of the record with the same code.
type ImportOutcome struct {
	Row    int
	Action string
	Object *Object
	// FromVersion is the updated record's version before the import.
	FromVersion int
}

// Import creates or updates records of kind k in one transaction. A row
// whose code is already registered updates that record (the fields its
// input sets, as PATCH does; a non-zero Input.Version must match the stored
// one); other rows create records. Codes repeated within the batch, records
// outside the actor's area and everything Create checks are reported per
// row; a row equal to its stored record is left alone (ActionUnchanged). It returns the outcome of every good row and the problems of the
// bad ones; without ValidOnly, any problem means nothing was stored and err
// is EINVALID with the problems. Storage errors (a record changed or a code
// taken while the import ran) fail the whole batch.
func (s *Service) Import(ctx context.Context, k *Kind, rows []ImportRow, opt ImportOptions) ([]ImportOutcome, core.Problems, error) {
	codes := make([]string, 0, len(rows))
	for _, r := range rows {
		codes = append(codes, r.Input.Code)
	}
	existing, err := s.Store.ObjectsByCode(ctx, k.Name, codes)
	if err != nil {
		return nil, nil, err
	}
	scope := ScopeOf(core.ActorFrom(ctx))
	var probs core.Problems
	seen := map[string]int{}
	var outcomes []ImportOutcome
	for _, r := range rows {
		out, p := s.importRow(ctx, k, r, existing, seen, scope)
		if len(p) > 0 {
			probs = append(probs, p...)
			continue
		}
		outcomes = append(outcomes, out)
	}
	if len(probs) > 0 && !opt.ValidOnly {
		return nil, probs, probs.Err(fmt.Sprintf("%d problem(s) in the %s data; nothing was stored", len(probs), k.Name))
	}
	if opt.DryRun || len(outcomes) == 0 {
		return outcomes, probs, nil
	}
	var creates []*Object
	var updates []Change
	for _, o := range outcomes {
		switch o.Action {
		case ActionCreate:
			creates = append(creates, o.Object)
		case ActionUpdate:
			updates = append(updates, Change{Before: existing[o.Object.Code], After: o.Object})
		}
	}
	if err := s.Store.ImportObjects(ctx, creates, updates); err != nil {
		return nil, probs, err
	}
	s.changed(k.Name)
	return outcomes, probs, nil
}

// importRow checks one row and builds the record it would store.
func (s *Service) importRow(ctx context.Context, k *Kind, r ImportRow, existing map[string]*Object, seen map[string]int, scope Scope) (ImportOutcome, core.Problems) {
	var p core.Problems
	in := r.Input
	code := in.Code
	if code != "" {
		if first, dup := seen[code]; dup {
			p.Add(r.Row, "code", "%s %q is repeated (first at row %d)", k.CodeLabel, code, first)
			return ImportOutcome{}, p
		}
		seen[code] = r.Row
	}
	before := existing[code]
	if before == nil {
		o := in.Object
		o.Kind, o.ID = k.Name, 0
		if o.Attrs == nil {
			o.Attrs = map[string]any{}
		}
		for name, v := range o.Attrs {
			if v == nil {
				delete(o.Attrs, name)
			}
		}
		p = append(p, k.Validate(&o, r.Row)...)
		if o.Geometry != nil {
			p = append(p, s.place(ctx, k, &o, r.Row)...)
		}
		if len(p) == 0 && !scope.Contains(&o) {
			p.Add(r.Row, "division_code", "%s", core.ErrorMessage(CheckScope(core.ActorFrom(ctx), &o)))
		}
		return ImportOutcome{Row: r.Row, Action: ActionCreate, Object: &o}, p
	}
	if !scope.Contains(before) {
		p.Add(r.Row, "code", "%s %q is already registered outside your area; it cannot be changed from here", k.CodeLabel, code)
		return ImportOutcome{}, p
	}
	if in.Version != 0 && in.Version != before.Version {
		p.Add(r.Row, "version", "%s %d was changed by someone else since (version %d, the row has %d); export it again and redo the change",
			k.Name, before.ID, before.Version, in.Version)
		return ImportOutcome{}, p
	}
	after := merge(before, in)
	p = append(p, k.Validate(after, r.Row)...)
	if after.Geometry != nil {
		p = append(p, s.place(ctx, k, after, r.Row)...)
	}
	if len(p) == 0 && !scope.Contains(after) {
		p.Add(r.Row, "division_code", "%s", core.ErrorMessage(CheckScope(core.ActorFrom(ctx), after)))
	}
	action := ActionUpdate
	if same(before, after) {
		action = ActionUnchanged
	}
	return ImportOutcome{Row: r.Row, Action: action, Object: after, FromVersion: before.Version}, p
}

// same reports whether an update would change nothing a user can see.
func same(a, b *Object) bool {
	ja, err1 := json.Marshal(a)
	jb, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && bytes.Equal(ja, jb)
}

// merge applies the fields an input sets to a copy of a stored record
// (Update and the import's updates).
func merge(before *Object, in *Input) *Object {
	after := *before
	after.Attrs = maps.Clone(before.Attrs)
	if after.Attrs == nil {
		after.Attrs = map[string]any{}
	}
	set := in.Set
	if set["code"] {
		after.Code = in.Code
	}
	if set["name"] {
		after.Name = in.Name
	}
	if set["category"] {
		after.Category = in.Category
	}
	if set["status"] {
		after.Status = in.Status
	}
	if set["division_code"] {
		after.Division = in.Division
	}
	if set["owner_id"] {
		after.OwnerID = in.OwnerID
	}
	if set["geometry"] {
		after.Geometry = in.Geometry
	}
	for name, v := range in.Attrs {
		after.Attrs[name] = v
	}
	if k, ok := KindNamed(before.Kind); ok {
		keepMasked(k, before, &after, in)
	}
	return &after
}

// FindByCodes returns the records of kind with these codes that the actor
// may see, by code. Imports use it to resolve references written as codes
// (a facility's enterprise by its credit code).
func (s *Service) FindByCodes(ctx context.Context, kind string, codes []string) (map[string]*Object, error) {
	found, err := s.Store.ObjectsByCode(ctx, kind, codes)
	if err != nil {
		return nil, err
	}
	scope := ScopeOf(core.ActorFrom(ctx))
	for code, o := range found {
		if !scope.Contains(o) {
			delete(found, code)
		}
	}
	return found, nil
}
