package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/yingji/yingji/internal/audit"
	"github.com/yingji/yingji/internal/auth"
	"github.com/yingji/yingji/internal/core"
	"github.com/yingji/yingji/internal/creditcode"
	"github.com/yingji/yingji/internal/region"
	"github.com/yingji/yingji/internal/registry"
	"github.com/yingji/yingji/internal/store"
	"github.com/yingji/yingji/internal/store/storetest"
)

// The conformance suite: every test runs against SQLite and PostgreSQL.
func forEachBackend(t *testing.T, fn func(t *testing.T, db *store.DB, tree *region.Tree)) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			db, tree := storetest.Open(t, b)
			fn(t, db, tree)
		})
	}
}

var sysCtx = core.WithActor(context.Background(), core.SystemActor)

const (
	longyang  = "530502"
	tengchong = "530581"
)

func creditCode(t testing.TB, div string, n int) string {
	t.Helper()
	c, err := creditcode.Complete(fmt.Sprintf("91%s%09d", div, n))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func center(t testing.TB, tree *region.Tree, code string) orb.Point {
	p, ok := tree.Center(code)
	if !ok {
		t.Fatalf("no center for %s", code)
	}
	return p
}

func enterprise(t testing.TB, tree *region.Tree, div string, n int, industry string) *registry.Input {
	return &registry.Input{Object: registry.Object{Code: creditCode(t, div, n), Name: fmt.Sprintf("测试企业%d", n), Category: industry,
		Geometry: center(t, tree, div), Attrs: map[string]any{"address": fmt.Sprintf("测试路%d号", n)}}}
}

func service(db *store.DB, tree *region.Tree) *registry.Service {
	return &registry.Service{Store: db, Regions: func() registry.Regions { return tree }}
}

func TestMigrate(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *store.DB, tree *region.Tree) {
		applied, err := db.Migrate(sysCtx)
		if err != nil || len(applied) != 0 {
			t.Fatalf("second Migrate = %v, %v; want nothing applied", applied, err)
		}
		have, known, err := db.SchemaVersion(sysCtx)
		if err != nil || have != known {
			t.Fatalf("SchemaVersion = %d, %d, %v; want equal", have, known, err)
		}
		if _, err := db.SQL().Exec(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, 'future', 0)`); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Migrate(sysCtx); err == nil {
			t.Fatal("Migrate accepted a database newer than the binary")
		}
	})
}

func TestRegistryCRUD(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *store.DB, tree *region.Tree) {
		svc := service(db, tree)
		k := registry.Enterprise
		objs, err := svc.Create(sysCtx, k, []*registry.Input{enterprise(t, tree, longyang, 1, "non_coal_mine"), enterprise(t, tree, tengchong, 2, "hazchem_trader")})
		if err != nil {
			t.Fatalf("Create: %v", err)
		}
		if objs[0].Division != longyang || objs[1].Division != tengchong {
			t.Errorf("divisions derived = %s, %s; want %s, %s", objs[0].Division, objs[1].Division, longyang, tengchong)
		}
		if objs[0].EnterpriseID != objs[0].ID {
			t.Errorf("enterprise_id = %d, want its own id %d", objs[0].EnterpriseID, objs[0].ID)
		}
		got, err := svc.Get(sysCtx, registry.KEnterprise, objs[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Code != objs[0].Code || got.Attrs["address"] != "测试路1号" || got.Version != 1 {
			t.Errorf("Get = %+v", got)
		}

		// a facility owned by the first enterprise inherits its enterprise.
		fac, err := svc.Create(sysCtx, registry.Facility, []*registry.Input{{Object: registry.Object{Code: "WKK-1", Name: "尾矿库", Category: "tailings_pond",
			OwnerID: objs[0].ID, Geometry: center(t, tree, longyang), Attrs: map[string]any{"dam_grade": int64(3), "pond_type": "wet"}}}})
		if err != nil {
			t.Fatalf("create facility: %v", err)
		}
		if fac[0].EnterpriseID != objs[0].ID {
			t.Errorf("facility enterprise_id = %d, want %d", fac[0].EnterpriseID, objs[0].ID)
		}

		filters := []struct {
			name string
			f    registry.Filter
			want int
		}{
			{"all", registry.Filter{}, 2},
			{"county", registry.Filter{Division: tengchong}, 1},
			{"city includes counties", registry.Filter{Division: "530500"}, 2},
			{"category", registry.Filter{Categories: []string{"non_coal_mine"}}, 1},
			{"status", registry.Filter{Statuses: []string{"closed"}}, 0},
			{"free text", registry.Filter{Query: "测试路2"}, 1},
			{"free text is not a pattern", registry.Filter{Query: "%"}, 0},
			{"bbox", registry.Filter{BBox: &orb.Bound{Min: orb.Point{98, 24.5}, Max: orb.Point{98.8, 25.5}}}, 1},
		}
		for _, tt := range filters {
			tt.f.Kind, tt.f.Limit = registry.KEnterprise, 100
			_, total, err := svc.List(sysCtx, tt.f)
			if err != nil || total != tt.want {
				t.Errorf("%s: total = %d, %v; want %d", tt.name, total, err, tt.want)
			}
		}

		// update: changes only what was sent; a stale version is refused.
		in := &registry.Input{Object: registry.Object{Name: "新名称", Version: 1}, Set: map[string]bool{"name": true}}
		upd, err := svc.Update(sysCtx, k, objs[0].ID, in)
		if err != nil || upd.Name != "新名称" || upd.Version != 2 || upd.Attrs["address"] != "测试路1号" {
			t.Fatalf("Update = %+v, %v", upd, err)
		}
		if _, err := svc.Update(sysCtx, k, objs[0].ID, in); core.ErrorCode(err) != core.ECONFLICT {
			t.Errorf("stale update: %v, want %s", err, core.ECONFLICT)
		}

		// delete refuses while the facility depends on the enterprise.
		if err := svc.Delete(sysCtx, k, objs[0].ID); core.ErrorCode(err) != core.ECONFLICT {
			t.Errorf("delete with dependents: %v, want conflict", err)
		}
		if err := svc.Delete(sysCtx, registry.Facility, fac[0].ID); err != nil {
			t.Fatal(err)
		}
		if err := svc.Delete(sysCtx, k, objs[0].ID); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Get(sysCtx, registry.KEnterprise, objs[0].ID); core.ErrorCode(err) != core.ENOTFOUND {
			t.Errorf("get deleted: %v", err)
		}
	})
}

func TestCreateIsAllOrNothing(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *store.DB, tree *region.Tree) {
		svc := service(db, tree)
		if _, err := svc.Create(sysCtx, registry.Enterprise, []*registry.Input{enterprise(t, tree, longyang, 1, "metallurgy")}); err != nil {
			t.Fatal(err)
		}
		bad := enterprise(t, tree, longyang, 3, "metallurgy")
		bad.Code = "91530502000000003X" // wrong check character
		outside := enterprise(t, tree, longyang, 4, "metallurgy")
		outside.Geometry = orb.Point{116.4, 39.9} // Beijing
		batch := []*registry.Input{enterprise(t, tree, longyang, 2, "metallurgy"), bad, outside, enterprise(t, tree, longyang, 5, "no_such_industry")}
		_, err := svc.Create(sysCtx, registry.Enterprise, batch)
		fields := core.ErrorFields(err)
		if core.ErrorCode(err) != core.EINVALID || len(fields) != 3 {
			t.Fatalf("Create = %v (%d problems); want 3 invalid rows", err, len(fields))
		}
		for i, want := range []struct {
			row   int
			field string
		}{{2, "code"}, {3, "geometry"}, {4, "industry"}} {
			if fields[i].Row != want.row || fields[i].Field != want.field {
				t.Errorf("problem %d = %+v, want row %d field %s", i, fields[i], want.row, want.field)
			}
		}
		// a duplicate of a stored code is a conflict naming the row.
		_, err = svc.Create(sysCtx, registry.Enterprise, []*registry.Input{enterprise(t, tree, longyang, 2, "metallurgy"), enterprise(t, tree, longyang, 1, "metallurgy")})
		if core.ErrorCode(err) != core.ECONFLICT || len(core.ErrorFields(err)) != 1 || core.ErrorFields(err)[0].Row != 2 {
			t.Fatalf("duplicate = %v, want conflict at row 2", err)
		}
		_, total, _ := svc.List(sysCtx, registry.Filter{Kind: registry.KEnterprise, Limit: 10})
		if total != 1 {
			t.Errorf("after failed batches %d enterprises stored, want 1", total)
		}
	})
}

func TestScope(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *store.DB, tree *region.Tree) {
		svc := service(db, tree)
		objs, err := svc.Create(sysCtx, registry.Enterprise, []*registry.Input{enterprise(t, tree, longyang, 1, "metallurgy"), enterprise(t, tree, tengchong, 2, "metallurgy")})
		if err != nil {
			t.Fatal(err)
		}
		county := core.WithActor(context.Background(), &core.Actor{UserID: 7, Username: "ly", Role: "inspector", Division: longyang})
		list, total, err := svc.List(county, registry.Filter{Kind: registry.KEnterprise, Limit: 10})
		if err != nil || total != 1 || list[0].ID != objs[0].ID {
			t.Fatalf("county list = %d records, %v; want only its own", total, err)
		}
		if _, err := svc.Get(county, registry.KEnterprise, objs[1].ID); core.ErrorCode(err) != core.ENOTFOUND {
			t.Errorf("get other county: %v, want not found", err)
		}
		in := &registry.Input{Object: registry.Object{Name: "x"}, Set: map[string]bool{"name": true}}
		if _, err := svc.Update(county, registry.Enterprise, objs[1].ID, in); core.ErrorCode(err) != core.ENOTFOUND {
			t.Errorf("update other county: %v, want not found", err)
		}
		// moving its own record into another county is refused.
		move := &registry.Input{Object: registry.Object{Division: tengchong}, Set: map[string]bool{"division_code": true}}
		if _, err := svc.Update(county, registry.Enterprise, objs[0].ID, move); core.ErrorCode(err) != core.EFORBIDDEN {
			t.Errorf("move out of county: %v, want forbidden", err)
		}
		if _, err := svc.Create(county, registry.Enterprise, []*registry.Input{enterprise(t, tree, tengchong, 3, "metallurgy")}); core.ErrorCode(err) != core.EFORBIDDEN {
			t.Errorf("create in other county: %v, want forbidden", err)
		}
		if err := svc.Delete(county, registry.Enterprise, objs[1].ID); core.ErrorCode(err) != core.ENOTFOUND {
			t.Errorf("delete other county: %v, want not found", err)
		}
		ent := core.WithActor(context.Background(), &core.Actor{UserID: 8, Username: "e", Role: "enterprise", Division: longyang, EnterpriseID: objs[0].ID})
		if _, total, _ := svc.List(ent, registry.Filter{Kind: registry.KEnterprise, Limit: 10}); total != 1 {
			t.Errorf("enterprise user sees %d enterprises, want 1", total)
		}
		if _, err := svc.Create(ent, registry.Enterprise, []*registry.Input{enterprise(t, tree, longyang, 4, "metallurgy")}); core.ErrorCode(err) != core.EFORBIDDEN {
			t.Errorf("enterprise user creating an enterprise: %v, want forbidden", err)
		}
		if _, total, _ := svc.List(context.Background(), registry.Filter{Kind: registry.KEnterprise, Limit: 10}); total != 0 {
			t.Errorf("no actor sees %d records, want 0", total)
		}
	})
}

func TestAuditChain(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *store.DB, tree *region.Tree) {
		svc := service(db, tree)
		objs, err := svc.Create(sysCtx, registry.Enterprise, []*registry.Input{enterprise(t, tree, longyang, 1, "metallurgy")})
		if err != nil {
			t.Fatal(err)
		}
		in := &registry.Input{Object: registry.Object{Name: "改名"}, Set: map[string]bool{"name": true}}
		if _, err := svc.Update(sysCtx, registry.Enterprise, objs[0].ID, in); err != nil {
			t.Fatal(err)
		}
		entries, err := db.ListAudit(sysCtx, audit.Filter{Entity: registry.KEnterprise})
		if err != nil || len(entries) != 2 {
			t.Fatalf("audit entries = %d, %v; want create and update", len(entries), err)
		}
		var before, after map[string]any
		json.Unmarshal(entries[1].Before, &before)
		json.Unmarshal(entries[1].After, &after)
		if entries[1].Action != "update" || before["name"] != "测试企业1" || after["name"] != "改名" {
			t.Errorf("update entry = %s before %v after %v", entries[1].Action, before["name"], after["name"])
		}
		n, err := db.VerifyAudit(sysCtx)
		if err != nil || n < 3 {
			t.Fatalf("VerifyAudit = %d, %v", n, err)
		}
		if _, err := db.SQL().Exec(`UPDATE audit_log SET actor = 'mallory' WHERE seq = 2`); err != nil {
			t.Fatal(err)
		}
		if _, err := db.VerifyAudit(sysCtx); err == nil {
			t.Fatal("VerifyAudit missed an edited entry")
		}
	})
}

func TestUsersAndTokens(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *store.DB, tree *region.Tree) {
		now := time.Date(2026, 11, 28, 2, 0, 0, 0, time.UTC)
		svc := &auth.Service{Store: db, Clock: func() time.Time { return now }, SessionTTL: time.Hour,
			Divisions: func(c string) bool { _, ok := tree.Get(c); return ok }}
		u, err := svc.CreateUser(sysCtx, auth.UserInput{Username: "duty1", Password: "Correct-horse-7", Role: "duty_officer", Division: longyang})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.CreateUser(sysCtx, auth.UserInput{Username: "duty1", Password: "Correct-horse-7", Role: "duty_officer", Division: longyang}); core.ErrorCode(err) != core.ECONFLICT {
			t.Errorf("duplicate username: %v", err)
		}
		if _, _, err := svc.Login(sysCtx, "duty1", "wrong-Password-1"); core.ErrorCode(err) != core.EUNAUTHORIZED {
			t.Errorf("wrong password: %v", err)
		}
		token, _, err := svc.Login(sysCtx, "duty1", "Correct-horse-7")
		if err != nil {
			t.Fatal(err)
		}
		a, err := svc.Authenticate(sysCtx, token)
		if err != nil || a.UserID != u.ID || a.Division != longyang || a.Role != "duty_officer" {
			t.Fatalf("Authenticate = %+v, %v", a, err)
		}
		now = now.Add(2 * time.Hour)
		if _, err := svc.Authenticate(sysCtx, token); core.ErrorCode(err) != core.EUNAUTHORIZED {
			t.Errorf("expired session: %v", err)
		}
		token, _, _ = svc.Login(sysCtx, "duty1", "Correct-horse-7")
		if err := svc.SetPassword(sysCtx, "duty1", "Another-pass-8"); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Authenticate(sysCtx, token); core.ErrorCode(err) != core.EUNAUTHORIZED {
			t.Errorf("session after password change: %v", err)
		}
		if err := svc.SetPassword(sysCtx, "duty1", "short"); core.ErrorCode(err) != core.EINVALID {
			t.Errorf("weak password: %v", err)
		}
	})
}

func TestDivisionsRoundTrip(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *store.DB, tree *region.Tree) {
		divs, bounds, err := db.LoadDivisions(sysCtx)
		if err != nil {
			t.Fatal(err)
		}
		if len(divs) != 1039 || len(bounds) != 5 {
			t.Fatalf("loaded %d divisions and %d boundaries, want 1039 and 5", len(divs), len(bounds))
		}
		rebuilt, err := region.NewTree(divs, bounds)
		if err != nil {
			t.Fatal(err)
		}
		p := center(t, tree, tengchong)
		if d, ok := rebuilt.Locate(p); !ok || d.Code != tengchong {
			t.Errorf("Locate in rebuilt tree = %v, %v", d.Code, ok)
		}
	})
}
