package incident

import (
	"fmt"
	"math"
	"strings"
	"time"
)

// Dispatch kinds: what is sent.
const (
	SendTeam     = "team"     // a rescue team
	SendExpert   = "expert"   // an expert
	SendSupplies = "supplies" // supplies from a warehouse
	SendShelter  = "shelter"  // places in a shelter allocated to evacuees
)

// Dispatch statuses, in order; Cancelled only from Ordered.
const (
	Ordered   = "ordered"
	EnRoute   = "en_route"
	OnSite    = "on_site"
	Returned  = "returned"
	Cancelled = "cancelled"
)

// DispatchStatuses lists them in order.
var DispatchStatuses = []string{Ordered, EnRoute, OnSite, Returned, Cancelled}

// Item is a quantity of one supply item.
type Item struct {
	Item     string  `json:"item"`
	Quantity float64 `json:"quantity"`
	Unit     string  `json:"unit,omitempty"`
}

// Dispatch is one order sending a resource to an incident.
type Dispatch struct {
	ID           int64          `json:"id"`
	IncidentID   int64          `json:"incident_id"`
	Kind         string         `json:"kind"`
	ResourceID   int64          `json:"resource_id"`
	ResourceCode string         `json:"resource_code"`
	ResourceName string         `json:"resource_name"`
	Items        []Item         `json:"items,omitempty"`
	People       int            `json:"people,omitempty"` // shelter places
	Status       string         `json:"status"`
	Note         string         `json:"note"`
	OrderedBy    string         `json:"ordered_by"`
	OrderedAt    time.Time      `json:"ordered_at"`
	UpdatedAt    time.Time      `json:"updated_at"`
	Steps        []DispatchStep `json:"steps"`
	Version      int            `json:"version"`
}

// DispatchStep is one status change of an order.
type DispatchStep struct {
	Status string    `json:"status"`
	At     time.Time `json:"at"`
	By     string    `json:"by"`
	Note   string    `json:"note,omitempty"`
}

// RegistryKind is the registry kind a dispatch kind draws on.
func RegistryKind(kind string) (string, bool) {
	switch kind {
	case SendTeam:
		return "rescue_team", true
	case SendExpert:
		return "expert", true
	case SendSupplies:
		return "warehouse", true
	case SendShelter:
		return "shelter", true
	}
	return "", false
}

// ValidateOrder checks a new order's own fields.
func (d *Dispatch) ValidateOrder() []FieldProblem {
	var out []FieldProblem
	add := func(f, m string, a ...any) { out = append(out, FieldProblem{f, fmt.Sprintf(m, a...)}) }
	if _, ok := RegistryKind(d.Kind); !ok {
		add("kind", "%q: want team, expert, supplies or shelter", d.Kind)
	}
	if d.ResourceID <= 0 {
		add("resource_id", "is required: the registry id of the team, expert, warehouse or shelter")
	}
	switch d.Kind {
	case SendSupplies:
		if len(d.Items) == 0 {
			add("items", "name the supplies and quantities to send")
		}
		seen := map[string]bool{}
		for i, it := range d.Items {
			d.Items[i].Item = strings.TrimSpace(it.Item)
			f := fmt.Sprintf("items[%d]", i)
			if d.Items[i].Item == "" {
				add(f+".item", "is required")
			} else if seen[d.Items[i].Item] {
				add(f+".item", "%q is listed twice", d.Items[i].Item)
			}
			seen[d.Items[i].Item] = true
			if !(it.Quantity > 0) || math.IsInf(it.Quantity, 0) {
				add(f+".quantity", "must be a positive number")
			}
		}
	case SendShelter:
		if d.People <= 0 {
			add("people", "say how many places to allocate")
		}
	default:
		if len(d.Items) > 0 {
			add("items", "only a supplies order carries items")
		}
	}
	if len(d.Note) > 2000 {
		add("note", "is too long (at most 2000 bytes)")
	}
	return out
}

// Advance moves an order to status to, or says why not.
func (d *Dispatch) Advance(to string) error {
	next := map[string][]string{Ordered: {EnRoute, Cancelled}, EnRoute: {OnSite}, OnSite: {Returned}}
	for _, s := range next[d.Status] {
		if s == to {
			d.Status = to
			return nil
		}
	}
	if d.Status == Returned || d.Status == Cancelled {
		return fmt.Errorf("dispatch %d is already %s", d.ID, d.Status)
	}
	return fmt.Errorf("dispatch %d is %s; it can go to %s next, not %s", d.ID, d.Status, strings.Join(next[d.Status], " or "), to)
}

// Active reports whether the order still holds its resource.
func (d *Dispatch) Active() bool { return d.Status != Returned && d.Status != Cancelled }
