package channel_test

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
	_ "modernc.org/sqlite"

	"github.com/yingji/yingji/internal/core"
	"github.com/yingji/yingji/internal/outbox"
	"github.com/yingji/yingji/internal/outbox/channel"
	"github.com/yingji/yingji/internal/region"
	"github.com/yingji/yingji/internal/store/storetest"
)

// BenchmarkTargeting: 2.64 million recipients (the city's population in
// the 2021 plan) over the real county boundaries. Resolve is compared with
// a plain scan of the same slice with orb's point-in-polygon; enqueue with
// a plain row-by-row prepared INSERT of the same rows in one transaction.
func BenchmarkTargeting(b *testing.B) {
	tree, _ := region.Baoshan()
	land, _ := outbox.NewLand(tree, outbox.Census2020())
	ts := land.Synthetic(2640000, 1)
	var m0, m1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m0)
	t0 := time.Now()
	ix := outbox.NewIndex(land, ts)
	built := time.Since(t0)
	runtime.GC()
	runtime.ReadMemStats(&m1)
	b.Run("index-build", func(b *testing.B) {
		for b.Loop() {
		}
		b.ReportMetric(built.Seconds(), "build-s")
		b.ReportMetric(float64(m1.HeapAlloc-m0.HeapAlloc)/float64(len(ts)), "heap-B/recipient")
	})
	county, _ := tree.Boundary("530502")
	city := outbox.Area{Divisions: []string{"530500"}}
	areas := map[string]outbox.Area{"county-polygon": {Polygons: county}, "city": city}
	for _, name := range []string{"county-polygon", "city"} {
		a := areas[name]
		b.Run("resolve/"+name, func(b *testing.B) {
			for b.Loop() {
				m := ix.Resolve(a)
				b.ReportMetric(float64(m.Len()), "recipients")
			}
		})
	}
	b.Run("baseline-scan/county-polygon", func(b *testing.B) {
		for b.Loop() {
			n := 0
			for i := range ts {
				if planar.MultiPolygonContains(county, orb.Point{ts[i].Lon, ts[i].Lat}) {
					n++
				}
			}
			b.ReportMetric(float64(n), "recipients")
		}
	})
	for _, backend := range []string{"sqlite", "postgres"} {
		for _, name := range []string{"county-polygon", "city"} {
			a := areas[name]
			b.Run("resolve+enqueue-"+backend+"/"+name, func(b *testing.B) {
				for i := 0; b.Loop(); i++ {
					b.StopTimer()
					dsn := filepath.Join(b.TempDir(), "bench.db")
					if backend == "postgres" {
						dsn = storetest.PostgresSchema(b)
					}
					svc, db := openService(b, dsn)
					svc.SetIndex(ix)
					ctx := core.WithActor(context.Background(), core.SystemActor)
					c0 := cpuTime()
					b.StartTimer()
					t, err := svc.Enqueue(ctx, outbox.Message{WarningID: int64(i + 1), Identifier: "b", Level: "red", Area: a})
					if err != nil {
						b.Fatal(err)
					}
					b.StopTimer()
					b.ReportMetric(float64(t.Messages), "rows")
					b.ReportMetric((cpuTime() - c0).Seconds(), "cpu-s")
					db.Close()
					b.StartTimer()
				}
			})
		}
	}
	b.Run("baseline-copy-postgres/county-polygon", func(b *testing.B) {
		rows := ix.Resolve(areas["county-polygon"]).Rows(nil)
		for b.Loop() {
			b.StopTimer()
			ctx := context.Background()
			conn, err := pgx.Connect(ctx, storetest.PostgresSchema(b))
			if err != nil {
				b.Fatal(err)
			}
			conn.Exec(ctx, `CREATE TABLE outbox (id BIGSERIAL PRIMARY KEY, message_id BIGINT, recipient_id BIGINT, channel INTEGER, county INTEGER, state TEXT DEFAULT 'queued', due_at BIGINT)`)
			c0 := cpuTime()
			b.StartTimer()
			i := 0
			_, err = conn.CopyFrom(ctx, pgx.Identifier{"outbox"}, []string{"message_id", "recipient_id", "channel", "county", "due_at"}, pgx.CopyFromFunc(func() ([]any, error) {
				if i >= len(rows) {
					return nil, nil
				}
				r := rows[i]
				i++
				return []any{int64(1), r.RecipientID, int32(r.Channel), r.County, int64(0)}, nil
			}))
			b.StopTimer()
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric((cpuTime() - c0).Seconds(), "cpu-s")
			b.ReportMetric(float64(len(rows)), "rows")
			conn.Close(ctx)
			b.StartTimer()
		}
	})
	b.Run("baseline-insert-sqlite/county-polygon", func(b *testing.B) {
		rows := ix.Resolve(areas["county-polygon"]).Rows(nil)
		for b.Loop() {
			b.StopTimer()
			_, db := openService(b, filepath.Join(b.TempDir(), "base.db"))
			db.Close()
			raw, _ := sql.Open("sqlite", "file:"+filepath.Join(b.TempDir(), "base.db")+"?_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)")
			raw.Exec(`CREATE TABLE outbox (id INTEGER PRIMARY KEY, message_id INTEGER, recipient_id INTEGER, channel INTEGER, county INTEGER, state TEXT DEFAULT 'queued', due_at INTEGER)`)
			c0 := cpuTime()
			b.StartTimer()
			tx, _ := raw.Begin()
			st, _ := tx.Prepare(`INSERT INTO outbox (message_id, recipient_id, channel, county, due_at) VALUES (?, ?, ?, ?, ?)`)
			for _, r := range rows {
				st.Exec(1, r.RecipientID, int(r.Channel), r.County, 0)
			}
			tx.Commit()
			b.StopTimer()
			b.ReportMetric((cpuTime() - c0).Seconds(), "cpu-s")
			raw.Close()
			b.StartTimer()
			b.ReportMetric(float64(len(rows)), "rows")
		}
	})
}

