// Package creditcode validates the Chinese unified social credit code
// (统一社会信用代码) defined by GB 32100-2015.
//
// Every legal entity in China — companies, government bodies, social
// organisations — carries one. Yingji records it for suppliers, rescue
// organisations and registered volunteer groups, and a typo there means a
// requisition or subsidy is paid to the wrong entity, so the check character
// is verified on input rather than trusted.
//
// Layout (1-based positions):
//
//	1      registration authority code
//	2      organisation type
//	3–8    administrative division code (GB/T 2260)
//	9–17   organisation code body
//	18     check character
package creditcode

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// alphabet lists the code characters in value order. I, O, Z, S and V are
// left out because they are easily confused with 1, 0, 2, 5 and U.
const alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"

// Length is the number of characters in a complete code.
const Length = 18

// weights are 3^i mod 31 for positions 1..17, as tabulated in GB 32100.
var weights = [Length - 1]int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}

// Validate reports whether code is a well-formed unified social credit
// code with a correct check character. The code must already be in upper
// case with no surrounding space; the error names the first problem found
// so that it can be shown to whoever typed the code.
func Validate(code string) error {
	if n := utf8.RuneCountInString(code); n != Length {
		return fmt.Errorf("length is %d, want %d", n, Length)
	}
	// Checking every character first also guarantees the code is 18 bytes,
	// so the byte slicing below cannot split a multi-byte rune.
	if err := checkChars(code, 0); err != nil {
		return err
	}
	want, err := CheckChar(code[:Length-1])
	if err != nil {
		return err
	}
	if got := code[Length-1]; got != want {
		return fmt.Errorf("check character is %c, want %c", got, want)
	}
	return nil
}

// CheckChar computes the check character (position 18) for the first 17
// characters of a code.
func CheckChar(first17 string) (byte, error) {
	if n := utf8.RuneCountInString(first17); n != Length-1 {
		return 0, fmt.Errorf("length is %d, want %d", n, Length-1)
	}
	if err := checkChars(first17, 0); err != nil {
		return 0, err
	}
	sum := 0
	for i := range Length - 1 {
		sum += strings.IndexByte(alphabet, first17[i]) * weights[i]
	}
	// 31 - (sum mod 31) lies in 1..31; the value 31 wraps to '0'.
	return alphabet[(31-sum%31)%31], nil
}

// Complete appends the check character to first17. The demo data generator
// uses it to produce codes that pass Validate.
func Complete(first17 string) (string, error) {
	c, err := CheckChar(first17)
	if err != nil {
		return "", err
	}
	return first17 + string(c), nil
}

// Division returns the administrative division code (positions 3–8), e.g.
// "530500" for Baoshan, Yunnan. It does not validate the code; callers should
// run Validate first. Codes shorter than eight bytes yield "".
func Division(code string) string {
	if len(code) < 8 {
		return ""
	}
	return code[2:8]
}

// checkChars reports the first character of s outside the alphabet, giving
// its 1-based position in the full code (offset is the index of s[0]).
func checkChars(s string, offset int) error {
	for i, r := range []rune(s) {
		if r < utf8.RuneSelf && strings.IndexByte(alphabet, byte(r)) >= 0 {
			continue
		}
		pos := offset + i + 1
		if up := unicode.ToUpper(r); up != r && up < utf8.RuneSelf && strings.IndexByte(alphabet, byte(up)) >= 0 {
			return fmt.Errorf("invalid character %q at position %d (use upper case)", r, pos)
		}
		return fmt.Errorf("invalid character %q at position %d", r, pos)
	}
	return nil
}
