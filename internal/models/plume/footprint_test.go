package plume

import (
	"math"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

// TestFootprintCentreline checks that each footprint contains the
// centreline point just short of its downwind length and not the one just
// beyond, that the centreline concentration at the length equals the
// threshold, and that the widest half-width matches σy·sqrt(2 ln(C/T)).
func TestFootprintCentreline(t *testing.T) {
	chlorine, _ := LookupSubstance("chlorine")
	idlh, err := chlorine.Threshold("IDLH")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		src       Source
		threshold float64
	}{
		{"ground F rural 1e-4", Source{Q: 0.1, U: 2, Class: ClassF}, 1e-4},
		{"ground D urban chlorine IDLH", Source{Q: 1, U: 4, Class: ClassD, Terrain: Urban}, idlh},
		{"elevated B rural", Source{Q: 5, U: 3, H: 50, Class: ClassB}, 1e-5},
		{"elevated E rural", Source{Q: 2, U: 2, H: 30, Class: ClassE}, 2e-5},
	}
	for _, tt := range tests {
		fp, err := tt.src.Footprint(tt.threshold, 0)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if len(fp.Local) != 1 || fp.Length <= 0 || fp.Truncated {
			t.Fatalf("%s: footprint %+v", tt.name, fp)
		}
		atEnd, _ := tt.src.Concentration(fp.Length, 0, 0)
		if got, want := atEnd, tt.threshold; !relClose(got, want, 1e-6) {
			t.Errorf("%s: C at length %v m: got %v, want %v", tt.name, fp.Length, got, want)
		}
		inside := orb.Point{fp.Length * 0.99, 0}
		beyond := orb.Point{fp.Length * 1.01, 0}
		if got, want := planar.PolygonContains(fp.Local, inside), true; got != want {
			t.Errorf("%s: contains %v = %v, want %v", tt.name, inside, got, want)
		}
		if got, want := planar.PolygonContains(fp.Local, beyond), false; got != want {
			t.Errorf("%s: contains %v = %v, want %v", tt.name, beyond, got, want)
		}
		if got := planar.Area(fp.Local[0]); got <= 0 {
			t.Errorf("%s: ring area %v, want > 0 (counter-clockwise)", tt.name, got)
		}
		if tt.src.H > 0 {
			before := orb.Point{fp.Start * 0.98, 0}
			if planar.PolygonContains(fp.Local, before) {
				t.Errorf("%s: contains %v before the start %v", tt.name, before, fp.Start)
			}
		}
	}
}

// TestFootprintNeverReached returns an empty footprint for a threshold above
// every concentration of an elevated release.
func TestFootprintNeverReached(t *testing.T) {
	src := Source{Q: 0.001, U: 5, H: 100, Class: ClassD}
	fp, err := src.Footprint(1, 0)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(fp.Local), 0; got != want {
		t.Errorf("got %d rings, want %d", got, want)
	}
}

// TestToLonLat checks the rotation: with the wind from the north the plume
// tip lies due south of the source, from the west it lies due east.
func TestToLonLat(t *testing.T) {
	local := orb.Polygon{orb.Ring{{0, 0}, {1000, -10}, {1000, 10}, {0, 0}}}
	src := orb.Point{98.5, 25.0}
	tests := []struct {
		windFrom       float64
		wantDE, wantDN float64 // metres east and north of the tip centre
	}{
		{0, 0, -1000}, {270, 1000, 0}, {90, -1000, 0}, {180, 0, 1000},
	}
	for _, tt := range tests {
		got, err := ToLonLat(local, src, tt.windFrom)
		if err != nil {
			t.Fatal(err)
		}
		tip := orb.Point{(got[0][1][0] + got[0][2][0]) / 2, (got[0][1][1] + got[0][2][1]) / 2}
		de := (tip[0] - src[0]) * math.Pi / 180 * earthRadiusM * math.Cos(src[1]*math.Pi/180)
		dn := (tip[1] - src[1]) * math.Pi / 180 * earthRadiusM
		if math.Abs(de-tt.wantDE) > 0.01 || math.Abs(dn-tt.wantDN) > 0.01 {
			t.Errorf("wind from %v: tip at (%.2f E, %.2f N), want (%v, %v)", tt.windFrom, de, dn, tt.wantDE, tt.wantDN)
		}
	}
	if _, err := ToLonLat(local, src, math.NaN()); err == nil {
		t.Error("NaN wind direction accepted")
	}
}

// TestKgPerM3 checks the ppm conversion against NIOSH's printed factor for
// chlorine: 1 ppm = 2.90 mg/m³.
func TestKgPerM3(t *testing.T) {
	if got, want := KgPerM3(1, 70.906)*1e6, 2.90; !relClose(got, want, 0.002) {
		t.Errorf("got %v mg/m³, want %v", got, want)
	}
	if _, ok := LookupSubstance("7664-41-7"); !ok {
		t.Error("ammonia by CAS not found")
	}
}

// FuzzSource checks that no input panics and that valid inputs give finite,
// non-negative concentrations and well-formed footprints.
func FuzzSource(f *testing.F) {
	f.Add(0.1, 2.0, 0.0, 5, false, 500.0, 0.0, 0.0, 1e-4)
	f.Add(1.0, 7.0, 20.0, 3, true, 3000.0, 50.0, 1.5, 1e-6)
	f.Add(math.NaN(), -1.0, math.Inf(1), 9, false, -5.0, math.NaN(), -1.0, 0.0)
	f.Fuzz(func(t *testing.T, q, u, h float64, class int, urban bool, x, y, z, thr float64) {
		src := Source{Q: q, U: u, H: h, Class: Class(class)}
		if urban {
			src.Terrain = Urban
		}
		c, err := src.Concentration(x, y, z)
		if err == nil && (math.IsNaN(c) || math.IsInf(c, 0) || c < 0) {
			t.Fatalf("Concentration(%v,%v,%v) of %+v = %v", x, y, z, src, c)
		}
		if src.Validate() != nil || !(thr > 1e-12) || thr > 1e3 || z > 1e4 {
			return // keep the footprint scan cheap
		}
		fp, err := src.Footprint(thr, z)
		if err != nil {
			return
		}
		for _, r := range fp.Local {
			for _, p := range r {
				if math.IsNaN(p[0]) || math.IsNaN(p[1]) || math.IsInf(p[0], 0) || math.IsInf(p[1], 0) {
					t.Fatalf("non-finite vertex %v", p)
				}
			}
		}
	})
}
