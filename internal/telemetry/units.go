package telemetry

import "fmt"

// conversion maps a unit to a base unit of its dimension: value_in_base =
// value * scale + offset. Units of different dimensions, or the same name
// with different meanings (ppm by volume and mg/m3 need the substance's
// molar mass), have no conversion and are rejected rather than guessed.
type conversion struct {
	dim    string
	scale  float64
	offset float64
}

var units = map[string]conversion{
	"m": {"length", 1, 0}, "cm": {"length", 0.01, 0}, "mm": {"length", 0.001, 0}, "km": {"length", 1000, 0},
	"Pa": {"pressure", 1, 0}, "kPa": {"pressure", 1e3, 0}, "MPa": {"pressure", 1e6, 0}, "bar": {"pressure", 1e5, 0},
	"°C": {"temperature", 1, 0}, "℃": {"temperature", 1, 0}, "K": {"temperature", 1, -273.15},
	"mm/h": {"rain_rate", 1, 0}, "mm/min": {"rain_rate", 60, 0},
	"m/s": {"speed", 1, 0}, "km/h": {"speed", 1 / 3.6, 0},
	"%LEL": {"lel", 1, 0},
	"ppm":  {"ppm", 1, 0}, "ppb": {"ppm", 1e-3, 0},
	"mg/m3": {"mass_conc", 1, 0}, "mg/m³": {"mass_conc", 1, 0}, "µg/m3": {"mass_conc", 1e-3, 0}, "ug/m3": {"mass_conc", 1e-3, 0},
	"%RH": {"humidity", 1, 0}, "%VOL": {"volume_fraction", 1, 0}, "%": {"percent", 1, 0},
	"dB": {"db", 1, 0}, "dB/m": {"obscuration", 1, 0}, "%obs/m": {"obscuration_pct", 1, 0},
	"persons": {"count", 1, 0}, "m3": {"volume", 1, 0},
}

// Converter turns a value in one unit into another; found once per point
// and unit, then applied per reading without lookups.
type Converter struct {
	Scale, Offset float64
}

// Apply converts v.
func (c Converter) Apply(v float64) float64 { return v*c.Scale + c.Offset }

// Convert returns the converter from unit `from` to unit `to`, or an error
// saying why there is none.
func Convert(from, to string) (Converter, error) {
	if from == to {
		return Converter{Scale: 1}, nil
	}
	f, ok := units[from]
	if !ok {
		return Converter{}, fmt.Errorf("unknown unit %q", from)
	}
	t, ok := units[to]
	if !ok {
		return Converter{}, fmt.Errorf("unknown unit %q", to)
	}
	if f.dim != t.dim {
		return Converter{}, fmt.Errorf("%s cannot be converted to %s", from, to)
	}
	// base = v*f.scale + f.offset; out = (base - t.offset) / t.scale
	return Converter{Scale: f.scale / t.scale, Offset: (f.offset - t.offset) / t.scale}, nil
}
