package incident

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/yingji/yingji/internal/core"
)

func problemsErr(ps []FieldProblem, msg string) error {
	var p core.Problems
	for _, x := range ps {
		p.Add(0, x.Field, "%s", x.Message)
	}
	return p.Err(msg)
}

// Upward records a report made up the chain: "initial" (to the county
// authority) or "onward" (to the next level); it stops that clock.
type Upward struct {
	Kind    string     `json:"kind"`
	To      string     `json:"to"`
	At      *time.Time `json:"at"`
	Note    string     `json:"note"`
	Version int        `json:"version"`
}

// ReportUp records an upward report.
func (s *Service) ReportUp(ctx context.Context, id int64, u Upward) (*Incident, error) {
	before, after, err := s.load(ctx, id, u.Version, false)
	if err != nil {
		return nil, err
	}
	now := s.now()
	at := now
	if u.At != nil {
		at = u.At.UTC().Truncate(time.Millisecond)
		if at.After(now.Add(time.Minute)) {
			return nil, core.Invalid("at", "is in the future")
		}
	}
	u.To = strings.TrimSpace(u.To)
	if u.To == "" {
		return nil, core.Invalid("to", "say which authority was told (e.g. 隆阳区应急管理局)")
	}
	label := ""
	switch u.Kind {
	case DInitial:
		if after.InitialReportedAt != nil {
			return nil, core.Errorf(core.ECONFLICT, "the initial report of %s was already recorded", before.Number)
		}
		after.InitialReportedAt, label = &at, "首报"
	case DOnward:
		if after.OnwardReportedAt != nil {
			return nil, core.Errorf(core.ECONFLICT, "the onward report of %s was already recorded", before.Number)
		}
		after.OnwardReportedAt, label = &at, "逐级上报"
	default:
		return nil, core.Invalid("kind", "%q: want initial or onward", u.Kind)
	}
	after.UpdatedAt = now
	s.clocks(after, now)
	ev := Event{At: now, Kind: "upward", Actor: actorName(ctx), Summary: fmt.Sprintf("%s：已报告%s（%s）", label, u.To, at.In(Shanghai).Format("01-02 15:04")),
		Data: map[string]any{"kind": u.Kind, "to": u.To, "at": at, "note": strings.TrimSpace(u.Note)}}
	if err := s.Store.UpdateIncident(ctx, before, after, []Event{ev}); err != nil {
		return nil, err
	}
	s.changed(after)
	return after, nil
}

// Merge folds the duplicate id into the incident into: into survives, id
// points to it, their timelines are merged.
func (s *Service) Merge(ctx context.Context, id, into int64, version int) (*Incident, error) {
	if id == into {
		return nil, core.Invalid("into", "an incident cannot be merged into itself")
	}
	dupBefore, dup, err := s.load(ctx, id, version, false)
	if err != nil {
		return nil, err
	}
	target, err := s.Store.GetIncident(ctx, into, false)
	if err != nil {
		if core.ErrorCode(err) == core.ENOTFOUND {
			return nil, core.Invalid("into", "no incident %d that you may see", into)
		}
		return nil, err
	}
	if target.Status != Open {
		return nil, core.Errorf(core.ECONFLICT, "incident %s is %s; merge into an open incident", target.Number, target.Status)
	}
	now := s.now()
	dup.Status, dup.MergedInto, dup.UpdatedAt = Merged, target.ID, now
	ev := Event{At: now, Kind: "merge", Actor: actorName(ctx), Summary: fmt.Sprintf("%s 作为重复事件并入 %s", dup.Number, target.Number),
		Data: map[string]any{"from": dup.ID, "from_number": dup.Number, "into": target.ID}}
	if err := s.Store.MergeIncident(ctx, dupBefore, dup, target, ev); err != nil {
		return nil, err
	}
	s.changed(dup)
	return s.Get(ctx, target.ID)
}

// Closure closes an incident.
type Closure struct {
	Summary string `json:"summary"`
	Version int    `json:"version"`
}

// Close closes an incident with a summary once every dispatch is back.
func (s *Service) Close(ctx context.Context, id int64, c Closure) (*Incident, error) {
	before, after, err := s.load(ctx, id, c.Version, false)
	if err != nil {
		return nil, err
	}
	c.Summary = strings.TrimSpace(c.Summary)
	if c.Summary == "" {
		return nil, core.Invalid("summary", "a closing summary is required (course, outcome, casualties, losses)")
	}
	full, err := s.Store.GetIncident(ctx, id, true)
	if err != nil {
		return nil, err
	}
	out := 0
	for _, d := range full.Dispatches {
		if d.Active() {
			out++
		}
	}
	if out > 0 {
		return nil, core.Errorf(core.ECONFLICT, "%d dispatch order(s) of %s are still active; mark them returned (or cancel those not yet under way) first", out, before.Number)
	}
	now := s.now()
	after.Status, after.Summary, after.ClosedAt, after.UpdatedAt = Closed, c.Summary, &now, now
	s.clocks(after, now)
	ev := Event{At: now, Kind: "close", Actor: actorName(ctx), Summary: "结案：" + c.Summary}
	if err := s.Store.UpdateIncident(ctx, before, after, []Event{ev}); err != nil {
		return nil, err
	}
	s.changed(after)
	return after, nil
}

