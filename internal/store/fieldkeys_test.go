package store_test

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/yingji/yingji/internal/audit"
	"github.com/yingji/yingji/internal/fieldcrypt"
	"github.com/yingji/yingji/internal/region"
	"github.com/yingji/yingji/internal/registry"
	"github.com/yingji/yingji/internal/store"
)

func expertInput(t testing.TB, tree *region.Tree, n int) *registry.Input {
	return &registry.Input{Object: registry.Object{Code: fmt.Sprintf("EXP-%04d", n), Name: fmt.Sprintf("专家%d", n), Category: "geology",
		Geometry: center(t, tree, longyang), Attrs: map[string]any{"phone": fmt.Sprintf("1381234%04d", n), "title": "工程师",
			"id_number": "11010519491231002X", "home_address": fmt.Sprintf("云南省保山市隆阳区永昌街道%d号", n)}}}
}

// rawAttrs is what the database holds for a record.
func rawAttrs(t *testing.T, db *store.DB, id int64) string {
	t.Helper()
	var s string
	if err := db.SQL().QueryRow(`SELECT attrs FROM registry_objects WHERE id = ` + fmt.Sprint(id)).Scan(&s); err != nil {
		t.Fatal(err)
	}
	return s
}

// Personal fields are sealed in the database, read back in clear by the
// store, shown masked in the audit log; records stored in clear before
// sealing was on still read, and rotation seals them.
func TestFieldsSealedAtRest(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *store.DB, tree *region.Tree) {
		for _, alg := range []fieldcrypt.Algorithm{fieldcrypt.SM4GCM, fieldcrypt.AES256GCM} {
			t.Run(string(alg), func(t *testing.T) {
				ring, err := fieldcrypt.LoadFile(filepath.Join(t.TempDir(), "data.key"), alg)
				if err != nil {
					t.Fatal(err)
				}
				db.SetSealer(ring)
				defer db.SetSealer(nil)
				base := 100
				if alg == fieldcrypt.AES256GCM {
					base = 200
				}
				svc := service(db, tree)
				objs, err := svc.Create(sysCtx, registry.Expert, []*registry.Input{expertInput(t, tree, base)})
				if err != nil {
					t.Fatal(err)
				}
				id := objs[0].ID
				raw := rawAttrs(t, db, id)
				if strings.Contains(raw, "1381234") || strings.Contains(raw, "永昌") || strings.Contains(raw, "1949") {
					t.Fatalf("stored in clear: %s", raw)
				}
				if !strings.Contains(raw, `"phone":"yj1.`+strings.ReplaceAll(string(alg), "-", "")) || !strings.Contains(raw, "工程师") {
					t.Fatalf("stored attributes: %s", raw)
				}
				got, err := db.GetObject(sysCtx, registry.KExpert, id)
				if err != nil || got.Attrs["phone"] != fmt.Sprintf("1381234%04d", base) {
					t.Fatalf("read back: %v %v", got, err)
				}
				// update through the service with the masks it shows: unchanged
				in, probs := registry.Decode(registry.Expert, mustJSON(t, got), 0)
				if len(probs) > 0 {
					t.Fatal(probs)
				}
				in.Attrs["title"] = "高级工程师"
				up, err := svc.Update(sysCtx, registry.Expert, id, in)
				if err != nil || up.Attrs["phone"] != got.Attrs["phone"] {
					t.Fatalf("update: %v %v", up, err)
				}
				entries, err := db.ListAudit(sysCtx, audit.Filter{Entity: registry.KExpert, EntityID: fmt.Sprint(id)})
				if err != nil || len(entries) != 2 {
					t.Fatalf("audit: %v %v", entries, err)
				}
				for _, e := range entries {
					s := string(e.Before) + string(e.After)
					if strings.Contains(s, "1381234") || !strings.Contains(s, "138****") {
						t.Fatalf("audit entry not masked: %s", s)
					}
				}
				// no key: a sealed record fails loudly, naming the field
				db.SetSealer(nil)
				if _, err := db.GetObject(sysCtx, registry.KExpert, id); err == nil || !strings.Contains(err.Error(), "no data key") {
					t.Fatalf("read without a key: %v", err)
				}
			})
		}
	})
}

