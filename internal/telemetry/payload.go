// Package telemetry is what the platform knows about sensor readings: the
// device payload format, units and their conversions, validation with a
// reason for every rejected reading, the directory of monitoring points the
// hot path looks readings up in, and the compact encoding of time chunks.
package telemetry

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"time"
)

// Quality of a reading as the device reports it.
type Quality uint8

// Qualities.
const (
	Good Quality = iota
	Uncertain
	Bad
)

func (q Quality) String() string {
	switch q {
	case Uncertain:
		return "uncertain"
	case Bad:
		return "bad"
	}
	return "good"
}

// RawReading is one reading as a device sent it, before the point is looked
// up and the unit converted.
type RawReading struct {
	Point   string
	TS      int64 // Unix milliseconds; 0 when the payload gave none
	Value   float64
	Unit    string
	Quality Quality
	// Problem is set when this reading (not the whole message) is malformed,
	// e.g. a non-numeric value; it becomes a rejection reason.
	Problem Reason
	Detail  string
}

// rawJSON mirrors both payload forms: a single reading, or a batch with a
// shared timestamp and a "readings" array.
type rawJSON struct {
	Point    *string         `json:"point"`
	TS       json.RawMessage `json:"ts"`
	Value    json.RawMessage `json:"value"`
	Unit     string          `json:"unit"`
	Quality  json.RawMessage `json:"quality"`
	Readings []rawJSON       `json:"readings"`
}

// ParsePayload decodes a device message: either
// {"point":"P1","ts":"2026-11-28T02:00:00Z","value":12.3,"unit":"m"} or
// {"ts":…,"readings":[{"point":…,"value":…,"unit":…,"ts":…,"quality":…},…]}.
// ts is RFC 3339 or Unix milliseconds; a reading without its own ts takes
// the message's. The error is for a message that cannot be read at all;
// problems of single readings are set on them.
func ParsePayload(data []byte) ([]RawReading, error) {
	if out, ok := parseFast(data); ok {
		return out, nil
	}
	return parseSlow(data)
}

// parseSlow decodes with encoding/json: every shape, and the exact errors.
func parseSlow(data []byte) ([]RawReading, error) {
	var m rawJSON
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("malformed JSON: %v", err)
	}
	if dec.More() {
		return nil, fmt.Errorf("malformed JSON: more than one value")
	}
	msgTS, err := parseTS(m.TS)
	if err != nil {
		return nil, fmt.Errorf("ts: %v", err)
	}
	if m.Readings == nil {
		if m.Point == nil {
			return nil, fmt.Errorf(`want "point" and "value", or "readings"`)
		}
		return []RawReading{reading(m, 0)}, nil
	}
	if m.Point != nil || len(m.Value) > 0 {
		return nil, fmt.Errorf(`a batch has "readings" and no "point" or "value" of its own`)
	}
	if len(m.Readings) == 0 {
		return nil, fmt.Errorf(`"readings" is empty`)
	}
	out := make([]RawReading, len(m.Readings))
	for i, r := range m.Readings {
		if len(r.Readings) > 0 {
			out[i] = RawReading{Problem: Malformed, Detail: fmt.Sprintf("readings[%d]: nested readings", i)}
			continue
		}
		out[i] = reading(r, msgTS)
		if out[i].Detail != "" {
			out[i].Detail = fmt.Sprintf("readings[%d]: %s", i, out[i].Detail)
		}
	}
	return out, nil
}

func reading(r rawJSON, msgTS int64) RawReading {
	out := RawReading{Unit: r.Unit, TS: msgTS}
	if r.Point == nil || *r.Point == "" {
		out.Problem, out.Detail = Malformed, "point is missing"
		return out
	}
	out.Point = *r.Point
	if len(r.TS) > 0 {
		ts, err := parseTS(r.TS)
		if err != nil {
			out.Problem, out.Detail = Malformed, "ts: "+err.Error()
			return out
		}
		out.TS = ts
	}
	q, err := parseQuality(r.Quality)
	if err != nil {
		out.Problem, out.Detail = Malformed, "quality: "+err.Error()
		return out
	}
	out.Quality = q
	v, err := strconv.ParseFloat(string(r.Value), 64)
	if len(r.Value) == 0 || err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		out.Problem, out.Detail = NotNumeric, fmt.Sprintf("value %s is not a number", clip(r.Value))
		return out
	}
	out.Value = v
	return out
}

func clip(b []byte) string {
	if len(b) == 0 {
		return "(missing)"
	}
	if len(b) > 40 {
		return string(b[:40]) + "…"
	}
	return string(b)
}

// parseTS reads RFC 3339 text or Unix milliseconds; 0 for absent.
func parseTS(raw json.RawMessage) (int64, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return 0, nil
	}
	if raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return 0, err
		}
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return 0, fmt.Errorf("%q is not an RFC 3339 time", s)
		}
		return t.UnixMilli(), nil
	}
	ms, err := strconv.ParseInt(string(raw), 10, 64)
	if err != nil || ms <= 0 {
		return 0, fmt.Errorf("%s is neither RFC 3339 text nor positive Unix milliseconds", clip(raw))
	}
	return ms, nil
}

func parseQuality(raw json.RawMessage) (Quality, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return Good, nil
	}
	switch string(raw) {
	case `"good"`, "0", "192":
		return Good, nil
	case `"uncertain"`, "1":
		return Uncertain, nil
	case `"bad"`, "2":
		return Bad, nil
	}
	return Good, fmt.Errorf("%s: want good, uncertain or bad", clip(raw))
}
