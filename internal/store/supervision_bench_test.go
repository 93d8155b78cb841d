package store_test

import (
	"testing"
	"time"

	"github.com/yingji/yingji/internal/demo"
	"github.com/yingji/yingji/internal/registry"
	"github.com/yingji/yingji/internal/store/storetest"
	"github.com/yingji/yingji/internal/supervision"
)

// BenchmarkRiskGrades ranks every demo enterprise (with the demo hidden
// dangers and diagnoses) on SQLite; BenchmarkRiskGradesBaseline lists the
// same enterprises from the registry, which the ranking has to do anyway.
func BenchmarkRiskGrades(b *testing.B) {
	svc := benchSupervision(b)
	for b.Loop() {
		if _, _, err := svc.Grades(sysCtx, supervision.RiskFilter{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRiskGradesBaseline(b *testing.B) {
	svc := benchSupervision(b)
	for b.Loop() {
		if _, _, err := svc.Registry.List(sysCtx, registry.Filter{Kind: registry.KEnterprise}); err != nil {
			b.Fatal(err)
		}
	}
}

func benchSupervision(b *testing.B) *supervision.Service {
	db, tree := storetest.Open(b, storetest.Backends()[0])
	if _, err := demo.Load(sysCtx, service(db, tree), tree, demo.DefaultSeed); err != nil {
		b.Fatal(err)
	}
	c := &clock{now: time.Date(2026, 11, 28, 2, 0, 0, 0, time.UTC)}
	svc := supervisionService(b, db, tree, c)
	if _, _, err := demo.LoadSupervision(sysCtx, svc, demo.DefaultSeed); err != nil {
		b.Fatal(err)
	}
	return svc
}
