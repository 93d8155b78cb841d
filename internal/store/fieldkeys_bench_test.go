package store_test

import (
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"testing"
	"time"

	"github.com/yingji/yingji/internal/fieldcrypt"
	"github.com/yingji/yingji/internal/region"
	"github.com/yingji/yingji/internal/registry"
	"github.com/yingji/yingji/internal/store"
	"github.com/yingji/yingji/internal/store/storetest"
)

// BenchmarkListSealed lists 10,000 experts (phone, ID number and home
// address: three sealed fields each) and writes them as the API does
// (masked JSON), with the personal fields stored in clear, sealed with
// AES-256-GCM and sealed with SM4-GCM. The cost of sealing is the ratio
// sealed / clear (docs/security.md reports it).
func BenchmarkListSealed(b *testing.B) {
	for _, be := range storetest.Backends() {
		b.Run(be.Name, func(b *testing.B) {
			for _, mode := range []string{"clear", "aes-256-gcm", "sm4-gcm"} {
				b.Run(mode, func(b *testing.B) {
					db, tree := storetest.Open(b, be)
					if mode != "clear" {
						ring, err := fieldcrypt.LoadFile(filepath.Join(b.TempDir(), "data.key"), fieldcrypt.Algorithm(mode))
						if err != nil {
							b.Fatal(err)
						}
						db.SetSealer(ring)
					}
					seed(b, db, tree)
					for b.Loop() {
						objs, total, err := db.ListObjects(sysCtx, registry.Filter{Kind: registry.KExpert})
						if err != nil || len(objs) != 10000 || total != 10000 {
							b.Fatalf("list = %d of %d, %v", len(objs), total, err)
						}
						if err := json.NewEncoder(io.Discard).Encode(objs); err != nil {
							b.Fatal(err)
						}
					}
				})
			}
		})
	}
}

func seed(b *testing.B, db *store.DB, tree *region.Tree) {
	b.Helper()
	objs := make([]*registry.Object, 10000)
	for i := range objs {
		in := expertInput(b, tree, i)
		o := in.Object
		o.Kind, o.Status, o.Division = registry.KExpert, "available", longyang
		o.Code = fmt.Sprintf("BENCH-%05d", i)
		objs[i] = &o
	}
	if err := db.CreateObjects(sysCtx, objs); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkListSealedRatio is BenchmarkListSealed with the three stores
// listed in turn inside each iteration, so that a machine whose load
// drifts weighs on all three alike; it reports the ratios sealed / clear
// (aes-x, sm4-x) and the clear list's time (clear-ms).
func BenchmarkListSealedRatio(b *testing.B) {
	for _, be := range storetest.Backends() {
		b.Run(be.Name, func(b *testing.B) {
			modes := []string{"clear", "aes-256-gcm", "sm4-gcm"}
			dbs := make([]*store.DB, len(modes))
			for i, mode := range modes {
				db, tree := storetest.Open(b, be)
				if mode != "clear" {
					ring, err := fieldcrypt.LoadFile(filepath.Join(b.TempDir(), "data.key"), fieldcrypt.Algorithm(mode))
					if err != nil {
						b.Fatal(err)
					}
					db.SetSealer(ring)
				}
				seed(b, db, tree)
				dbs[i] = db
			}
			spent := make([]time.Duration, len(modes))
			for b.Loop() {
				for i, db := range dbs {
					start := time.Now()
					objs, _, err := db.ListObjects(sysCtx, registry.Filter{Kind: registry.KExpert})
					if err != nil || len(objs) != 10000 {
						b.Fatalf("list = %d, %v", len(objs), err)
					}
					if err := json.NewEncoder(io.Discard).Encode(objs); err != nil {
						b.Fatal(err)
					}
					spent[i] += time.Since(start)
				}
			}
			b.ReportMetric(float64(spent[0].Milliseconds())/float64(b.N), "clear-ms")
			b.ReportMetric(float64(spent[1])/float64(spent[0]), "aes-x")
			b.ReportMetric(float64(spent[2])/float64(spent[0]), "sm4-x")
		})
	}
}
