package registry

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"github.com/paulmach/orb"

	"github.com/yingji/yingji/internal/core"
	"github.com/yingji/yingji/internal/geo"
)

// Object is one registry record of any kind.
type Object struct {
	ID       int64
	Kind     string
	Code     string
	Name     string
	Category string
	Status   string
	Division string
	// OwnerID is the record that owns this one (an enterprise owns its
	// facilities; a facility owns its monitoring points); 0 for none.
	OwnerID int64
	// EnterpriseID is the enterprise the record belongs to, derived from the
	// owner chain (an enterprise's own ID for an enterprise); 0 for none.
	EnterpriseID int64
	Geometry     orb.Geometry
	Attrs        map[string]any
	CreatedAt    time.Time
	UpdatedAt    time.Time
	Version      int
}

// Anchor is the record's representative point, used for placing labels,
// distances and the point-in-division lookup.
func (o *Object) Anchor() orb.Point { return geo.Anchor(o.Geometry) }

// common JSON names; type-specific fields may not use them.
var commonFields = map[string]bool{
	"id": true, "registry_kind": true, "code": true, "name": true, "status": true,
	"division_code": true, "owner_id": true, "enterprise_id": true,
	"geometry": true, "lon": true, "lat": true, "created_at": true,
	"updated_at": true, "version": true, "crs": true,
}

// Properties returns the record's fields as a flat map without the
// geometry: common fields, the category under the kind's category name, then
// the type-specific fields. JSON, GeoJSON and CSV output share it.
// Personal fields are masked (MaskValue); Reveal gives them in clear.
func (o *Object) Properties() map[string]any {
	k, ok := KindNamed(o.Kind)
	m := make(map[string]any, 16+len(o.Attrs))
	for name, v := range o.Attrs {
		if ok {
			if f, has := k.Field(name); has && f.Personal != "" {
				v = MaskValue(f, v) // personal data is shown masked; see Reveal
			}
		}
		m[name] = v
	}
	m["id"] = o.ID
	m["registry_kind"] = o.Kind
	m["code"] = o.Code
	m["name"] = o.Name
	if ok {
		m[k.CategoryField] = o.Category
	}
	m["status"] = o.Status
	m["division_code"] = o.Division
	m["owner_id"] = nullID(o.OwnerID)
	m["enterprise_id"] = nullID(o.EnterpriseID)
	if o.Geometry != nil {
		a := o.Anchor()
		m["lon"], m["lat"] = a[0], a[1]
	}
	m["created_at"] = o.CreatedAt.UTC().Format(time.RFC3339Nano)
	m["updated_at"] = o.UpdatedAt.UTC().Format(time.RFC3339Nano)
	m["version"] = o.Version
	return m
}

// MarshalJSON writes the record flat, with its GeoJSON geometry.
func (o *Object) MarshalJSON() ([]byte, error) {
	if _, ok := KindNamed(o.Kind); !ok {
		return nil, fmt.Errorf("registry: unknown kind %q", o.Kind)
	}
	m := o.Properties()
	if o.Geometry != nil {
		g, err := geo.MarshalGeometry(o.Geometry)
		if err != nil {
			return nil, err
		}
		m["geometry"] = json.RawMessage(g)
	}
	return json.Marshal(m)
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// Input is a decoded create or update request before validation. Set
// records which fields the client sent, so that an update changes only those.
type Input struct {
	Object
	Set map[string]bool
	// CRS is the coordinate system the geometry was given in.
	CRS geo.System
}

// Decode parses a JSON record of kind k. It reports every problem it finds,
// each naming its field: unknown fields, wrong JSON types, bad geometry.
// row is the import row (0 outside imports).
func Decode(k *Kind, data []byte, row int) (*Input, core.Problems) {
	var probs core.Problems
	var raw map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&raw); err != nil {
		probs.Add(row, "body", "malformed JSON: %v", err)
		return nil, probs
	}
	if raw == nil {
		probs.Add(row, "body", "want a JSON object")
		return nil, probs
	}
	in := &Input{Object: Object{Kind: k.Name, Attrs: map[string]any{}}, Set: map[string]bool{}}
	if v, ok := raw["crs"]; ok {
		var s string
		sys, err := geo.System(""), json.Unmarshal(v, &s)
		if err == nil {
			sys, err = geo.ParseSystem(s)
		}
		if err != nil {
			probs.Add(row, "crs", "%v", err)
		}
		in.CRS = sys
	}
	names := make([]string, 0, len(raw))
	for name := range raw {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		v := raw[name]
		in.Set[name] = true
		switch name {
		case "crs":
		case "id", "registry_kind", "enterprise_id", "lon", "lat", "created_at", "updated_at":
			// read-only; accepted so that a fetched record can be sent back.
			delete(in.Set, name)
		case "code":
			decodeString(&probs, row, name, v, &in.Code)
		case "name":
			decodeString(&probs, row, name, v, &in.Name)
		case "status":
			decodeString(&probs, row, name, v, &in.Status)
		case "division_code":
			decodeString(&probs, row, name, v, &in.Division)
		case k.CategoryField:
			decodeString(&probs, row, name, v, &in.Category)
			in.Set["category"] = true
		case "owner_id":
			if string(v) == "null" {
				in.OwnerID = 0
				continue
			}
			var n json.Number
			if err := json.Unmarshal(v, &n); err != nil {
				probs.Add(row, name, "want an integer ID")
				continue
			}
			id, err := n.Int64()
			if err != nil || id <= 0 {
				probs.Add(row, name, "want a positive integer ID, got %s", n)
			}
			in.OwnerID = id
		case "version":
			var n int
			if err := json.Unmarshal(v, &n); err != nil {
				probs.Add(row, name, "want an integer")
			}
			in.Version = n
		case "geometry":
			if string(v) == "null" {
				probs.Add(row, name, "is required")
				continue
			}
			g, err := geo.ParseGeometry(v)
			if err != nil {
				probs.Add(row, name, "%v", err)
				continue
			}
			in.Geometry = g
		default:
			f, ok := k.Field(name)
			if !ok {
				probs.Add(row, name, "unknown field for %s", k.Name)
				continue
			}
			if string(v) == "null" {
				in.Attrs[name] = nil
				continue
			}
			val, err := decodeField(f, v)
			if err != nil {
				if mv, ok := decodeMasked(f, v); ok {
					in.Attrs[name] = mv // the mask of the stored value: kept (see merge)
					continue
				}
				probs.Add(row, name, "%v", err)
				continue
			}
			in.Attrs[name] = val
		}
	}
	if in.Geometry != nil && in.CRS != "" {
		in.Geometry = geo.Transform(in.Geometry, in.CRS)
	}
	return in, probs
}

func decodeString(probs *core.Problems, row int, name string, v json.RawMessage, dst *string) {
	if err := json.Unmarshal(v, dst); err != nil {
		probs.Add(row, name, "want a string")
	}
}
