package feeds

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"sync"
	"time"

	"github.com/yingji/yingji/internal/alarm"
	"github.com/yingji/yingji/internal/core"
	"github.com/yingji/yingji/internal/region"
	"github.com/yingji/yingji/internal/telemetry"
)

// Satellite hotspots as alarms.
//
// The alarm service keeps one open alarm per monitoring point and rule,
// with a level that moves while it is open, an acknowledgement deadline,
// escalation enterprise → county → city and the lifecycle acknowledge →
// dispose (feedback from site) → close. A satellite hotspot has no
// monitoring point of the registry, so each county has one virtual
// "satellite fire-hotspot watch" point (卫星火点监测): a hotspot inside the
// county, or outside the region within the near distance and nearest to
// the county, raises that point's alarm, or raises its level (Gaoligong
// reserve orange > county yellow > outside blue). The alarm goes to the
// county tier first (no enterprise) and escalates like any other.
//
// Further hotspots at the same or a lower level while the alarm is open
// add nothing to it (each is listed at /api/v1/feeds/events with the
// alarm's ID); a county with no alerting hotspot for Quiet (24 h by
// default) has its alarm marked recovered, and a new hotspot after that
// relapses it. The alarm still needs a person to close it.
//
// The virtual point's ID is the negated county code (−530581 for 腾冲市),
// which no registry record has (registry IDs are positive); its code is
// SAT-FIRE-<county>. Registry lookups from such an alarm (the incident
// intake's place and type, a warning drafted from the alarm) find no point.

// HotspotRule is the alarm rule of satellite hotspots.
const HotspotRule = "satellite-hotspot"

// HotspotPointKind is the virtual point's kind.
const HotspotPointKind = "fire_hotspot"

// AlarmApplier applies a rule decision (alarm.Service does).
type AlarmApplier interface {
	Apply(ctx context.Context, c alarm.Change) (*alarm.Alarm, error)
}

// HotspotAlarms raises the counties' satellite-hotspot alarms.
type HotspotAlarms struct {
	Alarms AlarmApplier
	Tree   func() *region.Tree
	Clock  core.Clock
	// Quiet is how long a county goes without an alerting hotspot before
	// its alarm is marked recovered (default 24 h).
	Quiet time.Duration

	mu   sync.Mutex
	last map[string]time.Time // county → when its last alerting hotspot arrived
}

func (h *HotspotAlarms) now() time.Time {
	if h.Clock != nil {
		return h.Clock().UTC()
	}
	return time.Now().UTC()
}

func (h *HotspotAlarms) quiet() time.Duration {
	if h.Quiet > 0 {
		return h.Quiet
	}
	return 24 * time.Hour
}

// HotspotPoint is the virtual satellite-hotspot point of a county.
func HotspotPoint(county, name string) (*telemetry.Point, error) {
	n, err := strconv.ParseInt(county, 10, 64)
	if err != nil || len(county) != 6 {
		return nil, fmt.Errorf("feeds: %q is not a county code", county)
	}
	return &telemetry.Point{ObjectID: -n, Code: "SAT-FIRE-" + county, Name: "卫星火点监测（" + name + "）", Kind: HotspotPointKind,
		Unit: "MW", Division: county, RangeMin: math.NaN(), RangeMax: math.NaN(), Active: true}, nil
}

// Raise raises or moves the alarm of the county an alerting hotspot
// belongs to (the one it lies in, or the nearest for one outside); nil
// for an assessment that does not alert.
func (h *HotspotAlarms) Raise(ctx context.Context, as Assessment) (*alarm.Alarm, error) {
	if !as.Alert || as.Event.Type != Hotspot {
		return nil, nil
	}
	county := as.Division
	if county == "" {
		county = as.NearestCounty
	}
	if len(county) > 6 {
		county = county[:6]
	}
	name := county
	if d, ok := h.Tree().Get(county); ok {
		name = d.Name
	}
	pt, err := HotspotPoint(county, name)
	if err != nil {
		return nil, err
	}
	lvl, err := alarm.ParseLevel(as.Level)
	if err != nil {
		return nil, fmt.Errorf("feeds: hotspot level: %w", err)
	}
	now := h.now()
	h.mu.Lock()
	if h.last == nil {
		h.last = map[string]time.Time{}
	}
	h.last[county] = now
	h.mu.Unlock()
	frp := 0.0
	if as.Event.FRP != nil {
		frp = *as.Event.FRP
	}
	return h.Alarms.Apply(ctx, alarm.Change{Point: pt, Rule: HotspotRule, Kind: "hotspot", Level: lvl, At: now, Value: frp,
		Message: HotspotMessage(as, name)})
}

// HotspotMessage describes an alerting hotspot of a county for its alarm.
func HotspotMessage(as Assessment, county string) string {
	ev := as.Event
	where := "位于" + county
	switch {
	case len(as.Areas) > 0:
		where = "位于" + as.Areas[0]
	case as.OutsideRegion:
		where = fmt.Sprintf("本区外 %.1f km（境外或邻近州市，未区分）", as.DistanceKm)
	}
	sat := ev.Satellite
	if ev.Instrument != "" {
		sat += " " + ev.Instrument
	}
	msg := fmt.Sprintf("卫星火点 %.4f°N %.4f°E，%s；%s 过境 %s（北京时间），置信度 %s", ev.Lat, ev.Lon, where, sat,
		ev.Time.In(shanghai()).Format("01-02 15:04"), ev.Confidence)
	if ev.FRP != nil {
		msg += fmt.Sprintf("，辐射功率 %.1f MW", *ev.FRP)
	}
	return msg
}

// Recover marks recovered the alarms of counties with no alerting hotspot
// for Quiet. The server calls it on a timer.
func (h *HotspotAlarms) Recover(ctx context.Context) (int, error) {
	now := h.now()
	h.mu.Lock()
	var due []string
	for c, t := range h.last {
		if now.Sub(t) >= h.quiet() {
			due = append(due, c)
		}
	}
	h.mu.Unlock()
	n := 0
	for _, c := range due {
		name := c
		if d, ok := h.Tree().Get(c); ok {
			name = d.Name
		}
		pt, err := HotspotPoint(c, name)
		if err != nil {
			return n, err
		}
		al, err := h.Alarms.Apply(ctx, alarm.Change{Point: pt, Rule: HotspotRule, Kind: "hotspot", Level: alarm.None, At: now,
			Message: fmt.Sprintf("%.0f 小时内无新的卫星火点", h.quiet().Hours())})
		if err != nil {
			return n, err
		}
		h.mu.Lock()
		if t, ok := h.last[c]; ok && now.Sub(t) >= h.quiet() {
			delete(h.last, c)
		}
		h.mu.Unlock()
		if al != nil {
			n++
		}
	}
	return n, nil
}
