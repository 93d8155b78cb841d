package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/paulmach/orb/geojson"

	"github.com/yingji/yingji/internal/exposure"
	"github.com/yingji/yingji/internal/models/landslide"
	"github.com/yingji/yingji/internal/models/quake"
	"github.com/yingji/yingji/internal/region"
)

// quakeBandResult is one band of `yingji model quake`.
type quakeBandResult struct {
	Intensity  int                 `json:"intensity"`
	Roman      string              `json:"roman"`
	MajorKm    float64             `json:"major_km"`
	MinorKm    float64             `json:"minor_km"`
	AreaKm2    float64             `json:"area_km2"`
	Population int64               `json:"population"`
	Counties   []exposure.Division `json:"counties"`
}

// modelQuake runs `yingji model quake`: the intensity bands of an
// earthquake with the Baoshan census population in each, and with --at the
// intensity at a point.
func modelQuake(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := modelFlagSet("quake", stderr)
	lon := fs.Float64("lon", math.NaN(), "epicentre longitude (required)")
	lat := fs.Float64("lat", math.NaN(), "epicentre latitude (required)")
	mag := fs.Float64("magnitude", math.NaN(), "surface-wave magnitude Ms (required)")
	depth := fs.Float64("depth-km", 10, "focal depth, km (recorded; the relation uses epicentral distance)")
	az := fs.Float64("azimuth", quake.DefaultAzimuth, "long-axis azimuth, degrees clockwise from north (the fault's strike)")
	rel := fs.String("relation", quake.QinghaiTibet.Name, "attenuation relation: "+relationNames())
	minI := fs.Int("min-intensity", 6, "lowest band, intensity degree")
	at := fs.String("at", "", "also print the intensity at LON,LAT")
	geo := fs.Bool("geojson", false, "include the bands as a GeoJSON FeatureCollection")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), "usage: yingji model quake --lon L --lat L --magnitude M [flags]\n\nElliptical intensity attenuation (Yu et al. 2013); prints JSON with the bands and the population in each.\n\nflags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("model quake takes no arguments, got %q", fs.Arg(0))
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	for _, name := range []string{"lon", "lat", "magnitude"} {
		if !set[name] {
			return fmt.Errorf("--%s: required", name)
		}
	}
	r, ok := quake.LookupRelation(*rel)
	if !ok {
		return fmt.Errorf("--relation: %q is not one of %s", *rel, relationNames())
	}
	ev := quake.Event{Lon: *lon, Lat: *lat, DepthKm: *depth, Magnitude: *mag, Azimuth: *az}
	if err := ev.Validate(); err != nil {
		return fmt.Errorf("--%s", err)
	}
	bands, err := r.Bands(ev, *minI)
	if err != nil {
		return fmt.Errorf("--min-intensity: %w", err)
	}
	tree, err := region.Baoshan()
	if err != nil {
		return err
	}
	pop, err := region.BaoshanPopulation()
	if err != nil {
		return err
	}
	ix, err := exposure.NewIndex(tree, pop, nil)
	if err != nil {
		return err
	}
	res := struct {
		Relation   string                     `json:"relation"`
		Epicentral float64                    `json:"epicentral_intensity"`
		At         *float64                   `json:"intensity_at,omitempty"`
		Bands      []quakeBandResult          `json:"bands"`
		Method     string                     `json:"population_method"`
		Zones      *geojson.FeatureCollection `json:"zones,omitempty"`
	}{Relation: r.Name, Epicentral: r.Epicentral(*mag), Bands: []quakeBandResult{}, Method: exposure.PopulationMethod}
	if *at != "" {
		x, y, ok := strings.Cut(*at, ",")
		plon, err1 := strconv.ParseFloat(strings.TrimSpace(x), 64)
		plat, err2 := strconv.ParseFloat(strings.TrimSpace(y), 64)
		if !ok || err1 != nil || err2 != nil {
			return fmt.Errorf("--at: %q is not LON,LAT", *at)
		}
		i := r.IntensityAt(ev, plon, plat)
		res.At = &i
	}
	for _, b := range bands {
		if err := ctx.Err(); err != nil {
			return err
		}
		ex, err := ix.Assess(b.Polygon, exposure.Query{MaxItems: -1})
		if err != nil {
			return err
		}
		res.Bands = append(res.Bands, quakeBandResult{Intensity: b.Intensity, Roman: b.Roman, MajorKm: b.MajorKm, MinorKm: b.MinorKm,
			AreaKm2: b.AreaKm2, Population: ex.Population, Counties: ex.Counties})
	}
	if *geo {
		res.Zones = quake.FeatureCollection(bands)
	}
	return writeModelJSON(stdout, res)
}

func relationNames() string {
	var names []string
	for _, r := range quake.Relations {
		names = append(names, r.Name)
	}
	return strings.Join(names, ", ")
}

