package report

import (
	"strings"
	"unicode"
)

// noLineStart are characters that must not begin a line (GB/T 15834-2011
// closing punctuation, and their half-width forms).
const noLineStart = "，。、；：？！）》」』】〕〉”’…—·%,.;:?!)]}>"

// noLineEnd are characters that must not end a line (opening punctuation).
const noLineEnd = "（《「『【〔〈“‘([{<"

// wrap breaks text into lines no wider than width (the first line no wider
// than first, for an indented paragraph), measuring each rune with
// measure. A line may break between any two CJK characters; Latin words and
// numbers are kept whole unless a single word is wider than a line. The
// line-start and line-end rules (see the package documentation) move a
// character to the next line, or pull it back onto the previous one when
// moving would leave it alone. Joining the lines gives back the text with
// only the spaces at the breaks removed.
func wrap(text string, first, width float64, measure func(rune) float64) []string {
	runes := []rune(text)
	var lines []string
	for {
		for len(runes) > 0 && runes[0] == ' ' {
			runes = runes[1:]
		}
		if len(runes) == 0 {
			return lines
		}
		limit := width
		if len(lines) == 0 {
			limit = first
		}
		n, w := 0, 0.0
		for n < len(runes) {
			cw := measure(runes[n])
			if n > 0 && w+cw > limit {
				break
			}
			w += cw
			n++
		}
		if n < len(runes) {
			n = adjustBreak(runes, n)
		}
		lines = append(lines, strings.TrimRight(string(runes[:n]), " "))
		runes = runes[n:]
	}
}

// adjustBreak moves a break at n (runes[:n] fits) to a better place: back to
// the start of a Latin word, back before an opening mark, and — when the next
// line would start with closing punctuation — back by one character so that
// the punctuation keeps company. It never returns less than 1.
func adjustBreak(runes []rune, n int) int {
	orig := n
	if isWordRune(runes[n]) && isWordRune(runes[n-1]) {
		i := n
		for i > 0 && isWordRune(runes[i-1]) {
			i--
		}
		if i > 0 {
			n = i
		}
	}
	if strings.ContainsRune(noLineStart, runes[n]) && n > 1 {
		// The closing mark cannot start the next line: take the character
		// before it along (one line gets slightly shorter).
		n--
		for n > 1 && strings.ContainsRune(noLineStart, runes[n]) {
			n--
		}
	}
	for n > 1 && strings.ContainsRune(noLineEnd, runes[n-1]) {
		n--
	}
	if n < 1 {
		return orig
	}
	return n
}

// isWordRune reports whether r belongs to a run that must not be split:
// Latin letters, digits and the marks inside numbers and codes.
func isWordRune(r rune) bool {
	if r < 0x3000 && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
		return !unicode.Is(unicode.Han, r)
	}
	return strings.ContainsRune("-_./@#&", r)
}
