package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"testing"
	"time"

	"github.com/yingji/yingji/internal/core"
	"github.com/yingji/yingji/internal/incident"
	"github.com/yingji/yingji/internal/store/storetest"
)

// BenchmarkIncidentList measures the board's query — one page of 100 open
// incidents of a county, most urgent first, with the total — over 5,000
// incidents on SQLite, beside a baseline that reads the same page's rows
// raw (no decoding) from the same table.
func BenchmarkIncidentList(b *testing.B) {
	db, tree := storetest.Open(b, storetest.Backends()[0])
	now := time.Date(2026, 11, 28, 2, 0, 0, 0, time.UTC)
	svc := &incident.Service{Store: db, Regions: func() incident.Regions { return tree }, Clock: func() time.Time { return now }}
	if err := svc.LoadTypes(sysCtx); err != nil {
		b.Fatal(err)
	}
	counties := []string{"530502", "530521", "530523", "530524", "530581"}
	types := []string{"accident.fire", "accident.road_traffic", "natural.geohazard.landslide", "accident.hazchem.leak"}
	for i := 0; i < 5000; i++ {
		at := now.Add(-time.Duration(i) * 7 * time.Minute)
		in := incIntake(tree, counties[i%len(counties)], types[i%len(types)], at)
		in.Confirm = true
		in.Deaths = incPtr(i % 12)
		if _, err := svc.Create(sysCtx, in); err != nil {
			b.Fatal(err)
		}
	}
	officer := core.WithActor(context.Background(), &core.Actor{UserID: 1, Username: "b", Role: "commander", Division: "530502"})
	f := incident.Filter{Statuses: []string{incident.Open}, Limit: 100}
	b.Run("list", func(b *testing.B) {
		for b.Loop() {
			items, total, err := svc.List(officer, f)
			if err != nil || len(items) != 100 || total != 1000 {
				b.Fatalf("%d of %d, %v", len(items), total, err)
			}
		}
	})
	b.Run("baseline-raw-page", func(b *testing.B) {
		raw := db.SQL()
		for b.Loop() {
			rows, err := raw.Query(`SELECT * FROM incidents WHERE status = 'open' AND division_code LIKE '530502%' ORDER BY occurred_at DESC LIMIT 100`)
			if err != nil {
				b.Fatal(err)
			}
			cols, _ := rows.Columns()
			dst := make([]any, len(cols))
			for i := range dst {
				dst[i] = new(sql.RawBytes)
			}
			n := 0
			for rows.Next() {
				rows.Scan(dst...)
				n++
			}
			rows.Close()
			if n != 100 {
				b.Fatal(fmt.Sprint(n))
			}
		}
	})
}
