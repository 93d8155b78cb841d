package fwi

import (
	"errors"
	"fmt"
	"math"
	"time"
)

// Day-length factors by month, January first. The standard tables are those
// of Van Wagner and Pickett (1985) (reference latitude 46° N); the others are
// the latitude-adjusted tables of the cffdrs R package (duff_moisture_code.r
// and drought_code.r, lat.adjust = TRUE), which label them by reference
// latitude.
var (
	leStandard = [12]float64{6.5, 7.5, 9, 12.8, 13.9, 13.9, 12.4, 10.9, 9.4, 8, 7, 6}
	le20N      = [12]float64{7.9, 8.4, 8.9, 9.5, 9.9, 10.2, 10.1, 9.7, 9.1, 8.6, 8.1, 7.8}
	le20S      = [12]float64{10.1, 9.6, 9.1, 8.5, 8.1, 7.8, 7.9, 8.3, 8.9, 9.4, 9.9, 10.2}
	le40S      = [12]float64{11.5, 10.5, 9.2, 7.9, 6.8, 6.2, 6.5, 7.4, 8.7, 10, 11.2, 11.8}
	lfStandard = [12]float64{-1.6, -1.6, -1.6, 0.9, 3.8, 5.8, 6.4, 5, 2.4, 0.4, -1.6, -1.6}
	lfSouth    = [12]float64{6.4, 5, 2.4, 0.4, -1.6, -1.6, -1.6, -1.6, -1.6, 0.9, 3.8, 5.8}
)

// Equatorial factors of cffdrs: one value for every month.
const (
	leEquator = 9.0
	lfEquator = 1.4
)

// Options choose the day-length factors. The zero value gives the standard
// tables of Van Wagner and Pickett (1985).
type Options struct {
	// LatAdjust selects the latitude-adjusted factors of cffdrs for Latitude.
	LatAdjust bool
	// Latitude in decimal degrees, north positive; used only with LatAdjust.
	Latitude float64
}

// DMCDayLength is the DMC day-length factor Le (eq. 16) for a month. With
// opt.LatAdjust the band of opt.Latitude decides, as in cffdrs: above 30° N
// the standard (46° N) table, (10° N, 30° N] the 20° N table, (10° S, 10° N]
// a constant 9, (30° S, 10° S] the 20° S table and 30° S or further south
// the 40° S table.
func DMCDayLength(month time.Month, opt Options) float64 {
	i := monthIndex(month)
	if !opt.LatAdjust {
		return leStandard[i]
	}
	switch lat := opt.Latitude; {
	case lat > 30:
		return leStandard[i]
	case lat > 10:
		return le20N[i]
	case lat > -10:
		return leEquator
	case lat > -30:
		return le20S[i]
	default:
		return le40S[i]
	}
}

// DCDayLength is the DC day-length factor Lf (eq. 22) for a month. With
// opt.LatAdjust, as in cffdrs: above 20° N the standard table, (20° S, 20° N]
// a constant 1.4, and 20° S or further south the standard table shifted by
// six months.
func DCDayLength(month time.Month, opt Options) float64 {
	i := monthIndex(month)
	if !opt.LatAdjust {
		return lfStandard[i]
	}
	switch lat := opt.Latitude; {
	case lat > 20:
		return lfStandard[i]
	case lat > -20:
		return lfEquator
	default:
		return lfSouth[i]
	}
}

// monthIndex maps January … December to 0 … 11; it panics on other values,
// which are programming errors.
func monthIndex(m time.Month) int {
	if m < time.January || m > time.December {
		panic(fmt.Sprintf("fwi: month %d out of range", m))
	}
	return int(m) - 1
}

// Weather is one day's noon observation.
type Weather struct {
	Temp float64 // air temperature, °C
	RH   float64 // relative humidity, %
	Wind float64 // 10-m open wind speed, km/h
	Rain float64 // rain in the 24 hours to noon, mm
}

