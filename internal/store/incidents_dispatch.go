package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math"
	"time"

	"github.com/yingji/yingji/internal/core"
	"github.com/yingji/yingji/internal/incident"
	"github.com/yingji/yingji/internal/registry"
)

const incDispatchCols = `id, incident_id, kind, resource_id, resource_code, resource_name, items, people, status, note, steps, ordered_by, ordered_at, updated_at, version`

func incScanDispatch(s scanner) (*incident.Dispatch, error) {
	var d incident.Dispatch
	var items sql.NullString
	var steps string
	var ordered, updated int64
	if err := s.Scan(&d.ID, &d.IncidentID, &d.Kind, &d.ResourceID, &d.ResourceCode, &d.ResourceName, &items, &d.People, &d.Status, &d.Note, &steps,
		&d.OrderedBy, &ordered, &updated, &d.Version); err != nil {
		return nil, err
	}
	d.OrderedAt, d.UpdatedAt = time.UnixMilli(ordered).UTC(), time.UnixMilli(updated).UTC()
	if items.Valid {
		if err := json.Unmarshal([]byte(items.String), &d.Items); err != nil {
			return nil, fmt.Errorf("store: dispatch %d items: %w", d.ID, err)
		}
	}
	if err := json.Unmarshal([]byte(steps), &d.Steps); err != nil {
		return nil, fmt.Errorf("store: dispatch %d steps: %w", d.ID, err)
	}
	return &d, nil
}

func (db *DB) listDispatches(ctx context.Context, incidentID int64) ([]*incident.Dispatch, error) {
	rows, err := db.query(ctx, `SELECT `+incDispatchCols+` FROM incident_dispatches WHERE incident_id = ? ORDER BY id`, incidentID)
	return collect(rows, err, "dispatches", incScanDispatch)
}

// GetDispatch implements incident.Store.
func (db *DB) GetDispatch(ctx context.Context, incidentID, id int64) (*incident.Dispatch, error) {
	d, err := incScanDispatch(db.queryRow(ctx, `SELECT `+incDispatchCols+` FROM incident_dispatches WHERE id = ? AND incident_id = ?`, id, incidentID))
	if err == sql.ErrNoRows {
		return nil, core.Errorf(core.ENOTFOUND, "dispatch %d of incident %d not found", id, incidentID)
	}
	return d, err
}

// incLockResource reads a registry record for a change in t, locking its row
// (PostgreSQL; SQLite's write transaction is exclusive already). Only
// records in the actor's scope may be dispatched.
func incLockResource(ctx context.Context, t *tx, kind string, id int64) (*registry.Object, error) {
	sc, sargs := scopeClause(ctx)
	o, err := scanObject(t.queryRow(ctx, `SELECT `+objectCols+` FROM registry_objects WHERE id = ? AND kind = ?`+sc+t.d.forUpdate,
		append([]any{id, kind}, sargs...)...), t.fields)
	if err == sql.ErrNoRows {
		return nil, core.Invalid("resource_id", "no %s %d that you may see", kind, id)
	}
	if err != nil {
		return nil, fmt.Errorf("store: resource %d: %w", id, err)
	}
	return o, nil
}

