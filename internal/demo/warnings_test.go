package demo_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/yingji/yingji/internal/core"
	"github.com/yingji/yingji/internal/demo"
	"github.com/yingji/yingji/internal/store/storetest"
	"github.com/yingji/yingji/internal/warning"
	"github.com/yingji/yingji/internal/warning/cap/captest"
)

func TestDemoWarnings(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			db, tree := storetest.Open(t, b)
			now := time.Date(2026, 11, 28, 3, 0, 0, 0, time.UTC)
			svc := &warning.Service{Store: db, Clock: func() time.Time { return now }, Issuer: warning.Issuer{Area: "530500", Dept: "000", Unit: "000", Ext: "00"},
				Sender: "yjj.baoshan.gov.cn", SenderName: "保山市应急管理局",
				DivisionName: func(c string) (string, bool) { d, ok := tree.Get(c); return d.Name, ok }}
			n, err := demo.Warnings(context.Background(), svc, now)
			if err != nil || n != 4 {
				t.Fatalf("Warnings = %d, %v", n, err)
			}
			ctx := core.WithActor(context.Background(), core.SystemActor)
			all, total, err := svc.List(ctx, warning.Filter{})
			if err != nil || total != 4 {
				t.Fatalf("stored %d, %v", total, err)
			}
			active := 0
			for _, w := range all {
				if !strings.Contains(w.Text.Headline, demo.Marker) {
					t.Errorf("%q is not marked as demo", w.Text.Headline)
				}
				if w.Identifier != "" {
					captest.Valid(t, w.CAP)
				}
				if w.State == "active" {
					active++
				}
			}
			if active != 1 {
				t.Errorf("%d active demo warnings, want 1", active)
			}
			if p, _ := svc.Store.PendingDelivery(ctx, now, 10); len(p) != 0 {
				t.Errorf("demo warnings pending delivery: %d", len(p))
			}
		})
	}
}
