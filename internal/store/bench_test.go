package store_test

import (
	"database/sql"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"

	"github.com/yingji/yingji/internal/registry"
	"github.com/yingji/yingji/internal/store/storetest"
)

// BenchmarkListEnterprisesInBBox lists 1,000 enterprises in a bounding box
// out of 3,000 spread over the region. Beside it, "raw-rows" reads the same
// number of rows, every column as raw bytes, with no filter, count, decoding
// or scope: the floor the full list is reported against (ratio = list /
// raw-rows).
func BenchmarkListEnterprisesInBBox(b *testing.B) {
	for _, be := range storetest.Backends() {
		b.Run(be.Name, func(b *testing.B) {
			db, tree := storetest.Open(b, be)
			svc := service(db, tree)
			rng := rand.New(rand.NewPCG(1, 2))
			var inputs []*registry.Input
			counties := tree.List("county")
			for i := 0; i < 3000; i++ {
				div := counties[i%len(counties)].Code
				p, err := tree.RandomPoint(rng, div)
				if err != nil {
					b.Fatal(err)
				}
				in := enterprise(b, tree, div, i+1, "hazchem_trader")
				in.Geometry = p
				in.Attrs["contacts"] = []registry.Contact{{Name: "张三", Phone: "13800000000"}}
				inputs = append(inputs, in)
			}
			if _, err := svc.Create(sysCtx, registry.Enterprise, inputs); err != nil {
				b.Fatal(err)
			}
			ext := tree.Extent()
			bbox := &orb.Bound{Min: ext.Min, Max: ext.Max}
			b.Run("list", func(b *testing.B) {
				for b.Loop() {
					objs, total, err := svc.List(sysCtx, registry.Filter{Kind: registry.KEnterprise, BBox: bbox, Limit: 1000})
					if err != nil || len(objs) != 1000 || total != 3000 {
						b.Fatalf("list = %d of %d, %v", len(objs), total, err)
					}
				}
			})
			b.Run("raw-rows", func(b *testing.B) {
				for b.Loop() {
					rows, err := db.SQL().Query(fmt.Sprintf("SELECT id, kind, code, name, category, status, division_code, owner_id, enterprise_id, geometry, attrs, created_at, updated_at, version FROM registry_objects LIMIT %d", 1000))
					if err != nil {
						b.Fatal(err)
					}
					n := 0
					cols := make([]any, 14)
					for i := range cols {
						cols[i] = new(sql.RawBytes)
					}
					for rows.Next() {
						if err := rows.Scan(cols...); err != nil {
							b.Fatal(err)
						}
						n++
					}
					rows.Close()
					if n != 1000 {
						b.Fatalf("%d rows", n)
					}
				}
			})
		})
	}
}