// Validate reports a value that is not finite, a humidity outside 0–100 %
// or a negative wind speed or rain amount.
func (w Weather) Validate() error {
	for _, f := range []struct {
		name string
		v    float64
	}{{"temp", w.Temp}, {"rh", w.RH}, {"wind", w.Wind}, {"rain", w.Rain}} {
		if math.IsNaN(f.v) || math.IsInf(f.v, 0) {
			return fmt.Errorf("%s: %v is not a finite number", f.name, f.v)
		}
	}
	switch {
	case w.RH < 0 || w.RH > 100:
		return fmt.Errorf("rh: %v %% is outside 0–100", w.RH)
	case w.Wind < 0:
		return fmt.Errorf("wind: %v km/h is negative", w.Wind)
	case w.Rain < 0:
		return fmt.Errorf("rain: %v mm is negative", w.Rain)
	}
	return nil
}

// Codes are the three moisture codes carried from one day to the next.
type Codes struct {
	FFMC, DMC, DC float64
}

// DefaultCodes are the standard start-up values.
var DefaultCodes = Codes{FFMC: DefaultFFMC, DMC: DefaultDMC, DC: DefaultDC}

// Validate reports start-up codes out of range: FFMC outside 0–101, a
// negative DMC or DC, or a value that is not finite.
func (c Codes) Validate() error {
	switch {
	case !(c.FFMC >= 0 && c.FFMC <= 101):
		return fmt.Errorf("ffmc %v is outside 0–101", c.FFMC)
	case !(c.DMC >= 0) || math.IsInf(c.DMC, 0):
		return fmt.Errorf("dmc %v is not a finite number ≥ 0", c.DMC)
	case !(c.DC >= 0) || math.IsInf(c.DC, 0):
		return fmt.Errorf("dc %v is not a finite number ≥ 0", c.DC)
	}
	return nil
}

// Indices are one day's outputs of the FWI System.
type Indices struct {
	FFMC, DMC, DC, ISI, BUI, FWI, DSR float64
}

// Codes returns the moisture codes to carry into the next day.
func (x Indices) Codes() Codes {
	return Codes{FFMC: x.FFMC, DMC: x.DMC, DC: x.DC}
}

// Daily computes one day's indices from the previous day's codes, the month
// (for the day-length factors) and the day's weather.
func Daily(prev Codes, month time.Month, w Weather, opt Options) Indices {
	var x Indices
	x.FFMC = FFMC(prev.FFMC, w.Temp, w.RH, w.Wind, w.Rain)
	x.DMC = DMC(prev.DMC, w.Temp, w.RH, w.Rain, DMCDayLength(month, opt))
	x.DC = DC(prev.DC, w.Temp, w.Rain, DCDayLength(month, opt))
	x.ISI = ISI(x.FFMC, w.Wind)
	x.BUI = BUI(x.DMC, x.DC)
	x.FWI = FWI(x.ISI, x.BUI)
	x.DSR = DSR(x.FWI)
	return x
}

// Day is a dated weather observation.
type Day struct {
	Date time.Time
	Weather
}

// ErrOrder is returned by Series for days that are not in increasing order.
var ErrOrder = errors.New("dates are not in increasing order")

// Series runs the system over consecutive days from the start-up codes,
// carrying each day's codes into the next. It checks the start-up codes,
// every day's weather and that dates increase. A gap between dates is
// allowed but not bridged: the next day starts from the last computed
// codes, so fill missing days beforehand where that matters.
func Series(start Codes, days []Day, opt Options) ([]Indices, error) {
	if err := start.Validate(); err != nil {
		return nil, fmt.Errorf("start-up codes: %w", err)
	}
	out := make([]Indices, len(days))
	prev := start
	for i, d := range days {
		if err := d.Weather.Validate(); err != nil {
			return nil, fmt.Errorf("day %d (%s): %w", i+1, d.Date.Format(time.DateOnly), err)
		}
		if i > 0 && !d.Date.After(days[i-1].Date) {
			return nil, fmt.Errorf("day %d (%s): %w", i+1, d.Date.Format(time.DateOnly), ErrOrder)
		}
		out[i] = Daily(prev, d.Date.Month(), d.Weather, opt)
		prev = out[i].Codes()
	}
	return out, nil
}
