// Package rules is the rule engine of the perception pipeline: it turns the
// readings of monitoring points into conditions (threshold, rate of change,
// stale data) and into the combined level of a tailings pond's monitored
// items and of the pond itself.
//
// The engine is pure and single-threaded: it does no I/O, never reads the
// wall clock (every decision uses the reading's time or the time passed to
// Tick) and starts no goroutines. The caller serialises calls, or runs one
// Engine per shard; a shard must hold every point of a facility, because
// the group combination counts the facility's points together.
//
// # State machine
//
// Each point keeps one state per rule, as Prometheus keeps one per alert:
// Inactive → Pending → Firing, and back to Inactive through a Resolved
// transition. A rule with a minimum duration ("for") opens Pending and
// fires once the condition has held that long, either on a later reading or
// on Tick; without one it fires at once. The minimum duration guards only
// the opening: once firing, the level follows the value at once on the way
// up (an escalation must not wait) and, on the way down, only after the
// value is back past threshold ∓ deadband, so noise around a threshold does
// not make the level chatter.
//
// Every decision advances the point's clock; a reading older than that
// clock is not evaluated (Eval returns Late) so that state never moves
// backwards. The pipeline sorts late readings itself and stores them; the
// engine only ever looks forward. Tick's time should therefore be a
// watermark (the wall clock less the ingestion delay), not the raw clock.
//
// # Combination per GB 39496-2020 5.5.4
//
// Clause 5.5.4 grades each monitored item and the pond's safety state
// (尾矿库安全状况) from the points' levels. Within one item (同类监测项目):
// 4 points at blue make the item yellow, 3 at yellow make it orange, 2 at
// orange make it red, and the item is never below its worst point. "At a
// level" is read as "at that level or above": a point at orange also
// satisfies the count for yellow (the result is the same as counting exact
// levels, because the worst point already sets the floor).
//
// At the facility the clause says that 4 items at blue count as one item at
// yellow. The copy of the text read for this package breaks off right
// there, so the rest is inferred from the same pattern: the facility takes
// the item rule over its items, with every 4 items at exactly blue counted
// as one extra item at yellow. So 4 blue items make the pond yellow; 4 blue
// items and 2 yellow ones make 3 yellows, hence orange; 2 orange items make
// it red. An equivalence is applied once, from blue to yellow, as written:
// 3 yellow items make the pond orange but are not further counted as an
// orange item towards red, which the clause does not say. Only firing
// threshold and rate conditions count; pending and stale ones do not.
//
// # Performance
//
// Points are dense integer IDs indexing slices; rule parameters are
// compiled once and shared by every point with the same rule; per-point
// state lives in flat slices without pointers, so the garbage collector
// does not scan them. Eval allocates nothing unless the caller's
// transition buffer has to grow.
package rules

import (
	"fmt"
	"time"
)

// PointID is a monitoring point's index in the engine. The caller assigns
// IDs densely from 0, because the engine sizes its tables by the largest ID.
type PointID uint32

// FacilityID identifies the facility a point belongs to for the group
// combination. It is the caller's choice; the engine only compares it.
type FacilityID uint32

// Level is a warning level, ordered so that a larger value is more severe.
type Level uint8

// Warning levels (Emergency Response Law art. 42): 四级 blue to 一级 red.
const (
	None Level = iota
	Blue
	Yellow
	Orange
	Red
)

var levelNames = [...]string{"", "blue", "yellow", "orange", "red"}

// String returns the lower-case English colour, or "" for None.
func (l Level) String() string {
	if int(l) < len(levelNames) {
		return levelNames[l]
	}
	return fmt.Sprintf("Level(%d)", uint8(l))
}

// ParseLevel is the inverse of String; it also accepts "none".
func ParseLevel(s string) (Level, error) {
	if s == "none" {
		return None, nil
	}
	for i, n := range levelNames {
		if n == s {
			return Level(i), nil
		}
	}
	return None, fmt.Errorf("unknown level %q (want blue, yellow, orange or red)", s)
}

// MarshalText makes levels readable in JSON, also as map keys.
func (l Level) MarshalText() ([]byte, error) {
	if int(l) >= len(levelNames) {
		return nil, fmt.Errorf("rules: invalid level %d", uint8(l))
	}
	return []byte(l.String()), nil
}

