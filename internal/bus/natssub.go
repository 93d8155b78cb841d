package bus

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// natsSub is a subscription on the NATS bus: one JetStream pull consumer
// and the client's Consume loop on it.
type natsSub struct {
	bus     *NATS
	pattern string
	opts    SubOptions
	fn      func(Event)
	mb      *mailbox // lossy subscriptions only

	stopped atomic.Bool
	// lastSeq is the stream sequence of the last event handled, so that a
	// consumer the server lost can be created again where it left off.
	lastSeq    atomic.Uint64
	recovering atomic.Bool

	mu   sync.Mutex // guards name and cc, which recovery replaces
	name string
	cc   jetstream.ConsumeContext
}

func (s *natsSub) config(startSeq uint64) jetstream.ConsumerConfig {
	b := s.bus
	cfg := jetstream.ConsumerConfig{
		Durable:       s.opts.Durable,
		FilterSubject: b.prefix + s.pattern,
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       b.cfg.ackWait,
		DeliverPolicy: jetstream.DeliverNewPolicy,
	}
	if s.opts.Deliver == DeliverAll {
		cfg.DeliverPolicy = jetstream.DeliverAllPolicy
	}
	if s.opts.Lossy {
		// A lossy subscriber re-syncs by other means, so the round trip
		// of an acknowledgement per event buys nothing.
		cfg.AckPolicy = jetstream.AckNonePolicy
		cfg.AckWait = 0
	}
	if s.opts.Durable == "" {
		cfg.InactiveThreshold = b.cfg.inactive
	}
	if startSeq > 0 {
		cfg.DeliverPolicy = jetstream.DeliverByStartSequencePolicy
		cfg.OptStartSeq = startSeq
	}
	return cfg
}

// start creates the consumer, or binds to the durable one that exists,
// and starts consuming from it.
func (s *natsSub) start(ctx context.Context) error {
	cons, err := s.consumer(ctx, 0)
	if err != nil {
		return err
	}
	// Where the consumer stands counts as handled, so that a consumer the
	// server loses before the first event is re-created from there, not
	// from the start of the stream. Until a consumer delivers anything,
	// the server reports its starting point as the delivered sequence; a
	// resumed durable has been handled up to its acknowledgement floor.
	info := cons.CachedInfo()
	if info.Delivered.Consumer == 0 {
		s.lastSeq.Store(info.Delivered.Stream)
	} else {
		s.lastSeq.Store(info.AckFloor.Stream)
	}
	return s.consume(cons)
}

// consumer returns the JetStream consumer to read from. An existing
// durable is used as it is, since the server refuses to change its start
// policy and resuming it is the point; a different filter is a conflict.
func (s *natsSub) consumer(ctx context.Context, startSeq uint64) (jetstream.Consumer, error) {
	b := s.bus
	if s.opts.Durable != "" {
		cons, err := b.js.Consumer(ctx, b.stream, s.opts.Durable)
		switch {
		case err == nil:
			if got := cons.CachedInfo().Config.FilterSubject; got != b.prefix+s.pattern {
				return nil, fmt.Errorf("durable %q filters %q: %w", s.opts.Durable, strings.TrimPrefix(got, b.prefix), ErrConflict)
			}
			return cons, nil
		case !errors.Is(err, jetstream.ErrConsumerNotFound):
			return nil, fmt.Errorf("durable %q: %w", s.opts.Durable, err)
		}
	}
	cons, err := b.js.CreateConsumer(ctx, b.stream, s.config(startSeq))
	if err != nil {
		return nil, fmt.Errorf("create consumer: %w", err)
	}
	return cons, nil
}

func (s *natsSub) consume(cons jetstream.Consumer) error {
	// the in-process queue length is no measure for JetStream's prefetch:
	// tiny pull batches stall under load (seen at 8), so pull at least 128.
	cc, err := cons.Consume(s.handle,
		jetstream.PullMaxMessages(max(s.opts.buffer(), 128)),
		jetstream.ConsumeErrHandler(s.consumeError))
	if err != nil {
		return fmt.Errorf("consume: %w", err)
	}
	s.mu.Lock()
	s.name, s.cc = cons.CachedInfo().Name, cc
	s.mu.Unlock()
	return nil
}

