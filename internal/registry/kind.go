// Package registry is the base data of the one-map: enterprises, their
// facilities and major hazard sources, monitoring points, geological hazard
// points, city lifeline assets and emergency resources.
//
// Every registry record is an Object of one Kind. A Kind is metadata: the
// record's type-specific fields, the allowed categories, statuses, owners and
// geometry types. One description drives validation, storage, the HTTP API,
// CSV export and the OpenAPI document, so the kinds cannot drift apart.
package registry

import (
	"fmt"
	"slices"
	"sort"
)

// FieldType is the type of a type-specific field.
type FieldType string

// Field types. Composite types hold arrays of small records.
const (
	String     FieldType = "string"
	Int        FieldType = "integer"
	Float      FieldType = "number"
	Bool       FieldType = "boolean"
	Enum       FieldType = "enum"
	Phone      FieldType = "phone"
	Strings    FieldType = "strings"
	Contacts   FieldType = "contacts"
	Substances FieldType = "substances"
	Stock      FieldType = "stock"
	// Date is a calendar day written YYYY-MM-DD (China Standard Time is
	// meant; no time of day is kept).
	Date FieldType = "date"
)

// Field describes a type-specific attribute of a kind.
type Field struct {
	Name     string
	Type     FieldType
	Label    string // zh-CN
	LabelEn  string
	Required bool
	Enum     []string
	// Options labels the Enum values in Chinese and English (for forms,
	// spreadsheet dropdowns and imports that give a label instead of the
	// value). When set, Enum is filled from it at registration.
	Options  []Option
	Min, Max *float64
	Unit     string
	// Categories limits the field to records of these categories; empty
	// means all.
	Categories []string
	// Personal marks personal data (PersonalPhone, PersonalIDNumber,
	// PersonalAddress, PersonalContacts): sealed at rest, masked when shown.
	Personal string
}

// AppliesTo reports whether the field belongs to records of category c.
func (f Field) AppliesTo(c string) bool {
	return len(f.Categories) == 0 || slices.Contains(f.Categories, c)
}

// Option is an allowed value with its labels.
type Option struct {
	Value   string
	Label   string
	LabelEn string
}

// Kind describes one kind of registry record.
type Kind struct {
	Name    string // singular, used in audit and errors: "enterprise"
	Path    string // plural, used in URLs: "enterprises"
	Label   string
	LabelEn string
	// CodeLabel names the code field in messages ("统一社会信用代码").
	CodeLabel string
	// CategoryLabel and CategoryLabelEn name the category field ("行业类别");
	// empty means the generic "类别" / "category".
	CategoryLabel, CategoryLabelEn string
	// CategoryField is the JSON name of the category column ("industry",
	// "kind", "hazard_type", …).
	CategoryField string
	Categories    []Option
	Statuses      []Option
	Fields        []Field
	// Owners lists the kinds that may own a record of this kind; the first
	// is the default. Empty means the kind is never owned.
	Owners        []string
	OwnerRequired bool
	// Geometries lists the GeoJSON geometry types a record may have.
	Geometries []string
	// ValidateCode checks the record code beyond being non-empty.
	ValidateCode func(code string) error
}

// Field returns the named type-specific field.
func (k *Kind) Field(name string) (Field, bool) {
	for _, f := range k.Fields {
		if f.Name == name {
			return f, true
		}
	}
	return Field{}, false
}

// HasCategory reports whether c is one of the kind's categories.
func (k *Kind) HasCategory(c string) bool { return hasOption(k.Categories, c) }

// HasStatus reports whether s is one of the kind's statuses.
func (k *Kind) HasStatus(s string) bool { return hasOption(k.Statuses, s) }

func hasOption(opts []Option, v string) bool {
	for _, o := range opts {
		if o.Value == v {
			return true
		}
	}
	return false
}

// Values returns the option values in order.
func Values(opts []Option) []string {
	out := make([]string, len(opts))
	for i, o := range opts {
		out[i] = o.Value
	}
	return out
}

var kinds = map[string]*Kind{}
var kindsByPath = map[string]*Kind{}

func register(k *Kind) *Kind {
	if _, dup := kinds[k.Name]; dup {
		panic(fmt.Sprintf("registry: kind %q registered twice", k.Name))
	}
	for _, f := range k.Fields {
		if commonFields[f.Name] || f.Name == k.CategoryField {
			panic(fmt.Sprintf("registry: %s field %q clashes with a common field", k.Name, f.Name))
		}
	}
	for i, f := range k.Fields {
		if len(f.Options) == 0 {
			continue
		}
		if len(f.Enum) > 0 && !slices.Equal(f.Enum, Values(f.Options)) {
			panic(fmt.Sprintf("registry: %s field %q has Enum and Options that disagree", k.Name, f.Name))
		}
		k.Fields[i].Enum = Values(f.Options)
	}
	if k.CategoryLabel == "" {
		k.CategoryLabel, k.CategoryLabelEn = "类别", "category"
	}
	if commonFields[k.CategoryField] {
		panic(fmt.Sprintf("registry: %s category field %q clashes with a common field", k.Name, k.CategoryField))
	}
	if len(k.Geometries) == 0 {
		k.Geometries = []string{"Point"}
	}
	kinds[k.Name] = k
	kindsByPath[k.Path] = k
	return k
}

// KindNamed returns the kind with the singular name.
func KindNamed(name string) (*Kind, bool) { k, ok := kinds[name]; return k, ok }

// KindAt returns the kind with the plural URL path.
func KindAt(path string) (*Kind, bool) { k, ok := kindsByPath[path]; return k, ok }

// Kinds returns every kind, sorted by path.
func Kinds() []*Kind {
	out := make([]*Kind, 0, len(kinds))
	for _, k := range kinds {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

func num(f float64) *float64 { return &f }
