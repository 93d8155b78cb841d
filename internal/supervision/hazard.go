// Package supervision is safety supervision and law enforcement (监管执法):
// major hazard sources graded by GB 18218-2018 (sub-package gb18218),
// enterprise risk (the MEM 2018 diagnosis plus a dynamic part), hidden
// dangers from report to closure (隐患排查治理) with overdue escalation,
// inspection plans with reproducible "double random" selection (双随机一公开),
// inspection records and enforcement cases.
//
// The package decides; the store (Store) keeps, in the same transaction as
// the audit entry of each change. Nothing here is ever deleted: a hidden
// danger, a plan or a case only moves through its states.
package supervision

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/yingji/yingji/internal/core"
)

// Hidden-danger states: reported → rectifying → rectified → verified →
// closed, with rectified → rectifying when the inspector rejects the
// rectification.
const (
	Reported   = "reported"
	Rectifying = "rectifying"
	Rectified  = "rectified"
	Verified   = "verified"
	Closed     = "closed"
)

// HazardStates are the states in lifecycle order.
var HazardStates = []string{Reported, Rectifying, Rectified, Verified, Closed}

// Sources of a hidden-danger report.
var Sources = []string{"self_inspection", "inspector", "inspection", "alarm", "public"}

// Hidden-danger levels.
const (
	General = "general" // 一般隐患
	Major   = "major"   // 重大隐患
)

// HiddenDanger is one hidden danger (事故隐患) of one enterprise.
type HiddenDanger struct {
	ID           int64  `json:"id"`
	EnterpriseID int64  `json:"enterprise_id"`
	Enterprise   string `json:"enterprise_name"`
	Division     string `json:"division_code"`
	Industry     string `json:"industry"`
	Title        string `json:"title"`
	Description  string `json:"description"`
	Location     string `json:"location"`
	Source       string `json:"source"`
	// AlarmID links a hidden danger found while disposing an alarm.
	AlarmID int64 `json:"alarm_id,omitempty"`
	// InspectionID links one found by an inspection.
	InspectionID int64 `json:"inspection_id,omitempty"`
	// Reporter is who reported it from outside (a public report's contact).
	Reporter string `json:"reporter,omitempty"`
	Level    string `json:"level"`
	// Criterion is the code of the major-hidden-danger criterion met (see
	// Criteria), required for a major one.
	Criterion   string     `json:"criterion,omitempty"`
	Responsible string     `json:"responsible"`
	Measures    string     `json:"measures"`
	Deadline    *time.Time `json:"deadline,omitempty"`
	State       string     `json:"state"`
	// Escalation: 0 none, 1 the county was told it is overdue, 2 the city.
	Escalation  int        `json:"escalation"`
	EscalatedAt *time.Time `json:"escalated_at,omitempty"`
	Evidence    string     `json:"evidence,omitempty"`
	ReportedBy  string     `json:"reported_by"`
	ReportedAt  time.Time  `json:"reported_at"`
	RectifiedAt *time.Time `json:"rectified_at,omitempty"`
	VerifiedAt  *time.Time `json:"verified_at,omitempty"`
	ClosedAt    *time.Time `json:"closed_at,omitempty"`
	UpdatedAt   time.Time  `json:"updated_at"`
	Version     int        `json:"version"`
	// Overdue is computed when read: open (reported or rectifying) past
	// its deadline.
	Overdue bool         `json:"overdue"`
	Events  []HazardStep `json:"events,omitempty"`
	Photos  []PhotoInfo  `json:"photos,omitempty"`
}

// HazardStep is one recorded step of a hidden danger.
type HazardStep struct {
	At        time.Time `json:"at"`
	Action    string    `json:"action"`
	Actor     string    `json:"actor"`
	FromState string    `json:"from_state,omitempty"`
	ToState   string    `json:"to_state,omitempty"`
	Note      string    `json:"note,omitempty"`
}

// PhotoInfo describes a stored evidence photo (its bytes are read apart).
type PhotoInfo struct {
	ID          int64     `json:"id"`
	HazardID    int64     `json:"hidden_danger_id"`
	Stage       string    `json:"stage"` // report or rectification
	ContentType string    `json:"content_type"`
	Size        int       `json:"size"`
	UploadedBy  string    `json:"uploaded_by"`
	UploadedAt  time.Time `json:"uploaded_at"`
}

