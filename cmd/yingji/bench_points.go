package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"

	"github.com/yingji/yingji/internal/core"
	"github.com/yingji/yingji/internal/creditcode"
	"github.com/yingji/yingji/internal/registry"
)

// benchPoints registers many monitoring points, restarts the platform on
// them and reports the start-up time and the memory the points and their
// rule state take: `yingji bench points --points 440000` (the national
// hazardous-chemical network's size).
func benchPoints(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("bench points", flag.ContinueOnError)
	fs.SetOutput(stderr)
	n := fs.Int("points", 440_000, "monitoring points to register")
	perFacility := fs.Int("per-facility", 20, "points per facility")
	dbURL := fs.String("db", "", "database (default: a SQLite file in a temporary folder)")
	profile := fs.String("cpuprofile", "", "write a CPU profile of the start-up to this file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "yingji-bench-points-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	cfg := &Config{Data: dir, DB: *dbURL, LogFormat: "text", LogLevel: "warn", SessionTTL: time.Hour, MQTTAddr: "",
		Escalation: "red=5m,orange=15m,yellow=30m,blue=1h", logOut: stderr}
	if cfg.DB == "" {
		cfg.DB = dir + "/yingji.db"
	}
	a, err := openApp(ctx, cfg, newLogger(cfg))
	if err != nil {
		return err
	}
	start := time.Now()
	if err := registerPoints(ctx, a, *n, *perFacility); err != nil {
		a.close()
		return err
	}
	fmt.Fprintf(stdout, "registered %d points in %s\n", *n, time.Since(start).Round(time.Second))
	a.close()
	debug.FreeOSMemory()
	before := rss()

	if *profile != "" {
		f, err := os.Create(*profile)
		if err != nil {
			return err
		}
		pprof.StartCPUProfile(f)
		defer f.Close()
	}
	start = time.Now()
	a, err = openApp(ctx, cfg, newLogger(cfg))
	if err != nil {
		return err
	}
	defer a.close()
	per, err := a.startPerception(ctx)
	if err != nil {
		return err
	}
	defer per.stop()
	took := time.Since(start)
	if *profile != "" {
		pprof.StopCPUProfile()
	}
	// what stays resident, not the garbage of loading.
	debug.FreeOSMemory()
	after := rss()
	fmt.Fprintf(stdout, "start-up with %d points (open, migrate, load points, build rules, replay): %s\n", *n, took.Round(time.Millisecond))
	floor, err := a.db.ScanRaw(ctx, "monitoring_point")
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "baseline: reading the same %d rows raw from the database: %s (start-up / raw read = %.1f)\n", *n, floor.Round(time.Millisecond), took.Seconds()/floor.Seconds())
	fmt.Fprintf(stdout, "resident memory: %.0f MiB (%.0f MiB before the platform started; %.0f bytes per point)\n",
		float64(after)/(1<<20), float64(before)/(1<<20), float64(after-before)/float64(*n))
	return nil
}

// registerPoints creates enterprises, facilities and their points in
// batches through the registry service (validated like any import).
func registerPoints(ctx context.Context, a *app, n, perFacility int) error {
	sys := core.WithActor(ctx, core.SystemActor)
	tree := a.tree.Load()
	counties := tree.List("county")
	kinds := []struct{ kind, unit string }{{"pressure", "MPa"}, {"liquid_level", "m"}, {"temperature", "°C"}, {"combustible_gas", "%LEL"}}
	facilities := (n + perFacility - 1) / perFacility
	entOf := map[int]int64{}
	for f := 0; f < facilities; f += 1000 {
		var ents, facs []*registry.Input
		last := min(facilities, f+1000)
		for i := f; i < last; i++ {
			div := counties[i%len(counties)].Code
			c, _ := tree.Center(div)
			code, err := creditcode.Complete("91" + div + fmt.Sprintf("%09d", i))
			if err != nil {
				return err
			}
			ents = append(ents, &registry.Input{Object: registry.Object{Code: code, Name: "压测企业" + strconv.Itoa(i), Category: "hazchem_producer", Geometry: c}})
			facs = append(facs, &registry.Input{Object: registry.Object{Code: fmt.Sprintf("TANK-%06d", i), Name: "储罐区" + strconv.Itoa(i), Category: "tank_farm", Geometry: c}})
		}
		created, err := a.registry.Create(sys, registry.Enterprise, ents)
		if err != nil {
			return err
		}
		for k, e := range created {
			facs[k].OwnerID = e.ID
		}
		fcreated, err := a.registry.Create(sys, registry.Facility, facs)
		if err != nil {
			return err
		}
		for k, fo := range fcreated {
			entOf[f+k] = fo.ID
		}
	}
	var batch []*registry.Input
	for i := 0; i < n; i++ {
		fac := i / perFacility
		k := kinds[i%len(kinds)]
		c, _ := tree.Center(counties[fac%len(counties)].Code)
		batch = append(batch, &registry.Input{Object: registry.Object{Code: fmt.Sprintf("P-%07d", i), Name: "监测点" + strconv.Itoa(i), Category: k.kind,
			OwnerID: entOf[fac], Geometry: c, Attrs: map[string]any{"unit": k.unit, "interval_s": int64(60), "range_min": 0.0, "range_max": 100.0}}})
		if len(batch) == 5000 || i == n-1 {
			if _, err := a.registry.Create(sys, registry.MonitoringPoint, batch); err != nil {
				return err
			}
			batch = batch[:0]
		}
	}
	return nil
}

// rss reads this process's resident set size.
func rss() uint64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseUint(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}
