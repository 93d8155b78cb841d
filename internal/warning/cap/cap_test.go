package cap_test

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/yingji/yingji/internal/warning/cap"
	"github.com/yingji/yingji/internal/warning/cap/captest"
)

var examples = []string{"example_homeland_security.xml", "example_thunderstorm.xml", "example_earthquake.xml", "example_amber_alert.xml", "example_naads_wind_warning.xml"}

// sameTime compares times by instant and by the offset CAP writes.
var sameTime = cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) && cap.FormatTime(a) == cap.FormatTime(b) })

// leaves flattens an XML document independently of the cap package: one
// "path=text" line per element with text, whitespace trimmed, comments and
// empty elements left out.
func leaves(t *testing.T, data []byte) []string {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(data))
	var path []string
	var text []*strings.Builder
	var out []string
	for {
		tok, err := d.Token()
		if err != nil {
			break
		}
		switch tk := tok.(type) {
		case xml.StartElement:
			path = append(path, "{"+tk.Name.Space+"}"+tk.Name.Local)
			text = append(text, &strings.Builder{})
			for _, a := range tk.Attr {
				if a.Name.Space != "xmlns" && a.Name.Local != "xmlns" {
					out = append(out, strings.Join(path, "/")+"@"+a.Name.Local+"="+a.Value)
				}
			}
		case xml.CharData:
			if len(text) > 0 {
				text[len(text)-1].Write(tk)
			}
		case xml.EndElement:
			if s := strings.TrimSpace(text[len(text)-1].String()); s != "" {
				out = append(out, strings.Join(path, "/")+"="+s)
			}
			path, text = path[:len(path)-1], text[:len(text)-1]
		}
	}
	return out
}

func TestExamplesRoundTrip(t *testing.T) {
	for _, name := range examples {
		t.Run(name, func(t *testing.T) {
			orig, err := os.ReadFile(filepath.Join("testdata", name))
			if err != nil {
				t.Fatal(err)
			}
			captest.Valid(t, orig) // the reference itself is valid
			a, err := cap.Decode(orig)
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			out, err := cap.Encode(a)
			if err != nil {
				t.Fatalf("encode: %v", err)
			}
			captest.Valid(t, out)
			if diff := cmp.Diff(leaves(t, orig), leaves(t, out)); diff != "" {
				t.Errorf("re-encoded document differs from the original (-orig +out):\n%s", diff)
			}
			b, err := cap.Decode(out)
			if err != nil {
				t.Fatalf("decode the re-encoded message: %v", err)
			}
			if diff := cmp.Diff(a, b, sameTime); diff != "" {
				t.Errorf("decode(encode(a)) != a:\n%s", diff)
			}
			// and through JSON
			js, err := json.Marshal(a)
			if err != nil {
				t.Fatal(err)
			}
			c, err := cap.DecodeJSON(js)
			if err != nil {
				t.Fatalf("decode JSON: %v\n%s", err, js)
			}
			c.Signatures = a.Signatures // JSON does not carry XML signatures
			if diff := cmp.Diff(a, c, sameTime); diff != "" {
				t.Errorf("JSON round trip differs:\n%s", diff)
			}
		})
	}
}

