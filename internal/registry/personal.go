package registry

import (
	"bytes"
	"encoding/json"
	"fmt"
	"github.com/yingji/yingji/internal/fieldcrypt"
	"strings"
	"unicode/utf8"
)

// Personal data kinds: a field marked with one of them is sealed at rest
// (see SealAttrs), masked wherever a record is shown (Properties, exports,
// the audit log) and revealed in clear only through the reveal endpoint.
const (
	PersonalPhone    = "phone"     // 138****1234
	PersonalIDNumber = "id_number" // 5301**********1234
	PersonalAddress  = "address"   // the first six characters, then ****
	PersonalContacts = "contacts"  // names and roles kept, phones masked
)

// PersonalFields returns the kind's personal fields.
func (k *Kind) PersonalFields() []Field {
	var out []Field
	for _, f := range k.Fields {
		if f.Personal != "" {
			out = append(out, f)
		}
	}
	return out
}

// MaskPhone keeps the first three and last four digits: 138****1234.
func MaskPhone(p string) string {
	d := strings.ReplaceAll(p, "-", "")
	if len(d) < 8 {
		return strings.Repeat("*", len(d))
	}
	return d[:3] + strings.Repeat("*", len(d)-7) + d[len(d)-4:]
}

// MaskIDNumber keeps the first four and last four characters of a
// resident identity card number: 5301**********1234.
func MaskIDNumber(s string) string {
	if len(s) < 10 {
		return strings.Repeat("*", len(s))
	}
	return s[:4] + strings.Repeat("*", len(s)-8) + s[len(s)-4:]
}

// MaskAddress keeps the first six characters (province, city, county at
// most) and hides the rest.
func MaskAddress(s string) string {
	n := utf8.RuneCountInString(s)
	keep := 6
	if n <= 8 {
		keep = n / 3
	}
	r := []rune(s)
	return string(r[:keep]) + "****"
}

// MaskValue is the masked form of a value of a personal field; values of
// other fields are returned as they are.
func MaskValue(f Field, v any) any {
	if v == nil {
		return nil
	}
	switch f.Personal {
	case PersonalPhone:
		if s, ok := v.(string); ok && s != "" && !isMasked(s) {
			return MaskPhone(s)
		}
	case PersonalIDNumber:
		if s, ok := v.(string); ok && s != "" && !isMasked(s) {
			return MaskIDNumber(s)
		}
	case PersonalAddress:
		if s, ok := v.(string); ok && s != "" && !isMasked(s) {
			return MaskAddress(s)
		}
	case PersonalContacts:
		cs, ok := contactsOf(v)
		if !ok {
			return v
		}
		out := make([]Contact, len(cs))
		for i, c := range cs {
			out[i] = c
			if !isMasked(c.Phone) {
				out[i].Phone = MaskPhone(c.Phone)
			}
		}
		return out
	}
	return v
}

// MaskedAttrs is a copy of attrs with every personal field masked.
func (k *Kind) MaskedAttrs(attrs map[string]any) map[string]any {
	out := make(map[string]any, len(attrs))
	for name, v := range attrs {
		if f, ok := k.Field(name); ok && f.Personal != "" {
			v = MaskValue(f, v)
		}
		out[name] = v
	}
	return out
}

func isMasked(s string) bool { return strings.Contains(s, "*") }

func contactsOf(v any) ([]Contact, bool) {
	if cs, ok := v.([]Contact); ok {
		return cs, true
	}
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, false
	}
	var cs []Contact
	if err := json.Unmarshal(raw, &cs); err != nil {
		return nil, false
	}
	return cs, true
}

