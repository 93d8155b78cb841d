package feeds

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseUSGS(t *testing.T) {
	evs, err := Parse(USGSGeoJSON, fixture(t, "usgs_summary.geojson"))
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 2 { // the quarry blast is left out
		t.Fatalf("%d events: %+v", len(evs), evs)
	}
	e := evs[0]
	want := time.Date(2021, 5, 21, 13, 48, 34, 130e6, time.UTC)
	if e.ID != "us7000e54r" || !e.Time.Equal(want) || *e.Magnitude != 6.1 || e.MagType != "mww" || *e.DepthKm != 10 || e.Lon != 99.8734 || e.Automatic {
		t.Errorf("event %+v", e)
	}
	if !evs[1].Automatic {
		t.Errorf("status automatic not read: %+v", evs[1])
	}
}

func TestParseQuakeML(t *testing.T) {
	evs, err := Parse(QuakeML, fixture(t, "event.quakeml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 1 {
		t.Fatalf("%+v", evs)
	}
	e := evs[0]
	if !e.Time.Equal(time.Date(2021, 5, 21, 13, 48, 34, 130e6, time.UTC)) || *e.DepthKm != 10 || *e.Magnitude != 6.1 || e.MagType != "mww" ||
		e.Lat != 25.6745 || e.Place != "6 km WNW of Yangbi, China" || !e.Updated.Equal(time.Date(2021, 5, 22, 14, 2, 11, 40e6, time.UTC)) {
		t.Errorf("event %+v", e)
	}
}

func TestParseCENC(t *testing.T) {
	evs, err := Parse(CENCJSON, fixture(t, "cenc.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 2 {
		t.Fatalf("%+v", evs)
	}
	// 21:48:34 Beijing time is 13:48:34 UTC.
	if e := evs[0]; !e.Time.Equal(time.Date(2021, 5, 21, 13, 48, 34, 0, time.UTC)) || *e.Magnitude != 6.4 || *e.DepthKm != 8 || e.Place != "云南大理州漾濞县" || e.Automatic {
		t.Errorf("formal report %+v", e)
	}
	if e := evs[1]; !e.Automatic || *e.Magnitude != 5.6 || *e.DepthKm != 10 || e.Lat != 25.63 {
		t.Errorf("automatic report (numbers as numbers and strings) %+v", e)
	}
}

func TestParseFIRMS(t *testing.T) {
	modis, err := Parse(FIRMSCSV, fixture(t, "firms_modis.csv"))
	if err != nil {
		t.Fatal(err)
	}
	viirs, err := Parse(FIRMSCSV, fixture(t, "firms_viirs.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if len(modis) != 3 || len(viirs) != 3 {
		t.Fatalf("%d MODIS, %d VIIRS", len(modis), len(viirs))
	}
	for _, c := range []struct {
		ev   Event
		want time.Time
	}{
		{modis[0], time.Date(2024, 3, 15, 0, 41, 0, 0, time.UTC)}, // "41"
		{modis[1], time.Date(2024, 3, 15, 0, 5, 0, 0, time.UTC)},  // "5"
		{modis[2], time.Date(2024, 3, 15, 13, 5, 0, 0, time.UTC)}, // "1305"
		{viirs[0], time.Date(2024, 3, 15, 6, 41, 0, 0, time.UTC)}, // "641"
		{viirs[2], time.Date(2024, 3, 16, 18, 38, 0, 0, time.UTC)},
	} {
		if !c.ev.Time.Equal(c.want) {
			t.Errorf("%s: time %v, want %v", c.ev.ID, c.ev.Time, c.want)
		}
	}
	if m := modis[0]; m.Instrument != "MODIS" || m.Confidence != "72" || *m.Brightness != 318.4 || *m.FRP != 14.3 || m.Satellite != "T" {
		t.Errorf("MODIS %+v", m)
	}
	if v := viirs[1]; v.Instrument != "VIIRS" || v.Confidence != "high" || *v.Brightness != 355.67 || v.DayNight != "D" {
		t.Errorf("VIIRS %+v", v)
	}
	if viirs[0].Key() == viirs[1].Key() {
		t.Error("two hotspots share a key")
	}
}

func TestParseErrors(t *testing.T) {
	for _, c := range []struct{ kind, in, want string }{
		{USGSGeoJSON, `{"type":"Feature"}`, "want FeatureCollection"},
		{USGSGeoJSON, `{"type":"FeatureCollection","features":[{"id":"x","properties":{"mag":5,"time":1},"geometry":{"type":"Point","coordinates":[200,1]}}]}`, `features[0] (id "x"): geometry: longitude 200`},
		{USGSGeoJSON, `{"type":"FeatureCollection","features":[{"id":"x","properties":{"time":1},"geometry":{"type":"Point","coordinates":[1,1]}}]}`, "properties.mag missing"},
		{QuakeML, `<quakeml><eventParameters><event publicID="e1"><origin publicID="o"><time><value>yesterday</value></time></origin></event></eventParameters></quakeml>`, "event 1 (e1): origin time"},
		{QuakeML, `<quakeml><eventParameters><event`, "quakeml:"},
		{CENCJSON, `{"shuju":[{"CATA_ID":"CC1","O_TIME":"2021-05-21T21:48:34","EPI_LAT":"25","EPI_LON":"99","M":"5"}]}`, "shuju[0] (CC1): O_TIME"},
		{CENCJSON, `{"shuju":[{"CATA_ID":"CC1","O_TIME":"2021-05-21 21:48:34","EPI_LAT":"x","EPI_LON":"99","M":"5"}]}`, "shuju[0]"},
		{CENCJSON, `{"list":[]}`, `no "shuju"`},
		{FIRMSCSV, "latitude,longitude,acq_date,acq_time,satellite\n", `no column "confidence"`},
		{FIRMSCSV, "latitude,longitude,acq_date,acq_time,satellite,confidence\n25,98,2024-03-15,2460,N,n\n", `line 2: acq_time "2460"`},
		{FIRMSCSV, "latitude,longitude,acq_date,acq_time,satellite,confidence\n25,98,2024-03-15,41,N,n\n25,98,2024-03-15,41,N,maybe\n", `line 3: confidence "maybe"`},
		{"shakemap", "", "unknown feed kind"},
	} {
		evs, err := Parse(c.kind, []byte(c.in))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s %q: %v, %v; want an error containing %q", c.kind, c.in, evs, err, c.want)
		}
	}
}

func TestDedupAcrossPollsAndRevisions(t *testing.T) {
	data := fixture(t, "usgs_summary.geojson")
	var handled []Event
	r := &Runner{Handle: func(_ context.Context, ev Event) { handled = append(handled, ev) }}
	ctx := context.Background()
	for range 3 {
		if _, _, err := r.Ingest(ctx, "usgs", USGSGeoJSON, "test", data); err != nil {
			t.Fatal(err)
		}
	}
	if len(handled) != 2 {
		t.Fatalf("handled %d events over three identical polls, want 2", len(handled))
	}
	// a revision (later "updated") passes once
	rev := strings.Replace(string(data), `"updated":1621692131040`, `"updated":1621700000000`, 1)
	r.Ingest(ctx, "usgs", USGSGeoJSON, "test", []byte(rev))
	r.Ingest(ctx, "usgs", USGSGeoJSON, "test", []byte(rev))
	if len(handled) != 3 || handled[2].ID != "us7000e54r" {
		t.Errorf("after a revision: %d handled", len(handled))
	}
	st := r.Statuses()
	if len(st) != 1 || st[0].EventsSeen != 3 || st[0].Duplicates != 7 || st[0].LastError != "" {
		t.Errorf("status %+v", st)
	}
	d := Dedup{Max: 2}
	for _, id := range []string{"a", "b", "c"} {
		d.Fresh(Event{Type: Quake, Source: "s", ID: id})
	}
	if !d.Fresh(Event{Type: Quake, Source: "s", ID: "a"}) {
		t.Error("the oldest key was not forgotten beyond Max")
	}
}

func TestPollURLAndDir(t *testing.T) {
	body := fixture(t, "cenc.json")
	fail := false
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if fail {
			http.Error(w, "down", http.StatusBadGateway)
			return
		}
		w.Write(body)
	}))
	defer srv.Close()
	n := 0
	clock := func() time.Time { return time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC) }
	r := &Runner{Clock: clock, Handle: func(context.Context, Event) { n++ }}
	src, err := ParseSource("cenc=cenc-json@" + srv.URL + ",every=1m")
	if err != nil {
		t.Fatal(err)
	}
	r.Sources = []Source{src}
	r.PollOnce(context.Background(), src)
	fail = true
	r.PollOnce(context.Background(), src)
	st := r.Statuses()[0]
	if n != 2 || st.EventsSeen != 2 || !strings.Contains(st.LastError, "502") || !st.LastPoll.Equal(clock()) {
		t.Errorf("n %d, status %+v", n, st)
	}

	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "a.csv"), fixture(t, "firms_viirs.csv"), 0o644)
	os.WriteFile(filepath.Join(dir, "b.csv"), []byte("not,a,firms,file\n"), 0o644)
	ds, err := ParseSource("firms=firms-csv@dir:" + dir)
	if err != nil {
		t.Fatal(err)
	}
	r.PollOnce(context.Background(), ds)
	if n != 5 {
		t.Errorf("after the dropped files: %d events", n)
	}
	for _, p := range []string{"done/a.csv", "failed/b.csv", "failed/b.csv.error"} {
		if _, err := os.Stat(filepath.Join(dir, p)); err != nil {
			t.Errorf("%s: %v", p, err)
		}
	}
	r.PollOnce(context.Background(), ds) // nothing left to read
	if n != 5 {
		t.Errorf("a file was read twice: %d", n)
	}
	for _, bad := range []string{"x", "x=shakemap@http://a", "x=quakeml@ftp://a", "x=quakeml@http://a,every=1s"} {
		if _, err := ParseSource(bad); err == nil {
			t.Errorf("ParseSource(%q) accepted", bad)
		}
	}
}

