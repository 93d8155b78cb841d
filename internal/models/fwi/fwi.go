// Package fwi is the Canadian Forest Fire Weather Index (FWI) System: the
// three fuel moisture codes (FFMC, DMC, DC), the two intermediate indices
// (ISI, BUI), the Fire Weather Index and the Daily Severity Rating, computed
// day by day from noon local standard time weather — temperature (°C),
// relative humidity (%), 10-m open wind speed (km/h) and 24-hour rain (mm) —
// and the previous day's codes, starting from start-up values (FFMC 85,
// DMC 6, DC 15 by default).
//
// # Sources
//
// The equations and their numbers are those of C.E. Van Wagner and
// T.L. Pickett, 1985, "Equations and FORTRAN program for the Canadian Forest
// Fire Weather Index System", Canadian Forestry Service, Forestry Technical
// Report 33 (program F-32), which C.E. Van Wagner, 1987, "Development and
// structure of the Canadian Forest Fire Weather Index System", Canadian
// Forestry Service, Forestry Technical Report 35, explains:
//
//   - FFMC: eq. 1 (moisture from code), 2 (effective rain), 3a/3b (rain
//     phase), 4 (drying equilibrium Ed), 5 (wetting equilibrium Ew), 6a/6b
//     (drying rate), 7a/7b (wetting rate), 8 (drying), 9 (wetting), 10 (code
//     from moisture);
//   - DMC: eq. 11 (effective rain), 12 (moisture from code), 13a–13c (slope
//     b), 14 (moisture after rain), 15 (code after rain), 16 (drying rate K
//     with the day-length factor Le), 17 (code);
//   - DC: eq. 18 (effective rain), 19 (moisture equivalent Q), 20 (Q after
//     rain), 21 (code after rain), 22 (potential evapotranspiration V with
//     the day-length factor Lf), 23 (code);
//   - ISI: eq. 24 (wind function), 25 (fine fuel moisture function), 26;
//   - BUI: eq. 27a/27b;
//   - FWI: eq. 28a/28b (duff moisture function), 29 (B), 30a/30b;
//   - DSR: 0.0272·FWI^1.77 (Van Wagner 1987; numbered 31 here [check]).
//
// The code follows the 1985 program's forms: eq. 12 as 20 + 280/exp(0.023 P),
// eq. 15 as 43.43 (5.6348 − ln(Mr − 20)), eq. 20–21 folded into one step, and
// the FFMC moisture/code conversion uses the
// constant 147.2 (eq. 1 and 10). The cffdrs R package (X. Wang et al. 2017,
// "cffdrs: an R package for the Canadian Forest Fire Danger Rating System",
// Ecological Processes 6:5) uses 250·59.5/101 = 147.277… instead, and caps
// the DC's potential evapotranspiration at zero; its values are therefore
// slightly lower (FFMC 87.6 instead of 87.7 on the first day of the test
// table) and are not what this package computes.
//
// The day-length factors (Le for the DMC, Lf for the DC) are the standard
// monthly tables of the 1985 program (reference latitude 46° N). With
// Options.LatAdjust the factors of the cffdrs package's lat.adjust are used
// instead; see DMCDayLength and DCDayLength for the latitude bands.
//
// The test reproduces the 49-day sample output printed in Van Wagner and
// Pickett (1985), p. 17, to its printed precision.
//
// Fire-danger classes (Breakpoints, Level) map the FWI to the four warning
// levels blue < yellow < orange < red.
package fwi

import "math"

// Start-up values of the moisture codes when a season begins (Van Wagner and
// Pickett 1985; Van Wagner 1987, "Start-up").
const (
	DefaultFFMC = 85.0
	DefaultDMC  = 6.0
	DefaultDC   = 15.0
)

// ffmcCoefficient converts between the FFMC and fine fuel moisture content in
// eq. 1 and 10, as printed in Van Wagner and Pickett (1985).
const ffmcCoefficient = 147.2

// ffmcMoisture is eq. 1: the fine fuel moisture content (%) of an FFMC.
func ffmcMoisture(ffmc float64) float64 {
	return ffmcCoefficient * (101 - ffmc) / (59.5 + ffmc)
}

// FFMC is the Fine Fuel Moisture Code of a day from the previous day's code
// ffmc0, noon temperature temp (°C), relative humidity rh (%), wind speed
// wind (km/h) and 24-hour rain (mm), eq. 1–10. The result lies in [0, 101].
func FFMC(ffmc0, temp, rh, wind, rain float64) float64 {
	mo := ffmcMoisture(ffmc0) // eq. 1
	if rain > 0.5 {
		rf := rain - 0.5                                                  // eq. 2
		mr := mo + 42.5*rf*math.Exp(-100/(251-mo))*(1-math.Exp(-6.93/rf)) // eq. 3a
		if mo > 150 {
			mr += 0.0015 * (mo - 150) * (mo - 150) * math.Sqrt(rf) // eq. 3b
		}
		mo = math.Min(mr, 250)
	}
	// The humidity term shared by eq. 4 and 5.
	tempTerm := 0.18 * (21.1 - temp) * (1 - math.Exp(-0.115*rh))
	ed := 0.942*math.Pow(rh, 0.679) + 11*math.Exp((rh-100)/10) + tempTerm // eq. 4
	var m float64
	switch {
	case mo > ed: // drying
		ko := 0.424*(1-math.Pow(rh/100, 1.7)) + 0.0694*math.Sqrt(wind)*(1-math.Pow(rh/100, 8)) // eq. 6a
		kd := ko * 0.581 * math.Exp(0.0365*temp)                                               // eq. 6b
		m = ed + (mo-ed)*math.Pow(10, -kd)                                                     // eq. 8
	default:
		ew := 0.618*math.Pow(rh, 0.753) + 10*math.Exp((rh-100)/10) + tempTerm // eq. 5
		if mo < ew {                                                          // wetting
			dry := (100 - rh) / 100
			k1 := 0.424*(1-math.Pow(dry, 1.7)) + 0.0694*math.Sqrt(wind)*(1-math.Pow(dry, 8)) // eq. 7a
			kw := k1 * 0.581 * math.Exp(0.0365*temp)                                         // eq. 7b
			m = ew - (ew-mo)*math.Pow(10, -kw)                                               // eq. 9
		} else {
			m = mo // between the two equilibria: no change
		}
	}
	f := 59.5 * (250 - m) / (ffmcCoefficient + m) // eq. 10
	return clamp(f, 0, 101)
}

