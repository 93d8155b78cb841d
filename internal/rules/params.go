package rules

import (
	"strings"
	"time"
)

// Factors place the lower levels of a rule relative to its red threshold:
// multiples of red for a low rule, fractions of it for a high one. A zero
// factor leaves that level out.
type Factors struct {
	Orange float64 `json:"orange,omitempty"`
	Yellow float64 `json:"yellow,omitempty"`
	Blue   float64 `json:"blue,omitempty"`
}

// Params are the numbers default rules are made of. Values marked [check]
// in DefaultParams do not come from a standard read for this package; all
// of them, checked or not, can be overridden, for instance by decoding a
// stored JSON document over DefaultParams(). Decoding merges into the
// struct fields and the Thresholds maps but replaces an entry of Storage
// or Exposures as a whole.
type Params struct {
	// MinFreeboard and MinBeachLength are GB 50863's minimums in m by dam
	// grade, index 0 for grade 1; they are the red thresholds (GB 51108
	// commentary 8.3.5).
	MinFreeboard   [5]float64 `json:"min_freeboard_m"`
	MinBeachLength [5]float64 `json:"min_beach_length_m"`
	Freeboard      Factors    `json:"freeboard"`
	BeachLength    Factors    `json:"beach_length"`
	Phreatic       Factors    `json:"phreatic_line"`
	Displacement   Factors    `json:"displacement"`
	// Rainfall holds absolute thresholds in mm of rain over RainfallWindow,
	// for a rainfall point that reports its cumulative total.
	Rainfall       Thresholds `json:"rainfall"`
	RainfallWindow Duration   `json:"rainfall_window"`
	// CombustibleGas holds absolute thresholds in %LEL.
	CombustibleGas Thresholds `json:"combustible_gas"`
	// ToxicGas holds multiples of the substance's exposure limit.
	ToxicGas  Thresholds          `json:"toxic_gas"`
	Exposures map[string]Exposure `json:"exposures"`
	// Storage holds, per point kind, fractions of the design value
	// (range_max) for pressure, liquid level and temperature.
	Storage map[string]Thresholds `json:"storage"`
	// Deadband is a fraction of the red threshold's magnitude.
	Deadband float64  `json:"deadband"`
	For      Duration `json:"for"`
	// StaleIntervals and StaleLevel make the offline rule of every point.
	StaleIntervals float64 `json:"stale_intervals"`
	StaleLevel     Level   `json:"stale_level"`
}

// DefaultParams returns the defaults as the standards give them, with the
// rest marked [check].
func DefaultParams() Params {
	return Params{
		MinFreeboard:   [5]float64{1.5, 1.0, 0.7, 0.5, 0.4}, // GB 50863 Table 4.2.1, read second-hand [check]
		MinBeachLength: [5]float64{150, 100, 70, 50, 40},    // GB 50863 Table 4.2.1, read second-hand [check]
		// GB 51108 commentary 8.3.5 sets the orange of freeboard and beach
		// "by experience from the flood-regulation capacity": no number.
		Freeboard:   Factors{Orange: 1.2, Yellow: 1.5, Blue: 2.0}, // [check]
		BeachLength: Factors{Orange: 1.2, Yellow: 1.5, Blue: 2.0}, // [check]
		// Orange = 1.1 × red: GB 51108-2015 commentary 8.3.4.
		Phreatic: Factors{Orange: 1.1, Yellow: 1.2, Blue: 1.3}, // yellow, blue [check]
		// Orange = 80 % of red: GB 51108 commentary 8.3.8, written for
		// landslide bodies in the pond area and applied to dam displacement
		// too [check].
		Displacement: Factors{Orange: 0.8, Yellow: 0.6, Blue: 0.4}, // yellow, blue [check]
		// Yellow = the rainstorm (暴雨) amount, GB 51108 commentary 8.3.7;
		// 50 mm in 24 h is the meteorological grade [check], as are heavy
		// rain (大雨) 25 for blue, 大暴雨 100 for orange, 特大暴雨 250 for red.
		Rainfall:       Thresholds{Blue: 25, Yellow: 50, Orange: 100, Red: 250},
		RainfallWindow: Duration(24 * time.Hour),
		// GB/T 50493-2019: first-level alarm at ≤ 25 %LEL → yellow,
		// second-level at ≤ 50 %LEL → red [check: values read second-hand];
		// blue and orange fill the gap [check].
		CombustibleGas: Thresholds{Blue: 10, Yellow: 25, Orange: 40, Red: 50},
		// GB/T 50493-2019: first-level ≤ 100 % OEL → yellow, second-level
		// ≤ 200 % OEL → red [check]; blue and orange fill the gap [check].
		ToxicGas:  Thresholds{Blue: 0.5, Yellow: 1, Orange: 1.5, Red: 2},
		Exposures: defaultExposures(),
		Storage: map[string]Thresholds{ // fractions of the design value [check]
			"pressure":     {Blue: 0.80, Yellow: 0.85, Orange: 0.90, Red: 0.95},
			"liquid_level": {Blue: 0.80, Yellow: 0.85, Orange: 0.90, Red: 0.95},
			// A fraction of a Celsius value is a convention, not physics;
			// set real limits per point where the design gives them.
			"temperature": {Blue: 0.80, Yellow: 0.85, Orange: 0.90, Red: 0.95},
		},
		Deadband:       0.02, // [check]
		For:            0,    // fire at once, as the standards' alarms do [check]
		StaleIntervals: 3,    // [check]
		StaleLevel:     Blue, // [check]
	}
}

