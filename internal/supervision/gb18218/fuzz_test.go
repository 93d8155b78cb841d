package gb18218

import (
	"bytes"
	"os"
	"testing"
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
