package mqtt

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
)

// SubscriberOptions configures a Subscriber.
type SubscriberOptions struct {
	// URL of the broker, e.g. tcp://127.0.0.1:1883.
	URL string
	// ClientID names the persistent session on the broker, so it must stay the
	// same across restarts, and differ between platform nodes.
	ClientID string
	// Username and Password, if the broker wants them for the platform.
	Username, Password string
	// Topic is the filter subscribed to; default DefaultTopic. The last level
	// of every topic it matches must be the device code.
	Topic string
	// Handler takes every message.
	Handler Handler
	// MaxReconnectInterval caps the exponential backoff between reconnection
	// attempts. Default 30s.
	MaxReconnectInterval time.Duration
	// Logger receives connection events. Default: discard.
	Logger *slog.Logger
}

// Subscriber takes device messages from an external broker with MQTT 3.1.1, a
// persistent session and QoS 1, so that messages published while the platform
// is down wait on the broker and are delivered when it reconnects.
//
// The external broker authenticates the devices; the Subscriber cannot, and
// the platform trusts the topic: Message.Device is the topic's last level, so
// the broker's ACL must confine each device to its own topic.
//
// The PUBACK goes to the broker only when the Handler calls ack(nil). ack(err)
// withholds it: the broker sends the message again after the next reconnect.
// Until then the message holds one slot of the broker's in-flight window for
// this session (Mosquitto: max_inflight_messages, 20 by default), and when all
// slots are held delivery stops. A message refused for its content will fail
// again when redelivered, so the platform should record it as rejected and
// ack(nil) rather than refuse it. An ack that comes after the connection it
// belongs to has gone is dropped; the broker redelivers that message too.
type Subscriber struct {
	opts      SubscriberOptions
	client    paho.Client
	stats     counters
	firstSub  chan error // the result of the first SUBSCRIBE, for Start
	announced atomic.Bool
}

