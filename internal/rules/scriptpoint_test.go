package rules

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// point defines or redefines a point: with "defaults", its rules come from
// DefaultConfig and are printed as expect lines, so a script checks the
// defaults as well as their behaviour.
func (s *script) point(f []string) {
	if len(f) < 1 {
		s.fatalf("want: point NAME key=value… [defaults] rule=TYPE key=value…")
	}
	name := f[0]
	var cfg PointConfig
	var attrs PointAttrs
	fac, useDefaults, explicitGroup := "", false, false
	var r *Rule
	for _, kv := range f[1:] {
		if kv == "defaults" {
			useDefaults = true
			continue
		}
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			s.fatalf("%q: want key=value", kv)
		}
		if k == "rule" {
			cfg.Rules = append(cfg.Rules, s.ruleType(v))
			r = &cfg.Rules[len(cfg.Rules)-1]
			continue
		}
		if r != nil {
			s.ruleField(r, k, v)
			continue
		}
		switch k {
		case "interval":
			cfg.Interval = time.Duration(s.dur(v))
			attrs.IntervalS = int(cfg.Interval / time.Second)
		case "group":
			fname, item, _ := strings.Cut(v, "/")
			cfg.Group = Membership{Facility: s.facilityID(fname), Item: item}
			explicitGroup = true
		case "facility":
			fac = v
		case "kind":
			attrs.Kind = v
		case "unit":
			attrs.Unit = v
		case "substance":
			attrs.Substance = v
		case "range_max":
			attrs.RangeMax = s.num(v)
		case "control_depth":
			attrs.ControlDepth = s.num(v)
		case "design_red":
			attrs.DesignRed = s.num(v)
		default:
			s.fatalf("unknown point attribute %q", k)
		}
	}
	if useDefaults {
		var fa FacilityAttrs
		var fid FacilityID
		if fac != "" {
			fid = s.facilityID(fac)
			fa = s.facAttrs[fid]
		}
		def, err := DefaultConfig(attrs, fa, fid, DefaultParams())
		if err != nil {
			s.expect("%s defaults: %v", name, err)
		}
		cfg.Rules = append(def.Rules, cfg.Rules...)
		if !explicitGroup {
			cfg.Group = def.Group
		}
		for _, r := range def.Rules {
			s.expect("%s/%s rule %s", name, r.Key(), formatRule(r))
		}
	}
	id, known := s.points[name]
	if !known {
		id = PointID(len(s.names))
		s.points[name] = id
		s.names = append(s.names, name)
		s.configs = append(s.configs, PointConfig{})
	}
	old := slices.Clone(s.configs)
	var err error
	s.buf, err = s.e.SetPoint(s.buf[:0], id, cfg, s.clock)
	if err != nil {
		s.expect("%s error: %v", name, err)
		return
	}
	s.configs[id] = cfg
	s.report(s.buf, s.clock, old)
}

func (s *script) facilityID(name string) FacilityID {
	id, ok := s.facilities[name]
	if !ok {
		s.fatalf("unknown facility %q", name)
	}
	return id
}

func (s *script) ruleType(v string) Rule {
	switch v {
	case "high", "low":
		return Rule{Type: Threshold, Direction: Direction(v), Thresholds: Thresholds{}}
	case "rate-high", "rate-low":
		return Rule{Type: Rate, Direction: Direction(strings.TrimPrefix(v, "rate-")), Thresholds: Thresholds{}}
	case "stale":
		return Rule{Type: Stale}
	}
	s.fatalf("unknown rule type %q", v)
	return Rule{}
}

func (s *script) ruleField(r *Rule, k, v string) {
	if l, err := ParseLevel(k); err == nil && l != None {
		r.Thresholds[l] = s.num(v)
		return
	}
	switch k {
	case "deadband":
		r.Deadband = s.num(v)
	case "for":
		r.For = s.dur(v)
	case "window":
		r.Window = s.dur(v)
	case "intervals":
		r.Intervals = s.num(v)
	case "level":
		l, err := ParseLevel(v)
		if err != nil {
			s.fatalf("%v", err)
		}
		r.Level = l
	case "name":
		r.Name = v
	default:
		s.fatalf("unknown rule field %q", k)
	}
}

// formatRule writes a rule in the script's own notation.
func formatRule(r Rule) string {
	var b strings.Builder
	switch r.Type {
	case Stale:
		fmt.Fprintf(&b, "stale intervals=%g level=%s", r.Intervals, r.Level)
		return b.String()
	case Rate:
		b.WriteString("rate-")
	}
	b.WriteString(string(r.Direction))
	for l := Red; l >= Blue; l-- {
		if v, ok := r.Thresholds[l]; ok {
			fmt.Fprintf(&b, " %s=%s", l, strconv.FormatFloat(v, 'g', -1, 64))
		}
	}
	fmt.Fprintf(&b, " deadband=%s", strconv.FormatFloat(r.Deadband, 'g', -1, 64))
	if r.For != 0 {
		fmt.Fprintf(&b, " for=%s", time.Duration(r.For))
	}
	if r.Window != 0 {
		fmt.Fprintf(&b, " window=%s", time.Duration(r.Window))
	}
	return b.String()
}

// report writes one expect line per transition, naming rules by the
// configurations they were made under, and checks what the script format
// does not show: that every transition is dated at the command's time.
func (s *script) report(ts []Transition, at int64, configs []PointConfig) {
	s.t.Helper()
	for _, t := range ts {
		if t.At != at {
			s.t.Errorf("%s: transition %+v dated %d, want the command's time %d", s.pos, t, t.At, at)
		}
		var subject string
		if t.Kind == Group {
			subject = s.facNames[t.Facility]
			if t.Item != "" {
				subject += "/" + t.Item
			}
		} else {
			subject = s.names[t.Point] + "/" + configs[t.Point].Rules[t.Rule].Key()
		}
		level := t.To
		if t.State == Resolved {
			level = t.From
		}
		word := level.String()
		if t.Kind == Stale {
			word = "offline"
		}
		line := fmt.Sprintf("%s %s %s", subject, word, t.State)
		if t.State == Resolved && t.Was == Pending {
			line += " was=pending"
		}
		if t.Kind == Rate {
			line += " change=" + strconv.FormatFloat(round6(t.Value), 'g', -1, 64)
		}
		s.expect("%s", line)
	}
}
