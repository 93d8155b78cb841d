package feeds

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// ParseFIRMS reads a NASA FIRMS active-fire CSV (MODIS or VIIRS columns).
func ParseFIRMS(data []byte) ([]Event, error) {
	cr := csv.NewReader(bytes.NewReader(data))
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err == io.EOF {
		return nil, errors.New("firms-csv: empty file")
	}
	if err != nil {
		return nil, fmt.Errorf("firms-csv: line 1: %w", err)
	}
	idx := map[string]int{}
	for i, h := range header {
		idx[strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))] = i
	}
	for _, c := range []string{"latitude", "longitude", "acq_date", "acq_time", "satellite", "confidence"} {
		if _, ok := idx[c]; !ok {
			return nil, fmt.Errorf("firms-csv: line 1: no column %q", c)
		}
	}
	bright, instrument := "brightness", "MODIS"
	if _, ok := idx["bright_ti4"]; ok {
		bright, instrument = "bright_ti4", "VIIRS"
	}
	var out []Event
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("firms-csv: %w", err)
		}
		line, _ := cr.FieldPos(0)
		get := func(c string) string {
			i, ok := idx[c]
			if !ok || i >= len(rec) {
				return ""
			}
			return strings.TrimSpace(rec[i])
		}
		ev, err := firmsRow(get, bright, instrument)
		if err != nil {
			return nil, fmt.Errorf("firms-csv: line %d: %w", line, err)
		}
		out = append(out, ev)
	}
}

func firmsRow(get func(string) string, bright, instrument string) (Event, error) {
	ev := Event{Type: Hotspot, Source: "firms", Satellite: get("satellite"), Instrument: instrument, DayNight: get("daynight")}
	if s := get("instrument"); s != "" {
		ev.Instrument = s
	}
	var err error
	if ev.Lat, err = strconv.ParseFloat(get("latitude"), 64); err != nil {
		return ev, fmt.Errorf("latitude %q is not a number", get("latitude"))
	}
	if ev.Lon, err = strconv.ParseFloat(get("longitude"), 64); err != nil {
		return ev, fmt.Errorf("longitude %q is not a number", get("longitude"))
	}
	if err := checkPosition(ev.Lon, ev.Lat); err != nil {
		return ev, err
	}
	if ev.Time, err = firmsTime(get("acq_date"), get("acq_time")); err != nil {
		return ev, err
	}
	if ev.Confidence, err = firmsConfidence(get("confidence")); err != nil {
		return ev, err
	}
	for _, f := range []struct {
		col string
		dst **float64
	}{{bright, &ev.Brightness}, {"frp", &ev.FRP}} {
		s := get(f.col)
		if s == "" {
			continue
		}
		v, err := strconv.ParseFloat(s, 64)
		if err != nil || !finite(v) || v < 0 {
			return ev, fmt.Errorf("%s %q is not a number ≥ 0", f.col, s)
		}
		*f.dst = ptr(v)
	}
	ev.ID = ev.Key()
	return ev, nil
}

// firmsTime joins the UTC acq_date and acq_time; acq_time is HHMM with the
// leading zeros dropped ("41" is 00:41, "5" is 00:05).
func firmsTime(date, hhmm string) (time.Time, error) {
	d, err := time.Parse(time.DateOnly, date)
	if err != nil {
		return time.Time{}, fmt.Errorf("acq_date %q is not YYYY-MM-DD", date)
	}
	if hhmm == "" || len(hhmm) > 4 {
		return time.Time{}, fmt.Errorf("acq_time %q is not HHMM", hhmm)
	}
	n, err := strconv.Atoi(hhmm)
	if err != nil || n < 0 || n/100 > 23 || n%100 > 59 {
		return time.Time{}, fmt.Errorf("acq_time %q is not HHMM", hhmm)
	}
	return d.Add(time.Duration(n/100)*time.Hour + time.Duration(n%100)*time.Minute), nil
}

// firmsConfidence normalises VIIRS l/n/h to low/nominal/high and checks a
// MODIS percentage.
func firmsConfidence(s string) (string, error) {
	switch strings.ToLower(s) {
	case "l", "low":
		return "low", nil
	case "n", "nominal":
		return "nominal", nil
	case "h", "high":
		return "high", nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || n > 100 {
		return "", fmt.Errorf("confidence %q is neither l/n/h nor 0–100", s)
	}
	return strconv.Itoa(n), nil
}
