package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"math"
	"strings"
	"testing"
)

// TestModelPlumeCLI runs the example command of issue 7 and checks the JSON
// against Briggs' rural F formulas evaluated by hand at 500 m:
// σy = 0.04·500/√1.05 = 19.52 m, σz = 0.016·500/1.15 = 6.957 m,
// C = 2·0.1/(2π·2·σy·σz) = 1.172e-4 kg/m³ (ground source and receptor).
func TestModelPlumeCLI(t *testing.T) {
	var out bytes.Buffer
	args := strings.Fields("--q 0.1 --u 2 --class F --x 500 --y 0 --z 0 --h 0 --sigma briggs-rural")
	if err := modelPlume(context.Background(), args, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	var got struct {
		SigmaY        float64 `json:"sigma_y"`
		SigmaZ        float64 `json:"sigma_z"`
		Concentration float64 `json:"concentration"`
	}
	if err := json.Unmarshal(out.Bytes(), &got); err != nil {
		t.Fatalf("%v in %s", err, out.String())
	}
	for _, c := range []struct {
		name      string
		got, want float64
	}{{"sigma_y", got.SigmaY, 19.52}, {"sigma_z", got.SigmaZ, 6.957}, {"concentration", got.Concentration, 1.172e-4}} {
		if math.Abs(c.got-c.want) > 1e-3*c.want {
			t.Errorf("%s: got %.4g, want %.4g", c.name, c.got, c.want)
		}
	}
}

// TestModelPlumeFootprintCLI checks that --threshold with a source point
// prints a local and a lon/lat footprint.
func TestModelPlumeFootprintCLI(t *testing.T) {
	var out bytes.Buffer
	args := strings.Fields("--q 1 --u 3 --insolation night-clear --x 200 --threshold 1e-4 --lon 98.5 --lat 25 --wind-from 270")
	if err := modelPlume(context.Background(), args, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Class     string `json:"class"`
		Footprint struct {
			LengthM  float64         `json:"length_m"`
			Geometry json.RawMessage `json:"geometry"`
		} `json:"footprint"`
	}
	if err := json.Unmarshal(out.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if got, want := got.Class, "E"; got != want { // 3–5 m/s, clear night (Turner)
		t.Errorf("class: got %s, want %s", got, want)
	}
	if got.Footprint.LengthM <= 200 || !strings.Contains(string(got.Footprint.Geometry), "Polygon") {
		t.Errorf("footprint: got %s", out.String())
	}
}

// TestModelBlastCLI checks --tnt-kg/--distance-m (1 t at 100 m: Z = 10,
// 14.89 kPa in the Kingery-Bulmash table cited in the blast tests) and
// --rings.
func TestModelBlastCLI(t *testing.T) {
	var out bytes.Buffer
	if err := modelBlast(context.Background(), strings.Fields("--tnt-kg 1000 --distance-m 100"), &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Z float64 `json:"scaled_distance"`
		P float64 `json:"overpressure_kpa"`
	}
	if err := json.Unmarshal(out.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if math.Abs(got.Z-10) > 1e-9 || math.Abs(got.P-14.89) > 0.01*14.89 {
		t.Errorf("got Z=%v P=%v, want 10, 14.89", got.Z, got.P)
	}
	out.Reset()
	if err := modelBlast(context.Background(), strings.Fields("--tnt-kg 1000 --rings"), &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	var rings struct {
		Rings []struct {
			KPa     float64 `json:"kpa"`
			RadiusM float64 `json:"radius_m"`
		} `json:"rings"`
	}
	if err := json.Unmarshal(out.Bytes(), &rings); err != nil {
		t.Fatal(err)
	}
	if got, want := len(rings.Rings), 5; got != want {
		t.Fatalf("got %d rings, want %d: %s", got, want, out.String())
	}
}

// TestModelCLIErrors checks that bad, missing, NaN and negative flags are
// refused with an error naming the flag.
func TestModelCLIErrors(t *testing.T) {
	tests := []struct {
		name    string
		run     func(context.Context, []string, io.Writer, io.Writer) error
		args    string
		wantSub string
	}{
		{"plume nan q", modelPlume, "--q NaN --u 2 --class F --x 500", "--q"},
		{"plume neg u", modelPlume, "--q 1 --u -2 --class F --x 500", "--u"},
		{"plume missing x", modelPlume, "--q 1 --u 2 --class F", "--x"},
		{"plume bad class", modelPlume, "--q 1 --u 2 --class G --x 5", "--class"},
		{"plume bad sigma", modelPlume, "--q 1 --u 2 --class F --x 5 --sigma pg", "--sigma"},
		{"plume inf h", modelPlume, "--q 1 --u 2 --class F --x 5 --h +Inf", "--h"},
		{"plume unparsable", modelPlume, "--q abc", "-q"},
		{"blast nan", modelBlast, "--tnt-kg NaN --distance-m 5", "--tnt-kg"},
		{"blast neg distance", modelBlast, "--tnt-kg 5 --distance-m -5", "--distance-m"},
		{"blast no distance", modelBlast, "--tnt-kg 5", "--distance-m"},
		{"blast far", modelBlast, "--tnt-kg 1 --distance-m 1000", "--distance-m"},
		{"blast yield", modelBlast, "--mass-kg 10 --heat-mj-kg 46 --yield 2 --rings", "--yield"},
	}
	for _, tt := range tests {
		err := tt.run(context.Background(), strings.Fields(tt.args), io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), tt.wantSub) {
			t.Errorf("%s: got %v, want an error naming %s", tt.name, err, tt.wantSub)
		}
	}
}

// FuzzModelArgs checks that no argument list panics and that an accepted
// one prints finite JSON numbers.
func FuzzModelArgs(f *testing.F) {
	f.Add(true, "--q 0.1 --u 2 --class F --x 500")
	f.Add(false, "--tnt-kg 1000 --distance-m 100 --rings")
	f.Add(true, "--q 1e308 --u 1e-308 --class a --x 1e-300 --threshold 1e-9")
	f.Add(false, "--mass-kg 5 --heat-mj-kg 50 --yield 1 --distance-m 0.5")
	f.Fuzz(func(t *testing.T, isPlume bool, line string) {
		run := modelBlast
		if isPlume {
			run = modelPlume
		}
		var out bytes.Buffer
		if err := run(context.Background(), strings.Fields(line), &out, io.Discard); err != nil {
			if strings.Contains(err.Error(), "json: unsupported value") {
				t.Fatalf("accepted %q but computed a non-finite result: %v", line, err)
			}
			return
		}
		var v any
		if err := json.Unmarshal(out.Bytes(), &v); err != nil {
			t.Fatalf("accepted %q but printed invalid JSON %q: %v", line, out.String(), err)
		}
	})
}
