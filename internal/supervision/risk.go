package supervision

import (
	"math"
	"slices"
	"strings"
	"time"

	"github.com/yingji/yingji/internal/core"
)

// Risk colours, most severe first (the four warning levels).
const (
	Red    = "red"
	Orange = "orange"
	Yellow = "yellow"
	Blue   = "blue"
)

// ColorOf is the MEM 2018 band of a 100-point score: red < 60, orange
// 60–< 75, yellow 75–< 90, blue ≥ 90.
func ColorOf(score float64) string {
	switch {
	case score < 60:
		return Red
	case score < 75:
		return Orange
	case score < 90:
		return Yellow
	}
	return Blue
}

// Deduction is the points taken off for one diagnosis item.
type Deduction struct {
	Code   string  `json:"code"`
	Points float64 `json:"points"`
	Note   string  `json:"note,omitempty"`
}

// Diagnosis is an enterprise's inherent-risk diagnosis (MEM 2018): 100
// points less the deductions, red directly when a red situation applies.
type Diagnosis struct {
	ID           int64       `json:"id"`
	EnterpriseID int64       `json:"enterprise_id"`
	Enterprise   string      `json:"enterprise_name"`
	Division     string      `json:"division_code"`
	Industry     string      `json:"industry"`
	Deductions   []Deduction `json:"deductions"`
	RedFlags     []string    `json:"red_flags"`
	Score        float64     `json:"score"`
	Color        string      `json:"color"`
	Note         string      `json:"note,omitempty"`
	Assessor     string      `json:"assessor"`
	AssessedAt   time.Time   `json:"assessed_at"`
}

// DiagnosisInput is a diagnosis as entered.
type DiagnosisInput struct {
	EnterpriseID int64       `json:"enterprise_id"`
	Deductions   []Deduction `json:"deductions"`
	RedFlags     []string    `json:"red_flags"`
	Note         string      `json:"note"`
}

// Score checks a diagnosis against the checklist and returns the score
// and colour. Every bad row names itself.
func (ref *Reference) Score(in DiagnosisInput) (float64, string, error) {
	var p core.Problems
	items := map[string]DiagnosisItem{}
	for _, it := range ref.Diagnosis {
		items[it.Code] = it
	}
	total, seen := 0.0, map[string]bool{}
	for i, d := range in.Deductions {
		it, ok := items[d.Code]
		switch {
		case !ok || it.Kind != "deduct":
			p.Add(i+1, "deductions.code", "%q is not a deduction item of the diagnosis checklist", d.Code)
		case seen[d.Code]:
			p.Add(i+1, "deductions.code", "%s is listed twice", d.Code)
		case !(d.Points >= 0) || d.Points > it.MaxDeduction:
			p.Add(i+1, "deductions.points", "%s: %v points; want 0 to %v", d.Code, d.Points, it.MaxDeduction)
		default:
			total += d.Points
		}
		seen[d.Code] = true
	}
	for i, code := range in.RedFlags {
		if it, ok := items[code]; !ok || it.Kind != "red" {
			p.Add(i+1, "red_flags", "%q is not one of the situations that make a plant red", code)
		}
	}
	if err := p.Err("the diagnosis has problems; nothing was stored"); err != nil {
		return 0, "", err
	}
	score := math.Max(0, 100-total)
	if len(in.RedFlags) > 0 {
		return score, Red, nil
	}
	return score, ColorOf(score), nil
}

// Weights are the dynamic part's points per occurrence in the window; they
// are configurable and shown with every grade.
type Weights struct {
	WindowDays  int     `json:"window_days"`
	AlarmRed    float64 `json:"alarm_red"`
	AlarmOrange float64 `json:"alarm_orange"`
	AlarmYellow float64 `json:"alarm_yellow"`
	AlarmBlue   float64 `json:"alarm_blue"`
	// AlarmLate counts alarms escalated because nobody acknowledged them in
	// time (slow response).
	AlarmLate     float64 `json:"alarm_late"`
	OpenGeneral   float64 `json:"open_general"`
	OpenMajor     float64 `json:"open_major"`
	OverdueHazard float64 `json:"overdue_hazard"`
	Accident      float64 `json:"accident"`
	Finding       float64 `json:"finding"`
	// MaxDynamic caps the dynamic deduction.
	MaxDynamic float64 `json:"max_dynamic"`
	// Version counts saved changes (0: the defaults, never saved); a save
	// sends the version it read.
	Version int `json:"version"`
}

// DefaultWeights are the platform's starting weights (not from a standard;
// set by the bureau).
func DefaultWeights() Weights {
	return Weights{WindowDays: 30, AlarmRed: 3, AlarmOrange: 2, AlarmYellow: 1, AlarmBlue: 0.5, AlarmLate: 1,
		OpenGeneral: 1, OpenMajor: 8, OverdueHazard: 3, Accident: 20, Finding: 2, MaxDynamic: 40}
}

