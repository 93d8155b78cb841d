package ingest

import (
	"github.com/yingji/yingji/internal/alarm"
	"github.com/yingji/yingji/internal/rules"
	"github.com/yingji/yingji/internal/telemetry"
)

// GB 39496-2020 5.5.4 combines a tailings pond's points: an item is at
// least its worst point's level and can rise above it (4 blue → yellow, …),
// and the pond likewise over its items. A combined level equal to the worst
// point's only repeats that point's alarm, so the pipeline raises an item or
// pond alarm only while the combination is above every point in it, and
// resolves it when it no longer is. This keeps one event one alarm for the
// duty officer while still flagging what the standard adds.

type groupKey struct {
	fac  rules.FacilityID
	item string // "" for the facility itself
}

type ruleKey struct {
	point telemetry.PointID
	rule  uint8
}

// groupState is the apply loop's memory of the combination.
type groupState struct {
	members map[groupKey][]telemetry.PointID
	ruleLvl map[ruleKey]rules.Level
	emitted map[groupKey]alarm.Level
}

func newGroupState() *groupState {
	return &groupState{members: map[groupKey][]telemetry.PointID{}, ruleLvl: map[ruleKey]rules.Level{}, emitted: map[groupKey]alarm.Level{}}
}

// index records which groups a point belongs to.
func (g *groupState) index(id telemetry.PointID, m rules.Membership) {
	if m.Facility == 0 {
		return
	}
	for _, k := range []groupKey{{m.Facility, m.Item}, {m.Facility, ""}} {
		g.members[k] = append(g.members[k], id)
	}
}

// reset forgets the membership before a reload.
func (g *groupState) reset() { g.members = map[groupKey][]telemetry.PointID{} }

// firing is the level a transition leaves its rule alarming at, if any.
func firing(t rules.Transition) (rules.Level, bool) {
	switch {
	case t.State == rules.Firing:
		return t.To, true
	case t.State == rules.Pending && t.Was == rules.Firing:
		return t.To, true
	case t.State == rules.Resolved && t.Was == rules.Firing:
		return rules.None, true
	}
	return rules.None, false
}

// note records a point rule's alarming level.
func (g *groupState) note(t rules.Transition) {
	if l, ok := firing(t); ok {
		k := ruleKey{telemetry.PointID(t.Point), t.Rule}
		if l == rules.None {
			delete(g.ruleLvl, k)
		} else {
			g.ruleLvl[k] = l
		}
	}
}

// worst is the highest alarming level among a group's points.
func (g *groupState) worst(k groupKey, nrules func(telemetry.PointID) int) rules.Level {
	w := rules.None
	for _, id := range g.members[k] {
		for r := 0; r < nrules(id); r++ {
			if l := g.ruleLvl[ruleKey{id, uint8(r)}]; l > w {
				w = l
			}
		}
	}
	return w
}

// regroup decides the item and pond alarms of the groups a point belongs
// to after its rules changed, returning the changes to apply.
func (p *Pipeline) regroup(id telemetry.PointID, at int64, value float64, out []alarm.Change) []alarm.Change {
	cfg, ok := p.confs[id]
	if !ok || cfg.Group.Facility == 0 {
		return out
	}
	fac := cfg.Group.Facility
	subject := p.groups[fac]
	if subject == nil {
		return out
	}
	nrules := func(pid telemetry.PointID) int { return len(p.confs[pid].Rules) }
	for _, k := range []groupKey{{fac, cfg.Group.Item}, {fac, ""}} {
		combined := p.engine.GroupLevel(fac, k.item)
		want := alarm.None
		if combined > p.gs.worst(k, nrules) {
			want = alarm.Level(combined.String())
		}
		if want == p.gs.emitted[k] {
			continue
		}
		p.gs.emitted[k] = want
		rule, msg := "group", groupMessage(rules.Transition{To: combined})
		if k.item != "" {
			rule = "group:" + k.item
			msg = groupMessage(rules.Transition{To: combined, Item: k.item})
		}
		out = append(out, alarm.Change{Point: subject, Industry: p.industry[subject.ObjectID], Rule: rule, Kind: "group",
			Level: want, At: timeOf(at), Value: value, Message: msg})
	}
	return out
}
