package telemetry

import (
	"math"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestParsePayload(t *testing.T) {
	ms := time.Date(2026, 11, 28, 2, 0, 0, 0, time.UTC).UnixMilli()
	tests := []struct {
		name    string
		in      string
		want    []RawReading
		wantErr bool
	}{
		{"single RFC 3339", `{"point":"P1","ts":"2026-11-28T10:00:00+08:00","value":12.3,"unit":"m"}`,
			[]RawReading{{Point: "P1", TS: ms, Value: 12.3, Unit: "m"}}, false},
		{"single Unix ms", `{"point":"P1","ts":1795831200000,"value":-1,"unit":"mm","quality":"uncertain"}`,
			[]RawReading{{Point: "P1", TS: 1795831200000, Value: -1, Unit: "mm", Quality: Uncertain}}, false},
		{"no ts", `{"point":"P1","value":1,"unit":"m"}`, []RawReading{{Point: "P1", Value: 1, Unit: "m"}}, false},
		{"batch with shared and own ts", `{"ts":1795831200000,"readings":[{"point":"A","value":1,"unit":"m"},{"point":"B","value":2,"unit":"m","ts":1795831201000}]}`,
			[]RawReading{{Point: "A", TS: 1795831200000, Value: 1, Unit: "m"}, {Point: "B", TS: 1795831201000, Value: 2, Unit: "m"}}, false},
		{"one bad reading in a batch", `{"readings":[{"point":"A","value":"high","unit":"m"},{"value":1}]}`,
			[]RawReading{{Point: "A", Unit: "m", Problem: NotNumeric, Detail: `readings[0]: value "high" is not a number`},
				{Problem: Malformed, Detail: "readings[1]: point is missing"}}, false},
		{"null value", `{"point":"P1","value":null,"unit":"m"}`,
			[]RawReading{{Point: "P1", Unit: "m", Problem: NotNumeric, Detail: "value null is not a number"}}, false},
		{"bad quality", `{"point":"P1","value":1,"unit":"m","quality":"meh"}`,
			[]RawReading{{Point: "P1", Unit: "m", Problem: Malformed, Detail: `quality: "meh": want good, uncertain or bad`}}, false},
		{"not JSON", `{"point":`, nil, true},
		{"unknown field", `{"point":"P1","value":1,"unit":"m","colour":1}`, nil, true},
		{"neither form", `{"unit":"m"}`, nil, true},
		{"empty batch", `{"readings":[]}`, nil, true},
		{"bad message ts", `{"ts":"yesterday","readings":[{"point":"A","value":1}]}`, nil, true},
		{"two values", `{"point":"P1","value":1} {}`, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParsePayload([]byte(tt.in))
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %v", err, tt.wantErr)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("readings (-want +got):\n%s", diff)
			}
		})
	}
}

func TestConvert(t *testing.T) {
	tests := []struct {
		from, to string
		in, want float64
		ok       bool
	}{
		{"mm", "m", 1500, 1.5, true},
		{"kPa", "MPa", 250, 0.25, true},
		{"MPa", "kPa", 1.2, 1200, true},
		{"K", "°C", 273.15, 0, true},
		{"℃", "°C", 20, 20, true},
		{"ppb", "ppm", 500, 0.5, true},
		{"ppm", "mg/m3", 1, 0, false}, // needs the molar mass: never guessed
		{"m", "MPa", 1, 0, false},
		{"furlong", "m", 1, 0, false},
	}
	for _, tt := range tests {
		c, err := Convert(tt.from, tt.to)
		if (err == nil) != tt.ok {
			t.Errorf("Convert(%s, %s) err = %v", tt.from, tt.to, err)
			continue
		}
		if tt.ok && math.Abs(c.Apply(tt.in)-tt.want) > 1e-9 {
			t.Errorf("%g %s = %g %s, want %g", tt.in, tt.from, c.Apply(tt.in), tt.to, tt.want)
		}
	}
}

