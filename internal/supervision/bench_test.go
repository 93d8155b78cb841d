package supervision

import (
	"slices"
	"testing"
)

func benchPool() []int64 {
	pool := make([]int64, 10000)
	for i := range pool {
		pool[i] = int64(10000 - i)
	}
	return pool
}

// BenchmarkDraw draws 100 of 10,000 enterprises; BenchmarkDrawBaseline
// does the part every draw must do anyway (copy and sort the pool).
func BenchmarkDraw(b *testing.B) {
	pool := benchPool()
	for b.Loop() {
		Draw(42, "enterprises", pool, 100)
	}
}

func BenchmarkDrawBaseline(b *testing.B) {
	pool := benchPool()
	for b.Loop() {
		ids := slices.Clone(pool)
		slices.Sort(ids)
	}
}