// handle runs on the client's dispatch goroutine, one message at a time.
func (s *natsSub) handle(msg jetstream.Msg) {
	if s.stopped.Load() {
		// Hand it back now rather than after AckWait, so that a durable
		// resumed elsewhere gets it without delay.
		if !s.opts.Lossy {
			_ = msg.Nak()
		}
		return
	}
	ev := Event{
		Subject: strings.TrimPrefix(msg.Subject(), s.bus.prefix),
		Data:    msg.Data(),
		ID:      msg.Headers().Get(jetstream.MsgIDHeader),
	}
	var seq uint64
	if meta, err := msg.Metadata(); err == nil {
		ev.Time, seq = meta.Timestamp.UTC(), meta.Sequence.Stream
	}
	if s.mb != nil {
		s.mb.put(ev)
		s.lastSeq.Store(seq)
		return
	}

	s.bus.running.RLock()
	defer s.bus.running.RUnlock()
	if s.stopped.Load() {
		_ = msg.Nak()
		return
	}
	s.fn(ev)
	// Fire and forget: a lost acknowledgement means one redelivery,
	// which at-least-once delivery allows, and waiting for each would
	// cap a subscription at one event per round trip.
	_ = msg.Ack()
	s.lastSeq.Store(seq)
}

// consumeError is called by the client for trouble on the consumer. Most
// of it (missed heartbeats while reconnecting) the client recovers from
// itself; a consumer the server deleted, or lost across a restart, is
// created again from the last event handled.
func (s *natsSub) consumeError(_ jetstream.ConsumeContext, err error) {
	if s.stopped.Load() {
		return
	}
	switch {
	case errors.Is(err, jetstream.ErrConsumerDeleted),
		errors.Is(err, jetstream.ErrConsumerNotFound),
		errors.Is(err, jetstream.ErrNoHeartbeat),
		errors.Is(err, nats.ErrNoResponders):
		if s.recovering.CompareAndSwap(false, true) {
			go s.recover()
		}
	default:
		s.bus.cfg.log.Warn("bus: consumer error", "stream", s.bus.stream, "pattern", s.pattern, "err", err)
	}
}

// recover checks that the consumer still exists and re-creates it if not,
// retrying until it succeeds or the subscription ends.
func (s *natsSub) recover() {
	defer s.recovering.Store(false)
	b := s.bus
	for wait := 100 * time.Millisecond; !s.stopped.Load(); wait = min(2*wait, 5*time.Second) {
		err := s.recreate()
		if err == nil {
			return
		}
		b.cfg.log.Warn("bus: re-creating consumer", "stream", b.stream, "pattern", s.pattern, "err", err)
		time.Sleep(wait)
	}
}

func (s *natsSub) recreate() error {
	b := s.bus
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	s.mu.Lock()
	name, old := s.name, s.cc
	s.mu.Unlock()
	_, err := b.js.Consumer(ctx, b.stream, name)
	if err == nil {
		return nil // a missed heartbeat only; the client pulls again itself
	}
	if !errors.Is(err, jetstream.ErrConsumerNotFound) {
		return err
	}
	old.Stop()
	cons, err := s.consumer(ctx, s.lastSeq.Load()+1)
	if err != nil {
		return err
	}
	if s.stopped.Load() {
		return nil
	}
	b.cfg.log.Info("bus: consumer re-created", "stream", b.stream, "pattern", s.pattern, "from", s.lastSeq.Load()+1)
	return s.consume(cons)
}

// stop ends delivery; it reports false if it had already been called.
func (s *natsSub) stop() bool {
	if s.stopped.Swap(true) {
		return false
	}
	s.mu.Lock()
	s.cc.Stop()
	s.mu.Unlock()
	if s.mb != nil {
		s.mb.close()
	}
	return true
}

// Unsubscribe implements Subscription. An ephemeral consumer is deleted
// from the server at once rather than left to expire.
func (s *natsSub) Unsubscribe() error {
	if !s.stop() {
		return nil
	}
	s.bus.forget(s)
	if s.opts.Durable != "" || s.bus.closed.Load() {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	s.mu.Lock()
	name := s.name
	s.mu.Unlock()
	err := s.bus.js.DeleteConsumer(ctx, s.bus.stream, name)
	if err != nil && !errors.Is(err, jetstream.ErrConsumerNotFound) {
		return fmt.Errorf("bus: unsubscribe %q: %w", s.pattern, err)
	}
	return nil
}

// Dropped implements Subscription.
func (s *natsSub) Dropped() uint64 {
	if s.mb == nil {
		return 0
	}
	return s.mb.dropped.Load()
}
