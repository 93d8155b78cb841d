package warning_test

import (
	"fmt"
	"math"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/yingji/yingji/internal/warning"
	"github.com/yingji/yingji/internal/warning/cap"
	"github.com/yingji/yingji/internal/warning/cap/captest"
)

func TestLevels(t *testing.T) {
	// domain.md: four levels, red the most severe; CAP's four graded
	// severities, Extreme the most severe.
	want := map[warning.Level]string{warning.Red: "Extreme", warning.Orange: "Severe", warning.Yellow: "Moderate", warning.Blue: "Minor"}
	for l, sev := range want {
		if got := l.Severity(); got != sev {
			t.Errorf("%s.Severity() = %s, want %s", l, got, sev)
		}
		if back, ok := warning.LevelOfSeverity(sev); !ok || back != l {
			t.Errorf("LevelOfSeverity(%s) = %s", sev, back)
		}
	}
	if _, ok := warning.LevelOfSeverity("Unknown"); ok {
		t.Error("Unknown severity must have no level")
	}
	if _, err := warning.ParseLevel("purple"); err == nil {
		t.Error("purple accepted")
	}
}

func TestIdentifier(t *testing.T) {
	is := warning.Issuer{Area: "530500", Dept: "001", Unit: "002", Ext: "00"}
	// 06:30:05 UTC is 14:30:05 Beijing time.
	sent := time.Date(2026, 11, 28, 6, 30, 5, 0, time.UTC)
	got, err := is.Identifier(sent, 3)
	if err != nil {
		t.Fatal(err)
	}
	// ZZZZZZ DDD UUU XX _ YYYYMMDDhhmmss _ N, assembled by hand.
	want := "530500" + "001" + "002" + "00" + "_" + "20261128143005" + "_" + "3"
	if got != want || len(got) != 31 {
		t.Fatalf("identifier = %s (%d chars), want %s (31)", got, len(got), want)
	}
	p, err := warning.ParseIdentifier(got)
	if err != nil || p.Issuer != is || !p.Sent.Equal(sent) || p.Seq != 3 {
		t.Errorf("ParseIdentifier = %+v, %v", p, err)
	}
	for _, bad := range []warning.Issuer{{Area: "5305", Dept: "001", Unit: "002", Ext: "00"}, {Area: "530500", Unit: "01002", Ext: "00"}, {Area: "530500", Unit: "001002", Ext: "0a"}} {
		if _, err := bad.Identifier(sent, 0); err == nil {
			t.Errorf("issuer %+v accepted", bad)
		}
	}
	if p, err := warning.ParseIssuer("53050000100200"); err != nil || p != is {
		t.Errorf("ParseIssuer = %+v, %v", p, err)
	}
	if _, err := is.Identifier(sent, 10); err == nil {
		t.Error("sequence 10 accepted")
	}
	for _, bad := range []string{"530500001002000_20261128143005_3", "530500001002_20261128143005_3", "53050000100200_20261328143005_3"} {
		if _, err := warning.ParseIdentifier(bad); err == nil {
			t.Errorf("ParseIdentifier(%s) accepted", bad)
		}
	}
}

func service() *warning.Service {
	names := map[string]string{"530500": "保山市", "530502": "隆阳区", "530581": "腾冲市"}
	return &warning.Service{Issuer: warning.Issuer{Area: "530500", Dept: "001", Unit: "002", Ext: "00"}, Sender: "yjj.baoshan.gov.cn", SenderName: "保山市应急管理局",
		DivisionName: func(c string) (string, bool) { n, ok := names[c]; return n, ok }}
}

func square(lon, lat, d float64) orb.Polygon {
	return orb.Polygon{{{lon, lat}, {lon + d, lat}, {lon + d, lat + d}, {lon, lat + d}, {lon, lat}}}
}