// decodeMasked accepts a masked value of a personal field as a client
// sends back what it read (a PUT of a fetched record, a re-imported
// export). merge swaps it for the stored value it masks; Validate refuses
// one left over.
func decodeMasked(f Field, v json.RawMessage) (any, bool) {
	switch f.Personal {
	case PersonalPhone, PersonalIDNumber, PersonalAddress:
		var s string
		if json.Unmarshal(v, &s) != nil || !isMasked(s) {
			return nil, false
		}
		return strings.TrimSpace(s), true
	case PersonalContacts:
		var cs []Contact
		if strict(v, &cs) != nil {
			return nil, false
		}
		masked := false
		for _, c := range cs {
			if strings.TrimSpace(c.Name) == "" || !(ValidPhone(c.Phone) || isMasked(c.Phone)) {
				return nil, false
			}
			masked = masked || isMasked(c.Phone)
		}
		return cs, masked
	}
	return nil, false
}

// keepMasked puts back the stored value of every personal field the input
// sent as the unchanged mask of that value.
func keepMasked(k *Kind, before *Object, after *Object, in *Input) {
	for _, f := range k.PersonalFields() {
		v, sent := in.Attrs[f.Name]
		if !sent || v == nil {
			continue
		}
		old := before.Attrs[f.Name]
		if f.Personal != PersonalContacts {
			if s, ok := v.(string); ok && isMasked(s) && old != nil && MaskValue(f, old) == s {
				after.Attrs[f.Name] = old
			}
			continue
		}
		cs, ok := contactsOf(v)
		if !ok {
			continue
		}
		olds, _ := contactsOf(old)
		out := make([]Contact, len(cs))
		copy(out, cs)
		for i, c := range cs {
			if !isMasked(c.Phone) {
				continue
			}
			// the same contact at the same place, or else the first of that name
			if i < len(olds) && olds[i].Name == c.Name && MaskPhone(olds[i].Phone) == c.Phone {
				out[i].Phone = olds[i].Phone
				continue
			}
			for _, o := range olds {
				if o.Name == c.Name && MaskPhone(o.Phone) == c.Phone {
					out[i].Phone = o.Phone
					break
				}
			}
		}
		after.Attrs[f.Name] = out
	}
}

// checkPersonal refuses masks left in a record and checks an identity
// card number's form and check digit.
func checkPersonal(f Field, v any) error {
	switch f.Personal {
	case PersonalContacts:
		cs, _ := contactsOf(v)
		for i, c := range cs {
			if isMasked(c.Phone) {
				return fmt.Errorf("[%d].phone: %q is masked; send the full number, or the mask unchanged to keep the stored one", i, c.Phone)
			}
		}
	case PersonalPhone, PersonalIDNumber, PersonalAddress:
		s, _ := v.(string)
		if isMasked(s) {
			return fmt.Errorf("%q is masked; send the full value, or the mask unchanged to keep the stored one", s)
		}
		if f.Personal == PersonalIDNumber && s != "" {
			return ValidIDNumber(s)
		}
	}
	return nil
}

// ValidIDNumber checks an 18-character resident identity card number
// (GB 11643-1999): 17 digits, then a check digit or X.
func ValidIDNumber(s string) error {
	if len(s) != 18 {
		return fmt.Errorf("an identity card number has 18 characters, got %d", len(s))
	}
	weights := []int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i := 0; i < 17; i++ {
		if s[i] < '0' || s[i] > '9' {
			return fmt.Errorf("character %d of the identity card number is not a digit", i+1)
		}
		sum += int(s[i]-'0') * weights[i]
	}
	want := "10X98765432"[sum%11]
	if got := s[17]; got != want && !(want == 'X' && got == 'x') {
		return fmt.Errorf("the identity card number's check digit is %c, want %c", got, want)
	}
	return nil
}

// Sealer seals and opens personal fields (fieldcrypt.Ring is one).
type Sealer interface {
	Seal(context string, plain []byte) (string, error)
	Open(context, sealed string) ([]byte, error)
}

// SealContext is what a sealed registry field is bound to: a value copied
// to another field or record does not open.
func SealContext(kind, code, field string) string {
	return "registry/" + kind + "/" + code + "/" + field
}

