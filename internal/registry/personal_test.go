package registry

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/yingji/yingji/internal/fieldcrypt"
)

func TestMasks(t *testing.T) {
	for _, c := range []struct{ got, want string }{
		{MaskPhone("13812341234"), "138****1234"},
		{MaskPhone("0875-2123456"), "087****3456"},
		{MaskIDNumber("530102199001011234"), "5301**********1234"},
		{MaskAddress("云南省保山市隆阳区永昌街道某小区3栋2单元"), "云南省保山市****"},
		{MaskAddress("某村"), "****"},
	} {
		if c.got != c.want {
			t.Errorf("mask = %q, want %q", c.got, c.want)
		}
	}
	if err := ValidIDNumber("11010519491231002X"); err != nil {
		t.Errorf("a valid number: %v", err)
	}
	if err := ValidIDNumber("110105194912310021"); err == nil {
		t.Error("a wrong check digit passed")
	}
}

func expertObject() *Object {
	return &Object{ID: 7, Kind: KExpert, Code: "E-7", Name: "张三", Category: "geology", Status: "available", Division: "530502",
		Geometry: orb.Point{99.16, 25.12}, CreatedAt: time.Now(), UpdatedAt: time.Now(), Version: 1,
		Attrs: map[string]any{"phone": "13812341234", "id_number": "11010519491231002X", "home_address": "云南省保山市隆阳区永昌街道1号", "title": "高级工程师"}}
}

// Every JSON form of a record (the API, GeoJSON and CSV through Properties,
// the audit log through MarshalJSON) shows personal fields masked.
func TestPropertiesMaskPersonalFields(t *testing.T) {
	o := expertObject()
	data, err := json.Marshal(o)
	if err != nil {
		t.Fatal(err)
	}
	s := string(data)
	for _, clear := range []string{"13812341234", "11010519491231002X", "永昌街道"} {
		if strings.Contains(s, clear) {
			t.Errorf("JSON shows %q: %s", clear, s)
		}
	}
	for _, mask := range []string{"138****1234", "1101**********002X", "云南省保山市****", "高级工程师"} {
		if !strings.Contains(s, mask) {
			t.Errorf("JSON lacks %q: %s", mask, s)
		}
	}
	got, err := o.Reveal([]string{"phone"})
	if err != nil || got["phone"] != "13812341234" || len(got) != 1 {
		t.Fatalf("Reveal = %v, %v", got, err)
	}
	if _, err := o.Reveal([]string{"title"}); err == nil {
		t.Fatal("revealed a field that is not personal")
	}
	ent := &Object{Kind: KEnterprise, Attrs: map[string]any{"contacts": []Contact{{Name: "李四", Role: "安全员", Phone: "13900001111"}}}}
	if c := ent.Properties()["contacts"].([]Contact); c[0].Phone != "139****1111" || c[0].Name != "李四" {
		t.Fatalf("contacts masked as %+v", c)
	}
}

// A client that sends back what it read (masks) keeps the stored values;
// a changed value replaces them; a mask of something else is refused.
func TestMaskRoundTrip(t *testing.T) {
	before := expertObject()
	body, _ := json.Marshal(before)
	in, probs := Decode(Expert, body, 0)
	if len(probs) > 0 {
		t.Fatalf("decoding a fetched record: %v", probs)
	}
	after := merge(before, in)
	if p := Expert.Validate(after, 0); len(p) > 0 {
		t.Fatalf("validate: %v", p)
	}
	if after.Attrs["phone"] != "13812341234" || after.Attrs["id_number"] != "11010519491231002X" {
		t.Fatalf("masks not swapped back: %v", after.Attrs)
	}
	in, _ = Decode(Expert, []byte(`{"phone":"13999998888","id_number":"1101**********9999"}`), 0)
	after = merge(before, in)
	p := Expert.Validate(after, 0)
	if after.Attrs["phone"] != "13999998888" || len(p) != 1 || p[0].Field != "id_number" || !strings.Contains(p[0].Message, "masked") {
		t.Fatalf("changed phone / foreign mask: %v %v", after.Attrs, p)
	}
	// contacts
	ent := &Object{Kind: KEnterprise, Attrs: map[string]any{"contacts": []Contact{{Name: "李四", Phone: "13900001111"}, {Name: "王五", Phone: "13700002222"}}}}
	in, probs = Decode(Enterprise, []byte(`{"contacts":[{"name":"王五","phone":"137****2222"},{"name":"赵六","phone":"13600003333"}]}`), 0)
	if len(probs) > 0 {
		t.Fatal(probs)
	}
	got := merge(ent, in).Attrs["contacts"].([]Contact)
	if got[0].Phone != "13700002222" || got[1].Phone != "13600003333" {
		t.Fatalf("contacts merged as %+v", got)
	}
	// a create may not carry masks
	o := expertObject()
	o.Attrs["phone"] = "138****1234"
	if p := Expert.Validate(o, 1); len(p) != 1 || p[0].Field != "phone" {
		t.Fatalf("create with a mask: %v", p)
	}
}

func TestSealAttrsOpenAttrs(t *testing.T) {
	k, _ := fieldcrypt.NewKey(fieldcrypt.SM4GCM, time.Now())
	ring, _ := fieldcrypt.NewRing(fieldcrypt.File{Active: k.ID, Keys: []fieldcrypt.Key{k}})
	o := expertObject()
	data, err := SealAttrs(Expert, o.Code, o.Attrs, ring)
	if err != nil {
		t.Fatal(err)
	}
	for _, clear := range []string{"13812341234", "1949", "永昌"} {
		if strings.Contains(string(data), clear) {
			t.Fatalf("stored attributes show %q: %s", clear, data)
		}
	}
	if !strings.Contains(string(data), "高级工程师") {
		t.Fatalf("a field that is not personal was sealed: %s", data)
	}
	sealed, clear, err := SealedValues(Expert, data)
	if err != nil || len(sealed) != 3 || len(clear) != 0 {
		t.Fatalf("SealedValues = %v %v %v", sealed, clear, err)
	}
	back, err := OpenAttrs(Expert, o.Code, data, ring)
	if err != nil || back["phone"] != "13812341234" || back["home_address"] != o.Attrs["home_address"] {
		t.Fatalf("OpenAttrs = %v, %v", back, err)
	}
	if _, err := OpenAttrs(Expert, "E-8", data, ring); err == nil {
		t.Fatal("attributes of one record opened under another's code")
	}
	if _, err := OpenAttrs(Expert, o.Code, data, nil); err == nil || !strings.Contains(err.Error(), "no data key") {
		t.Fatalf("sealed without a key: %v", err)
	}
	// clear attributes (stored before sealing was on) still read
	plain, _ := json.Marshal(o.Attrs)
	if back, err := OpenAttrs(Expert, o.Code, plain, ring); err != nil || back["phone"] != "13812341234" {
		t.Fatalf("clear attributes: %v %v", back, err)
	}
}
