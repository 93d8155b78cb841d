package bus

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// DefaultMaxAge is how long the NATS stream keeps events unless WithMaxAge
// says otherwise: long enough for a node that was down over a holiday
// weekend to catch up on alarms when it returns.
const DefaultMaxAge = 7 * 24 * time.Hour

// NATS is the bus on a NATS JetStream stream, for several platform nodes.
// Every event is stored in the stream before Publish returns; subscriptions
// are JetStream consumers, acknowledged after the handler returns. A
// publisher is never slowed by subscribers here, because the stream sits
// between them; it is slowed only by the server's acknowledgements.
//
// Delivery is at least once. An event whose acknowledgement is lost, or
// that the server sent down a connection just as it broke, is delivered
// again after the ack wait (WithAckWait), after events that followed it.
//
// Every node creates or updates the stream with its own settings, so the
// last one to start decides them: run all nodes with the same options.
type NATS struct {
	nc     *nats.Conn
	js     jetstream.JetStream
	stream string
	prefix string // with its trailing dot, or empty
	cfg    natsConfig
	ids    *idSource

	mu     sync.Mutex // guards subs and closed
	subs   map[*natsSub]struct{}
	closed atomic.Bool
	// running is read-locked by each handler call and write-locked by
	// Close, which so waits for handlers that are running on the client's
	// dispatch goroutines.
	running sync.RWMutex
	lossy   sync.WaitGroup // lossy subscriptions' own handler goroutines

	asyncMu  sync.Mutex
	asyncErr error
	asyncN   int
}

var _ Bus = (*NATS)(nil)

type natsConfig struct {
	maxAge      time.Duration
	prefix      string
	asyncWindow int
	stallWait   time.Duration
	ackWait     time.Duration
	inactive    time.Duration
	log         *slog.Logger
	connOpts    []nats.Option
}

// NATSOption configures NewNATS.
type NATSOption func(*natsConfig)

// WithMaxAge sets how long the stream keeps events (DefaultMaxAge).
func WithMaxAge(d time.Duration) NATSOption {
	return func(c *natsConfig) { c.maxAge = d }
}

// WithSubjectPrefix puts every subject of this bus under prefix on the
// server ("yingji" turns "alarm.530502.raised" into
// "yingji.alarm.530502.raised"), so that several deployments or test runs
// can share one NATS server. Events handed to subscribers carry the subject
// without it.
func WithSubjectPrefix(prefix string) NATSOption {
	return func(c *natsConfig) { c.prefix = prefix }
}

// WithAsyncWindow bounds how many PublishAsync calls may await their
// acknowledgement at once (256 by default); a PublishAsync beyond it waits
// up to stall for room and then fails rather than queueing without limit.
func WithAsyncWindow(window int, stall time.Duration) NATSOption {
	return func(c *natsConfig) { c.asyncWindow, c.stallWait = window, stall }
}

// WithAckWait sets how long the server waits for a handler to return before
// it delivers the event again (30 s by default). Handlers that may take
// longer, such as a notifier calling slow webhooks, need more.
func WithAckWait(d time.Duration) NATSOption {
	return func(c *natsConfig) { c.ackWait = d }
}

// WithLogger sets where connection changes and consumer errors are logged
// (slog.Default otherwise).
func WithLogger(l *slog.Logger) NATSOption {
	return func(c *natsConfig) { c.log = l }
}

// WithConnectOptions passes options, such as credentials or TLS, to
// nats.Connect; they come after the bus's own, so they win.
func WithConnectOptions(opts ...nats.Option) NATSOption {
	return func(c *natsConfig) { c.connOpts = append(c.connOpts, opts...) }
}

