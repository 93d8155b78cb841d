package warning

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/paulmach/orb"

	"github.com/yingji/yingji/internal/core"
	"github.com/yingji/yingji/internal/warning/cap"
)

// ErrIdentifierTaken is returned (wrapped) by the store when a message
// identifier is already used; Publish then takes the next sequence digit.
var ErrIdentifierTaken = errors.New("warning: identifier taken")

// Service runs the warning lifecycle.
type Service struct {
	Store Store
	// Deliverer, when set, is handed every published message after it is
	// stored; nil means no delivery is configured.
	Deliverer Deliverer
	Clock     core.Clock
	// Issuer makes the GB/T 35965.1 identifiers; Sender is the CAP sender
	// (no spaces or commas) and SenderName the issuing unit's name.
	Issuer     Issuer
	Sender     string
	SenderName string
	// RequireCommander: a red warning is approved only by a commander.
	RequireCommander bool
	// DivisionName names a division code and says whether it exists.
	DivisionName func(code string) (string, bool)
	// Locate returns the division containing a point.
	Locate func(p orb.Point) (string, bool)
	// Alarm looks an alarm up for drafting from it (scope applies).
	Alarm func(ctx context.Context, id int64) (AlarmFacts, error)
	// Incident, when set, reads an incident in the caller's area for
	// drafting from it (from_incident).
	Incident func(ctx context.Context, id int64) (IncidentFacts, error)
	// ImportDivision owns messages imported by the system (the feed
	// poller); ImportTTL is the validity of imported infos without expires.
	ImportDivision string
	ImportTTL      time.Duration
	// Changed, if set, is told of every change (live feed, map layer).
	Changed func(w *Warning)
	Logger  *slog.Logger
}

func (s *Service) now() time.Time {
	if s.Clock == nil {
		return time.Now().UTC()
	}
	return s.Clock().UTC()
}

// Now is the service's clock (UTC).
func (s *Service) Now() time.Time { return s.now() }

func (s *Service) logger() *slog.Logger {
	if s.Logger == nil {
		return slog.Default()
	}
	return s.Logger
}

// Get returns a warning with its state at the service's clock.
func (s *Service) Get(ctx context.Context, id int64) (*Warning, error) {
	w, err := s.Store.GetWarning(ctx, id)
	if err != nil {
		return nil, err
	}
	w.SetState(s.now())
	return w, nil
}

// List lists warnings in the actor's scope.
func (s *Service) List(ctx context.Context, f Filter) ([]*Warning, int, error) {
	now := s.now()
	ws, n, err := s.Store.ListWarnings(ctx, f, now)
	for _, w := range ws {
		w.SetState(now)
	}
	return ws, n, err
}

// Chain returns every message of id's chain, oldest first.
func (s *Service) Chain(ctx context.Context, id int64) ([]*Warning, error) {
	w, err := s.Store.GetWarning(ctx, id)
	if err != nil {
		return nil, err
	}
	ws, _, err := s.List(ctx, Filter{ChainID: w.ChainID, Limit: 1000})
	if err != nil {
		return nil, err
	}
	// the store lists newest first; a chain reads oldest first.
	for i, j := 0, len(ws)-1; i < j; i, j = i+1, j-1 {
		ws[i], ws[j] = ws[j], ws[i]
	}
	return ws, nil
}

// Draft creates a draft (msgType Alert) from a person's input, a template,
// an alarm or a model's zone (its geometry as the area).
func (s *Service) Draft(ctx context.Context, in Input) (*Warning, error) {
	now := s.now()
	actor := actorOf(ctx)
	w := &Warning{MsgType: MsgAlert, Status: Draft, Scope: "Public", Source: "local",
		DraftedBy: actor.UserID, Drafter: actor.Username, CreatedAt: now, UpdatedAt: now}
	if in.FromAlarm != 0 && in.FromIncident != 0 {
		return nil, core.Invalid("from_incident", "a draft starts from an alarm or from an incident, not both")
	}
	if in.FromAlarm != 0 {
		if err := s.fromAlarm(ctx, w, &in); err != nil {
			return nil, err
		}
	}
	if in.FromIncident != 0 {
		if err := s.fromIncident(ctx, w, &in); err != nil {
			return nil, err
		}
	}
	if err := s.compose(ctx, w, in, now); err != nil {
		return nil, err
	}
	if err := s.Store.CreateWarning(ctx, w, "draft"); err != nil {
		return nil, fmt.Errorf("warning: draft: %w", err)
	}
	return s.changed(w, now), nil
}

func (s *Service) changed(w *Warning, now time.Time) *Warning {
	w.SetState(now)
	if s.Changed != nil {
		s.Changed(w)
	}
	return w
}

