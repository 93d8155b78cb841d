package telemetry

import (
	"math"
	"strconv"
)

// parseFast decodes the common, well-formed shapes of a device message
// without reflection: objects whose keys and strings have no escapes,
// numbers, null, and the readings array. Anything else (escapes, unknown
// keys, duplicates, odd nesting, trailing data) returns ok=false and the
// caller decodes with encoding/json, which gives the exact error. A fuzz
// test checks that whatever this accepts, encoding/json decodes the same.
func parseFast(data []byte) (out []RawReading, ok bool) {
	p := fastParser{b: data}
	var m fastMsg
	if !p.object(&m, true) {
		return nil, false
	}
	p.ws()
	if p.i != len(p.b) {
		return nil, false
	}
	return m.toReadings()
}

type fastParser struct {
	b []byte
	i int
}

// fastMsg mirrors rawJSON with the raw spans of ts, value and quality.
type fastMsg struct {
	point                 *string
	ts, value, quality    []byte
	hasTS, hasV, hasQ     bool
	unit                  string
	readings              []fastMsg
	hasReadings, hasPoint bool
}

func (p *fastParser) ws() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *fastParser) eat(c byte) bool {
	p.ws()
	if p.i < len(p.b) && p.b[p.i] == c {
		p.i++
		return true
	}
	return false
}

// str reads a string without escapes or control characters.
func (p *fastParser) str() (string, bool) {
	p.ws()
	if p.i >= len(p.b) || p.b[p.i] != '"' {
		return "", false
	}
	start := p.i + 1
	for j := start; j < len(p.b); j++ {
		c := p.b[j]
		if c == '"' {
			p.i = j + 1
			return string(p.b[start:j]), true
		}
		if c == '\\' || c < 0x20 || c >= 0x80 && !validUTF8Tail(p.b[j:]) {
			return "", false
		}
	}
	return "", false
}

// validUTF8Tail is conservative: any non-ASCII byte sends the message to
// encoding/json, which replaces invalid sequences the way it does.
func validUTF8Tail([]byte) bool { return false }

// scalar returns the raw span of a number, a plain string or null.
func (p *fastParser) scalar() ([]byte, bool) {
	p.ws()
	if p.i >= len(p.b) {
		return nil, false
	}
	start := p.i
	switch c := p.b[p.i]; {
	case c == '"':
		if _, ok := p.str(); !ok {
			return nil, false
		}
	case c == 'n':
		if len(p.b)-p.i < 4 || string(p.b[p.i:p.i+4]) != "null" {
			return nil, false
		}
		p.i += 4
	case c == '-' || c >= '0' && c <= '9':
		j := p.i
		for j < len(p.b) && (p.b[j] >= '0' && p.b[j] <= '9' || p.b[j] == '-' || p.b[j] == '+' || p.b[j] == '.' || p.b[j] == 'e' || p.b[j] == 'E') {
			j++
		}
		if _, err := strconv.ParseFloat(string(p.b[p.i:j]), 64); err != nil && !isRangeErr(err) {
			return nil, false
		}
		if !validJSONNumber(p.b[p.i:j]) {
			return nil, false
		}
		p.i = j
	default:
		return nil, false
	}
	return p.b[start:p.i], true
}

func isRangeErr(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}

// validJSONNumber checks the JSON number grammar (strconv is more lenient).
func validJSONNumber(s []byte) bool {
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case i < len(s) && s[i] >= '1' && s[i] <= '9':
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
	default:
		return false
	}
	if i < len(s) && s[i] == '.' {
		i++
		if i >= len(s) || s[i] < '0' || s[i] > '9' {
			return false
		}
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if i >= len(s) || s[i] < '0' || s[i] > '9' {
			return false
		}
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
	}
	return i == len(s)
}

// object reads {"key": value, …}; top allows the readings array.
func (p *fastParser) object(m *fastMsg, top bool) bool {
	if !p.eat('{') {
		return false
	}
	if p.eat('}') {
		return true
	}
	for {
		key, ok := p.str()
		if !ok || !p.eat(':') {
			return false
		}
		switch key {
		case "point":
			if m.hasPoint {
				return false
			}
			p.ws()
			if p.i < len(p.b) && p.b[p.i] == 'n' {
				if _, ok := p.scalar(); !ok { // null leaves point unset
					return false
				}
			} else {
				s, ok := p.str()
				if !ok {
					return false
				}
				m.point = &s
			}
			m.hasPoint = true
		case "unit":
			p.ws()
			if p.i < len(p.b) && p.b[p.i] == 'n' {
				if _, ok := p.scalar(); !ok {
					return false
				}
			} else if m.unit, ok = p.str(); !ok {
				return false
			}
		case "ts", "value", "quality":
			v, ok := p.scalar()
			if !ok {
				return false
			}
			switch key {
			case "ts":
				if m.hasTS {
					return false
				}
				m.ts, m.hasTS = v, true
			case "value":
				if m.hasV {
					return false
				}
				m.value, m.hasV = v, true
			default:
				if m.hasQ {
					return false
				}
				m.quality, m.hasQ = v, true
			}
		case "readings":
			if !top || m.hasReadings || !p.eat('[') {
				return false
			}
			m.hasReadings = true
			m.readings = []fastMsg{}
			if !p.eat(']') {
				for {
					var r fastMsg
					if !p.object(&r, false) {
						return false
					}
					m.readings = append(m.readings, r)
					if p.eat(']') {
						break
					}
					if !p.eat(',') {
						return false
					}
				}
			}
		default:
			return false
		}
		if p.eat('}') {
			return true
		}
		if !p.eat(',') {
			return false
		}
	}
}

// readings applies ParsePayload's rules to what was scanned.
func (m *fastMsg) toReadings() ([]RawReading, bool) {
	if string(m.ts) == "null" {
		m.ts = nil
	}
	msgTS, err := parseTS(m.ts)
	if err != nil || m.hasReadings && len(m.readings) == 0 || !m.hasReadings && m.point == nil ||
		m.hasReadings && (m.point != nil || len(m.value) > 0) {
		return nil, false // let encoding/json word the error
	}
	if !m.hasReadings {
		return []RawReading{m.reading(0)}, true
	}
	out := make([]RawReading, len(m.readings))
	for i := range m.readings {
		out[i] = m.readings[i].reading(msgTS)
		if out[i].Detail != "" {
			out[i].Detail = "readings[" + strconv.Itoa(i) + "]: " + out[i].Detail
		}
	}
	return out, true
}

func (m *fastMsg) reading(msgTS int64) RawReading {
	r := rawJSON{Point: m.point, Value: m.value, Unit: m.unit}
	if m.hasTS && string(m.ts) != "null" {
		r.TS = m.ts
	}
	if m.hasQ && string(m.quality) != "null" {
		r.Quality = m.quality
	}
	out := reading(r, msgTS)
	if out.Problem == "" && (math.IsNaN(out.Value) || math.IsInf(out.Value, 0)) {
		out.Problem = NotNumeric
	}
	return out
}
