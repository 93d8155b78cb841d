package warning

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/yingji/yingji/internal/core"
	"github.com/yingji/yingji/internal/warning/cap"
)

// followUp starts an update or cancel draft of the chain whose current
// published message is id.
func (s *Service) followUp(ctx context.Context, id int64, msgType string) (*Warning, time.Time, error) {
	now := s.now()
	prev, err := s.Store.GetWarning(ctx, id)
	if err != nil {
		return nil, now, err
	}
	if prev.Status != Published || prev.MsgType == MsgCancel {
		return nil, now, core.Errorf(core.ECONFLICT, "warning %d is %s; only the chain's current published message can be updated or cancelled", id, prev.Status)
	}
	if !prev.Expires.After(now) {
		return nil, now, core.Errorf(core.ECONFLICT, "warning %d expired at %s; draft a new warning instead", id, prev.Expires.Format(time.RFC3339))
	}
	actor := actorOf(ctx)
	w := *prev
	w.ID, w.MsgType, w.Status, w.State = 0, msgType, Draft, ""
	w.Identifier, w.Sender, w.Sent, w.References, w.CAP = "", "", nil, "", nil
	w.DraftedBy, w.Drafter, w.ApprovedBy, w.Approver, w.ApprovedAt = actor.UserID, actor.Username, 0, "", nil
	w.PublishedBy, w.Publisher, w.DeliveredAt, w.DeliveryError = 0, "", nil, ""
	w.Note, w.FromAlarm, w.FromIncident, w.ForwardedFrom, w.Source = "", 0, 0, 0, "local"
	w.CreatedAt, w.UpdatedAt, w.Version = now, now, 0
	if prev.English != nil {
		en := *prev.English
		w.English = &en
	}
	return &w, now, nil
}

// Update drafts an update of a published warning (msgType Update): the
// chain's text, level, times and area as they are, changed by in. It is
// approved and published like any draft; publishing it replaces the
// current message and references every earlier message of the chain.
func (s *Service) Update(ctx context.Context, id int64, in Input) (*Warning, error) {
	w, now, err := s.followUp(ctx, id, MsgUpdate)
	if err != nil {
		return nil, err
	}
	if in.FromAlarm != 0 || in.FromIncident != 0 || in.Template != "" {
		return nil, core.Invalid("template", "an update keeps the warning's hazard type; change the text instead")
	}
	if err := s.compose(ctx, w, in, now); err != nil {
		return nil, err
	}
	if err := s.Store.CreateWarning(ctx, w, "draft_update"); err != nil {
		return nil, fmt.Errorf("warning: update %d: %w", id, err)
	}
	return s.changed(w, now), nil
}

// Cancel drafts the cancellation of a published warning (msgType Cancel),
// with the reason in note. It is approved and published like any draft.
func (s *Service) Cancel(ctx context.Context, id int64, note string) (*Warning, error) {
	w, now, err := s.followUp(ctx, id, MsgCancel)
	if err != nil {
		return nil, err
	}
	note = strings.TrimSpace(note)
	if note == "" {
		return nil, core.Invalid("note", "is required: why the warning is cancelled")
	}
	w.Note = note
	w.Text.Headline = "解除" + w.Text.Headline
	w.Text.Description = note
	w.Text.Instruction = ""
	w.ResponseType = "AllClear"
	if w.English != nil {
		w.English.Headline = "Cancelled: " + w.English.Headline
		w.English.Description, w.English.Instruction = note, ""
	}
	if err := s.Store.CreateWarning(ctx, w, "draft_cancel"); err != nil {
		return nil, fmt.Errorf("warning: cancel %d: %w", id, err)
	}
	return s.changed(w, now), nil
}

// pickInfo chooses the Chinese info of a message (else the first) and an
// English one when there is one besides.
func pickInfo(a *cap.Alert) (main *cap.Info, en *cap.Info) {
	for i := range a.Infos {
		in := &a.Infos[i]
		lang := strings.ToLower(in.Language)
		switch {
		case strings.HasPrefix(lang, "zh") && main == nil:
			main = in
		case (lang == "" || strings.HasPrefix(lang, "en")) && en == nil:
			en = in
		}
	}
	if main == nil && len(a.Infos) > 0 {
		main = &a.Infos[0]
		if en == main {
			en = nil
		}
	}
	return main, en
}

