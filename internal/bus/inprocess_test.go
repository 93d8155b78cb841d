package bus_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/yingji/yingji/internal/bus"
	"github.com/yingji/yingji/internal/core"
)

// stalled subscribes a handler that records events and blocks on the first
// one until release is closed; it returns once the handler holds event "0".
func stalled(t *testing.T, b bus.Bus, opts bus.SubOptions) (rec *recorder, release chan struct{}) {
	t.Helper()
	rec, release = newRecorder(), make(chan struct{})
	started := make(chan struct{})
	var once sync.Once
	subscribe(t, b, "alarm.>", opts, func(ev bus.Event) {
		rec.handle(ev)
		once.Do(func() {
			close(started)
			<-release
		})
	})
	publish(t, b, "alarm.530502.raised", "0")
	<-started
	return rec, release
}

// TestBackPressure fills a lossless subscription and checks that the
// publisher waits until its deadline and then fails without delivering the
// event anywhere, while a lossy subscription and a roomy lossless one are
// untouched by the failed publish.
func TestBackPressure(t *testing.T) {
	b := bus.NewInProcess()
	defer b.Close()
	roomy, lossy := newRecorder(), newRecorder()
	subscribe(t, b, "alarm.>", bus.SubOptions{Buffer: 100}, roomy.handle)
	subscribe(t, b, "alarm.>", bus.SubOptions{Buffer: 100, Lossy: true}, lossy.handle)
	slow, release := stalled(t, b, bus.SubOptions{Buffer: 2})
	publish(t, b, "alarm.530502.raised", "1")
	publish(t, b, "alarm.530502.raised", "2")

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	err := b.Publish(ctx, "alarm.530502.raised", []byte("3"))
	if !errors.Is(err, bus.ErrBackPressure) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("publish to a full subscription: %v, want ErrBackPressure and DeadlineExceeded", err)
	}
	if got := core.ErrorCode(err); got != core.EUNAVAILABLE {
		t.Errorf("error code %q, want %q", got, core.EUNAVAILABLE)
	}

	close(release)
	publish(t, b, "alarm.530502.raised", "end")
	want := []string{"0", "1", "2", "end"}
	for name, r := range map[string]*recorder{"slow": slow, "roomy": roomy, "lossy": lossy} {
		if got := datas(r.waitData(t, "end")); !slices.Equal(got, want) {
			t.Errorf("%s got %v, want %v: a failed publish reaches no one", name, got, want)
		}
	}
}

// TestBackPressureReleases checks that a waiting publisher goes on once
// the handler catches up.
func TestBackPressureReleases(t *testing.T) {
	b := bus.NewInProcess()
	defer b.Close()
	slow, release := stalled(t, b, bus.SubOptions{Buffer: 1})
	publish(t, b, "alarm.530502.raised", "1")
	done := make(chan error)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), patience)
		defer cancel()
		done <- b.Publish(ctx, "alarm.530502.raised", []byte("2"))
	}()
	close(release)
	if err := <-done; err != nil {
		t.Fatalf("publish after the handler caught up: %v", err)
	}
	if got := datas(slow.waitN(t, 3)); !slices.Equal(got, []string{"0", "1", "2"}) {
		t.Errorf("got %v", got)
	}
}

// TestMaxBlock checks that a publisher without a deadline is not held
// forever by a stuck handler.
func TestMaxBlock(t *testing.T) {
	b := bus.NewInProcess(bus.WithMaxBlock(10 * time.Millisecond))
	defer b.Close()
	_, release := stalled(t, b, bus.SubOptions{Buffer: 1})
	defer close(release)
	publish(t, b, "alarm.530502.raised", "1")
	err := b.Publish(context.Background(), "alarm.530502.raised", []byte("2"))
	if !errors.Is(err, bus.ErrBackPressure) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("publish without deadline to a stuck subscription: %v, want ErrBackPressure", err)
	}
}

func TestDurableNameInUse(t *testing.T) {
	b := bus.NewInProcess()
	defer b.Close()
	ctx := context.Background()
	opts := bus.SubOptions{Durable: "notifier"}
	sub := subscribe(t, b, "alarm.>", opts, func(bus.Event) {})
	_, err := b.Subscribe(ctx, "alarm.>", opts, func(bus.Event) {})
	if !errors.Is(err, bus.ErrConflict) || core.ErrorCode(err) != core.ECONFLICT {
		t.Fatalf("second live durable: %v, want ErrConflict", err)
	}
	if err := sub.Unsubscribe(); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Subscribe(ctx, "alarm.>", opts, func(bus.Event) {}); err != nil {
		t.Errorf("durable name after unsubscribe: %v", err)
	}
}

func TestClock(t *testing.T) {
	at := time.Date(2026, 7, 1, 2, 3, 4, 0, time.UTC)
	b := bus.NewInProcess(bus.WithClock(func() time.Time { return at }))
	defer b.Close()
	rec := newRecorder()
	subscribe(t, b, "alarm.>", bus.SubOptions{}, rec.handle)
	publish(t, b, "alarm.530502.raised", "x")
	if got := rec.waitN(t, 1)[0].Time; !got.Equal(at) {
		t.Errorf("Time = %v, want %v", got, at)
	}
}

// TestConcurrentUse publishes from several goroutines while other
// subscriptions come and go: the steady subscribers must see every event,
// each publisher's in order. Run with -race it also checks the locking.
func TestConcurrentUse(t *testing.T) {
	b := bus.NewInProcess()
	defer b.Close()
	const publishers, each = 4, 500
	steady := []*recorder{newRecorder(), newRecorder()}
	subscribe(t, b, "alarm.>", bus.SubOptions{Buffer: 16}, steady[0].handle)
	subscribe(t, b, "alarm.*.raised", bus.SubOptions{Buffer: 16}, steady[1].handle)

	stop := make(chan struct{})
	var churn sync.WaitGroup
	churn.Add(1)
	go func() {
		defer churn.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			sub, err := b.Subscribe(context.Background(), "alarm.>", bus.SubOptions{Buffer: 1, Lossy: i%2 == 0}, func(bus.Event) {})
			if err != nil {
				t.Errorf("churn subscribe: %v", err)
				return
			}
			_ = sub.Unsubscribe()
		}
	}()

	var pubs sync.WaitGroup
	for p := range publishers {
		pubs.Add(1)
		go func() {
			defer pubs.Done()
			for i := range each {
				subject := fmt.Sprintf("alarm.53050%d.raised", p)
				if err := b.Publish(context.Background(), subject, []byte(strconv.Itoa(i))); err != nil {
					t.Errorf("publish: %v", err)
					return
				}
			}
		}()
	}
	pubs.Wait()
	close(stop)
	churn.Wait()

	for n, r := range steady {
		evs := r.waitN(t, publishers*each)
		next := map[string]int{}
		for _, ev := range evs {
			i, _ := strconv.Atoi(string(ev.Data))
			if i != next[ev.Subject] {
				t.Fatalf("subscriber %d: %s: got %d, want %d", n, ev.Subject, i, next[ev.Subject])
			}
			next[ev.Subject]++
		}
	}
}
