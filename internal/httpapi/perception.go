package httpapi

import (
	"context"
	"encoding/base64"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/yingji/yingji/internal/alarm"
	"github.com/yingji/yingji/internal/core"
	"github.com/yingji/yingji/internal/ingest"
	"github.com/yingji/yingji/internal/notify"
	"github.com/yingji/yingji/internal/registry"
	"github.com/yingji/yingji/internal/rules"
	"github.com/yingji/yingji/internal/telemetry"
)

// Perception is the monitoring side of the platform: ingestion, devices,
// alarms, time series and the live feed. A server without it serves the
// registry alone.
type Perception struct {
	Ingest  *ingest.Pipeline
	Devices *ingest.Devices
	Alarms  *alarm.Service
	Series  SeriesReader
	// Subscribe delivers live events (alarm changes, latest values) until
	// ctx ends; the SSE handler filters them by the user's scope.
	Subscribe func(ctx context.Context, fn func(LiveEvent)) error
	// Inbox lists the notifications addressed to the user's area.
	Inbox func(ctx context.Context, limit int) ([]notify.Message, error)
	// Reload applies changed rules of a point to the running engine.
	Reload func(ctx context.Context, pointID int64) error
	Clock  core.Clock
}

// LiveEvent is one event of the live feed.
type LiveEvent struct {
	Type         string // "alarm" or "latest"
	Division     string
	EnterpriseID int64
	Data         []byte // JSON
}

// SeriesReader reads stored time series, the dead-letter log and rules.
type SeriesReader interface {
	ReadSamples(ctx context.Context, pointID, from, to, chunkMS int64) ([]telemetry.Sample, error)
	ReadRollups(ctx context.Context, pointID, resolution, from, to int64) ([]telemetry.Rollup, error)
	ListRejections(ctx context.Context, reason, device string, limit int) ([]telemetry.RejectionRecord, error)
	PointRules(ctx context.Context, pointID int64) ([]rules.Rule, bool, error)
	SetPointRules(ctx context.Context, pointID int64, division string, rs []rules.Rule) error
}

// deviceCredentials reads HTTP Basic (device code and secret) or
// "Bearer code:secret".
func deviceCredentials(r *http.Request) (string, string, bool) {
	if u, p, ok := r.BasicAuth(); ok {
		return u, p, true
	}
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		return "", "", false
	}
	if b, err := base64.StdEncoding.DecodeString(tok); err == nil && strings.Contains(string(b), ":") {
		tok = string(b)
	}
	code, secret, ok := strings.Cut(tok, ":")
	return code, secret, ok
}

// IngestResponse says what became of a message's readings.
type IngestResponse struct {
	Accepted int                   `json:"accepted"`
	Rejected []telemetry.Rejection `json:"rejected"`
}

// ingestReadings takes a device message over HTTP: 200 once the accepted
// readings are durable, with every refused reading and why.
func (s *Server) ingestReadings(w http.ResponseWriter, r *http.Request) {
	if !s.allow(w, r, s.Limits.IngestIP, "ip:"+s.clientIP(r)) {
		return
	}
	code, secret, ok := deviceCredentials(r)
	if !ok {
		s.fail(w, r, core.Errorf(core.EUNAUTHORIZED, "send the device code and secret as HTTP Basic credentials"))
		return
	}
	dev, err := s.Perception.Devices.Authenticate(r.Context(), code, secret)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !s.allow(w, r, s.Limits.Ingest, "device:"+dev.Code) {
		return
	}
	body, err := readBody(w, r, 1<<20)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	done := make(chan error, 1)
	out := s.Perception.Ingest.Submit(r.Context(), ingest.Message{Device: dev.Code, Transport: "http", Payload: body, Received: s.Perception.Clock()},
		func(err error) { done <- err })
	select {
	case err := <-done:
		if err != nil {
			s.fail(w, r, core.Errorf(core.EUNAVAILABLE, "the readings could not be stored now; send them again: %v", err))
			return
		}
	case <-r.Context().Done():
		return
	}
	if out.Rejected == nil {
		out.Rejected = []telemetry.Rejection{}
	}
	writeJSON(w, http.StatusOK, IngestResponse{Accepted: out.Accepted, Rejected: out.Rejected})
}

