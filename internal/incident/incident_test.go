package incident

import (
	"testing"
	"time"
)

func TestNumber(t *testing.T) {
	// 23:30 UTC on 27 Nov is 07:30 on 28 Nov in Shanghai.
	at := time.Date(2026, 11, 27, 23, 30, 0, 0, time.UTC)
	p := NumberPrefix("530502101", at, Shanghai)
	if got := Number(p, 7); got != "YJ-530502-20261128-0007" {
		t.Errorf("number %s", got)
	}
}

func TestDistanceKm(t *testing.T) {
	// one degree of latitude is about 111.2 km.
	if d := DistanceKm(99, 25, 99, 26); d < 111.1 || d > 111.3 {
		t.Errorf("1° of latitude = %g km", d)
	}
}

func TestIsDuplicate(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	t0 := time.Date(2026, 11, 28, 1, 0, 0, 0, time.UTC)
	a := &Incident{ID: 1, Type: "accident.hazchem.leak", OccurredAt: t0, Lon: f(99.16), Lat: f(25.12), Division: "530502"}
	near := &Incident{ID: 2, Number: "YJ-1", Type: a.Type, OccurredAt: t0.Add(2 * time.Hour), Lon: f(99.17), Lat: f(25.12), Division: "530502", Status: Open}
	p := DefaultDuplicates
	if d, ok := p.IsDuplicate(a, near); !ok || d.DistanceKm == nil || *d.DistanceKm > 2 || d.Minutes != 120 {
		t.Errorf("near: %v %+v", ok, d)
	}
	far := *near
	far.Lon = f(99.30) // about 14 km east
	if _, ok := p.IsDuplicate(a, &far); ok {
		t.Error("14 km away counted as a duplicate")
	}
	late := *near
	late.OccurredAt = t0.Add(7 * time.Hour)
	if _, ok := p.IsDuplicate(a, &late); ok {
		t.Error("7 h apart counted as a duplicate")
	}
	other := *near
	other.Type = "accident.fire"
	if _, ok := p.IsDuplicate(a, &other); ok {
		t.Error("another type counted as a duplicate")
	}
	noPlace := &Incident{ID: 3, Type: a.Type, OccurredAt: t0, Division: "530502003"}
	if _, ok := p.IsDuplicate(noPlace, near); !ok {
		t.Error("same county without coordinates not flagged")
	}
}

func TestDispatchAdvance(t *testing.T) {
	d := &Dispatch{ID: 1, Status: Ordered}
	for _, s := range []string{EnRoute, OnSite, Returned} {
		if err := d.Advance(s); err != nil {
			t.Fatal(err)
		}
	}
	if d.Advance(EnRoute) == nil {
		t.Error("a returned order moved again")
	}
	d = &Dispatch{ID: 2, Status: EnRoute}
	if d.Advance(Cancelled) == nil || d.Advance(Returned) == nil {
		t.Error("skipped a step or cancelled an order under way")
	}
}

func TestValidateOrder(t *testing.T) {
	d := &Dispatch{Kind: SendSupplies, ResourceID: 1, Items: []Item{{Item: "帐篷", Quantity: 0}, {Item: "帐篷", Quantity: 1}}}
	got := map[string]bool{}
	for _, p := range d.ValidateOrder() {
		got[p.Field] = true
	}
	if !got["items[0].quantity"] || !got["items[1].item"] {
		t.Errorf("problems %v", got)
	}
	if len((&Dispatch{Kind: SendShelter, ResourceID: 1, People: 30}).ValidateOrder()) != 0 {
		t.Error("a valid shelter order refused")
	}
}

func TestReportWorkflow(t *testing.T) {
	now := time.Date(2026, 11, 28, 1, 0, 0, 0, time.UTC)
	r := &Report{ID: 1, Status: Draft, Title: "x"}
	if r.Step("approve", "boss", now) == nil {
		t.Error("an empty report was approved")
	}
	course := "经过"
	if p := r.Apply(ReportInput{Course: &course, Section: &Section{Heading: "救援", Body: "已派出"}}, "a", now); len(p) > 0 {
		t.Fatal(p)
	}
	if r.Step("publish", "boss", now) == nil {
		t.Error("published before approval")
	}
	for _, a := range []string{"submit", "approve", "publish"} {
		if err := r.Step(a, "boss", now); err != nil {
			t.Fatalf("%s: %v", a, err)
		}
	}
	if r.Approver != "boss" || r.PublishedAt == nil || len(r.Sections) != 1 || r.Sections[0].Author != "a" {
		t.Errorf("%+v", r)
	}
	if p := r.Apply(ReportInput{Course: &course}, "a", now); len(p) == 0 {
		t.Error("a published report was edited")
	}
}