// ReviewInput is the after-action review.
type ReviewInput struct {
	Summary   string     `json:"summary"`
	Findings  []string   `json:"findings"`
	FollowUps []FollowUp `json:"follow_ups"`
	Version   int        `json:"version"`
}

// SetReview records the review of a closed incident.
func (s *Service) SetReview(ctx context.Context, id int64, r ReviewInput) (*Incident, error) {
	before, after, err := s.load(ctx, id, r.Version, true)
	if err != nil {
		return nil, err
	}
	if before.Status != Closed {
		return nil, core.Errorf(core.ECONFLICT, "incident %s is still open; the review follows closure", before.Number)
	}
	var p core.Problems
	r.Summary = strings.TrimSpace(r.Summary)
	if r.Summary == "" {
		p.Add(0, "summary", "is required")
	}
	findings := []string{}
	for i, f := range r.Findings {
		if f = strings.TrimSpace(f); f == "" {
			p.Add(0, fmt.Sprintf("findings[%d]", i), "is empty")
		} else {
			findings = append(findings, f)
		}
	}
	for i, f := range r.FollowUps {
		r.FollowUps[i].Title, r.FollowUps[i].Owner = strings.TrimSpace(f.Title), strings.TrimSpace(f.Owner)
		if r.FollowUps[i].Title == "" {
			p.Add(0, fmt.Sprintf("follow_ups[%d].title", i), "is required")
		}
		if r.FollowUps[i].Owner == "" {
			p.Add(0, fmt.Sprintf("follow_ups[%d].owner", i), "every follow-up needs an owner")
		}
	}
	if err := p.Err("the review was not saved"); err != nil {
		return nil, err
	}
	if r.FollowUps == nil {
		r.FollowUps = []FollowUp{}
	}
	now := s.now()
	after.Review = &Review{Summary: r.Summary, Findings: findings, FollowUps: r.FollowUps, By: actorName(ctx), At: now}
	after.UpdatedAt = now
	s.clocks(after, now)
	ev := Event{At: now, Kind: "review", Actor: actorName(ctx), Summary: fmt.Sprintf("复盘：%d 条发现，%d 项整改", len(findings), len(r.FollowUps))}
	if err := s.Store.UpdateIncident(ctx, before, after, []Event{ev}); err != nil {
		return nil, err
	}
	return after, nil
}

// Suggestions returns the plans covering an incident with the suggested
// response level.
func (s *Service) Suggestions(ctx context.Context, id int64) ([]Suggestion, error) {
	in, err := s.Store.GetIncident(ctx, id, false)
	if err != nil {
		return nil, err
	}
	plans, err := s.Store.ListEmergencyPlans(ctx)
	if err != nil {
		return nil, err
	}
	out := Suggest(plans, in.Type, in.Level, in.Figures)
	if out == nil {
		out = []Suggestion{}
	}
	return out, nil
}

// Activation starts a plan's response level.
type Activation struct {
	PlanID  int64 `json:"plan_id"`
	Level   int   `json:"level"`
	Version int   `json:"version"`
}

// Activate starts a response level of a plan for an incident and creates
// the level's task list.
func (s *Service) Activate(ctx context.Context, id int64, a Activation) (*Incident, error) {
	before, after, err := s.load(ctx, id, a.Version, false)
	if err != nil {
		return nil, err
	}
	p, err := s.Store.GetEmergencyPlan(ctx, a.PlanID)
	if err != nil {
		if core.ErrorCode(err) == core.ENOTFOUND {
			return nil, core.Invalid("plan_id", "no plan %d", a.PlanID)
		}
		return nil, err
	}
	if !p.Covers(before.Type) {
		return nil, core.Invalid("plan_id", "plan %s does not cover %s events", p.Name, before.TypeName)
	}
	l, ok := p.LevelOf(a.Level)
	if !ok {
		return nil, core.Invalid("level", "plan %s has no level %d", p.Name, a.Level)
	}
	now := s.now()
	tasks := l.TasksFor(p.Code, now)
	after.ResponsePlan, after.ResponseLevel, after.UpdatedAt = p.Code+" "+p.Name, l.Level, now
	ev := Event{At: now, Kind: "activate", Actor: actorName(ctx), Summary: fmt.Sprintf("启动《%s》%s，生成任务 %d 项", p.Name, l.Name, len(tasks)),
		Data: map[string]any{"plan_id": p.ID, "plan": p.Code, "level": l.Level, "measures": l.Measures, "units": l.Units}}
	if err := s.Store.CreateTasks(ctx, before, after, tasks, ev); err != nil {
		return nil, err
	}
	s.changed(after)
	return s.Get(ctx, id)
}

