// Package mqtt connects devices to the platform over MQTT: an embedded broker
// (mochi-mqtt v2) for the one-machine setup, a subscriber for an external broker
// (Mosquitto, EMQX, NATS's MQTT listener) when scaled out, and a pipelining
// publisher for the simulator and benchmarks.
//
// It is an adapter: it knows MQTT and nothing about readings. The platform gives
// it an Authenticator, which checks device credentials, and a Handler, which takes
// each message and acknowledges it once it is durable. Delivery is at least once:
// a device or broker that does not see the acknowledgement sends the message
// again, so the Handler may see the same message more than once.
package mqtt

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"
)

// Message is one publish from a device.
type Message struct {
	// Device is the device code: the authenticated device on the embedded
	// broker, the last topic level on an external broker.
	Device string
	// ClientID is the MQTT client identifier; empty for messages from an
	// external broker, which does not tell subscribers who published.
	ClientID string
	Topic    string    // as published
	Payload  []byte    // owned by the Handler; not reused by the adapter
	QoS      byte      // 0 or 1
	Received time.Time // when the adapter read it, for latency figures
}

// Handler takes a message. It is called on the goroutine that reads the
// connection, one message after another, so it must hand the message on (to
// a queue, a batch) rather than write it durably itself.
//
// For QoS 1 the broker does not acknowledge the message until the handler calls
// ack(nil), which it should do after the platform has written the message
// durably; ack may be called later and from another goroutine, and must be called
// exactly once (later calls are ignored). ack(err) refuses the message: an MQTT 5
// device gets a PUBACK with a reason code (see ReasonCoder), an MQTT 3.1.1 device
// gets no PUBACK at all, because 3.1.1 has no way to say no; it sends the
// message again only after it reconnects with a persistent session, and until
// then the message holds a slot of its in-flight window. On the Subscriber,
// ack(err) withholds the PUBACK from the external broker (see Subscriber).
//
// For QoS 0, ack is a no-op.
type Handler func(m Message, ack func(error))

// Authenticator checks device credentials at CONNECT.
type Authenticator interface {
	// AuthenticateDevice is called by the Broker for every CONNECT with the MQTT
	// username (the device code) and password (the device secret). It returns
	// the device code the connection acts for, or an error to refuse it.
	AuthenticateDevice(ctx context.Context, username, password string) (device string, err error)
}

// AuthenticatorFunc adapts a function to an Authenticator.
type AuthenticatorFunc func(ctx context.Context, username, password string) (string, error)

// AuthenticateDevice calls f.
func (f AuthenticatorFunc) AuthenticateDevice(ctx context.Context, username, password string) (string, error) {
	return f(ctx, username, password)
}

// ReasonCoder is implemented by errors that choose the MQTT 5 reason code of
// the PUBACK sent when a Handler refuses a message with ack(err). Errors
// without it, or with a code that is not a PUBACK error code, get
// ReasonUnspecified.
type ReasonCoder interface {
	ReasonCode() byte
}

// MQTT 5 PUBACK reason codes a Handler may choose through ReasonCoder.
const (
	ReasonUnspecified            byte = 0x80
	ReasonImplementationSpecific byte = 0x83
	ReasonNotAuthorized          byte = 0x87
	ReasonTopicNameInvalid       byte = 0x90
	ReasonQuotaExceeded          byte = 0x97
	ReasonPayloadFormatInvalid   byte = 0x99
)

// reasonCode picks the PUBACK reason code for a refusal; it never returns a
// success code, because a refusal that the device reads as success would lose
// the message.
func reasonCode(err error) byte {
	var rc ReasonCoder
	if !errors.As(err, &rc) {
		return ReasonUnspecified
	}
	switch c := rc.ReasonCode(); c {
	case ReasonUnspecified, ReasonImplementationSpecific, ReasonNotAuthorized,
		ReasonTopicNameInvalid, ReasonQuotaExceeded, ReasonPayloadFormatInvalid:
		return c
	default:
		return ReasonUnspecified
	}
}

