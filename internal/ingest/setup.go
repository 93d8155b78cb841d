package ingest

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/yingji/yingji/internal/alarm"
	"github.com/yingji/yingji/internal/core"
	"github.com/yingji/yingji/internal/registry"
	"github.com/yingji/yingji/internal/rules"
	"github.com/yingji/yingji/internal/telemetry"
)

// Group is a facility whose points are combined (GB 39496-2020 5.5.4); its
// alarms are raised on the facility itself.
type Group struct {
	Point    telemetry.Point // the facility, as an alarm subject
	Industry string
}

// Setup is a monitoring point with everything its rules depend on.
type Setup struct {
	Point    telemetry.Point
	Industry string
	Config   rules.PointConfig
	Group    *Group
	// Problem says why the default rules are incomplete (a missing design
	// value); the point still gets the rules that could be built.
	Problem error
}

// RuleOverrides returns every point's stored rules, by point record ID.
type RuleOverrides func(ctx context.Context) (map[int64][]rules.Rule, error)

// FromRegistry builds the setup of every monitoring point from the
// registry: the point itself, its facility and enterprise, default rules
// from the standards unless overridden.
func FromRegistry(ctx context.Context, reg *registry.Service, overrides RuleOverrides, params rules.Params) ([]Setup, error) {
	ctx = core.WithActor(ctx, core.SystemActor)
	points, _, err := reg.List(ctx, registry.Filter{Kind: registry.KMonitoringPoint, NoGeometry: true})
	if err != nil {
		return nil, err
	}
	return setupsOf(ctx, reg, points, overrides, params)
}

// DefaultRules returns the rules the standards give one point (what it has
// when no override is stored).
func DefaultRules(ctx context.Context, reg *registry.Service, point *registry.Object, params rules.Params) ([]rules.Rule, error) {
	ss, err := setupsOf(core.WithActor(ctx, core.SystemActor), reg, []*registry.Object{point}, nil, params)
	if err != nil || len(ss) == 0 {
		return nil, err
	}
	return ss[0].Config.Rules, nil
}

func setupsOf(ctx context.Context, reg *registry.Service, points []*registry.Object, overrides RuleOverrides, params rules.Params) ([]Setup, error) {
	var err error
	// many points: the owners in a few queries rather than one per owner.
	owners := map[int64]*registry.Object{}
	for _, kind := range []string{registry.KEnterprise, registry.KFacility} {
		if len(points) < 100 {
			break
		}
		objs, _, err := reg.List(ctx, registry.Filter{Kind: kind, NoGeometry: true})
		if err != nil {
			return nil, err
		}
		for _, o := range objs {
			owners[o.ID] = o
		}
	}
	owner := func(id int64) *registry.Object {
		if id == 0 {
			return nil
		}
		if o, ok := owners[id]; ok {
			return o
		}
		o, err := reg.Get(ctx, "", id)
		if err != nil {
			o = nil
		}
		owners[id] = o
		return o
	}
	var stored map[int64][]rules.Rule
	if overrides != nil {
		if stored, err = overrides(ctx); err != nil {
			return nil, err
		}
	}
	groups := map[int64]*Group{}
	facilityIDs := map[int64]rules.FacilityID{}
	facAttrs := map[int64]rules.FacilityAttrs{}
	out := make([]Setup, 0, len(points))
	for _, o := range points {
		pt := PointOf(o)
		s := Setup{Point: pt}
		if e := owner(o.EnterpriseID); e != nil {
			s.Industry = e.Category
		}
		var fac rules.FacilityAttrs
		if f := owner(o.OwnerID); f != nil && f.Kind == registry.KFacility {
			var ok bool
			if fac, ok = facAttrs[f.ID]; !ok {
				fac = facilityAttrs(f)
				facAttrs[f.ID] = fac
			}
			if f.Category == "tailings_pond" {
				g, ok := groups[f.ID]
				if !ok {
					fp := PointOf(f)
					fp.Kind, fp.Unit = "facility", ""
					g = &Group{Point: fp, Industry: s.Industry}
					groups[f.ID] = g
					facilityIDs[f.ID] = rules.FacilityID(len(facilityIDs) + 1)
				}
				s.Group = g
			}
		}
		attrs := pointAttrs(o)
		s.Config, s.Problem = rules.DefaultConfig(attrs, fac, facilityIDs[o.OwnerID], params)
		if rs, ok := stored[o.ID]; ok {
			s.Config.Rules, s.Problem = rs, nil
		}
		out = append(out, s)
	}
	return out, nil
}

// PointOf converts a registry monitoring point.
func PointOf(o *registry.Object) telemetry.Point {
	p := telemetry.Point{ObjectID: o.ID, Code: o.Code, Name: o.Name, Kind: o.Category, Division: o.Division,
		EnterpriseID: o.EnterpriseID, OwnerID: o.OwnerID, RangeMin: math.NaN(), RangeMax: math.NaN(),
		Active: o.Status == "active" || o.Kind != registry.KMonitoringPoint}
	p.Unit, _ = o.Attrs["unit"].(string)
	if v, ok := o.Attrs["interval_s"].(int64); ok {
		p.Interval = time.Duration(v) * time.Second
	}
	if v, ok := o.Attrs["range_min"].(float64); ok {
		p.RangeMin = v
	}
	if v, ok := o.Attrs["range_max"].(float64); ok {
		p.RangeMax = v
	}
	return p
}