// Every kind of message we produce is valid against the CAP 1.2 schema
// (xmllint) and decodes to what was meant.
func TestCAPMessages(t *testing.T) {
	s := service()
	sent := time.Date(2026, 7, 12, 1, 5, 0, 0, time.UTC)
	base := func(l warning.Level) *warning.Warning {
		return &warning.Warning{ID: 1, MsgType: warning.MsgAlert, Status: warning.Published, Level: l, Category: "Met", Urgency: "Expected",
			Certainty: "Likely", ResponseType: "Prepare", Scope: "Public", Sender: s.Sender, Sent: &sent,
			Identifier: fmt.Sprintf("53050000100200_%s_0", sent.In(warning.Beijing).Format("20060102150405")),
			Text:       warning.Text{Event: "暴雨", Headline: "隆阳区暴雨" + l.Label() + "预警", Description: "预计未来6小时降雨量将达50毫米以上。", Instruction: "注意防范。"},
			Onset:      sent, Expires: sent.Add(12 * time.Hour), Area: warning.Area{Divisions: []string{"530502"}}}
	}
	type tc struct {
		name  string
		w     *warning.Warning
		check func(t *testing.T, a *cap.Alert)
	}
	var cases []tc
	for _, l := range warning.Levels {
		cases = append(cases, tc{"level " + string(l), base(l), func(t *testing.T, a *cap.Alert) {
			if a.Infos[0].Severity != l.Severity() || a.Infos[0].Parameters[0].Value != string(l) {
				t.Errorf("severity %s / parameter %v for %s", a.Infos[0].Severity, a.Infos[0].Parameters, l)
			}
			if a.Infos[0].Areas[0].Geocodes[0] != (cap.Value{Name: "GB/T 2260", Value: "530502"}) || a.Infos[0].Areas[0].Desc != "隆阳区" {
				t.Errorf("area = %+v", a.Infos[0].Areas[0])
			}
		}})
	}
	bi := base(warning.Orange)
	bi.English = &warning.Text{Event: "Rainstorm", Headline: "Orange rainstorm warning", Description: "50 mm of rain or more in 6 hours.", Instruction: "Take care."}
	cases = append(cases, tc{"bilingual", bi, func(t *testing.T, a *cap.Alert) {
		if len(a.Infos) != 2 || a.Infos[0].Language != "zh-CN" || a.Infos[1].Language != "en" || a.Infos[1].Event != "Rainstorm" {
			t.Errorf("infos = %+v", a.Infos)
		}
		if a.Infos[1].Severity != "Severe" {
			t.Errorf("english severity = %s", a.Infos[1].Severity)
		}
	}})
	poly := base(warning.Yellow)
	withHole := square(99.1, 25.1, 0.2)
	withHole = append(withHole, orb.Ring{{99.15, 25.15}, {99.2, 25.15}, {99.2, 25.2}, {99.15, 25.15}})
	poly.Area = warning.Area{Polygons: orb.MultiPolygon{square(99.0, 25.0, 0.05), withHole}, Desc: "隆阳区西部"}
	cases = append(cases, tc{"polygons", poly, func(t *testing.T, a *cap.Alert) {
		ps := a.Infos[0].Areas[0].Polygons
		if len(ps) != 2 || len(ps[1]) != 5 || ps[0][1] != (cap.Point{Lat: 25.0, Lon: 99.05}) {
			t.Errorf("polygons = %v (CAP has no holes: outer rings only)", ps)
		}
	}})
	circ := base(warning.Red)
	circ.Area = warning.Area{Circles: []warning.Circle{{Lon: 99.1612, Lat: 25.1121, RadiusM: 2500}}, Divisions: []string{"530502", "530581"}}
	cases = append(cases, tc{"circles and geocodes", circ, func(t *testing.T, a *cap.Alert) {
		ar := a.Infos[0].Areas[0]
		if len(ar.Circles) != 1 || ar.Circles[0] != (cap.Circle{Center: cap.Point{Lat: 25.1121, Lon: 99.1612}, RadiusKm: 2.5}) || len(ar.Geocodes) != 2 {
			t.Errorf("area = %+v", ar)
		}
		if ar.Desc != "隆阳区、腾冲市" {
			t.Errorf("areaDesc = %s", ar.Desc)
		}
	}})
	up := base(warning.Red)
	up.MsgType = warning.MsgUpdate
	up.References = cap.FormatReferences([]cap.Reference{{Sender: s.Sender, Identifier: "53050000100200_20260712085000_0", Sent: sent.Add(-15 * time.Minute)}})
	cases = append(cases, tc{"update", up, func(t *testing.T, a *cap.Alert) {
		refs, err := cap.ParseReferences(a.References)
		if a.MsgType != "Update" || err != nil || len(refs) != 1 || refs[0].Identifier != "53050000100200_20260712085000_0" {
			t.Errorf("update: %s %q %v", a.MsgType, a.References, err)
		}
	}})
	cn := base(warning.Red)
	cn.MsgType = warning.MsgCancel
	cn.ResponseType = "AllClear"
	cn.References = up.References + " " + cap.FormatReferences([]cap.Reference{{Sender: s.Sender, Identifier: up.Identifier, Sent: sent}})
	cases = append(cases, tc{"cancel", cn, func(t *testing.T, a *cap.Alert) {
		refs, _ := cap.ParseReferences(a.References)
		if a.MsgType != "Cancel" || len(refs) != 2 || a.Infos[0].ResponseTypes[0] != "AllClear" {
			t.Errorf("cancel: %s %d refs %v", a.MsgType, len(refs), a.Infos[0].ResponseTypes)
		}
	}})
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			data, err := cap.Encode(s.Alert(c.w))
			if err != nil {
				t.Fatal(err)
			}
			captest.Valid(t, data)
			if !strings.Contains(string(data), `<sent>2026-07-12T01:05:00-00:00</sent>`) {
				t.Errorf("sent is not CAP's UTC form:\n%s", data)
			}
			a, err := cap.Decode(data)
			if err != nil {
				t.Fatal(err)
			}
			if a.Identifier != c.w.Identifier || a.Sender != c.w.Sender || a.Scope != "Public" || a.Status != "Actual" {
				t.Errorf("alert header = %+v", a)
			}
			c.check(t, a)
		})
	}
}

