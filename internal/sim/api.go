package sim

import (
	"fmt"
	"math"
	"sort"
	"time"
)

// APIPoint is a monitoring point as GET /api/v1/monitoring-points lists it,
// with the fields the simulator uses.
type APIPoint struct {
	Code         string   `json:"code"`
	Kind         string   `json:"kind"`
	Unit         string   `json:"unit"`
	Status       string   `json:"status"`
	IntervalS    float64  `json:"interval_s"`
	RangeMin     *float64 `json:"range_min"`
	RangeMax     *float64 `json:"range_max"`
	OwnerID      int64    `json:"owner_id"`
	EnterpriseID int64    `json:"enterprise_id"`
	Division     string   `json:"division_code"`
}

// Reporting tells whether the platform takes readings for the point: it
// is active and has an owner a device can belong to.
func (a APIPoint) Reporting() bool {
	return a.Status == "active" && a.OwnerID > 0 && a.Code != "" && a.Unit != ""
}

// Reporting returns the points the platform takes readings for, by code.
func Reporting(points []APIPoint) map[string]APIPoint {
	out := map[string]APIPoint{}
	for _, p := range points {
		if p.Reporting() {
			out[p.Code] = p
		}
	}
	return out
}

// APIRule is a rule as GET /api/v1/monitoring-points/{code}/rules returns
// it; durations are in Go's notation ("30s", "24h0m0s").
type APIRule struct {
	Name       string             `json:"name"`
	Type       string             `json:"type"`
	Direction  string             `json:"direction"`
	Thresholds map[string]float64 `json:"thresholds"`
	Deadband   float64            `json:"deadband"`
	For        string             `json:"for"`
	Window     string             `json:"window"`
	Intervals  float64            `json:"intervals"`
	Level      string             `json:"level"`
}

// PointFromAPI converts a listed point and its rules.
func PointFromAPI(a APIPoint, rules []APIRule) (Point, error) {
	p := Point{Code: a.Code, Kind: a.Kind, Unit: a.Unit, Owner: a.OwnerID, Region: region(a.Division),
		Interval: time.Duration(a.IntervalS * float64(time.Second)), RangeMin: math.NaN(), RangeMax: math.NaN()}
	if a.RangeMin != nil {
		p.RangeMin = *a.RangeMin
	}
	if a.RangeMax != nil {
		p.RangeMax = *a.RangeMax
	}
	for _, r := range rules {
		rule := Rule{Name: r.Name, Type: r.Type, Direction: r.Direction, Thresholds: r.Thresholds, Deadband: r.Deadband}
		if rule.Name == "" {
			rule.Name = r.Type
		}
		var err error
		if rule.For, err = parseDuration(r.For); err != nil {
			return p, fmt.Errorf("point %s, rule %s: for: %v", a.Code, rule.Name, err)
		}
		if rule.Window, err = parseDuration(r.Window); err != nil {
			return p, fmt.Errorf("point %s, rule %s: window: %v", a.Code, rule.Name, err)
		}
		for l := range r.Thresholds {
			if levelIndex(l) < 0 {
				return p, fmt.Errorf("point %s, rule %s: unknown level %q", a.Code, rule.Name, l)
			}
		}
		p.Rules = append(p.Rules, rule)
	}
	return p, nil
}

func parseDuration(s string) (time.Duration, error) {
	if s == "" {
		return 0, nil
	}
	return time.ParseDuration(s)
}

// region is the weather cell of a division code: its county (six digits),
// so that neighbouring villages get the same rain.
func region(division string) string {
	if len(division) > 6 {
		return division[:6]
	}
	return division
}

// Devices groups reporting points by owner: one simulated device per
// owner, its points sorted by code, owners in ascending order.
func Devices(points []APIPoint) []Device {
	byOwner := map[int64][]string{}
	for _, p := range points {
		if p.Reporting() {
			byOwner[p.OwnerID] = append(byOwner[p.OwnerID], p.Code)
		}
	}
	out := make([]Device, 0, len(byOwner))
	for owner, codes := range byOwner {
		sort.Strings(codes)
		out = append(out, Device{Code: fmt.Sprintf("SIM-%d", owner), Owner: owner, Points: codes})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Owner < out[j].Owner })
	return out
}

// Device is a simulated device: it reports for every point of its owner
// record, which the platform allows (a device may report for the points
// its owner owns).
type Device struct {
	// Code is the device code, SIM-<owner ID>: the MQTT username and the
	// last level of its topic.
	Code   string
	Owner  int64
	Points []string
}

// Topic is the MQTT topic the device publishes its readings to.
func (d Device) Topic() string { return "yingji/v1/readings/" + d.Code }
