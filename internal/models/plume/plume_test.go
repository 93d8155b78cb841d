package plume

import (
	"math"
	"testing"
)

// relClose reports whether got is within rel of want.
func relClose(got, want, rel float64) bool {
	return math.Abs(got-want) <= rel*math.Abs(want)
}

// TestSigmasBriggs checks σy, σz for every class and both coefficient sets
// at 100 m, 1 km and 5 km. The wanted values were evaluated by hand (four
// significant figures) from Briggs' formulas as printed in Turner's Workbook
// (1994) and Crowl & Louvar Table 5-3, e.g. rural F at 1 km:
// σy = 0.04·1000/√1.1 = 38.14 m, σz = 0.016·1000/1.3 = 12.31 m.
func TestSigmasBriggs(t *testing.T) {
	tests := []struct {
		terrain      Terrain
		class        Class
		x            float64
		wantY, wantZ float64
	}{
		{Rural, ClassA, 100, 21.89, 20}, {Rural, ClassA, 1000, 209.8, 200}, {Rural, ClassA, 5000, 898.1, 1000},
		{Rural, ClassB, 100, 15.92, 12}, {Rural, ClassB, 1000, 152.6, 120}, {Rural, ClassB, 5000, 653.2, 600},
		{Rural, ClassC, 100, 10.95, 7.921}, {Rural, ClassC, 1000, 104.9, 73.03}, {Rural, ClassC, 5000, 449.1, 282.8},
		{Rural, ClassD, 100, 7.96, 5.595}, {Rural, ClassD, 1000, 76.28, 37.95}, {Rural, ClassD, 5000, 326.6, 102.9},
		{Rural, ClassE, 100, 5.97, 2.913}, {Rural, ClassE, 1000, 57.21, 23.08}, {Rural, ClassE, 5000, 244.9, 60},
		{Rural, ClassF, 100, 3.98, 1.553}, {Rural, ClassF, 1000, 38.14, 12.31}, {Rural, ClassF, 5000, 163.3, 32},
		{Urban, ClassA, 100, 31.38, 25.17}, {Urban, ClassA, 1000, 270.4, 339.4}, {Urban, ClassA, 5000, 923.8, 2939},
		{Urban, ClassB, 100, 31.38, 25.17}, {Urban, ClassB, 1000, 270.4, 339.4}, {Urban, ClassB, 5000, 923.8, 2939},
		{Urban, ClassC, 100, 21.57, 20}, {Urban, ClassC, 1000, 185.9, 200}, {Urban, ClassC, 5000, 635.1, 1000},
		{Urban, ClassD, 100, 15.69, 13.79}, {Urban, ClassD, 1000, 135.2, 122.8}, {Urban, ClassD, 5000, 461.9, 442.7},
		{Urban, ClassE, 100, 10.79, 7.46}, {Urban, ClassE, 1000, 92.97, 50.6}, {Urban, ClassE, 5000, 317.5, 137.2},
		{Urban, ClassF, 100, 10.79, 7.46}, {Urban, ClassF, 1000, 92.97, 50.6}, {Urban, ClassF, 5000, 317.5, 137.2},
	}
	for _, tt := range tests {
		gotY, gotZ, err := Sigmas(tt.class, tt.terrain, tt.x)
		if err != nil {
			t.Fatalf("%v %v x=%v: %v", tt.terrain, tt.class, tt.x, err)
		}
		if !relClose(gotY, tt.wantY, 5e-4) || !relClose(gotZ, tt.wantZ, 5e-4) {
			t.Errorf("%v %v x=%v: got σy=%.4g σz=%.4g, want %.4g %.4g",
				tt.terrain, tt.class, tt.x, gotY, gotZ, tt.wantY, tt.wantZ)
		}
	}
}

