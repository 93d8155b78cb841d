package warning

import (
	"fmt"
	"regexp"
	"strconv"
	"time"
)

// Issuer is the issuing unit's code in the GB/T 35965.1-2018 identifier
// ZZZZZZDDDUUUXX_YYYYMMDDhhmmss_N (domain.md, "Public warnings"): the
// six-digit GB/T 2260 code of the unit's area (ZZZZZZ), the unit's code
// (DDDUUU, six digits) and an extension code (XX, two digits). The unit and
// extension codes are assigned by the national release system; Yingji
// takes them from configuration and does not derive them.
type Issuer struct {
	Area string // ZZZZZZ
	Unit string // DDDUUU
	Ext  string // XX
}

var (
	sixDigits = regexp.MustCompile(`^\d{6}$`)
	twoDigits = regexp.MustCompile(`^\d{2}$`)
	// IdentifierPattern is the 31-character national identifier.
	IdentifierPattern = regexp.MustCompile(`^(\d{6})(\d{6})(\d{2})_(\d{14})_(\d)$`)
)

// Check reports a malformed issuer code.
func (i Issuer) Check() error {
	switch {
	case !sixDigits.MatchString(i.Area):
		return fmt.Errorf("issuer area code %q must be 6 digits (GB/T 2260)", i.Area)
	case !sixDigits.MatchString(i.Unit):
		return fmt.Errorf("issuer unit code %q must be 6 digits (DDDUUU)", i.Unit)
	case !twoDigits.MatchString(i.Ext):
		return fmt.Errorf("issuer extension code %q must be 2 digits (XX)", i.Ext)
	}
	return nil
}

// Beijing is UTC+8, the time zone of the identifier's timestamp.
var Beijing = time.FixedZone("CST", 8*3600)

// Identifier returns the GB/T 35965.1 identifier of a message the issuer
// sends at sent (written in Beijing time, to the second) with sequence
// digit n (0–9), which tells apart messages sent in the same second.
func (i Issuer) Identifier(sent time.Time, n int) (string, error) {
	if err := i.Check(); err != nil {
		return "", err
	}
	if n < 0 || n > 9 {
		return "", fmt.Errorf("sequence digit %d is not 0–9", n)
	}
	return i.Area + i.Unit + i.Ext + "_" + sent.In(Beijing).Format("20060102150405") + "_" + strconv.Itoa(n), nil
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
	t, err := time.ParseInLocation("20060102150405", m[4], Beijing)
	if err != nil {
		return ParsedIdentifier{}, fmt.Errorf("%q: time %s: %v", s, m[4], err)
	}
	n, _ := strconv.Atoi(m[5])
	return ParsedIdentifier{Issuer: Issuer{Area: m[1], Unit: m[2], Ext: m[3]}, Sent: t, Seq: n}, nil
}
