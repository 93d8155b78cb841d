package report

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"time"
)

// DOCX writes r as a Word document (Office Open XML, ECMA-376) in the same
// layout as the PDF: A4 with the GB/T 9704 margins, 22 lines to a page, the
// title in 22 pt, the body in 16 pt 宋体 (SimSun; Times New Roman for Latin
// letters and digits), headings in 黑体 (SimHei) and the page number "— n —"
// at the foot, right on odd pages and left on even ones. The package is the
// minimal one Word and LibreOffice open: content types, relationships, the
// document, styles, font table, settings, two footers and the core
// properties. Output is byte-for-byte reproducible for the same report.
func DOCX(w io.Writer, r Report) error {
	parts := []struct{ name, body string }{
		{"[Content_Types].xml", contentTypes},
		{"_rels/.rels", packageRels},
		{"docProps/core.xml", coreProps(r)},
		{"docProps/app.xml", appProps},
		{"word/_rels/document.xml.rels", documentRels},
		{"word/document.xml", documentXML(r)},
		{"word/styles.xml", stylesXML},
		{"word/fontTable.xml", fontTableXML},
		{"word/settings.xml", settingsXML},
		{"word/footer1.xml", footerXML("right")},
		{"word/footer2.xml", footerXML("left")},
	}
	// A fixed time keeps the archive reproducible; Word ignores it.
	stamp := time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)
	zw := zip.NewWriter(w)
	for _, p := range parts {
		fw, err := zw.CreateHeader(&zip.FileHeader{Name: p.name, Method: zip.Deflate, Modified: stamp})
		if err != nil {
			return fmt.Errorf("report: DOCX %s: %w", p.name, err)
		}
		if _, err := io.WriteString(fw, p.body); err != nil {
			return fmt.Errorf("report: DOCX %s: %w", p.name, err)
		}
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("report: DOCX: %w", err)
	}
	return nil
}

const xmlHeader = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n"

const nsW = `xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"`

const contentTypes = xmlHeader + `<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
	`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>` +
	`<Default Extension="xml" ContentType="application/xml"/>` +
	`<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>` +
	`<Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/>` +
	`<Override PartName="/word/fontTable.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.fontTable+xml"/>` +
	`<Override PartName="/word/settings.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.settings+xml"/>` +
	`<Override PartName="/word/footer1.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.footer+xml"/>` +
	`<Override PartName="/word/footer2.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.footer+xml"/>` +
	`<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>` +
	`<Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>` +
	`</Types>`

const packageRels = xmlHeader + `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
	`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>` +
	`<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/>` +
	`<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties" Target="docProps/app.xml"/>` +
	`</Relationships>`

const documentRels = xmlHeader + `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
	`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>` +
	`<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/fontTable" Target="fontTable.xml"/>` +
	`<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/settings" Target="settings.xml"/>` +
	`<Relationship Id="rId4" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/footer" Target="footer1.xml"/>` +
	`<Relationship Id="rId5" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/footer" Target="footer2.xml"/>` +
	`</Relationships>`

const appProps = xmlHeader + `<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"><Application>Yingji</Application></Properties>`

// Page measures below are in twips (1/1440 inch) for the GB/T 9704 page:
// A4 (11906 × 16838), margins top 37 mm (2098), bottom 35 mm (1984), left
// 28 mm (1587), right 26 mm (1474); 22 lines in 225 mm, a pitch of 580.

const settingsXML = xmlHeader + `<w:settings ` + nsW + `><w:evenAndOddHeaders/><w:defaultTabStop w:val="420"/>` +
	`<w:characterSpacingControl w:val="compressPunctuation"/><w:compat><w:compatSetting w:name="compatibilityMode" w:uri="http://schemas.microsoft.com/office/word" w:val="15"/></w:compat></w:settings>`

const stylesXML = xmlHeader + `<w:styles ` + nsW + `>` +
	`<w:docDefaults><w:rPrDefault><w:rPr>` +
	`<w:rFonts w:ascii="Times New Roman" w:hAnsi="Times New Roman" w:eastAsia="宋体" w:cs="Times New Roman"/>` +
	`<w:sz w:val="32"/><w:szCs w:val="32"/><w:lang w:val="en-US" w:eastAsia="zh-CN"/>` +
	`</w:rPr></w:rPrDefault><w:pPrDefault><w:pPr><w:spacing w:line="580" w:lineRule="exact"/><w:jc w:val="both"/></w:pPr></w:pPrDefault></w:docDefaults>` +
	`<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/><w:qFormat/>` +
	`<w:pPr><w:ind w:firstLineChars="200" w:firstLine="640"/></w:pPr></w:style>` +
	`<w:style w:type="paragraph" w:styleId="Title"><w:name w:val="Title"/><w:basedOn w:val="Normal"/><w:qFormat/>` +
	`<w:pPr><w:spacing w:line="700" w:lineRule="exact"/><w:ind w:firstLineChars="0" w:firstLine="0"/><w:jc w:val="center"/><w:outlineLvl w:val="0"/></w:pPr>` +
	`<w:rPr><w:rFonts w:eastAsia="宋体"/><w:b/><w:sz w:val="44"/><w:szCs w:val="44"/></w:rPr></w:style>` +
	`<w:style w:type="paragraph" w:styleId="DocNumber"><w:name w:val="Document Number"/><w:basedOn w:val="Normal"/>` +
	`<w:pPr><w:ind w:firstLineChars="0" w:firstLine="0"/><w:jc w:val="center"/></w:pPr></w:style>` +
	`<w:style w:type="paragraph" w:styleId="Heading1"><w:name w:val="heading 1"/><w:basedOn w:val="Normal"/><w:next w:val="Normal"/><w:qFormat/>` +
	`<w:pPr><w:keepNext/><w:outlineLvl w:val="1"/></w:pPr><w:rPr><w:rFonts w:eastAsia="黑体"/></w:rPr></w:style>` +
	`<w:style w:type="paragraph" w:styleId="Signature"><w:name w:val="Signature"/><w:basedOn w:val="Normal"/>` +
	`<w:pPr><w:ind w:firstLineChars="0" w:firstLine="0"/><w:jc w:val="right"/></w:pPr></w:style>` +
	`<w:style w:type="paragraph" w:styleId="Footer"><w:name w:val="footer"/><w:basedOn w:val="Normal"/>` +
	`<w:pPr><w:spacing w:line="240" w:lineRule="auto"/><w:ind w:firstLineChars="0" w:firstLine="0"/></w:pPr><w:rPr><w:sz w:val="28"/><w:szCs w:val="28"/></w:rPr></w:style>` +
	`</w:styles>`