func checkVersion(w *Warning, version int) error {
	if version != 0 && version != w.Version {
		return core.Errorf(core.ECONFLICT, "warning %d was changed by someone else (your version %d, now %d); reload it and try again", w.ID, version, w.Version)
	}
	return nil
}

// Edit changes a draft. An approved draft that is edited goes back to
// draft and needs approval again. version is required: two people may
// edit the same draft.
func (s *Service) Edit(ctx context.Context, id int64, in Input) (*Warning, error) {
	now := s.now()
	w, err := s.Store.GetWarning(ctx, id)
	if err != nil {
		return nil, err
	}
	if w.Status != Draft && w.Status != Approved {
		return nil, core.Errorf(core.ECONFLICT, "warning %d is %s; only drafts can be edited (publish an update instead)", id, w.Status)
	}
	if in.Version == 0 {
		return nil, core.Invalid("version", "is required: the version of the draft you edited")
	}
	if err := checkVersion(w, in.Version); err != nil {
		return nil, err
	}
	if in.FromIncident != 0 {
		return nil, core.Invalid("from_incident", "only a new draft can start from an incident")
	}
	if in.FromAlarm != 0 {
		return nil, core.Invalid("from_alarm", "only a new draft can start from an alarm")
	}
	if err := s.compose(ctx, w, in, now); err != nil {
		return nil, err
	}
	w.Status, w.ApprovedBy, w.Approver, w.ApprovedAt = Draft, 0, "", nil
	w.UpdatedAt = now
	if err := s.Store.SaveWarnings(ctx, "edit", w); err != nil {
		return nil, fmt.Errorf("warning: edit %d: %w", id, err)
	}
	return s.changed(w, now), nil
}

// Approve records a second person's approval of a draft: never the
// drafter's own, and for red a commander's when RequireCommander is set.
func (s *Service) Approve(ctx context.Context, id int64, version int) (*Warning, error) {
	now := s.now()
	actor := actorOf(ctx)
	w, err := s.Store.GetWarning(ctx, id)
	if err != nil {
		return nil, err
	}
	if w.Status != Draft {
		return nil, core.Errorf(core.ECONFLICT, "warning %d is %s; only a draft can be approved", id, w.Status)
	}
	if err := checkVersion(w, version); err != nil {
		return nil, err
	}
	if actor.UserID == w.DraftedBy || actor.System {
		return nil, core.Errorf(core.EFORBIDDEN, "two-person rule: %s drafted warning %d and cannot approve it; another person with warnings.approve must", w.Drafter, id)
	}
	if w.Level == Red && s.RequireCommander && actor.Role != "commander" {
		return nil, core.Errorf(core.EFORBIDDEN, "a red warning must be approved by a commander (指挥长); you are %s", actor.Role)
	}
	w.Status, w.ApprovedBy, w.Approver, w.ApprovedAt, w.UpdatedAt = Approved, actor.UserID, actor.Username, &now, now
	if err := s.Store.SaveWarnings(ctx, "approve", w); err != nil {
		return nil, fmt.Errorf("warning: approve %d: %w", id, err)
	}
	return s.changed(w, now), nil
}

// Withdraw abandons a draft.
func (s *Service) Withdraw(ctx context.Context, id int64, version int) (*Warning, error) {
	now := s.now()
	w, err := s.Store.GetWarning(ctx, id)
	if err != nil {
		return nil, err
	}
	if w.Status != Draft && w.Status != Approved {
		return nil, core.Errorf(core.ECONFLICT, "warning %d is %s; only drafts can be withdrawn", id, w.Status)
	}
	if err := checkVersion(w, version); err != nil {
		return nil, err
	}
	w.Status, w.UpdatedAt = Withdrawn, now
	if err := s.Store.SaveWarnings(ctx, "withdraw", w); err != nil {
		return nil, fmt.Errorf("warning: withdraw %d: %w", id, err)
	}
	return s.changed(w, now), nil
}

// current returns the published message of a chain, or nil.
func (s *Service) current(ctx context.Context, chainID int64) (*Warning, []*Warning, error) {
	ws, _, err := s.Store.ListWarnings(ctx, Filter{ChainID: chainID, Limit: 1000}, s.now())
	if err != nil {
		return nil, nil, err
	}
	var cur *Warning
	var sent []*Warning // oldest first
	for i := len(ws) - 1; i >= 0; i-- {
		w := ws[i]
		if w.Identifier != "" {
			sent = append(sent, w)
		}
		if w.Status == Published || (w.Status == Imported && w.MsgType != MsgCancel) {
			cur = w
		}
	}
	return cur, sent, nil
}

