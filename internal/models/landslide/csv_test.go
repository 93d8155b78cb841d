package landslide

import (
	"strings"
	"testing"
)

func TestReadCSV(t *testing.T) {
	g, err := ReadGauges(strings.NewReader("id,lon,lat\nJY-1,99.1,25.1\n"))
	if err != nil || len(g) != 1 || g[0].Lat != 25.1 {
		t.Fatalf("gauges %+v, %v", g, err)
	}
	p, err := ReadPoints(strings.NewReader("lat,lon,id\n25,99,GH\n"))
	if err != nil || len(p) != 1 || p[0].ID != "GH" || p[0].Zone != "" {
		t.Fatalf("points %+v, %v", p, err)
	}
	rs, err := ReadReadings(strings.NewReader("gauge,t,mm\nJY-1,2026-07-10T08:00:00+08:00,2.5\n"))
	if err != nil || len(rs) != 1 || rs[0].T.Hour() != 0 {
		t.Fatalf("readings %+v, %v", rs, err)
	}
	for _, c := range []struct{ in, want string }{
		{"id,lon\n", `line 1: no column "lat"`},
		{"", "line 1: empty file"},
		{"id,lon,lat\nA,x,25\n", `line 2: lon: "x" is not a number`},
		{"id,lon,lat\nA,99,95\n", "line 2: lon/lat"},
		{"id,lon,lat\nA,99,25\n,99,25\n", "line 3: id: empty"},
	} {
		if _, err := ReadGauges(strings.NewReader(c.in)); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("ReadGauges(%q) = %v, want %q", c.in, err, c.want)
		}
	}
	if _, err := ReadReadings(strings.NewReader("gauge,t,mm\nA,yesterday,1\n")); err == nil || !strings.Contains(err.Error(), "line 2: t:") {
		t.Errorf("bad time: %v", err)
	}
	if _, err := ReadReadings(strings.NewReader("gauge,t,mm\nA,2026-07-10T00:00:00Z,-1\n")); err == nil || !strings.Contains(err.Error(), "negative") {
		t.Errorf("negative rain: %v", err)
	}
}

func FuzzReadReadings(f *testing.F) {
	f.Add("gauge,t,mm\nJY-1,2026-07-10T08:00:00+08:00,2.5\n")
	f.Add("gauge,t,mm\n\"a\"\"b\",2026-07-10T08:00:00Z,1e3\n")
	f.Add("mm,gauge,t\n1,,x\n")
	f.Fuzz(func(t *testing.T, in string) {
		rs, err := ReadReadings(strings.NewReader(in))
		if err != nil {
			return
		}
		for _, r := range rs {
			if r.Gauge == "" || r.MM < 0 || !finite(r.MM) || r.T.IsZero() {
				t.Fatalf("accepted %+v", r)
			}
		}
	})
}

func FuzzReadPoints(f *testing.F) {
	f.Add("id,lon,lat,zone\nGH-1,99.1,25.1,530502\n")
	f.Add("id,lon,lat\nGH-1,NaN,25\n")
	f.Fuzz(func(t *testing.T, in string) {
		ps, err := ReadPoints(strings.NewReader(in))
		if err != nil {
			return
		}
		for _, p := range ps {
			if p.ID == "" || !validLonLat(p.Lon, p.Lat) {
				t.Fatalf("accepted %+v", p)
			}
		}
	})
}