func mustJSON(t *testing.T, o *registry.Object) []byte {
	b, err := o.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Rotation re-seals everything under the new key in batches; a run that
// fails between batches leaves every value readable, a second run
// finishes, and then the new key alone opens every record.
func TestRotateReseal(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *store.DB, tree *region.Tree) {
		path := filepath.Join(t.TempDir(), "data.key")
		ring, err := fieldcrypt.LoadFile(path, fieldcrypt.AES256GCM)
		if err != nil {
			t.Fatal(err)
		}
		oldID := ring.ActiveID()
		svc := service(db, tree)
		// ten records stored in clear before sealing was on, 25 sealed
		var clearIn, sealedIn []*registry.Input
		for i := range 10 {
			clearIn = append(clearIn, expertInput(t, tree, i))
		}
		for i := range 25 {
			sealedIn = append(sealedIn, expertInput(t, tree, 100+i))
		}
		if _, err := svc.Create(sysCtx, registry.Expert, clearIn); err != nil {
			t.Fatal(err)
		}
		db.SetSealer(ring)
		if _, err := svc.Create(sysCtx, registry.Expert, sealedIn); err != nil {
			t.Fatal(err)
		}
		u, err := db.FieldKeyUsage(sysCtx)
		if err != nil || u.ByKey[oldID] != 25*3 || u.Clear != 10*3 {
			t.Fatalf("usage before = %+v, %v", u, err)
		}
		newID, err := fieldcrypt.AddKey(path, fieldcrypt.SM4GCM)
		if err != nil {
			t.Fatal(err)
		}
		if err := ring.Reload(); err != nil {
			t.Fatal(err)
		}
		crash := errors.New("simulated crash")
		st, err := db.ResealRegistry(sysCtx, ring, 10, func(s store.ResealStats) error {
			if s.Batches == 2 {
				return crash
			}
			return nil
		})
		if !errors.Is(err, crash) || st.Batches != 2 {
			t.Fatalf("first run = %+v, %v", st, err)
		}
		u, _ = db.FieldKeyUsage(sysCtx)
		if u.ByKey[newID] == 0 || u.ByKey[oldID] == 0 {
			t.Fatalf("half-way usage = %+v", u)
		}
		// everything reads with the ring half-way
		list, _, err := db.ListObjects(sysCtx, registry.Filter{Kind: registry.KExpert})
		if err != nil || len(list) != 35 {
			t.Fatalf("half-way list: %d %v", len(list), err)
		}
		st, err = db.ResealRegistry(sysCtx, ring, 10, nil)
		if err != nil || st.Scanned != 35 || st.Resealed != 35-20 {
			t.Fatalf("second run = %+v, %v", st, err)
		}
		u, _ = db.FieldKeyUsage(sysCtx)
		if u.ByKey[newID] != 35*3 || len(u.ByKey) != 1 || u.Clear != 0 {
			t.Fatalf("usage after = %+v", u)
		}
		if err := fieldcrypt.RemoveKey(path, oldID); err != nil {
			t.Fatal(err)
		}
		only, err := fieldcrypt.LoadFile(path, fieldcrypt.AES256GCM)
		if err != nil || len(only.Keys()) != 1 {
			t.Fatalf("new ring: %v %v", only, err)
		}
		db.SetSealer(only)
		list, _, err = db.ListObjects(sysCtx, registry.Filter{Kind: registry.KExpert})
		if err != nil || len(list) != 35 {
			t.Fatalf("list with the new key only: %d %v", len(list), err)
		}
		for _, o := range list {
			n := 0
			fmt.Sscanf(strings.TrimPrefix(o.Code, "EXP-"), "%d", &n)
			if o.Attrs["phone"] != fmt.Sprintf("1381234%04d", n) {
				t.Fatalf("%s phone = %v", o.Code, o.Attrs["phone"])
			}
		}
		if err := db.AuditKeyEvent(sysCtx, "rotate", map[string]any{"key": newID}); err != nil {
			t.Fatal(err)
		}
		if n, err := db.VerifyAudit(sysCtx); err != nil || n == 0 {
			t.Fatalf("audit chain after rotation: %d %v", n, err)
		}
	})
}
