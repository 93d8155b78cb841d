package mqtt

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	mochi "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/packets"
)

// hook is where the broker departs from plain mochi: it authenticates devices,
// confines each to its own topics, and takes every publish away from mochi's
// routing so that the PUBACK can wait for the Handler.
//
// mochi writes a QoS 1 PUBACK as soon as OnPublish returns, on the connection's
// read loop. Waiting there for the journal's fsync would stall every message
// behind it on that connection, so OnPublish returns packets.ErrRejectPacket,
// after which mochi neither acknowledges nor routes the packet, and the ack
// function writes the PUBACK later with Client.WritePacket. WritePacket is safe
// from any goroutine: mochi's own write loop calls it concurrently with the
// read loop, and it serialises writes with the client's lock.
//
// Rejecting the packet skips mochi's inbound flow-control bookkeeping as well:
// the receive quota is checked but never decremented and the inflight map is
// never touched for inbound messages, so both stay at their idle values and
// cannot drift. The session's slots take over that accounting.
type hook struct {
	mochi.HookBase
	broker *Broker

	sessions sync.Map // *mochi.Client → *session
	auths    atomic.Uint64

	// revocations counts DisconnectDevice calls; revoked holds, per device,
	// the count at its last revocation (revoke.go).
	revocations atomic.Uint64
	revokedMu   sync.Mutex
	revoked     map[string]uint64
}

// session is what the broker knows about one authenticated connection.
type session struct {
	cl       *mochi.Client
	device   string
	readings string // the one topic it may publish to
	commands string // the one filter it may subscribe to
	limitKey string // "device:CODE", its key in BrokerOptions.Limit
	version  byte
	// slots holds a token per QoS 1 message the Handler has not acked yet.
	slots chan struct{}
}

// sweepEvery is how often (in successful authentications) sessions of closed
// connections are swept: mochi skips OnDisconnect when a connection fails
// between authentication and CONNACK, which would otherwise leak them.
const sweepEvery = 256

// ID names the hook in mochi's logs.
func (h *hook) ID() string { return "yingji-devices" }

// Provides lists the mochi events the hook handles.
func (h *hook) Provides(b byte) bool {
	switch b {
	case mochi.OnConnectAuthenticate, mochi.OnACLCheck, mochi.OnPacketRead, mochi.OnPublish, mochi.OnDisconnect:
		return true
	}
	return false
}

// OnConnectAuthenticate checks the device's credentials with the platform.
func (h *hook) OnConnectAuthenticate(cl *mochi.Client, pk packets.Packet) bool {
	b := h.broker
	if !pk.Connect.UsernameFlag || !pk.Connect.PasswordFlag {
		b.stats.auth.Add(1)
		return false
	}
	gen := h.revocations.Load()
	ctx, cancel := context.WithTimeout(b.ctx, b.opts.AuthTimeout)
	device, err := b.opts.Authenticator.AuthenticateDevice(ctx, string(pk.Connect.Username), string(pk.Connect.Password))
	cancel()
	if err == nil && h.revokedSince(device, gen) {
		// revoked while its credentials were being checked: they may be the old ones.
		err = errRevoked
	}
	if err == nil && !validDevice(device) {
		b.opts.Logger.Error("mqtt: authenticator returned an unusable device code", "username", string(pk.Connect.Username), "device", device)
		err = errUnusableDevice
	}
	if err != nil {
		b.stats.auth.Add(1)
		b.opts.Logger.Debug("mqtt: connect refused", "username", string(pk.Connect.Username), "remote", cl.Net.Remote, "error", err)
		return false
	}

	// A will is published by mochi to subscribers without an ACL check and
	// never reaches the Handler, so it could only be used to reach another
	// device's commands topic.
	cl.Properties.Will = mochi.Will{}

	h.sessions.Store(cl, &session{
		cl:       cl,
		device:   device,
		readings: ReadingsTopic(device),
		commands: CommandsTopic(device),
		limitKey: "device:" + device,
		version:  cl.Properties.ProtocolVersion,
		slots:    make(chan struct{}, b.opts.MaxPendingPerClient),
	})
	if h.auths.Add(1)%sweepEvery == 0 {
		h.sweep()
	}
	return true
}

// sweep forgets sessions whose connection has closed. A message still being
// processed keeps its session through the ack closure, so nothing pending is lost.
func (h *hook) sweep() {
	h.sessions.Range(func(k, _ any) bool {
		if k.(*mochi.Client).Closed() {
			h.sessions.Delete(k)
		}
		return true
	})
}

