package outbox

import (
	"bytes"
	"math"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
	"github.com/xuri/excelize/v2"

	"github.com/yingji/yingji/internal/core"
	"github.com/yingji/yingji/internal/region"
)

func testLand(t testing.TB) *Land {
	tree, err := region.Baoshan()
	if err != nil {
		t.Fatal(err)
	}
	l, err := NewLand(tree, Census2020())
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// The index must agree with orb's point-in-polygon and a haversine
// distance on every point, boundary cells included.
func TestResolveAgreesWithBruteForce(t *testing.T) {
	land := testLand(t)
	ts := land.Synthetic(60000, 3)
	// a few outside the region and without a location
	ts = append(ts, Target{ID: 900001, Lon: 90, Lat: 40, Channels: SMS, Division: "530502"}, Target{ID: 900002, Lon: math.NaN(), Lat: math.NaN(), Channels: SMS, Division: "530581", Follows: []string{"530581"}})
	ix := NewIndex(land, ts)
	county, _ := land.tree.Boundary("530523")
	// a hand-drawn concave polygon with a hole across two counties
	drawn := orb.Polygon{{{98.9, 24.6}, {99.5, 24.6}, {99.5, 25.3}, {99.2, 24.9}, {98.9, 25.3}, {98.9, 24.6}}, {{99.0, 24.7}, {99.1, 24.7}, {99.1, 24.8}, {99.0, 24.8}, {99.0, 24.7}}}
	circle := Circle{Lon: 99.17, Lat: 25.12, RadiusM: 15000}
	for name, a := range map[string]Area{"county": {Polygons: county}, "drawn": {Polygons: orb.MultiPolygon{drawn}}, "circle": {Circles: []Circle{circle}}} {
		got := map[int64]bool{}
		ix.Resolve(a).Each(func(id int64, _ Channel, _, _ string) { got[id] = true })
		want := 0
		for _, tg := range ts {
			if math.IsNaN(tg.Lon) {
				continue
			}
			p := orb.Point{tg.Lon, tg.Lat}
			in := planar.MultiPolygonContains(a.Polygons, p)
			for _, c := range a.Circles {
				// haversine, independent of the index's equirectangular test
				la1, la2 := c.Lat*math.Pi/180, tg.Lat*math.Pi/180
				dl := (tg.Lon - c.Lon) * math.Pi / 180
				h := math.Sin((la2-la1)/2)*math.Sin((la2-la1)/2) + math.Cos(la1)*math.Cos(la2)*math.Sin(dl/2)*math.Sin(dl/2)
				d := 2 * 6371008.8 * math.Asin(math.Sqrt(h))
				if math.Abs(d-c.RadiusM) < 1 {
					in = got[tg.ID] // within a metre of the rim: either answer
				} else if d < c.RadiusM {
					in = true
				}
			}
			if in {
				want++
			}
			if in != got[tg.ID] {
				t.Errorf("%s: recipient %d at %v: index %v, brute force %v", name, tg.ID, p, got[tg.ID], in)
			}
		}
		if want == 0 {
			t.Fatalf("%s: empty test", name)
		}
	}
	// the follower of 龙陵 is reached by the county polygon and by its code; the outside point by neither
	m := ix.Resolve(Area{Divisions: []string{"530581"}})
	ids := map[int64]bool{}
	m.Each(func(id int64, _ Channel, _, _ string) { ids[id] = true })
	if !ids[900002] || ids[900001] {
		t.Fatalf("division targeting: follower %v outside %v", ids[900002], ids[900001])
	}
}

// Population: the city is the census total; a county polygon gives that
// county's figure up to the grid's resolution.
func TestPopulation(t *testing.T) {
	land := testLand(t)
	ix := NewIndex(land, nil)
	if p := ix.Resolve(Area{Divisions: []string{"530500"}}).Targeting().Population; p != 2431211 {
		t.Fatalf("city population %d, want 2,431,211 (census 2020)", p)
	}
	for code, want := range Census2020() {
		mp, _ := land.tree.Boundary(code)
		got := float64(ix.Resolve(Area{Polygons: mp}).Targeting().Population)
		if math.Abs(got-want)/want > 0.02 {
			t.Errorf("%s polygon population %.0f, census %.0f", code, got, want)
		}
	}
	// a township gets the county's share by its villages
	town := land.tree.Children("530502")[0].Code
	vs := len(land.tree.Children(town))
	all := 0
	for _, tw := range land.tree.Children("530502") {
		all += max(1, len(land.tree.Children(tw.Code)))
	}
	if got, want := land.DivisionPopulation(town), Census2020()["530502"]*float64(vs)/float64(all); math.Abs(got-want) > 1 {
		t.Fatalf("township %s population %.0f, want %.0f", town, got, want)
	}
}

func TestProtector(t *testing.T) {
	p, _ := NewProtector(bytes.Repeat([]byte{1}, 32))
	s := p.Seal("phone", "13800001234")
	if !strings.HasPrefix(s, "v1."+p.KeyID()+".") || strings.Contains(s, "1380000") {
		t.Fatalf("sealed %q", s)
	}
	if v, err := p.Open("phone", s); err != nil || v != "13800001234" {
		t.Fatalf("open %q %v", v, err)
	}
	if _, err := p.Open("email", s); err == nil {
		t.Fatal("a phone ciphertext opened as an e-mail")
	}
	b := []byte(s)
	b[len(b)-3] ^= 1
	if _, err := p.Open("phone", string(b)); err == nil {
		t.Fatal("a tampered value opened")
	}
	if p.Seal("phone", "13800001234") == s {
		t.Fatal("sealing is deterministic: nonce reused")
	}
	if p.Hash("phone", "13800001234") != p.Hash("phone", "13800001234") || p.Hash("phone", "1") == p.Hash("email", "1") {
		t.Fatal("hash")
	}
	q, _ := NewProtector(bytes.Repeat([]byte{2}, 32))
	if _, err := q.Open("phone", s); err == nil || !strings.Contains(err.Error(), p.KeyID()) {
		t.Fatalf("other key: %v", err)
	}
}

func TestMasksAndNormalise(t *testing.T) {
	for in, want := range map[string]string{"+86 138-0000-1234": "13800001234", "0086 13912345678": "13912345678", "0875-2123456": "0875-2123456"} {
		if got, ok := NormalisePhone(in); !ok || got != want {
			t.Errorf("NormalisePhone(%q) = %q %v", in, got, ok)
		}
	}
	for _, bad := range []string{"12345678901", "1380000123", "abc"} {
		if _, ok := NormalisePhone(bad); ok {
			t.Errorf("%q accepted", bad)
		}
	}
	if MaskPhone("13812341234") != "138****1234" || MaskEmail("alice@x.cn") != "a***@x.cn" {
		t.Fatal(MaskPhone("13812341234"), MaskEmail("alice@x.cn"))
	}
}

func TestParseCSVErrors(t *testing.T) {
	_, err := ParseCSV(strings.NewReader("kind,name,colour\npublic,a,red\n"))
	if err == nil || !strings.Contains(err.Error(), "colour") || !strings.Contains(err.Error(), "column 3") {
		t.Fatalf("unknown column: %v", err)
	}
	_, err = ParseCSV(strings.NewReader("kind,name,lon,lat\npublic,a,99.1,25\npublic,b,east,25\n"))
	if err == nil || !strings.Contains(err.Error(), "row 3: lon") {
		t.Fatalf("bad number: %v", err)
	}
	rs, err := ParseCSV(strings.NewReader("\ufeffkind,name,follows,enabled\npublic,a,530502;530521,否\n"))
	if err != nil || len(rs) != 1 || len(rs[0].Follows) != 2 || rs[0].Enabled || rs[0].rowNo != 2 {
		t.Fatalf("%+v %v", rs, err)
	}
}

func FuzzParseCSV(f *testing.F) {
	f.Add("kind,name,division_code,phone\npublic,张三,530502,13800001234\n")
	f.Add("kind,name,lon,lat,follows\nstaff,a,99.1,25.1,530500;530502\n")
	f.Add("kind,name\n\"unterminated\n")
	f.Add("")
	land := testLand(f)
	f.Fuzz(func(t *testing.T, s string) {
		rs, err := ParseCSV(strings.NewReader(s))
		if err != nil {
			return
		}
		for i := range rs {
			var ps core.Problems
			checkInput(&rs[i], land.tree, i+1, &ps, 0)
		}
	})
}

func FuzzParseXLSX(f *testing.F) {
	x := excelize.NewFile()
	x.SetSheetRow("Sheet1", "A1", &[]any{"kind", "name", "division_code", "phone"})
	x.SetSheetRow("Sheet1", "A2", &[]any{"public", "张三", "530502", "13800001234"})
	var b bytes.Buffer
	x.Write(&b)
	f.Add(b.Bytes())
	f.Add([]byte("PK\x03\x04"))
	f.Add([]byte("kind,name\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		rs, err := ParseXLSX(bytes.NewReader(data))
		if err == nil && len(rs) == 0 {
			t.Fatal("no error and no rows")
		}
	})
}

func TestParseXLSXRowAndColumn(t *testing.T) {
	x := excelize.NewFile()
	x.SetSheetRow("Sheet1", "A1", &[]any{"kind", "name", "lon", "lat"})
	x.SetSheetRow("Sheet1", "A2", &[]any{"public", "a", "99.1", "25.1"})
	x.SetSheetRow("Sheet1", "A3", &[]any{"public", "b", "东经", "25.1"})
	var b bytes.Buffer
	x.Write(&b)
	_, err := ParseXLSX(&b)
	if err == nil || !strings.Contains(err.Error(), "row 3: lon: column C") {
		t.Fatalf("want row 3, column C: %v", err)
	}
}
