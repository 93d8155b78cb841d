package channel_test

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
	_ "modernc.org/sqlite"

	"github.com/yingji/yingji/internal/core"
	"github.com/yingji/yingji/internal/outbox"
	"github.com/yingji/yingji/internal/outbox/channel"
	"github.com/yingji/yingji/internal/region"
)

// BenchmarkTargeting: 2.64 million recipients (the city's population in
// the 2021 plan) over the real county boundaries. Resolve is compared with
// a plain scan of the same slice with orb's point-in-polygon; enqueue with
// a plain row-by-row prepared INSERT of the same rows in one transaction.
func BenchmarkTargeting(b *testing.B) {
	tree, _ := region.Baoshan()
	land, _ := outbox.NewLand(tree, outbox.Census2020)
	ts := land.Synthetic(2640000, 1)
	ix := outbox.NewIndex(land, ts)
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
	for _, name := range []string{"county-polygon", "city"} {
		a := areas[name]
		b.Run("resolve+enqueue-sqlite/"+name, func(b *testing.B) {
			for i := 0; b.Loop(); i++ {
				b.StopTimer()
				svc, db := openService(b, filepath.Join(b.TempDir(), "bench.db"))
				svc.SetIndex(ix)
				ctx := core.WithActor(context.Background(), core.SystemActor)
				b.StartTimer()
				t, err := svc.Enqueue(ctx, outbox.Message{WarningID: int64(i + 1), Identifier: "b", Level: "red", Area: a})
				if err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(float64(t.Messages), "rows")
				b.StopTimer()
				db.Close()
				b.StartTimer()
			}
		})
	}
	b.Run("baseline-insert-sqlite/county-polygon", func(b *testing.B) {
		rows := ix.Resolve(areas["county-polygon"]).Rows(nil)
		for b.Loop() {
			b.StopTimer()
			_, db := openService(b, filepath.Join(b.TempDir(), "base.db"))
			db.Close()
			raw, _ := sql.Open("sqlite", "file:"+filepath.Join(b.TempDir(), "base.db")+"?_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)")
			raw.Exec(`CREATE TABLE outbox (id INTEGER PRIMARY KEY, message_id INTEGER, recipient_id INTEGER, channel INTEGER, county INTEGER, state TEXT DEFAULT 'queued', due_at INTEGER)`)
			b.StartTimer()
			tx, _ := raw.Begin()
			st, _ := tx.Prepare(`INSERT INTO outbox (message_id, recipient_id, channel, county, due_at) VALUES (?, ?, ?, ?, ?)`)
			for _, r := range rows {
				st.Exec(1, r.RecipientID, int(r.Channel), r.County, 0)
			}
			tx.Commit()
			b.StopTimer()
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
	drain := func(b *testing.B, svc *outbox.Service, s outbox.Sender) {
		w := &outbox.Worker{Service: svc, Sender: s, Batch: 2000, Concurrency: 128}
		ctx := context.Background()
		done := 0
		for done < n {
			k, err := w.Once(ctx)
			if err != nil {
				b.Fatal(err)
			}
			if k == 0 {
				b.Fatalf("stalled at %d", done)
			}
			done += k
		}
	}
	b.Run("outbox-webhook", func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			svc, closeDB := setup(b, outbox.Webhook)
			b.StartTimer()
			drain(b, svc, &channel.WebhookSender{Secret: []byte("k"), Client: client})
			b.StopTimer()
			closeDB()
			b.StartTimer()
		}
		b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "msg/s")
	})
	b.Run("sink-webhook", func(b *testing.B) {
		for b.Loop() {
			hammer(32, n, func() {
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
			s := &channel.SMTPSender{Addr: smtpAddr, From: "a@x.cn", Pool: 32}
			drain(b, svc, s)
			s.Close()
			b.StopTimer()
			closeDB()
			b.StartTimer()
		}
		b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "msg/s")
	})
	b.Run("sink-smtp", func(b *testing.B) {
		s := &channel.SMTPSender{Addr: smtpAddr, From: "a@x.cn", Pool: 32}
		defer s.Close()
		for b.Loop() {
			hammer(32, n, func() { s.Send(context.Background(), m, outbox.Contact{Email: "z@x.cn"}, "k") })
		}
		b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "msg/s")
	})
	_ = peer
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
