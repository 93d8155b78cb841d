package bus_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/yingji/yingji/internal/bus"
)

// natsURL is the server the tests use: the one every development machine
// and CI run has, unless YINGJI_TEST_NATS names another.
func natsURL() string {
	if u := os.Getenv("YINGJI_TEST_NATS"); u != "" {
		return u
	}
	return "nats://127.0.0.1:4222"
}

// patience bounds every wait for an event. It is not a performance
// assertion: on a healthy machine each wait ends within milliseconds, and
// running into it means an event was lost.
const patience = 15 * time.Second

// backend is one implementation under the conformance suite. setup
// prepares what the buses of one test share and returns a function that
// opens a bus on it, closed when the test ends.
type backend struct {
	name  string
	setup func(t *testing.T) (open func() bus.Bus)
	// shared says that buses opened by one setup see each other's events,
	// as nodes on one NATS stream do, and that the stream keeps history.
	shared bool
}

func backends() []backend {
	return []backend{
		{name: "inprocess", setup: func(t *testing.T) func() bus.Bus {
			return func() bus.Bus {
				b := bus.NewInProcess()
				t.Cleanup(func() { b.Close() })
				return b
			}
		}},
		{name: "nats", shared: true, setup: func(t *testing.T) func() bus.Bus {
			stream, prefix := natsStream(t)
			return func() bus.Bus {
				return openNATS(t, stream, prefix)
			}
		}},
	}
}

// natsStream reserves a stream name and subject prefix for one test and
// deletes the stream when the test ends. An unreachable server fails the
// test: the NATS half of the suite is what proves the multi-node setup.
func natsStream(t testing.TB) (stream, prefix string) {
	t.Helper()
	var b [6]byte
	_, _ = rand.Read(b[:])
	suffix := hex.EncodeToString(b[:])
	stream, prefix = "YINGJI_TEST_"+suffix, "t"+suffix

	nc, err := nats.Connect(natsURL(), nats.Timeout(5*time.Second))
	if err != nil {
		t.Fatalf("NATS with JetStream must be running at %s (set YINGJI_TEST_NATS to use another): %v", natsURL(), err)
	}
	t.Cleanup(func() {
		defer nc.Close()
		js, err := jetstream.New(nc)
		if err != nil {
			t.Errorf("jetstream: %v", err)
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := js.DeleteStream(ctx, stream); err != nil && !errors.Is(err, jetstream.ErrStreamNotFound) {
			t.Errorf("delete stream %s: %v", stream, err)
		}
	})
	return stream, prefix
}

func openNATS(t testing.TB, stream, prefix string, opts ...bus.NATSOption) *bus.NATS {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	opts = append([]bus.NATSOption{bus.WithSubjectPrefix(prefix), bus.WithMaxAge(time.Hour)}, opts...)
	b, err := bus.NewNATS(ctx, natsURL(), stream, []string{"alarm.>", "reading.>"}, opts...)
	if err != nil {
		t.Fatalf("NATS with JetStream must be running at %s (set YINGJI_TEST_NATS to use another): %v", natsURL(), err)
	}
	t.Cleanup(func() {
		if err := b.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return b
}

// recorder collects the events a handler receives.
type recorder struct {
	mu     sync.Mutex
	events []bus.Event
	more   chan struct{} // signalled after each event
}

func newRecorder() *recorder { return &recorder{more: make(chan struct{}, 1)} }

func (r *recorder) handle(ev bus.Event) {
	r.mu.Lock()
	r.events = append(r.events, ev)
	r.mu.Unlock()
	select {
	case r.more <- struct{}{}:
	default:
	}
}

func (r *recorder) snapshot() []bus.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.events)
}

// waitN waits until at least n events have arrived and returns them all.
func (r *recorder) waitN(t testing.TB, n int) []bus.Event {
	t.Helper()
	return r.waitFor(t, func(evs []bus.Event) bool { return len(evs) >= n }, "%d events", n)
}

// waitData waits for an event carrying data, which marks the end of a
// sequence, and returns everything received.
func (r *recorder) waitData(t testing.TB, data string) []bus.Event {
	t.Helper()
	return r.waitFor(t, func(evs []bus.Event) bool {
		return slices.ContainsFunc(evs, func(ev bus.Event) bool { return string(ev.Data) == data })
	}, "an event with data %q", data)
}

func (r *recorder) waitFor(t testing.TB, done func([]bus.Event) bool, what string, args ...any) []bus.Event {
	t.Helper()
	timeout := time.After(patience)
	for {
		evs := r.snapshot()
		if done(evs) {
			return evs
		}
		select {
		case <-r.more:
		case <-timeout:
			t.Fatalf("waiting for "+what+": got %d events: %v", append(args, len(evs), datas(evs))...)
		}
	}
}

// eventually waits for cond, polling; see patience.
func eventually(t testing.TB, cond func() bool, what string) {
	t.Helper()
	deadline := time.Now().Add(patience)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waiting for %s: gave up", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func datas(evs []bus.Event) []string {
	out := make([]string, len(evs))
	for i, ev := range evs {
		out[i] = string(ev.Data)
	}
	return out
}

func subjects(evs []bus.Event) []string {
	out := make([]string, len(evs))
	for i, ev := range evs {
		out[i] = ev.Subject
	}
	return out
}

func publish(t testing.TB, b bus.Bus, subject, data string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := b.Publish(ctx, subject, []byte(data)); err != nil {
		t.Fatalf("publish %s %q: %v", subject, data, err)
	}
}

func subscribe(t testing.TB, b bus.Bus, pattern string, opts bus.SubOptions, fn func(bus.Event)) bus.Subscription {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	sub, err := b.Subscribe(ctx, pattern, opts, fn)
	if err != nil {
		t.Fatalf("subscribe %s: %v", pattern, err)
	}
	return sub
}