// UnmarshalText parses a level written by MarshalText.
func (l *Level) UnmarshalText(b []byte) error {
	v, err := ParseLevel(string(b))
	if err != nil {
		return err
	}
	*l = v
	return nil
}

// State is where a condition stands. A condition's own state is Inactive,
// Pending or Firing; Resolved appears only in transitions, as the state a
// condition ends in.
type State uint8

// Condition states.
const (
	Inactive State = iota
	Pending
	Firing
	Resolved
)

var stateNames = [...]string{"inactive", "pending", "firing", "resolved"}

// String returns the state's lower-case name.
func (s State) String() string {
	if int(s) < len(stateNames) {
		return stateNames[s]
	}
	return fmt.Sprintf("State(%d)", uint8(s))
}

// Kind is the type of a rule, and of a transition, which may also come
// from the group combination.
type Kind uint8

// Rule kinds. Group is never a rule's kind: it marks transitions of a
// monitored item or facility.
const (
	Threshold Kind = iota + 1
	Rate
	Stale
	Group
)

var kindNames = [...]string{"", "threshold", "rate", "stale", "group"}

// String returns the kind's lower-case name.
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

// MarshalText writes the kind's name so that stored rules are readable.
func (k Kind) MarshalText() ([]byte, error) {
	if k == 0 || int(k) >= len(kindNames) {
		return nil, fmt.Errorf("rules: invalid kind %d", uint8(k))
	}
	return []byte(k.String()), nil
}

// UnmarshalText parses a rule type; Group is refused because no rule has it.
func (k *Kind) UnmarshalText(b []byte) error {
	for i, n := range kindNames[:Group] {
		if i > 0 && n == string(b) {
			*k = Kind(i)
			return nil
		}
	}
	return fmt.Errorf("unknown rule type %q (want threshold, rate or stale)", b)
}

// Direction says which side of the thresholds is abnormal.
type Direction string

// Directions: a high rule fires when the value rises to a threshold (gas
// concentration, displacement), a low rule when it falls to one (freeboard,
// dry-beach length, phreatic-line burial depth).
const (
	High Direction = "high"
	Low  Direction = "low"
)

// Result tells the caller what Eval did with a reading.
type Result uint8

// Eval results. Anything but Evaluated leaves the engine unchanged.
const (
	Evaluated    Result = iota
	Late                // older than the point's last decision; not evaluated
	UnknownPoint        // no point with this ID has been set
	NotFinite           // NaN or ±Inf; ingestion should have rejected it
)

var resultNames = [...]string{"evaluated", "late", "unknown point", "not finite"}

// String names the result for logs and metrics labels.
func (r Result) String() string {
	if int(r) < len(resultNames) {
		return resultNames[r]
	}
	return fmt.Sprintf("Result(%d)", uint8(r))
}

// Transition is one change of a condition: a rule of a point, or a
// monitored item or facility of the group combination.
type Transition struct {
	// At is when the engine decided, in Unix milliseconds: the reading's
	// time for Eval, the time passed to Tick, SetPoint or RemovePoint.
	At int64
	// Value is the quantity compared with the thresholds: the reading, or
	// its change over the window for a rate rule; the last reading for a
	// stale rule (NaN before the first) and for group transitions.
	Value float64
	// Item names the monitored item of a group transition; it is empty for
	// the facility's own level and for rule transitions.
	Item string
	// Point is the point whose rule changed or, for a group transition,
	// the point whose change caused it.
	Point    PointID
	Facility FacilityID // set for group transitions only
	// Rule is the index of the rule in the point's PointConfig.Rules; 0
	// for group transitions.
	Rule uint8
	Kind Kind
	// From and To are the levels before and after; To is None when the
	// condition resolves.
	From, To Level
	// State is the condition's state after the transition and Was its
	// state before, so a consumer can tell a pending condition that
	// cleared (Was Pending) from an alarm that recovered (Was Firing).
	State, Was State
}

// Time returns At as a time in UTC.
func (t Transition) Time() time.Time { return time.UnixMilli(t.At).UTC() }