// Publish sends an approved draft: it gets its identifier and CAP message
// and is stored — replacing the chain's current message for an update or
// cancel — before it is handed to the Deliverer, so that a failing
// delivery never loses a publication (the redelivery loop retries).
func (s *Service) Publish(ctx context.Context, id int64, version int) (*Warning, error) {
	now := s.now().Truncate(time.Second)
	actor := actorOf(ctx)
	w, err := s.Store.GetWarning(ctx, id)
	if err != nil {
		return nil, err
	}
	if w.Status != Approved {
		return nil, core.Errorf(core.ECONFLICT, "warning %d is %s; only an approved warning can be published", id, w.Status)
	}
	if err := checkVersion(w, version); err != nil {
		return nil, err
	}
	if w.MsgType != MsgCancel && !w.Expires.After(now) {
		return nil, core.Errorf(core.ECONFLICT, "warning %d expired at %s before it was published; edit its expiry", id, w.Expires.Format(time.RFC3339))
	}
	save := []*Warning{w}
	var refs []cap.Reference
	switch {
	case w.MsgType == MsgUpdate || w.MsgType == MsgCancel:
		cur, sent, err := s.current(ctx, w.ChainID)
		if err != nil {
			return nil, err
		}
		if cur == nil || cur.Status != Published {
			return nil, core.Errorf(core.ECONFLICT, "warning %d's chain has no published message any more (it was cancelled or replaced meanwhile)", id)
		}
		for _, m := range sent {
			refs = append(refs, cap.Reference{Sender: m.Sender, Identifier: m.Identifier, Sent: *m.Sent})
		}
		cur.Status, cur.UpdatedAt = Superseded, now
		if w.MsgType == MsgCancel {
			cur.Status = Cancelled
		}
		save = append(save, cur)
	case w.ForwardedFrom != 0:
		src, err := s.Store.GetWarning(core.WithActor(ctx, core.SystemActor), w.ForwardedFrom)
		if err != nil {
			return nil, err
		}
		refs = append(refs, cap.Reference{Sender: src.Sender, Identifier: src.Identifier, Sent: *src.Sent})
	}
	w.References = cap.FormatReferences(refs)
	w.Status, w.Sender, w.Sent, w.PublishedBy, w.Publisher, w.UpdatedAt = Published, s.Sender, &now, actor.UserID, actor.Username, now
	for n := 0; ; n++ {
		if n == 10 {
			return nil, core.Errorf(core.EUNAVAILABLE, "ten messages were published in this second; try again")
		}
		if w.Identifier, err = s.Issuer.Identifier(now, n); err != nil {
			return nil, fmt.Errorf("warning: publish %d: %w", id, err)
		}
		if w.CAP, err = s.encode(w); err != nil {
			return nil, fmt.Errorf("warning: publish %d: CAP: %w", id, err)
		}
		err = s.Store.SaveWarnings(ctx, "publish", save...)
		if !errors.Is(err, ErrIdentifierTaken) {
			break
		}
	}
	if err != nil {
		return nil, fmt.Errorf("warning: publish %d: %w", id, err)
	}
	s.deliver(ctx, w)
	for _, x := range save[1:] {
		s.changed(x, now)
	}
	return s.changed(w, now), nil
}

// deliver hands a stored message to the Deliverer and records the outcome;
// a failure stays pending for the redelivery loop.
func (s *Service) deliver(ctx context.Context, w *Warning) {
	if s.Deliverer == nil {
		return
	}
	d := Delivery{WarningID: w.ID, Identifier: w.Identifier, MsgType: w.MsgType, Level: string(w.Level),
		Event: w.Text.Event, Headline: w.Text.Headline, Description: w.Text.Description, Instruction: w.Text.Instruction,
		Lang: "zh-CN", Sent: *w.Sent, Expires: w.Expires, Area: w.Area, CAP: w.CAP}
	err := s.Deliverer.Deliver(ctx, d)
	now := s.now()
	if err != nil {
		s.logger().Error("warning delivery failed; will retry", "warning", w.ID, "identifier", w.Identifier, "err", err)
		w.DeliveryError = core.ErrorMessage(err)
		if core.ErrorCode(err) == core.EINTERNAL {
			w.DeliveryError = err.Error()
		}
	} else {
		w.DeliveredAt, w.DeliveryError = &now, ""
	}
	sys := core.WithActor(ctx, core.SystemActor)
	if err := s.Store.SaveWarnings(sys, "deliver", w); err != nil {
		s.logger().Error("record warning delivery", "warning", w.ID, "err", err)
	}
}

// Redeliver hands every published message still pending to the Deliverer
// (after a failure or a crash between storing and delivering). The server
// calls it on a timer.
func (s *Service) Redeliver(ctx context.Context) (int, error) {
	if s.Deliverer == nil {
		return 0, nil
	}
	ctx = core.WithActor(ctx, core.SystemActor)
	ws, err := s.Store.PendingDelivery(ctx, s.now(), 100)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, w := range ws {
		s.deliver(ctx, w)
		if w.DeliveredAt != nil {
			n++
		}
	}
	return n, nil
}
