// Package duty is the duty roster (值班值守) of an emergency-management
// bureau: shifts with a leader (带班领导) and officers (值班员) per division
// and day, the team on duty now, the handover log between shifts (交接班:
// what is still open, what to watch, the open alarms at the moment of
// handover, and the incoming officer's acceptance), and the daily "all
// quiet" report (报平安) each division files, with the days a division has
// not filed listed.
//
// Days are duty days in Beijing time (Asia/Shanghai, UTC+8, no daylight
// saving); everything is stored and sent in UTC.
package duty

import (
	"context"
	"github.com/yingji/yingji/internal/core"
	"time"

	"github.com/yingji/yingji/internal/alarm"
)

// Beijing is China Standard Time, in which duty days are counted.
var Beijing = core.Beijing

// DateLayout is how a duty day is written: 2026-11-28.
const DateLayout = "2006-01-02"

// MaxShift is the longest shift: a 24-hour shift (commonly 08:30 to 08:30)
// is the longest rota duty rooms keep.
const MaxShift = 24 * time.Hour

// Member is a person on the roster.
type Member struct {
	UserID   int64  `json:"user_id"`
	Username string `json:"username"`
	Name     string `json:"name"`
}

// Shift is one duty shift of a division.
type Shift struct {
	ID       int64     `json:"id"`
	Division string    `json:"division_code"`
	Date     string    `json:"date"` // the Beijing day the shift starts on
	Name     string    `json:"name"` // 白班, 夜班, 全天 …
	Start    time.Time `json:"start"`
	End      time.Time `json:"end"`
	Leader   Member    `json:"leader"`
	Officers []Member  `json:"officers"`
	Phone    string    `json:"phone"` // the duty telephone
	Note     string    `json:"note"`
	Version  int       `json:"version"`

	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Covers reports whether the shift is on duty at t.
func (s *Shift) Covers(t time.Time) bool { return !t.Before(s.Start) && t.Before(s.End) }

// ShiftInput is what a roster editor sends.
type ShiftInput struct {
	Division   string    `json:"division_code"`
	Name       string    `json:"name"`
	Start      time.Time `json:"start"`
	End        time.Time `json:"end"`
	LeaderID   int64     `json:"leader_id"`
	OfficerIDs []int64   `json:"officer_ids"`
	Phone      string    `json:"phone"`
	Note       string    `json:"note"`
	// Version is the version the editor read (updates only).
	Version int `json:"version"`
}

// Skipped is a shift a copy left out, and why.
type Skipped struct {
	Date   string `json:"date"`
	Name   string `json:"name"`
	Reason string `json:"reason"`
}

// CopyInput copies the shifts of the 7 days from From to the 7 days from To.
type CopyInput struct {
	Division string `json:"division_code"`
	From     string `json:"from"`
	To       string `json:"to"`
}

// ShiftFilter selects shifts overlapping [From, To).
type ShiftFilter struct {
	Division string // this division and below; "" for the actor's area
	From, To time.Time
}

// Team is the duty team of one division at a moment.
type Team struct {
	Division     string `json:"division_code"`
	DivisionName string `json:"division_name"`
	Shift        *Shift `json:"shift"`
}

// AlarmRef is an open alarm as it stood at a handover.
type AlarmRef struct {
	ID        int64     `json:"id"`
	Point     string    `json:"point"`
	PointName string    `json:"point_name"`
	Level     string    `json:"level"`
	State     string    `json:"state"`
	Message   string    `json:"message"`
	Division  string    `json:"division_code"`
	RaisedAt  time.Time `json:"raised_at"`
	Overdue   bool      `json:"overdue"`
}

// Handover is one entry of the handover log.
type Handover struct {
	ID       int64  `json:"id"`
	Division string `json:"division_code"`
	// ShiftID is the outgoing shift, when the handover closes one.
	ShiftID  int64     `json:"shift_id,omitempty"`
	At       time.Time `json:"at"`
	Outgoing Member    `json:"outgoing"`
	Incoming Member    `json:"incoming"`
	Open     string    `json:"open"`  // what is still open (未办结事项)
	Watch    string    `json:"watch"` // what to watch (需关注事项)
	// Alarms is the snapshot of open alarms in the division at handover
	// (at most SnapshotLimit, most severe first); OpenAlarms counts all.
	Alarms     []AlarmRef `json:"alarms"`
	OpenAlarms int        `json:"open_alarms"`
	AcceptedAt *time.Time `json:"accepted_at,omitempty"`
}

// SnapshotLimit is the most alarms a handover keeps.
const SnapshotLimit = 200

// HandoverInput is what the outgoing officer sends.
type HandoverInput struct {
	Division   string `json:"division_code"`
	ShiftID    int64  `json:"shift_id"`
	IncomingID int64  `json:"incoming_id"`
	Open       string `json:"open"`
	Watch      string `json:"watch"`
}

// HandoverFilter pages through the log, newest first.
type HandoverFilter struct {
	Division      string
	Limit, Offset int
}

// Quiet is a daily all-quiet report (报平安).
type Quiet struct {
	ID         int64     `json:"id"`
	Division   string    `json:"division_code"`
	Date       string    `json:"date"`
	Note       string    `json:"note"`
	ReportedBy Member    `json:"reported_by"`
	ReportedAt time.Time `json:"reported_at"`
	// Late is set when the report was filed after its day had ended.
	Late bool `json:"late"`
}

// QuietInput is what the duty officer sends; Date defaults to today.
type QuietInput struct {
	Division string `json:"division_code"`
	Date     string `json:"date"`
	Note     string `json:"note"`
}

// Missing is a day a division filed no all-quiet report.
type Missing struct {
	Division     string `json:"division_code"`
	DivisionName string `json:"division_name"`
	Date         string `json:"date"`
}

// Person is an account that can be put on the roster.
type Person struct {
	ID       int64  `json:"id"`
	Username string `json:"username"`
	Name     string `json:"name"`
	Role     string `json:"role"`
	Division string `json:"division_code"`
	Disabled bool   `json:"disabled"`
}

// Store keeps the roster. Reads are limited to the actor's area in ctx;
// every write is audited in the same transaction.
type Store interface {
	// ListShifts returns shifts overlapping the filter's range, by start.
	ListShifts(ctx context.Context, f ShiftFilter) ([]*Shift, error)
	// GetShift returns ENOTFOUND for a shift outside the actor's area.
	GetShift(ctx context.Context, id int64) (*Shift, error)
	// CreateShift stores s (ID, Version, times set); ECONFLICT when it
	// overlaps another shift of the same division.
	CreateShift(ctx context.Context, s *Shift) error
	// UpdateShift stores s if its Version is still current (ECONFLICT
	// otherwise, or on overlap) and increments Version.
	UpdateShift(ctx context.Context, s *Shift) error
	// CreateShifts stores several shifts in one transaction, leaving out
	// (and returning with the reason) those that overlap a stored shift.
	CreateShifts(ctx context.Context, ss []*Shift) (created []*Shift, skipped []Skipped, err error)
	// DeleteShift removes a shift at that version (ECONFLICT otherwise).
	DeleteShift(ctx context.Context, id int64, version int) error

	CreateHandover(ctx context.Context, h *Handover) error
	GetHandover(ctx context.Context, id int64) (*Handover, error)
	ListHandovers(ctx context.Context, f HandoverFilter) ([]*Handover, int, error)
	// AcceptHandover sets AcceptedAt once (ECONFLICT when already set).
	AcceptHandover(ctx context.Context, id int64, at time.Time) error

	// CreateQuiet stores a report; ECONFLICT when the division already
	// filed one for that day.
	CreateQuiet(ctx context.Context, q *Quiet) error
	// ListQuiet returns the reports of [from, to] (dates) in the area.
	ListQuiet(ctx context.Context, division, from, to string) ([]*Quiet, error)

	// People returns the active and disabled accounts with the given ids
	// (any area: a leader may sit above the division).
	People(ctx context.Context, ids []int64) (map[int64]Person, error)
	// ListPeople returns the active accounts (enterprise accounts left
	// out) at or below division and in the divisions named in above.
	ListPeople(ctx context.Context, division string, above []string) ([]Person, error)
}

// Alarms is what a handover needs of the alarm service: the open alarms of
// a division (the store's ListAlarms satisfies it).
type Alarms interface {
	ListAlarms(ctx context.Context, f alarm.Filter) ([]*alarm.Alarm, int, error)
}
