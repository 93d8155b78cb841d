package duty

import (
	"context"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/yingji/yingji/internal/core"
	"github.com/yingji/yingji/internal/region"
)

// Service is the duty roster's business logic.
type Service struct {
	Store   Store
	Alarms  Alarms // nil: handovers carry no alarm snapshot
	Regions func() *region.Tree
	Clock   core.Clock
}

func (s *Service) now() time.Time {
	if s.Clock == nil {
		return time.Now().UTC()
	}
	return s.Clock().UTC()
}

// Time returns the service's current time (UTC).
func (s *Service) Time() time.Time { return s.now() }

// Today is the current duty day in Beijing.
func (s *Service) Today() string { return s.now().In(Beijing).Format(DateLayout) }

// ParseDate reads a duty day (YYYY-MM-DD) and returns its start in UTC.
func ParseDate(field, v string) (time.Time, error) {
	t, err := time.ParseInLocation(DateLayout, v, Beijing)
	if err != nil {
		return time.Time{}, core.Invalid(field, "%q is not a date (YYYY-MM-DD)", v)
	}
	return t.UTC(), nil
}

// actorDivision returns the division the actor is scoped to; EFORBIDDEN
// when the actor has none.
func actorDivision(ctx context.Context) (string, error) {
	a := core.ActorFrom(ctx)
	switch {
	case a == nil:
		return "", core.Errorf(core.EUNAUTHORIZED, "sign in first")
	case a.System:
		return "", nil
	case a.Division == "" || a.EnterpriseID != 0:
		return "", core.Errorf(core.EFORBIDDEN, "your account has no area of the duty roster")
	}
	return a.Division, nil
}

// scoped resolves the division a request is about: code when given (which
// must be inside the actor's area), else the actor's own division.
func (s *Service) scoped(ctx context.Context, field, code string) (string, error) {
	own, err := actorDivision(ctx)
	if err != nil {
		return "", err
	}
	code = strings.TrimSpace(code)
	if code == "" {
		if own == "" {
			if t := s.tree(); t != nil {
				return t.Root().Code, nil
			}
		}
		return own, nil
	}
	if t := s.tree(); t != nil {
		if _, ok := t.Get(code); !ok {
			return "", core.Invalid(field, "unknown division %q", code)
		}
	}
	if own != "" && !region.Within(code, own) {
		return "", core.Errorf(core.EFORBIDDEN, "division %s is outside your area (%s)", code, own)
	}
	return code, nil
}

// required resolves the division an input must name (field division_code):
// an unknown code or a missing one goes into p; any other scope error is
// returned.
func (s *Service) required(ctx context.Context, code string, p *core.Problems) (string, error) {
	div, err := s.scoped(ctx, "division_code", code)
	if err != nil && core.ErrorCode(err) != core.EINVALID {
		return "", err
	}
	if err != nil {
		*p = append(*p, core.ErrorFields(err)...)
	} else if strings.TrimSpace(code) == "" {
		p.Add(0, "division_code", "is required")
	}
	return div, nil
}

func (s *Service) tree() *region.Tree {
	if s.Regions == nil {
		return nil
	}
	return s.Regions()
}

func (s *Service) divisionName(code string) string {
	if t := s.tree(); t != nil {
		if d, ok := t.Get(code); ok {
			return d.Name
		}
	}
	return code
}

// related reports whether a person of division p may serve on a roster of
// division d: inside it, or above it (a city leader on a county rota).
func related(p, d string) bool { return region.Within(p, d) || region.Within(d, p) }

// Shifts returns the shifts of a division (and below) that overlap the days
// from..to (inclusive).
func (s *Service) Shifts(ctx context.Context, division, from, to string) ([]*Shift, error) {
	div, err := s.scoped(ctx, "division", division)
	if err != nil {
		return nil, err
	}
	var p core.Problems
	start, err1 := ParseDate("from", from)
	end, err2 := ParseDate("to", to)
	for _, e := range []error{err1, err2} {
		if e != nil {
			p = append(p, core.ErrorFields(e)...)
		}
	}
	if len(p) == 0 && end.Before(start) {
		p.Add(0, "to", "is before from")
	}
	if len(p) == 0 && end.Sub(start) > 62*24*time.Hour {
		p.Add(0, "to", "the range may span at most 62 days")
	}
	if err := p.Err(""); err != nil {
		return nil, err
	}
	return s.Store.ListShifts(ctx, ShiftFilter{Division: div, From: start, To: end.Add(24 * time.Hour)})
}

// Shift returns one shift.
func (s *Service) Shift(ctx context.Context, id int64) (*Shift, error) {
	if _, err := actorDivision(ctx); err != nil {
		return nil, err
	}
	return s.Store.GetShift(ctx, id)
}