// BenchmarkThroughput: the outbox's webhook and SMTP workers against local
// sinks, each beside the sink's own capacity (a plain client hammering the
// sink with the same concurrency).
func BenchmarkThroughput(b *testing.B) {
	var hits atomic.Int64
	sink := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.WriteHeader(204)
	}))
	defer sink.Close()
	tr := &http.Transport{MaxIdleConnsPerHost: 64}
	client := &http.Client{Transport: tr}
	peer, smtpAddr := startSMTP(b)
	const n = 20000
	setup := func(b *testing.B, ch outbox.Channel) (*outbox.Service, func()) {
		svc, db := openService(b, filepath.Join(b.TempDir(), "tp.db"))
		ctx := core.WithActor(context.Background(), core.SystemActor)
		var rs []outbox.Recipient
		for i := range n {
			r := outbox.Recipient{Kind: outbox.Staff, Name: fmt.Sprint(i), Division: "530502", Enabled: true}
			if ch == outbox.Webhook {
				r.Webhook = sink.URL + "/h"
			} else {
				r.Email = fmt.Sprintf("u%d@x.cn", i)
			}
			rs = append(rs, r)
		}
		if _, err := svc.Import(ctx, rs); err != nil {
			b.Fatal(err)
		}
		if _, err := svc.Enqueue(ctx, outbox.Message{WarningID: 1, Identifier: "t", Level: "red", Headline: "吞吐", Area: outbox.Area{Divisions: []string{"530502"}}}); err != nil {
			b.Fatal(err)
		}
		return svc, func() { db.Close() }
	}
	// drain runs a worker until the sink has all n messages.
	drain := func(b *testing.B, svc *outbox.Service, s outbox.Sender, arrived func() int64) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		start := arrived()
		go (&outbox.Worker{Service: svc, Sender: s, Batch: 1000, Concurrency: 64}).Run(ctx)
		deadline := time.Now().Add(5 * time.Minute)
		for arrived()-start < n {
			if time.Now().After(deadline) {
				b.Fatalf("stalled at %d", arrived()-start)
			}
			time.Sleep(time.Millisecond)
		}
	}
	b.Run("outbox-webhook", func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			svc, closeDB := setup(b, outbox.Webhook)
			b.StartTimer()
			drain(b, svc, &channel.WebhookSender{Secret: []byte("k"), Client: client}, hits.Load)
			b.StopTimer()
			closeDB()
			b.StartTimer()
		}
		b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "msg/s")
	})
	b.Run("sink-webhook", func(b *testing.B) {
		for b.Loop() {
			hammer(64, n, func() {
				resp, err := client.Post(sink.URL, "application/json", strings.NewReader(`{}`))
				if err == nil {
					resp.Body.Close()
				}
			})
		}
		b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "msg/s")
	})
	m := &outbox.MessageBody{Headline: "吞吐", Level: "red", Sent: time.Now()}
	b.Run("outbox-smtp", func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			svc, closeDB := setup(b, outbox.Email)
			b.StartTimer()
			s := &channel.SMTPSender{Addr: smtpAddr, From: "a@x.cn", Pool: 64}
			drain(b, svc, s, peer.count)
			s.Close()
			b.StopTimer()
			closeDB()
			b.StartTimer()
		}
		b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "msg/s")
	})
	b.Run("sink-smtp", func(b *testing.B) {
		s := &channel.SMTPSender{Addr: smtpAddr, From: "a@x.cn", Pool: 64}
		defer s.Close()
		for b.Loop() {
			hammer(64, n, func() { s.Send(context.Background(), m, outbox.Contact{Email: "z@x.cn"}, "k") })
		}
		b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "msg/s")
	})
}

