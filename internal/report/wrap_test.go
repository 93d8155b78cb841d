package report

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// measure gives CJK and full-width characters width 2 and the rest 1, like
// a monospaced terminal, so expected breaks can be worked out by hand.
func measure(r rune) float64 {
	if unicode.Is(unicode.Han, r) || (r >= 0x3000 && r <= 0x303F) || (r >= 0xFF00 && r <= 0xFFEF) {
		return 2
	}
	return 1
}

func width(s string) float64 {
	w := 0.0
	for _, r := range s {
		w += measure(r)
	}
	return w
}

func TestWrap(t *testing.T) {
	cases := []struct {
		name        string
		text        string
		first, rest float64
		want        []string
	}{
		{"per character", "应急管理局值班室", 6, 6, []string{"应急管", "理局值", "班室"}},
		{"indented first line", "应急管理局值班室", 4, 8, []string{"应急", "管理局值", "班室"}},
		{"closing mark never starts a line", "一二三，四五", 6, 6, []string{"一二", "三，四", "五"}},
		{"two closing marks", "一二三）。四五", 6, 6, []string{"一二", "三）。", "四五"}},
		{"opening mark never ends a line", "一二（三四", 6, 6, []string{"一二", "（三四"}},
		{"latin word kept whole", "编号YJ-530502", 10, 10, []string{"编号", "YJ-530502"}},
		{"spaces break latin", "water pump station", 10, 10, []string{"water pump", "station"}},
		{"word longer than a line is split", "ABCDEFGHIJ", 4, 4, []string{"ABCD", "EFGH", "IJ"}},
		{"too narrow for one character", "应急", 1, 1, []string{"应", "急"}},
		{"empty", "", 10, 10, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := wrap(c.text, c.first, c.rest, measure)
			if strings.Join(got, "|") != strings.Join(c.want, "|") {
				t.Errorf("wrap(%q) = %q, want %q", c.text, got, c.want)
			}
		})
	}
}

// FuzzWrap checks wrap's promises on any text: nothing lost or added but
// the spaces at breaks, every line within the width unless it is a single
// character, no empty lines.
func FuzzWrap(f *testing.F) {
	f.Add("经初步核查，该厂一号储罐区液氨管道法兰垫片老化导致泄漏（见附件）。", 10.0, 20.0)
	f.Add("Tank TK-101 at 350ppm, 2026-11-28 06:05", 8.0, 8.0)
	f.Add("，，，，（（（（", 2.0, 2.0)
	f.Fuzz(func(t *testing.T, text string, first, rest float64) {
		if !utf8.ValidString(text) || !(first >= 1 && first < 200) || !(rest >= 1 && rest < 200) {
			return
		}
		lines := wrap(text, first, rest, measure)
		if got, want := strings.ReplaceAll(strings.Join(lines, ""), " ", ""), strings.ReplaceAll(text, " ", ""); got != want {
			t.Fatalf("lines %q do not join back to %q", lines, text)
		}
		for i, line := range lines {
			limit := rest
			if i == 0 {
				limit = first
			}
			if line == "" && i < len(lines)-1 {
				t.Fatalf("empty line %d in %q", i, lines)
			}
			if width(line) > limit && utf8.RuneCountInString(line) > 1 {
				t.Fatalf("line %d %q is %v wide, limit %v", i, line, width(line), limit)
			}
		}
	})
}