// SealAttrs encodes attrs for storage with every personal field sealed
// by s (nil: stored in clear).
func SealAttrs(k *Kind, code string, attrs map[string]any, s Sealer) ([]byte, error) {
	if s == nil {
		return json.Marshal(attrs)
	}
	out := make(map[string]any, len(attrs))
	for name, v := range attrs {
		f, ok := k.Field(name)
		if !ok || f.Personal == "" || v == nil {
			out[name] = v
			continue
		}
		plain, err := json.Marshal(v)
		if err != nil {
			return nil, err
		}
		sealed, err := s.Seal(SealContext(k.Name, code, name), plain)
		if err != nil {
			return nil, fmt.Errorf("registry: seal %s.%s: %w", k.Name, name, err)
		}
		out[name] = sealed
	}
	return json.Marshal(out)
}

// OpenAttrs decodes stored attributes, opening sealed personal fields with
// s. Values stored in clear (before sealing was turned on) are read as
// they are; a sealed value without a sealer is an error naming the field.
func OpenAttrs(k *Kind, code string, data []byte, s Sealer) (map[string]any, error) {
	if !bytes.Contains(data, []byte(`"`+fieldcrypt.Prefix)) {
		return DecodeAttrs(k, data)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("registry: stored attributes of %s %s: %w", k.Name, code, err)
	}
	attrs := make(map[string]any, len(raw))
	for name, v := range raw {
		f, ok := k.Field(name)
		if !ok {
			continue // a field removed from the kind since; keep reading
		}
		var str string
		if f.Personal != "" && len(v) > 0 && v[0] == '"' && json.Unmarshal(v, &str) == nil && strings.HasPrefix(str, fieldcrypt.Prefix) {
			if s == nil {
				return nil, fmt.Errorf("registry: %s %s.%s is sealed and no data key is configured", k.Name, code, name)
			}
			plain, err := s.Open(SealContext(k.Name, code, name), str)
			if err != nil {
				return nil, fmt.Errorf("registry: %s %s.%s: %w", k.Name, code, name, err)
			}
			v = plain
		}
		val, err := decodeField(f, v)
		if err != nil {
			return nil, fmt.Errorf("registry: stored %s.%s: %w", k.Name, name, err)
		}
		attrs[name] = val
	}
	return attrs, nil
}

// SealedValues returns, for stored attributes, the sealed personal fields
// and the sealed values (for key rotation), and the personal fields still
// stored in clear.
func SealedValues(k *Kind, data []byte) (sealed map[string]string, clear []string, err error) {
	var raw map[string]json.RawMessage
	if len(data) == 0 {
		return nil, nil, nil
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, nil, err
	}
	sealed = map[string]string{}
	for _, f := range k.PersonalFields() {
		v, ok := raw[f.Name]
		if !ok || string(v) == "null" {
			continue
		}
		var s string
		if json.Unmarshal(v, &s) == nil && strings.HasPrefix(s, fieldcrypt.Prefix) {
			sealed[f.Name] = s
		} else {
			clear = append(clear, f.Name)
		}
	}
	return sealed, clear, nil
}

// Reveal returns the clear values of the record's personal fields that it
// has (names: all when empty).
func (o *Object) Reveal(names []string) (map[string]any, error) {
	k, ok := KindNamed(o.Kind)
	if !ok {
		return nil, fmt.Errorf("registry: unknown kind %q", o.Kind)
	}
	out := map[string]any{}
	for _, f := range k.PersonalFields() {
		if len(names) > 0 && !containsStr(names, f.Name) {
			continue
		}
		if v, ok := o.Attrs[f.Name]; ok && v != nil {
			out[f.Name] = v
		}
	}
	for _, n := range names {
		if f, ok := k.Field(n); !ok || f.Personal == "" {
			return nil, fmt.Errorf("%s is not a personal field of %s", n, k.Name)
		}
	}
	return out, nil
}

func containsStr(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}
