package store_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/yingji/yingji/internal/audit"
	"github.com/yingji/yingji/internal/core"
	"github.com/yingji/yingji/internal/region"
	"github.com/yingji/yingji/internal/registry"
	"github.com/yingji/yingji/internal/store"
)

func importRows(ins ...*registry.Input) []registry.ImportRow {
	rows := make([]registry.ImportRow, len(ins))
	for i, in := range ins {
		if in.Set == nil {
			in.Set = map[string]bool{"name": true, "category": true, "geometry": true, "address": true}
		}
		rows[i] = registry.ImportRow{Row: i + 2, Input: in}
	}
	return rows
}

// Import creates new codes and updates known ones in one transaction, and
// reports repeated codes, stale versions and rows outside the area per row.
func TestImportUpserts(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *store.DB, tree *region.Tree) {
		svc := service(db, tree)
		first, err := svc.Create(sysCtx, registry.Enterprise, []*registry.Input{enterprise(t, tree, longyang, 1, "metallurgy"), enterprise(t, tree, tengchong, 2, "metallurgy")})
		if err != nil {
			t.Fatal(err)
		}
		county := core.WithActor(context.Background(), &core.Actor{UserID: 7, Username: "ly", Role: "inspector", Division: longyang})

		renamed := enterprise(t, tree, longyang, 1, "metallurgy")
		renamed.Name = "改名企业"
		renamed.Set = map[string]bool{"name": true}
		out, probs, err := svc.Import(county, registry.Enterprise, importRows(renamed, enterprise(t, tree, longyang, 3, "metallurgy")), registry.ImportOptions{})
		if err != nil || len(probs) != 0 {
			t.Fatalf("Import = %v, %v", err, probs)
		}
		if len(out) != 2 || out[0].Action != registry.ActionUpdate || out[0].Object.ID != first[0].ID || out[0].FromVersion != 1 ||
			out[1].Action != registry.ActionCreate || out[1].Object.ID == 0 {
			t.Fatalf("outcomes = %+v", out)
		}
		got, err := svc.Get(sysCtx, registry.KEnterprise, first[0].ID)
		if err != nil || got.Name != "改名企业" || got.Version != 2 || got.Attrs["address"] != "测试路1号" {
			t.Fatalf("updated record = %+v, %v; want the new name, version 2 and the untouched address", got, err)
		}

		// every kind of bad row, all or nothing: nothing changes.
		stale := enterprise(t, tree, longyang, 1, "metallurgy")
		stale.Version = 1
		other := enterprise(t, tree, tengchong, 2, "metallurgy") // registered in Tengchong
		outside := enterprise(t, tree, tengchong, 4, "metallurgy")
		repeated := enterprise(t, tree, longyang, 5, "metallurgy")
		good := enterprise(t, tree, longyang, 6, "metallurgy")
		rows := importRows(stale, other, outside, enterprise(t, tree, longyang, 5, "metallurgy"), repeated, good)
		_, probs, err = svc.Import(county, registry.Enterprise, rows, registry.ImportOptions{})
		if core.ErrorCode(err) != core.EINVALID {
			t.Fatalf("bad batch: %v, want invalid", err)
		}
		want := []struct {
			row   int
			field string
		}{{2, "version"}, {3, "code"}, {4, "division_code"}, {6, "code"}}
		if len(probs) != len(want) {
			t.Fatalf("problems = %v, want %d", probs, len(want))
		}
		for i, w := range want {
			if probs[i].Row != w.row || probs[i].Field != w.field {
				t.Errorf("problem %d = %+v, want row %d field %s", i, probs[i], w.row, w.field)
			}
		}
		if _, total, _ := svc.List(sysCtx, registry.Filter{Kind: registry.KEnterprise}); total != 3 {
			t.Errorf("after the refused batch %d enterprises, want 3", total)
		}

		// a dry run stores nothing either.
		if out, _, err := svc.Import(county, registry.Enterprise, importRows(enterprise(t, tree, longyang, 7, "metallurgy")), registry.ImportOptions{DryRun: true}); err != nil || len(out) != 1 {
			t.Fatalf("dry run = %v, %v", out, err)
		}
		// valid only: the good rows are stored, the bad ones reported.
		rows = importRows(other, enterprise(t, tree, longyang, 5, "metallurgy"), good)
		out, probs, err = svc.Import(county, registry.Enterprise, rows, registry.ImportOptions{ValidOnly: true})
		if err != nil || len(out) != 2 || len(probs) != 1 || probs[0].Row != 2 {
			t.Fatalf("valid only = %+v, %v, %v", out, probs, err)
		}
		if _, total, _ := svc.List(sysCtx, registry.Filter{Kind: registry.KEnterprise}); total != 5 {
			t.Errorf("after valid-only %d enterprises, want 5", total)
		}
		entries, err := db.ListAudit(sysCtx, audit.Filter{Entity: registry.KEnterprise, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) != 2+2+2 {
			t.Errorf("%d audit entries, want 6 (2 created, 1 update + 1 create, 2 created)", len(entries))
		}
		upd := entries[2]
		if upd.Action != "update" || upd.EntityID != fmt.Sprint(first[0].ID) || !strings.Contains(string(upd.Before), "测试企业1") || !strings.Contains(string(upd.After), "改名企业") {
			t.Errorf("the update's audit entry = %s %s before %s after %s", upd.Action, upd.EntityID, upd.Before, upd.After)
		}
		// the batched entries extend the same hash chain.
		if n, err := db.VerifyAudit(sysCtx); err != nil || n < 6 {
			t.Errorf("VerifyAudit = %d, %v", n, err)
		}
	})
}

// A version that moves on between the check and the write fails the whole
// batch.
func TestImportObjectsConflict(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *store.DB, tree *region.Tree) {
		svc := service(db, tree)
		objs, err := svc.Create(sysCtx, registry.Enterprise, []*registry.Input{enterprise(t, tree, longyang, 1, "metallurgy")})
		if err != nil {
			t.Fatal(err)
		}
		before := *objs[0]
		after := before
		after.Name = "新名称"
		stale := before
		stale.Version = 0
		newOne := &registry.Object{Kind: registry.KEnterprise, Code: creditCode(t, longyang, 9), Name: "新企业", Category: "metallurgy",
			Status: "operating", Division: longyang, Geometry: center(t, tree, longyang), Attrs: map[string]any{}}
		err = db.ImportObjects(sysCtx, []*registry.Object{newOne}, []registry.Change{{Before: &stale, After: &after}})
		if core.ErrorCode(err) != core.ECONFLICT {
			t.Fatalf("stale update: %v, want conflict", err)
		}
		if got, _ := db.ObjectsByCode(sysCtx, registry.KEnterprise, []string{newOne.Code, before.Code}); len(got) != 1 || got[before.Code].Name != before.Name {
			t.Errorf("after the failed batch: %v; want only the untouched original", got)
		}
	})
}