// NewNATS connects to url, creates the stream or updates it to the
// configuration given (file storage, limits retention by age), and returns
// a bus on it. subjects are the stream's subject patterns, such as
// "alarm.>" and "reading.>"; Publish to a subject outside them fails.
// The connection reconnects by itself for as long as the bus is open; ctx
// bounds only the first connection and the stream set-up.
func NewNATS(ctx context.Context, url, stream string, subjects []string, opts ...NATSOption) (*NATS, error) {
	cfg := natsConfig{
		maxAge:      DefaultMaxAge,
		asyncWindow: 256,
		stallWait:   time.Second,
		ackWait:     30 * time.Second,
		inactive:    time.Minute,
		log:         slog.Default(),
	}
	for _, o := range opts {
		o(&cfg)
	}
	b := &NATS{stream: stream, cfg: cfg, ids: newIDSource(), subs: make(map[*natsSub]struct{})}
	if cfg.prefix != "" {
		if !ValidSubject(cfg.prefix) {
			return nil, fmt.Errorf("bus: subject prefix %q: %w", cfg.prefix, ErrInvalidSubject)
		}
		b.prefix = cfg.prefix + "."
	}
	if !validName(stream) {
		return nil, fmt.Errorf("bus: stream name %q: %w", stream, ErrInvalidSubject)
	}
	if len(subjects) == 0 {
		return nil, fmt.Errorf("bus: stream %s: no subjects: %w", stream, ErrInvalidSubject)
	}
	wire := make([]string, len(subjects))
	for i, s := range subjects {
		if !ValidPattern(s) {
			return nil, fmt.Errorf("bus: stream %s: subject %q: %w", stream, s, ErrInvalidSubject)
		}
		wire[i] = b.prefix + s
	}

	timeout := 5 * time.Second
	if dl, ok := ctx.Deadline(); ok {
		if timeout = time.Until(dl); timeout <= 0 {
			return nil, fmt.Errorf("bus: connect to nats at %s: %w", url, context.DeadlineExceeded)
		}
	}
	connOpts := append([]nats.Option{
		nats.Name("yingji bus " + stream),
		nats.Timeout(timeout),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(500 * time.Millisecond),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			if err != nil { // nil when the bus closes the connection itself
				cfg.log.Warn("bus: nats disconnected", "url", url, "err", err)
			}
		}),
		nats.ReconnectHandler(func(nc *nats.Conn) {
			cfg.log.Info("bus: nats reconnected", "url", nc.ConnectedUrlRedacted())
		}),
	}, cfg.connOpts...)
	nc, err := nats.Connect(url, connOpts...)
	if err != nil {
		return nil, fmt.Errorf("bus: connect to nats at %s: %w", url, err)
	}
	js, err := jetstream.New(nc,
		jetstream.WithPublishAsyncMaxPending(cfg.asyncWindow),
		jetstream.WithPublishAsyncErrHandler(b.asyncFailed))
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("bus: jetstream at %s: %w", url, err)
	}
	b.nc, b.js = nc, js
	_, err = js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:      stream,
		Subjects:  wire,
		Storage:   jetstream.FileStorage,
		Retention: jetstream.LimitsPolicy,
		Discard:   jetstream.DiscardOld,
		MaxAge:    cfg.maxAge,
	})
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("bus: create stream %s on %s: %w", stream, url, err)
	}
	return b, nil
}

// Publish implements Bus: it returns once the server has stored the event.
// Without a context deadline it waits at most the client's default timeout.
func (b *NATS) Publish(ctx context.Context, subject string, data []byte) error {
	if err := b.checkPublish(subject); err != nil {
		return err
	}
	if _, err := b.js.Publish(ctx, b.prefix+subject, data, jetstream.WithMsgID(b.ids.next())); err != nil {
		return fmt.Errorf("bus: publish %q: %w", subject, err)
	}
	return nil
}

// PublishAsync sends an event without waiting for the server to store it,
// so that a producer of many events is limited by throughput rather than
// by round trips. At most the async window of events are unacknowledged at
// once. Failures to store are reported by the next Flush, which callers
// must call before they treat the events as durable.
func (b *NATS) PublishAsync(subject string, data []byte) error {
	if err := b.checkPublish(subject); err != nil {
		return err
	}
	_, err := b.js.PublishAsync(b.prefix+subject, data,
		jetstream.WithMsgID(b.ids.next()), jetstream.WithStallWait(b.cfg.stallWait))
	if err != nil {
		return fmt.Errorf("bus: publish async %q: %w", subject, err)
	}
	return nil
}