// build validates in and turns it into a shift with its members resolved.
func (s *Service) build(ctx context.Context, in ShiftInput) (*Shift, error) {
	var p core.Problems
	div, err := s.required(ctx, in.Division, &p)
	if err != nil {
		return nil, err
	}
	name := strings.TrimSpace(in.Name)
	if name == "" {
		name = "值班"
	}
	if utf8.RuneCountInString(name) > 40 {
		p.Add(0, "name", "is longer than 40 characters")
	}
	switch {
	case in.Start.IsZero():
		p.Add(0, "start", "is required (RFC 3339)")
	case in.End.IsZero():
		p.Add(0, "end", "is required (RFC 3339)")
	case !in.End.After(in.Start):
		p.Add(0, "end", "must be after start")
	case in.End.Sub(in.Start) > MaxShift:
		p.Add(0, "end", "a shift lasts at most %d hours", int(MaxShift.Hours()))
	}
	if in.LeaderID <= 0 {
		p.Add(0, "leader_id", "is required: the leader on duty (带班领导)")
	}
	if len(in.OfficerIDs) == 0 {
		p.Add(0, "officer_ids", "name at least one duty officer (值班员)")
	}
	if len(in.OfficerIDs) > 20 {
		p.Add(0, "officer_ids", "at most 20 officers")
	}
	seen := map[int64]bool{}
	for i, id := range in.OfficerIDs {
		switch {
		case id == in.LeaderID && id > 0:
			p.Add(0, "officer_ids", "person %d is already the leader", id)
		case seen[id]:
			p.Add(0, "officer_ids", "person %d is listed twice (item %d)", id, i+1)
		}
		seen[id] = true
	}
	if utf8.RuneCountInString(in.Phone) > 40 {
		p.Add(0, "phone", "is longer than 40 characters")
	}
	if utf8.RuneCountInString(in.Note) > 2000 {
		p.Add(0, "note", "is longer than 2000 characters")
	}
	sh := &Shift{Division: div, Name: name, Start: in.Start.UTC().Truncate(time.Second), End: in.End.UTC().Truncate(time.Second),
		Phone: strings.TrimSpace(in.Phone), Note: strings.TrimSpace(in.Note), Version: in.Version}
	sh.Date = sh.Start.In(Beijing).Format(DateLayout)
	ids := append([]int64{in.LeaderID}, in.OfficerIDs...)
	people, err := s.Store.People(ctx, ids)
	if err != nil {
		return nil, err
	}
	member := func(field string, id int64) Member {
		if id <= 0 {
			return Member{}
		}
		pp, ok := people[id]
		switch {
		case !ok:
			p.Add(0, field, "no account with id %d", id)
		case pp.Disabled:
			p.Add(0, field, "%s (%s) is disabled", pp.Name, pp.Username)
		case div != "" && !related(pp.Division, div):
			p.Add(0, field, "%s (%s) belongs to %s, outside division %s", pp.Name, pp.Username, pp.Division, div)
		}
		return Member{UserID: id, Username: pp.Username, Name: pp.Name}
	}
	sh.Leader = member("leader_id", in.LeaderID)
	for _, id := range in.OfficerIDs {
		sh.Officers = append(sh.Officers, member("officer_ids", id))
	}
	if err := p.Err(""); err != nil {
		return nil, err
	}
	return sh, nil
}

// CreateShift adds a shift to the roster.
func (s *Service) CreateShift(ctx context.Context, in ShiftInput) (*Shift, error) {
	sh, err := s.build(ctx, in)
	if err != nil {
		return nil, err
	}
	now := s.now()
	sh.CreatedAt, sh.UpdatedAt, sh.Version = now, now, 1
	if err := s.Store.CreateShift(ctx, sh); err != nil {
		return nil, err
	}
	return sh, nil
}

// UpdateShift replaces a shift; in.Version must be the version read.
func (s *Service) UpdateShift(ctx context.Context, id int64, in ShiftInput) (*Shift, error) {
	old, err := s.Shift(ctx, id)
	if err != nil {
		return nil, err
	}
	if in.Version <= 0 {
		return nil, core.Invalid("version", "send the version you read (the version field or If-Match), so that another editor's change is not overwritten")
	}
	if in.Version != old.Version {
		return nil, staleShift(old)
	}
	if strings.TrimSpace(in.Division) == "" {
		in.Division = old.Division
	}
	sh, err := s.build(ctx, in)
	if err != nil {
		return nil, err
	}
	sh.ID, sh.CreatedAt, sh.UpdatedAt = id, old.CreatedAt, s.now()
	if err := s.Store.UpdateShift(ctx, sh); err != nil {
		return nil, err
	}
	return sh, nil
}

