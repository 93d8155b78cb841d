// Package blast estimates the air blast of an explosion: TNT equivalence,
// Hopkinson-Cranz scaled distance, the Kingery-Bulmash incident overpressure
// of a hemispherical TNT surface burst, damage and injury rings for
// overpressure thresholds, and the Brode burst energy of a pressure vessel.
//
// TNT equivalence: W_TNT = η · m · ΔHc / ΔH_TNT with ΔH_TNT = 4.68 MJ/kg
// (1120 cal/g, the blast energy of TNT used with empirical yield factors η
// of 1–10 % for vapour-cloud explosions by CCPS and by Crowl & Louvar,
// Chemical Process Safety, 2nd ed., §6; the Gexcon TNT-method note gives
// the same relation as W_TNT ≈ 10·η·W_HC for hydrocarbons). 4.184 MJ/kg is
// the conventional energy unit "kilogram of TNT" used for nuclear yields;
// it is not the value the yield factors were calibrated with, so 4.68 is the
// default here and EnergyTNT lets a caller choose another.
//
// Incident overpressure: the Kingery-Bulmash (1984) polynomial fit for a
// hemispherical surface burst as used in UFC 3-340-02 (2008, Fig. 2-15) and
// CONWEP, in metric form
//
//	U = −0.214362789151 + 1.35034249993 · log10 Z
//	log10 P(kPa) = Σ_{i=0..11} C_i · U^i,  0.0674 <= Z <= 40 m/kg^⅓
//
// with C_i as in hemiCoeff (coefficients as transcribed in the public
// lightsquared/kingery_bulmash data table, kb_equation_data.csv). Beyond
// Z = 40 the curve is continued to Z = 198.5 with the slope of Swisdak's
// simplified Kingery form ln P = 6.0536 − 1.4066 ln Z (M. M. Swisdak,
// Simplified Kingery Airblast Calculations, NSWC Indian Head, 1994, DTIC
// ADA526744), P = P_KB(40)·(Z/40)^−1.4066: Swisdak's form lies 0.5 % above
// the polynomial at Z = 40, so it is scaled to join it continuously and keep
// the curve strictly decreasing, which the ring inversion needs. Outside [0.0674, 198.5]
// the functions return ErrOutOfRange rather than extrapolate.
//
// Pressure vessel: Brode's energy E = (p − p0)·V/(γ − 1) (H. L. Brode,
// Phys. Fluids 2 (1959) 217; CCPS, Guidelines for Evaluating the
// Characteristics of Vapor Cloud Explosions, Flash Fires, and BLEVEs, 1994).
package blast

import (
	"errors"
	"fmt"
	"math"
	"sort"
)

// TNTBlastEnergy is the blast energy of TNT used for TNT equivalence,
// 4.68 MJ/kg (see the package doc for the choice).
const TNTBlastEnergy = 4.68e6 // J/kg

// Validity range of the scaled distance, m/kg^⅓.
const (
	MinScaledDistance = 0.0674
	MaxScaledDistance = 198.5
)

// ErrOutOfRange is returned for a scaled distance or overpressure outside
// the fitted range of the Kingery-Bulmash curve.
var ErrOutOfRange = errors.New("blast: outside the fitted Kingery-Bulmash range")

// hemiCoeff are the Kingery-Bulmash hemispherical incident-pressure
// coefficients C_0..C_11 (UFC 3-340-02 / CONWEP).
var hemiCoeff = [...]float64{
	2.78076916577, -1.6958988741, -0.154159376846, 0.514060730593,
	0.0988554365274, -0.293912623038, -0.0268112345019, 0.109097496421,
	0.00162846756311, -0.0214631030242, 0.0001456723382, 0.00167847752266,
}

// TNTEquivalent returns the TNT mass (kg) equivalent to burning massKg of a
// fuel with heat of combustion heatJPerKg at yield factor eta (0 < eta <= 1).
func TNTEquivalent(massKg, heatJPerKg, eta float64) (float64, error) {
	if !positive(massKg) || !positive(heatJPerKg) || !positive(eta) || eta > 1 {
		return 0, fmt.Errorf("blast: mass %v, heat %v and yield %v must be finite and > 0, yield <= 1", massKg, heatJPerKg, eta)
	}
	return EnergyTNT(eta*massKg*heatJPerKg, TNTBlastEnergy)
}

// EnergyTNT converts a blast energy (J) to kg of TNT at tntJPerKg.
func EnergyTNT(energyJ, tntJPerKg float64) (float64, error) {
	if !positive(energyJ) || !positive(tntJPerKg) {
		return 0, fmt.Errorf("blast: energy %v J and TNT energy %v J/kg must be finite and > 0", energyJ, tntJPerKg)
	}
	return energyJ / tntJPerKg, nil
}

// BrodeEnergy returns the burst energy (J) of a vessel of volumeM3 at
// absolute pressure p (Pa) into ambient p0 (Pa), E = (p − p0)·V/(γ − 1).
func BrodeEnergy(p, p0, volumeM3, gamma float64) (float64, error) {
	if !positive(p0) || !positive(volumeM3) || !finite(p) || p <= p0 || !finite(gamma) || gamma <= 1 {
		return 0, fmt.Errorf("blast: need p > p0 > 0, V > 0 and γ > 1 (got p=%v p0=%v V=%v γ=%v)", p, p0, volumeM3, gamma)
	}
	return (p - p0) * volumeM3 / (gamma - 1), nil
}

