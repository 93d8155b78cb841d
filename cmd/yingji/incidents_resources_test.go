package main

import (
	"bytes"
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/yingji/yingji/internal/core"
	"github.com/yingji/yingji/internal/httpapi"
	"github.com/yingji/yingji/internal/incident"
	"github.com/yingji/yingji/internal/registry"
	"github.com/yingji/yingji/internal/store/storetest"
)

func incPtrTo[T any](v T) *T { return &v }

// TestNearestResourcesAndStock ranks warehouses for an incident, offers
// only what the officer may dispatch, and sees the stock move after a
// dispatch.
func TestNearestResourcesAndStock(t *testing.T) {
	db, tree := storetest.Open(t, storetest.Backends()[0])
	sys := core.WithActor(context.Background(), core.SystemActor)
	reg := &registry.Service{Store: db, Regions: func() registry.Regions { return tree }}
	c, _ := tree.Center("530502")
	tc, _ := tree.Center("530581")
	mk := func(code string, p orb.Point, tents float64) int64 {
		objs, err := reg.Create(sys, registry.Warehouse, []*registry.Input{{Object: registry.Object{Code: code, Name: "物资库" + code, Category: "county",
			Geometry: p, Attrs: map[string]any{"stock": []registry.StockLine{{Item: "帐篷", Quantity: tents, Unit: "顶"}}}}}})
		if err != nil {
			t.Fatal(err)
		}
		return objs[0].ID
	}
	near := mk("W-NEAR", orb.Point{c[0] + 0.01, c[1]}, 100)
	far := mk("W-FAR", orb.Point{c[0] + 0.1, c[1]}, 100)
	mk("W-TC", tc, 1000) // another county's
	now := time.Date(2026, 11, 28, 2, 0, 0, 0, time.UTC)
	svc := &incident.Service{Store: db, Regions: func() incident.Regions { return tree }, Clock: func() time.Time { return now }}
	if err := svc.LoadTypes(sys); err != nil {
		t.Fatal(err)
	}
	res := &resourceIndex{reg: reg, occupancy: db.ShelterOccupancy, maxAge: time.Hour}
	svc.Changed = func(*incident.Incident) { res.invalidate() }
	officer := core.WithActor(context.Background(), &core.Actor{UserID: 1, Username: "ly", Role: "commander", Division: "530502"})
	inc, err := svc.Create(officer, &incident.Input{Title: incPtrTo("滑坡"), Type: incPtrTo("natural.geohazard.landslide"), OccurredAt: &now,
		Lon: incPtrTo(c[0]), Lat: incPtrTo(c[1]), Source: incPtrTo("phone")})
	if err != nil {
		t.Fatal(err)
	}
	q := httpapi.NearestQuery{Lon: c[0], Lat: c[1], Kind: "warehouse", Needs: map[string]float64{"帐篷": 80}, Limit: 10}
	ms, err := res.nearest(officer, q)
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 2 || ms[0].ID != near || ms[1].ID != far || ms[0].Covers["帐篷"] != 80 || ms[0].TravelMin <= 0 {
		t.Fatalf("ranking %+v", ms)
	}
	if _, err := svc.Order(officer, inc.ID, &incident.Dispatch{Kind: incident.SendSupplies, ResourceID: near, Items: []incident.Item{{Item: "帐篷", Quantity: 50}}}); err != nil {
		t.Fatal(err)
	}
	// the near warehouse now covers only 50 of the 80: the far one, which
	// covers all of it, ranks first.
	ms, _ = res.nearest(officer, q)
	if ms[0].ID != far || ms[1].Stock["帐篷"] != 50 {
		t.Errorf("after dispatch %+v", ms)
	}
}

// TestReportExportPDF: a published situation report exports as a PDF whose
// Chinese text pdftotext reads back.
func TestReportExportPDF(t *testing.T) {
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Fatal("pdftotext (poppler-utils) is needed by this test")
	}
	occurred := time.Date(2026, 11, 28, 1, 5, 0, 0, time.UTC)
	published := occurred.Add(2 * time.Hour)
	in := &incident.Incident{Number: "YJ-530502-20261128-0007", Title: "隆阳区某化工厂液氨泄漏", OccurredAt: occurred, Grade: "较大",
		Grading: incident.Decree493.Grade(incident.Figures{Deaths: 3}), Unit: "保山某化工有限公司", ResponsePlan: "BS-YA-WHP 保山市危险化学品事故应急预案", ResponseLevel: 3}
	r := &incident.Report{Title: "隆阳区某化工厂液氨泄漏事故续报（第2期）", Number: in.Number + "-R2", Place: "隆阳区工业园区", Course: "储罐阀门破裂导致液氨泄漏。",
		Casualties: "死亡3人，重伤2人", Loss: "初步估计直接经济损失120万元", Measures: "已疏散周边群众五百余人。", Author: "值班员", Approver: "指挥长",
		Sections: []incident.Section{{Heading: "环境监测", Body: "下风向氨浓度已回落。"}}, PublishedAt: &published}
	var pdf bytes.Buffer
	if err := exportReport(&pdf, "pdf", in, r); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("pdftotext", "-enc", "UTF-8", "-", "-")
	cmd.Stdin = &pdf
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	text := strings.Join(strings.Fields(string(out)), "")
	for _, want := range []string{"液氨泄漏事故续报", "储罐阀门破裂导致液氨泄漏", "死亡3人", "环境监测", "较大", "YJ-530502-20261128-0007-R2"} {
		if !strings.Contains(text, want) {
			t.Errorf("the PDF text lacks %q:\n%s", want, out)
		}
	}
	var docx bytes.Buffer
	if err := exportReport(&docx, "docx", in, r); err != nil || !bytes.HasPrefix(docx.Bytes(), []byte("PK")) {
		t.Errorf("docx: %v", err)
	}
}
