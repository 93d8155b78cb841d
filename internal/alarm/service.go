package alarm

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/yingji/yingji/internal/core"
	"github.com/yingji/yingji/internal/telemetry"
)

// Filter selects alarms; zero values select all.
type Filter struct {
	Division     string
	Levels       []Level
	States       []State // "open" is expanded by the API to every state but closed
	Industry     string
	EnterpriseID int64
	PointID      int64
	Overdue      bool
	From, To     time.Time // raised between
	Limit        int
	Offset       int
}

// Store keeps alarms and their events. Reads and user actions apply the
// actor's scope like the registry (division prefix, enterprise).
type Store interface {
	// OpenAlarm returns the open alarm of a point and rule, or nil.
	OpenAlarm(ctx context.Context, pointID int64, rule string) (*Alarm, error)
	CreateAlarm(ctx context.Context, a *Alarm, ev Event) error
	// UpdateAlarm writes the alarm and appends the event, in one transaction.
	UpdateAlarm(ctx context.Context, a *Alarm, ev Event) error
	// GetAlarm returns ENOTFOUND when missing or out of scope; with events.
	GetAlarm(ctx context.Context, id int64) (*Alarm, error)
	ListAlarms(ctx context.Context, f Filter) ([]*Alarm, int, error)
	// DueForEscalation lists raised, unacknowledged alarms whose deadline
	// is at or before now (system use, no scope).
	DueForEscalation(ctx context.Context, now time.Time, limit int) ([]*Alarm, error)
}

// Notification is sent to the people of one tier about one alarm change.
type Notification struct {
	Alarm *Alarm
	Event Event
	Tier  string
}

// Notifier delivers notifications (in-app inbox, signed webhooks; the
// public-warning channels later). It must not block for long: slow
// channels queue durably on their own.
type Notifier interface {
	Notify(ctx context.Context, n Notification) error
}

// NotifyFunc adapts a function to Notifier.
type NotifyFunc func(ctx context.Context, n Notification) error

// Notify implements Notifier.
func (f NotifyFunc) Notify(ctx context.Context, n Notification) error { return f(ctx, n) }

// Change is what the rule engine decided for one point and rule.
type Change struct {
	Point    *telemetry.Point
	Industry string
	Rule     string
	Kind     string
	Level    Level // None: back to normal
	At       time.Time
	Value    float64
	Message  string
}

// Service runs the alarm lifecycle.
type Service struct {
	Store    Store
	Notifier Notifier
	// Changed, if set, is told of every alarm change (the live feed).
	Changed func(a *Alarm, ev Event)
	Policy  Policy
	Logger  *slog.Logger
}

// Apply turns a rule decision into an alarm change: raise, move the
// level, recover, or relapse. It runs as the system, and starts again from
// the stored alarm when a person changed it at the same moment.
func (s *Service) Apply(ctx context.Context, c Change) (*Alarm, error) {
	ctx = core.WithActor(ctx, core.SystemActor)
	for attempt := 0; ; attempt++ {
		a, err := s.apply(ctx, c)
		if core.ErrorCode(err) != core.ECONFLICT || attempt == 4 {
			return a, err
		}
	}
}

