package rules

// groups holds the combination state of GB 39496-2020 5.5.4: monitored
// items counting their points by level, facilities counting their items.
// Counts change only when a point's level changes, which is rare, so the
// combination costs nothing on the hot path.
type groups struct {
	items      []item
	facilities []facility
	byFacility map[FacilityID]uint32 // index in facilities
}

type item struct {
	name     string
	facility uint32
	points   [Red + 1]int32 // points at each level, None included
	level    Level
}

type facility struct {
	id    FacilityID
	items map[string]uint32 // 1 + index in groups.items
	count [Red + 1]int32    // items at each level, None included
	level Level
}

func newGroups() groups { return groups{byFacility: make(map[FacilityID]uint32)} }

// item returns 1 + the index of the membership's item, creating it (and
// its facility) on first use, or 0 for no membership. Items are never
// deleted: a facility has a handful, and an empty one stays at None.
func (g *groups) item(m Membership) uint32 {
	if m.Item == "" {
		return 0
	}
	fi, ok := g.byFacility[m.Facility]
	if !ok {
		fi = uint32(len(g.facilities))
		g.facilities = append(g.facilities, facility{id: m.Facility, items: make(map[string]uint32)})
		g.byFacility[m.Facility] = fi
	}
	f := &g.facilities[fi]
	if i, ok := f.items[m.Item]; ok {
		return i
	}
	g.items = append(g.items, item{name: m.Item, facility: fi})
	i := uint32(len(g.items))
	f.items[m.Item] = i
	f.count[None]++
	return i
}

// join adds a point, at level None, to an item.
func (g *groups) join(p *point, item uint32) {
	p.item = item
	if item != 0 {
		g.items[item-1].points[p.level]++
	}
}

// leave takes a point out of its item; its level must already be None so
// that the item's level has been brought down with transitions.
func (g *groups) leave(p *point) {
	if p.item != 0 {
		g.items[p.item-1].points[p.level]--
		p.item = 0
	}
}

// setLevel records a point's new group level and appends the transitions
// of its item and facility, if their levels change.
func (g *groups) setLevel(dst []Transition, id PointID, p *point, l Level, at int64, v float64) []Transition {
	if l == p.level {
		return dst
	}
	if p.item == 0 {
		p.level = l
		return dst
	}
	it := &g.items[p.item-1]
	it.points[p.level]--
	it.points[l]++
	p.level = l
	il := itemLevel(it.points)
	if il == it.level {
		return dst
	}
	f := &g.facilities[it.facility]
	dst = append(dst, groupTransition(id, f.id, it.name, it.level, il, at, v))
	f.count[it.level]--
	f.count[il]++
	it.level = il
	if fl := facilityLevel(f.count); fl != f.level {
		dst = append(dst, groupTransition(id, f.id, "", f.level, fl, at, v))
		f.level = fl
	}
	return dst
}

func groupTransition(id PointID, fac FacilityID, name string, from, to Level, at int64, v float64) Transition {
	t := Transition{At: at, Value: v, Item: name, Point: id, Facility: fac, Kind: Group,
		From: from, To: to, State: Firing, Was: Firing}
	if from == None {
		t.Was = Inactive
	}
	if to == None {
		t.State = Resolved
	}
	return t
}

// itemLevel combines the levels of one item's points (n[l] points at
// level l) per GB 39496-2020 5.5.4: 4 at blue or above make yellow, 3 at
// yellow or above make orange, 2 at orange or above make red, and the
// item is at least its worst point.
func itemLevel(n [Red + 1]int32) Level {
	red := n[Red]
	orange := red + n[Orange]
	yellow := orange + n[Yellow]
	blue := yellow + n[Blue]
	switch {
	case red > 0 || orange >= 2:
		return Red
	case orange > 0 || yellow >= 3:
		return Orange
	case yellow > 0 || blue >= 4:
		return Yellow
	case blue > 0:
		return Blue
	}
	return None
}

// facilityLevel combines the levels of a facility's items: every 4 items
// at exactly blue count as one item at yellow (5.5.4), then the item rule
// applies to the items. Only exact blues convert, because an item above
// blue already counts at its own level.
func facilityLevel(n [Red + 1]int32) Level {
	k := n[Blue] / 4
	n[Blue] -= 4 * k
	n[Yellow] += k
	return itemLevel(n)
}

// GroupLevel returns the current combined level of a facility's monitored
// item, or of the facility itself when item is empty; None for an unknown
// facility or item. The alarm service uses it to rebuild its view after a
// restart.
func (e *Engine) GroupLevel(fac FacilityID, item string) Level {
	fi, ok := e.byFacility[fac]
	if !ok {
		return None
	}
	f := &e.facilities[fi]
	if item == "" {
		return f.level
	}
	if i, ok := f.items[item]; ok {
		return e.items[i-1].level
	}
	return None
}
