package alarm

import (
	"fmt"
	"time"
)

// Policy says how long each level may wait for acknowledgement at each tier
// before it climbs to the next. Provincial rules set these [not found in a
// published text]; the defaults are the example and are
// configurable.
type Policy struct {
	AckDeadline map[Level]time.Duration
}

// DefaultPolicy: red 5 min, orange 15, yellow 30, blue 60.
func DefaultPolicy() Policy {
	return Policy{AckDeadline: map[Level]time.Duration{Red: 5 * time.Minute, Orange: 15 * time.Minute, Yellow: 30 * time.Minute, Blue: time.Hour}}
}

// Validate checks that every level has a positive deadline.
func (p Policy) Validate() error {
	for _, l := range []Level{Blue, Yellow, Orange, Red} {
		if p.AckDeadline[l] <= 0 {
			return fmt.Errorf("escalation: no acknowledgement deadline for %s", l)
		}
	}
	return nil
}

// deadline is when an alarm at level l must be acknowledged, counted from t.
func (p Policy) deadline(l Level, t time.Time) time.Time { return t.Add(p.AckDeadline[l]) }

// firstTier is where an alarm starts: at the enterprise when it belongs to
// one, otherwise at the county (natural-hazard stations, lifelines).
func firstTier(a *Alarm) int {
	if a.EnterpriseID != 0 {
		return 0
	}
	return 1
}

// escalate moves an unacknowledged alarm whose deadline has passed to the
// next tier. It reports whether anything changed; at the top tier the alarm
// stays overdue and is re-notified each deadline.
func (p Policy) escalate(a *Alarm, now time.Time) (Event, bool) {
	if a.State != Raised || a.Recovered || now.Before(a.AckDeadline) {
		return Event{}, false
	}
	ev := Event{At: now, Action: "escalate", Actor: "system", FromState: a.State, ToState: a.State, Tier: a.Tier}
	if a.Tier < len(Tiers)-1 {
		a.Tier++
	}
	a.TierName = Tiers[a.Tier]
	a.Overdue = true
	a.AckDeadline = p.deadline(a.Level, now)
	a.UpdatedAt = now
	ev.Note = fmt.Sprintf("not acknowledged in time; pushed to the %s tier", a.TierName)
	return ev, true
}
