package duty

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/yingji/yingji/internal/core"
	"github.com/yingji/yingji/internal/region"
)

// FileQuiet records a division's all-quiet report for a day (today when
// the date is left out). A day still to come is refused; a past day is
// accepted and marked late.
func (s *Service) FileQuiet(ctx context.Context, in QuietInput) (*Quiet, error) {
	a := core.ActorFrom(ctx)
	var p core.Problems
	div, err := s.required(ctx, in.Division, &p)
	if err != nil {
		return nil, err
	}
	now := s.now()
	date := strings.TrimSpace(in.Date)
	if date == "" {
		date = now.In(Beijing).Format(DateLayout)
	}
	day, err := ParseDate("date", date)
	if err != nil {
		p = append(p, core.ErrorFields(err)...)
	} else if day.After(now) {
		p.Add(0, "date", "%s has not begun yet", date)
	} else if now.Sub(day) > 31*24*time.Hour {
		p.Add(0, "date", "%s is more than 30 days ago", date)
	}
	note := strings.TrimSpace(in.Note)
	if utf8.RuneCountInString(note) > 2000 {
		p.Add(0, "note", "is longer than 2000 characters")
	}
	if err := p.Err(""); err != nil {
		return nil, err
	}
	q := &Quiet{Division: div, Date: date, Note: note, ReportedAt: now, Late: !now.Before(day.Add(24 * time.Hour))}
	if a != nil {
		q.ReportedBy = Member{UserID: a.UserID, Username: a.Username}
		if a.UserID != 0 {
			people, err := s.Store.People(ctx, []int64{a.UserID})
			if err != nil {
				return nil, err
			}
			q.ReportedBy.Name = people[a.UserID].Name
		}
	}
	if err := s.Store.CreateQuiet(ctx, q); err != nil {
		return nil, err
	}
	return q, nil
}

// QuietReports returns the all-quiet reports of days from..to (inclusive)
// in a division and below, and the days each expected division filed none.
// Divisions expected to file are the division itself and those below it
// down to the given level (default county: the bureaus with a duty room);
// days after today are not counted as missing.
func (s *Service) QuietReports(ctx context.Context, division, from, to string, level region.Level) ([]*Quiet, []Missing, error) {
	div, err := s.scoped(ctx, "division", division)
	if err != nil {
		return nil, nil, err
	}
	var p core.Problems
	start, err1 := ParseDate("from", from)
	end, err2 := ParseDate("to", to)
	for _, e := range []error{err1, err2} {
		if e != nil {
			p = append(p, core.ErrorFields(e)...)
		}
	}
	if level == "" {
		level = region.County
	}
	if !level.Valid() {
		p.Add(0, "level", "%q is not a division level", level)
	}
	if len(p) == 0 && end.Before(start) {
		p.Add(0, "to", "is before from")
	}
	if len(p) == 0 && end.Sub(start) > 92*24*time.Hour {
		p.Add(0, "to", "the range may span at most 92 days")
	}
	if err := p.Err(""); err != nil {
		return nil, nil, err
	}
	reports, err := s.Store.ListQuiet(ctx, div, from, to)
	if err != nil {
		return nil, nil, err
	}
	filed := map[[2]string]bool{}
	for _, q := range reports {
		filed[[2]string{q.Division, q.Date}] = true
	}
	missing := []Missing{}
	today := s.Today()
	for _, d := range s.expected(div, level) {
		for day := start; !day.After(end); day = day.Add(24 * time.Hour) {
			date := day.In(Beijing).Format(DateLayout)
			if date > today {
				break
			}
			if !filed[[2]string{d.Code, date}] {
				missing = append(missing, Missing{Division: d.Code, DivisionName: d.Name, Date: date})
			}
		}
	}
	return reports, missing, nil
}

// expected lists the division and those below it down to level.
func (s *Service) expected(code string, level region.Level) []region.Division {
	t := s.tree()
	if t == nil {
		return []region.Division{{Code: code, Name: code}}
	}
	root, ok := t.Get(code)
	if !ok {
		return nil
	}
	out := []region.Division{root}
	var walk func(string)
	walk = func(c string) {
		for _, ch := range t.Children(c) {
			if ch.Level.Depth() > level.Depth() {
				continue
			}
			out = append(out, ch)
			walk(ch.Code)
		}
	}
	if root.Level.Depth() < level.Depth() {
		walk(code)
	}
	return out
}
