package bus_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/yingji/yingji/internal/bus"
	"github.com/yingji/yingji/internal/core"
)

// TestConformance runs the same cases against every implementation, so
// that the platform behaves the same on one binary and on several nodes.
func TestConformance(t *testing.T) {
	cases := []struct {
		name string
		run  func(t *testing.T, be backend)
	}{
		{"wildcards", testWildcards},
		{"order per subject", testOrder},
		{"fan out", testFanOut},
		{"event fields", testEventFields},
		{"unsubscribe", testUnsubscribe},
		{"unsubscribe from handler", testUnsubscribeFromHandler},
		{"close", testClose},
		{"invalid", testInvalid},
		{"lossy drops oldest", testLossy},
		{"deliver all", testDeliverAll},
		{"durable resumes", testDurable},
	}
	for _, be := range backends() {
		t.Run(be.name, func(t *testing.T) {
			for _, c := range cases {
				t.Run(c.name, func(t *testing.T) { c.run(t, be) })
			}
		})
	}
}

func testWildcards(t *testing.T, be backend) {
	b := be.setup(t)()
	patterns := map[string][]string{
		"alarm.*.raised":   {"alarm.530502.raised", "alarm.530581.raised", "alarm.530502.raised"},
		"alarm.>":          {"alarm.530502.raised", "alarm.530581.raised", "alarm.530502.level.changed", "alarm.530502", "alarm.530502.raised"},
		"alarm.530502.>":   {"alarm.530502.raised", "alarm.530502.level.changed", "alarm.530502.raised"},
		"reading.latest.*": {"reading.latest.530581", "reading.latest.end"},
	}
	recs := map[string]*recorder{}
	for p := range patterns {
		recs[p] = newRecorder()
		subscribe(t, b, p, bus.SubOptions{}, recs[p].handle)
	}
	for i, s := range []string{
		"alarm.530502.raised",
		"alarm.530581.raised",
		"alarm.530502.level.changed",
		"alarm.530502",
		"reading.latest.530581",
		"reading.latest.530581.extra",
		"reading.530581",
	} {
		publish(t, b, s, strconv.Itoa(i))
	}
	// Each subscription ends with an event only it and its peers match, so
	// that anything wrongly delivered would already be in its list.
	publish(t, b, "alarm.530502.raised", "end")
	publish(t, b, "reading.latest.end", "end")
	for p, want := range patterns {
		if got := subjects(recs[p].waitData(t, "end")); !slices.Equal(got, want) {
			t.Errorf("%s got %v, want %v", p, got, want)
		}
	}
}

func testOrder(t *testing.T, be backend) {
	b := be.setup(t)()
	rec := newRecorder()
	// A small buffer makes the in-process publisher wait on the handler,
	// which must not reorder anything.
	subscribe(t, b, "alarm.>", bus.SubOptions{Buffer: 8}, rec.handle)
	const n = 300
	subjects := []string{"alarm.530502.raised", "alarm.530581.raised", "alarm.530521.cleared"}
	for i := range n {
		publish(t, b, subjects[i%len(subjects)], strconv.Itoa(i))
	}
	evs := rec.waitN(t, n)
	last := map[string]int{}
	for _, ev := range evs {
		i, _ := strconv.Atoi(string(ev.Data))
		if prev, ok := last[ev.Subject]; ok && i <= prev {
			t.Fatalf("%s: %d arrived after %d", ev.Subject, i, prev)
		}
		last[ev.Subject] = i
	}
	if len(evs) != n {
		t.Errorf("got %d events, want %d", len(evs), n)
	}
}

func testFanOut(t *testing.T, be backend) {
	b := be.setup(t)()
	recs := make([]*recorder, 4)
	for i := range recs {
		recs[i] = newRecorder()
		pattern := "alarm.>"
		if i == 3 {
			pattern = "alarm.*.raised"
		}
		subscribe(t, b, pattern, bus.SubOptions{}, recs[i].handle)
	}
	const n = 100
	var want []string
	for i := range n {
		publish(t, b, "alarm.530502.raised", strconv.Itoa(i))
		want = append(want, strconv.Itoa(i))
	}
	for i, r := range recs {
		if got := datas(r.waitN(t, n)); !slices.Equal(got, want) {
			t.Errorf("subscriber %d got %v, want %v", i, got, want)
		}
	}
}

