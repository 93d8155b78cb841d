package ingest

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/yingji/yingji/internal/alarm"
	"github.com/yingji/yingji/internal/core"
	"github.com/yingji/yingji/internal/creditcode"
	"github.com/yingji/yingji/internal/registry"
	"github.com/yingji/yingji/internal/rules"
	"github.com/yingji/yingji/internal/store"
	"github.com/yingji/yingji/internal/store/storetest"
	"github.com/yingji/yingji/internal/telemetry"
	"github.com/yingji/yingji/internal/wal"
)

var sys = core.WithActor(context.Background(), core.SystemActor)

// fixture is a pond with four displacement points (design red 100 mm),
// a device, and a running pipeline over real components.
type fixture struct {
	t      testing.TB
	db     *store.DB
	pipe   *Pipeline
	points []string
	now    time.Time
	mu     sync.Mutex
	dir    string
}

func newFixture(t testing.TB) *fixture {
	db, tree := storetest.Open(t, storetest.Backends()[0])
	reg := &registry.Service{Store: db, Regions: func() registry.Regions { return tree }}
	c, _ := tree.Center("530502")
	code, _ := creditcode.Complete("91530502000000001")
	ent, err := reg.Create(sys, registry.Enterprise, []*registry.Input{{Object: registry.Object{Code: code, Name: "尾矿库企业", Category: "tailings_pond", Geometry: c}}})
	if err != nil {
		t.Fatal(err)
	}
	fac, err := reg.Create(sys, registry.Facility, []*registry.Input{{Object: registry.Object{Code: "WKK-T", Name: "测试尾矿库", Category: "tailings_pond",
		OwnerID: ent[0].ID, Geometry: c, Attrs: map[string]any{"dam_grade": int64(3), "pond_type": "wet"}}}})
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, db: db, now: time.Now().UTC().Truncate(time.Minute).Add(-10 * time.Minute), dir: t.TempDir()}
	var ins []*registry.Input
	for i := 1; i <= 4; i++ {
		pc := fmt.Sprintf("WKK-T-WY%02d", i)
		f.points = append(f.points, pc)
		ins = append(ins, &registry.Input{Object: registry.Object{Code: pc, Name: pc, Category: "surface_displacement", OwnerID: fac[0].ID, Geometry: c,
			Attrs: map[string]any{"unit": "mm", "interval_s": int64(60), "design_red": 100.0, "range_min": -500.0, "range_max": 500.0}}})
	}
	if _, err := reg.Create(sys, registry.MonitoringPoint, ins); err != nil {
		t.Fatal(err)
	}
	devs := &Devices{Store: db, Registry: reg, Clock: f.clock}
	if _, _, err := devs.Issue(sys, DeviceInput{Code: "DEV-T", Name: "测试", OwnerID: fac[0].ID}); err != nil {
		t.Fatal(err)
	}
	journal, err := wal.Open(filepath.Join(f.dir, "journal"), wal.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { journal.Close() })
	alarms := &alarm.Service{Store: db, Policy: alarm.DefaultPolicy()}
	f.pipe = New(Config{Directory: telemetry.NewDirectory(), Engine: rules.NewEngine(), Journal: journal, Series: db, Alarms: alarms,
		Resolve: devs.Resolve, Clock: f.clock, Options: Options{FlushEvery: time.Hour}})
	setups, err := FromRegistry(sys, reg, db.AllPointRules, rules.DefaultParams())
	if err != nil {
		t.Fatal(err)
	}
	if err := f.pipe.Load(setups); err != nil {
		t.Fatal(err)
	}
	if err := f.pipe.Start(context.Background(), 0); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(f.pipe.Stop)
	return f
}

func (f *fixture) clock() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

// send submits one message and waits for its acknowledgement.
func (f *fixture) send(payload string) Outcome {
	f.t.Helper()
	done := make(chan error, 1)
	out := f.pipe.Submit(sys, Message{Device: "DEV-T", Transport: "test", Payload: []byte(payload), Received: f.clock()}, func(err error) { done <- err })
	if err := <-done; err != nil {
		f.t.Fatalf("ack: %v", err)
	}
	return out
}

// settle waits until the apply loop has taken everything acknowledged.
func (f *fixture) settle() { f.pipe.Do(sys, func() {}) }

