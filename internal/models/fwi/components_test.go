package fwi

import (
	"math"
	"testing"
	"time"
)

// The want values below were computed by hand from the printed equations
// (Van Wagner and Pickett 1985, eq. 1–31, in an independent double-precision
// script) for inputs chosen to exercise each branch; they are compared to
// 1e-9.
const eps = 1e-9

func near(got, want float64) bool { return math.Abs(got-want) <= eps*math.Max(1, math.Abs(want)) }

func TestFFMC(t *testing.T) {
	tests := []struct {
		name                        string
		ffmc0, temp, rh, wind, rain float64
		want                        float64
	}{
		{"no rain, drying (eq. 4, 6, 8)", 85, 20, 40, 10, 0, 88.27322715250502},
		{"rain of 0.5 mm is ignored", 85, 20, 40, 10, 0.5, 88.27322715250502},
		{"rain above 0.5 mm wets (eq. 2, 3a)", 85, 20, 40, 10, 0.6, 87.72436387810014},
		{"very wet litter, eq. 3b", 10, 20, 40, 10, 5, 55.85180027581733},
		{"humid day wets without rain (eq. 5, 7, 9)", 90, 15, 95, 5, 0, 80.03717409746758},
		{"saturated litter stays at 0", 0, 10, 100, 0, 100, 0},
		{"capped at 101", 101, 40, 0, 50, 0, 101},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := FFMC(tt.ffmc0, tt.temp, tt.rh, tt.wind, tt.rain); !near(got, tt.want) {
				t.Errorf("got %.15g, want %.15g", got, tt.want)
			}
		})
	}
}

// TestFFMCBetweenEquilibria: moisture between the wetting and drying
// equilibria (eq. 5 and 4) does not change. At 20 °C and 60 % RH, Ew ≈ 13.9
// and Ed ≈ 15.6; FFMC 86 is m = 147.2·15/145.5 ≈ 15.18 % by eq. 1, between
// them. The code still moves a little, because with the constant 147.2 eq. 10
// is not the exact inverse of eq. 1: 59.5·(250 − m)/(147.2 + m) = 86.0480….
func TestFFMCBetweenEquilibria(t *testing.T) {
	got, want := FFMC(86, 20, 60, 20, 0), 86.04803687525396
	if !near(got, want) {
		t.Errorf("got %.15g, want %.15g", got, want)
	}
}

func TestDMC(t *testing.T) {
	tests := []struct {
		name                     string
		dmc0, temp, rh, rain, le float64
		want                     float64
	}{
		{"no rain (eq. 16, 17)", 20, 20, 40, 0, 13.9, 23.33294756},
		{"rain of 1.5 mm is ignored", 20, 20, 40, 1.5, 13.9, 23.33294756},
		{"rain above 1.5 mm wets (eq. 11–15)", 20, 20, 40, 1.6, 13.9, 22.364879460732215},
		{"DMC 33 uses eq. 13a", 33, 20, 40, 10, 13.9, 19.155776359933682},
		{"DMC 50 uses eq. 13b", 50, 20, 40, 10, 13.9, 29.005203582907487},
		{"DMC 65 uses eq. 13b", 65, 20, 40, 10, 13.9, 36.419109795880196},
		{"DMC 80 uses eq. 13c", 80, 20, 40, 10, 13.9, 45.311146307814546},
		{"below -1.1 °C no drying", 20, -5, 40, 0, 13.9, 20},
		{"at -1.1 °C no drying", 20, -1.1, 40, 0, 13.9, 20},
		{"saturated air no drying", 20, 25, 100, 0, 13.9, 20},
		{"heavy rain on a low DMC floors eq. 15 at 0", 0, 5, 90, 50, 6.5, 1.894 * 6.1 * 10 * 6.5e-4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := DMC(tt.dmc0, tt.temp, tt.rh, tt.rain, tt.le); !near(got, tt.want) {
				t.Errorf("got %.15g, want %.15g", got, tt.want)
			}
		})
	}
}

