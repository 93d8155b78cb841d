package bus_test

import (
	"context"
	"errors"
	"io"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/yingji/yingji/internal/bus"
)

// jsFor returns a plain JetStream client, to look at and damage the
// stream behind a bus's back.
func jsFor(t *testing.T) jetstream.JetStream {
	t.Helper()
	nc, err := nats.Connect(natsURL())
	if err != nil {
		t.Fatalf("NATS with JetStream must be running at %s: %v", natsURL(), err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	return js
}

func TestNATSStreamConfig(t *testing.T) {
	stream, prefix := natsStream(t)
	openNATS(t, stream, prefix, bus.WithMaxAge(2*time.Hour))
	js := jsFor(t)
	ctx := context.Background()
	s, err := js.Stream(ctx, stream)
	if err != nil {
		t.Fatal(err)
	}
	cfg := s.CachedInfo().Config
	if cfg.MaxAge != 2*time.Hour || cfg.Storage != jetstream.FileStorage || cfg.Retention != jetstream.LimitsPolicy {
		t.Errorf("stream: max age %v, storage %v, retention %v; want 2h, file, limits", cfg.MaxAge, cfg.Storage, cfg.Retention)
	}
	if want := []string{prefix + ".alarm.>", prefix + ".reading.>"}; !slices.Equal(cfg.Subjects, want) {
		t.Errorf("subjects %v, want %v", cfg.Subjects, want)
	}
	// A second node with another retention updates the stream in place.
	openNATS(t, stream, prefix, bus.WithMaxAge(3*time.Hour))
	s, err = js.Stream(ctx, stream)
	if err != nil {
		t.Fatal(err)
	}
	if got := s.CachedInfo().Config.MaxAge; got != 3*time.Hour {
		t.Errorf("max age after update %v, want 3h", got)
	}
}

func TestNATSUnreachable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "nats://" + ln.Addr().String()
	ln.Close() // nothing listens there now
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err = bus.NewNATS(ctx, url, "YINGJI_TEST_NONE", []string{"alarm.>"})
	if err == nil || !strings.Contains(err.Error(), url) {
		t.Errorf("NewNATS on a closed port: %v, want an error naming %s", err, url)
	}
}

func TestNATSOutsideStream(t *testing.T) {
	stream, prefix := natsStream(t)
	b := openNATS(t, stream, prefix)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := b.Publish(ctx, "weather.530502", nil); err == nil {
		t.Error("publish outside the stream's subjects succeeded")
	}
	if err := b.PublishAsync("weather.530502", nil); err != nil {
		t.Fatalf("publish async: %v", err)
	}
	if err := b.Flush(ctx); err == nil || !strings.Contains(err.Error(), "weather.530502") {
		t.Errorf("flush after a failed async publish: %v, want an error naming the subject", err)
	}
	if err := b.Flush(ctx); err != nil {
		t.Errorf("second flush: %v, want the failure reported once", err)
	}
}

func TestNATSPublishAsync(t *testing.T) {
	stream, prefix := natsStream(t)
	b := openNATS(t, stream, prefix, bus.WithAsyncWindow(16, 5*time.Second))
	rec := newRecorder()
	subscribe(t, b, "alarm.>", bus.SubOptions{}, rec.handle)
	const n = 500
	for i := range n {
		if err := b.PublishAsync("alarm.530502.raised", []byte(strconv.Itoa(i))); err != nil {
			t.Fatalf("publish async %d: %v", i, err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), patience)
	defer cancel()
	if err := b.Flush(ctx); err != nil {
		t.Fatalf("flush: %v", err)
	}
	for i, ev := range rec.waitN(t, n) {
		if string(ev.Data) != strconv.Itoa(i) {
			t.Fatalf("event %d has data %q", i, ev.Data)
		}
	}
}

func TestNATSDurableOtherFilter(t *testing.T) {
	stream, prefix := natsStream(t)
	b := openNATS(t, stream, prefix)
	sub := subscribe(t, b, "alarm.>", bus.SubOptions{Durable: "notifier"}, func(bus.Event) {})
	if err := sub.Unsubscribe(); err != nil {
		t.Fatal(err)
	}
	_, err := b.Subscribe(context.Background(), "reading.>", bus.SubOptions{Durable: "notifier"}, func(bus.Event) {})
	if !errors.Is(err, bus.ErrConflict) {
		t.Errorf("durable under another filter: %v, want ErrConflict", err)
	}
}

// TestNATSConsumerLost deletes a subscription's consumer on the server, as
// an administrator or a server losing its state would, once before any
// event and once after some: each time the subscription must re-create it
// where it left off, without replaying older history.
func TestNATSConsumerLost(t *testing.T) {
	for _, durable := range []string{"", "node1"} {
		t.Run("durable="+durable, func(t *testing.T) {
			stream, prefix := natsStream(t)
			b := openNATS(t, stream, prefix)
			publish(t, b, "alarm.530502.raised", "history")
			rec := newRecorder()
			subscribe(t, b, "alarm.>", bus.SubOptions{Durable: durable}, rec.handle)
			js := jsFor(t)

			deleteConsumers(t, js, stream)
			for i := range 3 {
				publish(t, b, "alarm.530502.raised", strconv.Itoa(i))
			}
			rec.waitData(t, "2")
			deleteConsumers(t, js, stream)
			for i := 3; i < 6; i++ {
				publish(t, b, "alarm.530502.raised", strconv.Itoa(i))
			}
			want := []string{"0", "1", "2", "3", "4", "5"}
			if got := datas(rec.waitData(t, "5")); !slices.Equal(got, want) {
				t.Errorf("got %v, want %v", got, want)
			}
		})
	}
}

func deleteConsumers(t *testing.T, js jetstream.JetStream, stream string) {
	t.Helper()
	ctx := context.Background()
	s, err := js.Stream(ctx, stream)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for name := range s.ConsumerNames(ctx).Name() {
		names = append(names, name)
	}
	if len(names) != 1 {
		t.Fatalf("stream has consumers %v, want one", names)
	}
	// The server can fail to remove a durable's directory while it still
	// writes the consumer's state ("directory not empty"); the consumer
	// is gone all the same once a retry succeeds or finds nothing.
	for range 10 {
		err = js.DeleteConsumer(ctx, stream, names[0])
		if err == nil || errors.Is(err, jetstream.ErrConsumerNotFound) {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("delete consumer %s: %v", names[0], err)
}

// TestNATSReconnect cuts the bus's connection, through a proxy, while
// events are published elsewhere: after reconnecting it must receive them,
// and publish again.
func TestNATSReconnect(t *testing.T) {
	stream, prefix := natsStream(t)
	p := newProxy(t, strings.TrimPrefix(natsURL(), "nats://"))
	direct := openNATS(t, stream, prefix)

	ctx, cancel := context.WithTimeout(context.Background(), patience)
	defer cancel()
	// An event the server sent just before it noticed the old connection
	// was gone is delivered again after the ack wait, out of order.
	proxied, err := bus.NewNATS(ctx, "nats://"+p.addr(), stream, []string{"alarm.>", "reading.>"},
		bus.WithSubjectPrefix(prefix), bus.WithMaxAge(time.Hour), bus.WithAckWait(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	defer proxied.Close()
	rec := newRecorder()
	subscribe(t, proxied, "alarm.>", bus.SubOptions{}, rec.handle)
	publish(t, direct, "alarm.530502.raised", "0")
	rec.waitN(t, 1)

	p.cut()
	for i := 1; i <= 3; i++ {
		publish(t, direct, "alarm.530502.raised", strconv.Itoa(i))
	}
	if err := proxied.Publish(ctx, "alarm.530502.raised", []byte("4")); err != nil {
		t.Fatalf("publish through the reconnected bus: %v", err)
	}
	// Delivery is at least once: an acknowledgement lost in the cut
	// brings its event again, so only the distinct events are compared.
	want := []string{"0", "1", "2", "3", "4"}
	distinct := func(evs []bus.Event) []string {
		d := datas(evs)
		slices.Sort(d)
		return slices.Compact(d)
	}
	got := distinct(rec.waitFor(t, func(evs []bus.Event) bool { return len(distinct(evs)) >= len(want) }, "5 distinct events"))
	if !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

// proxy forwards TCP connections to a server and can cut them all, which
// is how a network fault looks to the client, without touching the shared
// server.
type proxy struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	conns  []net.Conn
}

func newProxy(t *testing.T, target string) *proxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{ln: ln, target: target}
	go p.accept()
	t.Cleanup(func() {
		ln.Close()
		p.cut()
	})
	return p
}

func (p *proxy) addr() string { return p.ln.Addr().String() }

func (p *proxy) accept() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		s, err := net.Dial("tcp", p.target)
		if err != nil {
			c.Close()
			continue
		}
		p.mu.Lock()
		p.conns = append(p.conns, c, s)
		p.mu.Unlock()
		go func() { _, _ = io.Copy(s, c); s.Close() }()
		go func() { _, _ = io.Copy(c, s); c.Close() }()
	}
}

func (p *proxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}
