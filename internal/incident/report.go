package incident

import (
	"fmt"
	"strings"
	"time"
)

// Situation report statuses: contributors draft, the commander approves,
// then it is published and numbered.
const (
	Draft     = "draft"
	Submitted = "submitted"
	Approved  = "approved"
	Published = "published"
)

// Report is a situation report (续报) in the layout of the official accident
// report (Decree 493 art. 12: unit, time, place, course, casualties, loss,
// measures, other) with further sections contributors draft.
type Report struct {
	ID          int64      `json:"id"`
	IncidentID  int64      `json:"incident_id"`
	Seq         int        `json:"seq,omitempty"` // 第N期, set when published
	Number      string     `json:"number,omitempty"`
	Title       string     `json:"title"`
	Status      string     `json:"status"`
	Unit        string     `json:"unit"`
	Place       string     `json:"place"`
	Course      string     `json:"course"`
	Casualties  string     `json:"casualties"`
	Loss        string     `json:"loss"`
	Measures    string     `json:"measures"`
	Other       string     `json:"other"`
	Sections    []Section  `json:"sections"`
	Author      string     `json:"author"`
	Approver    string     `json:"approver,omitempty"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
	ApprovedAt  *time.Time `json:"approved_at,omitempty"`
	PublishedAt *time.Time `json:"published_at,omitempty"`
	Version     int        `json:"version"`
}

// Section is a titled part a contributor drafted.
type Section struct {
	Heading string    `json:"heading"`
	Body    string    `json:"body"`
	Author  string    `json:"author"`
	At      time.Time `json:"at"`
}

// ReportInput is what a contributor sends; nil fields are left alone.
type ReportInput struct {
	Title      *string  `json:"title"`
	Unit       *string  `json:"unit"`
	Place      *string  `json:"place"`
	Course     *string  `json:"course"`
	Casualties *string  `json:"casualties"`
	Loss       *string  `json:"loss"`
	Measures   *string  `json:"measures"`
	Other      *string  `json:"other"`
	Section    *Section `json:"section"` // appended
	Version    int      `json:"version"`
}

// Apply writes the input onto a draft.
func (r *Report) Apply(in ReportInput, by string, now time.Time) []FieldProblem {
	var out []FieldProblem
	if r.Status == Published || r.Status == Approved {
		return []FieldProblem{{"status", fmt.Sprintf("report is %s; it can no longer be edited (start the next report)", r.Status)}}
	}
	set := func(dst *string, v *string, name string, max int) {
		if v == nil {
			return
		}
		s := strings.TrimSpace(*v)
		if len(s) > max {
			out = append(out, FieldProblem{name, fmt.Sprintf("is too long (%d bytes, at most %d)", len(s), max)})
			return
		}
		*dst = s
	}
	set(&r.Title, in.Title, "title", 300)
	set(&r.Unit, in.Unit, "unit", 300)
	set(&r.Place, in.Place, "place", 2000)
	set(&r.Course, in.Course, "course", 20000)
	set(&r.Casualties, in.Casualties, "casualties", 5000)
	set(&r.Loss, in.Loss, "loss", 5000)
	set(&r.Measures, in.Measures, "measures", 20000)
	set(&r.Other, in.Other, "other", 20000)
	if s := in.Section; s != nil {
		s.Heading, s.Body = strings.TrimSpace(s.Heading), strings.TrimSpace(s.Body)
		switch {
		case s.Heading == "" || len(s.Heading) > 300:
			out = append(out, FieldProblem{"section.heading", "is required (at most 300 bytes)"})
		case s.Body == "" || len(s.Body) > 20000:
			out = append(out, FieldProblem{"section.body", "is required (at most 20000 bytes)"})
		default:
			r.Sections = append(r.Sections, Section{Heading: s.Heading, Body: s.Body, Author: by, At: now})
		}
	}
	if strings.TrimSpace(r.Title) == "" {
		out = append(out, FieldProblem{"title", "is required"})
	}
	if r.Status == Submitted {
		r.Status = Draft // an edit after submission goes back for approval
	}
	r.UpdatedAt = now
	return out
}

// Step moves a report through its workflow: submit (draft → submitted),
// approve (submitted → approved), publish (approved → published), reject
// (submitted → draft).
func (r *Report) Step(action, by string, now time.Time) error {
	switch {
	case action == "submit" && r.Status == Draft:
		r.Status = Submitted
	case action == "reject" && r.Status == Submitted:
		r.Status = Draft
	case action == "approve" && (r.Status == Submitted || r.Status == Draft):
		if r.Course == "" && r.Measures == "" && len(r.Sections) == 0 {
			return fmt.Errorf("report %d has no content yet (course, measures or a section)", r.ID)
		}
		r.Status, r.Approver, r.ApprovedAt = Approved, by, &now
	case action == "publish" && r.Status == Approved:
		r.Status, r.PublishedAt = Published, &now
	default:
		return fmt.Errorf("report %d is %s; cannot %s it", r.ID, r.Status, action)
	}
	r.UpdatedAt = now
	return nil
}
