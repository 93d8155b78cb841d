package duty

import (
	"context"
	"strings"
	"unicode/utf8"

	"github.com/yingji/yingji/internal/alarm"
	"github.com/yingji/yingji/internal/core"
)

// Handover records a shift handover by the signed-in (outgoing) officer,
// with a snapshot of the division's open alarms.
func (s *Service) Handover(ctx context.Context, in HandoverInput) (*Handover, error) {
	a := core.ActorFrom(ctx)
	var p core.Problems
	div, err := s.required(ctx, in.Division, &p)
	if err != nil {
		return nil, err
	}
	open, watch := strings.TrimSpace(in.Open), strings.TrimSpace(in.Watch)
	if utf8.RuneCountInString(open) > 5000 {
		p.Add(0, "open", "is longer than 5000 characters")
	}
	if utf8.RuneCountInString(watch) > 5000 {
		p.Add(0, "watch", "is longer than 5000 characters")
	}
	if in.IncomingID <= 0 {
		p.Add(0, "incoming_id", "is required: the officer taking over")
	} else if a != nil && in.IncomingID == a.UserID {
		p.Add(0, "incoming_id", "you cannot hand over to yourself")
	}
	h := &Handover{Division: div, At: s.now(), Open: open, Watch: watch, Alarms: []AlarmRef{}}
	if in.ShiftID != 0 {
		sh, err := s.Store.GetShift(ctx, in.ShiftID)
		switch {
		case core.ErrorCode(err) == core.ENOTFOUND:
			p.Add(0, "shift_id", "no shift %d in your area", in.ShiftID)
		case err != nil:
			return nil, err
		case div != "" && sh.Division != div:
			p.Add(0, "shift_id", "shift %d is of division %s, not %s", in.ShiftID, sh.Division, div)
		default:
			h.ShiftID = sh.ID
		}
	}
	ids := []int64{in.IncomingID}
	if a != nil && a.UserID != 0 {
		ids = append(ids, a.UserID)
	}
	people, err := s.Store.People(ctx, ids)
	if err != nil {
		return nil, err
	}
	if in.IncomingID > 0 {
		pp, ok := people[in.IncomingID]
		switch {
		case !ok:
			p.Add(0, "incoming_id", "no account with id %d", in.IncomingID)
		case pp.Disabled:
			p.Add(0, "incoming_id", "%s (%s) is disabled", pp.Name, pp.Username)
		case div != "" && !related(pp.Division, div):
			p.Add(0, "incoming_id", "%s (%s) belongs to %s, outside division %s", pp.Name, pp.Username, pp.Division, div)
		}
		h.Incoming = Member{UserID: pp.ID, Username: pp.Username, Name: pp.Name}
	}
	if err := p.Err(""); err != nil {
		return nil, err
	}
	if a != nil {
		out := people[a.UserID]
		h.Outgoing = Member{UserID: a.UserID, Username: a.Username, Name: out.Name}
	}
	if s.Alarms != nil {
		open := []alarm.State{alarm.Raised, alarm.Acknowledged, alarm.Disposing}
		as, total, err := s.Alarms.ListAlarms(ctx, alarm.Filter{Division: div, States: open, Limit: SnapshotLimit})
		if err != nil {
			return nil, err
		}
		h.OpenAlarms = total
		for _, al := range as {
			h.Alarms = append(h.Alarms, AlarmRef{ID: al.ID, Point: al.Point, PointName: al.PointName, Level: string(al.Level), State: string(al.State),
				Message: al.Message, Division: al.Division, RaisedAt: al.RaisedAt, Overdue: al.Overdue})
		}
	}
	if err := s.Store.CreateHandover(ctx, h); err != nil {
		return nil, err
	}
	return h, nil
}

// AcceptHandover records that the incoming officer took over; only they may.
func (s *Service) AcceptHandover(ctx context.Context, id int64) (*Handover, error) {
	a := core.ActorFrom(ctx)
	if a == nil {
		return nil, core.Errorf(core.EUNAUTHORIZED, "sign in first")
	}
	h, err := s.Store.GetHandover(ctx, id)
	if err != nil {
		return nil, err
	}
	if h.Incoming.UserID != a.UserID {
		return nil, core.Errorf(core.EFORBIDDEN, "only the incoming officer %s (%s) can accept this handover", h.Incoming.Name, h.Incoming.Username)
	}
	if h.AcceptedAt != nil {
		return nil, core.Errorf(core.ECONFLICT, "the handover was already accepted at %s", h.AcceptedAt.In(Beijing).Format("2006-01-02 15:04"))
	}
	now := s.now()
	if err := s.Store.AcceptHandover(ctx, id, now); err != nil {
		return nil, err
	}
	h.AcceptedAt = &now
	return h, nil
}

// Handovers pages through the handover log of a division and below.
func (s *Service) Handovers(ctx context.Context, division string, limit, offset int) ([]*Handover, int, error) {
	div, err := s.scoped(ctx, "division", division)
	if err != nil {
		return nil, 0, err
	}
	return s.Store.ListHandovers(ctx, HandoverFilter{Division: div, Limit: limit, Offset: offset})
}
