package report

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"
)

// longCourse is a paragraph long enough to wrap over many lines and push
// the report onto a second page. Each sentence is numbered so that a lost or
// repeated line shows.
func longCourse() string {
	var b strings.Builder
	for i := 1; i <= 40; i++ {
		b.WriteString("第")
		b.WriteString(numeral(i))
		b.WriteString("段：11月28日凌晨，该厂液氨储罐区（编号TK-101）法兰垫片老化导致氨气泄漏，现场浓度最高达到350ppm，企业值班人员立即关闭上下游阀门，并向隆阳区应急管理局报告。")
	}
	return b.String()
}

func sampleReport() Report {
	return Report{
		Title:      "隆阳区某化工厂液氨泄漏事故续报（第2期）",
		Number:     "YJ-530502-20261128-0007-R2",
		Unit:       "保山市隆阳区应急管理局",
		Time:       time.Date(2026, 11, 27, 22, 5, 0, 0, time.UTC), // 06:05 on the 28th in Beijing
		ReportedAt: time.Date(2026, 11, 28, 1, 30, 0, 0, time.UTC),
		Place:      "隆阳区河图街道工业园区某化工厂液氨储罐区",
		Course:     longCourse() + "\n\n事故现场已得到初步控制。",
		Casualties: "死亡0人，下落不明0人，重伤2人（急性中毒），轻伤5人。",
		Loss:       "初步估计直接经济损失约120万元。",
		Measures:   "启动三级应急响应；疏散周边群众约300人；消防救援大队现场稀释处置。",
		Other:      "风向为西南风；A&B化工 <备用罐> 情况\"待查\"，'另报'。",
		Sections: []Section{
			{Heading: "环境监测情况", Body: "下风向500米处氨气浓度已降至5ppm以下。"},
			{Heading: "下一步工作", Body: "继续监测，组织专家开展事故原因调查。"},
		},
		Author:   "值班员张三",
		Approver: "副局长李四",
	}
}

// wantTexts is every field's text as it must appear in an export.
func wantTexts(r Report) []string {
	out := []string{r.Title, "编号：" + r.Number, "报告单位：" + r.Unit,
		"2026年11月28日 06时05分", r.Place, "事故现场已得到初步控制。", r.Casualties, r.Loss, r.Measures, r.Other,
		"报告人：" + r.Author, "审核签发人：" + r.Approver, "报告时间：2026年11月28日 09时30分",
		"一、报告单位", "四、事故（事件）经过", "五、伤亡情况（含下落不明人数）", "六、直接经济损失（初步估计）",
		"七、已采取的措施", "八、其他情况", "九、环境监测情况", "十、下一步工作"}
	for _, s := range r.Sections {
		out = append(out, s.Body)
	}
	for _, p := range paragraphs(r.Course) {
		out = append(out, p)
	}
	return out
}

func squeeze(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
}

func pdfText(t *testing.T, pdf []byte) string {
	t.Helper()
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		t.Fatal("pdftotext is missing: install poppler-utils (apt-get install poppler-utils); the PDF cannot be checked without it")
	}
	path := filepath.Join(t.TempDir(), "report.pdf")
	if err := os.WriteFile(path, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "-enc", "UTF-8", path, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return string(out)
}

func TestPDFReadsBack(t *testing.T) {
	font, err := FindFont()
	if err != nil {
		t.Fatal(err)
	}
	checkPDF(t, font)
}

// TestPDFWithEveryInstalledFont renders with each known font present on the
// machine, including TrueType collections.
func TestPDFWithEveryInstalledFont(t *testing.T) {
	found := 0
	for _, c := range knownFonts {
		if _, err := os.Stat(c.path); err != nil {
			continue
		}
		found++
		t.Run(filepath.Base(c.path), func(t *testing.T) { checkPDF(t, c.path) })
	}
	if found == 0 {
		t.Fatal("no known CJK font installed; install fonts-droid-fallback")
	}
}

var folio = regexp.MustCompile(`^—\s*\d+\s*—$`)

func checkPDF(t *testing.T, font string) {
	r := sampleReport()
	var buf bytes.Buffer
	if err := PDF(&buf, r, Options{FontPath: font}); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(buf.Bytes(), []byte("%PDF-")) {
		t.Fatalf("output does not start like a PDF: %q", buf.Bytes()[:min(10, buf.Len())])
	}
	text := pdfText(t, buf.Bytes())
	pages := strings.Count(strings.TrimRight(text, "\f"), "\f") + 1
	if pages < 2 {
		t.Errorf("the long report fits on %d page; want at least 2", pages)
	}
	// Take the page numbers out, so that a paragraph running over a page
	// break reads on, and check there is one per page, in order.
	var body []string
	var folios []string
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(strings.Trim(line, "\f"))
		if folio.MatchString(line) {
			folios = append(folios, line)
			continue
		}
		body = append(body, line)
	}
	for p := 1; p <= pages; p++ {
		if p > len(folios) || folios[p-1] != "—"+strconv.Itoa(p)+"—" {
			t.Errorf("page %d: page numbers %q", p, folios)
			break
		}
	}
	flat := squeeze(strings.Join(body, "\n"))
	for _, want := range wantTexts(r) {
		if !strings.Contains(flat, squeeze(want)) {
			t.Errorf("PDF text lacks %.60q…", want)
		}
	}
	// The long paragraph wraps: its 40 numbered sentences span many lines,
	// and no line starts with closing punctuation.
	lines := 0
	for _, line := range body {
		if strings.Contains(line, "液氨") || strings.Contains(line, "法兰") {
			lines++
		}
		if line != "" && strings.ContainsRune(noLineStart, []rune(line)[0]) {
			t.Errorf("line starts with closing punctuation: %q", line)
		}
	}
	if lines < 40 {
		t.Errorf("the long paragraph came out on %d lines; want it wrapped over many", lines)
	}
}