func hammer(workers, n int, fn func()) {
	var wg sync.WaitGroup
	var next atomic.Int64
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(n) {
				fn()
			}
		}()
	}
	wg.Wait()
}

// cpuTime is the process's user+system CPU time: on a shared machine the
// wall time includes other people's work.
func cpuTime() time.Duration {
	var r syscall.Rusage
	syscall.Getrusage(0, &r)
	return time.Duration(r.Utime.Nano() + r.Stime.Nano())
}

// BenchmarkFirstMessage measures from Enqueue (what publishing a warning
// calls) to the first message arriving at a webhook sink, with the worker
// idle and waiting, beside the sink's own round trip.
func BenchmarkFirstMessage(b *testing.B) {
	arrived := make(chan time.Time, 16)
	sink := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		arrived <- time.Now()
		w.WriteHeader(204)
	}))
	defer sink.Close()
	svc, db := openService(b, filepath.Join(b.TempDir(), "first.db"))
	defer db.Close()
	ctx, cancel := context.WithCancel(core.WithActor(context.Background(), core.SystemActor))
	defer cancel()
	if _, err := svc.Import(ctx, []outbox.Recipient{{Kind: outbox.Staff, Name: "值班", Division: "530502", Webhook: sink.URL, Enabled: true}}); err != nil {
		b.Fatal(err)
	}
	go (&outbox.Worker{Service: svc, Sender: &channel.WebhookSender{Secret: []byte("k")}}).Run(ctx)
	pct := func(ds []time.Duration, p float64) float64 {
		sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
		return float64(ds[int(math.Ceil(p*float64(len(ds))))-1]) / float64(time.Millisecond)
	}
	b.Run("enqueue-to-arrival", func(b *testing.B) {
		var ds []time.Duration
		for i := 0; b.Loop(); i++ {
			time.Sleep(20 * time.Millisecond) // the worker is idle, waiting
			t0 := time.Now()
			if _, err := svc.Enqueue(ctx, outbox.Message{WarningID: int64(i + 1), Identifier: "f", Level: "red", Area: outbox.Area{Divisions: []string{"530502"}}}); err != nil {
				b.Fatal(err)
			}
			ds = append(ds, (<-arrived).Sub(t0))
		}
		b.ReportMetric(pct(ds, 0.5), "p50-ms")
		b.ReportMetric(pct(ds, 0.99), "p99-ms")
	})
	b.Run("baseline-sink-roundtrip", func(b *testing.B) {
		var ds []time.Duration
		for b.Loop() {
			t0 := time.Now()
			resp, err := http.Post(sink.URL, "application/json", strings.NewReader("{}"))
			if err != nil {
				b.Fatal(err)
			}
			resp.Body.Close()
			ds = append(ds, (<-arrived).Sub(t0))
		}
		b.ReportMetric(pct(ds, 0.5), "p50-ms")
		b.ReportMetric(pct(ds, 0.99), "p99-ms")
	})
}
