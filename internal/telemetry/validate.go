package telemetry

import (
	"fmt"
	"math"
	"time"
)

// Reason says why a reading or message was rejected. Reasons are counted
// per reason in /metrics and kept with the raw message in the dead-letter
// log, so they are part of the API.
type Reason string

// Rejection reasons.
const (
	Malformed       Reason = "malformed"
	NotNumeric      Reason = "not_numeric"
	UnknownPoint    Reason = "unknown_point"
	ForeignPoint    Reason = "foreign_point"
	UnitMissing     Reason = "unit_missing"
	UnitMismatch    Reason = "unit_mismatch"
	OutOfRange      Reason = "out_of_range"
	FutureTimestamp Reason = "future_timestamp"
	TooOld          Reason = "too_old"
	Duplicate       Reason = "duplicate"
	PointInactive   Reason = "point_inactive"
	Overloaded      Reason = "overloaded"
)

// Reasons lists every reason, for metrics.
var Reasons = []Reason{Malformed, NotNumeric, UnknownPoint, ForeignPoint, UnitMissing, UnitMismatch, OutOfRange,
	FutureTimestamp, TooOld, Duplicate, PointInactive, Overloaded}

// Reading is a validated reading in its point's unit.
type Reading struct {
	Point   PointID
	TS      int64 // Unix milliseconds
	Value   float64
	Quality Quality
}

// Rejection is one reading (or a whole message, with Point "") refused.
type Rejection struct {
	Reason Reason `json:"reason"`
	Point  string `json:"point,omitempty"`
	Detail string `json:"detail"`
}

// Limits bound the timestamps accepted.
type Limits struct {
	// MaxFuture is how far ahead of the receiving clock a reading may be
	// (device clocks drift).
	MaxFuture time.Duration
	// MaxAge is how old a late reading may be and still be stored.
	MaxAge time.Duration
}

// DefaultLimits: five minutes of clock drift, thirty days of backlog.
var DefaultLimits = Limits{MaxFuture: 5 * time.Minute, MaxAge: 30 * 24 * time.Hour}

// Check validates raw readings from dev received at now (Unix ms),
// appending accepted readings to acc and refused ones to rej.
func (d *Directory) Check(dev Device, raws []RawReading, now int64, lim Limits, acc []Reading, rej []Rejection) ([]Reading, []Rejection) {
	for i := range raws {
		r := &raws[i]
		if r.Problem != "" {
			rej = append(rej, Rejection{Reason: r.Problem, Point: r.Point, Detail: r.Detail})
			continue
		}
		p, ok := d.Lookup(r.Point)
		switch {
		case !ok:
			rej = append(rej, Rejection{UnknownPoint, r.Point, fmt.Sprintf("no monitoring point %q", r.Point)})
			continue
		case !dev.May(p):
			rej = append(rej, Rejection{ForeignPoint, r.Point, fmt.Sprintf("device %s may not report for point %s", dev.Code, r.Point)})
			continue
		case r.Unit == "":
			rej = append(rej, Rejection{UnitMissing, r.Point, fmt.Sprintf("unit is required (the point is in %s)", p.Unit)})
			continue
		}
		v := r.Value
		if r.Unit != p.Unit {
			c, err := Convert(r.Unit, p.Unit)
			if err != nil {
				rej = append(rej, Rejection{UnitMismatch, r.Point, fmt.Sprintf("%v (the point is in %s)", err, p.Unit)})
				continue
			}
			v = c.Apply(v)
		}
		if !math.IsNaN(p.RangeMin) && v < p.RangeMin || !math.IsNaN(p.RangeMax) && v > p.RangeMax {
			rej = append(rej, Rejection{OutOfRange, r.Point, fmt.Sprintf("%g %s is outside the sensor's range %g–%g", v, p.Unit, p.RangeMin, p.RangeMax)})
			continue
		}
		ts := r.TS
		if ts == 0 {
			ts = now
		}
		switch {
		case ts > now+lim.MaxFuture.Milliseconds():
			rej = append(rej, Rejection{FutureTimestamp, r.Point, fmt.Sprintf("ts %s is more than %s ahead of the platform clock", time.UnixMilli(ts).UTC().Format(time.RFC3339), lim.MaxFuture)})
			continue
		case ts < now-lim.MaxAge.Milliseconds():
			rej = append(rej, Rejection{TooOld, r.Point, fmt.Sprintf("ts %s is older than %s", time.UnixMilli(ts).UTC().Format(time.RFC3339), lim.MaxAge)})
			continue
		}
		acc = append(acc, Reading{Point: p.ID, TS: ts, Value: v, Quality: r.Quality})
	}
	return acc, rej
}
