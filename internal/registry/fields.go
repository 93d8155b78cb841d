package registry

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Contact is a person to call about a record.
type Contact struct {
	Name  string `json:"name"`
	Role  string `json:"role,omitempty"`
	Phone string `json:"phone"`
}

// Substance is a hazardous substance held by a major hazard source.
type Substance struct {
	Name      string  `json:"name"`
	CAS       string  `json:"cas,omitempty"`
	QuantityT float64 `json:"quantity_t"`
}

// StockLine is one item held by a supply warehouse.
type StockLine struct {
	Item     string  `json:"item"`
	Quantity float64 `json:"quantity"`
	Unit     string  `json:"unit"`
}

// phoneRE accepts a Chinese mobile number or a landline with area code,
// optionally with an extension; separators are not stored.
var phoneRE = regexp.MustCompile(`^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8}(-\d{1,6})?|12\d{3}|110|119|120|122)$`)

// ValidPhone reports whether s is a phone number we can dial.
func ValidPhone(s string) bool { return phoneRE.MatchString(s) }

var casRE = regexp.MustCompile(`^(\d{2,7})-(\d{2})-(\d)$`)

// ValidCAS checks a CAS registry number including its check digit.
func ValidCAS(s string) bool {
	m := casRE.FindStringSubmatch(s)
	if m == nil {
		return false
	}
	digits := m[1] + m[2]
	sum := 0
	for i := 0; i < len(digits); i++ {
		sum += int(digits[len(digits)-1-i]-'0') * (i + 1)
	}
	return sum%10 == int(m[3][0]-'0')
}

func strict(v json.RawMessage, dst any) error {
	dec := json.NewDecoder(bytes.NewReader(v))
	dec.DisallowUnknownFields()
	return dec.Decode(dst)
}

// decodeField turns a JSON value into the field's Go value and checks it
// against the field's own constraints (type, enum, range, formats).
func decodeField(f Field, v json.RawMessage) (any, error) {
	switch f.Type {
	case String, Phone, Enum, Date:
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			return nil, fmt.Errorf("want a string")
		}
		s = strings.TrimSpace(s)
		if len(s) > 500 {
			return nil, fmt.Errorf("too long (%d bytes, at most 500)", len(s))
		}
		if f.Type == Phone && s != "" && !ValidPhone(s) {
			return nil, fmt.Errorf("%q is not a phone number (want a mobile like 13800000000 or a landline like 0875-2123456)", s)
		}
		if f.Type == Date && s != "" {
			if _, err := time.Parse(time.DateOnly, s); err != nil {
				return nil, fmt.Errorf("%q is not a date (want YYYY-MM-DD, e.g. 2026-03-31)", s)
			}
		}
		if f.Type == Enum && !slices.Contains(f.Enum, s) {
			return nil, fmt.Errorf("%q is not one of %s", s, strings.Join(f.Enum, ", "))
		}
		return s, nil
	case Int, Float:
		var n json.Number
		if err := json.Unmarshal(v, &n); err != nil {
			return nil, fmt.Errorf("want a number")
		}
		x, err := n.Float64()
		if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, fmt.Errorf("want a finite number")
		}
		if f.Type == Int && x != math.Trunc(x) {
			return nil, fmt.Errorf("want a whole number, got %s", n)
		}
		if f.Min != nil && x < *f.Min {
			return nil, fmt.Errorf("%s is below the minimum %g", n, *f.Min)
		}
		if f.Max != nil && x > *f.Max {
			return nil, fmt.Errorf("%s is above the maximum %g", n, *f.Max)
		}
		if f.Type == Int {
			return int64(x), nil
		}
		return x, nil
	case Bool:
		var b bool
		if err := json.Unmarshal(v, &b); err != nil {
			return nil, fmt.Errorf("want true or false")
		}
		return b, nil
	case Strings:
		var ss []string
		if err := json.Unmarshal(v, &ss); err != nil {
			return nil, fmt.Errorf("want an array of strings")
		}
		for i, s := range ss {
			if len(f.Enum) > 0 && !slices.Contains(f.Enum, s) {
				return nil, fmt.Errorf("[%d]: %q is not one of %s", i, s, strings.Join(f.Enum, ", "))
			}
		}
		return ss, nil
	case Contacts:
		var cs []Contact
		if err := strict(v, &cs); err != nil {
			return nil, fmt.Errorf("want an array of {name, role, phone}: %v", err)
		}
		for i, c := range cs {
			if strings.TrimSpace(c.Name) == "" {
				return nil, fmt.Errorf("[%d].name: is required", i)
			}
			if !ValidPhone(c.Phone) {
				return nil, fmt.Errorf("[%d].phone: %q is not a phone number", i, c.Phone)
			}
		}
		return cs, nil
	case Substances:
		var ss []Substance
		if err := strict(v, &ss); err != nil {
			return nil, fmt.Errorf("want an array of {name, cas, quantity_t}: %v", err)
		}
		for i, s := range ss {
			if strings.TrimSpace(s.Name) == "" {
				return nil, fmt.Errorf("[%d].name: is required", i)
			}
			if s.CAS != "" && !ValidCAS(s.CAS) {
				return nil, fmt.Errorf("[%d].cas: %q is not a valid CAS number", i, s.CAS)
			}
			if !(s.QuantityT >= 0) {
				return nil, fmt.Errorf("[%d].quantity_t: must be zero or more", i)
			}
		}
		return ss, nil
	case Stock:
		var ls []StockLine
		if err := strict(v, &ls); err != nil {
			return nil, fmt.Errorf("want an array of {item, quantity, unit}: %v", err)
		}
		for i, l := range ls {
			if strings.TrimSpace(l.Item) == "" || strings.TrimSpace(l.Unit) == "" {
				return nil, fmt.Errorf("[%d]: item and unit are required", i)
			}
			if !(l.Quantity >= 0) {
				return nil, fmt.Errorf("[%d].quantity: must be zero or more", i)
			}
		}
		return ls, nil
	}
	return nil, fmt.Errorf("field type %q is not supported", f.Type)
}

// DecodeAttrs parses stored attributes back into typed values. Stored data
// was validated on the way in, so an error here means the database was
// edited by hand; it is reported, not hidden.
func DecodeAttrs(k *Kind, data []byte) (map[string]any, error) {
	attrs := map[string]any{}
	if len(data) == 0 {
		return attrs, nil
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("registry: stored attributes of %s: %w", k.Name, err)
	}
	for name, v := range raw {
		f, ok := k.Field(name)
		if !ok {
			continue // a field removed from the kind since; keep reading
		}
		val, err := decodeField(f, v)
		if err != nil {
			return nil, fmt.Errorf("registry: stored %s.%s: %w", k.Name, name, err)
		}
		attrs[name] = val
	}
	return attrs, nil
}