// DMC is the Duff Moisture Code of a day from the previous day's code dmc0,
// temperature temp (°C), relative humidity rh (%), 24-hour rain (mm) and the
// month's day-length factor le (see DMCDayLength), eq. 11–17. Rain of 1.5 mm
// or less does not wet the duff; temperatures below −1.1 °C count as −1.1.
func DMC(dmc0, temp, rh, rain, le float64) float64 {
	pr := dmc0
	if rain > 1.5 {
		re := 0.92*rain - 1.27              // eq. 11
		mo := 20 + 280/math.Exp(0.023*dmc0) // eq. 12 (as programmed)
		var b float64
		switch {
		case dmc0 <= 33:
			b = 100 / (0.5 + 0.3*dmc0) // eq. 13a
		case dmc0 <= 65:
			b = 14 - 1.3*math.Log(dmc0) // eq. 13b
		default:
			b = 6.2*math.Log(dmc0) - 17.2 // eq. 13c
		}
		mr := mo + 1000*re/(48.77+b*re)         // eq. 14
		pr = 43.43 * (5.6348 - math.Log(mr-20)) // eq. 15 (as programmed)
		pr = math.Max(pr, 0)
	}
	t := math.Max(temp, -1.1)
	k := 1.894 * (t + 1.1) * (100 - rh) * le * 1e-4 // eq. 16
	return math.Max(pr+k, 0)                        // eq. 17
}

// DC is the Drought Code of a day from the previous day's code dc0,
// temperature temp (°C), 24-hour rain (mm) and the month's day-length factor
// lf (see DCDayLength), eq. 18–23. Rain of 2.8 mm or less does not count;
// temperatures below −2.8 °C count as −2.8. As in the 1985 program the
// potential evapotranspiration may be negative (a winter Lf of −1.6 at low
// temperature lowers the code); the result is never below zero.
func DC(dc0, temp, rain, lf float64) float64 {
	dr := dc0
	if rain > 2.8 {
		rd := 0.83*rain - 1.27         // eq. 18
		qo := 800 * math.Exp(-dc0/400) // eq. 19
		// eq. 20 and 21 folded as the program does: with Qr = Qo + 3.937 rd,
		// 400 ln(800/Qr) = Do − 400 ln(1 + 3.937 rd/Qo).
		dr = math.Max(dc0-400*math.Log1p(3.937*rd/qo), 0)
	}
	t := math.Max(temp, -2.8)
	v := 0.36*(t+2.8) + lf       // eq. 22
	return math.Max(dr+0.5*v, 0) // eq. 23
}

// ISI is the Initial Spread Index from the day's FFMC and wind speed (km/h),
// eq. 24–26.
func ISI(ffmc, wind float64) float64 {
	fw := math.Exp(0.05039 * wind)                                    // eq. 24
	m := ffmcMoisture(ffmc)                                           // eq. 1
	ff := 91.9 * math.Exp(-0.1386*m) * (1 + math.Pow(m, 5.31)/4.93e7) // eq. 25
	return 0.208 * fw * ff                                            // eq. 26
}

// BUI is the Buildup Index from the day's DMC and DC, eq. 27a and 27b.
func BUI(dmc, dc float64) float64 {
	if dmc == 0 && dc == 0 {
		return 0
	}
	u := 0.8 * dmc * dc / (dmc + 0.4*dc) // eq. 27a
	if u < dmc {
		// eq. 27b, for a DMC large against the DC.
		u = dmc - (1-0.8*dc/(dmc+0.4*dc))*(0.92+math.Pow(0.0114*dmc, 1.7))
	}
	return math.Max(u, 0)
}

// FWI is the Fire Weather Index from the ISI and the BUI, eq. 28–30.
func FWI(isi, bui float64) float64 {
	var fd float64
	if bui <= 80 {
		fd = 0.626*math.Pow(bui, 0.809) + 2 // eq. 28a
	} else {
		fd = 1000 / (25 + 108.64*math.Exp(-0.023*bui)) // eq. 28b
	}
	b := 0.1 * isi * fd // eq. 29
	if b > 1 {
		return math.Exp(2.72 * math.Pow(0.434*math.Log(b), 0.647)) // eq. 30a
	}
	return b // eq. 30b
}

// DSR is the Daily Severity Rating of an FWI (Van Wagner 1987; eq. 31 in
// this package's numbering [check]).
func DSR(fwi float64) float64 {
	return 0.0272 * math.Pow(fwi, 1.77)
}

func clamp(x, lo, hi float64) float64 {
	return math.Min(math.Max(x, lo), hi)
}