// OnDisconnect forgets the connection's session.
func (h *hook) OnDisconnect(cl *mochi.Client, _ error, _ bool) {
	h.sessions.Delete(cl)
}

func (h *hook) session(cl *mochi.Client) *session {
	v, ok := h.sessions.Load(cl)
	if !ok {
		return nil
	}
	return v.(*session)
}

// OnACLCheck lets a device publish only its readings and subscribe only to its
// commands. mochi answers a refused publish itself: dropped at QoS 0, a PUBACK
// with 0x87 for MQTT 5, a disconnect for MQTT 3.1.1.
func (h *hook) OnACLCheck(cl *mochi.Client, topic string, write bool) bool {
	s := h.session(cl)
	switch {
	case s == nil:
		return false
	case write && topic == s.readings, !write && topic == s.commands:
		return true
	case write:
		h.broker.stats.topic.Add(1)
	default:
		h.broker.stats.subscribe.Add(1)
	}
	return false
}

// OnPacketRead refuses QoS 2 publishes before mochi sees them: with MaximumQos
// at 1, mochi would quietly downgrade them and answer a PUBACK where the client
// waits for a PUBREC.
func (h *hook) OnPacketRead(cl *mochi.Client, pk packets.Packet) (packets.Packet, error) {
	if pk.FixedHeader.Type != packets.Publish || pk.FixedHeader.Qos < 2 {
		return pk, nil
	}
	h.broker.stats.qos.Add(1)
	if cl.Properties.ProtocolVersion == 5 {
		_ = h.broker.server.DisconnectClient(cl, packets.ErrQosNotSupported)
	}
	// Rejecting a packet at read time ends the connection, the only answer
	// MQTT 3.1.1 has for a QoS it does not support.
	return pk, packets.ErrRejectPacket
}

// OnPublish hands the message to the Handler and always rejects the packet, so
// that mochi neither acknowledges nor routes it (see hook).
func (h *hook) OnPublish(cl *mochi.Client, pk packets.Packet) (packets.Packet, error) {
	b := h.broker
	s := h.session(cl)
	if s == nil {
		return pk, packets.ErrRejectPacket
	}
	m := Message{
		Device:   s.device,
		ClientID: cl.ID,
		Topic:    pk.TopicName,
		Payload:  pk.Payload, // mochi decodes every packet into fresh memory
		QoS:      pk.FixedHeader.Qos,
		Received: time.Now(),
	}
	if m.QoS == 0 {
		b.stats.messagesIn.Add(1)
		b.opts.Handler(m, noAck)
		return pk, packets.ErrRejectPacket
	}
	if !s.acquire(b) {
		return pk, packets.ErrRejectPacket
	}
	b.stats.messagesIn.Add(1)
	b.stats.pending.Add(1)
	b.opts.Handler(m, s.acker(b, pk.PacketID))
	return pk, packets.ErrRejectPacket
}

func noAck(error) {}

var errUnusableDevice = errors.New("mqtt: device code is empty or holds a topic separator or wildcard")

// acquire takes a pending slot, waiting on the read loop when none is free:
// the connection stops being read, TCP fills up, and the publisher slows down.
func (s *session) acquire(b *Broker) bool {
	select {
	case s.slots <- struct{}{}:
		return true
	default:
	}
	b.stats.throttled.Add(1)
	select {
	case s.slots <- struct{}{}:
		return true
	case <-b.closing:
		return false
	}
}

// acker returns the ack function for one QoS 1 message.
func (s *session) acker(b *Broker, id uint16) func(error) {
	var done atomic.Bool
	return func(err error) {
		if !done.CompareAndSwap(false, true) {
			return
		}
		// Free the slot before the PUBACK is written: the client may send its
		// next message as soon as it reads the PUBACK, and that message must
		// find a free slot, or this count would run ahead of the client's own.
		<-s.slots
		b.stats.pending.Add(-1)
		if err != nil {
			b.stats.handler.Add(1)
			if s.version >= 5 {
				_ = s.puback(id, reasonCode(err))
			}
			return
		}
		// Counted before the write so that a client holding its PUBACK never
		// sees a count without it; taken back if the write fails.
		b.stats.acksSent.Add(1)
		if s.puback(id, 0) != nil {
			b.stats.acksSent.Add(^uint64(0))
			b.stats.acksUndelivered.Add(1)
		}
	}
}

func (s *session) puback(id uint16, code byte) error {
	return s.cl.WritePacket(packets.Packet{
		FixedHeader: packets.FixedHeader{Type: packets.Puback},
		PacketID:    id,
		ReasonCode:  code,
	})
}
