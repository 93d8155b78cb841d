package feeds

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/yingji/yingji/internal/alarm"
	"github.com/yingji/yingji/internal/exposure"
	"github.com/yingji/yingji/internal/models/quake"
	"github.com/yingji/yingji/internal/region"
)

func assessor(t *testing.T) *Assessor {
	t.Helper()
	tree, err := region.Baoshan()
	if err != nil {
		t.Fatal(err)
	}
	pop, _ := region.BaoshanPopulation()
	ix, err := exposure.NewIndex(tree, pop, nil)
	if err != nil {
		t.Fatal(err)
	}
	g, err := GaoligongApprox()
	if err != nil {
		t.Fatal(err)
	}
	return &Assessor{Tree: func() *region.Tree { return tree }, Exposure: func(context.Context) (*exposure.Index, error) { return ix, nil },
		Relation: quake.QinghaiTibet, MinMagnitude: 4, NearKm: 300, HotspotNearKm: 50, Areas: []Area{g}}
}

func TestAssessHotspots(t *testing.T) {
	a := assessor(t)
	evs, err := Parse(FIRMSCSV, fixture(t, "firms_viirs.csv"))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	// 97.865, 25.312: west of 腾冲市, outside the region
	out, _ := a.Assess(ctx, evs[0])
	if out.InRegion || !out.OutsideRegion || out.Level != "blue" || out.DistanceKm <= 0 || out.DistanceKm > 50 {
		t.Errorf("outside hotspot: %+v", out)
	}
	// 98.513, 25.022: inside 腾冲市
	in, _ := a.Assess(ctx, evs[1])
	if !in.InRegion || in.Division != "530581" || in.Level != "yellow" || !in.Alert {
		t.Errorf("hotspot in 腾冲: %+v", in)
	}
	// low confidence: no alarm
	low, _ := a.Assess(ctx, evs[2])
	if low.Alert {
		t.Errorf("low-confidence hotspot raised: %+v", low)
	}
	modis, _ := Parse(FIRMSCSV, fixture(t, "firms_modis.csv"))
	gl, _ := a.Assess(ctx, modis[1]) // 98.7233, 25.4102 on the Gaoligong ridge
	if gl.Level != "orange" || len(gl.Areas) != 1 {
		t.Errorf("Gaoligong hotspot: %+v", gl)
	}
	if r := a.Recent(2); len(r) != 2 || r[0].Event.ID != modis[1].ID {
		t.Errorf("recent %+v", r)
	}
}

// The 2021 Yangbi Ms 6.4 (CENC: 25.67 N, 99.87 E) lies in Dali, outside
// Baoshan; its modelled VI band reaches 隆阳区, so it is assessed as an
// alert with an incident to draft.
func TestAssessQuake(t *testing.T) {
	a := assessor(t)
	evs, err := Parse(CENCJSON, fixture(t, "cenc.json"))
	if err != nil {
		t.Fatal(err)
	}
	as, err := a.Assess(context.Background(), evs[0])
	if err != nil {
		t.Fatal(err)
	}
	if as.InRegion || !as.Modelled || len(as.Bands) != 3 || as.DistanceKm <= 0 {
		t.Fatalf("%+v", as)
	}
	if !as.Alert || !as.DraftIncident || as.Level != "yellow" || as.Bands[0].Population <= 0 {
		t.Errorf("Yangbi: alert %v draft %v level %q, VI population %d; bands %+v", as.Alert, as.DraftIncident, as.Level, as.Bands[0].Population, as.Bands)
	}
	far := evs[0]
	far.Lon, far.Lat = 120, 30
	if as, _ := a.Assess(context.Background(), far); as.Modelled || as.Alert {
		t.Errorf("a far quake was modelled: %+v", as)
	}
}

type drafts struct {
	got []QuakeDraft
	err error
}

func (d *drafts) DraftQuake(_ context.Context, q QuakeDraft) (string, bool, error) {
	d.got = append(d.got, q)
	return "YJ-1", true, d.err
}

