// Command yingji is the Yingji emergency-management platform: one binary
// with the server and its administration commands.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "0.1.0-dev"

const usage = `yingji — smart emergency-management platform (应急)

usage: yingji <command> [flags]

commands:
  serve             run the platform (HTTP API and pages); loads demo data on first start
  migrate           apply database migrations and exit
  demo              load the Baoshan demo data set (--reload replaces it)
  user add|passwd|list|disable   manage accounts
  divisions import  import administrative divisions from a CSV (and boundaries)
  audit verify      check the audit trail's hash chain (--file: an export or archive file)
  audit archive     move entries older than --before (at least 180 days) to a verifiable file
  keys list|rotate|reseal|retire   the keys that seal personal data (docs/security.md)
  sim               publish simulated readings of the demo monitoring points over MQTT
  model fwi|plume|blast|quake|landslide   hazard models: forest-fire weather index, toxic plume, explosion, earthquake, rainfall geohazards
  feed parse KIND FILE   print an external feed file's events as JSON (usgs-geojson, quakeml, cenc-json, firms-csv, rain-csv)
  bench ingest      measure ingestion end to end beside Mosquitto's relay (see README)
  version           print the version

Run 'yingji <command> --help' for a command's flags.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "yingji:", err)
		}
		os.Exit(1)
	}
}

// run is main without the process: tests call it.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errors.New("no command given")
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "serve":
		return cmdServe(ctx, rest, stdout, stderr, nil)
	case "migrate":
		return cmdMigrate(ctx, rest, stdout, stderr)
	case "demo":
		return cmdDemo(ctx, rest, stdout, stderr)
	case "user":
		return cmdUser(ctx, rest, stdout, stderr)
	case "divisions":
		return cmdDivisions(ctx, rest, stdout, stderr)
	case "audit":
		return cmdAudit(ctx, rest, stdout, stderr)
	case "keys":
		return cmdKeys(ctx, rest, stdout, stderr)
	case "bench":
		return cmdBench(ctx, rest, stdout, stderr)
	case "sim":
		return cmdSim(ctx, rest, stdout, stderr)
	case "model":
		return cmdModel(ctx, rest, os.Stdin, stdout, stderr)
	case "feed":
		return cmdFeed(ctx, rest, stdout, stderr)
	case "version", "--version", "-v":
		fmt.Fprintln(stdout, "yingji", version)
		return nil
	case "help", "--help", "-h":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", cmd)
}

// commonFlags makes a flag set with the shared configuration flags.
func commonFlags(name, synopsis string, stderr io.Writer) (*flag.FlagSet, *Config) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg := &Config{logOut: stderr}
	cfg.register(fs)
	fs.Usage = usageFor(fs, synopsis)
	return fs, cfg
}

// cmdModel runs a hazard model from the command line.
func cmdModel(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New("usage: yingji model fwi|plume|blast|quake|landslide [flags]")
	}
	switch args[0] {
	case "fwi":
		return modelFWI(ctx, args[1:], stdin, stdout, stderr)
	case "plume":
		return modelPlume(ctx, args[1:], stdout, stderr)
	case "blast":
		return modelBlast(ctx, args[1:], stdout, stderr)
	case "quake":
		return modelQuake(ctx, args[1:], stdout, stderr)
	case "landslide":
		return modelLandslide(ctx, args[1:], stdin, stdout, stderr)
	}
	return fmt.Errorf("model: unknown model %q (fwi, plume, blast, quake, landslide)", args[0])
}
