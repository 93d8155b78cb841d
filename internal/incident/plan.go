package incident

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// Plan is an emergency plan (应急预案) as data: the event types it covers and
// its response levels.
type Plan struct {
	ID        int64       `json:"id"`
	Code      string      `json:"code"`
	Name      string      `json:"name"`
	Unit      string      `json:"unit"` // the unit that issued the plan
	Types     []string    `json:"types"`
	Levels    []PlanLevel `json:"levels"`
	Version   int         `json:"version"`
	UpdatedAt time.Time   `json:"updated_at"`
}

// PlanLevel is one response level of a plan (Ⅰ级响应 … Ⅳ级响应).
type PlanLevel struct {
	Level    int            `json:"level"` // 1 (Ⅰ, highest) … 4 (Ⅳ)
	Name     string         `json:"name"`
	Trigger  Trigger        `json:"trigger"`
	Measures []string       `json:"measures"`
	Units    []string       `json:"units"`
	Tasks    []TaskTemplate `json:"tasks"`
}

// Trigger says when a response level starts: when the incident's grade is
// at least as severe as Grade, or when any figure reaches its bound in Any.
type Trigger struct {
	Grade Level  `json:"grade,omitempty"`
	Any   Band   `json:"any,omitempty"`
	Note  string `json:"note,omitempty"`
}

// TaskTemplate is a task a level creates when it is activated.
type TaskTemplate struct {
	Title  string `json:"title"`
	Owner  string `json:"owner"`
	DueMin int    `json:"due_min"` // minutes after activation
}

// Validate checks a plan and reports every problem by field path.
func (p *Plan) Validate(types *Catalog) []FieldProblem {
	var out []FieldProblem
	add := func(f, m string, a ...any) { out = append(out, FieldProblem{f, fmt.Sprintf(m, a...)}) }
	p.Code, p.Name = strings.TrimSpace(p.Code), strings.TrimSpace(p.Name)
	if p.Code == "" || len(p.Code) > 64 {
		add("code", "is required (at most 64 bytes)")
	}
	if p.Name == "" || len(p.Name) > 200 {
		add("name", "is required (at most 200 bytes)")
	}
	if len(p.Types) == 0 {
		add("types", "name at least one event type the plan covers")
	}
	for i, t := range p.Types {
		if _, ok := types.Get(t); !ok {
			add(fmt.Sprintf("types[%d]", i), "%q is not in the event-type table", t)
		}
	}
	if len(p.Levels) == 0 {
		add("levels", "a plan has at least one response level")
	}
	seen := map[int]bool{}
	for i, l := range p.Levels {
		f := fmt.Sprintf("levels[%d]", i)
		if l.Level < 1 || l.Level > 4 {
			add(f+".level", "%d: want 1 (Ⅰ) to 4 (Ⅳ)", l.Level)
		} else if seen[l.Level] {
			add(f+".level", "level %d is listed twice", l.Level)
		}
		seen[l.Level] = true
		if l.Trigger.Grade != Ungraded && !l.Trigger.Grade.Valid() {
			add(f+".trigger.grade", "%d: want 1 to 4", l.Trigger.Grade)
		}
		if l.Trigger.Grade == Ungraded && len(l.Trigger.Any) == 0 {
			add(f+".trigger", "give a grade or at least one figure bound")
		}
		for j, t := range l.Tasks {
			tf := fmt.Sprintf("%s.tasks[%d]", f, j)
			if strings.TrimSpace(t.Title) == "" {
				add(tf+".title", "is required")
			}
			if strings.TrimSpace(t.Owner) == "" {
				add(tf+".owner", "every task needs an owner")
			}
			if t.DueMin <= 0 {
				add(tf+".due_min", "must be a positive number of minutes")
			}
		}
	}
	sort.Slice(p.Levels, func(i, j int) bool { return p.Levels[i].Level < p.Levels[j].Level })
	return out
}

// FieldProblem is one problem with one field of an input.
type FieldProblem struct{ Field, Message string }

// Covers reports whether the plan covers an event type: a plan for
// "natural.geohazard" covers "natural.geohazard.landslide".
func (p *Plan) Covers(typeCode string) bool {
	for _, t := range p.Types {
		if typeCode == t || strings.HasPrefix(typeCode, t+".") {
			return true
		}
	}
	return false
}

// met reports whether the trigger holds for an incident graded g with
// figures f, and why.
func (t Trigger) met(g Level, f Figures) (bool, string) {
	if t.Grade.Valid() && g.Valid() && g <= t.Grade {
		return true, fmt.Sprintf("事件等级%s（达到%s）", g.Name(), t.Grade.Name())
	}
	if m, v, bound, ok := reaches(t.Any, f); ok {
		return true, fmt.Sprintf("%s = %g（≥ %g）", m, v, bound)
	}
	return false, ""
}

// Suggestion is a plan that covers an incident with the response level it
// suggests.
type Suggestion struct {
	PlanID    int64  `json:"plan_id"`
	Code      string `json:"code"`
	Name      string `json:"name"`
	Level     int    `json:"level"`
	LevelName string `json:"level_name"`
	Reason    string `json:"reason"`
}

// Suggest returns the plans covering typeCode, each with the most severe
// response level whose trigger the incident meets (plans none of whose
// levels is met are offered at their lowest level with no reason). Most
// severe suggestions first.
func Suggest(plans []*Plan, typeCode string, g Level, f Figures) []Suggestion {
	var out []Suggestion
	for _, p := range plans {
		if !p.Covers(typeCode) || len(p.Levels) == 0 {
			continue
		}
		s := Suggestion{PlanID: p.ID, Code: p.Code, Name: p.Name}
		found := false
		for _, l := range p.Levels { // sorted most severe first
			if ok, why := l.Trigger.met(g, f); ok {
				s.Level, s.LevelName, s.Reason, found = l.Level, l.Name, why, true
				break
			}
		}
		if !found {
			last := p.Levels[len(p.Levels)-1]
			s.Level, s.LevelName, s.Reason = last.Level, last.Name, "未达到任何响应条件，可视情启动"
		}
		out = append(out, s)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Level < out[j].Level })
	return out
}

// LevelOf returns a plan's response level.
func (p *Plan) LevelOf(level int) (*PlanLevel, bool) {
	for i := range p.Levels {
		if p.Levels[i].Level == level {
			return &p.Levels[i], true
		}
	}
	return nil, false
}

// TasksFor builds the task list of an activated level, due from now.
func (l *PlanLevel) TasksFor(planCode string, now time.Time) []*Task {
	out := make([]*Task, 0, len(l.Tasks))
	for _, t := range l.Tasks {
		due := now.Add(time.Duration(t.DueMin) * time.Minute)
		out = append(out, &Task{Title: t.Title, Owner: t.Owner, Status: TaskOpen, Due: &due, Source: fmt.Sprintf("%s %s", planCode, l.Name)})
	}
	return out
}