// IsOpen reports whether the enterprise still has work to do on it.
func (h *HiddenDanger) IsOpen() bool { return h.State == Reported || h.State == Rectifying }

// NotClosed reports whether the hidden danger still counts as present
// (rectified and verified ones wait for the inspector).
func (h *HiddenDanger) NotClosed() bool { return h.State != Closed }

// OverdueAt reports whether the hidden danger is open past its deadline.
func (h *HiddenDanger) OverdueAt(now time.Time) bool {
	return h.IsOpen() && h.Deadline != nil && now.After(*h.Deadline)
}

// HazardInput is a report of a hidden danger.
type HazardInput struct {
	EnterpriseID int64      `json:"enterprise_id"`
	Title        string     `json:"title"`
	Description  string     `json:"description"`
	Location     string     `json:"location"`
	Source       string     `json:"source"`
	AlarmID      int64      `json:"alarm_id"`
	InspectionID int64      `json:"inspection_id"`
	Reporter     string     `json:"reporter"`
	Level        string     `json:"level"`
	Criterion    string     `json:"criterion"`
	Responsible  string     `json:"responsible"`
	Measures     string     `json:"measures"`
	Deadline     *time.Time `json:"deadline"`
}

// validate checks a report; criteria are the known major criteria.
func (in *HazardInput) validate(criteria []Criterion) core.Problems {
	var p core.Problems
	in.Title, in.Description = strings.TrimSpace(in.Title), strings.TrimSpace(in.Description)
	if in.EnterpriseID <= 0 {
		p.Add(0, "enterprise_id", "is required")
	}
	if in.Title == "" {
		p.Add(0, "title", "is required")
	} else if len([]rune(in.Title)) > 200 {
		p.Add(0, "title", "is longer than 200 characters")
	}
	if len(in.Description) > 20000 {
		p.Add(0, "description", "is longer than 20,000 bytes")
	}
	if !slices.Contains(Sources, in.Source) {
		p.Add(0, "source", "%q: want one of %s", in.Source, strings.Join(Sources, ", "))
	}
	if in.Source == "alarm" && in.AlarmID <= 0 {
		p.Add(0, "alarm_id", "is required for a hidden danger found disposing an alarm")
	}
	if in.Source == "public" && strings.TrimSpace(in.Reporter) == "" {
		p.Add(0, "reporter", "record how to reach the member of the public who reported it (or 匿名)")
	}
	switch in.Level {
	case General:
		if in.Criterion != "" {
			if _, ok := findCriterion(criteria, in.Criterion); !ok {
				p.Add(0, "criterion", "%q is not a known criterion", in.Criterion)
			}
		}
	case Major:
		if in.Criterion == "" {
			p.Add(0, "criterion", "a major hidden danger names the criterion it meets (GET /api/v1/hidden-dangers/criteria)")
		} else if _, ok := findCriterion(criteria, in.Criterion); !ok {
			p.Add(0, "criterion", "%q is not a known criterion", in.Criterion)
		}
	default:
		p.Add(0, "level", "%q: want general or major", in.Level)
	}
	return p
}

// HazardAction is a step a person takes on a hidden danger.
type HazardAction struct {
	// Action is start (take it on for rectification: responsible person,
	// measures and deadline), rectify (done, with evidence), verify,
	// reject, close, or update (change the plan while rectifying).
	Action      string     `json:"action"`
	Responsible string     `json:"responsible"`
	Measures    string     `json:"measures"`
	Deadline    *time.Time `json:"deadline"`
	Evidence    string     `json:"evidence"`
	Note        string     `json:"note"`
	Version     int        `json:"version"`
}

// inspectorActions need supervision.write; the rest hazards.report.
var inspectorActions = map[string]bool{"verify": true, "reject": true, "close": true}

