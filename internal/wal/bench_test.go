//go:build linux || darwin

package wal

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// benchRecord is about the size of an encoded MQTT message of three
// readings, the unit the ingestion path appends.
var benchRecord = make([]byte, 64)

// achieved remembers, per BenchmarkAppend variant, the records per fsync
// and records/s the log reached, so that BenchmarkBaselineWriteSync can
// replay the same fsync cadence on a plain file and report the ratio.
var achieved sync.Map // name → [2]float64{records per fsync, records/s}

// cpuTime is the user+system CPU this process has used. CPU per record
// matters more than wall time here: the journal shares two cores with the
// broker, validation and rules.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkAppend measures the log on the real disk (fsync on) with
// appenders in parallel. "async" appenders never wait (the broker queues
// PUBACKs from done); "inflight-N" appenders each wait for their record,
// so at most N records are in flight, like N QoS 1 publishers.
func BenchmarkAppend(b *testing.B) {
	variants := []struct {
		name       string
		delay      time.Duration
		goroutines int
		sync       bool
	}{
		{"async/window=1ms", time.Millisecond, 8, false},
		{"async/window=0", -1, 8, false},
		{"inflight-64/window=1ms", time.Millisecond, 64, true},
		{"inflight-64/window=0", -1, 64, true},
		{"inflight-512/window=1ms", time.Millisecond, 512, true},
	}
	for _, v := range variants {
		b.Run(v.name, func(b *testing.B) {
			l := mustOpen(b, b.TempDir(), Options{MaxBatchDelay: v.delay})
			var acked atomic.Int64
			all := make(chan struct{})
			done := func(_ LSN, err error) {
				if err != nil {
					b.Error(err)
				}
				if acked.Add(1) == int64(b.N) {
					close(all)
				}
			}
			b.SetBytes(int64(len(benchRecord)))
			procs := runtime.GOMAXPROCS(0)
			b.SetParallelism((v.goroutines + procs - 1) / procs)
			cpu0 := cpuTime()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				ctx := context.Background()
				for pb.Next() {
					if v.sync {
						lsn, err := l.AppendSync(ctx, benchRecord)
						done(lsn, err)
					} else if err := l.Append(ctx, benchRecord, done); err != nil {
						b.Error(err)
					}
				}
			})
			<-all
			b.StopTimer()
			report(b, l.Stats(), cpuTime()-cpu0)
			if err := l.Close(); err != nil {
				b.Fatal(err)
			}
		})
	}
}

func report(b *testing.B, st Stats, cpu time.Duration) {
	perSync := float64(st.SyncedRecords) / float64(max(st.Fsyncs, 1))
	rate := float64(b.N) / b.Elapsed().Seconds()
	b.ReportMetric(rate, "records/s")
	b.ReportMetric(perSync, "records/fsync")
	b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "cpu-µs/record")
	achieved.Store(b.Name(), [2]float64{perSync, rate})
}

// BenchmarkAppendPaced offers 50,000 records/s, the ingestion target in
// messages of three readings, from one producer and reports the cost at that
// rate: CPU cores used (producer included; "producer-only" runs the same
// loop without a log, to subtract) and acknowledgement latency.
func BenchmarkAppendPaced(b *testing.B) {
	for _, v := range []struct {
		name  string
		delay time.Duration
		nolog bool
	}{{"window=1ms", time.Millisecond, false}, {"window=0", -1, false}, {"producer-only", 0, true}} {
		b.Run(v.name, func(b *testing.B) { benchPaced(b, v.delay, v.nolog) })
	}
}

func benchPaced(b *testing.B, delay time.Duration, nolog bool) {
	const rate = 50_000
	l := mustOpen(b, b.TempDir(), Options{MaxBatchDelay: delay})
	defer l.Close()
	lat := make([]time.Duration, b.N)
	start := make([]time.Time, b.N)
	all := make(chan struct{})
	var n int
	done := func(lsn LSN, err error) {
		if err != nil {
			b.Error(err)
		}
		lat[lsn-1] = time.Since(start[lsn-1])
		if n++; n == b.N {
			close(all)
		}
	}
	cpu0 := cpuTime()
	b.ResetTimer()
	t0 := time.Now()
	for i := range b.N {
		// Sleep in steps of 1 ms or more, as a broker receiving bursts
		// would deliver them.
		if due := t0.Add(time.Duration(i) * time.Second / rate); time.Until(due) > time.Millisecond {
			time.Sleep(time.Until(due))
		}
		start[i] = time.Now()
		if nolog {
			done(LSN(i+1), nil)
		} else if err := l.Append(context.Background(), benchRecord, done); err != nil {
			b.Fatal(err)
		}
	}
	<-all
	b.StopTimer()
	cpu := cpuTime() - cpu0
	st := l.Stats()
	slices.Sort(lat)
	b.ReportMetric(float64(st.SyncedRecords)/float64(max(st.Fsyncs, 1)), "records/fsync")
	b.ReportMetric(cpu.Seconds()/b.Elapsed().Seconds(), "cores")
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-ack-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-ack-µs")
}

// BenchmarkBaselineWriteSync writes the same framed bytes to a plain file
// with one write and one fsync per batch: per batch size each
// BenchmarkAppend variant achieved in this run ("like=…", with the ratio
// log/raw of records/s), and per 1 ms of a single tight producer. This is
// the raw disk the log is measured against.
func BenchmarkBaselineWriteSync(b *testing.B) {
	type target struct {
		name    string
		batch   int
		logRate float64
	}
	var targets []target
	achieved.Range(func(k, v any) bool {
		a := v.([2]float64)
		targets = append(targets, target{"like=" + filepath.Base(filepath.Dir(k.(string))) + "/" +
			filepath.Base(k.(string)), max(int(a[0]+0.5), 1), a[1]})
		return true
	})
	slices.SortFunc(targets, func(x, y target) int { return x.batch - y.batch })
	targets = append(targets, target{name: "per-1ms"})
	frame := appendFrame(nil, 1, benchRecord)
	for _, tg := range targets {
		b.Run(tg.name, func(b *testing.B) {
			f, err := os.Create(filepath.Join(b.TempDir(), "raw"))
			if err != nil {
				b.Fatal(err)
			}
			defer f.Close()
			buf := make([]byte, 0, 1<<20)
			flush := func() {
				if _, err := f.Write(buf); err != nil {
					b.Fatal(err)
				}
				if err := f.Sync(); err != nil {
					b.Fatal(err)
				}
				buf = buf[:0]
			}
			b.SetBytes(int64(len(benchRecord)))
			cpu0 := cpuTime()
			b.ResetTimer()
			last := time.Now()
			for i := range b.N {
				buf = append(buf, frame...)
				switch {
				case tg.batch > 0 && (i+1)%tg.batch == 0:
					flush()
				case tg.batch == 0 && time.Since(last) >= time.Millisecond:
					flush()
					last = time.Now()
				}
			}
			if len(buf) > 0 {
				flush()
			}
			b.StopTimer()
			rate := float64(b.N) / b.Elapsed().Seconds()
			b.ReportMetric(rate, "records/s")
			b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/float64(b.N), "cpu-µs/record")
			if tg.logRate > 0 {
				b.ReportMetric(tg.logRate/rate, "log/raw")
			}
		})
	}
}
