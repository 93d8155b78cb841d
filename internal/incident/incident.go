package incident

import (
	"fmt"
	"github.com/yingji/yingji/internal/core"
	"github.com/yingji/yingji/internal/geo"
	"math"
	"strings"
	"time"
)

// Statuses of an incident.
const (
	Open   = "open"
	Closed = "closed"
	Merged = "merged" // a duplicate, pointing to the incident that survived
)

// Sources an incident comes from.
var Sources = []string{"phone", "field", "partner", "alarm", "feed"}

// Incident is one reported event.
type Incident struct {
	ID       int64  `json:"id"`
	Number   string `json:"number"`
	Title    string `json:"title"`
	Type     string `json:"type"`
	TypeName string `json:"type_name"`
	Category string `json:"category"`
	Status   string `json:"status"`

	OccurredAt time.Time `json:"occurred_at"`
	ReceivedAt time.Time `json:"received_at"`
	// Lon, Lat in WGS84; nil when only an address is known.
	Lon      *float64 `json:"lon"`
	Lat      *float64 `json:"lat"`
	Address  string   `json:"address"`
	Division string   `json:"division_code"`

	Source        string `json:"source"`
	Reporter      string `json:"reporter"`
	ReporterPhone string `json:"reporter_phone"`
	Unit          string `json:"unit"` // the unit where it happened, when known

	Figures
	Description string `json:"description"`

	Level   Level   `json:"level"`
	Grade   string  `json:"grade"`
	Grading Grading `json:"grading"`
	AlarmID int64   `json:"alarm_id,omitempty"`
	// EnterpriseID is the enterprise where it happened, when it happened in
	// one (an accident counts in that enterprise's dynamic risk).
	EnterpriseID int64 `json:"enterprise_id,omitempty"`
	MergedInto   int64 `json:"merged_into,omitempty"`

	ResponsePlan  string `json:"response_plan,omitempty"`
	ResponseLevel int    `json:"response_level,omitempty"`

	InitialReportedAt *time.Time `json:"initial_reported_at,omitempty"`
	OnwardReportedAt  *time.Time `json:"onward_reported_at,omitempty"`
	LastReportAt      *time.Time `json:"last_report_at,omitempty"`

	Summary  string     `json:"summary,omitempty"`
	ClosedAt *time.Time `json:"closed_at,omitempty"`
	Review   *Review    `json:"review,omitempty"`

	CreatedBy string    `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	Version   int       `json:"version"`

	// Computed when read.
	Deadlines []Deadline `json:"deadlines"`
	NextDue   *time.Time `json:"next_due,omitempty"`
	Overdue   bool       `json:"overdue"`

	// Filled by GetIncident with everything attached.
	Tasks       []*Task       `json:"tasks,omitempty"`
	Dispatches  []*Dispatch   `json:"dispatches,omitempty"`
	Reports     []*Report     `json:"reports,omitempty"`
	Attachments []*Attachment `json:"attachments,omitempty"`
}

// Clocks returns what the deadlines depend on.
func (in *Incident) Clocks() Clocks {
	return Clocks{OccurredAt: in.OccurredAt, ReceivedAt: in.ReceivedAt, InitialAt: in.InitialReportedAt, OnwardAt: in.OnwardReportedAt,
		LastReportAt: in.LastReportAt, Level: in.Level, Open: in.Status == Open}
}

// Review is the after-action review (复盘).
type Review struct {
	Summary   string     `json:"summary"`
	Findings  []string   `json:"findings"`
	FollowUps []FollowUp `json:"follow_ups"`
	By        string     `json:"by"`
	At        time.Time  `json:"at"`
}

// FollowUp is an improvement the review asks for.
type FollowUp struct {
	Title string     `json:"title"`
	Owner string     `json:"owner"`
	Due   *time.Time `json:"due,omitempty"`
	Done  bool       `json:"done"`
}

// Task statuses.
const (
	TaskOpen      = "open"
	TaskDoing     = "in_progress"
	TaskDone      = "done"
	TaskCancelled = "cancelled"
)

// TaskStatuses lists them.
var TaskStatuses = []string{TaskOpen, TaskDoing, TaskDone, TaskCancelled}

// Task is one thing someone must do for an incident.
type Task struct {
	ID         int64      `json:"id"`
	IncidentID int64      `json:"incident_id"`
	Title      string     `json:"title"`
	Owner      string     `json:"owner"`
	Status     string     `json:"status"`
	Due        *time.Time `json:"due,omitempty"`
	Notes      string     `json:"notes"`
	Source     string     `json:"source,omitempty"` // the plan level that created it
	Overdue    bool       `json:"overdue"`
	CreatedAt  time.Time  `json:"created_at"`
	UpdatedAt  time.Time  `json:"updated_at"`
	Version    int        `json:"version"`
}

// Event is one entry of an incident's timeline.
type Event struct {
	ID         int64          `json:"id"`
	IncidentID int64          `json:"incident_id"`
	At         time.Time      `json:"at"`
	Kind       string         `json:"kind"` // intake, update, grade, upward, activate, task, dispatch, report, note, merge, close, review, attachment, alarm
	Actor      string         `json:"actor"`
	Summary    string         `json:"summary"`
	Data       map[string]any `json:"data,omitempty"`
}

// Attachment is a stored file of an incident.
type Attachment struct {
	ID          int64     `json:"id"`
	IncidentID  int64     `json:"incident_id"`
	Name        string    `json:"name"`
	ContentType string    `json:"content_type"`
	Size        int64     `json:"size"`
	SHA256      string    `json:"sha256"`
	By          string    `json:"by"`
	At          time.Time `json:"at"`
}

// NumberPrefix is the part of a readable number before the sequence:
// YJ-<county code>-<date in Asia/Shanghai>.
func NumberPrefix(division string, received time.Time, loc *time.Location) string {
	return fmt.Sprintf("YJ-%s-%s", county(division), received.In(loc).Format("20060102"))
}

// Number is the readable number: the prefix and a four-digit sequence.
func Number(prefix string, seq int) string { return fmt.Sprintf("%s-%04d", prefix, seq) }

// Shanghai is the time zone numbers and the UI use.
var Shanghai = core.Beijing

// DistanceKm is the great-circle distance between two WGS84 points
// (geo.DistanceKm).
func DistanceKm(lon1, lat1, lon2, lat2 float64) float64 {
	return geo.DistanceKm(lon1, lat1, lon2, lat2)
}

// DuplicatePolicy says when two incidents are possibly the same event: the
// same type, occurring within Window of each other and within RadiusKm
// (or, when either has no coordinates, in the same county).
type DuplicatePolicy struct {
	Window   time.Duration
	RadiusKm float64
}

// DefaultDuplicates: 6 hours, 2 km.
var DefaultDuplicates = DuplicatePolicy{Window: 6 * time.Hour, RadiusKm: 2}

// Duplicate is a possible duplicate of a new incident.
type Duplicate struct {
	ID         int64     `json:"id"`
	Number     string    `json:"number"`
	Title      string    `json:"title"`
	Type       string    `json:"type"`
	OccurredAt time.Time `json:"occurred_at"`
	Division   string    `json:"division_code"`
	DistanceKm *float64  `json:"distance_km,omitempty"`
	Minutes    float64   `json:"minutes_apart"`
}

// IsDuplicate reports whether other is a possible duplicate of in.
func (p DuplicatePolicy) IsDuplicate(in, other *Incident) (Duplicate, bool) {
	d := Duplicate{ID: other.ID, Number: other.Number, Title: other.Title, Type: other.Type, OccurredAt: other.OccurredAt, Division: other.Division}
	if other.ID == in.ID || other.Status == Merged || other.Type != in.Type {
		return d, false
	}
	gap := in.OccurredAt.Sub(other.OccurredAt)
	if gap < 0 {
		gap = -gap
	}
	if gap > p.Window {
		return d, false
	}
	d.Minutes = math.Round(gap.Minutes()*10) / 10
	if in.Lon != nil && in.Lat != nil && other.Lon != nil && other.Lat != nil {
		km := DistanceKm(*in.Lon, *in.Lat, *other.Lon, *other.Lat)
		km = math.Round(km*100) / 100
		d.DistanceKm = &km
		return d, km <= p.RadiusKm
	}
	return d, county(in.Division) == county(other.Division) && in.Division != ""
}

func county(code string) string {
	if len(code) > 6 {
		return code[:6]
	}
	return code
}

// validPhone is lenient: reporters call from anywhere.
func validPhone(s string) bool {
	if len(s) < 3 || len(s) > 20 {
		return false
	}
	for _, r := range s {
		if !(r >= '0' && r <= '9' || r == '-' || r == '+' || r == ' ') {
			return false
		}
	}
	return true
}

func clip(s string) string { return strings.TrimSpace(s) }