func TestDC(t *testing.T) {
	tests := []struct {
		name                string
		dc0, temp, rain, lf float64
		want                float64
	}{
		{"no rain (eq. 22, 23)", 100, 20, 0, 5.8, 107.004},
		{"rain of 2.8 mm is ignored", 100, 20, 2.8, 5.8, 107.004},
		{"rain above 2.8 mm wets (eq. 18–21)", 100, 20, 2.9, 5.8, 104.14038905397636},
		{"10 mm of rain", 100, 20, 10, 5.8, 89.61830561423521},
		{"below -2.8 °C counts as -2.8, winter Lf lowers the code", 100, -10, 0, -1.6, 99.2},
		{"never below 0", 0.5, -10, 0, -1.6, 0},
		{"heavy rain floors eq. 21 at 0", 5, 10, 100, 0.9, 2.754},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := DC(tt.dc0, tt.temp, tt.rain, tt.lf); !near(got, tt.want) {
				t.Errorf("got %.15g, want %.15g", got, tt.want)
			}
		})
	}
}

func TestIndices(t *testing.T) {
	tests := []struct {
		name      string
		got, want float64
	}{
		{"ISI calm (eq. 24–26)", ISI(90, 0), 4.287253111088992},
		{"ISI 20 km/h", ISI(90, 20), 11.745218568305846},
		{"ISI at FFMC 101 (m = 0)", ISI(101, 0), 0.208 * 91.9},
		{"ISI at FFMC 0", ISI(0, 0), 1.9053503853221684e-09},
		{"BUI eq. 27a", BUI(10, 100), 16},
		{"BUI eq. 27b, DMC large against DC", BUI(100, 10), 97.9973793388709},
		{"BUI with DMC 0", BUI(0, 50), 0},
		{"BUI with both 0", BUI(0, 0), 0},
		{"BUI large", BUI(300, 600), 298.9991044114286},
		{"FWI with B ≤ 1 is B (eq. 30b)", FWI(0.3, 10), 0.1809749880637503},
		{"FWI eq. 28a, 30a", FWI(10, 40), 19.865348800837292},
		{"FWI at BUI 80 uses eq. 28a", FWI(10, 80), 28.221037619683027},
		{"FWI above BUI 80 uses eq. 28b", FWI(10, 120), 34.09208741645394},
		{"FWI 0", FWI(0, 50), 0},
		{"DSR", DSR(30), 11.196274173340731},
		{"DSR of 0", DSR(0), 0},
		{"DSR of 1", DSR(1), 0.0272},
	}
	for _, tt := range tests {
		if !near(tt.got, tt.want) {
			t.Errorf("%s: got %.15g, want %.15g", tt.name, tt.got, tt.want)
		}
	}
}

func TestDayLength(t *testing.T) {
	adj := func(lat float64) Options { return Options{LatAdjust: true, Latitude: lat} }
	tests := []struct {
		name   string
		month  time.Month
		opt    Options
		le, lf float64
	}{
		{"standard January", time.January, Options{}, 6.5, -1.6},
		{"standard July", time.July, Options{}, 12.4, 6.4},
		{"standard ignores latitude", time.July, Options{Latitude: -40}, 12.4, 6.4},
		{"46N adjusted = standard", time.May, adj(46), 13.9, 3.8},
		{"30.1N", time.June, adj(30.1), 13.9, 5.8},
		{"30N is in the 20N band for Le", time.June, adj(30), 10.2, 5.8},
		{"25N (Baoshan)", time.March, adj(25), 8.9, -1.6},
		{"20N: Lf equatorial", time.March, adj(20), 8.9, 1.4},
		{"10N: Le equatorial", time.August, adj(10), 9, 1.4},
		{"equator", time.December, adj(0), 9, 1.4},
		{"-10: Le 20S", time.December, adj(-10), 10.2, 1.4},
		{"-20: Lf southern", time.January, adj(-20), 10.1, 6.4},
		{"-30: Le 40S", time.July, adj(-30), 6.5, -1.6},
		{"-45", time.October, adj(-45), 10, 0.9},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := DMCDayLength(tt.month, tt.opt); got != tt.le {
				t.Errorf("Le: got %v, want %v", got, tt.le)
			}
			if got := DCDayLength(tt.month, tt.opt); got != tt.lf {
				t.Errorf("Lf: got %v, want %v", got, tt.lf)
			}
		})
	}
}

func TestDayLengthBadMonthPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("got no panic for month 13")
		}
	}()
	DMCDayLength(13, Options{})
}