// incWriteResource stores the changed attributes and status of a registry
// record the way the registry does (version, updated_at, audit).
func incWriteResource(ctx context.Context, t *tx, before, after *registry.Object, action string) error {
	attrs, err := sealAttrs(after, t.fields)
	if err != nil {
		return err
	}
	now := time.Now().UTC().Truncate(time.Millisecond)
	res, err := t.exec(ctx, `UPDATE registry_objects SET attrs = ?, status = ?, updated_at = ?, version = version + 1 WHERE id = ? AND version = ?`,
		string(attrs), after.Status, now.UnixMilli(), before.ID, before.Version)
	if err != nil {
		return fmt.Errorf("store: update %s %d: %w", before.Kind, before.ID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return core.Errorf(core.ECONFLICT, "%s %d was changed meanwhile; try again", before.Kind, before.ID)
	}
	after.UpdatedAt, after.Version = now, before.Version+1
	return record(ctx, t, action, before.Kind, before.ID, before.Division, before, after)
}

func incStockOf(o *registry.Object) []registry.StockLine {
	ls, _ := o.Attrs["stock"].([]registry.StockLine)
	return append([]registry.StockLine(nil), ls...)
}

func incWithAttrs(o *registry.Object) *registry.Object {
	c := *o
	c.Attrs = make(map[string]any, len(o.Attrs))
	for k, v := range o.Attrs {
		c.Attrs[k] = v
	}
	return &c
}

func incIntAttr(v any) int {
	switch x := v.(type) {
	case int:
		return x
	case int64:
		return int(x)
	case float64:
		return int(x)
	}
	return 0
}

// incTake applies an order to its resource in t: stock out, places allocated,
// team deployed.
func incTake(ctx context.Context, t *tx, o *registry.Object, d *incident.Dispatch) error {
	after := incWithAttrs(o)
	switch d.Kind {
	case incident.SendSupplies:
		stock := incStockOf(o)
		var p core.Problems
		for i, it := range d.Items {
			j := -1
			for k, l := range stock {
				if l.Item == it.Item {
					j = k
				}
			}
			switch {
			case j < 0:
				p.Add(0, fmt.Sprintf("items[%d].item", i), "warehouse %s (%s) holds no %q", o.Name, o.Code, it.Item)
			case stock[j].Quantity < it.Quantity:
				p.Add(0, fmt.Sprintf("items[%d].quantity", i), "warehouse %s holds only %g %s of %q; %g asked", o.Name, stock[j].Quantity, stock[j].Unit, it.Item, it.Quantity)
			default:
				stock[j].Quantity = math.Round((stock[j].Quantity-it.Quantity)*1e6) / 1e6
				d.Items[i].Unit = stock[j].Unit
			}
		}
		if err := p.Err("not enough stock; nothing was dispatched"); err != nil {
			return err
		}
		after.Attrs["stock"] = stock
		return incWriteResource(ctx, t, o, after, "dispatch_stock")
	case incident.SendShelter:
		capacity := incIntAttr(o.Attrs["capacity"])
		var used int
		if err := t.queryRow(ctx, `SELECT COALESCE(SUM(people), 0) FROM incident_dispatches WHERE resource_id = ? AND status NOT IN ('returned', 'cancelled')`, o.ID).Scan(&used); err != nil {
			return fmt.Errorf("store: shelter places: %w", err)
		}
		if used+d.People > capacity {
			return core.Invalid("people", "shelter %s has %d free places of %d; %d asked", o.Name, max(capacity-used, 0), capacity, d.People)
		}
		return nil
	case incident.SendTeam, incident.SendExpert:
		if o.Status == "unavailable" {
			return core.Invalid("resource_id", "%s is unavailable", o.Name)
		}
		if d.Kind == incident.SendTeam && o.Status != "deployed" {
			after.Status = "deployed"
			return incWriteResource(ctx, t, o, after, "deploy")
		}
	}
	return nil
}

// CreateDispatch implements incident.Store.
func (db *DB) CreateDispatch(ctx context.Context, in *incident.Incident, d *incident.Dispatch, ev incident.Event) error {
	kind, _ := incident.RegistryKind(d.Kind)
	return db.inTx(ctx, func(t *tx) error {
		o, err := incLockResource(ctx, t, kind, d.ResourceID)
		if err != nil {
			return err
		}
		d.ResourceCode, d.ResourceName = o.Code, o.Name
		if err := incTake(ctx, t, o, d); err != nil {
			return err
		}
		items, err := incJSONOrNull(d.Items, len(d.Items) == 0)
		if err != nil {
			return err
		}
		steps, _ := json.Marshal(d.Steps)
		if err := t.queryRow(ctx, `INSERT INTO incident_dispatches (incident_id, kind, resource_id, resource_code, resource_name, items, people, status, note, steps, ordered_by, ordered_at, updated_at, version)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1) RETURNING id`, in.ID, d.Kind, d.ResourceID, d.ResourceCode, d.ResourceName, items, d.People, d.Status, d.Note,
			string(steps), d.OrderedBy, d.OrderedAt.UnixMilli(), d.UpdatedAt.UnixMilli()).Scan(&d.ID); err != nil {
			return fmt.Errorf("store: create dispatch: %w", err)
		}
		d.Version = 1
		ev.Summary = incident.DispatchSummary(d)
		ev.Data = map[string]any{"dispatch_id": d.ID, "kind": d.Kind, "resource_id": d.ResourceID, "status": d.Status}
		if err := insertIncidentEvent(ctx, t, in.ID, &ev); err != nil {
			return err
		}
		return record(ctx, t, "dispatch", "incident", in.ID, in.Division, nil, d)
	})
}

// UpdateDispatch implements incident.Store.
func (db *DB) UpdateDispatch(ctx context.Context, in *incident.Incident, d *incident.Dispatch, back []incident.Item, ev incident.Event) error {
	kind, _ := incident.RegistryKind(d.Kind)
	return db.inTx(ctx, func(t *tx) error {
		steps, _ := json.Marshal(d.Steps)
		res, err := t.exec(ctx, `UPDATE incident_dispatches SET status = ?, steps = ?, updated_at = ?, version = version + 1 WHERE id = ? AND incident_id = ? AND version = ?`,
			d.Status, string(steps), d.UpdatedAt.UnixMilli(), d.ID, in.ID, d.Version)
		if err != nil {
			return fmt.Errorf("store: update dispatch: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return core.Errorf(core.ECONFLICT, "dispatch %d was changed by someone else meanwhile; reload it", d.ID)
		}
		d.Version++
		if len(back) > 0 || (d.Kind == incident.SendTeam && !d.Active()) {
			o, err := incLockResource(ctx, t, kind, d.ResourceID)
			if err != nil {
				return err
			}
			after := incWithAttrs(o)
			if len(back) > 0 {
				stock := incStockOf(o)
				for _, it := range back {
					found := false
					for k := range stock {
						if stock[k].Item == it.Item {
							stock[k].Quantity = math.Round((stock[k].Quantity+it.Quantity)*1e6) / 1e6
							found = true
						}
					}
					if !found {
						unit := it.Unit
						for _, s := range d.Items {
							if s.Item == it.Item {
								unit = s.Unit
							}
						}
						stock = append(stock, registry.StockLine{Item: it.Item, Quantity: it.Quantity, Unit: unit})
					}
				}
				after.Attrs["stock"] = stock
			} else {
				var active int
				if err := t.queryRow(ctx, `SELECT COUNT(*) FROM incident_dispatches WHERE resource_id = ? AND status NOT IN ('returned', 'cancelled')`, o.ID).Scan(&active); err != nil {
					return err
				}
				if active == 0 && o.Status == "deployed" {
					after.Status = "standby"
				}
			}
			if after.Status != o.Status || len(back) > 0 {
				if err := incWriteResource(ctx, t, o, after, "dispatch_return"); err != nil {
					return err
				}
			}
		}
		if err := insertIncidentEvent(ctx, t, in.ID, &ev); err != nil {
			return err
		}
		return record(ctx, t, "dispatch_"+d.Status, "incident", in.ID, in.Division, nil, d)
	})
}

// ShelterOccupancy returns the places allocated in each shelter by
// dispatch orders that still hold them (system use, no scope).
func (db *DB) ShelterOccupancy(ctx context.Context) (map[int64]int, error) {
	rows, err := db.query(ctx, `SELECT resource_id, SUM(people) FROM incident_dispatches WHERE kind = 'shelter' AND status NOT IN ('returned', 'cancelled') GROUP BY resource_id`)
	if err != nil {
		return nil, fmt.Errorf("store: shelter occupancy: %w", err)
	}
	defer rows.Close()
	out := map[int64]int{}
	for rows.Next() {
		var id int64
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			return nil, err
		}
		out[id] = n
	}
	return out, rows.Err()
}