// modelLandslide runs `yingji model landslide`: warning levels at hazard
// points from rain readings (CSV gauge,t,mm on stdin).
func modelLandslide(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := modelFlagSet("landslide", stderr)
	gaugesFile := fs.String("gauges", "", "CSV id,lon,lat of the rain gauges (required)")
	pointsFile := fs.String("points", "", "CSV id,lon,lat[,zone] of the hazard points (required)")
	cfg := landslide.DefaultConfig()
	k := fs.Float64("k", cfg.Default.K, "decay coefficient per day of the antecedent rainfall")
	days := fs.Int("days", cfg.Days, "antecedent days")
	th := fs.String("threshold", cfg.Default.Threshold.Name, "I–D threshold: caine1980, guzzetti2008, or ALPHA,BETA")
	eff := fs.String("effective-mm", "", "effective-rainfall breakpoints blue,yellow,orange,red (mm)")
	ratio := fs.String("id-ratio", "", "I–D ratio breakpoints blue,yellow,orange,red")
	radius := fs.Float64("radius-km", cfg.RadiusKm, "farthest gauge used")
	now := fs.String("now", "", "evaluate at this RFC 3339 time (default: the latest reading)")
	all := fs.Bool("all", false, "print every point, not only those with a warning")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), "usage: yingji model landslide --gauges G.csv --points P.csv [flags] < readings.csv\n\nreadings.csv has the header gauge,t,mm (RFC 3339 time; rain in the interval ending at t). Prints JSON.\n\nflags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *gaugesFile == "" || *pointsFile == "" {
		return errors.New("--gauges and --points: required")
	}
	cfg.Default.K, cfg.Days, cfg.RadiusKm = *k, *days, *radius
	if t, ok := landslide.LookupThreshold(*th); ok {
		cfg.Default.Threshold = t
	} else {
		v, err := fourOrTwo(*th, 2)
		if err != nil {
			return fmt.Errorf("--threshold: %w", err)
		}
		cfg.Default.Threshold = landslide.Threshold{Name: "custom", Alpha: v[0], Beta: v[1], MinHours: 0, MaxHours: 1e4}
	}
	for _, b := range []struct {
		flag string
		s    string
		dst  *landslide.Breakpoints
	}{{"effective-mm", *eff, &cfg.Default.Effective}, {"id-ratio", *ratio, &cfg.Default.Ratio}} {
		if b.s == "" {
			continue
		}
		v, err := fourOrTwo(b.s, 4)
		if err != nil {
			return fmt.Errorf("--%s: %w", b.flag, err)
		}
		*b.dst = landslide.Breakpoints{Blue: v[0], Yellow: v[1], Orange: v[2], Red: v[3]}
	}
	gauges, err := readFileWith(*gaugesFile, landslide.ReadGauges)
	if err != nil {
		return fmt.Errorf("--gauges %s: %w", *gaugesFile, err)
	}
	points, err := readFileWith(*pointsFile, landslide.ReadPoints)
	if err != nil {
		return fmt.Errorf("--points %s: %w", *pointsFile, err)
	}
	readings, err := landslide.ReadReadings(stdin)
	if err != nil {
		return fmt.Errorf("readings: %w", err)
	}
	e, err := landslide.NewEvaluator(cfg, gauges, points)
	if err != nil {
		return err
	}
	e.Add(readings)
	if *now != "" {
		t, err := time.Parse(time.RFC3339, *now)
		if err != nil {
			return fmt.Errorf("--now: %q is not an RFC 3339 time", *now)
		}
		e.AdvanceTo(t.UTC())
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	out := []landslide.Status{}
	counts := map[string]int{}
	for _, st := range e.Statuses() {
		key := string(st.Level)
		if st.NoData {
			key = "no_data"
		} else if key == "" {
			key = "none"
		}
		counts[key]++
		if *all || st.Level != landslide.None {
			out = append(out, st)
		}
	}
	return writeModelJSON(stdout, struct {
		Now     time.Time          `json:"now"`
		Dropped int                `json:"dropped"`
		Counts  map[string]int     `json:"counts"`
		Points  []landslide.Status `json:"points"`
	}{e.Now().UTC(), e.Dropped, counts, out})
}

func fourOrTwo(s string, n int) ([]float64, error) {
	parts := strings.Split(s, ",")
	if len(parts) != n {
		return nil, fmt.Errorf("%q: want %d comma-separated numbers", s, n)
	}
	out := make([]float64, n)
	for i, p := range parts {
		v, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil {
			return nil, fmt.Errorf("%q is not a number", p)
		}
		out[i] = v
	}
	return out, nil
}

func readFileWith[T any](name string, read func(io.Reader) (T, error)) (T, error) {
	f, err := os.Open(name)
	if err != nil {
		var zero T
		return zero, err
	}
	defer f.Close()
	return read(f)
}
