package registry

import (
	"encoding/json"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/yingji/yingji/internal/core"
)

// Validate checks a complete record against its kind and reports every
// problem. It fills the default status. It does not look anything up:
// owners, divisions and scope are the Service's job.
func (k *Kind) Validate(o *Object, row int) core.Problems {
	var p core.Problems
	o.Code = strings.TrimSpace(o.Code)
	o.Name = strings.TrimSpace(o.Name)
	switch {
	case o.Code == "":
		p.Add(row, "code", "%s is required", k.CodeLabel)
	case len(o.Code) > 64 || strings.IndexFunc(o.Code, unicode.IsSpace) >= 0:
		p.Add(row, "code", "%q must be at most 64 characters without spaces", o.Code)
	case k.ValidateCode != nil:
		if err := k.ValidateCode(o.Code); err != nil {
			p.Add(row, "code", "%s %q: %v", k.CodeLabel, o.Code, err)
		}
	}
	if o.Name == "" {
		p.Add(row, "name", "is required")
	} else if utf8.RuneCountInString(o.Name) > 200 {
		p.Add(row, "name", "is longer than 200 characters")
	}
	if !k.HasCategory(o.Category) {
		if o.Category == "" {
			p.Add(row, k.CategoryField, "is required (one of %s)", strings.Join(Values(k.Categories), ", "))
		} else {
			p.Add(row, k.CategoryField, "%q is not one of %s", o.Category, strings.Join(Values(k.Categories), ", "))
		}
	}
	if o.Status == "" {
		o.Status = k.Statuses[0].Value
	} else if !k.HasStatus(o.Status) {
		p.Add(row, "status", "%q is not one of %s", o.Status, strings.Join(Values(k.Statuses), ", "))
	}
	if o.Division != "" && !allDigits(o.Division) {
		p.Add(row, "division_code", "%q is not a GB/T 2260 division code (digits only)", o.Division)
	}
	if o.Geometry == nil {
		p.Add(row, "geometry", "is required (a GeoJSON geometry in WGS84 unless crs says otherwise)")
	} else if t := o.Geometry.GeoJSONType(); !slices.Contains(k.Geometries, t) {
		p.Add(row, "geometry", "a %s may not have a %s geometry (want %s)", k.Name, t, strings.Join(k.Geometries, ", "))
	}
	if k.OwnerRequired && o.OwnerID == 0 {
		p.Add(row, "owner_id", "is required (the ID of the owning %s)", strings.Join(k.Owners, " or "))
	}
	if len(k.Owners) == 0 && o.OwnerID != 0 {
		p.Add(row, "owner_id", "a %s has no owner", k.Name)
	}
	// with an unknown category, which fields apply cannot be told; the
	// category's own problem is reported instead.
	catOK := k.HasCategory(o.Category)
	for _, f := range k.Fields {
		v, present := o.Attrs[f.Name]
		present = present && v != nil
		applies := f.AppliesTo(o.Category)
		switch {
		case present && catOK && !applies:
			p.Add(row, f.Name, "applies only to %s %s", k.CategoryField, strings.Join(f.Categories, ", "))
		case !present && catOK && applies && f.Required:
			p.Add(row, f.Name, "is required")
		}
		if !present {
			delete(o.Attrs, f.Name)
			continue
		}
		if f.Personal != "" {
			if err := checkPersonal(f, v); err != nil {
				p.Add(row, f.Name, "%v", err)
				continue
			}
		}
		// values set from Go rather than decoded from JSON get the same
		// checks, so nothing unreadable is ever stored.
		raw, err := json.Marshal(v)
		if err != nil {
			p.Add(row, f.Name, "cannot be encoded: %v", err)
			continue
		}
		norm, err := decodeField(f, raw)
		if err != nil {
			p.Add(row, f.Name, "%v", err)
			continue
		}
		o.Attrs[f.Name] = norm
	}
	for name := range o.Attrs {
		if _, ok := k.Field(name); !ok {
			p.Add(row, name, "unknown field for %s", k.Name)
		}
	}
	if k.Name == KMonitoringPoint {
		validatePoint(o, row, &p)
	}
	return p
}

func validatePoint(o *Object, row int, p *core.Problems) {
	unit, _ := o.Attrs["unit"].(string)
	if units, ok := PointUnits[o.Category]; ok && unit != "" && !slices.Contains(units, unit) {
		p.Add(row, "unit", "%q is not a unit for %s (want %s)", unit, o.Category, strings.Join(units, ", "))
	}
	lo, okLo := o.Attrs["range_min"].(float64)
	hi, okHi := o.Attrs["range_max"].(float64)
	if okLo && okHi && lo >= hi {
		p.Add(row, "range_max", "%g must be above range_min %g", hi, lo)
	}
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