func testEventFields(t *testing.T, be backend) {
	b := be.setup(t)()
	rec := newRecorder()
	subscribe(t, b, "reading.latest.*", bus.SubOptions{}, rec.handle)
	buf := []byte(`{"point":"P1","value":3.2}`)
	if err := b.Publish(context.Background(), "reading.latest.530502", buf); err != nil {
		t.Fatal(err)
	}
	copy(buf, "XXXX") // the publisher may reuse its buffer at once
	publish(t, b, "reading.latest.530581", "second")
	evs := rec.waitN(t, 2)
	if got, want := string(evs[0].Data), `{"point":"P1","value":3.2}`; got != want {
		t.Errorf("data = %s, want %s", got, want)
	}
	if got, want := evs[0].Subject, "reading.latest.530502"; got != want {
		t.Errorf("subject = %q, want %q", got, want)
	}
	for _, ev := range evs {
		if ev.ID == "" || ev.Time.IsZero() || ev.Time.Location() != time.UTC {
			t.Errorf("event %q: ID %q, Time %v; want an ID and a UTC time", ev.Data, ev.ID, ev.Time)
		}
	}
	if evs[0].ID == evs[1].ID {
		t.Errorf("two events share ID %q", evs[0].ID)
	}
}

func testUnsubscribe(t *testing.T, be backend) {
	b := be.setup(t)()
	gone, stays := newRecorder(), newRecorder()
	sub := subscribe(t, b, "alarm.>", bus.SubOptions{}, gone.handle)
	subscribe(t, b, "alarm.>", bus.SubOptions{}, stays.handle)
	for i := range 5 {
		publish(t, b, "alarm.530502.raised", strconv.Itoa(i))
	}
	gone.waitN(t, 5)
	if err := sub.Unsubscribe(); err != nil {
		t.Fatalf("unsubscribe: %v", err)
	}
	if err := sub.Unsubscribe(); err != nil {
		t.Errorf("second unsubscribe: %v", err)
	}
	for i := 5; i < 10; i++ {
		publish(t, b, "alarm.530502.raised", strconv.Itoa(i))
	}
	stays.waitN(t, 10)
	if got := datas(gone.snapshot()); len(got) != 5 {
		t.Errorf("after unsubscribe got %v, want only the first 5", got)
	}
}

func testUnsubscribeFromHandler(t *testing.T, be backend) {
	b := be.setup(t)()
	self, other := newRecorder(), newRecorder()
	subc, unsubscribed := make(chan bus.Subscription, 1), make(chan struct{})
	var once sync.Once
	sub := subscribe(t, b, "alarm.>", bus.SubOptions{}, func(ev bus.Event) {
		self.handle(ev)
		once.Do(func() {
			if err := (<-subc).Unsubscribe(); err != nil {
				t.Errorf("unsubscribe from handler: %v", err)
			}
			close(unsubscribed)
		})
	})
	subc <- sub
	subscribe(t, b, "alarm.>", bus.SubOptions{}, other.handle)
	for i := range 5 {
		publish(t, b, "alarm.530502.raised", strconv.Itoa(i))
	}
	<-unsubscribed
	publish(t, b, "alarm.530502.raised", "5")
	other.waitN(t, 6)
	if got := datas(self.snapshot()); !slices.Equal(got, []string{"0"}) {
		t.Errorf("got %v, want only the event that unsubscribed", got)
	}
}

func testClose(t *testing.T, be backend) {
	b := be.setup(t)()
	started, release := make(chan struct{}), make(chan struct{})
	var returned atomic.Bool
	subscribe(t, b, "alarm.>", bus.SubOptions{}, func(bus.Event) {
		close(started)
		<-release
		returned.Store(true)
	})
	publish(t, b, "alarm.530502.raised", "held")
	<-started
	closed := make(chan error)
	go func() { closed <- b.Close() }()
	// Give a Close that does not wait the chance to return early; a
	// correct one passes however long this takes.
	time.Sleep(20 * time.Millisecond)
	close(release)
	if err := <-closed; err != nil {
		t.Fatalf("close: %v", err)
	}
	if !returned.Load() {
		t.Error("Close returned while a handler was running")
	}
	ctx := context.Background()
	if err := b.Publish(ctx, "alarm.530502.raised", nil); !errors.Is(err, bus.ErrClosed) {
		t.Errorf("publish after close: %v, want ErrClosed", err)
	}
	if _, err := b.Subscribe(ctx, "alarm.>", bus.SubOptions{}, func(bus.Event) {}); !errors.Is(err, bus.ErrClosed) {
		t.Errorf("subscribe after close: %v, want ErrClosed", err)
	}
	if err := b.Close(); err != nil {
		t.Errorf("second close: %v", err)
	}
}

