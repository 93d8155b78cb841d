// Package warning is the public-warning lifecycle: drafts composed by hand,
// from a template, an alarm or a hazard model's zone; approval by a second
// person (two-person rule; a commander for red); publication as CAP 1.2
// messages with GB/T 35965.1 identifiers; updates and cancellations that
// reference the earlier messages of the chain; import of CAP messages from
// outside (HTTP or a polled feed) and their forwarding; the Atom feed of
// active alerts. Delivery to recipients is behind the Deliverer interface.
package warning

import (
	"context"
	"time"
)

// Status is where one message is in its life.
type Status string

// Statuses. A chain is an original message and its updates and cancel;
// at most one message of a chain is published and current at a time.
const (
	Draft      Status = "draft"      // being composed; editable
	Approved   Status = "approved"   // a second person approved it; ready to publish
	Published  Status = "published"  // sent; current message of its chain
	Superseded Status = "superseded" // a later update of the chain replaced it
	Cancelled  Status = "cancelled"  // a cancel of the chain ended it
	Imported   Status = "imported"   // received from outside; not sent by us
	Withdrawn  Status = "withdrawn"  // a draft abandoned before publication
)

// Message types (CAP msgType).
const (
	MsgAlert  = "Alert"
	MsgUpdate = "Update"
	MsgCancel = "Cancel"
)

// Text is a warning's words in one language.
type Text struct {
	Event       string `json:"event"`
	Headline    string `json:"headline"`
	Description string `json:"description"`
	Instruction string `json:"instruction"`
}

// Warning is one message of a warning chain: a draft, or a message that
// was published or imported.
type Warning struct {
	ID int64 `json:"id"`
	// ChainID is the ID of the chain's first message.
	ChainID int64  `json:"chain_id"`
	MsgType string `json:"msg_type"`
	Status  Status `json:"status"`
	// State is Status seen at a moment: "active" for a published message
	// before it expires, "expired" after (computed, not stored).
	State        string    `json:"state"`
	Template     string    `json:"template,omitempty"`
	Level        Level     `json:"level"`
	Category     string    `json:"category"`
	Urgency      string    `json:"urgency"`
	Severity     string    `json:"severity"`
	Certainty    string    `json:"certainty"`
	ResponseType string    `json:"response_type,omitempty"`
	Text         Text      `json:"text"`
	English      *Text     `json:"english,omitempty"`
	Onset        time.Time `json:"onset"`
	Expires      time.Time `json:"expires"`
	Area         Area      `json:"area"`
	// Division is the division the warning belongs to (scope).
	Division string `json:"division_code"`
	Note     string `json:"note,omitempty"`

	// Identifier, Sender and Sent are set when the message is published
	// (or as received, for imports).
	Identifier string     `json:"identifier,omitempty"`
	Sender     string     `json:"sender,omitempty"`
	Sent       *time.Time `json:"sent,omitempty"`
	// References are the earlier messages this one refers to (CAP form).
	References string `json:"references,omitempty"`
	Scope      string `json:"scope"`

	DraftedBy   int64      `json:"drafted_by"`
	Drafter     string     `json:"drafter"`
	ApprovedBy  int64      `json:"approved_by,omitempty"`
	Approver    string     `json:"approver,omitempty"`
	ApprovedAt  *time.Time `json:"approved_at,omitempty"`
	PublishedBy int64      `json:"published_by,omitempty"`
	Publisher   string     `json:"publisher,omitempty"`
	// DeliveredAt is when the Deliverer accepted the message; nil while
	// delivery is pending (the redelivery loop retries it).
	DeliveredAt   *time.Time `json:"delivered_at,omitempty"`
	DeliveryError string     `json:"delivery_error,omitempty"`

	// Source is "local" or "import"; ForwardedFrom the imported message
	// a forwarded draft came from; FromAlarm the alarm it was drafted from.
	Source        string `json:"source"`
	ForwardedFrom int64  `json:"forwarded_from,omitempty"`
	FromAlarm     int64  `json:"from_alarm,omitempty"`
	FromIncident  int64  `json:"from_incident,omitempty"`

	// CAP is the message as sent or received (XML); empty for drafts.
	CAP []byte `json:"-"`

	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	Version   int       `json:"version"`
}

