package rules

import (
	"runtime"
	"testing"
	"time"
)

// benchPoints is the size of the national hazardous-chemical monitoring
// network (MEM, 2022).
const benchPoints = 440_000

// benchStride visits the points in a scattered order, as readings from
// thousands of devices arrive, so that neither the engine nor the baseline
// enjoys sequential access. It is prime, hence coprime with benchPoints.
const benchStride = 7919

// benchValues are the readings: normal (50) except one in 500, which
// crosses a threshold level and comes back with the point's next reading.
var benchValues = func() []float64 {
	v := make([]float64, 4096)
	for i := range v {
		v[i] = 50 + float64(i%7)
		if i%500 == 499 {
			v[i] = 65 + float64(i%4)*10
		}
	}
	return v
}()

var thresholdRule = []Rule{{Type: Threshold, Direction: High, Deadband: 1,
	Thresholds: Thresholds{Blue: 60, Yellow: 70, Orange: 80, Red: 90}}}

// BenchmarkEval measures threshold evaluations over 440,000 points; compare
// its evals/s with BenchmarkEvalBaseline's from the same run.
func BenchmarkEval(b *testing.B) {
	benchEval(b, thresholdRule)
}

// BenchmarkEvalThreeRules is the same with the threshold, rate-of-change
// and stale rules of a typical point, and group membership.
func BenchmarkEvalThreeRules(b *testing.B) {
	benchEval(b, threeRules)
}

func benchEval(b *testing.B, rules []Rule) {
	e := newEngine(b, benchPoints, rules)
	buf := make([]Transition, 0, 64)
	id, ts, transitions := 0, int64(0), 0
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ts++
		buf, _ = e.Eval(buf[:0], PointID(id), ts, benchValues[i&4095])
		transitions += len(buf)
		if id += benchStride; id >= benchPoints {
			id -= benchPoints
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "evals/s")
	b.ReportMetric(float64(transitions)/float64(b.N), "transitions/eval")
}

// BenchmarkEvalBaseline is the floor any rule engine sits on: per reading,
// index the point's record, compare the value with one threshold and
// record the reading's time, over the same points, order and values.
func BenchmarkEvalBaseline(b *testing.B) {
	type rec struct {
		threshold float64
		last      int64
	}
	pts := make([]rec, benchPoints)
	for i := range pts {
		pts[i].threshold = 60
	}
	id, ts, hits := 0, int64(0), 0
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ts++
		p := &pts[id]
		if benchValues[i&4095] >= p.threshold {
			hits++
		}
		p.last = ts
		if id += benchStride; id >= benchPoints {
			id -= benchPoints
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "evals/s")
	baselineHits = hits
}

// baselineHits keeps the baseline's comparisons from being optimised away.
var baselineHits int

// BenchmarkMemory sets up 440,000 points with three rules each (threshold,
// rate of change with its ring, stale) in groups of 40, and reports the
// heap they hold per point. Its ns/op is the time to set them all up.
func BenchmarkMemory(b *testing.B) {
	var perPoint float64
	for i := 0; i < b.N; i++ {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		e := newEngine(b, benchPoints, threeRules)
		runtime.GC()
		runtime.ReadMemStats(&after)
		perPoint = float64(after.HeapAlloc-before.HeapAlloc) / benchPoints
		runtime.KeepAlive(e)
	}
	b.ReportMetric(perPoint, "bytes/point")
	b.ReportMetric(perPoint*benchPoints/(1<<20), "MiB")
}

// BenchmarkTick measures one Tick over 440,000 points of which none is due,
// the common case for a once-a-second tick.
func BenchmarkTick(b *testing.B) {
	e := newEngine(b, benchPoints, threeRules)
	// Every point reported within the last 10 s; stale rules expire after
	// 3 intervals of 10 s, so at 20 s nothing is due yet.
	var buf []Transition
	for i := range benchPoints {
		buf, _ = e.Eval(buf[:0], PointID(i), int64(i%10_000), 50)
	}
	now := int64(20_000)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		buf = e.Tick(buf[:0], now)
	}
	if len(buf) != 0 {
		b.Fatalf("Tick found %d transitions; nothing should be due", len(buf))
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(time.Millisecond), "ms/tick")
}