// Exposure is a substance's occupational exposure limit, the base of the
// toxic-gas alarm settings of GB/T 50493-2019.
type Exposure struct {
	// MgM3 is the limit in mg/m³: the MAC where GBZ 2.1 sets one, else the
	// PC-STEL, else the PC-TWA (the order GB/T 50493 is understood to use
	// [check]).
	MgM3 float64 `json:"mg_m3"`
	// MolarMass in g/mol converts the limit to ppm.
	MolarMass float64 `json:"molar_mass"`
}

// molarVolume is the volume of a mole of ideal gas at 25 °C and
// 101.325 kPa in litres, the reference state of ppm ↔ mg/m³ conversions in
// occupational hygiene.
const molarVolume = 24.45

// PPM returns the limit in ppm (µmol/mol).
func (x Exposure) PPM() float64 { return x.MgM3 * molarVolume / x.MolarMass }

// defaultExposures returns the limits of the toxic gases GB 18218-2018
// names with their own β, keyed by lower-case formula. The values are
// GBZ 2.1-2019 as recalled, not read for this package: every one is
// [check], and Params.Exposures overrides them.
func defaultExposures() map[string]Exposure {
	return map[string]Exposure{
		"nh3":   {MgM3: 30, MolarMass: 17.03},  // PC-STEL [check]
		"h2s":   {MgM3: 10, MolarMass: 34.08},  // MAC [check]
		"cl2":   {MgM3: 1, MolarMass: 70.90},   // MAC [check]
		"co":    {MgM3: 30, MolarMass: 28.01},  // PC-STEL, below 2000 m altitude [check]
		"so2":   {MgM3: 10, MolarMass: 64.07},  // PC-STEL [check]
		"no2":   {MgM3: 10, MolarMass: 46.01},  // PC-STEL [check]
		"hcn":   {MgM3: 1, MolarMass: 27.03},   // MAC [check]
		"hcl":   {MgM3: 7.5, MolarMass: 36.46}, // MAC [check]
		"hf":    {MgM3: 2, MolarMass: 20.01},   // MAC [check]
		"cocl2": {MgM3: 0.5, MolarMass: 98.92}, // phosgene, MAC [check]
		"ph3":   {MgM3: 0.3, MolarMass: 34.00}, // MAC [check]
	}
}

// substanceAliases maps the names people type into the registry's free
// "substance" field to the formulas defaultExposures is keyed by.
var substanceAliases = map[string]string{
	"ammonia": "nh3", "氨": "nh3", "氨气": "nh3", "液氨": "nh3",
	"hydrogen sulfide": "h2s", "hydrogen sulphide": "h2s", "硫化氢": "h2s",
	"chlorine": "cl2", "氯": "cl2", "氯气": "cl2", "液氯": "cl2",
	"carbon monoxide": "co", "一氧化碳": "co",
	"sulfur dioxide": "so2", "sulphur dioxide": "so2", "二氧化硫": "so2",
	"nitrogen dioxide": "no2", "二氧化氮": "no2",
	"hydrogen cyanide": "hcn", "氰化氢": "hcn",
	"hydrogen chloride": "hcl", "氯化氢": "hcl",
	"hydrogen fluoride": "hf", "氟化氢": "hf",
	"phosgene": "cocl2", "光气": "cocl2", "碳酰氯": "cocl2",
	"phosphine": "ph3", "磷化氢": "ph3",
}

// substanceKey normalises a substance name to the key of Params.Exposures.
func substanceKey(s string) string {
	k := strings.ToLower(strings.Join(strings.Fields(s), " "))
	if f, ok := substanceAliases[k]; ok {
		return f
	}
	return strings.ReplaceAll(k, " ", "")
}