func testInvalid(t *testing.T, be backend) {
	b := be.setup(t)()
	ctx := context.Background()
	for _, s := range []string{"", "alarm.*.raised", "alarm.>", "alarm..raised", "alarm.530502 raised"} {
		err := b.Publish(ctx, s, nil)
		if !errors.Is(err, bus.ErrInvalidSubject) || core.ErrorCode(err) != core.EINVALID {
			t.Errorf("publish %q: %v, want ErrInvalidSubject with code %s", s, err, core.EINVALID)
		}
	}
	for _, p := range []string{"", "alarm.>.raised", "alarm..raised", ">.x"} {
		if _, err := b.Subscribe(ctx, p, bus.SubOptions{}, func(bus.Event) {}); !errors.Is(err, bus.ErrInvalidSubject) {
			t.Errorf("subscribe %q: %v, want ErrInvalidSubject", p, err)
		}
	}
	for _, d := range []string{"node.1", "node*", "node 1"} {
		if _, err := b.Subscribe(ctx, "alarm.>", bus.SubOptions{Durable: d}, func(bus.Event) {}); !errors.Is(err, bus.ErrInvalidSubject) {
			t.Errorf("subscribe durable %q: %v, want ErrInvalidSubject", d, err)
		}
	}
}

func testLossy(t *testing.T, be backend) {
	b := be.setup(t)()
	rec := newRecorder()
	started, release := make(chan struct{}), make(chan struct{})
	var first atomic.Bool
	const buffer = 4
	sub := subscribe(t, b, "alarm.>", bus.SubOptions{Lossy: true, Buffer: buffer}, func(ev bus.Event) {
		rec.handle(ev)
		if first.CompareAndSwap(false, true) {
			close(started)
			<-release
		}
	})
	publish(t, b, "alarm.530502.raised", "0")
	<-started
	// The handler holds event 0; events 1..10 meet a queue of 4.
	const n = 10
	for i := 1; i <= n; i++ {
		publish(t, b, "alarm.530502.raised", strconv.Itoa(i))
	}
	eventually(t, func() bool { return sub.Dropped() == n-buffer }, fmt.Sprintf("%d drops", n-buffer))
	close(release)
	// Wait for the queue to drain before the last event, which would
	// otherwise push out one more.
	rec.waitN(t, 1+buffer)
	publish(t, b, "alarm.530502.raised", "end")
	want := []string{"0", "7", "8", "9", "10", "end"}
	if got := datas(rec.waitData(t, "end")); !slices.Equal(got, want) {
		t.Errorf("got %v, want the newest: %v", got, want)
	}
	if got := sub.Dropped(); got != n-buffer {
		t.Errorf("Dropped() = %d, want %d", got, n-buffer)
	}
}

// testDeliverAll shows the one documented difference: only a stream keeps
// events from before the subscription.
func testDeliverAll(t *testing.T, be backend) {
	b := be.setup(t)()
	publish(t, b, "alarm.530502.raised", "before")
	rec := newRecorder()
	subscribe(t, b, "alarm.>", bus.SubOptions{Deliver: bus.DeliverAll}, rec.handle)
	publish(t, b, "alarm.530502.raised", "after")
	want := []string{"after"}
	if be.shared {
		want = []string{"before", "after"}
	}
	if got := datas(rec.waitData(t, "after")); !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

// testDurable stops a node with a durable subscription, publishes while
// it is away, and starts it again: on NATS it must get exactly what it
// missed. In process the node and its publisher are one bus, and the
// documented difference shows: nothing is kept for a durable that is away.
func testDurable(t *testing.T, be backend) {
	open := be.setup(t)
	publisher := open()
	node := publisher
	if be.shared {
		node = open()
	}
	first := newRecorder()
	sub := subscribe(t, node, "alarm.>", bus.SubOptions{Durable: "node1"}, first.handle)
	for i := range 5 {
		publish(t, publisher, "alarm.530502.raised", strconv.Itoa(i))
	}
	first.waitN(t, 5)
	if be.shared {
		if err := node.Close(); err != nil {
			t.Fatalf("stop node: %v", err)
		}
		node = open()
	} else if err := sub.Unsubscribe(); err != nil {
		t.Fatalf("unsubscribe: %v", err)
	}
	for i := 5; i < 10; i++ {
		publish(t, publisher, "alarm.530502.raised", strconv.Itoa(i))
	}
	second := newRecorder()
	subscribe(t, node, "alarm.>", bus.SubOptions{Durable: "node1"}, second.handle)
	publish(t, publisher, "alarm.530502.raised", "end")
	want := []string{"end"}
	if be.shared {
		want = []string{"5", "6", "7", "8", "9", "end"}
	}
	if got := datas(second.waitData(t, "end")); !slices.Equal(got, want) {
		t.Errorf("after restart got %v, want %v", got, want)
	}
	if got := datas(first.snapshot()); !slices.Equal(got, []string{"0", "1", "2", "3", "4"}) {
		t.Errorf("before restart got %v", got)
	}
}
