package incident

import (
	"encoding/json"
	"fmt"
	"time"
)

// DeadlinePolicy is how fast an event must be reported up and followed.
type DeadlinePolicy struct {
	// Initial: the first report to the county-level authority, counted
	// from the time of the event.
	Initial time.Duration `json:"initial"`
	// Onward: each level passes the report up, counted from its receipt.
	Onward time.Duration `json:"onward"`
	// FollowUp: the interval between situation reports while the event is
	// open; FollowUpMajor for 重大 and 特别重大.
	FollowUp      time.Duration `json:"follow_up"`
	FollowUpMajor time.Duration `json:"follow_up_major"`
	// CasualtyWindow: changes in casualties are reported within this time of
	// the event.
	CasualtyWindow time.Duration `json:"casualty_window"`
	Basis          string        `json:"basis"`
	Verified       bool          `json:"verified"`
}

// policyJSON is DeadlinePolicy on the wire, durations as Go duration text
// ("1h", "720h").
type policyJSON struct {
	Initial        string `json:"initial"`
	Onward         string `json:"onward"`
	FollowUp       string `json:"follow_up"`
	FollowUpMajor  string `json:"follow_up_major"`
	CasualtyWindow string `json:"casualty_window"`
	Basis          string `json:"basis"`
	Verified       bool   `json:"verified"`
}

// MarshalJSON writes durations as text.
func (p DeadlinePolicy) MarshalJSON() ([]byte, error) {
	return json.Marshal(policyJSON{p.Initial.String(), p.Onward.String(), p.FollowUp.String(), p.FollowUpMajor.String(),
		p.CasualtyWindow.String(), p.Basis, p.Verified})
}

// UnmarshalJSON reads durations as text ("1h", "168h").
func (p *DeadlinePolicy) UnmarshalJSON(b []byte) error {
	var j policyJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	var out DeadlinePolicy
	for _, f := range []struct {
		name, text string
		dst        *time.Duration
	}{{"initial", j.Initial, &out.Initial}, {"onward", j.Onward, &out.Onward}, {"follow_up", j.FollowUp, &out.FollowUp},
		{"follow_up_major", j.FollowUpMajor, &out.FollowUpMajor}, {"casualty_window", j.CasualtyWindow, &out.CasualtyWindow}} {
		d, err := time.ParseDuration(f.text)
		if err != nil {
			return fmt.Errorf("%s: %q is not a duration such as 1h or 168h", f.name, f.text)
		}
		*f.dst = d
	}
	out.Basis, out.Verified = j.Basis, j.Verified
	*p = out
	return nil
}

// Validate checks that every interval is positive.
func (p DeadlinePolicy) Validate() error {
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"initial", p.Initial}, {"onward", p.Onward}, {"follow_up", p.FollowUp}, {"follow_up_major", p.FollowUpMajor}, {"casualty_window", p.CasualtyWindow}} {
		if d.v <= 0 {
			return fmt.Errorf("%s must be a positive duration", d.name)
		}
	}
	return nil
}

// Decree493Policy: the unit reports to the county-level authority within 1
// hour (art. 9), each level passes it on within 2 hours (art. 11), casualty
// changes within 30 days (art. 13). The follow-up intervals (daily, twice
// daily for 重大 and above) are practice, not the decree [check].
var Decree493Policy = DeadlinePolicy{
	Initial: time.Hour, Onward: 2 * time.Hour, FollowUp: 24 * time.Hour, FollowUpMajor: 12 * time.Hour,
	CasualtyWindow: 30 * 24 * time.Hour,
	Basis:          "《生产安全事故报告和调查处理条例》第九条（1小时）、第十一条（2小时）、第十三条（30日）",
	Verified:       true,
}

// CategoryPolicy is the default for a category: Decree 493 for accidents;
// the same clocks, marked unverified, for other events until their plan's
// rules are entered.
func CategoryPolicy(category string) DeadlinePolicy {
	if category == Accident {
		return Decree493Policy
	}
	p := Decree493Policy
	p.Basis = "参照国务院令第493号的报告时限（以专项预案为准，可配置）"
	p.Verified = false
	return p
}

// Deadline kinds.
const (
	DInitial  = "initial"         // 1-hour report to the county authority
	DOnward   = "onward"          // 2-hour report onward
	DFollowUp = "follow_up"       // next situation report
	DCasualty = "casualty_window" // casualty-change reporting window
)

// Deadline is one running clock of an incident.
type Deadline struct {
	Kind   string     `json:"kind"`
	Label  string     `json:"label"`
	Due    time.Time  `json:"due"`
	Done   bool       `json:"done"`
	DoneAt *time.Time `json:"done_at,omitempty"`
	// Overdue: not done and past due. A window (the casualty window) is
	// never overdue; it closes.
	Overdue bool `json:"overdue"`
	Window  bool `json:"window,omitempty"`
	// Remaining is seconds to the due time (negative when past), at the
	// time the clocks were computed.
	Remaining int64  `json:"remaining_s"`
	Basis     string `json:"basis"`
}

// Clocks is what the deadlines depend on.
type Clocks struct {
	OccurredAt, ReceivedAt time.Time
	InitialAt, OnwardAt    *time.Time // when those reports were made
	LastReportAt           *time.Time // last published situation report
	Level                  Level
	Open                   bool
}

// Deadlines computes the clocks at now.
func Deadlines(c Clocks, p DeadlinePolicy, now time.Time) []Deadline {
	mk := func(kind, label string, due time.Time, doneAt *time.Time) Deadline {
		d := Deadline{Kind: kind, Label: label, Due: due.UTC(), DoneAt: doneAt, Done: doneAt != nil, Basis: p.Basis}
		d.Remaining = int64(due.Sub(now) / time.Second)
		d.Overdue = c.Open && !d.Done && now.After(due)
		return d
	}
	out := []Deadline{
		mk(DInitial, "1小时内报告县级应急管理部门", c.OccurredAt.Add(p.Initial), c.InitialAt),
		mk(DOnward, "2小时内逐级上报", c.ReceivedAt.Add(p.Onward), c.OnwardAt),
	}
	if c.Open {
		interval := p.FollowUp
		if c.Level == Particularly || c.Level == Major {
			interval = p.FollowUpMajor
		}
		from := c.ReceivedAt
		if c.LastReportAt != nil {
			from = *c.LastReportAt
		}
		out = append(out, mk(DFollowUp, "续报", from.Add(interval), nil))
	}
	w := mk(DCasualty, fmt.Sprintf("伤亡变化补报期（%d日）", int(p.CasualtyWindow/(24*time.Hour))), c.OccurredAt.Add(p.CasualtyWindow), nil)
	w.Window, w.Overdue = true, false
	if now.After(w.Due) {
		w.Done = true
	}
	return append(out, w)
}

// NextDue is the earliest due time of a clock that is neither done nor a
// window: what the board sorts by and the overdue filter compares with.
// Zero when nothing is running.
func NextDue(ds []Deadline) time.Time {
	var next time.Time
	for _, d := range ds {
		if d.Done || d.Window {
			continue
		}
		if next.IsZero() || d.Due.Before(next) {
			next = d.Due
		}
	}
	return next
}