func (s *Server) listRejections(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit, err := intParam(q, "limit", 100, 1, 10000)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	recs, err := s.Perception.Series.ListRejections(r.Context(), q.Get("reason"), q.Get("device"), limit)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	counts := map[string]int64{}
	for _, reason := range telemetry.Reasons {
		counts[string(reason)] = s.Perception.Ingest.Stats().RejectedBy(reason)
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": recs, "total": len(recs), "counts": counts})
}

// DeviceResponse is a device, with its secret when one was just issued.
type DeviceResponse struct {
	*telemetry.DeviceRecord
	Secret string `json:"secret,omitempty"`
}

func (s *Server) listDevices(w http.ResponseWriter, r *http.Request) {
	ds, err := s.Perception.Devices.List(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, List[*telemetry.DeviceRecord]{Items: ds, Total: len(ds), Limit: len(ds)})
}

func (s *Server) createDevice(w http.ResponseWriter, r *http.Request) {
	var in ingest.DeviceInput
	if err := decodeJSON(w, r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	d, secret, err := s.Perception.Devices.Issue(r.Context(), in)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, DeviceResponse{d, secret})
}

func (s *Server) updateDevice(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var in ingest.DeviceInput
	if err := decodeJSON(w, r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	d, secret, err := s.Perception.Devices.Update(r.Context(), id, in)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, DeviceResponse{d, secret})
}

func timeParam(v, name string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if ms, perr := strconv.ParseInt(v, 10, 64); perr == nil {
		t, err = time.UnixMilli(ms).UTC(), nil
	}
	if err != nil {
		return time.Time{}, core.Invalid(name, "%q is neither RFC 3339 nor Unix milliseconds", v)
	}
	// the databases hold years 1 to 9999 (and RFC 3339 writes no other):
	// a time beyond would fail in the store, not here.
	if y := t.Year(); y < 1 || y > 9999 {
		return time.Time{}, core.Invalid(name, "%q is outside the years 1 to 9999", v)
	}
	return t, nil
}

func (s *Server) listAlarms(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	var f alarm.Filter
	var err error
	if f.Limit, err = intParam(q, "limit", 100, 1, 5000); err != nil {
		s.fail(w, r, err)
		return
	}
	if f.Offset, err = intParam(q, "offset", 0, 0, 1<<30); err != nil {
		s.fail(w, r, err)
		return
	}
	for _, st := range splitList(q.Get("state")) {
		switch alarm.State(st) {
		case "open":
			f.States = append(f.States, alarm.Raised, alarm.Acknowledged, alarm.Disposing)
		case alarm.Raised, alarm.Acknowledged, alarm.Disposing, alarm.Closed:
			f.States = append(f.States, alarm.State(st))
		default:
			s.fail(w, r, core.Invalid("state", "%q: want open, raised, acknowledged, disposing or closed", st))
			return
		}
	}
	for _, l := range splitList(q.Get("level")) {
		lv, err := alarm.ParseLevel(l)
		if err != nil {
			s.fail(w, r, core.Invalid("level", "%v", err))
			return
		}
		f.Levels = append(f.Levels, lv)
	}
	if d := q.Get("division"); d != "" {
		if _, ok := s.Regions.Tree().Get(d); !ok {
			s.fail(w, r, core.Invalid("division", "%q is not a known division", d))
			return
		}
		f.Division = d
	}
	f.Industry = q.Get("industry")
	if f.Industry != "" && !registry.Enterprise.HasCategory(f.Industry) {
		s.fail(w, r, core.Invalid("industry", "%q is not an industry", f.Industry))
		return
	}
	for name, dst := range map[string]*int64{"enterprise_id": &f.EnterpriseID, "point_id": &f.PointID} {
		if v := q.Get(name); v != "" {
			if *dst, err = strconv.ParseInt(v, 10, 64); err != nil {
				s.fail(w, r, core.Invalid(name, "%q is not an ID", v))
				return
			}
		}
	}
	f.Overdue = q.Get("overdue") == "true"
	if f.From, err = timeParam(q.Get("from"), "from"); err != nil {
		s.fail(w, r, err)
		return
	}
	if f.To, err = timeParam(q.Get("to"), "to"); err != nil {
		s.fail(w, r, err)
		return
	}
	as, total, err := s.Perception.Alarms.Store.ListAlarms(r.Context(), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, List[*alarm.Alarm]{Items: as, Total: total, Limit: f.Limit, Offset: f.Offset})
}

func (s *Server) getAlarm(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	a, err := s.Perception.Alarms.Store.GetAlarm(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, a)
}

func (s *Server) actOnAlarm(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var act alarm.Action
	if err := decodeJSON(w, r, &act); err != nil {
		s.fail(w, r, err)
		return
	}
	a, err := s.Perception.Alarms.Act(r.Context(), id, act, s.Perception.Clock())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, a)
}

// visiblePoint finds a monitoring point by code within the user's scope.
func (s *Server) visiblePoint(r *http.Request) (*registry.Object, error) {
	code := r.PathValue("code")
	objs, _, err := s.Registry.List(r.Context(), registry.Filter{Kind: registry.KMonitoringPoint, Code: code, Limit: 1})
	if err != nil {
		return nil, err
	}
	if len(objs) == 0 {
		return nil, core.Errorf(core.ENOTFOUND, "monitoring point %q not found", code)
	}
	return objs[0], nil
}

// Point is one value of a series: a reading, or a roll-up bucket.
type SeriesPoint struct {
	TS    time.Time `json:"ts"`
	Value *float64  `json:"value,omitempty"`
	Min   *float64  `json:"min,omitempty"`
	Max   *float64  `json:"max,omitempty"`
	Mean  *float64  `json:"mean,omitempty"`
	Count int64     `json:"count,omitempty"`
}

