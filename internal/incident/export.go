package incident

import (
	"fmt"
	"strings"

	"github.com/yingji/yingji/internal/report"
)

// Document is the situation report as the report writer lays it out: the
// fields of the official accident report (Decree 493 art. 12) and the
// contributors' sections.
func (r *Report) Document(in *Incident) report.Report {
	doc := report.Report{Title: r.Title, Number: r.Number, Unit: r.Unit, Time: in.OccurredAt, Place: r.Place, Course: r.Course,
		Casualties: r.Casualties, Loss: r.Loss, Measures: r.Measures, Other: r.Other, Author: r.Author, Approver: r.Approver}
	if r.PublishedAt != nil {
		doc.ReportedAt = *r.PublishedAt
	} else {
		doc.ReportedAt = r.UpdatedAt
	}
	if doc.Number == "" {
		doc.Number = in.Number + "（草稿）"
	}
	if doc.Unit == "" {
		doc.Unit = in.Unit
	}
	grade := fmt.Sprintf("事件等级：%s（%s）。", in.Grade, in.Grading.Basis)
	if in.ResponsePlan != "" {
		grade += fmt.Sprintf("已启动《%s》%s级响应。", strings.TrimSpace(strings.TrimPrefix(in.ResponsePlan, strings.Fields(in.ResponsePlan)[0])), Level(in.ResponseLevel).Roman())
	}
	doc.Other = strings.TrimSpace(grade + "\n" + doc.Other)
	for _, s := range r.Sections {
		doc.Sections = append(doc.Sections, report.Section{Heading: s.Heading, Body: s.Body})
	}
	return doc
}
