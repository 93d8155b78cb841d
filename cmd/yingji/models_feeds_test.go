package main

import (
	"bytes"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
)

// post sends a raw document as the client.
func (c *client) post(path, contentType string, body []byte, want int) []byte {
	c.t.Helper()
	req, _ := http.NewRequest("POST", c.url+path, bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Content-Type", contentType)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	c.v.Check(c.t, req, resp, data)
	if resp.StatusCode != want {
		c.t.Fatalf("POST %s = %d, want %d: %s", path, resp.StatusCode, want, data)
	}
	return data
}

type incidentRow struct {
	ID          int64    `json:"id"`
	Number      string   `json:"number"`
	Title       string   `json:"title"`
	Type        string   `json:"type"`
	Status      string   `json:"status"`
	Source      string   `json:"source"`
	Reporter    string   `json:"reporter"`
	Division    string   `json:"division_code"`
	Lon         *float64 `json:"lon"`
	Lat         *float64 `json:"lat"`
	OccurredAt  string   `json:"occurred_at"`
	Description string   `json:"description"`
}

func quakeIncidentsOf(c *client) []incidentRow {
	var list struct {
		Items []incidentRow
		Total int
	}
	c.get("/api/v1/incidents?type=natural.earthquake&limit=100", &list)
	return list.Items
}

// TestQuakeFeedDraftsOneIncident: USGS QuakeML of the 2021 Yangbi
// earthquake (in Dali, 52 km outside Baoshan) posted to the feed endpoint.
// As published (Mww 6.1) its modelled VI band stops short of the region:
// no incident. A revision of the event to M 6.4 (the CENC magnitude) puts
// intensity VI into 昌宁县: one earthquake incident from the feed, placed at
// the epicentre. The same document again and a later revision make no
// second one, and the same quake from another agency (CENC) adds a note to
// its timeline instead.
func TestQuakeFeedDraftsOneIncident(t *testing.T) {
	url, _ := server(t, "--data", t.TempDir(), "--no-demo")
	c := login(t, url, "admin", adminPassword)
	sys := login(t, url, "sysadmin", adminPassword) // pushing a feed is the system administrator's (三员分立)
	doc, err := os.ReadFile("../../internal/feeds/testdata/event.quakeml")
	if err != nil {
		t.Fatal(err)
	}
	sys.post("/api/v1/feeds/quakeml", "application/xml", doc, 202)
	if n := len(quakeIncidentsOf(c)); n != 0 {
		t.Fatalf("%d earthquake incidents from an M6.1 whose VI band stays outside", n)
	}
	revise := func(created, mag string) []byte {
		rev := bytes.ReplaceAll(doc, []byte("2021-05-22T14:02:11.040Z"), []byte(created))
		return bytes.Replace(rev, []byte("<value>6.1</value>"), []byte("<value>"+mag+"</value>"), 1)
	}
	m64 := revise("2021-05-23T02:00:00.000Z", "6.4")
	sys.post("/api/v1/feeds/quakeml", "application/xml", m64, 202)
	ins := quakeIncidentsOf(c)
	if len(ins) != 1 {
		t.Fatalf("%d incidents after the M6.4 revision, want 1: %+v", len(ins), ins)
	}
	in := ins[0]
	if in.Source != "feed" || in.Status != "open" || in.Lon == nil || *in.Lon != 99.8734 || *in.Lat != 25.6745 ||
		in.Division != "530524" || in.OccurredAt != "2021-05-21T13:48:34.13Z" {
		t.Errorf("incident: %+v", in)
	}
	for _, want := range []string{"M6.4", "mww", "10 km", "VI 度", "昌宁县", "外部", "us7000e54r", "2021-05-21 21:48:34", "待值班员核实"} {
		if !strings.Contains(in.Description+in.Title+in.Reporter, want) {
			t.Errorf("the incident does not say %q:\n%s\n%s\n%s", want, in.Title, in.Description, in.Reporter)
		}
	}
	var events struct {
		Items []struct {
			Incident        string `json:"incident"`
			IncidentCreated bool   `json:"incident_created"`
			DraftIncident   bool   `json:"draft_incident"`
		}
	}
	c.get("/api/v1/feeds/events?limit=5", &events)
	if len(events.Items) != 2 || events.Items[0].Incident != in.Number || !events.Items[0].IncidentCreated || events.Items[1].DraftIncident {
		t.Errorf("feed events: %+v, incident %s", events.Items, in.Number)
	}

	// the same document: a duplicate, not assessed again.
	sys.post("/api/v1/feeds/quakeml", "application/xml", m64, 202)
	// a later revision passes the feed's duplicate check and finds its
	// incident.
	sys.post("/api/v1/feeds/quakeml", "application/xml", revise("2021-05-24T02:00:00.000Z", "6.4"), 202)
	events.Items = nil
	c.get("/api/v1/feeds/events?limit=5", &events)
	if len(events.Items) != 3 || events.Items[0].Incident != in.Number || events.Items[0].IncidentCreated {
		t.Errorf("revision: %+v", events.Items)
	}
	// the same quake from CENC: a note on the incident.
	cenc, err := os.ReadFile("../../internal/feeds/testdata/cenc.json")
	if err != nil {
		t.Fatal(err)
	}
	sys.post("/api/v1/feeds/cenc-json", "application/json", cenc, 202)
	if ins := quakeIncidentsOf(c); len(ins) != 1 {
		t.Fatalf("%d incidents after the repeats, want 1: %+v", len(ins), ins)
	}
	var tl struct {
		Items []struct{ Kind, Summary string }
	}
	c.get("/api/v1/incidents/"+strconv.FormatInt(in.ID, 10)+"/timeline", &tl)
	notes := 0
	for _, e := range tl.Items {
		if e.Kind == "note" && strings.Contains(e.Summary, "cenc") && strings.Contains(e.Summary, "M6.4") {
			notes++
		}
	}
	if notes != 1 {
		t.Errorf("%d CENC notes on the timeline: %+v", notes, tl.Items)
	}
}

// TestHotspotFeedRaisesAlarms: FIRMS files posted to the feed endpoint
// raise the county's satellite-hotspot alarm, which then lives like any
// alarm (listed, acknowledged); a hotspot on the Gaoligong ridge raises
// its county's to orange.
func TestHotspotFeedRaisesAlarms(t *testing.T) {
	url, _ := server(t, "--data", t.TempDir(), "--no-demo")
	c := login(t, url, "admin", adminPassword)
	sys := login(t, url, "sysadmin", adminPassword) // pushing a feed is the system administrator's (三员分立)
	type alarmRow struct {
		ID        int64  `json:"id"`
		PointID   int64  `json:"point_id"`
		Point     string `json:"point"`
		PointName string `json:"point_name"`
		Level     string `json:"level"`
		State     string `json:"state"`
		Division  string `json:"division_code"`
		TierName  string `json:"tier_name"`
		Message   string `json:"message"`
	}
	alarms := func() map[string]alarmRow {
		var list struct{ Items []alarmRow }
		c.get("/api/v1/alarms?limit=100", &list)
		out := map[string]alarmRow{}
		for _, a := range list.Items {
			out[a.Point] = a
		}
		return out
	}
	viirs, err := os.ReadFile("../../internal/feeds/testdata/firms_viirs.csv")
	if err != nil {
		t.Fatal(err)
	}
	sys.post("/api/v1/feeds/firms-csv", "text/csv", viirs, 202)
	got := alarms()
	tc, ok := got["SAT-FIRE-530581"]
	if !ok || tc.PointID != -530581 || tc.Level != "yellow" || tc.State != "raised" || tc.Division != "530581" || tc.TierName != "county" ||
		!strings.Contains(tc.PointName, "腾冲市") || !strings.Contains(tc.Message, "98.5130°E，位于腾冲市") {
		t.Fatalf("腾冲市 hotspot alarm: %+v (all %+v)", tc, got)
	}
	modis, err := os.ReadFile("../../internal/feeds/testdata/firms_modis.csv")
	if err != nil {
		t.Fatal(err)
	}
	sys.post("/api/v1/feeds/firms-csv", "text/csv", modis, 202)
	// 98.7233, 25.4102 on the ridge lies in 腾冲市: its alarm goes orange,
	// the level change noting the reserve; 98.3305, 24.5370, 14 km
	// outside 龙陵县, raises that county's alarm blue.
	got = alarms()
	if got["SAT-FIRE-530581"].Level != "orange" || got["SAT-FIRE-530523"].Level != "blue" || len(got) != 2 {
		t.Errorf("alarms after MODIS: %+v", got)
	}
	var full struct {
		Events []struct {
			Action  string
			ToLevel string `json:"to_level"`
			Note    string
		} `json:"events"`
	}
	c.get("/api/v1/alarms/"+strconv.FormatInt(tc.ID, 10), &full)
	if n := len(full.Events); n != 2 || full.Events[1].Action != "level" || full.Events[1].ToLevel != "orange" ||
		!strings.Contains(full.Events[1].Note, "高黎贡山") {
		t.Errorf("alarm history: %+v", full.Events)
	}
	var acted struct{ State string }
	c.do("POST", "/api/v1/alarms/"+strconv.FormatInt(tc.ID, 10)+"/actions", map[string]any{"action": "acknowledge"}, 200, &acted)
	if acted.State != "acknowledged" {
		t.Errorf("acknowledge: %+v", acted)
	}
}
