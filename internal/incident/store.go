package incident

import (
	"context"
	"time"
)

// Filter selects incidents; zero values select all.
type Filter struct {
	Division string
	Statuses []string
	Category string
	Type     string // this type and those below it
	Levels   []Level
	Overdue  bool      // a running deadline is past (compared with Now)
	Now      time.Time // for Overdue
	From, To time.Time // occurred between
	Query    string    // number, title, address
	Limit    int
	Offset   int
}

// Store keeps incidents and everything attached to them. Reads and writes
// apply the actor's division scope like the registry's; every change is in
// the audit log, written in the same transaction. Methods that take a
// "before" incident write only when the stored version still equals
// before.Version and return ECONFLICT otherwise.
type Store interface {
	ListTypes(ctx context.Context) ([]EventType, error)
	// PutType inserts t (Version 0) or replaces the row at t.Version.
	PutType(ctx context.Context, t *EventType) error

	ListEmergencyPlans(ctx context.Context) ([]*Plan, error)
	GetEmergencyPlan(ctx context.Context, id int64) (*Plan, error)
	CreateEmergencyPlan(ctx context.Context, p *Plan) error
	UpdateEmergencyPlan(ctx context.Context, p *Plan) error

	// CreateIncident numbers the incident (the next sequence under
	// prefix, unique under concurrency) and stores it with its first
	// timeline events.
	CreateIncident(ctx context.Context, in *Incident, prefix string, evs []Event) error
	// GetIncident returns ENOTFOUND when missing or out of scope; full
	// adds tasks, dispatches, reports and attachments.
	GetIncident(ctx context.Context, id int64, full bool) (*Incident, error)
	ListIncidents(ctx context.Context, f Filter) ([]*Incident, int, error)
	// Candidates lists unmerged incidents of a type that occurred between
	// from and to, in the actor's scope.
	Candidates(ctx context.Context, typeCode string, from, to time.Time) ([]*Incident, error)
	UpdateIncident(ctx context.Context, before, after *Incident, evs []Event) error
	// MergeIncident marks dup merged into into, moves its tasks, dispatches,
	// reports and attachments and copies its timeline.
	MergeIncident(ctx context.Context, dupBefore, dup, into *Incident, ev Event) error
	AddEvent(ctx context.Context, in *Incident, ev Event) error
	ListEvents(ctx context.Context, incidentID int64) ([]Event, error)

	// CreateTasks stores tasks; with after set it also writes the incident
	// (a plan activation), all in one transaction.
	CreateTasks(ctx context.Context, before, after *Incident, ts []*Task, ev Event) error
	GetTask(ctx context.Context, incidentID, id int64) (*Task, error)
	UpdateTask(ctx context.Context, in *Incident, t *Task, ev Event) error

	// CreateDispatch stores an order and takes what it holds from the
	// registry in the same transaction: supplies leave the warehouse's
	// stock (EINVALID naming the item when the stock is short), shelter
	// places are allocated against capacity, a team is marked deployed.
	CreateDispatch(ctx context.Context, in *Incident, d *Dispatch, ev Event) error
	GetDispatch(ctx context.Context, incidentID, id int64) (*Dispatch, error)
	// UpdateDispatch writes a status change; a cancelled supplies order
	// puts its stock back, and so does what a returned order brings back.
	UpdateDispatch(ctx context.Context, in *Incident, d *Dispatch, back []Item, ev Event) error

	CreateReport(ctx context.Context, in *Incident, r *Report, ev Event) error
	GetReport(ctx context.Context, incidentID, id int64) (*Report, error)
	UpdateReport(ctx context.Context, in *Incident, r *Report, ev Event) error
	// PublishReport numbers the report (the next 期 of the incident) and
	// writes the incident (its last report time) in one transaction.
	PublishReport(ctx context.Context, before, after *Incident, r *Report, ev Event) error

	AddAttachment(ctx context.Context, in *Incident, a *Attachment, data []byte, ev Event) error
	GetAttachment(ctx context.Context, incidentID, id int64) (*Attachment, []byte, error)
}

// AlarmInfo is what an alarm gives an incident raised from it.
type AlarmInfo struct {
	ID       int64
	Division string
	Lon, Lat *float64
	Title    string
	Type     string // suggested event type, "" when unknown
	Unit     string // the enterprise, when any
	// EnterpriseID is that enterprise's registry id (0 when none).
	EnterpriseID int64
	RaisedAt     time.Time
	Level        string
}

// Enterprises is what intake needs of the registry: an enterprise in the
// actor's scope (ENOTFOUND otherwise), its name and division.
type Enterprises interface {
	Enterprise(ctx context.Context, id int64) (name, division string, err error)
}

// Alarms is what intake needs of the alarm side.
type Alarms interface {
	// Alarm returns an alarm in the actor's scope (ENOTFOUND otherwise).
	Alarm(ctx context.Context, id int64) (AlarmInfo, error)
	// Escalated records in the alarm's history that it became an incident.
	Escalated(ctx context.Context, alarmID int64, incidentID int64, number string, at time.Time) error
}