func TestAtomFeed(t *testing.T) {
	s := service()
	sent := time.Date(2026, 7, 12, 1, 5, 0, 0, time.UTC)
	ws := []*warning.Warning{
		{ID: 7, Level: warning.Orange, Category: "Met", Sent: &sent, Text: warning.Text{Headline: "隆阳区暴雨橙色预警", Description: "d"}, MsgType: "Alert",
			Urgency: "Expected", Onset: sent, Expires: sent.Add(time.Hour), Area: warning.Area{Divisions: []string{"530502"}}},
		{ID: 9, Level: warning.Red, Category: "Geo", Sent: &sent, Text: warning.Text{Headline: "地震", Description: "d"}},
	}
	data, err := s.Atom(ws, "https://yj.example.cn", sent)
	if err != nil {
		t.Fatal(err)
	}
	base, _ := url.Parse("https://yj.example.cn/api/v1/warnings/feed.atom")
	items, err := warning.ParseFeed(data, base)
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 2 || items[0].URL != "https://yj.example.cn/api/v1/warnings/7/cap.xml" || items[1].URL != "https://yj.example.cn/api/v1/warnings/9/cap.xml" {
		t.Errorf("items = %+v\n%s", items, data)
	}
	for _, want := range []string{`<feed xmlns="http://www.w3.org/2005/Atom">`, `type="application/cap+xml"`,
		`<severity xmlns="urn:oasis:names:tc:emergency:cap:1.2">Severe</severity>`, `<areaDesc xmlns="urn:oasis:names:tc:emergency:cap:1.2">隆阳区</areaDesc>`,
		`<expires xmlns="urn:oasis:names:tc:emergency:cap:1.2">2026-07-12T02:05:00-00:00</expires>`} {
		if !strings.Contains(string(data), want) {
			t.Errorf("feed lacks %s", want)
		}
	}
}

func TestParseFeedRSS(t *testing.T) {
	rss := `<?xml version="1.0"?><rss version="2.0"><channel><title>x</title>
<item><title>a</title><link>alerts/a.xml</link><guid>a</guid><pubDate>Sat, 28 Nov 2026 10:00:00 +0800</pubDate></item>
<item><title>b</title><link>https://other.example/page</link><enclosure url="https://other.example/b.cap" type="application/cap+xml" length="1"/></item>
<item><title>c</title><link>javascript:alert(1)</link></item>
</channel></rss>`
	base, _ := url.Parse("http://hub.example/feeds/rss.xml")
	items, err := warning.ParseFeed([]byte(rss), base)
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 2 || items[0].URL != "http://hub.example/feeds/alerts/a.xml" || items[1].URL != "https://other.example/b.cap" {
		t.Errorf("items = %+v", items)
	}
	if _, err := warning.ParseFeed([]byte(`<html/>`), base); err == nil {
		t.Error("an HTML page was taken for a feed")
	}
}