// Active reports whether the message is in force at now: published, not
// a cancel, and not yet expired.
func (w *Warning) Active(now time.Time) bool {
	return w.Status == Published && w.MsgType != MsgCancel && now.Before(w.Expires)
}

// SetState fills State for the moment now.
func (w *Warning) SetState(now time.Time) {
	switch {
	case w.Status == Published && w.MsgType == MsgCancel:
		w.State = "cancel_sent"
	case w.Status == Published && !now.Before(w.Expires):
		w.State = "expired"
	case w.Status == Published:
		w.State = "active"
	case w.Status == Imported && now.Before(w.Expires):
		w.State = "imported_active"
	case w.Status == Imported:
		w.State = "imported_expired"
	default:
		w.State = string(w.Status)
	}
}

// Filter selects warnings; zero values select all.
type Filter struct {
	// View: "active" (published, unexpired, not cancels), "drafts"
	// (draft or approved), "history" (everything else), "imported", or ""
	// for all.
	View     string
	Division string
	Levels   []Level
	ChainID  int64
	Limit    int
	Offset   int
}

// Store keeps warnings. Reads and writes apply the actor's division scope
// (ENOTFOUND outside it) except with the system actor. Every write is in
// the audit trail.
type Store interface {
	// CreateWarning inserts w and sets its ID, ChainID (its own ID when 0)
	// and Version; in the same transaction it saves ended (messages w
	// replaces) as SaveWarnings does.
	CreateWarning(ctx context.Context, w *Warning, action string, ended ...*Warning) error
	// SaveWarnings writes each warning if its stored version is still
	// w.Version (else ECONFLICT), all or none, and bumps the versions. A
	// taken identifier returns an error wrapping ErrIdentifierTaken.
	SaveWarnings(ctx context.Context, action string, ws ...*Warning) error
	GetWarning(ctx context.Context, id int64) (*Warning, error)
	// ListWarnings lists newest first; "active" uses now.
	ListWarnings(ctx context.Context, f Filter, now time.Time) ([]*Warning, int, error)
	// FindMessage returns the message with that sender and identifier
	// (published or imported), or nil.
	FindMessage(ctx context.Context, sender, identifier string) (*Warning, error)
	// PendingDelivery lists current, unexpired published messages not yet
	// handed to the Deliverer (system use).
	PendingDelivery(ctx context.Context, now time.Time, limit int) ([]*Warning, error)
}

// Deliverer fans one published message (alert, update or cancel) out to
// every recipient in its area on every channel. Idempotent per
// (WarningID, Identifier).
type Deliverer interface {
	Deliver(ctx context.Context, d Delivery) error
}

// Delivery is one published message for the delivery side.
type Delivery struct {
	WarningID                                       int64
	Identifier                                      string // the CAP identifier of this message
	MsgType                                         string // Alert, Update, Cancel
	Level                                           string // red, orange, yellow, blue
	Event, Headline, Description, Instruction, Lang string
	Sent, Expires                                   time.Time
	Area                                            Area // the warning's area: polygons, circles, division codes
	CAP                                             []byte
}

// IncidentFacts is what drafting from an incident needs to know about it.
type IncidentFacts struct {
	ID         int64
	Number     string
	Type       string // the event-type code, e.g. natural.geohazard.landslide
	TypeName   string
	Title      string
	Division   string
	Lon, Lat   float64
	HasPlace   bool
	Level      int // 1 (特别重大) … 4 (一般); 0 not graded
	OccurredAt time.Time
}

// AlarmFacts is what drafting from an alarm needs to know about it.
type AlarmFacts struct {
	ID        int64
	Level     Level
	PointKind string
	PointName string
	Message   string
	Division  string
	Lon, Lat  float64
	RaisedAt  time.Time
}
