package dispatch

import (
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/yingji/yingji/internal/region"
)

// baoshanSet places n resources inside the real boundaries of Baoshan's five
// counties (counts in proportion to nothing in particular: uniform over the
// counties) and returns them with queries at random points inside the city.
// Kinds, tags and stock are drawn as in the correctness tests.
func baoshanSet(tb testing.TB, n, queries int) ([]Resource, []Query) {
	tb.Helper()
	tree, err := region.Baoshan()
	if err != nil {
		tb.Fatal(err)
	}
	counties := tree.List(region.County)
	if len(counties) != 5 {
		tb.Fatalf("Baoshan has %d counties, want 5", len(counties))
	}
	rng := rand.New(rand.NewPCG(2026, 530500))
	rs := randomResources(rng, n, 0, 0, 1, 1)
	for i := range rs {
		p, err := tree.RandomPoint(rng, counties[rng.IntN(len(counties))].Code)
		if err != nil {
			tb.Fatal(err)
		}
		rs[i].Lon, rs[i].Lat, rs[i].ID, rs[i].Code = p[0], p[1], int64(i+1), "R"+strconv.Itoa(i)
	}
	qs := make([]Query, queries)
	for i := range qs {
		p, err := tree.RandomPoint(rng, counties[rng.IntN(len(counties))].Code)
		if err != nil {
			tb.Fatal(err)
		}
		q := Query{Lon: p[0], Lat: p[1], Kind: testKinds[i%len(testKinds)], Limit: 10}
		switch q.Kind {
		case KindTeam, KindExpert:
			q.Tags = []string{testTags[rng.IntN(len(testTags))]}
		case KindWarehouse:
			q.Needs = map[string]float64{testItems[rng.IntN(len(testItems))]: 100, testItems[rng.IntN(len(testItems))]: 150}
		case KindShelter:
			q.FreeCapacity = 50
		}
		qs[i] = q
	}
	return rs, qs
}

const benchResources = 10000

// BenchmarkNearest is issue 5's target: a nearest-resource query over 10,000
// resources. Compare with BenchmarkNearestBruteForce from the same run.
func BenchmarkNearest(b *testing.B) {
	rs, qs := baoshanSet(b, benchResources, 1024)
	ix := NewIndex(rs, Travel{SpeedKmh: testSpeedKmh})
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		ix.Nearest(qs[i%len(qs)])
	}
}

// BenchmarkNearestBruteForce is the baseline: filter, score and sort every
// resource.
func BenchmarkNearestBruteForce(b *testing.B) {
	rs, qs := baoshanSet(b, benchResources, 1024)
	tr := Travel{SpeedKmh: testSpeedKmh}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		bruteNearest(rs, tr, qs[i%len(qs)])
	}
}

// BenchmarkNearestP99 times each of 2,000 queries one by one, index and
// brute force alternating, and reports the 99th percentile of each and
// their ratio (p99-ratio = index / brute force).
func BenchmarkNearestP99(b *testing.B) {
	rs, qs := baoshanSet(b, benchResources, 2000)
	tr := Travel{SpeedKmh: testSpeedKmh}
	ix := NewIndex(rs, tr)
	var idx, brute []time.Duration
	for b.Loop() {
		idx, brute = idx[:0], brute[:0]
		for _, q := range qs {
			t0 := time.Now()
			ix.Nearest(q)
			t1 := time.Now()
			bruteNearest(rs, tr, q)
			idx, brute = append(idx, t1.Sub(t0)), append(brute, time.Since(t1))
		}
	}
	pi, pb := p99(idx), p99(brute)
	b.ReportMetric(float64(pi.Nanoseconds()), "p99-ns")
	b.ReportMetric(float64(pb.Nanoseconds()), "brute-p99-ns")
	b.ReportMetric(float64(pi)/float64(pb), "p99-ratio")
}

// BenchmarkNewIndex measures a rebuild over 10,000 resources (the index is
// immutable and rebuilt on change).
func BenchmarkNewIndex(b *testing.B) {
	rs, _ := baoshanSet(b, benchResources, 1)
	for b.Loop() {
		NewIndex(rs, Travel{})
	}
}

func p99(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[(len(s)*99+99)/100-1]
}

// TestBaoshanSetAgrees runs the benchmark's data set through the brute-force
// check, so the benchmark measures a search that is right.
func TestBaoshanSetAgrees(t *testing.T) {
	rs, qs := baoshanSet(t, benchResources, 300)
	tr := Travel{SpeedKmh: testSpeedKmh}
	ix := NewIndex(rs, tr)
	for i, q := range qs {
		sameMatches(t, "baoshan query "+strconv.Itoa(i), ix.Nearest(q), bruteNearest(rs, tr, q))
	}
}