func TestPush(t *testing.T) {
	r := &Runner{}
	if _, fresh, err := r.Push(context.Background(), QuakeML, fixture(t, "event.quakeml")); err != nil || fresh != 1 {
		t.Fatalf("push: %d, %v", fresh, err)
	}
	if _, _, err := r.Push(context.Background(), "rss", nil); err == nil {
		t.Error("unknown kind accepted")
	}
	_, _, err := r.Push(context.Background(), QuakeML, []byte("<quakeml>"))
	if err == nil || errors.Unwrap(err) != nil && !strings.Contains(err.Error(), "quakeml") {
		t.Errorf("bad push: %v", err)
	}
}

func fuzzParser(f *testing.F, kind string, seeds ...string) {
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		evs, err := Parse(kind, data)
		if err != nil {
			return
		}
		for _, e := range evs {
			if checkPosition(e.Lon, e.Lat) != nil || e.Time.IsZero() && kind != USGSGeoJSON || e.ID == "" {
				t.Fatalf("accepted %+v", e)
			}
			if e.Magnitude != nil && checkMagnitude(*e.Magnitude) != nil {
				t.Fatalf("accepted magnitude %v", *e.Magnitude)
			}
		}
	})
}

func FuzzUSGS(f *testing.F) {
	b, _ := os.ReadFile("testdata/usgs_summary.geojson")
	fuzzParser(f, USGSGeoJSON, string(b), `{"type":"FeatureCollection","features":[]}`)
}