// eventually polls cond (the alarm worker and the store writer run on
// their own goroutines) for up to ten seconds.
func (f *fixture) eventually(what string, cond func() bool) {
	f.t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			f.t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (f *fixture) reading(point string, ts time.Time, v float64) string {
	return fmt.Sprintf(`{"point":%q,"ts":%d,"value":%g,"unit":"mm"}`, point, ts.UnixMilli(), v)
}

func (f *fixture) openAlarms() map[string]alarm.Level {
	as, _, err := f.db.ListAlarms(sys, alarm.Filter{States: []alarm.State{alarm.Raised}})
	if err != nil {
		f.t.Fatal(err)
	}
	out := map[string]alarm.Level{}
	for _, a := range as {
		if !a.Recovered {
			out[a.Point+"/"+a.Rule] = a.Level
		}
	}
	return out
}

func TestDuplicatesLateAndSealing(t *testing.T) {
	f := newFixture(t)
	p := f.points[0]
	t0 := f.now.Add(-3 * time.Minute)
	f.send(f.reading(p, t0.Add(10*time.Second), 1))
	f.send(f.reading(p, t0.Add(10*time.Second), 2)) // same time: duplicate
	f.send(f.reading(p, t0.Add(70*time.Second), 3))
	f.send(f.reading(p, t0.Add(5*time.Second), 4)) // late: stored, not evaluated
	f.settle()
	st := f.pipe.Stats()
	if st.RejectedBy(telemetry.Duplicate) != 1 || st.Late.Load() != 1 || st.Evaluated.Load() != 2 {
		t.Fatalf("duplicates %d, late %d, evaluated %d; want 1, 1, 2", st.RejectedBy(telemetry.Duplicate), st.Late.Load(), st.Evaluated.Load())
	}
	// the flush seals every window that is over, with its roll-ups.
	f.pipe.Do(sys, func() { f.pipe.flush(f.clock(), false) })
	pt, _ := f.pipe.Directory().Lookup(p)
	var samples []telemetry.Sample
	f.eventually("the sealed chunks", func() bool {
		samples, _ = f.db.ReadSamples(sys, pt.ObjectID, t0.UnixMilli(), f.now.UnixMilli(), telemetry.Minute)
		return len(samples) >= 3
	})
	var got []float64
	for _, s := range samples {
		got = append(got, s.Value)
	}
	if fmt.Sprint(got) != "[4 1 3]" {
		t.Errorf("stored values %v, want [4 1 3] (time order, the duplicate refused)", got)
	}
	rollups, _ := f.db.ReadRollups(sys, pt.ObjectID, telemetry.Minute, t0.UnixMilli(), f.now.UnixMilli())
	if len(rollups) != 2 || rollups[0].Count != 2 || rollups[0].Min != 1 || rollups[0].Max != 4 {
		t.Errorf("minute roll-ups = %+v", rollups)
	}
}

// TestPondCombination: four points at blue make the item yellow (GB
// 39496-2020 5.5.4); that item alarm exists only while it is above every
// point, and clears when one point recovers.
func TestPondCombination(t *testing.T) {
	f := newFixture(t)
	ts := f.now.Add(-time.Minute)
	for i, p := range f.points {
		// design red 100 mm; blue starts at 40 % of red by default.
		f.send(f.reading(p, ts.Add(time.Duration(i)*time.Second), 45))
	}
	f.settle()
	var open map[string]alarm.Level
	f.eventually("the item alarm", func() bool {
		open = f.openAlarms()
		return open["WKK-T/group:surface_displacement"] != ""
	})
	for _, p := range f.points {
		if open[p+"/threshold"] != alarm.Blue {
			t.Errorf("point %s: %v, want blue", p, open[p+"/threshold"])
		}
	}
	if open["WKK-T/group:surface_displacement"] != alarm.Yellow {
		t.Fatalf("item alarm = %q, want yellow; open: %v", open["WKK-T/group:surface_displacement"], open)
	}
	f.send(f.reading(f.points[0], ts.Add(10*time.Second), 10))
	f.settle()
	f.eventually("the item alarm to clear with three points at blue", func() bool {
		_, still := f.openAlarms()["WKK-T/group:surface_displacement"]
		return !still
	})
}

func TestReplayAppliesUncheckpointedRecords(t *testing.T) {
	f := newFixture(t)
	pt, _ := f.pipe.Directory().Lookup(f.points[1])
	ts := f.now.Add(-30 * time.Second).UnixMilli()
	rec := encodeRecord(nil, "DEV-T", []journalReading{{ObjectID: pt.ObjectID, Sample: telemetry.Sample{TS: ts, Value: 7}}})
	f.pipe.Stop()
	journal, err := wal.Open(filepath.Join(t.TempDir(), "j2"), wal.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer journal.Close()
	if _, err := journal.AppendSync(sys, rec); err != nil {
		t.Fatal(err)
	}
	p2 := New(Config{Directory: f.pipe.Directory(), Engine: rules.NewEngine(), Journal: journal, Series: f.db,
		Alarms: &alarm.Service{Store: f.db, Policy: alarm.DefaultPolicy()}, Resolve: nil, Clock: f.clock, Options: Options{FlushEvery: time.Hour}})
	if err := p2.Start(context.Background(), 0); err != nil {
		t.Fatal(err)
	}
	defer p2.Stop()
	recent, latest, err := p2.Recent(sys, pt.ObjectID, ts-1, ts+1)
	if err != nil || len(recent) != 1 || recent[0].Value != 7 || latest == nil {
		t.Fatalf("after replay: %v %v %v", recent, latest, err)
	}
}

func TestRecordRoundTrip(t *testing.T) {
	in := []journalReading{{ObjectID: 5, Sample: telemetry.Sample{TS: 1, Value: -2.5, Quality: telemetry.Bad}}, {ObjectID: 1 << 40, Sample: telemetry.Sample{TS: -3, Value: 1e300}}}
	dev, out, err := decodeRecord(encodeRecord(nil, "DEV-Ü", in), nil)
	if err != nil || dev != "DEV-Ü" || fmt.Sprint(out) != fmt.Sprint(in) {
		t.Fatalf("round trip = %q %v %v", dev, out, err)
	}
	for _, bad := range [][]byte{nil, {2}, {1, 5, 'a'}, encodeRecord(nil, "d", in)[:10]} {
		if _, _, err := decodeRecord(bad, nil); err == nil {
			t.Errorf("decodeRecord(%x) accepted a broken record", bad)
		}
	}
}

func FuzzDecodeRecord(f *testing.F) {
	f.Add(encodeRecord(nil, "DEV", []journalReading{{ObjectID: 3, Sample: telemetry.Sample{TS: 9, Value: 1}}}))
	f.Fuzz(func(t *testing.T, data []byte) {
		dev, rs, err := decodeRecord(data, nil)
		if err != nil {
			return
		}
		again := encodeRecord(nil, dev, rs)
		if _, rs2, err := decodeRecord(again, nil); err != nil || len(rs2) != len(rs) {
			t.Fatalf("re-encoding a decoded record failed: %v", err)
		}
	})
}