func (s *Service) apply(ctx context.Context, c Change) (*Alarm, error) {
	a, err := s.Store.OpenAlarm(ctx, c.Point.ObjectID, c.Rule)
	if err != nil {
		return nil, err
	}
	v := c.Value
	switch {
	case a == nil && c.Level == None:
		return nil, nil
	case a == nil:
		a = &Alarm{PointID: c.Point.ObjectID, Point: c.Point.Code, PointName: c.Point.Name, PointKind: c.Point.Kind,
			Rule: c.Rule, Kind: c.Kind, Level: c.Level, MaxLevel: c.Level, State: Raised, Value: c.Value, Unit: c.Point.Unit,
			Message: c.Message, Division: c.Point.Division, EnterpriseID: c.Point.EnterpriseID, Industry: c.Industry,
			RaisedAt: c.At, UpdatedAt: c.At}
		a.Tier = firstTier(a)
		a.TierName = Tiers[a.Tier]
		a.AckDeadline = s.Policy.deadline(a.Level, c.At)
		ev := Event{At: c.At, Action: "raise", Actor: "system", ToLevel: c.Level, ToState: Raised, Tier: a.Tier, Value: &v, Note: c.Message}
		if err := s.Store.CreateAlarm(ctx, a, ev); err != nil {
			return nil, fmt.Errorf("alarm: raise %s/%s: %w", c.Point.Code, c.Rule, err)
		}
		s.announce(ctx, a, ev, true)
		return a, nil
	}
	ev := Event{At: c.At, Actor: "system", FromLevel: a.Level, FromState: a.State, ToState: a.State, Tier: a.Tier, Value: &v, Note: c.Message}
	a.Value, a.UpdatedAt = c.Value, c.At
	notify := false
	switch {
	case c.Level == None:
		if a.Recovered {
			return a, nil
		}
		a.Recovered, a.RecoveredAt = true, &c.At
		ev.Action, ev.ToLevel = "recover", a.Level
	case a.Recovered:
		a.Recovered, a.RecoveredAt = false, nil
		ev.Action, ev.ToLevel = "relapse", c.Level
		a.Level = c.Level
		notify = true
	case c.Level != a.Level:
		ev.Action, ev.ToLevel = "level", c.Level
		notify = c.Level.Rank() > a.Level.Rank()
		a.Level = c.Level
		// a rising level shortens the time left to acknowledge.
		if d := s.Policy.deadline(a.Level, c.At); notify && a.State == Raised && d.Before(a.AckDeadline) {
			a.AckDeadline = d
		}
	default:
		return a, nil
	}
	if a.Level.Rank() > a.MaxLevel.Rank() {
		a.MaxLevel = a.Level
	}
	if err := s.Store.UpdateAlarm(ctx, a, ev); err != nil {
		return nil, fmt.Errorf("alarm: %s %d: %w", ev.Action, a.ID, err)
	}
	s.announce(ctx, a, ev, notify)
	return a, nil
}

// Act applies a person's action (acknowledge, dispose, close).
func (s *Service) Act(ctx context.Context, id int64, act Action, now time.Time) (*Alarm, error) {
	a, err := s.Store.GetAlarm(ctx, id)
	if err != nil {
		return nil, err
	}
	actor := "unknown"
	if u := core.ActorFrom(ctx); u != nil {
		actor = u.Username
	}
	ev, err := a.apply(act, actor, now)
	if err != nil {
		return nil, err
	}
	if err := s.Store.UpdateAlarm(ctx, a, ev); err != nil {
		return nil, fmt.Errorf("alarm: %s %d: %w", act.Kind, id, err)
	}
	a.Events = append(a.Events, ev)
	s.announce(ctx, a, ev, false)
	return a, nil
}

// Escalate pushes every overdue unacknowledged alarm to its next tier and
// notifies that tier. The server calls it on a timer with the current time;
// tests call it with an injected one.
func (s *Service) Escalate(ctx context.Context, now time.Time) (int, error) {
	ctx = core.WithActor(ctx, core.SystemActor)
	due, err := s.Store.DueForEscalation(ctx, now, 1000)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, a := range due {
		ev, ok := s.Policy.escalate(a, now)
		if !ok {
			continue
		}
		err := s.Store.UpdateAlarm(ctx, a, ev)
		if core.ErrorCode(err) == core.ECONFLICT {
			continue // acknowledged, or escalated by another node, meanwhile
		}
		if err != nil {
			return n, fmt.Errorf("alarm: escalate %d: %w", a.ID, err)
		}
		n++
		s.announce(ctx, a, ev, true)
	}
	return n, nil
}

// announce tells the live feed of every change and notifies the alarm's
// tier when people must act.
func (s *Service) announce(ctx context.Context, a *Alarm, ev Event, notify bool) {
	if s.Changed != nil {
		s.Changed(a, ev)
	}
	if notify && s.Notifier != nil {
		if err := s.Notifier.Notify(ctx, Notification{Alarm: a, Event: ev, Tier: a.TierName}); err != nil && s.Logger != nil {
			s.Logger.Error("alarm notification failed", "alarm", a.ID, "err", err)
		}
	}
}
