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
	doc, err := os.ReadFile("../../internal/feeds/testdata/event.quakeml")
	if err != nil {
		t.Fatal(err)
	}
	c.post("/api/v1/feeds/quakeml", "application/xml", doc, 202)
	if n := len(quakeIncidentsOf(c)); n != 0 {
		t.Fatalf("%d earthquake incidents from an M6.1 whose VI band stays outside", n)
	}
	revise := func(created, mag string) []byte {
		rev := bytes.ReplaceAll(doc, []byte("2021-05-22T14:02:11.040Z"), []byte(created))
		return bytes.Replace(rev, []byte("<value>6.1</value>"), []byte("<value>"+mag+"</value>"), 1)
	}
	m64 := revise("2021-05-23T02:00:00.000Z", "6.4")
	c.post("/api/v1/feeds/quakeml", "application/xml", m64, 202)
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
	c.post("/api/v1/feeds/quakeml", "application/xml", m64, 202)
	// a later revision passes the feed's duplicate check and finds its
	// incident.
	c.post("/api/v1/feeds/quakeml", "application/xml", revise("2021-05-24T02:00:00.000Z", "6.4"), 202)
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
	c.post("/api/v1/feeds/cenc-json", "application/json", cenc, 202)
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