func testDirectory() *Directory {
	d := NewDirectory()
	d.Update([]Point{
		{ObjectID: 10, Code: "WY01", Unit: "mm", OwnerID: 5, EnterpriseID: 2, RangeMin: -500, RangeMax: 500, Active: true},
		{ObjectID: 11, Code: "SW01", Unit: "m", OwnerID: 5, EnterpriseID: 2, RangeMin: NoRange, RangeMax: NoRange, Active: true},
		{ObjectID: 12, Code: "OTHER", Unit: "m", OwnerID: 6, EnterpriseID: 3, RangeMin: NoRange, RangeMax: NoRange, Active: true},
	})
	return d
}

func TestCheck(t *testing.T) {
	d := testDirectory()
	now := time.Date(2026, 11, 28, 2, 0, 0, 0, time.UTC).UnixMilli()
	dev := Device{Code: "DEV1", OwnerID: 5}
	raws := []RawReading{
		{Point: "WY01", TS: now - 1000, Value: 0.012, Unit: "m"}, // converted to 12 mm
		{Point: "SW01", Value: 3.5, Unit: "m"},                   // no ts: receive time
		{Point: "NOPE", Value: 1, Unit: "m"},
		{Point: "OTHER", Value: 1, Unit: "m"},
		{Point: "SW01", Value: 1},
		{Point: "SW01", Value: 1, Unit: "kPa"},
		{Point: "WY01", Value: 900, Unit: "mm"},
		{Point: "WY01", TS: now + int64(time.Hour/time.Millisecond), Value: 1, Unit: "mm"},
		{Point: "WY01", TS: now - int64(40*24*time.Hour/time.Millisecond), Value: 1, Unit: "mm"},
		{Point: "WY01", Problem: NotNumeric, Detail: "x"},
	}
	acc, rej := d.Check(dev, raws, now, DefaultLimits, nil, nil)
	wp, _ := d.Lookup("WY01")
	sp, _ := d.Lookup("SW01")
	wantAcc := []Reading{{Point: wp.ID, TS: now - 1000, Value: 12}, {Point: sp.ID, TS: now, Value: 3.5}}
	if diff := cmp.Diff(wantAcc, acc, cmp.Comparer(func(a, b float64) bool { return math.Abs(a-b) < 1e-9 })); diff != "" {
		t.Errorf("accepted (-want +got):\n%s", diff)
	}
	var reasons []Reason
	for _, r := range rej {
		reasons = append(reasons, r.Reason)
		if r.Detail == "" {
			t.Errorf("rejection %s without detail", r.Reason)
		}
	}
	want := []Reason{UnknownPoint, ForeignPoint, UnitMissing, UnitMismatch, OutOfRange, FutureTimestamp, TooOld, NotNumeric}
	if diff := cmp.Diff(want, reasons); diff != "" {
		t.Errorf("reasons (-want +got):\n%s", diff)
	}
}

func TestDirectoryKeepsIDs(t *testing.T) {
	d := testDirectory()
	p, _ := d.Lookup("SW01")
	id := p.ID
	d.Update([]Point{{ObjectID: 99, Code: "NEW", Unit: "m", Active: true}, {ObjectID: 11, Code: "SW01-renamed", Unit: "m", Active: true}})
	p2, ok := d.Lookup("SW01-renamed")
	if !ok || p2.ID != id {
		t.Errorf("renamed point has ID %v, want %d", p2, id)
	}
	if _, ok := d.Lookup("WY01"); ok {
		t.Error("removed point still found")
	}
	n, _ := d.Lookup("NEW")
	if int(n.ID) != 3 || d.Len() != 4 {
		t.Errorf("new point ID %d, len %d; want 3, 4", n.ID, d.Len())
	}
}