func FuzzParseFeed(f *testing.F) {
	f.Add([]byte(`<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>x</id><link type="application/cap+xml" href="a.xml"/></entry></feed>`))
	f.Add([]byte(`<rss><channel><item><link>http://x/a.xml</link></item></channel></rss>`))
	f.Add([]byte(`<feed xmlns="http://www.w3.org/2005/Atom"><entry><link href="%zz"/></entry></feed>`))
	base, _ := url.Parse("http://hub.example/feed")
	f.Fuzz(func(t *testing.T, data []byte) {
		items, err := warning.ParseFeed(data, base)
		if err != nil {
			return
		}
		for _, it := range items {
			u, err := url.Parse(it.URL)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
				t.Fatalf("item URL %q is not http(s)", it.URL)
			}
		}
	})
}

func TestAreaParse(t *testing.T) {
	good := `{"geometry":{"type":"Polygon","coordinates":[[[99,25],[99.1,25],[99.1,25.1],[99,25]]]},"circles":[{"lon":99.1,"lat":25.1,"radius_m":500}],"divisions":["530502","530502"]}`
	a, err := warning.ParseArea([]byte(good))
	if err != nil || len(a.Polygons) != 1 || len(a.Circles) != 1 || len(a.Divisions) != 1 {
		t.Fatalf("ParseArea = %+v, %v", a, err)
	}
	for body, field := range map[string]string{
		`{"geometry":{"type":"Point","coordinates":[99,25]}}`:                         "area.geometry",
		`{"circles":[{"lon":99,"lat":25,"radius_m":0}]}`:                              "area.circles[0].radius_m",
		`{"circles":[{"lon":199,"lat":25,"radius_m":10}]}`:                            "area.circles[0]",
		`{"divisions":["5305x2"]}`:                                                    "area.divisions[0]",
		`{"geometry":{"type":"Polygon","coordinates":[[[99,25],[99.1,25],[99,25]]]}}`: "area.geometry",
	} {
		_, err := warning.ParseArea([]byte(body))
		if err == nil || !strings.Contains(fmt.Sprint(err), field) {
			t.Errorf("ParseArea(%s) = %v, want a problem at %s", body, err, field)
		}
	}
}

func FuzzParseArea(f *testing.F) {
	f.Add([]byte(`{"geometry":{"type":"Polygon","coordinates":[[[99,25],[99.1,25],[99.1,25.1],[99,25]]]},"circles":[{"lon":99.1,"lat":25.1,"radius_m":500}],"divisions":["530502"]}`))
	f.Add([]byte(`{"geometry":null,"circles":[],"divisions":[]}`))
	f.Add([]byte(`{"circles":[{"lon":1e400}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := warning.ParseArea(data)
		if err != nil {
			return
		}
		// what is accepted survives the stored form.
		b, err := a.MarshalJSON()
		if err != nil {
			t.Fatalf("accepted area does not marshal: %v", err)
		}
		if _, err := warning.ParseArea(b); err != nil {
			t.Fatalf("stored area %s no longer parses: %v", b, err)
		}
	})
}

func FuzzParseIdentifier(f *testing.F) {
	f.Add("53050000100200_20261128143005_3")
	f.Add("53050000100200_20261340143005_3")
	f.Fuzz(func(t *testing.T, s string) {
		p, err := warning.ParseIdentifier(s)
		if err != nil {
			return
		}
		back, err := p.Issuer.Identifier(p.Sent, p.Seq)
		if err != nil || back != s {
			t.Fatalf("%q parses but formats as %q (%v)", s, back, err)
		}
	})
}

// A circle drawn for maps keeps its radius: every vertex lies at the
// radius from the centre (great-circle distance, within 0.1 %).
func TestAreaShapeCircle(t *testing.T) {
	c := warning.Circle{Lon: 99.1612, Lat: 25.1121, RadiusM: 2500}
	shape := warning.Area{Circles: []warning.Circle{c}}.Shape(nil)
	if len(shape) != 1 || len(shape[0][0]) != 65 {
		t.Fatalf("shape = %d polygons", len(shape))
	}
	for _, p := range shape[0][0] {
		d := haversine(c.Lon, c.Lat, p[0], p[1])
		if d < 2497.5 || d > 2502.5 {
			t.Fatalf("vertex %v is %.1f m from the centre", p, d)
		}
	}
}

func haversine(lon1, lat1, lon2, lat2 float64) float64 {
	const r = 6371008.8
	rad := math.Pi / 180
	dlat, dlon := (lat2-lat1)*rad, (lon2-lon1)*rad
	a := math.Sin(dlat/2)*math.Sin(dlat/2) + math.Cos(lat1*rad)*math.Cos(lat2*rad)*math.Sin(dlon/2)*math.Sin(dlon/2)
	return 2 * r * math.Asin(math.Sqrt(a))
}
