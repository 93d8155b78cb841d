package report

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// readDOCX opens the package, checks that every part is well-formed XML and
// has a content type, and returns the parts.
func readDOCX(t *testing.T, data []byte) map[string][]byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatalf("not a zip archive: %v", err)
	}
	parts := map[string][]byte{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		parts[f.Name] = b
		dec := xml.NewDecoder(bytes.NewReader(b))
		for {
			_, err := dec.Token()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("%s is not well-formed XML: %v", f.Name, err)
			}
		}
	}
	for _, name := range []string{"[Content_Types].xml", "_rels/.rels", "word/document.xml", "word/styles.xml", "word/_rels/document.xml.rels"} {
		if parts[name] == nil {
			t.Fatalf("package lacks %s", name)
		}
	}
	types := string(parts["[Content_Types].xml"])
	for name := range parts {
		if !strings.HasSuffix(name, ".rels") && name != "[Content_Types].xml" && !strings.Contains(types, `PartName="/`+name+`"`) {
			t.Errorf("%s has no content type override", name)
		}
	}
	rels := string(parts["word/_rels/document.xml.rels"])
	for _, target := range []string{"styles.xml", "fontTable.xml", "settings.xml", "footer1.xml", "footer2.xml"} {
		if !strings.Contains(rels, `Target="`+target+`"`) || parts["word/"+target] == nil {
			t.Errorf("word/%s missing or not related", target)
		}
	}
	return parts
}

// docxParagraphs returns the text of each paragraph of word/document.xml.
func docxParagraphs(t *testing.T, data []byte) []string {
	t.Helper()
	doc := readDOCX(t, data)["word/document.xml"]
	dec := xml.NewDecoder(bytes.NewReader(doc))
	var paras []string
	var cur *strings.Builder
	inText := false
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		switch v := tok.(type) {
		case xml.StartElement:
			switch v.Name.Local {
			case "p":
				cur = &strings.Builder{}
			case "t":
				inText = true
			case "tab":
				cur.WriteString("\t")
			}
		case xml.EndElement:
			switch v.Name.Local {
			case "p":
				paras = append(paras, cur.String())
			case "t":
				inText = false
			}
		case xml.CharData:
			if inText {
				cur.Write(v)
			}
		}
	}
	return paras
}

func TestDOCX(t *testing.T) {
	r := sampleReport()
	var buf bytes.Buffer
	if err := DOCX(&buf, r); err != nil {
		t.Fatal(err)
	}
	paras := docxParagraphs(t, buf.Bytes())
	joined := strings.Join(paras, "\n")
	for _, want := range wantTexts(r) {
		if !strings.Contains(joined, want) {
			t.Errorf("document.xml lacks %q", want)
		}
	}
	// The special characters come back exactly, so they were escaped.
	if !strings.Contains(joined, `A&B化工 <备用罐> 情况"待查"，'另报'`) {
		t.Errorf("special characters did not survive: %q", joined)
	}
	if paras[0] != r.Title {
		t.Errorf("first paragraph %q, want the title", paras[0])
	}
	parts := readDOCX(t, buf.Bytes())
	styles := string(parts["word/styles.xml"])
	if !strings.Contains(styles, `w:eastAsia="宋体"`) || !strings.Contains(string(parts["word/fontTable.xml"]), `<w:altName w:val="SimSun"/>`) {
		t.Error("styles do not declare 宋体 / SimSun for East Asian text")
	}
	if !strings.Contains(string(parts["word/footer1.xml"]), "PAGE") {
		t.Error("footer has no page number field")
	}
	var again bytes.Buffer
	DOCX(&again, r)
	if !bytes.Equal(buf.Bytes(), again.Bytes()) {
		t.Error("two exports of one report differ")
	}
	xmllint(t, parts)
}

// xmllint checks each part with libxml2 as well, a stricter parser than
// encoding/xml (namespaces, encoding declaration).
func xmllint(t *testing.T, parts map[string][]byte) {
	bin, err := exec.LookPath("xmllint")
	if err != nil {
		t.Fatal("xmllint is missing: install libxml2-utils")
	}
	dir := t.TempDir()
	for name, b := range parts {
		path := filepath.Join(dir, strings.NewReplacer("/", "_", "[", "", "]", "").Replace(name))
		if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command(bin, "--noout", path).CombinedOutput(); err != nil {
			t.Errorf("xmllint %s: %v\n%s", name, err, out)
		}
	}
}

// FuzzDOCX feeds arbitrary text into every field: the package must stay
// well-formed and give the text back (invalid XML characters as U+FFFD).
func FuzzDOCX(f *testing.F) {
	f.Add("标题", "<&>\"'", "a\tb\r\nc")
	f.Add("\x00\x01\uFFFE", "]]>", "\u2028")
	f.Fuzz(func(t *testing.T, a, b, c string) {
		var buf bytes.Buffer
		r := Report{Title: a, Unit: b, Course: c, Sections: []Section{{Heading: b, Body: a}}}
		if err := DOCX(&buf, r); err != nil {
			t.Fatal(err)
		}
		paras := docxParagraphs(t, buf.Bytes())
		joined := strings.Join(paras, "\n")
		if u := strings.TrimSpace(b); u != "" && !strings.Contains(joined, strings.ToValidUTF8(u, "\uFFFD")) && validXMLText(u) {
			t.Errorf("unit %q lost: %q", b, joined)
		}
	})
}

func validXMLText(s string) bool {
	for _, r := range s {
		if r == 0xFFFD || !(r == '\t' || r == '\n' || r == '\r' || r >= 0x20 && r <= 0xD7FF || r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF) {
			return false
		}
	}
	return true
}