func FuzzQuakeML(f *testing.F) {
	b, _ := os.ReadFile("testdata/event.quakeml")
	fuzzParser(f, QuakeML, string(b), `<quakeml><eventParameters></eventParameters></quakeml>`)
}

func FuzzCENC(f *testing.F) {
	b, _ := os.ReadFile("testdata/cenc.json")
	fuzzParser(f, CENCJSON, string(b), `{"shuju":[]}`)
}

func FuzzFIRMS(f *testing.F) {
	m, _ := os.ReadFile("testdata/firms_modis.csv")
	v, _ := os.ReadFile("testdata/firms_viirs.csv")
	fuzzParser(f, FIRMSCSV, string(m), string(v), "latitude,longitude,acq_date,acq_time,satellite,confidence\n1,2,2024-01-01,0,N,l\n")
}

func TestParseRain(t *testing.T) {
	evs, err := Parse(RainCSV, fixture(t, "rain.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 3 || evs[1].Gauge != "JY-530502-0001" || *evs[1].MM != 3.1 || !evs[1].Time.Equal(time.Date(2026, 7, 10, 0, 10, 0, 0, time.UTC)) {
		t.Fatalf("%+v", evs)
	}
	r, ok := RainReading(evs[0])
	if !ok || r.MM != 2.4 || r.Gauge != "JY-530502-0001" {
		t.Errorf("reading %+v", r)
	}
	if _, err := Parse(RainCSV, []byte("gauge,t,mm\nA,2026-07-10T08:05:00+08:00,-1\n")); err == nil || !strings.Contains(err.Error(), "rain-csv: line 2") {
		t.Errorf("negative rain: %v", err)
	}
	// the same reading in two polls is handled once
	n := 0
	r2 := &Runner{Handle: func(context.Context, Event) { n++ }}
	r2.Ingest(context.Background(), "rain", RainCSV, "t", fixture(t, "rain.csv"))
	r2.Ingest(context.Background(), "rain", RainCSV, "t", fixture(t, "rain.csv"))
	if n != 3 {
		t.Errorf("%d rain events handled over two identical polls", n)
	}
}

func FuzzRain(f *testing.F) {
	b, _ := os.ReadFile("testdata/rain.csv")
	fuzzParser(f, RainCSV, string(b), "gauge,t,mm\n")
}