// Validate checks the weights.
func (w Weights) Validate() error {
	var p core.Problems
	if w.WindowDays < 1 || w.WindowDays > 366 {
		p.Add(0, "window_days", "want 1 to 366 days")
	}
	for name, v := range map[string]float64{"alarm_red": w.AlarmRed, "alarm_orange": w.AlarmOrange, "alarm_yellow": w.AlarmYellow, "alarm_blue": w.AlarmBlue,
		"alarm_late": w.AlarmLate, "open_general": w.OpenGeneral, "open_major": w.OpenMajor, "overdue_hazard": w.OverdueHazard,
		"accident": w.Accident, "finding": w.Finding, "max_dynamic": w.MaxDynamic} {
		if !(v >= 0) || v > 100 {
			p.Add(0, name, "want a number from 0 to 100")
		}
	}
	slices.SortFunc(p, func(a, b core.FieldError) int { return strings.Compare(a.Field, b.Field) })
	return p.Err("")
}

// Activity is what happened at an enterprise in the window.
type Activity struct {
	Alarms      map[string]int `json:"alarms"` // by level
	LateAlarms  int            `json:"late_alarms"`
	OpenGeneral int            `json:"open_general"`
	OpenMajor   int            `json:"open_major"`
	Overdue     int            `json:"overdue"`
	Accidents   int            `json:"accidents"`
	Findings    int            `json:"findings"`
}

// Driver is one factor of a grade and how many points it took.
type Driver struct {
	Factor string  `json:"factor"`
	Count  int     `json:"count"`
	Weight float64 `json:"weight"`
	Points float64 `json:"points"`
}

// Grade is an enterprise's current risk: the inherent score less the
// dynamic deduction, with what drove it.
type Grade struct {
	EnterpriseID int64  `json:"enterprise_id"`
	Enterprise   string `json:"enterprise_name"`
	Division     string `json:"division_code"`
	Industry     string `json:"industry"`
	// Inherent is the last diagnosis's score; nil when never diagnosed
	// (the grade then starts from 100 and says so).
	Inherent      *float64  `json:"inherent_score"`
	InherentColor string    `json:"inherent_color,omitempty"`
	DiagnosedAt   time.Time `json:"diagnosed_at,omitzero"`
	RedFlags      []string  `json:"red_flags"`
	Dynamic       float64   `json:"dynamic_deduction"`
	Score         float64   `json:"score"`
	Color         string    `json:"color"`
	Drivers       []Driver  `json:"drivers"`
	Activity      Activity  `json:"activity"`
	Lon           float64   `json:"lon"`
	Lat           float64   `json:"lat"`
}

// Rate combines a diagnosis (nil if none) with the window's activity.
func Rate(d *Diagnosis, act Activity, w Weights) Grade {
	g := Grade{Activity: act, RedFlags: []string{}, Drivers: []Driver{}}
	base := 100.0
	if d != nil {
		s := d.Score
		g.Inherent, g.InherentColor, g.DiagnosedAt, base = &s, d.Color, d.AssessedAt, d.Score
		g.RedFlags = append(g.RedFlags, d.RedFlags...)
	}
	add := func(factor string, n int, weight float64) {
		if n > 0 && weight > 0 {
			g.Drivers = append(g.Drivers, Driver{Factor: factor, Count: n, Weight: weight, Points: float64(n) * weight})
		}
	}
	add("alarm_red", act.Alarms[Red], w.AlarmRed)
	add("alarm_orange", act.Alarms[Orange], w.AlarmOrange)
	add("alarm_yellow", act.Alarms[Yellow], w.AlarmYellow)
	add("alarm_blue", act.Alarms[Blue], w.AlarmBlue)
	add("alarm_late", act.LateAlarms, w.AlarmLate)
	add("open_general", act.OpenGeneral, w.OpenGeneral)
	add("open_major", act.OpenMajor, w.OpenMajor)
	add("overdue_hazard", act.Overdue, w.OverdueHazard)
	add("accident", act.Accidents, w.Accident)
	add("finding", act.Findings, w.Finding)
	for _, dr := range g.Drivers {
		g.Dynamic += dr.Points
	}
	g.Dynamic = math.Min(g.Dynamic, w.MaxDynamic)
	slices.SortStableFunc(g.Drivers, func(a, b Driver) int {
		switch {
		case a.Points > b.Points:
			return -1
		case a.Points < b.Points:
			return 1
		}
		return 0
	})
	g.Score = math.Round(math.Max(0, base-g.Dynamic)*10) / 10
	g.Color = ColorOf(g.Score)
	if len(g.RedFlags) > 0 {
		g.Color = Red
	}
	return g
}

// ColorRank orders colours: red 4 … blue 1.
func ColorRank(c string) int {
	switch c {
	case Red:
		return 4
	case Orange:
		return 3
	case Yellow:
		return 2
	case Blue:
		return 1
	}
	return 0
}
