package mqtt

import (
	"time"

	mochi "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/packets"
)

// Limiter decides whether a key may go on (*ratelimit.Limiter).
type Limiter interface {
	Allow(key string) (bool, time.Duration)
}

// limitHook refuses a device's publishes over its rate limit before the
// devices hook hands them to the Handler. What the device gets:
//
//   - QoS 0: the message is dropped;
//   - QoS 1, MQTT 5: a PUBACK with reason 0x97 "quota exceeded" (the device
//     keeps the message and may send it again later);
//   - QoS 1, MQTT 3.1.1: no PUBACK, and the connection is closed — the only
//     refusal 3.1.1 has; the device resends the unacknowledged message when
//     it reconnects.
//
// Refusals are counted in Stats.Refused["rate"]; the Limiter reports (and
// audits) each limited device at most once a minute.
type limitHook struct {
	mochi.HookBase
	broker *Broker
}

func (h *limitHook) ID() string { return "yingji-rate-limit" }

func (h *limitHook) Provides(b byte) bool { return b == mochi.OnPublish }

func (h *limitHook) OnPublish(cl *mochi.Client, pk packets.Packet) (packets.Packet, error) {
	b := h.broker
	s := b.hook.session(cl)
	if s == nil {
		return pk, packets.ErrRejectPacket // the devices hook would refuse it too
	}
	if ok, _ := b.opts.Limit.Allow(s.limitKey); ok {
		return pk, nil
	}
	b.stats.rate.Add(1)
	switch {
	case pk.FixedHeader.Qos == 0:
		return pk, packets.ErrRejectPacket
	case cl.Properties.ProtocolVersion == 5:
		// written here rather than by returning the code, which mochi
		// would log as an error for every refused message of a flood
		_ = s.puback(pk.PacketID, packets.ErrQuotaExceeded.Code)
	default:
		cl.Stop(packets.ErrQuotaExceeded)
	}
	return pk, packets.ErrRejectPacket
}
