package bus_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/yingji/yingji/internal/bus"
)

// The benchmarks measure publish → deliver throughput: the clock runs from
// the first publish until the subscriber has received the last event. Each
// bus is measured beside a baseline in the same run, so that the figures
// to compare are ratios, not absolute rates that depend on the machine:
//
//	go test -run '^$' -bench . -benchtime 2s ./internal/bus/
//
// In process the baseline is a plain buffered channel hand-off between two
// goroutines; over NATS it is core NATS publish/subscribe, which stores
// nothing and acknowledges nothing.

// payload is the size of a typical alarm transition on the wire.
var payload = []byte(`{"alarm":184467,"point":"530502-TSF-001-FB-01","level":"orange","state":"raised","value":1.27,"unit":"m"}`)

// counter closes done when it has counted want events.
type counter struct {
	n, want atomic.Int64
	done    chan struct{}
}

func newCounter(want int) *counter {
	c := &counter{done: make(chan struct{})}
	c.want.Store(int64(want))
	return c
}

func (c *counter) add() {
	if c.n.Add(1) == c.want.Load() {
		close(c.done)
	}
}

func (c *counter) wait(b *testing.B) {
	b.Helper()
	select {
	case <-c.done:
	case <-time.After(time.Minute):
		b.Fatalf("delivered %d of %d events", c.n.Load(), c.want.Load())
	}
}

func report(b *testing.B) {
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}

func BenchmarkInProcess(b *testing.B) {
	b.Run("baseline=channel", func(b *testing.B) {
		ch := make(chan bus.Event, bus.DefaultBuffer)
		c := newCounter(b.N)
		go func() {
			for range ch {
				c.add()
			}
		}()
		defer close(ch)
		b.ResetTimer()
		for range b.N {
			ch <- bus.Event{Subject: "alarm.530502.raised", Data: payload, Time: time.Now()}
		}
		c.wait(b)
		report(b)
	})
	for _, bc := range []struct {
		name string
		opts bus.SubOptions
	}{
		{"bus=lossless", bus.SubOptions{}},
		{"bus=lossy", bus.SubOptions{Lossy: true, Buffer: 1 << 20}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			bs := bus.NewInProcess()
			defer bs.Close()
			c := newCounter(b.N)
			subscribe(b, bs, "alarm.*.raised", bc.opts, func(bus.Event) { c.add() })
			// Subscriptions that match nothing show what matching costs.
			for _, p := range []string{"reading.>", "alarm.530581.>", "incident.*.opened"} {
				subscribe(b, bs, p, bus.SubOptions{}, func(bus.Event) {})
			}
			ctx := context.Background()
			b.ResetTimer()
			for range b.N {
				if err := bs.Publish(ctx, "alarm.530502.raised", payload); err != nil {
					b.Fatal(err)
				}
			}
			c.wait(b)
			report(b)
		})
	}
}

func BenchmarkNATS(b *testing.B) {
	b.Run("baseline=core", func(b *testing.B) {
		pub, sub := natsConn(b), natsConn(b)
		c := newCounter(b.N)
		s, err := sub.Subscribe("bench.alarm.530502.raised", func(*nats.Msg) { c.add() })
		if err != nil {
			b.Fatal(err)
		}
		// Core NATS drops for slow consumers; the baseline must not win
		// by losing messages.
		if err := s.SetPendingLimits(-1, -1); err != nil {
			b.Fatal(err)
		}
		if err := sub.Flush(); err != nil {
			b.Fatal(err)
		}
		b.ResetTimer()
		for range b.N {
			if err := pub.Publish("bench.alarm.530502.raised", payload); err != nil {
				b.Fatal(err)
			}
		}
		c.wait(b)
		report(b)
	})
	b.Run("bus=jetstream-sync", func(b *testing.B) {
		pub, c := natsBenchPair(b)
		ctx := context.Background()
		b.ResetTimer()
		for range b.N {
			if err := pub.Publish(ctx, "alarm.530502.raised", payload); err != nil {
				b.Fatal(err)
			}
		}
		c.wait(b)
		report(b)
	})
	b.Run("bus=jetstream-async", func(b *testing.B) {
		pub, c := natsBenchPair(b)
		b.ResetTimer()
		for range b.N {
			if err := pub.PublishAsync("alarm.530502.raised", payload); err != nil {
				b.Fatal(err)
			}
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := pub.Flush(ctx); err != nil {
			b.Fatal(err)
		}
		c.wait(b)
		report(b)
	})
}

func natsConn(b *testing.B) *nats.Conn {
	b.Helper()
	nc, err := nats.Connect(natsURL())
	if err != nil {
		b.Fatalf("NATS must be running at %s (set YINGJI_TEST_NATS to use another): %v", natsURL(), err)
	}
	b.Cleanup(nc.Close)
	return nc
}

// natsBenchPair opens a publishing and a subscribing bus on a fresh
// stream, as two platform nodes would be, and counts b.N deliveries.
func natsBenchPair(b *testing.B) (*bus.NATS, *counter) {
	b.Helper()
	stream, prefix := natsStream(b)
	pub := openNATS(b, stream, prefix, bus.WithAsyncWindow(1024, 10*time.Second))
	sub := openNATS(b, stream, prefix)
	c := newCounter(b.N)
	subscribe(b, sub, "alarm.*.raised", bus.SubOptions{}, func(bus.Event) { c.add() })
	return pub, c
}
