package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"github.com/yingji/yingji/internal/models/blast"
	"github.com/yingji/yingji/internal/models/plume"
)

// plumeResult is the JSON printed by `yingji model plume`.
type plumeResult struct {
	Class         string          `json:"class"`
	Sigma         string          `json:"sigma"`
	X             float64         `json:"x"`
	Y             float64         `json:"y"`
	Z             float64         `json:"z"`
	SigmaY        float64         `json:"sigma_y"`
	SigmaZ        float64         `json:"sigma_z"`
	Concentration float64         `json:"concentration"`
	Footprint     *plumeFootprint `json:"footprint,omitempty"`
}

// plumeFootprint is the optional --threshold part of plumeResult.
type plumeFootprint struct {
	Threshold    float64          `json:"threshold"`
	LengthM      float64          `json:"length_m"`
	MaxHalfWidth float64          `json:"max_half_width_m"`
	Truncated    bool             `json:"truncated,omitempty"`
	Local        orb.Polygon      `json:"local"`
	Geometry     *geojson.Feature `json:"geometry,omitempty"`
}

// checkFlag refuses a NaN or infinite value, and a negative one unless
// allowed; the error names the flag.
func checkFlag(name string, v float64, minimum float64, strict bool) error {
	switch {
	case math.IsNaN(v) || math.IsInf(v, 0):
		return fmt.Errorf("--%s: %v is not a finite number", name, v)
	case strict && v <= minimum:
		return fmt.Errorf("--%s: %v must be > %v", name, v, minimum)
	case v < minimum:
		return fmt.Errorf("--%s: %v must be >= %v", name, v, minimum)
	}
	return nil
}