// apply moves h by act at now. photos is the number of rectification
// photos already uploaded.
func (h *HiddenDanger) apply(act HazardAction, actor string, now time.Time, photos int) (HazardStep, error) {
	step := HazardStep{At: now, Action: act.Action, Actor: actor, FromState: h.State, Note: strings.TrimSpace(act.Note)}
	wrong := func(want string) error {
		return core.Errorf(core.ECONFLICT, "hidden danger %d is %s; %s needs it %s", h.ID, h.State, act.Action, want)
	}
	var p core.Problems
	switch act.Action {
	case "start", "update":
		if act.Action == "start" && h.State != Reported {
			return step, wrong(Reported)
		}
		if act.Action == "update" && h.State != Rectifying {
			return step, wrong(Rectifying)
		}
		resp, meas := pick(act.Responsible, h.Responsible), pick(act.Measures, h.Measures)
		deadline := h.Deadline
		if act.Deadline != nil {
			deadline = act.Deadline
		}
		if resp == "" {
			p.Add(0, "responsible", "name the person responsible for the rectification")
		}
		if meas == "" {
			p.Add(0, "measures", "describe the rectification measures")
		}
		if deadline == nil {
			p.Add(0, "deadline", "set a rectification deadline")
		} else if act.Deadline != nil && !act.Deadline.After(now) {
			p.Add(0, "deadline", "must be in the future")
		}
		if err := p.Err(""); err != nil {
			return step, err
		}
		if act.Action == "update" && act.Deadline != nil && h.Deadline != nil && !act.Deadline.Equal(*h.Deadline) {
			step.Note = strings.TrimSpace(fmt.Sprintf("deadline %s → %s %s", h.Deadline.Format(time.RFC3339), act.Deadline.Format(time.RFC3339), step.Note))
			h.Escalation, h.EscalatedAt = 0, nil
		}
		h.Responsible, h.Measures, h.Deadline, h.State = resp, meas, deadline, Rectifying
	case "rectify":
		if h.State != Rectifying {
			return step, wrong(Rectifying)
		}
		ev := strings.TrimSpace(act.Evidence)
		if ev == "" && photos == 0 {
			return step, core.Invalid("evidence", "describe what was done, or upload a rectification photo first")
		}
		h.Evidence, h.State, h.RectifiedAt = ev, Rectified, &now
	case "verify":
		if h.State != Rectified {
			return step, wrong(Rectified)
		}
		h.State, h.VerifiedAt = Verified, &now
	case "reject":
		if h.State != Rectified {
			return step, wrong(Rectified)
		}
		if step.Note == "" {
			return step, core.Invalid("note", "say why the rectification is not accepted")
		}
		h.State, h.RectifiedAt = Rectifying, nil
		if act.Deadline != nil {
			if !act.Deadline.After(now) {
				return step, core.Invalid("deadline", "must be in the future")
			}
			h.Deadline, h.Escalation, h.EscalatedAt = act.Deadline, 0, nil
		}
	case "close":
		if h.State != Verified {
			return step, wrong(Verified)
		}
		h.State, h.ClosedAt = Closed, &now
	default:
		return step, core.Invalid("action", "%q: want start, update, rectify, verify, reject or close", act.Action)
	}
	step.ToState = h.State
	h.UpdatedAt = now
	return step, nil
}

// plan applies what a report says of the rectification: with a
// responsible person or measures it starts the rectification (all three
// are then needed); a deadline alone (an inspector's 责令限期整改) is set
// and the enterprise plans the rest.
func (h *HiddenDanger) plan(responsible, measures string, deadline *time.Time, now time.Time) error {
	switch {
	case strings.TrimSpace(responsible) != "" || strings.TrimSpace(measures) != "":
		_, err := h.apply(HazardAction{Action: "start", Responsible: responsible, Measures: measures, Deadline: deadline}, h.ReportedBy, now, 0)
		return err
	case deadline != nil:
		if !deadline.After(now) {
			return core.Invalid("deadline", "must be in the future")
		}
		h.Deadline = deadline
	}
	return nil
}

func pick(v, old string) string {
	if v = strings.TrimSpace(v); v != "" {
		return v
	}
	return old
}

// HazardFilter selects hidden dangers. Zero values select all.
type HazardFilter struct {
	Division     string
	EnterpriseID int64
	States       []string
	Level        string
	Source       string
	// OverdueAt, when set, keeps those open past their deadline at that time.
	OverdueAt time.Time
	// Now orders the list: those overdue at Now first.
	Now    time.Time
	Limit  int
	Offset int
}
