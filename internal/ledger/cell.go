package ledger

import (
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/width"

	"github.com/yingji/yingji/internal/registry"
)

// The cell parsers turn what people type into spreadsheets (full-width
// digits, thousands separators, units after numbers, Excel serial dates,
// degrees-minutes-seconds, Chinese labels for codes) into the registry's
// values, or say precisely why they cannot.

// narrow folds full-width letters, digits and punctuation to ASCII, as
// Chinese input methods often type them.
func narrow(s string) string { return width.Narrow.String(s) }

// clean trims a cell and folds its width.
func clean(s string) string { return strings.TrimSpace(narrow(s)) }

// ParseNumber reads a number cell: "1200", "1,200", "１２００", "12.5m"
// when the column's unit is m, "-3.2e2".
func ParseNumber(s, unit string) (float64, error) {
	t := clean(s)
	if unit != "" {
		t = strings.TrimSpace(strings.TrimSuffix(t, narrow(unit)))
	}
	t = strings.ReplaceAll(t, ",", "")
	if t == "" {
		return 0, fmt.Errorf("is empty")
	}
	x, err := strconv.ParseFloat(t, 64)
	if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
		if unit != "" {
			return 0, fmt.Errorf("%q is not a number (in %s)", s, unit)
		}
		return 0, fmt.Errorf("%q is not a number", s)
	}
	return x, nil
}

// ParseInt reads a whole-number cell.
func ParseInt(s, unit string) (int64, error) {
	x, err := ParseNumber(s, unit)
	if err != nil {
		return 0, err
	}
	if x != math.Trunc(x) || math.Abs(x) > 1<<53 {
		return 0, fmt.Errorf("%q is not a whole number", s)
	}
	return int64(x), nil
}

var dateRE = regexp.MustCompile(`^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$`)

// ParseDate reads a date cell: an Excel serial day number (what a date cell
// holds), or text such as 2026-03-31, 2026/3/31, 2026.3.31, 2026年3月31日
// or 20260331. It returns YYYY-MM-DD.
func ParseDate(s string, date1904 bool) (string, error) {
	t := clean(s)
	if t == "" {
		return "", fmt.Errorf("is empty")
	}
	if m := dateRE.FindStringSubmatch(t); m != nil {
		return checkDate(s, m[1], m[2], m[3])
	}
	if len(t) == 8 && allDigits(t) {
		return checkDate(s, t[:4], t[4:6], t[6:])
	}
	if x, err := strconv.ParseFloat(t, 64); err == nil {
		// serial 1 is 1900-01-01; 2958465 is 9999-12-31.
		if x < 1 || x > 2958465 || math.IsNaN(x) {
			return "", fmt.Errorf("%q is not a date (as an Excel day number it is out of range)", s)
		}
		d, err := excelize.ExcelDateToTime(x, date1904)
		if err != nil {
			return "", fmt.Errorf("%q is not a date: %v", s, err)
		}
		return d.Format(time.DateOnly), nil
	}
	return "", fmt.Errorf("%q is not a date (want YYYY-MM-DD, e.g. 2026-03-31)", s)
}

