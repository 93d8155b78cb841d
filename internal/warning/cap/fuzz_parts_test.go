package cap_test

import (
	"math"
	"testing"
	"time"

	"github.com/yingji/yingji/internal/warning/cap"
)

func finite(fs ...float64) bool {
	for _, f := range fs {
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return false
		}
	}
	return true
}

// FuzzParseCircle: an accepted circle has a finite centre within WGS 84
// and a finite radius ≥ 0, and its text reads back as the same circle.
func FuzzParseCircle(f *testing.F) {
	for _, s := range []string{"25.1,99.1 5", "-90,180 0", "25.1,99.1", "NaN,1 1", "1,2 Inf", "1,2 -0", " 1,2\t3 ", "1e1,1e2 1e3"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := cap.ParseCircle(s)
		if err != nil {
			return
		}
		if !finite(c.Center.Lat, c.Center.Lon, c.RadiusKm) || c.RadiusKm < 0 || math.Abs(c.Center.Lat) > 90 || math.Abs(c.Center.Lon) > 180 {
			t.Fatalf("ParseCircle(%q) accepted %+v", s, c)
		}
		again, err := cap.ParseCircle(c.String())
		if err != nil || again != c {
			t.Fatalf("ParseCircle(%q) = %+v; its text %q reads as %+v, %v", s, c, c.String(), again, err)
		}
	})
}

// FuzzParsePolygon: an accepted polygon is closed, has at least four
// finite points within WGS 84, and its text reads back as the same polygon.
func FuzzParsePolygon(f *testing.F) {
	for _, s := range []string{"25,99 25,100 26,100 25,99", "1,1 1,1 1,1 1,1", "25,99 25,100 25,99", "NaN,1 2,2 3,3 NaN,1", "1,Inf 2,2 3,3 1,Inf"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := cap.ParsePolygon(s)
		if err != nil {
			return
		}
		if len(p) < 4 || p[0] != p[len(p)-1] {
			t.Fatalf("ParsePolygon(%q) accepted %v", s, p)
		}
		for _, pt := range p {
			if !finite(pt.Lat, pt.Lon) || math.Abs(pt.Lat) > 90 || math.Abs(pt.Lon) > 180 {
				t.Fatalf("ParsePolygon(%q) accepted the point %+v", s, pt)
			}
		}
		again, err := cap.ParsePolygon(p.String())
		if err != nil || len(again) != len(p) {
			t.Fatalf("ParsePolygon(%q): its text %q reads as %v, %v", s, p.String(), again, err)
		}
		for i := range p {
			if again[i] != p[i] {
				t.Fatalf("ParsePolygon(%q): point %d %+v reads back as %+v", s, i, p[i], again[i])
			}
		}
	})
}

// FuzzParseReferences: accepted references write back as text that reads
// as the same senders, identifiers and instants.
func FuzzParseReferences(f *testing.F) {
	for _, s := range []string{"a@b,ID-1,2026-11-28T10:00:00+08:00", "a,b,2026-11-28T10:00:00-00:00 c,d,2026-11-28T10:00:01+00:00", "a,,2026-11-28T10:00:00+08:00", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		refs, err := cap.ParseReferences(s)
		if err != nil {
			return
		}
		again, err := cap.ParseReferences(cap.FormatReferences(refs))
		if err != nil || len(again) != len(refs) {
			t.Fatalf("ParseReferences(%q): written as %q, reads as %v, %v", s, cap.FormatReferences(refs), again, err)
		}
		for i := range refs {
			if again[i].Sender != refs[i].Sender || again[i].Identifier != refs[i].Identifier || !again[i].Sent.Equal(refs[i].Sent) {
				t.Fatalf("ParseReferences(%q): reference %d %+v reads back as %+v", s, i, refs[i], again[i])
			}
		}
	})
}

// FuzzParseTime: an accepted CAP time has whole seconds and writes back
// (FormatTime) as text that reads as the same instant.
func FuzzParseTime(f *testing.F) {
	for _, s := range []string{"2026-11-28T10:00:00+08:00", "2026-11-28T02:00:00-00:00", "2026-11-28T02:00:00Z", "2026-02-30T00:00:00+08:00", "0000-01-01T00:00:00+14:00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tm, err := cap.ParseTime(s)
		if err != nil {
			return
		}
		if tm.Nanosecond() != 0 || !tm.Equal(tm.Truncate(time.Second)) {
			t.Fatalf("ParseTime(%q) = %v: a fraction of a second", s, tm)
		}
		again, err := cap.ParseTime(cap.FormatTime(tm))
		if err != nil || !again.Equal(tm) {
			t.Fatalf("ParseTime(%q) = %v; written %q reads as %v, %v", s, tm, cap.FormatTime(tm), again, err)
		}
	})
}
