package report

import (
	"fmt"
	"io"

	"github.com/go-pdf/fpdf"
)

// Page geometry of GB/T 9704-2012 (millimetres, points for type sizes).
const (
	pageW, pageH   = 210.0, 297.0
	marginTop      = 37.0
	marginLeft     = 28.0
	textW, textH   = 156.0, 225.0
	bodyPt         = 16.0 // 3号
	titlePt        = 22.0 // 2号
	folioPt        = 14.0 // 4号
	linesPerPage   = 22
	bodyLineH      = textH / linesPerPage
	titleLineH     = 13.0
	folioBelowText = 7.0 // the page number's rule sits 7 mm below the text block
)

// PDF writes r as an A4 PDF in the GB/T 9704 layout with the font at
// opts.FontPath (FindFont when empty), embedded as a subset. Characters that
// font lacks are drawn with the fallback font (Options.FallbackFontPath, or
// FindFallbackFont when some character needs it); characters neither has
// are drawn with the main font's missing-glyph box.
func PDF(w io.Writer, r Report, opts Options) error {
	fonts, err := openFonts(r, opts)
	if err != nil {
		return err
	}
	p := &pdfWriter{f: fpdf.New("P", "mm", "A4", ""), fonts: fonts, widths: map[runeSize]float64{}}
	f := p.f
	f.SetMargins(marginLeft, marginTop, pageW-marginLeft-textW)
	f.SetAutoPageBreak(false, 0)
	for i, fc := range fonts {
		f.AddUTF8FontFromBytes(fontFamily(i), "", fc.data)
		if err := f.Error(); err != nil {
			return fmt.Errorf("report: font %s: %w", fc.path, err)
		}
	}
	f.SetTitle(r.title(), true)
	f.SetSubject(r.Number, true)
	f.SetAuthor(r.Author, true)
	f.SetCreator("Yingji", true)
	f.SetFooterFunc(p.folio)
	f.AddPage()

	for _, line := range p.lines(r.title(), titlePt, 0) {
		p.line(line, titlePt, titleLineH, 0, "C")
	}
	if r.Number != "" {
		for _, line := range p.lines("编号："+r.Number, bodyPt, 0) {
			p.line(line, bodyPt, bodyLineH, 0, "C")
		}
	}
	p.skip(bodyLineH)
	indent := 2 * p.width('　', bodyPt)
	for _, it := range r.items() {
		if it.inline {
			p.paragraph(it.heading+"："+it.body, indent)
			continue
		}
		p.paragraph(it.heading+"：", indent)
		for _, para := range paragraphs(it.body) {
			p.paragraph(para, indent)
		}
	}
	p.skip(bodyLineH)
	for _, s := range r.signature() {
		for _, line := range p.lines(s, bodyPt, 0) {
			p.line(line, bodyPt, bodyLineH, 0, "R")
		}
	}
	if err := f.Error(); err != nil {
		return fmt.Errorf("report: PDF: %w", err)
	}
	if err := f.Output(w); err != nil {
		return fmt.Errorf("report: PDF: %w", err)
	}
	return nil
}

func fontFamily(i int) string { return fmt.Sprintf("report-%d", i) }

// openFonts loads the main font and, when some character of the report
// needs it, the fallback font.
func openFonts(r Report, opts Options) ([]*face, error) {
	path := opts.FontPath
	if path == "" {
		var err error
		if path, err = FindFont(); err != nil {
			return nil, err
		}
	}
	main, err := openFace(path, 0)
	if err != nil {
		return nil, fmt.Errorf("report: font %s: %w", path, err)
	}
	fonts := []*face{main}
	needs := false
	for _, c := range r.text() + "— 0123456789" {
		if !main.has(c) {
			needs = true
			break
		}
	}
	if !needs && opts.FallbackFontPath == "" {
		return fonts, nil
	}
	path = opts.FallbackFontPath
	if path == "" {
		if path, err = FindFallbackFont(); err != nil {
			return nil, fmt.Errorf("report: %s lacks characters the report uses: %w", main.path, err)
		}
	}
	fb, err := openFace(path, 0)
	if err != nil {
		return nil, fmt.Errorf("report: fallback font %s: %w", path, err)
	}
	return append(fonts, fb), nil
}

