package warning

import (
	"fmt"
	"github.com/yingji/yingji/internal/core"
	"regexp"
	"strconv"
	"time"
)

// Issuer is the issuing unit's code ZZZZZZDDDUUUXX in the GB/T
// 35965.1-2018 identifier ZZZZZZDDDUUUXX_YYYYMMDDhhmmss_N (31 characters;
// domain.md, "Public warnings", verified format). The parts, as the
// standard's Annex A "取值规则及说明" gives them (read in a secondary copy,
// so marked [check] in the docs):
//
//	ZZZZZZ  6-digit administrative division code, GB/T 2260
//	DDD     3-digit institution/industry code, GB/T 4657
//	UUU     3-digit internal code of the issuing unit, default 000
//	XX      2-digit extension code, default 00
//
// The codes are assigned to the unit; Yingji takes them from
// configuration and does not derive them.
type Issuer struct {
	Area string // ZZZZZZ
	Dept string // DDD
	Unit string // UUU
	Ext  string // XX
}

var (
	sixDigits   = regexp.MustCompile(`^\d{6}$`)
	threeDigits = regexp.MustCompile(`^\d{3}$`)
	twoDigits   = regexp.MustCompile(`^\d{2}$`)
	// IdentifierPattern is the 31-character national identifier.
	IdentifierPattern = regexp.MustCompile(`^(\d{6})(\d{3})(\d{3})(\d{2})_(\d{14})_(\d)$`)
)

// Check reports a malformed issuer code.
func (i Issuer) Check() error {
	switch {
	case !sixDigits.MatchString(i.Area):
		return fmt.Errorf("issuer area code %q must be 6 digits (GB/T 2260)", i.Area)
	case !threeDigits.MatchString(i.Dept):
		return fmt.Errorf("issuer institution code %q must be 3 digits (DDD, GB/T 4657)", i.Dept)
	case !threeDigits.MatchString(i.Unit):
		return fmt.Errorf("issuer unit code %q must be 3 digits (UUU)", i.Unit)
	case !twoDigits.MatchString(i.Ext):
		return fmt.Errorf("issuer extension code %q must be 2 digits (XX)", i.Ext)
	}
	return nil
}

// Beijing is UTC+8, the time zone of the identifier's timestamp.
var Beijing = core.Beijing

// Code is the 14-digit issuing unit code ZZZZZZDDDUUUXX.
func (i Issuer) Code() string { return i.Area + i.Dept + i.Unit + i.Ext }

// ParseIssuer reads a 14-digit issuing unit code.
func ParseIssuer(code string) (Issuer, error) {
	if len(code) != 14 {
		return Issuer{}, fmt.Errorf("issuer code %q must be 14 digits ZZZZZZDDDUUUXX", code)
	}
	i := Issuer{Area: code[:6], Dept: code[6:9], Unit: code[9:12], Ext: code[12:]}
	return i, i.Check()
}

// Identifier returns the GB/T 35965.1 identifier of a message the issuer
// enters at sent (written in Beijing time, to the second) with sequence
// digit n (0–9, from 0), which tells apart messages of the same unit and
// second.
func (i Issuer) Identifier(sent time.Time, n int) (string, error) {
	if err := i.Check(); err != nil {
		return "", err
	}
	if n < 0 || n > 9 {
		return "", fmt.Errorf("sequence digit %d is not 0–9", n)
	}
	return i.Code() + "_" + sent.In(Beijing).Format("20060102150405") + "_" + strconv.Itoa(n), nil
}

// ParsedIdentifier is a national identifier taken apart.
type ParsedIdentifier struct {
	Issuer Issuer
	Sent   time.Time // Beijing time
	Seq    int
}

// ParseIdentifier takes a national identifier apart.
func ParseIdentifier(s string) (ParsedIdentifier, error) {
	m := IdentifierPattern.FindStringSubmatch(s)
	if m == nil {
		return ParsedIdentifier{}, fmt.Errorf("%q is not a GB/T 35965.1 identifier ZZZZZZDDDUUUXX_YYYYMMDDhhmmss_N", s)
	}
	t, err := time.ParseInLocation("20060102150405", m[5], Beijing)
	if err != nil {
		return ParsedIdentifier{}, fmt.Errorf("%q: time %s: %v", s, m[5], err)
	}
	n, _ := strconv.Atoi(m[6])
	return ParsedIdentifier{Issuer: Issuer{Area: m[1], Dept: m[2], Unit: m[3], Ext: m[4]}, Sent: t, Seq: n}, nil
}
