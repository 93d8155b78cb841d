package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestModelQuakeCLI: an Ms 6.4 in 隆阳区 reaches VIII at the epicentre
// (0.2080 + 1.2746·6.4 = 8.366), the intensity at the VI radius along the
// long axis is 6, and each band's population is the sum of its counties'.
func TestModelQuakeCLI(t *testing.T) {
	var out bytes.Buffer
	args := strings.Fields("--lon 99.16 --lat 25.12 --magnitude 6.4 --azimuth 0 --geojson --at 99.16,25.655")
	if err := modelQuake(context.Background(), args, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Epicentral float64 `json:"epicentral_intensity"`
		At         float64 `json:"intensity_at"`
		Bands      []struct {
			Roman      string  `json:"roman"`
			MajorKm    float64 `json:"major_km"`
			Population int64   `json:"population"`
			Counties   []struct {
				Population int64 `json:"population"`
			} `json:"counties"`
		} `json:"bands"`
		Zones struct {
			Features []json.RawMessage `json:"features"`
		} `json:"zones"`
	}
	if err := json.Unmarshal(out.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if math.Abs(got.Epicentral-8.366) > 0.001 || len(got.Bands) != 3 || got.Bands[0].Roman != "VI" || len(got.Zones.Features) != 3 {
		t.Fatalf("%s", out.String())
	}
	// --at is 0.535° north = 59.5 km, the VI long radius (59.53 km).
	if math.Abs(got.At-6) > 0.01 {
		t.Errorf("intensity at the VI radius: %v (radius %v km)", got.At, got.Bands[0].MajorKm)
	}
	for _, b := range got.Bands {
		var sum int64
		for _, c := range b.Counties {
			sum += c.Population
		}
		if sum != b.Population || sum <= 0 {
			t.Errorf("band %s: population %d, counties sum to %d", b.Roman, b.Population, sum)
		}
	}
	for _, bad := range []string{"--lon 99 --lat 25", "--lon 99 --lat 25 --magnitude 6 --relation x", "--lon 999 --lat 25 --magnitude 6"} {
		if err := modelQuake(context.Background(), strings.Fields(bad), io.Discard, io.Discard); err == nil {
			t.Errorf("%q: accepted", bad)
		}
	}
}

// TestModelLandslideCLI: 20 mm in the last hour next to a point is 1.35
// times Caine's 14.82 mm/h → orange; the far point has no gauge.
func TestModelLandslideCLI(t *testing.T) {
	dir := t.TempDir()
	gauges := filepath.Join(dir, "g.csv")
	points := filepath.Join(dir, "p.csv")
	os.WriteFile(gauges, []byte("id,lon,lat\nJY-1,99.10,25.10\n"), 0o644)
	os.WriteFile(points, []byte("id,lon,lat,zone\nGH-1,99.10,25.10,530502\nGH-2,99.90,25.90,530502\n"), 0o644)
	readings := "gauge,t,mm\nJY-1,2026-07-10T08:10:00+08:00,12\nJY-1,2026-07-10T08:40:00+08:00,8\n"
	var out bytes.Buffer
	err := modelLandslide(context.Background(), []string{"--gauges", gauges, "--points", points, "--all"}, strings.NewReader(readings), &out, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Counts map[string]int `json:"counts"`
		Points []struct {
			Point string  `json:"point"`
			Level string  `json:"level"`
			Ratio float64 `json:"id_ratio"`
		} `json:"points"`
	}
	if err := json.Unmarshal(out.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Points) != 2 || got.Points[0].Level != "orange" || math.Abs(got.Points[0].Ratio-20/14.82) > 1e-9 || got.Counts["no_data"] != 1 {
		t.Errorf("%s", out.String())
	}
	err = modelLandslide(context.Background(), []string{"--gauges", gauges, "--points", points}, strings.NewReader("gauge,t,mm\nJY-1,noon,1\n"), io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("bad readings: %v", err)
	}
}
