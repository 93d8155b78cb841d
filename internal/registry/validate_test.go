package registry

import (
	"strings"
	"testing"

	"github.com/paulmach/orb"
)

func validPond() *Object {
	return &Object{Kind: KFacility, Code: "WKK-1", Name: "尾矿库", Category: "tailings_pond", OwnerID: 1,
		Geometry: orb.Point{99.1, 25.1}, Attrs: map[string]any{"dam_grade": int64(3), "pond_type": "wet"}}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(o *Object)
		field  string // "" when valid
	}{
		{"valid", func(o *Object) {}, ""},
		{"no code", func(o *Object) { o.Code = " " }, "code"},
		{"code with spaces", func(o *Object) { o.Code = "a b" }, "code"},
		{"no name", func(o *Object) { o.Name = "" }, "name"},
		{"unknown category", func(o *Object) { o.Category = "lake" }, "facility_type"},
		{"unknown status", func(o *Object) { o.Status = "asleep" }, "status"},
		{"division not digits", func(o *Object) { o.Division = "53x" }, "division_code"},
		{"no geometry", func(o *Object) { o.Geometry = nil }, "geometry"},
		{"geometry type not allowed", func(o *Object) { o.Geometry = orb.MultiPoint{{99, 25}} }, "geometry"},
		{"owner required", func(o *Object) { o.OwnerID = 0 }, "owner_id"},
		{"required field missing", func(o *Object) { delete(o.Attrs, "pond_type") }, "pond_type"},
		{"field of another category", func(o *Object) { o.Attrs["mine_type"] = "open_pit" }, "mine_type"},
		// values set from Go are checked like decoded ones.
		{"enum value from Go", func(o *Object) { o.Attrs["pond_type"] = "damp" }, "pond_type"},
		{"range from Go", func(o *Object) { o.Attrs["dam_grade"] = int64(9) }, "dam_grade"},
		{"type from Go", func(o *Object) { o.Attrs["dam_grade"] = "three" }, "dam_grade"},
		{"unknown attribute from Go", func(o *Object) { o.Attrs["colour"] = "red" }, "colour"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := validPond()
			tt.mutate(o)
			probs := Facility.Validate(o, 0)
			if tt.field == "" {
				if len(probs) != 0 {
					t.Fatalf("problems %v, want none", probs)
				}
				if o.Status != "active" {
					t.Errorf("default status = %q", o.Status)
				}
				return
			}
			if len(probs) != 1 || probs[0].Field != tt.field {
				t.Fatalf("problems %v, want one on %s", probs, tt.field)
			}
		})
	}
}

func TestPointUnits(t *testing.T) {
	o := &Object{Kind: KMonitoringPoint, Code: "P1", Name: "浸润线1", Category: "phreatic_line", OwnerID: 1,
		Geometry: orb.Point{99.1, 25.1}, Attrs: map[string]any{"unit": "kPa", "interval_s": int64(60)}}
	probs := MonitoringPoint.Validate(o, 0)
	if len(probs) != 1 || probs[0].Field != "unit" || !strings.Contains(probs[0].Message, "m") {
		t.Fatalf("problems %v, want the unit refused naming the allowed ones", probs)
	}
	for kind := range PointUnits {
		if !MonitoringPoint.HasCategory(kind) {
			t.Errorf("units given for unknown point kind %s", kind)
		}
	}
	for _, c := range PointKinds {
		if len(PointUnits[c.Value]) == 0 {
			t.Errorf("point kind %s has no unit", c.Value)
		}
	}
}

func TestValidCAS(t *testing.T) {
	for cas, want := range map[string]bool{"7664-41-7": true, "7782-50-5": true, "67-56-1": true, "7664-41-8": false, "7664417": false, "": false} {
		if got := ValidCAS(cas); got != want {
			t.Errorf("ValidCAS(%q) = %v, want %v", cas, got, want)
		}
	}
}

// FuzzDecode: any input is either refused with problems or yields an input
// whose record passes through Validate without a panic.
func FuzzDecode(f *testing.F) {
	f.Add([]byte(`{"code":"WKK-1","name":"x","facility_type":"tailings_pond","dam_grade":3,"pond_type":"wet","owner_id":1,"geometry":{"type":"Point","coordinates":[99,25]}}`))
	f.Add([]byte(`{"contacts":[{"name":"a","phone":"13800000000"}],"crs":"gcj02"}`))
	f.Add([]byte(`[]`))
	f.Add([]byte(`{"dam_grade":1e400}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		in, probs := Decode(Facility, data, 0)
		if in == nil {
			if len(probs) == 0 {
				t.Fatal("nil input without a problem")
			}
			return
		}
		o := in.Object
		Facility.Validate(&o, 0)
	})
}

// A date field takes calendar days only.
func TestDateField(t *testing.T) {
	f, _ := Enterprise.Field("licence_expires")
	for in, ok := range map[string]bool{`"2027-06-30"`: true, `""`: true, `"2027-02-30"`: false, `"2027/06/30"`: false, `20270630`: false} {
		_, err := decodeField(f, []byte(in))
		if (err == nil) != ok {
			t.Errorf("licence_expires %s: %v, want ok=%v", in, err, ok)
		}
	}
	if pt, _ := Facility.Field("pond_type"); strings.Join(pt.Enum, ",") != "wet,dry" || pt.Options[0].Label != "湿式" {
		t.Errorf("pond_type enum %v options %v", pt.Enum, pt.Options)
	}
}
