// Package bus carries events between parts of the platform: alarm
// transitions, latest values and the like. It has two implementations with
// one contract, so that the rest of the platform does not know which one it
// runs on:
//
//   - InProcess, the default, for one binary. Nothing survives a restart.
//   - NATS, on a JetStream stream, for several platform nodes: every node
//     sees every event, and durable subscriptions resume after a restart.
//
// # Subjects
//
// Subjects are dot-separated tokens, such as "alarm.530502.raised" or
// "reading.latest.530581". Patterns use the NATS wildcards: "*" matches
// exactly one token and ">", only as the last token, matches one or more
// tokens. Wildcards are whole tokens only: "alarm.5305>" is the literal
// token "5305>" and matches nothing a publisher would send. Region filtering
// therefore works on whole division codes ("alarm.530502.>"); a subscriber
// that wants every county of city 5305 subscribes to "alarm.*.>" and compares
// the division token itself (strings.HasPrefix), because GB/T 2260 codes
// nest by digits, not by tokens.
//
// # Delivery and loss
//
// Each subscription has its own bounded queue and handler goroutine, so a
// slow handler delays only itself. What happens when the queue is full is
// chosen per subscription (see SubOptions.Lossy): a lossy subscription drops
// its oldest queued events and counts them; any other subscription makes
// the in-process publisher wait, at most until the context's deadline.
// Handlers of one subscription are called one at a time, in publish order
// for events from one publisher. Delivery is at least once on NATS: an
// event whose handler had not returned when a node died, or whose
// acknowledgement was lost with a connection, is delivered again, later
// and out of order, so handlers that must not repeat work deduplicate by
// Event.ID.
package bus

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/yingji/yingji/internal/core"
)

// Event is one message on the bus. Data is shared by every subscriber that
// receives the event, so handlers must not modify it.
type Event struct {
	// Subject is where the event was published, never a pattern.
	Subject string
	// Data is the payload, opaque to the bus.
	Data []byte
	// Time is when the bus accepted the event (the in-process publish call,
	// or the NATS server storing it), in UTC.
	Time time.Time
	// ID is unique per published event; on NATS it is also the message
	// ID the server deduplicates retried publishes by.
	ID string
}

// Bus publishes events and delivers them to matching subscriptions.
// Implementations are safe for concurrent use.
type Bus interface {
	// Publish sends data on subject. Any component may call it. It returns
	// an error wrapping ErrInvalidSubject (code EINVALID) for a subject with
	// wildcards or empty tokens, ErrClosed (EUNAVAILABLE) after Close, and
	// ErrBackPressure (EUNAVAILABLE) together with the context's error when
	// a subscription stayed full until the deadline. An in-process Publish
	// that fails reached no subscription; a NATS Publish that fails may
	// have been stored with its acknowledgement lost, so a retry can
	// deliver the event twice under two IDs.
	Publish(ctx context.Context, subject string, data []byte) error

	// Subscribe calls fn for each event whose subject matches pattern,
	// from the moment it returns (or from where opts says). ctx bounds the
	// setting up only; the subscription lives until Unsubscribe or Close.
	// It returns ErrInvalidSubject for a bad pattern or durable name,
	// ErrClosed after Close, and ErrConflict (ECONFLICT) when the
	// implementation cannot share a durable name that is in use.
	Subscribe(ctx context.Context, pattern string, opts SubOptions, fn func(Event)) (Subscription, error)

	// Close ends every subscription, waits for handlers that are running,
	// and releases the connection. It must not be called from a handler,
	// which it would wait for. Calling it again returns nil.
	Close() error
}

// Subscription is a live subscription.
type Subscription interface {
	// Unsubscribe stops delivery: no event published after it returns
	// reaches the handler, and queued events are discarded. It does not wait
	// for a handler call that is already running, so a handler may
	// unsubscribe itself. A durable subscription keeps its place on the
	// server (NATS) and resumes when subscribed again under the same name.
	Unsubscribe() error

	// Dropped is how many events this subscription has dropped because its
	// queue was full; only lossy subscriptions drop. It is meant for
	// /metrics, with a label the caller chooses.
	Dropped() uint64
}

// DeliverPolicy says where a new subscription starts. It is one field
// rather than two booleans so that "both" cannot be asked for.
type DeliverPolicy int

const (
	// DeliverNew starts with the first event published after Subscribe.
	DeliverNew DeliverPolicy = iota
	// DeliverAll starts with the oldest event the NATS stream still holds.
	// The in-process bus keeps no history, so there it equals DeliverNew.
	DeliverAll
)

// DefaultBuffer is the queue length of a subscription that does not set
// SubOptions.Buffer: room for a burst of alarms from a rain event without
// holding more than a few hundred kilobytes per subscription.
const DefaultBuffer = 1024

// SubOptions tunes a subscription. The zero value is an ephemeral,
// lossless subscription of DefaultBuffer events that starts with new events.
type SubOptions struct {
	// Durable names a consumer that outlives its subscriber. On NATS it is
	// a durable JetStream consumer: after a restart, subscribing under the
	// same name delivers what was published meanwhile, and two subscribers
	// sharing a name split its events between them, so each node that must
	// see everything uses its own name. In process nothing survives a
	// restart or an Unsubscribe; the name only guards against two live
	// subscriptions sharing it (ErrConflict). Names are one token: no dots,
	// wildcards or whitespace.
	Durable string
	// Deliver says where a new consumer starts; a durable that already
	// exists resumes where it left off whatever this says.
	Deliver DeliverPolicy
	// Buffer is the queue length; 0 means DefaultBuffer.
	Buffer int
	// Lossy marks a subscriber that can re-sync, such as a live SSE feed:
	// when its queue is full, the oldest queued events are dropped and
	// counted rather than slowing the publisher. Consumers that must see
	// every event (the notifier) leave it false.
	Lossy bool
}

func (o SubOptions) buffer() int {
	if o.Buffer <= 0 {
		return DefaultBuffer
	}
	return o.Buffer
}

// Errors returned by both implementations. They are *core.Error values so
// that the HTTP layer maps them without knowing about the bus; wrap checks
// use errors.Is.
var (
	// ErrClosed is returned by every call after Close.
	ErrClosed = &core.Error{Code: core.EUNAVAILABLE, Message: "bus: closed"}
	// ErrInvalidSubject is returned for a malformed subject, pattern or
	// durable name.
	ErrInvalidSubject = &core.Error{Code: core.EINVALID, Message: "bus: invalid subject"}
	// ErrBackPressure is returned when a lossless subscription stayed full
	// until the publisher's deadline.
	ErrBackPressure = &core.Error{Code: core.EUNAVAILABLE, Message: "bus: subscriber too slow"}
	// ErrConflict is returned for a second live in-process subscription
	// under one durable name.
	ErrConflict = &core.Error{Code: core.ECONFLICT, Message: "bus: durable name in use"}
)

// idSource makes event IDs: a random prefix per bus instance, so IDs from
// several nodes and restarts do not collide, and a counter, so making one
// costs no system call.
type idSource struct {
	prefix string
	n      atomic.Uint64
}

func newIDSource() *idSource {
	var b [10]byte
	// crypto/rand.Read never returns an error since Go 1.24.
	_, _ = rand.Read(b[:])
	return &idSource{prefix: base32.StdEncoding.EncodeToString(b[:]) + "-"}
}

func (s *idSource) next() string {
	buf := make([]byte, 0, len(s.prefix)+13)
	buf = append(buf, s.prefix...)
	return string(strconv.AppendUint(buf, s.n.Add(1), 36))
}
