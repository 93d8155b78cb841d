package bus

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/yingji/yingji/internal/core"
)

// DefaultMaxBlock bounds how long an in-process Publish whose context has
// no deadline waits for a full lossless subscription. Without it a stuck
// handler would stop every publisher of its subjects for good.
const DefaultMaxBlock = 5 * time.Second

// InProcess is the bus inside one binary. Subscriptions exist only in
// memory: Durable and DeliverAll are accepted so that callers need not know
// which bus they have, but nothing is kept across Unsubscribe or a restart.
type InProcess struct {
	clock    core.Clock
	maxBlock time.Duration
	ids      *idSource

	// subs is replaced, never changed in place, so that Publish reads it
	// without a lock and a publisher waiting on a full subscription does
	// not hold up Subscribe or Unsubscribe.
	subs atomic.Pointer[[]*inSub]

	mu       sync.Mutex // serializes changes to subs, durables and closed
	durables map[string]*inSub
	closed   atomic.Bool
	handlers sync.WaitGroup
}

var _ Bus = (*InProcess)(nil)

// InProcessOption configures NewInProcess.
type InProcessOption func(*InProcess)

// WithClock sets the clock that stamps Event.Time, for tests that compare
// times.
func WithClock(c core.Clock) InProcessOption {
	return func(b *InProcess) { b.clock = c }
}

// WithMaxBlock sets how long Publish waits for a full lossless subscription
// when its context has no deadline (DefaultMaxBlock otherwise). A context
// deadline, when there is one, takes precedence either way.
func WithMaxBlock(d time.Duration) InProcessOption {
	return func(b *InProcess) { b.maxBlock = d }
}

// NewInProcess returns an empty in-process bus.
func NewInProcess(opts ...InProcessOption) *InProcess {
	b := &InProcess{
		clock:    core.SystemClock,
		maxBlock: DefaultMaxBlock,
		ids:      newIDSource(),
		durables: make(map[string]*inSub),
	}
	for _, o := range opts {
		o(b)
	}
	b.subs.Store(&[]*inSub{})
	return b
}

// Publish implements Bus. It returns once the event is queued for every
// matching subscription, before any handler runs.
func (b *InProcess) Publish(ctx context.Context, subject string, data []byte) error {
	var tbuf [16]string
	toks, ok := subjectTokens(tbuf[:0], subject)
	if !ok {
		return fmt.Errorf("bus: publish %q: %w", subject, ErrInvalidSubject)
	}
	if b.closed.Load() {
		return fmt.Errorf("bus: publish %q: %w", subject, ErrClosed)
	}
	var arr [8]*inSub
	matched := arr[:0]
	for _, s := range *b.subs.Load() {
		if s.compiled.match(toks) {
			matched = append(matched, s)
		}
	}
	if len(matched) == 0 {
		return nil
	}
	if err := b.reserve(ctx, matched); err != nil {
		return fmt.Errorf("bus: publish %q: %w", subject, err)
	}
	ev := Event{Subject: subject, Data: bytes.Clone(data), Time: b.clock(), ID: b.ids.next()}
	for _, s := range matched {
		if s != nil {
			s.mb.put(ev)
		}
	}
	return nil
}

// reserve takes a slot in every lossless subscription of matched, waiting
// if needed, and clears the entries of subscriptions that ended while it
// waited. On failure it gives back what it took, so that the event reaches
// no one.
func (b *InProcess) reserve(ctx context.Context, matched []*inSub) error {
	var limit time.Time // of the wait when ctx has no deadline; set on first need
	for i, s := range matched {
		if s.mb.lossy() || s.mb.tryReserve() {
			continue
		}
		if _, ok := ctx.Deadline(); !ok && limit.IsZero() && b.maxBlock > 0 {
			limit = time.Now().Add(b.maxBlock)
		}
		ok, err := reserveUntil(ctx, s.mb, limit)
		if err != nil {
			for _, r := range matched[:i] {
				if r != nil && !r.mb.lossy() {
					r.mb.release()
				}
			}
			return fmt.Errorf("subscription %q full: %w: %w", s.pattern, ErrBackPressure, err)
		}
		if !ok {
			matched[i] = nil
		}
	}
	return nil
}

// reserveUntil waits for a slot in mb until ctx ends or, if it is not zero,
// until limit. The timer is paid for only here, on the slow path.
func reserveUntil(ctx context.Context, mb *mailbox, limit time.Time) (bool, error) {
	if !limit.IsZero() {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, limit)
		defer cancel()
	}
	return mb.reserve(ctx)
}

// Subscribe implements Bus. The handler runs on a goroutine of its own.
func (b *InProcess) Subscribe(ctx context.Context, pattern string, opts SubOptions, fn func(Event)) (Subscription, error) {
	compiled, ok := compile(nil, pattern)
	if !ok {
		return nil, fmt.Errorf("bus: subscribe %q: %w", pattern, ErrInvalidSubject)
	}
	if opts.Durable != "" && !validName(opts.Durable) {
		return nil, fmt.Errorf("bus: subscribe %q: durable name %q: %w", pattern, opts.Durable, ErrInvalidSubject)
	}
	s := &inSub{bus: b, pattern: pattern, compiled: compiled, durable: opts.Durable, mb: newMailbox(opts.buffer(), opts.Lossy)}

	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed.Load() {
		return nil, fmt.Errorf("bus: subscribe %q: %w", pattern, ErrClosed)
	}
	if s.durable != "" {
		if _, ok := b.durables[s.durable]; ok {
			return nil, fmt.Errorf("bus: subscribe %q: %q: %w", pattern, s.durable, ErrConflict)
		}
		b.durables[s.durable] = s
	}
	old := *b.subs.Load()
	next := make([]*inSub, len(old), len(old)+1)
	copy(next, old)
	next = append(next, s)
	b.subs.Store(&next)

	b.handlers.Add(1)
	go func() {
		defer b.handlers.Done()
		s.mb.deliver(fn)
	}()
	return s, nil
}

// remove detaches s; it reports false if s was already gone.
func (b *InProcess) remove(s *inSub) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	old := *b.subs.Load()
	next := make([]*inSub, 0, len(old))
	found := false
	for _, o := range old {
		if o == s {
			found = true
			continue
		}
		next = append(next, o)
	}
	if !found {
		return false
	}
	b.subs.Store(&next)
	if s.durable != "" {
		delete(b.durables, s.durable)
	}
	s.mb.close()
	return true
}

// Close implements Bus.
func (b *InProcess) Close() error {
	b.mu.Lock()
	if b.closed.Swap(true) {
		b.mu.Unlock()
		return nil
	}
	for _, s := range *b.subs.Load() {
		s.mb.close()
	}
	b.subs.Store(&[]*inSub{})
	clear(b.durables)
	b.mu.Unlock()
	b.handlers.Wait()
	return nil
}

// inSub is an in-process subscription.
type inSub struct {
	bus      *InProcess
	pattern  string
	compiled pattern
	durable  string
	mb       *mailbox
}

// Unsubscribe implements Subscription; calling it twice is harmless.
func (s *inSub) Unsubscribe() error {
	s.bus.remove(s)
	return nil
}

// Dropped implements Subscription.
func (s *inSub) Dropped() uint64 { return s.mb.dropped.Load() }