// Import stores a CAP 1.2 message received from outside (HTTP or a polled
// feed). A message already held (same sender and identifier, sent at the
// same time) is returned with created false. An update or cancel that
// references held messages joins their chain and ends them.
func (s *Service) Import(ctx context.Context, data []byte) (w *Warning, created bool, err error) {
	now := s.now()
	a, err := cap.Decode(data)
	if err != nil {
		return nil, false, invalidCAP(err)
	}
	sys := core.WithActor(ctx, core.SystemActor)
	if old, err := s.Store.FindMessage(sys, a.Sender, a.Identifier); err != nil {
		return nil, false, err
	} else if old != nil {
		if old.Sent != nil && old.Sent.Equal(a.Sent) {
			if _, err := s.Store.GetWarning(ctx, old.ID); err != nil {
				return nil, false, core.Errorf(core.ECONFLICT, "message %s from %s is already held, outside your area", a.Identifier, a.Sender)
			}
			old.SetState(now)
			return old, false, nil
		}
		return nil, false, core.Errorf(core.ECONFLICT, "sender %s already sent a different message with identifier %s (at %s)", a.Sender, a.Identifier, old.Sent.Format(time.RFC3339))
	}
	actor := actorOf(ctx)
	sent := a.Sent.UTC()
	w = &Warning{MsgType: a.MsgType, Status: Imported, Source: "import", Identifier: a.Identifier, Sender: a.Sender, Sent: &sent,
		References: a.References, Scope: a.Scope, Note: a.Note, CAP: data, DraftedBy: actor.UserID, Drafter: actor.Username,
		Division: actor.Division, CreatedAt: now, UpdatedAt: now}
	if actor.System || w.Division == "" {
		w.Division = s.ImportDivision
	}
	main, en := pickInfo(a)
	w.Onset, w.Expires = sent, sent.Add(s.importTTL())
	if main != nil {
		w.Category = main.Categories[0]
		w.Urgency, w.Severity, w.Certainty = main.Urgency, main.Severity, main.Certainty
		if len(main.ResponseTypes) > 0 {
			w.ResponseType = main.ResponseTypes[0]
		}
		w.Level, _ = LevelOfSeverity(main.Severity)
		w.Text = Text{Event: main.Event, Headline: main.Headline, Description: main.Description, Instruction: main.Instruction}
		if !main.Onset.IsZero() {
			w.Onset = main.Onset.UTC()
		} else if !main.Effective.IsZero() {
			w.Onset = main.Effective.UTC()
		}
		if !main.Expires.IsZero() {
			w.Expires = main.Expires.UTC()
		}
		w.Area = areaFromCAP(main.Areas)
	}
	if en != nil {
		w.English = &Text{Event: en.Event, Headline: en.Headline, Description: en.Description, Instruction: en.Instruction}
	}
	if w.Text.Headline == "" {
		w.Text.Headline = w.Text.Event
	}
	// an update or cancel joins the chain of the messages it references.
	var ended []*Warning
	refs, _ := cap.ParseReferences(a.References)
	for _, r := range refs {
		prev, err := s.Store.FindMessage(sys, r.Sender, r.Identifier)
		if err != nil {
			return nil, false, err
		}
		if prev == nil || prev.Source != "import" {
			continue
		}
		w.ChainID = prev.ChainID
		if prev.Status == Imported && (a.MsgType == MsgUpdate || a.MsgType == MsgCancel) {
			prev.Status, prev.UpdatedAt = Superseded, now
			if a.MsgType == MsgCancel {
				prev.Status = Cancelled
			}
			ended = append(ended, prev)
		}
	}
	if err := s.Store.CreateWarning(ctx, w, "import", ended...); err != nil {
		return nil, false, fmt.Errorf("warning: import %s: %w", a.Identifier, err)
	}
	return s.changed(w, now), true, nil
}

func (s *Service) importTTL() time.Duration {
	if s.ImportTTL > 0 {
		return s.ImportTTL
	}
	return 24 * time.Hour
}

// Forward drafts our own warning from an imported message, to be approved
// and published to our channels; the published message references the
// imported one. in changes what the import said (a level must be given
// when the message's severity was Unknown).
func (s *Service) Forward(ctx context.Context, id int64, in Input) (*Warning, error) {
	now := s.now()
	src, err := s.Store.GetWarning(ctx, id)
	if err != nil {
		return nil, err
	}
	if src.Source != "import" {
		return nil, core.Errorf(core.ECONFLICT, "warning %d is our own; only imported messages are forwarded", id)
	}
	if src.MsgType == MsgCancel {
		return nil, core.Errorf(core.ECONFLICT, "warning %d is a cancellation; there is nothing to forward", id)
	}
	actor := actorOf(ctx)
	w := &Warning{MsgType: MsgAlert, Status: Draft, Scope: "Public", Source: "local", ForwardedFrom: src.ID,
		Level: src.Level, Category: src.Category, Urgency: src.Urgency, Certainty: src.Certainty, ResponseType: src.ResponseType,
		Text: src.Text, Onset: src.Onset, Expires: src.Expires, Area: src.Area, Division: src.Division,
		DraftedBy: actor.UserID, Drafter: actor.Username, CreatedAt: now, UpdatedAt: now}
	if src.English != nil {
		en := *src.English
		w.English = &en
	}
	if in.DivisionCode == "" && !inScope(actor, w.Division) {
		w.Division = actor.Division
	}
	if w.Onset.Before(now) {
		w.Onset = now.Truncate(time.Second)
	}
	if err := s.compose(ctx, w, in, now); err != nil {
		return nil, err
	}
	if err := s.Store.CreateWarning(ctx, w, "forward"); err != nil {
		return nil, fmt.Errorf("warning: forward %d: %w", id, err)
	}
	return s.changed(w, now), nil
}

// invalidCAP turns the cap package's problems into an EINVALID error
// whose fields are the paths, for the API's 422.
func invalidCAP(err error) error {
	es, ok := err.(cap.Errors)
	if !ok {
		return err
	}
	e := &core.Error{Code: core.EINVALID, Message: "the message is not valid CAP 1.2"}
	for _, x := range es {
		msg := x.Reason
		if x.Line > 0 {
			msg = fmt.Sprintf("line %d: %s", x.Line, x.Reason)
		}
		e.Fields = append(e.Fields, core.FieldError{Field: x.Path, Message: msg})
	}
	return e
}