// TestEveryCharacterHasAGlyph checks that the font chosen for every
// character of the report can draw it: pdftotext reads text from the
// ToUnicode map even where a glyph is missing, so this is checked apart.
func TestEveryCharacterHasAGlyph(t *testing.T) {
	r := sampleReport()
	fonts, err := openFonts(r, Options{})
	if err != nil {
		t.Fatal(err)
	}
	p := &pdfWriter{fonts: fonts}
	for _, c := range r.text() + "— 0123456789" {
		if unicode.IsSpace(c) && c != '　' {
			continue
		}
		if !fonts[p.fontOf(c)].has(c) {
			t.Errorf("no glyph for %q in %s", c, fonts[p.fontOf(c)].path)
		}
	}
}

func TestFindFont(t *testing.T) {
	t.Run("environment", func(t *testing.T) {
		t.Setenv(FontEnv, "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf")
		if got, err := FindFont(); err != nil || got != os.Getenv(FontEnv) {
			t.Fatalf("FindFont = %q, %v", got, err)
		}
		t.Setenv(FontEnv, "/nonexistent/font.ttf")
		_, err := FindFont()
		if err == nil || !strings.Contains(err.Error(), "/nonexistent/font.ttf") || !strings.Contains(err.Error(), FontEnv) {
			t.Fatalf("a missing font named in %s: err = %v, want it named", FontEnv, err)
		}
		junk := filepath.Join(t.TempDir(), "junk.ttf")
		os.WriteFile(junk, []byte("this is not a font at all"), 0o600)
		t.Setenv(FontEnv, junk)
		if _, err := FindFont(); err == nil || !strings.Contains(err.Error(), "not a TrueType font") {
			t.Fatalf("junk font: err = %v", err)
		}
	})
	t.Run("nothing installed", func(t *testing.T) {
		t.Setenv(FontEnv, "")
		saved := knownFonts
		defer func() { knownFonts = saved }()
		knownFonts = []fontCandidate{{"/nonexistent/a.ttf", "fonts-a"}, {"/nonexistent/b.ttc", "fonts-b"}}
		_, err := FindFont()
		if err == nil {
			t.Fatal("no error")
		}
		for _, want := range []string{"/nonexistent/a.ttf", "/nonexistent/b.ttc", "apt-get install fonts-droid-fallback", FontEnv} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q lacks %q", err, want)
			}
		}
		if err := PDF(io.Discard, sampleReport(), Options{}); err == nil {
			t.Error("PDF without a font: no error")
		}
	})
	t.Run("CFF OpenType refused", func(t *testing.T) {
		otf := filepath.Join(t.TempDir(), "x.otf")
		os.WriteFile(otf, append([]byte("OTTO"), make([]byte, 20)...), 0o600)
		if _, err := loadFont(otf); err == nil || !strings.Contains(err.Error(), "CFF") {
			t.Fatalf("err = %v, want CFF named", err)
		}
	})
}

func TestFormatTime(t *testing.T) {
	// 16:00 UTC on 31 December is 00:00 on 1 January in Beijing.
	if got := FormatTime(time.Date(2026, 12, 31, 16, 0, 0, 0, time.UTC)); got != "2027年1月1日 00时00分" {
		t.Errorf("got %q", got)
	}
	if got := FormatTime(time.Time{}); got != Empty {
		t.Errorf("zero time: %q", got)
	}
}

func TestNumeral(t *testing.T) {
	for n, want := range map[int]string{1: "一", 9: "九", 10: "十", 11: "十一", 20: "二十", 21: "二十一", 99: "九十九"} {
		if got := numeral(n); got != want {
			t.Errorf("numeral(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestEmptyFieldsShowEmpty(t *testing.T) {
	var buf bytes.Buffer
	if err := DOCX(&buf, Report{Sections: []Section{{Body: "续报内容"}}}); err != nil {
		t.Fatal(err)
	}
	paras := docxParagraphs(t, buf.Bytes())
	joined := strings.Join(paras, "\n")
	for _, want := range []string{DefaultTitle, "报告单位：" + Empty, "四、事故（事件）经过：\n" + Empty, "报告人：" + Empty, "九、补充情况：\n续报内容"} {
		if !strings.Contains(joined, want) {
			t.Errorf("empty report lacks %q:\n%s", want, joined)
		}
	}
}

// With only WenQuanYi for the Latin letters (as on a machine without
// Liberation or DejaVu), the fallback still draws every character.
func TestFallbackToWenQuanYi(t *testing.T) {
	saved := knownFallbacks
	defer func() { knownFallbacks = saved }()
	knownFallbacks = knownFallbacks[len(knownFallbacks)-2:]
	t.Setenv(FallbackFontEnv, "")
	path, err := FindFallbackFont()
	if err != nil {
		t.Fatal(err)
	}
	r := sampleReport()
	fonts, err := openFonts(r, Options{FontPath: "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf"})
	if err != nil {
		t.Fatal(err)
	}
	if len(fonts) != 2 || fonts[1].path != path {
		t.Fatalf("fonts %v, want Droid and %s", len(fonts), path)
	}
	p := &pdfWriter{fonts: fonts}
	for _, c := range "YJ-530502 350ppm 2026" {
		if !fonts[p.fontOf(c)].has(c) {
			t.Errorf("no glyph for %q", c)
		}
	}
	var buf bytes.Buffer
	if err := PDF(&buf, r, Options{FontPath: fonts[0].path, FallbackFontPath: path}); err != nil {
		t.Fatal(err)
	}
}
