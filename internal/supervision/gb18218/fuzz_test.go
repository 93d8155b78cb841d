package gb18218

import (
	"bytes"
	"encoding/json"
	"os"
	"testing"

	"github.com/yingji/yingji/internal/core"
)

func writeFile(p, s string) error { return os.WriteFile(p, []byte(s), 0o600) }

// FuzzParse feeds the two CSV parsers arbitrary input: they return rows or
// an error, never panic, and every row they accept is usable.
func FuzzParse(f *testing.F) {
	for _, name := range []string{"data/categories.csv", "data/substances.csv"} {
		b, _ := dataFS.ReadFile(name)
		f.Add(b)
	}
	f.Add([]byte("category,description,critical_t,beta,verified\nW2,\"x,1,1,true\n"))
	f.Add([]byte("name,aliases,cas,category,critical_t,q_verified,beta,beta_verified\n氨,,7664-41-7,J3,0,false,,\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if cs, err := ParseCategories(bytes.NewReader(data)); err == nil {
			for _, c := range cs {
				if !(c.CriticalT > 0) || !(c.Beta > 0) || c.Code == "" {
					t.Fatalf("accepted %+v", c)
				}
			}
		}
		if ss, err := ParseSubstances(bytes.NewReader(data)); err == nil {
			for _, s := range ss {
				if !(s.CriticalT > 0) || s.Name == "" || s.Beta < 0 {
					t.Fatalf("accepted %+v", s)
				}
			}
		}
	})
}

// FuzzAssess feeds arbitrary JSON requests to the assessment: it answers
// or reports problems, never panics, and every answer is consistent.
func FuzzAssess(f *testing.F) {
	f.Add([]byte(`{"exposed_people":60,"substances":[{"name":"氨","cas":"7664-41-7","quantity_t":20}]}`))
	f.Add([]byte(`{"exposed_people":-1,"substances":[{"name":"x","category":"W2","quantity_t":1e308}]}`))
	f.Add([]byte(`{"substances":[{"cas":"7782-50-5","quantity_t":0}]}`))
	tb, err := Embedded()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var in Input
		if json.Unmarshal(data, &in) != nil {
			return
		}
		r, err := tb.Assess(in)
		if err != nil {
			if core.ErrorCode(err) != core.EINVALID {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		if r.S < 0 || r.R < 0 || r.Grade < 0 || r.Grade > 4 || r.Major != (r.S >= 1) || (r.Major && r.Grade == 0) || len(r.Substances) != len(in.Substances) {
			t.Fatalf("inconsistent result %+v for %s", r, data)
		}
		if _, err := json.Marshal(r); err != nil {
			t.Fatalf("the result cannot be sent: %v", err)
		}
	})
}
