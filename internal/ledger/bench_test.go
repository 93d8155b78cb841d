package ledger_test

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/yingji/yingji/internal/creditcode"
	"github.com/yingji/yingji/internal/ledger"
	"github.com/yingji/yingji/internal/region"
	"github.com/yingji/yingji/internal/registry"
	"github.com/yingji/yingji/internal/store/storetest"
)

// benchEnterprises are n valid enterprises with GB 32100 credit codes,
// spread over Baoshan's townships, each inside its county's boundary.
func benchEnterprises(b *testing.B, tree *region.Tree, n int) ([]string, [][]any, []*registry.Input) {
	rng := rand.New(rand.NewPCG(8, 10000))
	towns := tree.List(region.Township)
	if len(towns) == 0 {
		b.Fatal("no townships")
	}
	cols := ledger.Columns(registry.Enterprise, false)
	headers := make([]string, len(cols))
	for j, c := range cols {
		headers[j] = c.Header("zh")
	}
	var rows [][]any
	var inputs []*registry.Input
	for i := range n {
		town := towns[rng.IntN(len(towns))]
		p, err := tree.RandomPoint(rng, town.Code[:6])
		if err != nil {
			b.Fatal(err)
		}
		code, err := creditcode.Complete(fmt.Sprintf("91%s%09d", town.Code[:6], i+1))
		if err != nil {
			b.Fatal(err)
		}
		ind := registry.Industries[rng.IntN(len(registry.Industries))]
		vals := map[string]any{
			"code": code, "name": fmt.Sprintf("%s基准企业%05d", town.Name, i+1), "industry": ind.Label, "status": "正常生产",
			"division_code": town.Code, "lon": p[0], "lat": p[1], "legal_representative": "王五", "address": town.Name + "测试路1号",
			"employees": 10 + rng.IntN(500), "contacts": "张三/安全员/13800000000", "licence_expires": "2027-12-31",
		}
		row := make([]any, len(cols))
		for j, c := range cols {
			row[j] = vals[c.Key]
		}
		rows = append(rows, row)
		inputs = append(inputs, &registry.Input{Object: registry.Object{Code: code, Name: vals["name"].(string), Category: ind.Value,
			Status: "operating", Division: town.Code, Geometry: p, Attrs: map[string]any{
				"legal_representative": "王五", "address": vals["address"], "employees": int64(vals["employees"].(int)),
				"contacts": []registry.Contact{{Name: "张三", Role: "安全员", Phone: "13800000000"}}, "licence_expires": "2027-12-31"}}})
	}
	return headers, rows, inputs
}

// BenchmarkImport10k imports a 10,000-row enterprise workbook (read,
// parse, validate, store with audit entries, one transaction) and, in the
// same iteration, the two baselines: excelize reading the same file's rows
// with no validation or storing, and the registry's JSON import path
// (Service.Create) storing the same records. It reports seconds per
// 10,000 rows for each and the ratios.
func BenchmarkImport10k(b *testing.B) {
	for _, be := range storetest.Backends() {
		b.Run(be.Name, func(b *testing.B) {
			tree, err := region.Baoshan()
			if err != nil {
				b.Fatal(err)
			}
			headers, rows, inputs := benchEnterprises(b, tree, 10000)
			var file bytes.Buffer
			if err := ledger.WriteTable(&file, registry.Enterprise.Label, headers, rows); err != nil {
				b.Fatal(err)
			}
			var tRead, tJSON, tImport time.Duration
			b.ResetTimer()
			for range b.N {
				start := time.Now()
				tbl, err := ledger.Read(file.Bytes(), registry.Enterprise.Label)
				if err != nil || len(tbl.Rows) != 10001 {
					b.Fatalf("read: %v", err)
				}
				tRead += time.Since(start)

				b.StopTimer()
				db, tree := storetest.Open(b, be)
				reg := &registry.Service{Store: db, Regions: func() registry.Regions { return tree }}
				b.StartTimer()
				start = time.Now()
				if _, err := reg.Create(sysCtx, registry.Enterprise, inputs); err != nil {
					b.Fatal(err)
				}
				tJSON += time.Since(start)

				b.StopTimer()
				db, tree = storetest.Open(b, be)
				reg = &registry.Service{Store: db, Regions: func() registry.Regions { return tree }}
				svc := &ledger.Service{Registry: reg, Divisions: func() ledger.Divisions { return tree }}
				b.StartTimer()
				start = time.Now()
				tbl, err = ledger.Read(file.Bytes(), registry.Enterprise.Label)
				if err != nil {
					b.Fatal(err)
				}
				rep, err := svc.Import(sysCtx, registry.Enterprise, tbl, ledger.Options{})
				if err != nil || rep.Created != 10000 {
					b.Fatalf("import: %v %+v", err, rep.Errors[:min(3, len(rep.Errors))])
				}
				tImport += time.Since(start)
			}
			n := float64(b.N)
			b.ReportMetric(tImport.Seconds()/n, "import-s/10k")
			b.ReportMetric(tRead.Seconds()/n, "read-s/10k")
			b.ReportMetric(tJSON.Seconds()/n, "registry-s/10k")
			b.ReportMetric(tImport.Seconds()/tRead.Seconds(), "import/read")
			b.ReportMetric(tImport.Seconds()/tJSON.Seconds(), "import/registry")
		})
	}
}
