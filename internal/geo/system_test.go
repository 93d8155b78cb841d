package geo

import (
	"math"
	"strings"
	"testing"

	"github.com/paulmach/orb"
)

func TestParseSystem(t *testing.T) {
	tests := []struct {
		in      string
		want    System
		wantErr bool
	}{
		{"", WGS84, false},
		{"wgs84", WGS84, false},
		{"WGS84", WGS84, false},
		{"gcj02", GCJ02, false},
		{"GCJ02", GCJ02, false},
		{"Bd09", BD09, false},
		{" bd09 ", BD09, false},
		{"gcj-02", "", true},
		{"epsg:4326", "", true},
		{"mars", "", true},
	}
	for _, tt := range tests {
		got, err := ParseSystem(tt.in)
		if (err != nil) != tt.wantErr {
			t.Errorf("ParseSystem(%q) error = %v, wantErr %v", tt.in, err, tt.wantErr)
			continue
		}
		if got != tt.want {
			t.Errorf("ParseSystem(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if err != nil {
			// Clients should be told what they may send.
			for _, name := range []string{"wgs84", "gcj02", "bd09"} {
				if !strings.Contains(err.Error(), name) {
					t.Errorf("ParseSystem(%q) error %q does not mention %q", tt.in, err, name)
				}
			}
		}
	}
}

// TestPublishedValues pins the forward transforms to the figures published
// with the wandergis/coordtransform reference implementation for
// (116.404, 39.915) in Beijing.
func TestPublishedValues(t *testing.T) {
	tests := []struct {
		name             string
		fn               func(lon, lat float64) (float64, float64)
		wantLon, wantLat float64
		tol              float64
	}{
		{"wgs84->gcj02", func(lon, lat float64) (float64, float64) { return FromWGS84(GCJ02, lon, lat) },
			116.41024449916938, 39.91640428150164, 1e-12},
		{"gcj02->bd09", gcjToBD, 116.41036949371029, 39.92133699351021, 1e-12},
		// Our inverses are refined beyond the closed-form approximations the
		// reference publishes, so they agree only to the approximation error.
		{"bd09->gcj02", bdToGCJ, 116.39762729119315, 39.90865673957631, 1e-6},
		{"gcj02->wgs84", func(lon, lat float64) (float64, float64) { return ToWGS84(GCJ02, lon, lat) },
			116.39775550083061, 39.91359571849836, 1e-6},
	}
	for _, tt := range tests {
		gotLon, gotLat := tt.fn(116.404, 39.915)
		if math.Abs(gotLon-tt.wantLon) > tt.tol || math.Abs(gotLat-tt.wantLat) > tt.tol {
			t.Errorf("%s(116.404, 39.915) = (%.14f, %.14f), want (%.14f, %.14f) ±%g",
				tt.name, gotLon, gotLat, tt.wantLon, tt.wantLat, tt.tol)
		}
	}
}

func TestRoundTripBaoshan(t *testing.T) {
	points := []orb.Point{
		{99.1656, 25.1211},  // Baoshan city, Longyang district
		{98.6774, 24.4419},  // Tengchong, Baoshan
		{99.4024, 24.8313},  // Shidian county, Baoshan
		{102.8329, 24.8801}, // Kunming, for contrast
	}
	for _, sys := range []System{WGS84, GCJ02, BD09} {
		for _, p := range points {
			x, y := FromWGS84(sys, p[0], p[1])
			gotLon, gotLat := ToWGS84(sys, x, y)
			if math.Abs(gotLon-p[0]) > 1e-9 || math.Abs(gotLat-p[1]) > 1e-9 {
				t.Errorf("%s round trip of %v = (%.12f, %.12f), want within 1e-9", sys, p, gotLon, gotLat)
			}
		}
	}
}

// TestInverseAccuracyAcrossChina covers areas where the common one-step
// GCJ-02 inverse is off by metres (up to ~5e-5 degrees); ours must stay far
// below the 1e-6 degree requirement everywhere.
func TestInverseAccuracyAcrossChina(t *testing.T) {
	for lon := 73.5; lon < 135; lon += 1.37 {
		for lat := 18.2; lat < 53.5; lat += 0.93 {
			for _, sys := range []System{GCJ02, BD09} {
				x, y := FromWGS84(sys, lon, lat)
				gotLon, gotLat := ToWGS84(sys, x, y)
				if err := math.Max(math.Abs(gotLon-lon), math.Abs(gotLat-lat)); err > 1e-9 {
					t.Fatalf("%s inverse at (%g, %g) is off by %g degrees", sys, lon, lat, err)
				}
			}
		}
	}
}

// TestOffsetMagnitudeYunnan checks against the commonly reported size of the
// GCJ-02 shift in Yunnan (a few hundred metres) and of Baidu's extra shift
// (also several hundred metres), guarding against unit or sign slips.
func TestOffsetMagnitudeYunnan(t *testing.T) {
	tests := []struct {
		sys      System
		p        orb.Point
		min, max float64 // metres
	}{
		{GCJ02, orb.Point{99.1656, 25.1211}, 200, 600},
		{GCJ02, orb.Point{102.8329, 24.8801}, 200, 600},
		{BD09, orb.Point{99.1656, 25.1211}, 500, 1500},
	}
	for _, tt := range tests {
		x, y := FromWGS84(tt.sys, tt.p[0], tt.p[1])
		got := Distance(tt.p, orb.Point{x, y})
		if got < tt.min || got > tt.max {
			t.Errorf("%s offset at %v = %.1f m, want between %g and %g m", tt.sys, tt.p, got, tt.min, tt.max)
		}
	}
}

func TestOutsideChinaUnchanged(t *testing.T) {
	points := []orb.Point{
		{-0.1276, 51.5072},   // London
		{139.6917, 35.6895},  // Tokyo, east of the box
		{-74.006, 40.7128},   // New York
		{151.2093, -33.8688}, // Sydney
		{100.5018, 0.5},      // Sumatra, south of the box
	}
	for _, p := range points {
		if x, y := FromWGS84(GCJ02, p[0], p[1]); x != p[0] || y != p[1] {
			t.Errorf("FromWGS84(GCJ02, %v) = (%v, %v), want unchanged", p, x, y)
		}
		if x, y := ToWGS84(GCJ02, p[0], p[1]); x != p[0] || y != p[1] {
			t.Errorf("ToWGS84(GCJ02, %v) = (%v, %v), want unchanged", p, x, y)
		}
		// Baidu's own offset is global, but the GCJ-02 step must still be
		// skipped, so BD-09 reduces to the pure Baidu shift there.
		bx, by := FromWGS84(BD09, p[0], p[1])
		wantX, wantY := gcjToBD(p[0], p[1])
		if bx != wantX || by != wantY {
			t.Errorf("FromWGS84(BD09, %v) = (%v, %v), want (%v, %v)", p, bx, by, wantX, wantY)
		}
	}
}

func TestUnknownSystemIsIdentity(t *testing.T) {
	lon, lat := 99.1656, 25.1211
	if x, y := ToWGS84("utm", lon, lat); x != lon || y != lat {
		t.Errorf("ToWGS84(utm) = (%v, %v), want (%v, %v)", x, y, lon, lat)
	}
	if x, y := FromWGS84("utm", lon, lat); x != lon || y != lat {
		t.Errorf("FromWGS84(utm) = (%v, %v), want (%v, %v)", x, y, lon, lat)
	}
}

func TestNonFiniteInputTerminates(t *testing.T) {
	// The inverse loops must give up rather than spin on NaN.
	for _, sys := range []System{GCJ02, BD09} {
		x, y := ToWGS84(sys, math.NaN(), 25)
		if !math.IsNaN(x) && !math.IsNaN(y) {
			t.Errorf("ToWGS84(%s, NaN, 25) = (%v, %v), want a NaN to propagate", sys, x, y)
		}
	}
}
