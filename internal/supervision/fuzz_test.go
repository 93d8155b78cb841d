package supervision

import (
	"bytes"
	"testing"
)

// FuzzReference feeds the reference-data parser arbitrary CSV: it returns
// rows or an error, never panics, and accepted rows are complete.
func FuzzReference(f *testing.F) {
	for _, n := range []string{"data/criteria.csv", "data/diagnosis.csv", "data/checklists.csv"} {
		b, _ := dataFS.ReadFile(n)
		f.Add(b)
	}
	f.Add([]byte("code,kind,area,text,max_deduction,verified\nD1,deduct,a,b,101,true\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		rows, err := ParseCSV(bytes.NewReader(data))
		if err != nil {
			return
		}
		for _, name := range []string{"criteria.csv", "diagnosis.csv", "checklists.csv"} {
			ref := &Reference{}
			if ref.take(name, rows) != nil {
				continue
			}
			for _, d := range ref.Diagnosis {
				if d.Code == "" || d.MaxDeduction < 0 || d.MaxDeduction > 100 {
					t.Fatalf("accepted %+v", d)
				}
			}
		}
	})
}