// ScaledDistance returns the Hopkinson-Cranz scaled distance Z = R / W^⅓
// (m/kg^⅓) for distance R (m) and TNT mass W (kg).
func ScaledDistance(distanceM, tntKg float64) (float64, error) {
	if !positive(tntKg) || !finite(distanceM) || distanceM < 0 {
		return 0, fmt.Errorf("blast: TNT mass %v kg must be > 0 and distance %v m >= 0, both finite", tntKg, distanceM)
	}
	return distanceM / math.Cbrt(tntKg), nil
}

// IncidentOverpressure returns the Kingery-Bulmash peak incident (side-on)
// overpressure in kPa of a hemispherical surface burst at scaled distance z.
func IncidentOverpressure(z float64) (float64, error) {
	if !finite(z) || z < MinScaledDistance || z > MaxScaledDistance {
		return 0, fmt.Errorf("%w: Z = %v m/kg^⅓ not in [%v, %v]", ErrOutOfRange, z, MinScaledDistance, MaxScaledDistance)
	}
	if z > 40 {
		return kingeryBulmash(40) * math.Pow(z/40, -1.4066), nil
	}
	return kingeryBulmash(z), nil
}

// kingeryBulmash evaluates the UFC 3-340-02 polynomial at z (kPa).
func kingeryBulmash(z float64) float64 {
	u := -0.214362789151 + 1.35034249993*math.Log10(z)
	y, pow := 0.0, 1.0
	for _, c := range hemiCoeff {
		y += c * pow
		pow *= u
	}
	return math.Pow(10, y)
}

// ScaledDistanceFor inverts IncidentOverpressure: the scaled distance at
// which the overpressure falls to pKPa. The curve decreases monotonically
// over the fitted range, so bisection in log Z is exact to rounding.
func ScaledDistanceFor(pKPa float64) (float64, error) {
	if !positive(pKPa) {
		return 0, fmt.Errorf("blast: overpressure %v kPa must be finite and > 0", pKPa)
	}
	pMax, _ := IncidentOverpressure(MinScaledDistance)
	pMin, _ := IncidentOverpressure(MaxScaledDistance)
	if pKPa > pMax || pKPa < pMin {
		return 0, fmt.Errorf("%w: %v kPa not in [%.4g, %.4g]", ErrOutOfRange, pKPa, pMin, pMax)
	}
	lo, hi := math.Log(MinScaledDistance), math.Log(MaxScaledDistance)
	for range 100 {
		mid := (lo + hi) / 2
		p, _ := IncidentOverpressure(math.Exp(mid))
		if p > pKPa {
			lo = mid
		} else {
			hi = mid
		}
	}
	return math.Exp((lo + hi) / 2), nil
}

// Threshold is a named overpressure level.
type Threshold struct {
	Name   string  `json:"name"`
	KPa    float64 `json:"kpa"`
	Source string  `json:"source"`
}

// DefaultThresholds are common damage and injury levels. The structural
// ones are Clancey's (1972) table as reproduced in Crowl & Louvar Table 6-9
// (0.15 psi glass, 1 psi partial demolition, 2.3 psi lower limit of serious
// structural damage); the injury ones follow Lees, Loss Prevention in the
// Process Industries (eardrum rupture threshold about 5 psi, lung damage
// about 10 psi); values marked [check] are rounded or not re-verified.
var DefaultThresholds = []Threshold{
	{"glass breakage", 1, "Clancey 1972 via Crowl & Louvar Table 6-9: 0.15 psi = 1.03 kPa typical glass breakage"},
	{"partial demolition of houses", 7, "Clancey 1972 via Crowl & Louvar Table 6-9: 1 psi = 6.9 kPa, houses made uninhabitable"},
	{"serious structural damage, injuries", 17, "Clancey 1972: 2.3 psi = 15.8 kPa lower limit of serious structural damage [check: 17 kPa is rounded up]"},
	{"eardrum rupture threshold", 35, "Lees / Glasstone & Dolan 1977: about 5 psi = 34.5 kPa [check]"},
	{"severe lung damage, fatalities", 70, "Lees: lung haemorrhage threshold about 10 psi = 69 kPa [check]"},
}

// Ring is the radius at which the overpressure falls to a threshold.
type Ring struct {
	Threshold
	RadiusM        float64 `json:"radius_m"`
	ScaledDistance float64 `json:"scaled_distance"`
}

// Rings returns one ring per threshold for tntKg of TNT, largest pressure
// (smallest ring) first. A threshold outside the fitted range is an error.
func Rings(tntKg float64, thresholds []Threshold) ([]Ring, error) {
	if !positive(tntKg) {
		return nil, fmt.Errorf("blast: TNT mass %v kg must be finite and > 0", tntKg)
	}
	out := make([]Ring, 0, len(thresholds))
	for _, th := range thresholds {
		z, err := ScaledDistanceFor(th.KPa)
		if err != nil {
			return nil, fmt.Errorf("ring %q: %w", th.Name, err)
		}
		out = append(out, Ring{Threshold: th, ScaledDistance: z, RadiusM: z * math.Cbrt(tntKg)})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].KPa > out[j].KPa })
	return out, nil
}

func finite(v float64) bool   { return !math.IsNaN(v) && !math.IsInf(v, 0) }
func positive(v float64) bool { return finite(v) && v > 0 }