func checkDate(orig, y, m, d string) (string, error) {
	iy, _ := strconv.Atoi(y)
	im, _ := strconv.Atoi(m)
	id, _ := strconv.Atoi(d)
	t := time.Date(iy, time.Month(im), id, 0, 0, 0, 0, time.UTC)
	if t.Year() != iy || int(t.Month()) != im || t.Day() != id {
		return "", fmt.Errorf("%q is not a calendar date", orig)
	}
	return t.Format(time.DateOnly), nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

var dmsRE = regexp.MustCompile(`^([NSEW北南东西]|北纬|南纬|东经|西经)?\s*(\d+(?:\.\d+)?)\s*[°度]\s*(?:(\d+(?:\.\d+)?)\s*['′’分]\s*)?(?:(\d+(?:\.\d+)?)\s*(?:"|″|”|''|′′|秒)\s*)?([NSEW北南东西])?$`)

// ParseDegrees reads a longitude or latitude: decimal degrees ("99.1618",
// "E99.1618") or degrees, minutes and seconds ("99°09′42.5″", "东经99度9分42.5秒",
// "25°7'N"). West and south are negative.
func ParseDegrees(s string) (float64, error) {
	t := clean(s)
	if t == "" {
		return 0, fmt.Errorf("is empty")
	}
	sign := 1.0
	upper := strings.ToUpper(t)
	if m := dmsRE.FindStringSubmatch(upper); m != nil {
		deg, _ := strconv.ParseFloat(m[2], 64)
		var mins, secs float64
		if m[3] != "" {
			mins, _ = strconv.ParseFloat(m[3], 64)
		}
		if m[4] != "" {
			secs, _ = strconv.ParseFloat(m[4], 64)
		}
		if mins >= 60 || secs >= 60 {
			return 0, fmt.Errorf("%q: minutes and seconds must be below 60", s)
		}
		if hemi := m[1] + m[5]; strings.ContainsAny(hemi, "SW") || strings.Contains(hemi, "南") || strings.Contains(hemi, "西") {
			sign = -1
		}
		return sign * (deg + mins/60 + secs/3600), nil
	}
	for _, p := range []struct {
		prefix string
		sign   float64
	}{{"东经", 1}, {"北纬", 1}, {"西经", -1}, {"南纬", -1}, {"E", 1}, {"N", 1}, {"W", -1}, {"S", -1}} {
		if rest, ok := strings.CutPrefix(upper, p.prefix); ok {
			upper, sign = strings.TrimSpace(rest), p.sign
			break
		}
	}
	x, err := strconv.ParseFloat(upper, 64)
	if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
		return 0, fmt.Errorf("%q is not a coordinate (want decimal degrees like 99.1618 or 99°09′42.5″)", s)
	}
	return sign * x, nil
}

// MatchOption finds the option a cell names: its value, its Chinese label
// or its English label, ignoring case, width and surrounding space.
func MatchOption(opts []registry.Option, s string) (string, bool) {
	t := clean(s)
	for _, o := range opts {
		if t == o.Value || t == narrow(o.Label) {
			return o.Value, true
		}
	}
	for _, o := range opts {
		if strings.EqualFold(t, o.Value) || strings.EqualFold(t, o.LabelEn) || strings.EqualFold(t, narrow(o.Label)) {
			return o.Value, true
		}
	}
	return "", false
}

// optionError names the choices when a cell matches none.
func optionError(opts []registry.Option, s string) error {
	return fmt.Errorf("%q is not one of %s", strings.TrimSpace(s), strings.Join(labelsOf(opts), "、"))
}