func modelFlagSet(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("model "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

// modelPlume runs `yingji model plume`: a Gaussian plume concentration at
// one point, and with --threshold the footprint polygon.
func modelPlume(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := modelFlagSet("plume", stderr)
	q := fs.Float64("q", math.NaN(), "release rate, kg/s (required)")
	u := fs.Float64("u", math.NaN(), "wind speed, m/s (required)")
	class := fs.String("class", "", "Pasquill-Gifford stability class A–F")
	sky := fs.String("insolation", "", "instead of --class: strong, moderate, slight, night-cloudy, night-clear or overcast")
	x := fs.Float64("x", math.NaN(), "downwind distance, m (required)")
	y := fs.Float64("y", 0, "crosswind distance, m")
	z := fs.Float64("z", 0, "receptor height, m")
	h := fs.Float64("h", 0, "effective release height, m")
	sigma := fs.String("sigma", "briggs-rural", "dispersion coefficients: briggs-rural or briggs-urban")
	threshold := fs.Float64("threshold", 0, "also print the footprint for this concentration, kg/m³")
	lon := fs.Float64("lon", math.NaN(), "source longitude, for a lon/lat footprint")
	lat := fs.Float64("lat", math.NaN(), "source latitude, for a lon/lat footprint")
	windFrom := fs.Float64("wind-from", 0, "wind direction, degrees from north the wind comes FROM")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), "usage: yingji model plume --q KG_S --u M_S --class A-F --x M [flags]\n\nGaussian plume with ground reflection; prints JSON with sigma_y, sigma_z (m) and concentration (kg/m³).\n\nflags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("model plume takes no arguments, got %q", fs.Arg(0))
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	for _, name := range []string{"q", "u", "x"} {
		if !set[name] {
			return fmt.Errorf("--%s: required", name)
		}
	}
	for _, c := range []struct {
		name   string
		v, min float64
		strict bool
	}{{"q", *q, 0, true}, {"u", *u, 0, true}, {"x", *x, 0, true}, {"y", *y, math.Inf(-1), false},
		{"z", *z, 0, false}, {"h", *h, 0, false}, {"threshold", *threshold, 0, false}, {"wind-from", *windFrom, math.Inf(-1), false}} {
		if err := checkFlag(c.name, c.v, c.min, c.strict); err != nil {
			return err
		}
	}
	src := plume.Source{Q: *q, U: *u, H: *h}
	var err error
	if src.Terrain, err = plume.ParseTerrain(*sigma); err != nil {
		return fmt.Errorf("--sigma: %w", err)
	}
	switch {
	case *class != "" && *sky != "":
		return errors.New("--class and --insolation: give only one")
	case *class != "":
		if src.Class, err = plume.ParseClass(*class); err != nil {
			return fmt.Errorf("--class: %w", err)
		}
	case *sky != "":
		ins, err := plume.ParseInsolation(*sky)
		if err != nil {
			return fmt.Errorf("--insolation: %w", err)
		}
		if src.Class, err = plume.StabilityClass(*u, ins); err != nil {
			return fmt.Errorf("--insolation: %w", err)
		}
	default:
		return errors.New("--class: required (or --insolation)")
	}
	sy, sz, err := plume.Sigmas(src.Class, src.Terrain, *x)
	if err != nil {
		return err
	}
	c, err := src.Concentration(*x, *y, *z)
	if err != nil {
		return err
	}
	res := plumeResult{Class: src.Class.String(), Sigma: src.Terrain.String(), X: *x, Y: *y, Z: *z,
		SigmaY: sy, SigmaZ: sz, Concentration: c}
	if *threshold > 0 {
		if err := ctx.Err(); err != nil {
			return err
		}
		fp, err := src.Footprint(*threshold, *z)
		if err != nil {
			return fmt.Errorf("--threshold: %w", err)
		}
		out := &plumeFootprint{Threshold: fp.Threshold, LengthM: fp.Length, MaxHalfWidth: fp.MaxHalfWidth,
			Truncated: fp.Truncated, Local: fp.Local}
		if !math.IsNaN(*lon) || !math.IsNaN(*lat) {
			if len(fp.Local) > 0 {
				ll, err := plume.ToLonLat(fp.Local, orb.Point{*lon, *lat}, *windFrom)
				if err != nil {
					return fmt.Errorf("--lon/--lat/--wind-from: %w", err)
				}
				out.Geometry = geojson.NewFeature(ll)
			}
		}
		res.Footprint = out
	}
	return writeModelJSON(stdout, res)
}

// blastResult is the JSON printed by `yingji model blast`.
type blastResult struct {
	TNTKg           float64      `json:"tnt_kg"`
	DistanceM       *float64     `json:"distance_m,omitempty"`
	ScaledDistance  *float64     `json:"scaled_distance,omitempty"`
	OverpressureKPa *float64     `json:"overpressure_kpa,omitempty"`
	Rings           []blast.Ring `json:"rings,omitempty"`
}

// modelBlast runs `yingji model blast`: the Kingery-Bulmash overpressure at
// a distance, and with --rings the damage and injury ring radii.
func modelBlast(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := modelFlagSet("blast", stderr)
	tnt := fs.Float64("tnt-kg", math.NaN(), "TNT-equivalent mass, kg")
	mass := fs.Float64("mass-kg", math.NaN(), "instead of --tnt-kg: fuel mass, kg")
	heat := fs.Float64("heat-mj-kg", math.NaN(), "with --mass-kg: heat of combustion, MJ/kg")
	yield := fs.Float64("yield", 0.05, "with --mass-kg: explosion yield factor η (0–1]")
	dist := fs.Float64("distance-m", math.NaN(), "distance from the charge, m")
	rings := fs.Bool("rings", false, "print the radii of the default overpressure thresholds")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), "usage: yingji model blast --tnt-kg W (--distance-m R | --rings)\n\nKingery-Bulmash hemispherical surface burst; prints JSON.\n\nflags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("model blast takes no arguments, got %q", fs.Arg(0))
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	var w float64
	switch {
	case set["tnt-kg"] && set["mass-kg"]:
		return errors.New("--tnt-kg and --mass-kg: give only one")
	case set["tnt-kg"]:
		if err := checkFlag("tnt-kg", *tnt, 0, true); err != nil {
			return err
		}
		w = *tnt
	case set["mass-kg"]:
		for _, c := range []struct {
			name string
			v    float64
		}{{"mass-kg", *mass}, {"heat-mj-kg", *heat}, {"yield", *yield}} {
			if err := checkFlag(c.name, c.v, 0, true); err != nil {
				return err
			}
		}
		var err error
		if w, err = blast.TNTEquivalent(*mass, *heat*1e6, *yield); err != nil {
			return fmt.Errorf("--yield: %w", err)
		}
	default:
		return errors.New("--tnt-kg: required (or --mass-kg with --heat-mj-kg)")
	}
	if !set["distance-m"] && !*rings {
		return errors.New("--distance-m: required (or --rings)")
	}
	res := blastResult{TNTKg: w}
	if set["distance-m"] {
		if err := checkFlag("distance-m", *dist, 0, true); err != nil {
			return err
		}
		z, err := blast.ScaledDistance(*dist, w)
		if err != nil {
			return fmt.Errorf("--distance-m: %w", err)
		}
		p, err := blast.IncidentOverpressure(z)
		if err != nil {
			return fmt.Errorf("--distance-m: %w", err)
		}
		res.DistanceM, res.ScaledDistance, res.OverpressureKPa = dist, &z, &p
	}
	if *rings {
		if err := ctx.Err(); err != nil {
			return err
		}
		r, err := blast.Rings(w, blast.DefaultThresholds)
		if err != nil {
			return err
		}
		res.Rings = r
	}
	return writeModelJSON(stdout, res)
}

func writeModelJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
