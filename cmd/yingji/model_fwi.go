package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"math"

	"github.com/yingji/yingji/internal/models/fwi"
)

const modelFWIUsage = `usage: yingji model fwi [--ffmc0 85 --dmc0 6 --dc0 15] [--lat L] < weather.csv

Computes the Canadian Forest Fire Weather Index System day by day (Van Wagner
and Pickett 1985) from a CSV of daily noon weather on standard input with the
header

  date,temp,rh,wind,rain

(ISO date, °C, %, km/h, 24-hour rain in mm; other columns are passed through),
and writes the same rows to standard output with the columns

  ffmc,dmc,dc,isi,bui,fwi,dsr

appended, unrounded. Dates must increase; the codes carry from each row to the
next, starting from the start-up values. Without --lat the standard day-length
factors (46° N) are used; --lat uses the latitude-adjusted factors of the
cffdrs package. A bad value stops the run with its line and column, and
nothing is written.

flags:
`

// modelFWIOptions are the flags of `yingji model fwi`.
type modelFWIOptions struct {
	start fwi.Codes
	opt   fwi.Options
}

func parseModelFWIFlags(args []string, stderr io.Writer) (*modelFWIOptions, error) {
	o := &modelFWIOptions{}
	fs := flag.NewFlagSet("model fwi", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Float64Var(&o.start.FFMC, "ffmc0", fwi.DefaultFFMC, "start-up Fine Fuel Moisture Code (0–101)")
	fs.Float64Var(&o.start.DMC, "dmc0", fwi.DefaultDMC, "start-up Duff Moisture Code (≥ 0)")
	fs.Float64Var(&o.start.DC, "dc0", fwi.DefaultDC, "start-up Drought Code (≥ 0)")
	fs.Float64Var(&o.opt.Latitude, "lat", 0, "latitude in decimal degrees (north positive); selects the latitude-adjusted day-length factors")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), modelFWIUsage)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("model fwi reads the weather CSV from standard input and takes no arguments, got %q", fs.Arg(0))
	}
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "lat" {
			o.opt.LatAdjust = true
		}
	})
	if o.opt.LatAdjust && !(o.opt.Latitude >= -90 && o.opt.Latitude <= 90) {
		return nil, fmt.Errorf("--lat %v is outside −90…90", o.opt.Latitude)
	}
	if err := o.start.Validate(); err != nil {
		return nil, fmt.Errorf("start-up values: %w", err)
	}
	return o, nil
}

// modelFWI is `yingji model fwi`: the FWI System over a weather CSV. The
// whole output is built in memory and written only when every row is good.
func modelFWI(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	o, err := parseModelFWIFlags(args, stderr)
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	tab, err := fwi.ReadCSV(stdin)
	if err != nil {
		return fmt.Errorf("model fwi: %w", err)
	}
	out, err := fwi.Series(o.start, tab.Days(), o.opt)
	if err != nil {
		return fmt.Errorf("model fwi: %w", err)
	}
	for i, x := range out {
		if !finite(x) {
			// Not expected from validated input; refuse rather than print NaN.
			return fmt.Errorf("model fwi: line %d: the indices are not finite numbers", tab.Rows[i].Line)
		}
	}
	var buf bytes.Buffer
	if err := fwi.WriteCSV(&buf, tab, out); err != nil {
		return fmt.Errorf("model fwi: %w", err)
	}
	if _, err := buf.WriteTo(stdout); err != nil {
		return fmt.Errorf("model fwi: writing the output: %w", err)
	}
	return nil
}

// finite reports whether all of a day's indices are finite.
func finite(x fwi.Indices) bool {
	for _, v := range []float64{x.FFMC, x.DMC, x.DC, x.ISI, x.BUI, x.FWI, x.DSR} {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return false
		}
	}
	return true
}
