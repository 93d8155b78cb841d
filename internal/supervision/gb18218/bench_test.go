package gb18218

import (
	"encoding/json"
	"testing"
)

var benchInput = []byte(`{"exposed_people":60,"substances":[{"name":"氨","cas":"7664-41-7","quantity_t":20},{"name":"氯","quantity_t":3},
{"name":"甲醇","quantity_t":120},{"name":"液化石油气","quantity_t":30},{"name":"某混合物","category":"W5.3","quantity_t":400}]}`)

// BenchmarkAssess decodes and assesses a five-substance inventory; compare
// with BenchmarkAssessBaseline, which only decodes the same request.
func BenchmarkAssess(b *testing.B) {
	tb, err := Embedded()
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		var in Input
		if err := json.Unmarshal(benchInput, &in); err != nil {
			b.Fatal(err)
		}
		if _, err := tb.Assess(in); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAssessBaseline(b *testing.B) {
	for b.Loop() {
		var in Input
		if err := json.Unmarshal(benchInput, &in); err != nil {
			b.Fatal(err)
		}
	}
}