// TestCrowlLouvarBurningDump reproduces the worked example of Crowl &
// Louvar, Chemical Process Safety, 2nd ed., ch. 5 (Example 5-3 [check
// number]): a burning dump emits 3 g/s of NOx, ground-level source, overcast
// night, wind 7 m/s; the concentration 3 km directly downwind is
// 8.44 × 10⁻⁶ g/m³ (σy = 210 m, σz = 76.7 m, class D rural).
func TestCrowlLouvarBurningDump(t *testing.T) {
	class, err := StabilityClass(7, Overcast)
	if err != nil || class != ClassD {
		t.Fatalf("StabilityClass(7, overcast) = %v, %v; want D", class, err)
	}
	src := Source{Q: 3e-3, U: 7, H: 0, Class: class, Terrain: Rural}
	got, err := src.Concentration(3000, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if want := 8.44e-9; !relClose(got, want, 0.005) { // kg/m³
		t.Errorf("got %.4g kg/m³, want %.4g", got, want)
	}
	gotY, gotZ, _ := Sigmas(ClassD, Rural, 3000)
	if !relClose(gotY, 210, 0.005) || !relClose(gotZ, 76.7, 0.005) {
		t.Errorf("got σy=%.4g σz=%.4g, want 210, 76.7", gotY, gotZ)
	}
}

// TestStabilityClassTurner checks the Pasquill-Turner table (Turner 1994,
// Table 2-1), split classes taking the more stable letter.
func TestStabilityClassTurner(t *testing.T) {
	tests := []struct {
		u    float64
		sky  Insolation
		want Class
	}{
		{1, StrongSun, ClassA}, {1, ModerateSun, ClassB}, {1.9, NightClear, ClassF},
		{2, StrongSun, ClassB}, {2.5, SlightSun, ClassC}, {2.5, NightCloudy, ClassE}, {2.5, NightClear, ClassF},
		{4, StrongSun, ClassB}, {4, ModerateSun, ClassC}, {4, NightCloudy, ClassD}, {4, NightClear, ClassE},
		{5.5, StrongSun, ClassC}, {5.5, NightClear, ClassD}, {8, StrongSun, ClassC}, {8, ModerateSun, ClassD},
		{1, Overcast, ClassD},
	}
	for _, tt := range tests {
		got, err := StabilityClass(tt.u, tt.sky)
		if err != nil || got != tt.want {
			t.Errorf("StabilityClass(%v, %v) = %v, %v; want %v", tt.u, tt.sky, got, err, tt.want)
		}
	}
}

// TestConcentrationProperties checks crosswind symmetry, the doubling by
// ground reflection for a ground source, the image-source symmetry in z for
// an elevated one, and zero upwind.
func TestConcentrationProperties(t *testing.T) {
	src := Source{Q: 0.1, U: 2, H: 0, Class: ClassF, Terrain: Rural}
	left, _ := src.Concentration(500, 30, 0)
	right, _ := src.Concentration(500, -30, 0)
	if got, want := left, right; got != want {
		t.Errorf("crosswind symmetry: got %v, want %v", got, want)
	}
	// A ground source seen at the ground is exactly twice the unbounded
	// plume Q/(2π u σy σz): both the direct and the image terms are 1.
	sy, sz, _ := Sigmas(ClassF, Rural, 500)
	got, _ := src.Concentration(500, 0, 0)
	if want := 2 * 0.1 / (2 * math.Pi * 2 * sy * sz); !relClose(got, want, 1e-12) {
		t.Errorf("ground reflection: got %v, want %v", got, want)
	}
	elevated := Source{Q: 1, U: 3, H: 20, Class: ClassD, Terrain: Urban}
	above, _ := elevated.Concentration(300, 0, 20)
	image := 1 / (2 * math.Pi * 3 * 0.16 * 300 / math.Sqrt(1.12) * 0.14 * 300 / math.Sqrt(1.09)) *
		(1 + math.Exp(-40*40/(2*math.Pow(0.14*300/math.Sqrt(1.09), 2))))
	if got, want := above, image; !relClose(got, want, 1e-9) {
		t.Errorf("elevated centreline: got %v, want %v", got, want)
	}
	upwind, err := src.Concentration(-10, 0, 0)
	if err != nil || upwind != 0 {
		t.Errorf("upwind: got %v, %v; want 0", upwind, err)
	}
}

// TestValidate refuses NaN, infinite and negative inputs.
func TestValidate(t *testing.T) {
	good := Source{Q: 1, U: 1, H: 0, Class: ClassD}
	tests := []struct {
		name    string
		src     Source
		wantErr bool
	}{
		{"good", good, false},
		{"nan q", Source{Q: math.NaN(), U: 1}, true},
		{"neg q", Source{Q: -1, U: 1}, true},
		{"zero u", Source{Q: 1, U: 0}, true},
		{"inf h", Source{Q: 1, U: 1, H: math.Inf(1)}, true},
		{"neg h", Source{Q: 1, U: 1, H: -2}, true},
		{"class", Source{Q: 1, U: 1, Class: 9}, true},
	}
	for _, tt := range tests {
		if got := tt.src.Validate() != nil; got != tt.wantErr {
			t.Errorf("%s: got error %v, want %v", tt.name, got, tt.wantErr)
		}
	}
	if _, err := good.Concentration(100, math.NaN(), 0); err == nil {
		t.Error("NaN y accepted")
	}
	if _, err := ParseClass("G"); err == nil {
		t.Error("class G accepted")
	}
}
