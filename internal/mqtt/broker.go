package mqtt

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"sync"
	"sync/atomic"
	"time"

	mochi "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/listeners"
)

// BrokerOptions configures an embedded Broker.
type BrokerOptions struct {
	// Addr is the TCP address to listen on, e.g. "127.0.0.1:1883"; a port of 0
	// picks a free one, which Addr reports after Start.
	Addr string
	// Authenticator checks every CONNECT; there is no anonymous access.
	Authenticator Authenticator
	// Handler takes every accepted publish.
	Handler Handler
	// MaxPendingPerClient bounds the QoS 1 messages of one connection that the
	// Handler holds unacknowledged. When it is reached, the connection's read
	// loop waits for an ack, which slows that publisher down instead of
	// queueing without bound. It is also the Receive Maximum announced to
	// MQTT 5 clients, so a well-behaved MQTT 5 client never reaches it.
	// Default 1024; at most 65535.
	MaxPendingPerClient int
	// AuthTimeout bounds one AuthenticateDevice call. Default 10s.
	AuthTimeout time.Duration
	// TLSConfig, when set, makes the listener TLS only (MQTT over TLS, as
	// on port 8883).
	TLSConfig *tls.Config
	// Limit, when set, limits each device's publishes (key "device:CODE");
	// see limitHook for what a refused publish gets.
	Limit Limiter
	// Logger receives the broker's and mochi's logs. Default: discard. At
	// debug level mochi logs every publish as "rejected": that is how the
	// hook takes messages away from its routing.
	Logger *slog.Logger
}

// Defaults for BrokerOptions.
const (
	DefaultMaxPendingPerClient = 1024
	DefaultAuthTimeout         = 10 * time.Second
)

// Broker is the embedded MQTT broker: devices connect to it directly, and
// everything they publish goes to the Handler rather than to other clients.
type Broker struct {
	opts     BrokerOptions
	server   *mochi.Server
	listener *listeners.TCP
	hook     *hook
	stats    counters

	// ctx bounds authentication calls; closing releases read loops that wait
	// for a pending slot, so that mochi's Close, which waits for every client
	// goroutine, cannot hang on them.
	ctx     context.Context
	cancel  context.CancelFunc
	closing chan struct{}

	started   atomic.Bool
	closeOnce sync.Once
}

// NewBroker checks opts and prepares a broker; it listens only on Start.
func NewBroker(opts BrokerOptions) (*Broker, error) {
	if opts.Authenticator == nil || opts.Handler == nil {
		return nil, errors.New("mqtt: new broker: an Authenticator and a Handler are required")
	}
	if opts.Addr == "" {
		return nil, errors.New("mqtt: new broker: no address")
	}
	if opts.MaxPendingPerClient <= 0 {
		opts.MaxPendingPerClient = DefaultMaxPendingPerClient
	}
	if opts.MaxPendingPerClient > math.MaxUint16 {
		return nil, fmt.Errorf("mqtt: new broker: MaxPendingPerClient %d is above MQTT's limit of 65535", opts.MaxPendingPerClient)
	}
	if opts.AuthTimeout <= 0 {
		opts.AuthTimeout = DefaultAuthTimeout
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}

	caps := mochi.NewDefaultServerCapabilities()
	// QoS 2 would need PUBREC/PUBREL bookkeeping that the asynchronous ack
	// does not do, and devices gain nothing from it over QoS 1 with
	// duplicate-tolerant storage.
	caps.MaximumQos = 1
	caps.ReceiveMaximum = uint16(opts.MaxPendingPerClient)
	server := mochi.New(&mochi.Options{
		Capabilities: caps,
		Logger:       opts.Logger,
		// $SYS topics are unused: devices may subscribe to their commands
		// topic only. Publish them rarely rather than every second.
		SysTopicResendInterval: 3600,
	})

	ctx, cancel := context.WithCancel(context.Background())
	b := &Broker{
		opts:     opts,
		server:   server,
		listener: listeners.NewTCP(listeners.Config{ID: "devices", Address: opts.Addr, TLSConfig: opts.TLSConfig}),
		ctx:      ctx,
		cancel:   cancel,
		closing:  make(chan struct{}),
	}
	b.hook = &hook{broker: b}
	if opts.Limit != nil {
		// before the devices hook, which takes every publish it sees
		if err := server.AddHook(&limitHook{broker: b}, nil); err != nil {
			cancel()
			return nil, fmt.Errorf("mqtt: new broker: %w", err)
		}
	}
	if err := server.AddHook(b.hook, nil); err != nil {
		cancel()
		return nil, fmt.Errorf("mqtt: new broker: %w", err)
	}
	return b, nil
}

// Start listens and begins accepting devices; it returns once the listener is
// bound, so Addr is then the real address.
func (b *Broker) Start() error {
	if !b.started.CompareAndSwap(false, true) {
		return errors.New("mqtt: broker already started")
	}
	if err := b.server.AddListener(b.listener); err != nil {
		return fmt.Errorf("mqtt: listen on %s: %w", b.opts.Addr, err)
	}
	if err := b.server.Serve(); err != nil {
		return fmt.Errorf("mqtt: serve: %w", err)
	}
	b.opts.Logger.Info("mqtt broker listening", "addr", b.Addr())
	return nil
}

// Addr is the address the broker listens on: after Start, the bound address
// (with the port chosen for ":0"); before, the configured one.
func (b *Broker) Addr() string {
	return b.listener.Address()
}

// Close stops accepting connections and disconnects every client. Acks that
// arrive afterwards are counted as undelivered; the devices resend those
// messages when they reconnect.
func (b *Broker) Close() error {
	b.closeOnce.Do(func() {
		close(b.closing)
		b.cancel()
		if b.started.Load() {
			_ = b.server.Close()
		}
	})
	return nil
}

// Stats returns the broker's counters.
func (b *Broker) Stats() Stats {
	return b.stats.snapshot(atomic.LoadInt64(&b.server.Info.ClientsConnected))
}