// NewSubscriber checks opts; it connects on Start.
func NewSubscriber(opts SubscriberOptions) (*Subscriber, error) {
	if opts.URL == "" || opts.ClientID == "" || opts.Handler == nil {
		return nil, errors.New("mqtt: new subscriber: URL, ClientID and Handler are required")
	}
	if _, err := hostPort(opts.URL); err != nil {
		return nil, fmt.Errorf("mqtt: new subscriber: %w", err)
	}
	if opts.Topic == "" {
		opts.Topic = DefaultTopic
	}
	if opts.MaxReconnectInterval <= 0 {
		opts.MaxReconnectInterval = 30 * time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Subscriber{opts: opts, firstSub: make(chan error, 1)}

	brokerURL := opts.URL
	if !strings.Contains(brokerURL, "://") {
		brokerURL = "tcp://" + brokerURL
	}
	brokerURL = strings.Replace(brokerURL, "mqtt://", "tcp://", 1)
	co := paho.NewClientOptions().
		AddBroker(brokerURL).
		SetClientID(opts.ClientID).
		SetUsername(opts.Username).
		SetPassword(opts.Password).
		SetProtocolVersion(4).
		SetCleanSession(false).
		SetAutoAckDisabled(true).
		// The Handler only hands messages on, so calling it in order on one
		// goroutine costs nothing and keeps each device's readings in order.
		SetOrderMatters(true).
		SetAutoReconnect(true).
		SetConnectRetry(true).
		SetConnectRetryInterval(time.Second).
		SetMaxReconnectInterval(opts.MaxReconnectInterval).
		SetKeepAlive(30 * time.Second).
		// Messages of the persistent session may arrive before SUBSCRIBE is
		// answered, and messages for filters of an older configuration may
		// still be queued: all of them go to the Handler.
		SetDefaultPublishHandler(s.onMessage).
		SetOnConnectHandler(s.onConnect).
		SetConnectionLostHandler(func(_ paho.Client, err error) {
			opts.Logger.Warn("mqtt: external broker connection lost", "url", opts.URL, "error", err)
		}).
		SetReconnectingHandler(func(paho.Client, *paho.ClientOptions) {
			opts.Logger.Info("mqtt: reconnecting to external broker", "url", opts.URL)
		})
	s.client = paho.NewClient(co)
	return s, nil
}

// Start connects and subscribes, retrying until ctx ends. Once it has
// returned nil, the Subscriber reconnects by itself until Close. Call it once;
// to resume after Close, make a new Subscriber with the same ClientID.
func (s *Subscriber) Start(ctx context.Context) error {
	token := s.client.Connect()
	select {
	case <-token.Done():
		if err := token.Error(); err != nil {
			return fmt.Errorf("mqtt: subscriber connect %s: %w", s.opts.URL, err)
		}
	case <-ctx.Done():
		s.client.Disconnect(0)
		return fmt.Errorf("mqtt: subscriber connect %s: %w", s.opts.URL, ctx.Err())
	}
	select {
	case err := <-s.firstSub:
		if err != nil {
			s.client.Disconnect(0)
			return err
		}
		return nil
	case <-ctx.Done():
		s.client.Disconnect(0)
		return fmt.Errorf("mqtt: subscriber subscribe %q: %w", s.opts.Topic, ctx.Err())
	}
}

// Close disconnects, leaving the session on the broker so that messages keep
// queueing there for the next Start with the same ClientID.
func (s *Subscriber) Close() error {
	s.client.Disconnect(250)
	return nil
}

// Stats returns the subscriber's counters. AcksSent counts acks handed to the
// client library, which drops those whose connection has gone.
func (s *Subscriber) Stats() Stats {
	var connections int64
	if s.client.IsConnectionOpen() {
		connections = 1
	}
	return s.stats.snapshot(connections)
}

// onConnect subscribes on every connection: the broker keeps the subscription
// in the session, but one that lost its state (restarted without
// persistence) would otherwise deliver nothing.
func (s *Subscriber) onConnect(c paho.Client) {
	err := s.subscribe(c)
	if err != nil {
		s.opts.Logger.Error("mqtt: subscribe on external broker", "url", s.opts.URL, "topic", s.opts.Topic, "error", err)
	} else {
		s.opts.Logger.Info("mqtt: subscribed on external broker", "url", s.opts.URL, "topic", s.opts.Topic)
	}
	if s.announced.CompareAndSwap(false, true) {
		s.firstSub <- err
	}
}

func (s *Subscriber) subscribe(c paho.Client) error {
	t := c.Subscribe(s.opts.Topic, 1, nil)
	t.Wait()
	if err := t.Error(); err != nil {
		return fmt.Errorf("mqtt: subscribe %q: %w", s.opts.Topic, err)
	}
	if st, ok := t.(*paho.SubscribeToken); ok {
		if code := st.Result()[s.opts.Topic]; code >= 0x80 {
			return fmt.Errorf("mqtt: subscribe %q: refused by the broker (0x%02x)", s.opts.Topic, code)
		}
	}
	return nil
}

func (s *Subscriber) onMessage(_ paho.Client, pm paho.Message) {
	topic := pm.Topic()
	device, ok := deviceOf(topic)
	if !ok {
		// no device can be named by this topic: redelivering it would not
		// help, so it is acknowledged and counted as refused.
		s.stats.topic.Add(1)
		s.opts.Logger.Debug("mqtt: message on a topic without a device code", "topic", topic)
		pm.Ack()
		return
	}
	m := Message{
		Device:   device,
		Topic:    topic,
		Payload:  pm.Payload(),
		QoS:      pm.Qos(),
		Received: time.Now(),
	}
	s.stats.messagesIn.Add(1)
	if m.QoS == 0 {
		s.opts.Handler(m, noAck)
		return
	}
	s.stats.pending.Add(1)
	var done atomic.Bool
	s.opts.Handler(m, func(err error) {
		if !done.CompareAndSwap(false, true) {
			return
		}
		s.stats.pending.Add(-1)
		if err != nil {
			s.stats.handler.Add(1)
			return
		}
		pm.Ack()
		s.stats.acksSent.Add(1)
	})
}