// Flush waits until every PublishAsync so far has been acknowledged, or
// ctx ends, and reports the first failure since the previous Flush and
// how many there were.
func (b *NATS) Flush(ctx context.Context) error {
	select {
	case <-b.js.PublishAsyncComplete():
	case <-ctx.Done():
		return fmt.Errorf("bus: flush: %d unacknowledged: %w", b.js.PublishAsyncPending(), ctx.Err())
	}
	b.asyncMu.Lock()
	defer b.asyncMu.Unlock()
	err, n := b.asyncErr, b.asyncN
	b.asyncErr, b.asyncN = nil, 0
	if err != nil {
		return fmt.Errorf("bus: flush: %d publishes failed, first: %w", n, err)
	}
	return nil
}

func (b *NATS) asyncFailed(_ jetstream.JetStream, msg *nats.Msg, err error) {
	b.asyncMu.Lock()
	defer b.asyncMu.Unlock()
	if b.asyncErr == nil {
		b.asyncErr = fmt.Errorf("%q: %w", strings.TrimPrefix(msg.Subject, b.prefix), err)
	}
	b.asyncN++
}

func (b *NATS) checkPublish(subject string) error {
	if !ValidSubject(subject) {
		return fmt.Errorf("bus: publish %q: %w", subject, ErrInvalidSubject)
	}
	if b.closed.Load() {
		return fmt.Errorf("bus: publish %q: %w", subject, ErrClosed)
	}
	return nil
}

// Subscribe implements Bus with a JetStream consumer filtered by pattern:
// durable when opts.Durable is set, otherwise ephemeral and removed on
// Unsubscribe. Lossless subscriptions acknowledge each event after the
// handler returns; lossy ones take events without acknowledgements into
// their queue and drop the oldest there when it is full.
func (b *NATS) Subscribe(ctx context.Context, pattern string, opts SubOptions, fn func(Event)) (Subscription, error) {
	if !ValidPattern(pattern) {
		return nil, fmt.Errorf("bus: subscribe %q: %w", pattern, ErrInvalidSubject)
	}
	if opts.Durable != "" && !validName(opts.Durable) {
		return nil, fmt.Errorf("bus: subscribe %q: durable name %q: %w", pattern, opts.Durable, ErrInvalidSubject)
	}
	s := &natsSub{bus: b, pattern: pattern, opts: opts, fn: fn}
	if opts.Lossy {
		s.mb = newMailbox(opts.buffer(), true)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed.Load() {
		return nil, fmt.Errorf("bus: subscribe %q: %w", pattern, ErrClosed)
	}
	if err := s.start(ctx); err != nil {
		return nil, fmt.Errorf("bus: subscribe %q: %w", pattern, err)
	}
	b.subs[s] = struct{}{}
	if s.mb != nil {
		b.lossy.Add(1)
		go func() {
			defer b.lossy.Done()
			s.mb.deliver(fn)
		}()
	}
	return s, nil
}

// Close implements Bus. It stops every consumer, waits for running
// handlers so that their acknowledgements are sent, flushes them to the
// server and closes the connection. Durable consumers stay on the server.
func (b *NATS) Close() error {
	b.mu.Lock()
	if b.closed.Swap(true) {
		b.mu.Unlock()
		return nil
	}
	subs := b.subs
	b.subs = nil
	b.mu.Unlock()

	for s := range subs {
		s.stop()
	}
	b.running.Lock()
	// Taking the write lock once is the wait for running handlers.
	b.running.Unlock()
	b.lossy.Wait()

	// A flush makes the server process every acknowledgement before the
	// connection goes, so that a durable resumed elsewhere right after does
	// not see those events again.
	var err error
	if ferr := b.nc.FlushTimeout(5 * time.Second); ferr != nil && !errors.Is(ferr, nats.ErrConnectionClosed) {
		err = fmt.Errorf("bus: close: flush: %w", ferr)
	}
	b.nc.Close()
	return err
}

// forget removes s from the open subscriptions.
func (b *NATS) forget(s *natsSub) {
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.subs, s)
}