// fontTableXML names the fonts with their Windows names as alternatives and
// the GB2312 character set, so a word processor without 宋体 substitutes a
// Chinese serif font rather than a Latin one.
const fontTableXML = xmlHeader + `<w:fonts ` + nsW + `>` +
	`<w:font w:name="宋体"><w:altName w:val="SimSun"/><w:charset w:val="86"/><w:family w:val="auto"/><w:pitch w:val="variable"/></w:font>` +
	`<w:font w:name="黑体"><w:altName w:val="SimHei"/><w:charset w:val="86"/><w:family w:val="modern"/><w:pitch w:val="fixed"/></w:font>` +
	`<w:font w:name="Times New Roman"><w:charset w:val="00"/><w:family w:val="roman"/><w:pitch w:val="variable"/></w:font>` +
	`</w:fonts>`

// footerXML is a footer with the page number "— n —", one character in
// from the given side (GB/T 9704-2012 7.5).
func footerXML(side string) string {
	ind := `<w:ind w:firstLineChars="0" w:firstLine="0" w:rightChars="100" w:right="280"/>`
	if side == "left" {
		ind = `<w:ind w:firstLineChars="0" w:firstLine="0" w:leftChars="100" w:left="280"/>`
	}
	return xmlHeader + `<w:ftr ` + nsW + `><w:p><w:pPr><w:pStyle w:val="Footer"/>` + ind + `<w:jc w:val="` + side + `"/></w:pPr>` +
		`<w:r><w:t xml:space="preserve">— </w:t></w:r>` +
		`<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText xml:space="preserve"> PAGE </w:instrText></w:r>` +
		`<w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>1</w:t></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r>` +
		`<w:r><w:t xml:space="preserve"> —</w:t></w:r></w:p></w:ftr>`
}

func coreProps(r Report) string {
	var b strings.Builder
	b.WriteString(xmlHeader + `<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" ` +
		`xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">`)
	b.WriteString("<dc:title>" + esc(r.title()) + "</dc:title>")
	if r.Number != "" {
		b.WriteString("<dc:identifier>" + esc(r.Number) + "</dc:identifier>")
	}
	if r.Author != "" {
		b.WriteString("<dc:creator>" + esc(r.Author) + "</dc:creator>")
	}
	if !r.ReportedAt.IsZero() {
		b.WriteString(`<dcterms:created xsi:type="dcterms:W3CDTF">` + r.ReportedAt.UTC().Format(time.RFC3339) + `</dcterms:created>`)
	}
	b.WriteString("</cp:coreProperties>")
	return b.String()
}

func documentXML(r Report) string {
	var b strings.Builder
	b.WriteString(xmlHeader + `<w:document ` + nsW + `><w:body>`)
	para(&b, "Title", r.title())
	if r.Number != "" {
		para(&b, "DocNumber", "编号："+r.Number)
	}
	para(&b, "DocNumber", "")
	for _, it := range r.items() {
		if it.inline {
			para(&b, "Heading1", it.heading+"："+it.body)
			continue
		}
		para(&b, "Heading1", it.heading+"：")
		for _, p := range paragraphs(it.body) {
			para(&b, "Normal", p)
		}
	}
	para(&b, "Signature", "")
	for _, s := range r.signature() {
		para(&b, "Signature", s)
	}
	b.WriteString(`<w:sectPr>` +
		`<w:footerReference w:type="default" r:id="rId4"/><w:footerReference w:type="even" r:id="rId5"/>` +
		`<w:pgSz w:w="11906" w:h="16838"/>` +
		`<w:pgMar w:top="2098" w:right="1474" w:bottom="1984" w:left="1587" w:header="851" w:footer="1247" w:gutter="0"/>` +
		`<w:docGrid w:type="linesAndChars" w:linePitch="580" w:charSpace="0"/>` +
		`</w:sectPr></w:body></w:document>`)
	return b.String()
}

// para writes one paragraph; tabs become tab elements, everything else is
// escaped text.
func para(b *strings.Builder, style, text string) {
	b.WriteString(`<w:p><w:pPr><w:pStyle w:val="` + style + `"/></w:pPr>`)
	for i, chunk := range strings.Split(text, "\t") {
		if i > 0 {
			b.WriteString("<w:r><w:tab/></w:r>")
		}
		if chunk != "" {
			b.WriteString(`<w:r><w:t xml:space="preserve">` + esc(chunk) + `</w:t></w:r>`)
		}
	}
	b.WriteString("</w:p>")
}

// esc escapes text for XML; characters XML 1.0 does not allow become U+FFFD.
func esc(s string) string {
	var buf bytes.Buffer
	_ = xml.EscapeText(&buf, []byte(s)) // writes to a bytes.Buffer cannot fail
	return buf.String()
}
