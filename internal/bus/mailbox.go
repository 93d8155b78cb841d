package bus

import (
	"context"
	"sync/atomic"
)

// mailbox is one subscription's bounded queue. Both implementations use it
// where they hand events to a handler goroutine: the in-process bus for
// every subscription, the NATS bus for lossy ones.
//
// A lossless mailbox counts slots beside the queue. A publisher reserves a
// slot in every lossless mailbox an event goes to before putting the event
// in any of them, so that an event either reaches all of its subscriptions
// or, when one of them stays full until the deadline, none. The consumer
// frees the slot when it takes the event off the queue, which keeps
// len(queue) <= used <= cap(queue): a put after a reservation never blocks.
// The count is an atomic rather than a second channel because a channel
// operation on each side of every event cost a third of the throughput.
type mailbox struct {
	queue    chan Event
	lossless bool
	used     atomic.Int64  // slots reserved; lossless only
	waiters  atomic.Int32  // publishers waiting for a slot
	space    chan struct{} // wakes one waiting publisher
	done     chan struct{} // closed when the subscription ends, to wake waiters
	ended    atomic.Bool   // set with done, cheaper to check per event
	dropped  atomic.Uint64
}

func newMailbox(size int, lossy bool) *mailbox {
	return &mailbox{
		queue:    make(chan Event, size),
		lossless: !lossy,
		space:    make(chan struct{}, 1),
		done:     make(chan struct{}),
	}
}

func (m *mailbox) lossy() bool { return !m.lossless }

// tryReserve takes a slot if one is free right now.
func (m *mailbox) tryReserve() bool {
	size := int64(cap(m.queue))
	for {
		u := m.used.Load()
		if u >= size {
			return false
		}
		if m.used.CompareAndSwap(u, u+1) {
			return true
		}
	}
}

// reserve waits for a slot. It reports false with a nil error when the
// subscription ended meanwhile: the event then simply has one subscriber
// fewer, as if it had been published a moment later.
//
// A waiter registers before it looks for room, and release looks for
// waiters after it frees room, so one of the two always sees the other and
// no wake-up is lost. One wake-up token serves many waiters because each
// waiter that gets a slot passes the token on while room remains.
func (m *mailbox) reserve(ctx context.Context) (bool, error) {
	m.waiters.Add(1)
	defer m.waiters.Add(-1)
	for {
		if m.tryReserve() {
			if m.waiters.Load() > 1 && m.used.Load() < int64(cap(m.queue)) {
				m.wake()
			}
			return true, nil
		}
		select {
		case <-m.space:
		case <-m.done:
			return false, nil
		case <-ctx.Done():
			return false, ctx.Err()
		}
	}
}

// release frees a slot: the consumer took an event, or a publish that had
// reserved it failed elsewhere.
func (m *mailbox) release() {
	m.used.Add(-1)
	if m.waiters.Load() > 0 {
		m.wake()
	}
}

func (m *mailbox) wake() {
	select {
	case m.space <- struct{}{}:
	default: // a token is pending already
	}
}

// put queues ev. A lossless mailbox must hold a reservation for it. A lossy
// one makes room by dropping its oldest event; it loops because the
// consumer and other publishers race for the same room, and each pass
// either queues ev or drops one event, so a stalled consumer cannot make it
// spin.
func (m *mailbox) put(ev Event) {
	if m.lossless {
		m.queue <- ev
		return
	}
	for {
		select {
		case m.queue <- ev:
			return
		default:
		}
		select {
		case <-m.queue:
			m.dropped.Add(1)
		default:
		}
	}
}

// take waits for the next event, freeing its slot. It reports false once
// the subscription has ended, even if events are still queued: they are
// discarded, as Subscription.Unsubscribe promises.
func (m *mailbox) take() (Event, bool) {
	var ev Event
	// Try the queue alone first: a select over two channels locks both,
	// which under load costs more than the hand-off itself.
	select {
	case ev = <-m.queue:
	default:
		select {
		case <-m.done:
			return Event{}, false
		case ev = <-m.queue:
		}
	}
	if m.lossless {
		m.release()
	}
	// Checked after every receive, so that a handler does not start after
	// Unsubscribe returned.
	if m.ended.Load() {
		return Event{}, false
	}
	return ev, true
}

// close ends the subscription; only its owner calls it, once.
func (m *mailbox) close() {
	m.ended.Store(true)
	close(m.done)
}

// deliver runs the handler loop until the subscription ends.
func (m *mailbox) deliver(fn func(Event)) {
	for {
		ev, ok := m.take()
		if !ok {
			return
		}
		fn(ev)
	}
}