// Values read by hand from the examples, against the decoder.
func TestDecodeValues(t *testing.T) {
	read := func(name string) *cap.Alert {
		data, _ := os.ReadFile(filepath.Join("testdata", name))
		a, err := cap.Decode(data)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	eq := read("example_earthquake.xml")
	if got := eq.Infos[0].Areas[0].Circles[0]; got != (cap.Circle{Center: cap.Point{Lat: 32.9525, Lon: -115.5527}, RadiusKm: 0}) {
		t.Errorf("circle = %+v", got)
	}
	if got := cap.FormatTime(eq.Sent); got != "2003-06-11T20:56:00-07:00" {
		t.Errorf("sent = %s", got)
	}
	refs, err := cap.ParseReferences(eq.References)
	if err != nil || len(refs) != 1 || refs[0].Identifier != "TRI13970876.1" || refs[0].Sender != "trinet@caltech.edu" {
		t.Errorf("references = %+v, %v", refs, err)
	}
	ts := read("example_thunderstorm.xml")
	if p := ts.Infos[0].Areas[0].Polygons[0]; len(p) != 5 || p[1] != (cap.Point{Lat: 38.34, Lon: -119.95}) {
		t.Errorf("polygon = %v", p)
	}
	if g := ts.Infos[0].Areas[0].Geocodes; len(g) != 3 || g[2].Value != "006003" {
		t.Errorf("geocodes = %v", g)
	}
	nd := read("example_naads_wind_warning.xml")
	refs, err = cap.ParseReferences(nd.References)
	if err != nil || len(refs) != 3 {
		t.Errorf("naads references = %d, %v", len(refs), err)
	}
	if len(nd.Signatures) != 2 || len(nd.Infos) != 2 || nd.Infos[1].Language != "en-CA" {
		t.Errorf("naads: %d signatures, %d infos", len(nd.Signatures), len(nd.Infos))
	}
	if got := cap.FormatTime(nd.Sent); got != "2019-01-09T02:17:03-00:00" {
		t.Errorf("naads sent = %s (UTC must stay -00:00)", got)
	}
	hs := read("example_homeland_security.xml")
	if r := hs.Infos[0].Resources[0]; r.MimeType != "image/gif" || r.Size != -1 {
		t.Errorf("resource = %+v", r)
	}
}

func TestInvalidExample(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "invalid_missing_scope.xml"))
	if err != nil {
		t.Fatal(err)
	}
	lint := captest.Lint(t, data)
	if lint == nil || !strings.Contains(lint.Error(), "scope") {
		t.Fatalf("xmllint should reject the example for the missing scope: %v", lint)
	}
	_, err = cap.Decode(data)
	var es cap.Errors
	if !asErrors(err, &es) {
		t.Fatalf("decode = %v, want cap.Errors", err)
	}
	if es[0].Path != "/alert/info" || !strings.Contains(es[0].Reason, "expected is scope") {
		t.Errorf("reason = %v; xmllint says: %s", es[0], lint)
	}
}

func asErrors(err error, es *cap.Errors) bool {
	e, ok := err.(cap.Errors)
	if ok {
		*es = e
	}
	return ok && len(e) > 0
}

// Each broken document is rejected by xmllint and by Decode, at the same
// element.
func TestDecodeRejectsLikeTheSchema(t *testing.T) {
	base, _ := os.ReadFile(filepath.Join("testdata", "example_thunderstorm.xml"))
	cases := []struct {
		name, from, to, path, reason string
	}{
		{"order", "<status>Actual</status> \n  <msgType>Alert</msgType>", "<msgType>Alert</msgType><status>Actual</status>", "/alert/msgType", "expected is status"},
		{"status enum", "<status>Actual</status>", "<status>Real</status>", "/alert/status", "not one of"},
		{"sent with Z", "2003-06-17T14:57:00-07:00</sent>", "2003-06-17T21:57:00Z</sent>", "/alert/sent", "not a CAP date"},
		{"sent with fraction", "2003-06-17T14:57:00-07:00</sent>", "2003-06-17T14:57:00.5-07:00</sent>", "/alert/sent", "not a CAP date"},
		{"unknown element", "<scope>Public</scope>", "<scope>Public</scope><colour>red</colour>", "/alert/colour", "not expected"},
		{"missing urgency", "<urgency>Immediate</urgency>", "", "/alert/info[1]/severity", "expected is urgency"},
		{"two events", "<event>SEVERE THUNDERSTORM</event>", "<event>A</event><event>B</event>", "/alert/info[1]/event", "not expected"},
		{"category enum", "<category>Met</category>", "<category>Weather</category>", "/alert/info[1]/category[1]", "not one of"},
		{"attribute", "<urgency>Immediate</urgency>", `<urgency lang="en">Immediate</urgency>`, "/alert/info[1]/urgency", "attribute lang"},
		{"element in simple", "<headline>SEVERE THUNDERSTORM WARNING</headline>", "<headline><b>x</b></headline>", "/alert/info[1]/headline", "simple type"},
		{"wrong namespace", `xmlns = "urn:oasis:names:tc:emergency:cap:1.2"`, `xmlns = "urn:oasis:names:tc:emergency:cap:1.1"`, "/alert", "root element"},
		{"missing areaDesc", "<areaDesc>EXTREME NORTH CENTRAL TUOLUMNE COUNTY IN CALIFORNIA, EXTREME NORTHEASTERN CALAVERAS COUNTY IN CALIFORNIA, SOUTHWESTERN ALPINE COUNTY IN CALIFORNIA</areaDesc>", "", "/alert/info[1]/area[1]/polygon", "expected is areaDesc"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			doc := strings.Replace(string(base), c.from, c.to, 1)
			if doc == string(base) {
				t.Fatalf("the case does not change the document")
			}
			if err := captest.Lint(t, []byte(doc)); err == nil {
				t.Fatalf("xmllint accepts the broken document; the case is wrong")
			}
			_, err := cap.Decode([]byte(doc))
			var es cap.Errors
			if !asErrors(err, &es) {
				t.Fatalf("decode = %v, want rejection", err)
			}
			if es[0].Path != c.path || !strings.Contains(es[0].Reason, c.reason) {
				t.Errorf("got %v, want path %s and a reason with %q", es[0], c.path, c.reason)
			}
		})
	}
}