// TaskInput creates or changes a task; nil leaves a field alone.
type TaskInput struct {
	Title   *string    `json:"title"`
	Owner   *string    `json:"owner"`
	Status  *string    `json:"status"`
	Due     *time.Time `json:"due"`
	Notes   *string    `json:"notes"`
	Version int        `json:"version"`
}

func (t *Task) apply(in TaskInput) error {
	var p core.Problems
	if in.Title != nil {
		t.Title = strings.TrimSpace(*in.Title)
	}
	if in.Owner != nil {
		t.Owner = strings.TrimSpace(*in.Owner)
	}
	if in.Notes != nil {
		t.Notes = strings.TrimSpace(*in.Notes)
	}
	if in.Status != nil {
		t.Status = *in.Status
	}
	if in.Due != nil {
		d := in.Due.UTC().Truncate(time.Millisecond)
		t.Due = &d
	}
	if t.Title == "" || len(t.Title) > 300 {
		p.Add(0, "title", "is required (at most 300 bytes)")
	}
	if t.Owner == "" || len(t.Owner) > 200 {
		p.Add(0, "owner", "every task needs an owner (at most 200 bytes)")
	}
	if !slices.Contains(TaskStatuses, t.Status) {
		p.Add(0, "status", "%q: want open, in_progress, done or cancelled", t.Status)
	}
	if len(t.Notes) > 5000 {
		p.Add(0, "notes", "is too long (at most 5000 bytes)")
	}
	return p.Err("")
}

// AddTask adds a task by hand.
func (s *Service) AddTask(ctx context.Context, id int64, in TaskInput) (*Task, error) {
	inc, err := s.Store.GetIncident(ctx, id, false)
	if err != nil {
		return nil, err
	}
	if inc.Status != Open {
		return nil, core.Errorf(core.ECONFLICT, "incident %s is %s", inc.Number, inc.Status)
	}
	t := &Task{IncidentID: id, Status: TaskOpen}
	if err := t.apply(in); err != nil {
		return nil, err
	}
	now := s.now()
	ev := Event{At: now, Kind: "task", Actor: actorName(ctx), Summary: fmt.Sprintf("新任务：%s（%s）", t.Title, t.Owner)}
	if err := s.Store.CreateTasks(ctx, inc, nil, []*Task{t}, ev); err != nil {
		return nil, err
	}
	return t, nil
}

// UpdateTask changes a task.
func (s *Service) UpdateTask(ctx context.Context, id, taskID int64, in TaskInput) (*Task, error) {
	inc, err := s.Store.GetIncident(ctx, id, false)
	if err != nil {
		return nil, err
	}
	t, err := s.Store.GetTask(ctx, id, taskID)
	if err != nil {
		return nil, err
	}
	if in.Version != 0 && in.Version != t.Version {
		return nil, core.Errorf(core.ECONFLICT, "task %d was changed by someone else (version %d, you have %d); reload it", taskID, t.Version, in.Version)
	}
	old := t.Status
	if err := t.apply(in); err != nil {
		return nil, err
	}
	now := s.now()
	t.UpdatedAt = now
	sum := fmt.Sprintf("任务「%s」已更新", t.Title)
	if old != t.Status {
		sum = fmt.Sprintf("任务「%s」：%s → %s", t.Title, old, t.Status)
	}
	ev := Event{At: now, Kind: "task", Actor: actorName(ctx), Summary: sum, Data: map[string]any{"task_id": t.ID, "status": t.Status}}
	if err := s.Store.UpdateTask(ctx, inc, t, ev); err != nil {
		return nil, err
	}
	return t, nil
}

// Note adds a free note to the timeline.
func (s *Service) Note(ctx context.Context, id int64, text string) (*Event, error) {
	inc, err := s.Store.GetIncident(ctx, id, false)
	if err != nil {
		return nil, err
	}
	text = strings.TrimSpace(text)
	if text == "" || len(text) > 5000 {
		return nil, core.Invalid("text", "is required (at most 5000 bytes)")
	}
	ev := Event{IncidentID: id, At: s.now(), Kind: "note", Actor: actorName(ctx), Summary: text}
	if err := s.Store.AddEvent(ctx, inc, ev); err != nil {
		return nil, err
	}
	return &ev, nil
}

// Timeline returns the timeline of an incident in the actor's scope.
func (s *Service) Timeline(ctx context.Context, id int64) (*Incident, []Event, error) {
	inc, err := s.Store.GetIncident(ctx, id, false)
	if err != nil {
		return nil, nil, err
	}
	evs, err := s.Store.ListEvents(ctx, id)
	return inc, evs, err
}
