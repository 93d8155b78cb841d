// Package alarm is the lifecycle of graded alarms: raised by a rule,
// acknowledged, disposed on site with feedback, closed with a note; levels
// move up and down while an alarm is open, every change is recorded, and an
// alarm nobody acknowledges in time is escalated to the next tier.
package alarm

import (
	"fmt"
	"strings"
	"time"

	"github.com/yingji/yingji/internal/core"
)

// Level is a warning level: blue < yellow < orange < red (Emergency
// Response Law art. 42), as its name.
type Level string

// Levels, and None for "back to normal".
const (
	None   Level = ""
	Blue   Level = "blue"
	Yellow Level = "yellow"
	Orange Level = "orange"
	Red    Level = "red"
)

// Rank orders levels: 0 none … 4 red.
func (l Level) Rank() int {
	switch l {
	case Blue:
		return 1
	case Yellow:
		return 2
	case Orange:
		return 3
	case Red:
		return 4
	}
	return 0
}

// ParseLevel checks a level name.
func ParseLevel(s string) (Level, error) {
	switch l := Level(s); l {
	case Blue, Yellow, Orange, Red:
		return l, nil
	}
	return None, fmt.Errorf("%q is not red, orange, yellow or blue", s)
}

// State is where an alarm is in its lifecycle.
type State string

// States. Open alarms are in any state but Closed.
const (
	Raised       State = "raised"
	Acknowledged State = "acknowledged"
	Disposing    State = "disposing"
	Closed       State = "closed"
)

// Tiers an unacknowledged alarm climbs: the enterprise, the county bureau,
// the city bureau (alarms are pushed enterprise → county → city).
var Tiers = []string{"enterprise", "county", "city"}

// Alarm is one alarm of one monitoring point and rule.
type Alarm struct {
	ID        int64   `json:"id"`
	PointID   int64   `json:"point_id"`
	Point     string  `json:"point"`
	PointName string  `json:"point_name"`
	PointKind string  `json:"point_kind"`
	Rule      string  `json:"rule"`
	Kind      string  `json:"kind"` // threshold, rate, stale, group
	Level     Level   `json:"level"`
	MaxLevel  Level   `json:"max_level"`
	State     State   `json:"state"`
	Value     float64 `json:"value"`
	Unit      string  `json:"unit"`
	Message   string  `json:"message"`
	// Recovered is set when the condition cleared; the alarm still needs
	// closing with a note.
	Recovered    bool       `json:"recovered"`
	Division     string     `json:"division_code"`
	EnterpriseID int64      `json:"enterprise_id,omitempty"`
	Industry     string     `json:"industry,omitempty"`
	Tier         int        `json:"tier"`
	TierName     string     `json:"tier_name"`
	AckDeadline  time.Time  `json:"ack_deadline"`
	Overdue      bool       `json:"overdue"`
	RaisedAt     time.Time  `json:"raised_at"`
	UpdatedAt    time.Time  `json:"updated_at"`
	AckAt        *time.Time `json:"acknowledged_at,omitempty"`
	RecoveredAt  *time.Time `json:"recovered_at,omitempty"`
	ClosedAt     *time.Time `json:"closed_at,omitempty"`
	Feedback     *Feedback  `json:"feedback,omitempty"`
	// Version counts changes; a change made against an older version is
	// refused (ECONFLICT).
	Version int     `json:"version"`
	Events  []Event `json:"events,omitempty"`
}

// Open reports whether the alarm is not closed.
func (a *Alarm) Open() bool { return a.State != Closed }

// Feedback is what was found on site and done about it.
type Feedback struct {
	Found    string `json:"found"`
	Measures string `json:"measures"`
}

// Event is one recorded change of an alarm.
type Event struct {
	At        time.Time `json:"at"`
	Action    string    `json:"action"` // raise, level, recover, relapse, acknowledge, dispose, close, escalate
	Actor     string    `json:"actor"`
	FromLevel Level     `json:"from_level,omitempty"`
	ToLevel   Level     `json:"to_level,omitempty"`
	FromState State     `json:"from_state,omitempty"`
	ToState   State     `json:"to_state,omitempty"`
	Tier      int       `json:"tier"`
	Value     *float64  `json:"value,omitempty"`
	Note      string    `json:"note,omitempty"`
}

// Action is what a person does to an alarm.
type Action struct {
	Kind     string    `json:"action"` // acknowledge, dispose, close
	Note     string    `json:"note"`
	Feedback *Feedback `json:"feedback"`
}

// apply checks a person's action against the state machine and changes a.
func (a *Alarm) apply(act Action, actor string, now time.Time) (Event, error) {
	ev := Event{At: now, Action: act.Kind, Actor: actor, FromState: a.State, Tier: a.Tier, Note: strings.TrimSpace(act.Note)}
	switch act.Kind {
	case "acknowledge":
		if a.State != Raised {
			return ev, core.Errorf(core.ECONFLICT, "alarm %d is %s; only a raised alarm can be acknowledged", a.ID, a.State)
		}
		a.State = Acknowledged
		a.AckAt = &now
		a.Overdue = false
	case "dispose":
		if a.State != Acknowledged && a.State != Disposing {
			return ev, core.Errorf(core.ECONFLICT, "alarm %d is %s; acknowledge it before disposing", a.ID, a.State)
		}
		if act.Feedback == nil || strings.TrimSpace(act.Feedback.Found) == "" || strings.TrimSpace(act.Feedback.Measures) == "" {
			return ev, core.Invalid("feedback", "say what was found on site (found) and what was done (measures)")
		}
		a.State = Disposing
		a.Feedback = act.Feedback
		ev.Note = strings.TrimSpace(act.Feedback.Found + " / " + act.Feedback.Measures + " " + ev.Note)
	case "close":
		switch {
		case a.State == Closed:
			return ev, core.Errorf(core.ECONFLICT, "alarm %d is already closed", a.ID)
		case a.State == Raised && !a.Recovered:
			return ev, core.Errorf(core.ECONFLICT, "alarm %d is still active and unacknowledged; acknowledge it first", a.ID)
		case ev.Note == "":
			return ev, core.Invalid("note", "a closing note is required (what was verified on site)")
		}
		a.State = Closed
		a.ClosedAt = &now
		a.Overdue = false
	default:
		return ev, core.Invalid("action", "%q: want acknowledge, dispose or close", act.Kind)
	}
	ev.ToState = a.State
	a.UpdatedAt = now
	return ev, nil
}