// Topic layout shared by devices, the simulator and the platform.
const (
	ReadingsPrefix = "yingji/v1/readings/"
	CommandsPrefix = "yingji/v1/commands/"
	// DefaultTopic is the Subscriber's filter when none is given.
	DefaultTopic = ReadingsPrefix + "+"
)

// ReadingsTopic is the only topic a device may publish to.
func ReadingsTopic(device string) string { return ReadingsPrefix + device }

// CommandsTopic is the only topic a device may subscribe to.
func CommandsTopic(device string) string { return CommandsPrefix + device }

// validDevice rejects device codes that would make a topic ambiguous: with a
// slash or a wildcard in it, the ACL's exact match and the Subscriber's "last
// level is the device" rule would disagree about who published.
func validDevice(device string) bool {
	return device != "" && !strings.ContainsAny(device, "/+#\x00")
}

// deviceOf is the device code of a message from an external broker: the
// topic's last level, which must be a usable device code.
func deviceOf(topic string) (string, bool) {
	d := topic[strings.LastIndexByte(topic, '/')+1:]
	return d, validDevice(d)
}

// Refusal reasons, the keys of Stats.Refused.
const (
	RefusedAuth      = "auth"      // CONNECT with bad or unknown credentials
	RefusedTopic     = "topic"     // PUBLISH to a topic other than the device's own; at the Subscriber, a topic without a device code
	RefusedSubscribe = "subscribe" // SUBSCRIBE to a filter other than the device's commands
	RefusedQoS       = "qos"       // PUBLISH at QoS 2
	RefusedHandler   = "handler"   // the Handler called ack(err)
	RefusedRate      = "rate"      // PUBLISH over the device's rate limit (BrokerOptions.Limit)
)

// Stats is a snapshot of counters since start, for the platform's metrics.
type Stats struct {
	Connections     int64             // connected now
	MessagesIn      uint64            // messages handed to the Handler
	AcksSent        uint64            // PUBACKs written after ack(nil)
	AcksUndelivered uint64            // ack(nil) after the connection had gone; the sender will resend
	Pending         int64             // QoS 1 messages handed to the Handler and not yet acked
	Throttled       uint64            // times a read loop waited because MaxPendingPerClient was reached
	Refused         map[string]uint64 // by reason, see the Refused* constants
}

// counters are the atomics behind Stats; a struct of atomics rather than a
// mutex because every message touches them.
type counters struct {
	messagesIn, acksSent, acksUndelivered, throttled atomic.Uint64
	pending                                          atomic.Int64
	auth, topic, subscribe, qos, handler, rate       atomic.Uint64
}

func (c *counters) snapshot(connections int64) Stats {
	return Stats{
		Connections:     connections,
		MessagesIn:      c.messagesIn.Load(),
		AcksSent:        c.acksSent.Load(),
		AcksUndelivered: c.acksUndelivered.Load(),
		Pending:         c.pending.Load(),
		Throttled:       c.throttled.Load(),
		Refused: map[string]uint64{
			RefusedAuth:      c.auth.Load(),
			RefusedTopic:     c.topic.Load(),
			RefusedSubscribe: c.subscribe.Load(),
			RefusedQoS:       c.qos.Load(),
			RefusedHandler:   c.handler.Load(),
			RefusedRate:      c.rate.Load(),
		},
	}
}

// RefusedError is a PUBACK with an error reason code, as seen by a Publisher.
type RefusedError struct {
	Topic string // the refused message's topic
	Code  byte   // the PUBACK's reason code, ≥ 0x80
}

// Error describes the refusal.
func (e *RefusedError) Error() string {
	return fmt.Sprintf("mqtt: publish to %q refused with reason 0x%02x", e.Topic, e.Code)
}

// ReasonCode returns the broker's reason code, so a refusal can be passed on as is.
func (e *RefusedError) ReasonCode() byte { return e.Code }