func TestChunkRoundTrip(t *testing.T) {
	in := []Sample{{TS: 3000, Value: 2.5}, {TS: 1000, Value: -1}, {TS: 2000, Value: 7, Quality: Bad}, {TS: 2000, Value: 8}}
	got, err := DecodeChunk(nil, EncodeChunk(in))
	if err != nil {
		t.Fatal(err)
	}
	want := []Sample{{TS: 1000, Value: -1}, {TS: 2000, Value: 8}, {TS: 3000, Value: 2.5}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if n := len(EncodeChunk([]Sample{{TS: 1, Value: 1}, {TS: 1001, Value: 2}})); n > 2+1+1+2+16 {
		t.Errorf("two good samples take %d bytes", n)
	}
}

func TestSummary(t *testing.T) {
	var a, b Summary
	for _, v := range []float64{3, -1, 4} {
		a.Add(v)
	}
	b.Add(10)
	a.Merge(b)
	if a.Min != -1 || a.Max != 10 || a.Count != 4 || a.Mean() != 4 {
		t.Errorf("summary = %+v mean %g", a, a.Mean())
	}
	if !math.IsNaN((Summary{}).Mean()) {
		t.Error("empty mean is not NaN")
	}
}

func FuzzParsePayload(f *testing.F) {
	f.Add([]byte(`{"point":"P1","ts":"2026-11-28T10:00:00+08:00","value":12.3,"unit":"m"}`))
	f.Add([]byte(`{"ts":1795831200000,"readings":[{"point":"A","value":1,"unit":"m","quality":2}]}`))
	f.Add([]byte(`{"readings":[{"readings":[]}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		rs, err := ParsePayload(data)
		if err != nil {
			return
		}
		for _, r := range rs {
			if r.Problem == "" && (r.Point == "" || math.IsNaN(r.Value) || math.IsInf(r.Value, 0)) {
				t.Fatalf("accepted reading %+v without a point or with a non-finite value", r)
			}
		}
	})
}

func FuzzDecodeChunk(f *testing.F) {
	f.Add(EncodeChunk([]Sample{{TS: 5, Value: 1}, {TS: 9, Value: 2, Quality: Uncertain}}))
	f.Add([]byte{1, 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := DecodeChunk(nil, data)
		if err != nil {
			return
		}
		for i := 1; i < len(s); i++ {
			if s[i].TS < s[i-1].TS {
				t.Fatalf("decoded times out of order: %v", s)
			}
		}
		again, err := DecodeChunk(nil, EncodeChunk(s))
		if err != nil || len(again) > len(s) {
			t.Fatalf("re-encoding changed the chunk: %v, %v", again, err)
		}
	})
}

// FuzzFastParseAgrees: whatever the fast parser accepts, encoding/json
// decodes to the same readings.
func FuzzFastParseAgrees(f *testing.F) {
	for _, s := range []string{
		`{"point":"P1","ts":"2026-11-28T10:00:00+08:00","value":12.3,"unit":"m"}`,
		`{"ts":1795831200000,"readings":[{"point":"A","value":1,"unit":"m","quality":"bad"},{"point":"B","value":-2.5e3,"unit":"mm","ts":1795831200001}]}`,
		`{"point":"P1","value":null,"unit":"m"}`, `{"readings":[]}`, `{"point":"P1","value":"x"}`, `{ "point" : "a" , "value" : 1 }`,
		`{"point":"P1","value":1e999,"unit":"m"}`, `{"point":null,"value":1}`, `{"point":"p","value":01}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fast, ok := parseFast(data)
		if !ok {
			return
		}
		slow, err := parseSlow(data)
		if err != nil {
			t.Fatalf("fast accepted %q, encoding/json refused it: %v", data, err)
		}
		if diff := cmp.Diff(slow, fast, cmp.Comparer(func(a, b float64) bool { return a == b || math.IsNaN(a) && math.IsNaN(b) })); diff != "" {
			t.Fatalf("%q decodes differently (-json +fast):\n%s", data, diff)
		}
	})
}

func BenchmarkParsePayload(b *testing.B) {
	msg := []byte(`{"ts":1795831200000,"readings":[{"point":"BENCH-000-0001","value":8.123,"unit":"m"},{"point":"BENCH-000-0126","value":8.456,"unit":"m"},{"point":"BENCH-000-0251","value":8.789,"unit":"m"}]}`)
	b.Run("fast", func(b *testing.B) {
		for b.Loop() {
			if _, err := ParsePayload(msg); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		for b.Loop() {
			if _, err := parseSlow(msg); err != nil {
				b.Fatal(err)
			}
		}
	})
}