func staleShift(cur *Shift) error {
	return core.Errorf(core.ECONFLICT, "the shift was changed meanwhile (now version %d, last changed %s); reload it and apply your change again",
		cur.Version, cur.UpdatedAt.In(Beijing).Format("2006-01-02 15:04"))
}

// CopyWeek copies a division's shifts of the 7 days from in.From to the same
// times of the 7 days from in.To (the division's own shifts, not those of
// the divisions below). Shifts that would overlap one already on the
// roster, or whose people can no longer serve, are left out and listed.
func (s *Service) CopyWeek(ctx context.Context, in CopyInput) ([]*Shift, []Skipped, error) {
	var p core.Problems
	div, err := s.scoped(ctx, "division_code", in.Division)
	if err != nil && core.ErrorCode(err) != core.EINVALID {
		return nil, nil, err
	}
	if err != nil {
		p = append(p, core.ErrorFields(err)...)
	} else if strings.TrimSpace(in.Division) == "" {
		p.Add(0, "division_code", "is required")
	}
	from, err1 := ParseDate("from", in.From)
	to, err2 := ParseDate("to", in.To)
	for _, e := range []error{err1, err2} {
		if e != nil {
			p = append(p, core.ErrorFields(e)...)
		}
	}
	if len(p) == 0 && from.Equal(to) {
		p.Add(0, "to", "is the same day as from")
	}
	if len(p) == 0 && (to.Sub(from).Abs() > 366*24*time.Hour) {
		p.Add(0, "to", "is more than a year from from")
	}
	if err := p.Err(""); err != nil {
		return nil, nil, err
	}
	src, err := s.Store.ListShifts(ctx, ShiftFilter{Division: div, From: from, To: from.Add(7 * 24 * time.Hour)})
	if err != nil {
		return nil, nil, err
	}
	offset := to.Sub(from)
	last := from.Add(7 * 24 * time.Hour).In(Beijing).Format(DateLayout)
	var batch []*Shift
	skipped := []Skipped{}
	for _, sh := range src {
		if sh.Division != div || sh.Date < in.From || sh.Date >= last {
			continue // below the division, or started before the week
		}
		copied := ShiftInput{Division: div, Name: sh.Name, Start: sh.Start.Add(offset), End: sh.End.Add(offset), LeaderID: sh.Leader.UserID,
			Phone: sh.Phone, Note: sh.Note}
		for _, o := range sh.Officers {
			copied.OfficerIDs = append(copied.OfficerIDs, o.UserID)
		}
		c, err := s.build(ctx, copied)
		if err != nil {
			if core.ErrorCode(err) != core.EINVALID {
				return nil, nil, err
			}
			skipped = append(skipped, Skipped{Date: copied.Start.In(Beijing).Format(DateLayout), Name: sh.Name, Reason: core.ErrorMessage(err)})
			continue
		}
		now := s.now()
		c.CreatedAt, c.UpdatedAt, c.Version = now, now, 1
		batch = append(batch, c)
	}
	created, more, err := s.Store.CreateShifts(ctx, batch)
	if err != nil {
		return nil, nil, err
	}
	if created == nil {
		created = []*Shift{}
	}
	return created, append(skipped, more...), nil
}

// DeleteShift removes a shift at the version read.
func (s *Service) DeleteShift(ctx context.Context, id int64, version int) error {
	old, err := s.Shift(ctx, id)
	if err != nil {
		return err
	}
	if version <= 0 {
		return core.Invalid("version", "send the version you read (If-Match)")
	}
	if version != old.Version {
		return staleShift(old)
	}
	return s.Store.DeleteShift(ctx, id, version)
}

// Now returns the duty teams on duty now in a division and below, one per
// division and shift, by division code.
func (s *Service) Now(ctx context.Context, division string) ([]Team, error) {
	div, err := s.scoped(ctx, "division", division)
	if err != nil {
		return nil, err
	}
	now := s.now()
	shifts, err := s.Store.ListShifts(ctx, ShiftFilter{Division: div, From: now, To: now.Add(time.Millisecond)})
	if err != nil {
		return nil, err
	}
	out := []Team{}
	for _, sh := range shifts {
		if sh.Covers(now) {
			out = append(out, Team{Division: sh.Division, DivisionName: s.divisionName(sh.Division), Shift: sh})
		}
	}
	slices.SortStableFunc(out, func(a, b Team) int { return strings.Compare(a.Division, b.Division) })
	return out, nil
}

// People lists who can be put on a division's roster.
func (s *Service) People(ctx context.Context, division string) ([]Person, error) {
	div, err := s.scoped(ctx, "division", division)
	if err != nil {
		return nil, err
	}
	var above []string
	if t := s.tree(); t != nil {
		for _, d := range t.Ancestors(div) {
			above = append(above, d.Code)
		}
	}
	return s.Store.ListPeople(ctx, div, above)
}