// Series is a point's readings over a range.
type Series struct {
	Point      string        `json:"point"`
	Unit       string        `json:"unit"`
	Resolution string        `json:"resolution"` // raw, 1m, 1h
	From       time.Time     `json:"from"`
	To         time.Time     `json:"to"`
	Items      []SeriesPoint `json:"items"`
	// Latest is the point's newest reading, whenever it was.
	Latest *SeriesPoint `json:"latest,omitempty"`
}

func f64(v float64) *float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return &v
}

// readings picks raw readings, minute or hour roll-ups by the range (or
// the step asked for): raw up to 6 hours, minutes up to 7 days, then hours.
func (s *Server) readings(w http.ResponseWriter, r *http.Request) {
	o, err := s.visiblePoint(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	q := r.URL.Query()
	now := s.Perception.Clock()
	to, err := timeParam(q.Get("to"), "to")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if to.IsZero() {
		to = now
	}
	from, err := timeParam(q.Get("from"), "from")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if from.IsZero() {
		from = to.Add(-24 * time.Hour)
	}
	if !from.Before(to) {
		s.fail(w, r, core.Invalid("from", "must be before to"))
		return
	}
	span := to.Sub(from)
	res := "raw"
	switch step := q.Get("step"); step {
	case "":
		if span > 7*24*time.Hour {
			res = "1h"
		} else if span > 6*time.Hour {
			res = "1m"
		}
	case "raw", "1m", "1h":
		res = step
	default:
		s.fail(w, r, core.Invalid("step", "%q: want raw, 1m or 1h", step))
		return
	}
	if res == "raw" && span > 31*24*time.Hour {
		s.fail(w, r, core.Invalid("step", "raw readings are served for at most 31 days; use 1m or 1h"))
		return
	}
	unit, _ := o.Attrs["unit"].(string)
	out := Series{Point: o.Code, Unit: unit, Resolution: res, From: from, To: to, Items: []SeriesPoint{}}
	recent, latest, err := s.Perception.Ingest.Recent(r.Context(), o.ID, from.UnixMilli(), to.UnixMilli())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if latest != nil {
		out.Latest = &SeriesPoint{TS: time.UnixMilli(latest.TS).UTC(), Value: f64(latest.Value)}
	}
	if res == "raw" {
		samples, err := s.Perception.Series.ReadSamples(r.Context(), o.ID, from.UnixMilli(), to.UnixMilli(), telemetry.Minute)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		// readings not sealed yet come from memory; a time in both is the
		// same reading.
		samples = telemetry.Merge(samples, recent)
		for _, x := range samples {
			out.Items = append(out.Items, SeriesPoint{TS: time.UnixMilli(x.TS).UTC(), Value: f64(x.Value)})
		}
	} else {
		step := telemetry.Minute
		if res == "1h" {
			step = telemetry.Hour
		}
		rs, err := s.Perception.Series.ReadRollups(r.Context(), o.ID, step, from.UnixMilli(), to.UnixMilli())
		if err != nil {
			s.fail(w, r, err)
			return
		}
		for _, b := range rs {
			out.Items = append(out.Items, SeriesPoint{TS: time.UnixMilli(b.BucketMS).UTC(), Min: f64(b.Min), Max: f64(b.Max), Mean: f64(b.Mean()), Count: b.Count})
		}
	}
	writeJSON(w, http.StatusOK, out)
}

// PointRules are a point's rules and whether an operator set them.
type PointRules struct {
	Point      string       `json:"point"`
	Overridden bool         `json:"overridden"`
	Rules      []rules.Rule `json:"rules"`
}

func (s *Server) getPointRules(w http.ResponseWriter, r *http.Request) {
	o, err := s.visiblePoint(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	rs, ok, err := s.Perception.Series.PointRules(r.Context(), o.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !ok {
		if rs, err = ingest.DefaultRules(r.Context(), s.Registry, o, rules.DefaultParams()); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	if rs == nil {
		rs = []rules.Rule{}
	}
	writeJSON(w, http.StatusOK, PointRules{Point: o.Code, Overridden: ok, Rules: rs})
}

func (s *Server) setPointRules(w http.ResponseWriter, r *http.Request) {
	o, err := s.visiblePoint(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var in struct {
		Rules []rules.Rule `json:"rules"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	if err := registry.CheckScope(core.ActorFrom(r.Context()), o); err != nil {
		s.fail(w, r, err)
		return
	}
	if in.Rules != nil {
		interval := time.Minute
		if v, ok := o.Attrs["interval_s"].(int64); ok {
			interval = time.Duration(v) * time.Second
		}
		if err := (rules.PointConfig{Rules: in.Rules, Interval: interval}).Validate(); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	if err := s.Perception.Series.SetPointRules(r.Context(), o.ID, o.Division, in.Rules); err != nil {
		s.fail(w, r, err)
		return
	}
	if s.Perception.Reload != nil {
		if err := s.Perception.Reload(r.Context(), o.ID); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	s.getPointRules(w, r)
}

func (s *Server) inbox(w http.ResponseWriter, r *http.Request) {
	limit, err := intParam(r.URL.Query(), "limit", 100, 1, 1000)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ms, err := s.Perception.Inbox(r.Context(), limit)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, List[notify.Message]{Items: ms, Total: len(ms), Limit: limit})
}
