package gb18218

import (
	"math"
	"strings"

	"github.com/yingji/yingji/internal/core"
)

// Item is one substance of a unit's inventory: a named substance found by
// CAS number or name, or an unnamed one given by its hazard category.
type Item struct {
	Name      string  `json:"name"`
	CAS       string  `json:"cas,omitempty"`
	Category  string  `json:"category,omitempty"`
	QuantityT float64 `json:"quantity_t"`
}

// Input is what an assessment takes.
type Input struct {
	// ExposedPeople is the number of people within 500 m outside the plant.
	ExposedPeople int    `json:"exposed_people"`
	Substances    []Item `json:"substances"`
}

// Contribution is one substance's part of S and R.
type Contribution struct {
	Name      string  `json:"name"`
	CAS       string  `json:"cas,omitempty"`
	Category  string  `json:"category"`
	QuantityT float64 `json:"quantity_t"`
	CriticalT float64 `json:"critical_t"`
	QOverQ    float64 `json:"q_over_Q"`
	Beta      float64 `json:"beta"`
	// Matched says how the critical quantity was found: "named" (Table 1)
	// or "category" (Table 2).
	Matched string `json:"matched"`
	// QVerified and BetaVerified say whether the numbers used were checked
	// against the standard; the UI flags the ones that were not.
	QVerified    bool `json:"q_verified"`
	BetaVerified bool `json:"beta_verified"`
}

// Result is an assessment.
type Result struct {
	S float64 `json:"s"`
	R float64 `json:"r"`
	// Major is S ≥ 1: the unit is a major hazard source.
	Major bool `json:"major"`
	// Grade is 1 (一级, highest) to 4 (四级), 0 when the unit is not a
	// major hazard source.
	Grade         int            `json:"grade"`
	Alpha         float64        `json:"alpha"`
	ExposedPeople int            `json:"exposed_people"`
	Substances    []Contribution `json:"substances"`
	// Unverified is true when any number used was not checked against the
	// standard.
	Unverified bool `json:"unverified"`
}

// MaxQuantityT bounds a quantity so that S and R stay finite numbers.
const MaxQuantityT = 1e9

// Alpha is the correction for the people within 500 m outside the plant
// (GB 18218-2018 Table 5).
func Alpha(people int) float64 {
	switch {
	case people >= 100:
		return 2.0
	case people >= 50:
		return 1.5
	case people >= 30:
		return 1.2
	case people >= 1:
		return 1.0
	}
	return 0.5
}

// Grade returns the grade of R: 1 when R ≥ 100, 2 for 50 ≤ R < 100, 3 for
// 10 ≤ R < 50, 4 below 10 (GB 18218-2018 Table 6).
func Grade(r float64) int {
	switch {
	case r >= 100:
		return 1
	case r >= 50:
		return 2
	case r >= 10:
		return 3
	}
	return 4
}

// round6 removes floating-point noise before comparing with the bounds, so
// that an inventory at exactly R = 10 grades as 三级 and not 四级.
func round6(x float64) float64 { return math.Round(x*1e6) / 1e6 }

// Assess computes S, R and the grade. Every bad or unknown row is reported
// with its row number (counting from 1) as an EINVALID error.
func (t *Table) Assess(in Input) (*Result, error) {
	var probs core.Problems
	if in.ExposedPeople < 0 {
		probs.Add(0, "exposed_people", "must be zero or more, got %d", in.ExposedPeople)
	}
	if len(in.Substances) == 0 {
		probs.Add(0, "substances", "list at least one substance")
	}
	res := &Result{ExposedPeople: in.ExposedPeople, Alpha: Alpha(in.ExposedPeople), Substances: make([]Contribution, 0, len(in.Substances))}
	var s, sumBeta float64
	for i, it := range in.Substances {
		row := i + 1
		if !(it.QuantityT >= 0) || it.QuantityT > MaxQuantityT {
			probs.Add(row, "quantity_t", "must be a number of tonnes from 0 to %g", MaxQuantityT)
			continue
		}
		c, ok := t.contribution(it)
		if !ok {
			switch {
			case it.Category != "":
				probs.Add(row, "category", "%q is not a GB 18218-2018 hazard category (J1–J5, W1.1–W11)", it.Category)
			case strings.TrimSpace(it.Name) == "" && it.CAS == "":
				probs.Add(row, "name", "give the substance's name or CAS number")
			default:
				probs.Add(row, "name", "%q (CAS %q) is not in the critical-quantity table; give its hazard category (J1–J5, W1.1–W11) instead", it.Name, it.CAS)
			}
			continue
		}
		c.QOverQ = it.QuantityT / c.CriticalT
		s += c.QOverQ
		sumBeta += c.Beta * c.QOverQ
		if !c.QVerified || !c.BetaVerified {
			res.Unverified = true
		}
		c.QOverQ = round6(c.QOverQ)
		res.Substances = append(res.Substances, c)
	}
	if err := probs.Err("the inventory could not be assessed"); err != nil {
		return nil, err
	}
	res.S, res.R = round6(s), round6(res.Alpha*sumBeta)
	res.Major = res.S >= 1
	if res.Major {
		res.Grade = Grade(res.R)
	}
	return res, nil
}

func (t *Table) contribution(it Item) (Contribution, bool) {
	c := Contribution{Name: it.Name, CAS: it.CAS, QuantityT: it.QuantityT}
	// a named substance always takes its Table 1 quantity (the standard
	// applies Table 2 only to substances Table 1 does not name).
	if sub, ok := t.Find(it.Name, it.CAS); ok {
		cat, _ := t.Category(sub.Category)
		c.Name, c.CAS, c.Category, c.CriticalT, c.Matched, c.QVerified = sub.Name, sub.CAS, sub.Category, sub.CriticalT, "named", sub.QVerified
		if sub.Beta > 0 {
			c.Beta, c.BetaVerified = sub.Beta, sub.BetaVerified
		} else {
			c.Beta, c.BetaVerified = cat.Beta, cat.Verified
		}
		return c, true
	}
	if it.Category == "" {
		return c, false
	}
	cat, ok := t.Category(it.Category)
	if !ok {
		return c, false
	}
	c.Category, c.CriticalT, c.Beta, c.Matched, c.QVerified, c.BetaVerified = cat.Code, cat.CriticalT, cat.Beta, "category", cat.Verified, cat.Verified
	return c, true
}