func attrString(o *registry.Object, name string) string {
	v, _ := o.Attrs[name].(string)
	return v
}

func attrFloat(o *registry.Object, name string) float64 {
	switch v := o.Attrs[name].(type) {
	case float64:
		return v
	case int64:
		return float64(v)
	}
	return 0
}

// pointAttrs reads what the default rules need of a monitoring point.
func pointAttrs(o *registry.Object) rules.PointAttrs {
	return rules.PointAttrs{Kind: o.Category, Unit: attrString(o, "unit"), IntervalS: int(attrFloat(o, "interval_s")),
		RangeMax: attrFloat(o, "range_max"), Substance: attrString(o, "substance"),
		ControlDepth: attrFloat(o, "control_depth_m"), DesignRed: attrFloat(o, "design_red")}
}

// facilityAttrs reads what the default rules need of a facility.
func facilityAttrs(o *registry.Object) rules.FacilityAttrs {
	return rules.FacilityAttrs{Type: o.Category, DamGrade: int(attrFloat(o, "dam_grade")), PondType: attrString(o, "pond_type"),
		DesignFreeboard: attrFloat(o, "design_freeboard_m"), DesignBeachLength: attrFloat(o, "design_beach_length_m")}
}

// Load installs point setups: the directory, the engine's configuration and
// the facility groups. Call it before Start, or through Do after.
func (p *Pipeline) Load(setups []Setup) error {
	pts := make([]telemetry.Point, len(setups))
	for i, s := range setups {
		pts[i] = s.Point
	}
	p.dir.Update(pts)
	p.st.grow(p.dir.Len())
	p.gs.reset()
	now := p.clock().UnixMilli()
	var trans []rules.Transition
	for _, s := range setups {
		pt, ok := p.dir.ByObject(s.Point.ObjectID)
		if !ok {
			return fmt.Errorf("ingest: point %s vanished while loading", s.Point.Code)
		}
		if !pt.Active {
			trans = p.engine.RemovePoint(trans[:0], rules.PointID(pt.ID), now)
			continue
		}
		var err error
		trans, err = p.engine.SetPoint(trans[:0], rules.PointID(pt.ID), s.Config, now)
		if err != nil {
			return fmt.Errorf("ingest: rules of point %s: %w", s.Point.Code, err)
		}
		p.confs[pt.ID] = s.Config
		p.gs.index(pt.ID, s.Config.Group)
		p.industry[s.Point.ObjectID] = s.Industry
		if s.Group != nil {
			p.groups[s.Config.Group.Facility] = &s.Group.Point
			p.industry[s.Group.Point.ObjectID] = s.Group.Industry
		}
	}
	return nil
}

// change converts a point rule's transition into an alarm change;
// pending conditions that never fired are not alarms.
func (p *Pipeline) change(t rules.Transition) (alarm.Change, bool) {
	l, ok := firing(t)
	if !ok {
		return alarm.Change{}, false
	}
	pt, ok := p.dir.Get(telemetry.PointID(t.Point))
	if !ok {
		return alarm.Change{}, false
	}
	c := alarm.Change{Point: pt, Industry: p.industry[pt.ObjectID], Kind: t.Kind.String(), Level: alarm.Level(l.String()),
		At: t.Time(), Value: t.Value, Message: ruleMessage(t, pt)}
	if cfg := p.confs[pt.ID]; int(t.Rule) < len(cfg.Rules) {
		c.Rule = cfg.Rules[t.Rule].Key()
	}
	return c, true
}

func ruleMessage(t rules.Transition, pt *telemetry.Point) string {
	switch {
	case t.Kind == rules.Stale && t.To != rules.None:
		return fmt.Sprintf("%s 数据中断 (no data within the expected interval)", pt.Name)
	case t.To == rules.None:
		return fmt.Sprintf("%s 恢复正常 (back to normal): %.4g %s", pt.Name, t.Value, pt.Unit)
	case t.Kind == rules.Rate:
		return fmt.Sprintf("%s 变化速率超限 (%s, rate): %.4g %s", pt.Name, t.To, t.Value, pt.Unit)
	}
	return fmt.Sprintf("%s 超%s色阈值 (%s): %.4g %s", pt.Name, levelZh(t.To), t.To, t.Value, pt.Unit)
}

func groupMessage(t rules.Transition) string {
	if t.Item == "" {
		return fmt.Sprintf("尾矿库综合预警 %s (facility level per GB 39496-2020 5.5.4)", t.To)
	}
	return fmt.Sprintf("监测项目 %s 综合预警 %s (item level per GB 39496-2020 5.5.4)", t.Item, t.To)
}

func levelZh(l rules.Level) string {
	switch l {
	case rules.Red:
		return "红"
	case rules.Orange:
		return "橙"
	case rules.Yellow:
		return "黄"
	case rules.Blue:
		return "蓝"
	}
	return ""
}
