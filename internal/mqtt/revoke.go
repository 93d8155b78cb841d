package mqtt

import (
	"errors"

	mochi "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/packets"
)

// errRevoked is the stop cause of a connection whose device was disabled or
// whose secret was rotated.
var errRevoked = errors.New("mqtt: the device's credentials were revoked")

// DisconnectDevice ends every connection of the device at once (issue 9:
// device credentials revocable at once): its session is forgotten first, so
// a publish already on the wire is refused by the ACL check and never reaches
// the Handler, then an MQTT 5 client is told "administrative action" and the
// connection is closed. A CONNECT whose authentication was under way when
// the device was revoked is refused too (see OnConnectAuthenticate). The
// next CONNECT is checked against the platform as always, so the old secret,
// or a disabled device, gets no further. It returns the number of
// connections ended.
func (b *Broker) DisconnectDevice(device string) int {
	h := b.hook
	gen := h.revocations.Add(1)
	h.revokedMu.Lock()
	if h.revoked == nil {
		h.revoked = map[string]uint64{}
	}
	h.revoked[device] = max(h.revoked[device], gen)
	h.revokedMu.Unlock()
	n := 0
	h.sessions.Range(func(k, v any) bool {
		if v.(*session).device != device {
			return true
		}
		h.sessions.Delete(k)
		cl := k.(*mochi.Client)
		if cl.Properties.ProtocolVersion == 5 {
			_ = b.server.DisconnectClient(cl, packets.ErrAdministrativeAction)
		}
		cl.Stop(errRevoked)
		n++
		return true
	})
	return n
}

// revokedSince reports whether the device was revoked after the revocation
// count was gen.
func (h *hook) revokedSince(device string, gen uint64) bool {
	h.revokedMu.Lock()
	defer h.revokedMu.Unlock()
	return h.revoked[device] > gen
}