// A quake reaching VI in the region is handed to the drafter with the
// place, the county most shaken and the bands; one below is not; a
// drafter's failure is kept on the assessment.
func TestAssessDraftsIncident(t *testing.T) {
	a := assessor(t)
	d := &drafts{}
	a.Incidents = d
	evs, err := Parse(CENCJSON, fixture(t, "cenc.json"))
	if err != nil {
		t.Fatal(err)
	}
	as, err := a.Assess(context.Background(), evs[0])
	if err != nil {
		t.Fatal(err)
	}
	if len(d.got) != 1 || as.Incident != "YJ-1" || !as.IncidentCreated {
		t.Fatalf("drafts %+v, assessment %+v", d.got, as)
	}
	q := d.got[0]
	if q.Key != "cenc|CC20210521214834.00" || q.Lon != 99.87 || q.Lat != 25.67 || q.Division != "530524" || q.Magnitude != 6.4 {
		t.Errorf("draft %+v", q)
	}
	for _, want := range []string{"M6.4", "8 km", "VI 度", "昌宁县", "未波及本区", "2021-05-21 21:48:34"} {
		if !strings.Contains(q.Title+q.Description, want) {
			t.Errorf("draft lacks %q:\n%s\n%s", want, q.Title, q.Description)
		}
	}
	// the automatic M5.6 of the list reaches no VI: no draft.
	if as, _ := a.Assess(context.Background(), evs[1]); as.DraftIncident || len(d.got) != 1 {
		t.Errorf("M5.6 drafted: %+v", as)
	}
	d.err = errors.New("store down")
	if as, err := a.Assess(context.Background(), evs[0]); err != nil || as.IncidentError != "store down" {
		t.Errorf("drafter failure: %v, %+v", err, as)
	}
}

type applied struct{ changes []alarm.Change }

func (f *applied) Apply(_ context.Context, c alarm.Change) (*alarm.Alarm, error) {
	f.changes = append(f.changes, c)
	return &alarm.Alarm{ID: int64(len(f.changes))}, nil
}

// Alerting hotspots move their county's virtual satellite-hotspot point:
// one inside 腾冲市 raises it yellow, one across the western boundary
// raises the nearest county's (腾冲市) blue, a low-confidence one nothing;
// a day without hotspots recovers it.
func TestHotspotAlarms(t *testing.T) {
	a := assessor(t)
	now := time.Date(2024, 3, 15, 9, 0, 0, 0, time.UTC)
	f := &applied{}
	a.Alarms = &HotspotAlarms{Alarms: f, Tree: a.Tree, Clock: func() time.Time { return now }}
	evs, err := Parse(FIRMSCSV, fixture(t, "firms_viirs.csv"))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var got []Assessment
	for _, ev := range evs {
		as, err := a.Assess(ctx, ev)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, as)
	}
	if len(f.changes) != 2 || got[0].AlarmID != 1 || got[1].AlarmID != 2 || got[2].AlarmID != 0 {
		t.Fatalf("changes %+v; assessments %+v", f.changes, got)
	}
	out, in := f.changes[0], f.changes[1]
	if out.Point.ObjectID != -530581 || out.Point.Division != "530581" || out.Level != alarm.Blue || out.Rule != HotspotRule ||
		!strings.Contains(out.Message, "本区外") || !strings.Contains(out.Point.Name, "腾冲市") || got[0].NearestCounty != "530581" {
		t.Errorf("outside hotspot: %+v %+v", out, out.Point)
	}
	if in.Point.ObjectID != -530581 || in.Level != alarm.Yellow || in.Value != 21.45 || !in.At.Equal(now) ||
		!strings.Contains(in.Message, "25.0219°N 98.5130°E") || !strings.Contains(in.Message, "03-15 14:41") {
		t.Errorf("hotspot in 腾冲: %+v", in)
	}
	if n, err := a.Alarms.Recover(ctx); err != nil || n != 0 {
		t.Errorf("recovered at once: %d %v", n, err)
	}
	now = now.Add(24 * time.Hour)
	if n, err := a.Alarms.Recover(ctx); err != nil || n != 1 || f.changes[2].Level != alarm.None || f.changes[2].Point.ObjectID != -530581 {
		t.Errorf("recover after a quiet day: %d %v %+v", n, err, f.changes[2:])
	}
	if n, _ := a.Alarms.Recover(ctx); n != 0 {
		t.Errorf("recovered twice")
	}
	if _, err := HotspotPoint("5305", "x"); err == nil {
		t.Error("a city code made a county point")
	}
}
