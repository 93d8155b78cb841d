// Package report writes situation reports (续报) and incident reports as PDF
// and DOCX in the layout of the official production-safety accident report.
//
// # Content
//
// State Council Decree 493 (《生产安全事故报告和调查处理条例》, 2007),
// article 12, lists what an accident report holds: the unit where it happened
// (事故发生单位概况), the time, place and scene (事故发生的时间、地点以及
// 事故现场情况), a short account of the course (事故的简要经过), the
// casualties including those missing (已经造成或者可能造成的伤亡人数（包括
// 下落不明的人数）) and the estimated direct economic loss (初步估计的直接
// 经济损失), the measures taken (已经采取的措施), and other matters
// (其他应当报告的情况). Report carries exactly these, in that order, followed
// by free sections that contributors drafted, the author and approver.
//
// # Layout
//
// The page follows the national standard for official documents, GB/T
// 9704-2012 《党政机关公文格式》: A4, text block 156 mm × 225 mm (top margin
// 37 mm, left 28 mm), title in 2号 (22 pt) centered, body in 3号 (16 pt) with
// 22 lines to a page and paragraphs indented by two characters, first-level
// headings numbered "一、", and the page number as "— 1 —" in 4号 (14 pt)
// at the foot of the page (7.5). The standard's typefaces (小标宋, 仿宋,
// 黑体) are proprietary; the PDF uses whatever TrueType font with Chinese
// glyphs the machine has (FindFont), and the DOCX names 宋体 (SimSun) and
// leaves the choice of substitute to the word processor.
//
// Chinese has no spaces between words, so lines are broken between any two
// characters (and at spaces inside Latin text), with the line-start and
// line-end rules of GB/T 15834-2011 《标点符号用法》 applied: closing
// punctuation (，。、；：？！）》」 …) never starts a line and opening
// punctuation (（《「 …) never ends one.
package report

import (
	"github.com/yingji/yingji/internal/core"
	"strconv"
	"strings"
	"time"
)

// Report is a situation report (续报) or incident report in the layout of the official accident
// report: unit, time, place, course, casualties, loss, measures, other.
type Report struct {
	Title, Number                                    string    // e.g. "隆阳区某化工厂泄漏事故续报（第2期）", "YJ-530502-20261128-0007-R2"
	Unit                                             string    // reporting unit (报告单位)
	Time                                             time.Time // time of the event
	ReportedAt                                       time.Time
	Place, Course, Casualties, Loss, Measures, Other string
	Sections                                         []Section // further titled sections contributors drafted
	Author, Approver                                 string
}

// Section is one further titled section.
type Section struct{ Heading, Body string }

// Options set how the PDF is made.
type Options struct {
	FontPath string // a TTF with CJK glyphs; "" = FindFont()
	// FallbackFontPath draws the characters FontPath has no glyph for —
	// Droid Sans Fallback, for one, has no Latin letters or digits. ""
	// means FindFallbackFont(), looked for only when needed.
	FallbackFontPath string
}

// DefaultTitle is used when a report has no title.
const DefaultTitle = "事故（事件）信息报告"

// Empty is shown for a field with nothing in it, so that a reader can tell
// "nothing reported yet" from a missing line.
const Empty = "暂无"

// beijing is China Standard Time. China keeps no daylight saving time, so a
// fixed zone is exact and needs no time-zone database on the machine.
var beijing = core.Beijing

// FormatTime renders t the way official documents write times, in Beijing
// time: "2026年11月28日 14时05分". The zero time renders as Empty.
func FormatTime(t time.Time) string {
	if t.IsZero() {
		return Empty
	}
	return t.In(beijing).Format("2006年1月2日 15时04分")
}

// item is one numbered heading and its body, in print order.
type item struct {
	heading string
	body    string
	inline  bool // short value printed after the heading on the same line
}

// items lays the report out in the order of Decree 493 article 12.
func (r Report) items() []item {
	out := []item{
		{heading: "报告单位", body: r.Unit, inline: true},
		{heading: "事故（事件）发生时间", body: FormatTime(r.Time), inline: true},
		{heading: "事故（事件）发生地点", body: r.Place, inline: true},
		{heading: "事故（事件）经过", body: r.Course},
		{heading: "伤亡情况（含下落不明人数）", body: r.Casualties},
		{heading: "直接经济损失（初步估计）", body: r.Loss},
		{heading: "已采取的措施", body: r.Measures},
		{heading: "其他情况", body: r.Other},
	}
	for _, s := range r.Sections {
		h := strings.TrimSpace(s.Heading)
		if h == "" {
			h = "补充情况"
		}
		out = append(out, item{heading: h, body: s.Body})
	}
	for i := range out {
		out[i].heading = numeral(i+1) + "、" + out[i].heading
		if strings.TrimSpace(out[i].body) == "" {
			out[i].body = Empty
		}
	}
	return out
}

func (r Report) title() string {
	if t := strings.TrimSpace(r.Title); t != "" {
		return t
	}
	return DefaultTitle
}

// signature is the closing block: who wrote and who approved the report, and
// when it was reported.
func (r Report) signature() []string {
	orEmpty := func(s string) string {
		if strings.TrimSpace(s) == "" {
			return Empty
		}
		return s
	}
	return []string{
		"报告人：" + orEmpty(r.Author),
		"审核签发人：" + orEmpty(r.Approver),
		"报告时间：" + FormatTime(r.ReportedAt),
	}
}

// paragraphs splits a body at line breaks, dropping blank lines and
// normalising Windows line ends.
func paragraphs(body string) []string {
	body = strings.ReplaceAll(body, "\r\n", "\n")
	var out []string
	for _, p := range strings.Split(body, "\n") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// numeral writes n (1–99) in Chinese numerals as headings are numbered:
// 一, 十, 十一, 二十一.
func numeral(n int) string {
	digits := []string{"", "一", "二", "三", "四", "五", "六", "七", "八", "九"}
	switch {
	case n <= 0:
		return ""
	case n < 10:
		return digits[n]
	case n < 20:
		return "十" + digits[n%10]
	case n < 100:
		return digits[n/10] + "十" + digits[n%10]
	}
	return strconv.Itoa(n)
}

// text is every character the report prints, for choosing fonts.
func (r Report) text() string {
	var b strings.Builder
	b.WriteString(r.title() + "编号：" + r.Number + Empty)
	for _, it := range r.items() {
		b.WriteString(it.heading + "：" + it.body)
	}
	for _, s := range r.signature() {
		b.WriteString(s)
	}
	return b.String()
}