// splitItems splits a multi-valued cell on 、 , ， ; ； and line breaks.
func splitItems(s string, seps string) []string {
	var out []string
	for _, p := range strings.FieldsFunc(s, func(r rune) bool { return strings.ContainsRune(seps, r) }) {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

const (
	listSeps  = "、,，;；\n\r"
	entrySeps = ";；\n\r"
	partSeps  = "/／"
)

// parts splits one entry of a composite cell on slashes, keeping empty
// parts ("张三//13800000000").
func parts(entry string) []string {
	var out []string
	cur := strings.Builder{}
	for _, r := range entry {
		if strings.ContainsRune(partSeps, r) {
			out = append(out, strings.TrimSpace(cur.String()))
			cur.Reset()
			continue
		}
		cur.WriteRune(r)
	}
	return append(out, strings.TrimSpace(cur.String()))
}

// ParseCell turns the text of one cell into the JSON value of column c
// (nil for an empty cell). date1904 says how the workbook counts serial
// dates.
func ParseCell(c Column, s string, date1904 bool) (any, error) {
	v, err := parseCell(c, s, date1904)
	if err != nil {
		return nil, err
	}
	return v, nil
}

func parseCell(c Column, s string, date1904 bool) (any, error) {
	t := strings.TrimSpace(s)
	if t == "" {
		return nil, nil
	}
	switch c.Type {
	case registry.Int:
		n, err := ParseInt(t, c.Unit)
		if err != nil {
			return nil, err
		}
		return n, nil
	case registry.Float:
		if c.Key == keyLon || c.Key == keyLat {
			return ParseDegrees(t)
		}
		return ParseNumber(t, c.Unit)
	case registry.Bool:
		switch strings.ToLower(clean(t)) {
		case "是", "true", "1", "yes", "y", "√", "有":
			return true, nil
		case "否", "false", "0", "no", "n", "×", "无":
			return false, nil
		}
		return nil, fmt.Errorf("%q: want 是 or 否", t)
	case registry.Enum:
		v, ok := MatchOption(c.Options, t)
		if !ok {
			return nil, optionError(c.Options, t)
		}
		return v, nil
	case registry.Date:
		return ParseDate(t, date1904)
	case registry.Phone:
		p := strings.NewReplacer(" ", "", "(", "", ")", "", "（", "", "）", "").Replace(clean(t))
		p = strings.TrimPrefix(strings.TrimPrefix(p, "+86"), "0086")
		return p, nil
	case registry.Strings:
		items := splitItems(t, listSeps)
		if strings.HasPrefix(t, "[") { // the registry's CSV writes JSON
			if err := json.Unmarshal([]byte(t), &items); err != nil {
				return nil, fmt.Errorf("malformed JSON list: %v", err)
			}
		}
		if len(c.Options) == 0 {
			return items, nil
		}
		out := make([]string, len(items))
		for i, it := range items {
			v, ok := MatchOption(c.Options, it)
			if !ok {
				return nil, optionError(c.Options, it)
			}
			out[i] = v
		}
		return out, nil
	case registry.Contacts, registry.Substances, registry.Stock:
		if strings.HasPrefix(t, "[") {
			var v []map[string]any
			if err := json.Unmarshal([]byte(t), &v); err != nil {
				return nil, fmt.Errorf("malformed JSON list: %v", err)
			}
			return json.RawMessage(t), nil
		}
		return parseComposite(c.Type, t)
	}
	return t, nil // free text is kept as typed
}

// parseComposite reads "a/b/c；d/e/f" into the records of a composite field.
func parseComposite(typ registry.FieldType, s string) (any, error) {
	var out []map[string]any
	for i, entry := range splitItems(s, entrySeps) {
		p := parts(entry)
		item := map[string]any{}
		switch typ {
		case registry.Contacts:
			switch len(p) {
			case 2:
				item["name"], item["phone"] = p[0], phoneOf(p[1])
			case 3:
				item["name"], item["role"], item["phone"] = p[0], p[1], phoneOf(p[2])
				if p[1] == "" {
					delete(item, "role")
				}
			default:
				return nil, fmt.Errorf("item %d %q: want 姓名/职务/电话 or 姓名/电话", i+1, entry)
			}
		case registry.Substances:
			switch len(p) {
			case 2:
				q, err := ParseNumber(p[1], "t")
				if err != nil {
					return nil, fmt.Errorf("item %d %q: quantity %v", i+1, entry, err)
				}
				item["name"], item["quantity_t"] = p[0], q
			case 3:
				q, err := ParseNumber(p[2], "t")
				if err != nil {
					return nil, fmt.Errorf("item %d %q: quantity %v", i+1, entry, err)
				}
				item["name"], item["quantity_t"] = p[0], q
				if p[1] != "" {
					item["cas"] = clean(p[1])
				}
			default:
				return nil, fmt.Errorf("item %d %q: want 名称/CAS号/存量 or 名称/存量", i+1, entry)
			}
		case registry.Stock:
			if len(p) != 3 {
				return nil, fmt.Errorf("item %d %q: want 物资名称/数量/单位", i+1, entry)
			}
			q, err := ParseNumber(p[1], p[2])
			if err != nil {
				return nil, fmt.Errorf("item %d %q: quantity %v", i+1, entry, err)
			}
			item["item"], item["quantity"], item["unit"] = p[0], q, p[2]
		}
		out = append(out, item)
	}
	return out, nil
}

func phoneOf(s string) string {
	p, _ := ParseCell(Column{Type: registry.Phone}, s, false)
	str, _ := p.(string)
	return str
}

// FormatComposite writes a composite field's records the way
// parseComposite reads them.
func FormatComposite(typ registry.FieldType, v any) string {
	var items []string
	switch x := v.(type) {
	case []registry.Contact:
		for _, c := range x {
			items = append(items, c.Name+"/"+c.Role+"/"+c.Phone)
		}
	case []registry.Substance:
		for _, s := range x {
			items = append(items, s.Name+"/"+s.CAS+"/"+strconv.FormatFloat(s.QuantityT, 'f', -1, 64))
		}
	case []registry.StockLine:
		for _, l := range x {
			items = append(items, l.Item+"/"+strconv.FormatFloat(l.Quantity, 'f', -1, 64)+"/"+l.Unit)
		}
	default:
		b, _ := json.Marshal(v)
		return string(b)
	}
	return strings.Join(items, "；")
}