type runeSize struct {
	r    rune
	size float64
}

type pdfWriter struct {
	f      *fpdf.Fpdf
	fonts  []*face
	widths map[runeSize]float64
}

// fontOf picks the font that draws r: the main font when it has the glyph,
// else the fallback when that has it, else the main font.
func (p *pdfWriter) fontOf(r rune) int {
	if p.fonts[0].has(r) || len(p.fonts) == 1 {
		return 0
	}
	if p.fonts[1].has(r) {
		return 1
	}
	return 0
}

// width measures one rune at a type size in the font that draws it,
// remembering the answer: the library measures strings, and wrapping asks
// for every rune.
func (p *pdfWriter) width(r rune, size float64) float64 {
	k := runeSize{r, size}
	w, ok := p.widths[k]
	if !ok {
		p.f.SetFont(fontFamily(p.fontOf(r)), "", size)
		w = p.f.GetStringWidth(string(r))
		p.widths[k] = w
	}
	return w
}

func (p *pdfWriter) lines(text string, size, indent float64) []string {
	return wrap(text, textW-indent, textW, func(r rune) float64 { return p.width(r, size) })
}

// paragraph prints a body paragraph whose first line is indented.
func (p *pdfWriter) paragraph(text string, indent float64) {
	for i, line := range p.lines(text, bodyPt, indent) {
		if i > 0 {
			indent = 0
		}
		p.line(line, bodyPt, bodyLineH, indent, "L")
	}
}

// line prints one line in runs of one font each, aligned within the text
// block (after indent), and moves to the next line.
func (p *pdfWriter) line(text string, size, h, indent float64, align string) {
	p.breakIfFull(h)
	p.draw(text, size, h, indent, align)
}

// draw prints one line at the current position without breaking the page.
func (p *pdfWriter) draw(text string, size, h, indent float64, align string) {
	type run struct {
		font int
		text []rune
	}
	var runs []run
	total := 0.0
	for _, c := range text {
		fi := p.fontOf(c)
		if len(runs) == 0 || runs[len(runs)-1].font != fi {
			runs = append(runs, run{font: fi})
		}
		runs[len(runs)-1].text = append(runs[len(runs)-1].text, c)
		total += p.width(c, size)
	}
	x := marginLeft + indent
	switch align {
	case "C":
		x += (textW - indent - total) / 2
	case "R":
		x += textW - indent - total
	}
	y := p.f.GetY()
	p.f.SetXY(x, y)
	for _, rn := range runs {
		w := 0.0
		for _, c := range rn.text {
			w += p.width(c, size)
		}
		p.f.SetFont(fontFamily(rn.font), "", size)
		p.f.CellFormat(w, h, string(rn.text), "", 0, "L", false, 0, "")
	}
	p.f.SetXY(marginLeft, y+h)
}

func (p *pdfWriter) skip(h float64) {
	if p.f.GetY()+h <= marginTop+textH {
		p.f.Ln(h)
	}
}

// breakIfFull starts a new page when a line of height h would leave the
// text block.
func (p *pdfWriter) breakIfFull(h float64) {
	if p.f.GetY()+h > marginTop+textH+0.01 {
		p.f.AddPage()
	}
}

// folio prints the page number as GB/T 9704-2012 7.5 wants it: "— n —",
// on odd pages to the right and on even pages to the left, one character in
// from the edge of the text block.
func (p *pdfWriter) folio() {
	text := fmt.Sprintf("— %d —", p.f.PageNo())
	w := 0.0
	for _, c := range text {
		w += p.width(c, folioPt)
	}
	inset := p.width('　', folioPt)
	x := marginLeft + textW - inset - w
	if p.f.PageNo()%2 == 0 {
		x = marginLeft + inset
	}
	h := folioPt * 25.4 / 72
	p.f.SetY(marginTop + textH + folioBelowText - h/2)
	p.draw(text, folioPt, h, x-marginLeft, "L")
}