// Documents the schema accepts but the standard's text rejects: Decode
// refuses them and says which rule.
func TestDecodeStandardRules(t *testing.T) {
	base, _ := os.ReadFile(filepath.Join("testdata", "example_thunderstorm.xml"))
	cases := []struct{ name, from, to, path string }{
		{"open polygon", "38.62,-119.89 38.47,-120.14</polygon>", "38.62,-119.89 38.5,-120.14</polygon>", "/alert/info[1]/area[1]/polygon[1]"},
		{"identifier with space", "<identifier>KSTO1055887203</identifier>", "<identifier>KSTO 1055887203</identifier>", "/alert/identifier"},
		{"restricted without restriction", "<scope>Public</scope>", "<scope>Restricted</scope>", "/alert/restriction"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			doc := strings.Replace(string(base), c.from, c.to, 1)
			if doc == string(base) {
				t.Fatal("the case does not change the document")
			}
			_, err := cap.Decode([]byte(doc))
			var es cap.Errors
			if !asErrors(err, &es) || es[0].Path != c.path {
				t.Errorf("decode = %v, want a problem at %s", err, c.path)
			}
		})
	}
}

func TestFormatTime(t *testing.T) {
	sh := time.FixedZone("CST", 8*3600)
	for _, c := range []struct {
		t    time.Time
		want string
	}{
		{time.Date(2026, 11, 28, 6, 30, 0, 999e6, time.UTC), "2026-11-28T06:30:00-00:00"},
		{time.Date(2026, 11, 28, 14, 30, 5, 0, sh), "2026-11-28T14:30:05+08:00"},
	} {
		if got := cap.FormatTime(c.t); got != c.want {
			t.Errorf("FormatTime(%v) = %s, want %s", c.t, got, c.want)
		}
	}
}

func FuzzDecode(f *testing.F) {
	for _, name := range append(examples, "invalid_missing_scope.xml") {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(`<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>a</identifier></alert>`))
	f.Add([]byte(`<!DOCTYPE x [<!ENTITY a "b">]><alert/>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := cap.Decode(data)
		if err != nil {
			if _, ok := err.(cap.Errors); !ok {
				t.Fatalf("error of type %T: %v", err, err)
			}
			return
		}
		// whatever decodes must encode and decode to the same alert.
		out, err := cap.Encode(a)
		if err != nil {
			t.Fatalf("decoded alert does not encode: %v", err)
		}
		b, err := cap.Decode(out)
		if err != nil {
			t.Fatalf("re-encoded alert does not decode: %v\n%s", err, out)
		}
		if diff := cmp.Diff(a, b, sameTime); diff != "" {
			t.Fatalf("round trip differs:\n%s", diff)
		}
	})
}

func FuzzDecodeJSON(f *testing.F) {
	data, _ := os.ReadFile(filepath.Join("testdata", "example_thunderstorm.xml"))
	a, err := cap.Decode(data)
	if err != nil {
		f.Fatal(err)
	}
	js, _ := json.Marshal(a)
	f.Add(js)
	f.Add([]byte(`{"identifier":"x","sender":"y","sent":"2026-01-01T00:00:00+08:00","status":"Actual","msgType":"Alert","scope":"Public","info":[{"category":["Met"],"event":"e","urgency":"Past","severity":"Minor","certainty":"Observed","area":[{"areaDesc":"a","circle":["1,2 3"]}]}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := cap.DecodeJSON(data)
		if err != nil {
			return
		}
		// a valid JSON alert is a valid XML alert.
		out, err := cap.Encode(a)
		if err != nil {
			t.Fatalf("decoded JSON alert does not encode: %v", err)
		}
		if _, err := cap.Decode(out); err != nil {
			t.Fatalf("its XML does not decode: %v\n%s", err, out)
		}
	})
}
