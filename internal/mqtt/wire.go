package mqtt

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/mochi-mqtt/server/v2/packets"
)

// ConnectError is a CONNACK that refused the connection.
type ConnectError struct {
	Version byte // the protocol version asked for, which decides how Code reads
	Code    byte // an MQTT 3.1.1 return code (1–5) or an MQTT 5 reason code (≥ 0x80)
}

// Error describes the refusal.
func (e *ConnectError) Error() string {
	return fmt.Sprintf("connection refused with code 0x%02x", e.Code)
}

// BadCredentials reports whether the broker refused the username or password.
func (e *ConnectError) BadCredentials() bool {
	if e.Version == 5 {
		return e.Code == 0x86 || e.Code == 0x87
	}
	return e.Code == 4 || e.Code == 5
}

// maxRemaining is MQTT's largest packet body (a four-byte variable length).
const maxRemaining = 268_435_455

// hostPort accepts the URL forms that configuration and the simulator use.
func hostPort(raw string) (string, error) {
	if !strings.Contains(raw, "://") {
		return raw, nil
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", err
	}
	if u.Scheme != "tcp" && u.Scheme != "mqtt" {
		return "", fmt.Errorf("broker URL %q: scheme %q not supported, want tcp or mqtt", raw, u.Scheme)
	}
	if u.Port() == "" {
		return net.JoinHostPort(u.Hostname(), "1883"), nil
	}
	return u.Host, nil
}

// handshake sends CONNECT and reads the CONNACK. The codec is mochi's, which
// encodes both protocol versions; only the hot path (PUBLISH, PUBACK) is
// encoded by hand, to avoid its per-packet buffers.
func handshake(conn net.Conn, r *bufio.Reader, clientID, username, password string, version byte) (packets.Packet, error) {
	connect := packets.Packet{
		FixedHeader:     packets.FixedHeader{Type: packets.Connect},
		ProtocolVersion: version,
		Connect: packets.ConnectParams{
			ProtocolName:     []byte("MQTT"),
			ClientIdentifier: clientID,
			Clean:            true,
			Keepalive:        keepalive,
			UsernameFlag:     username != "",
			Username:         []byte(username),
			PasswordFlag:     password != "",
			Password:         []byte(password),
		},
	}
	var buf bytes.Buffer
	if err := connect.ConnectEncode(&buf); err != nil {
		return packets.Packet{}, err
	}
	if _, err := conn.Write(buf.Bytes()); err != nil {
		return packets.Packet{}, err
	}

	hb, body, err := readPacket(r, nil)
	if err != nil {
		return packets.Packet{}, fmt.Errorf("read CONNACK: %w", err)
	}
	ack := packets.Packet{ProtocolVersion: version}
	if err := ack.FixedHeader.Decode(hb); err != nil {
		return packets.Packet{}, err
	}
	if ack.FixedHeader.Type != packets.Connack {
		return packets.Packet{}, fmt.Errorf("got packet type %d, want CONNACK", ack.FixedHeader.Type)
	}
	ack.FixedHeader.Remaining = len(body)
	if err := ack.ConnackDecode(body); err != nil {
		return packets.Packet{}, err
	}
	if ack.ReasonCode != 0 {
		return packets.Packet{}, &ConnectError{Version: version, Code: ack.ReasonCode}
	}
	return ack, nil
}

// readPacket reads one packet's first byte and body, reusing buf.
func readPacket(r *bufio.Reader, buf []byte) (byte, []byte, error) {
	hb, err := r.ReadByte()
	if err != nil {
		return 0, nil, err
	}
	n, _, err := packets.DecodeLength(r)
	if err != nil {
		return 0, nil, err
	}
	if cap(buf) < n {
		buf = make([]byte, n)
	}
	buf = buf[:n]
	if _, err := io.ReadFull(r, buf); err != nil {
		return 0, nil, err
	}
	return hb, buf, nil
}

// appendPublish encodes a PUBLISH with no properties.
func appendPublish(b []byte, version byte, topic string, payload []byte, qos byte, id uint16) []byte {
	remaining := 2 + len(topic) + len(payload)
	if qos > 0 {
		remaining += 2
	}
	if version == 5 {
		remaining++
	}
	b = append(b, packets.Publish<<4|qos<<1)
	for {
		digit := byte(remaining % 128)
		remaining /= 128
		if remaining > 0 {
			digit |= 0x80
		}
		b = append(b, digit)
		if remaining == 0 {
			break
		}
	}
	b = binary.BigEndian.AppendUint16(b, uint16(len(topic)))
	b = append(b, topic...)
	if qos > 0 {
		b = binary.BigEndian.AppendUint16(b, id)
	}
	if version == 5 {
		b = append(b, 0) // property length
	}
	return append(b, payload...)
}

// readLoop takes PUBACKs off the connection until it fails.
func (p *Publisher) readLoop(r *bufio.Reader) {
	defer p.wg.Done()
	var buf []byte
	for {
		hb, body, err := readPacket(r, buf)
		if err != nil {
			p.fail(fmt.Errorf("mqtt: publisher connection: %w", err))
			return
		}
		buf = body
		switch hb >> 4 {
		case packets.Puback:
			if len(body) < 2 {
				p.fail(errors.New("mqtt: publisher connection: malformed PUBACK"))
				return
			}
			var code byte
			if p.version == 5 && len(body) > 2 {
				code = body[2]
			}
			p.acked(binary.BigEndian.Uint16(body), code)
		case packets.Disconnect:
			var code byte
			if len(body) > 0 {
				code = body[0]
			}
			p.fail(fmt.Errorf("mqtt: broker disconnected the publisher with reason 0x%02x", code))
			return
		}
	}
}

// acked settles the message with packet identifier id.
func (p *Publisher) acked(id uint16, code byte) {
	p.mu.Lock()
	m, ok := p.pending[id]
	if !ok {
		// A stray or duplicate PUBACK: nothing waits for it.
		p.mu.Unlock()
		return
	}
	delete(p.pending, id)
	var err error
	if code >= ReasonUnspecified {
		err = &RefusedError{Topic: m.topic, Code: code}
		if p.refused == 0 {
			p.first = err
		}
		p.refused++
	}
	if len(p.pending) == 0 && p.idle != nil {
		close(p.idle)
		p.idle = nil
	}
	p.mu.Unlock()
	<-p.window
	if m.receipt != nil {
		m.receipt.err = err
		close(m.receipt.done)
	}
}

// flush writes the buffer. The buffers are swapped under bufMu and written
// outside it, so callers keep encoding while the write is in the kernel.
func (p *Publisher) flush() error {
	p.writeMu.Lock()
	defer p.writeMu.Unlock()
	p.bufMu.Lock()
	b := p.out
	p.out = p.spare[:0]
	p.bufMu.Unlock()
	p.spare = b[:0]
	if len(b) == 0 {
		return nil
	}
	if _, err := p.conn.Write(b); err != nil {
		err = fmt.Errorf("mqtt: publisher write: %w", err)
		p.fail(err)
		return err
	}
	return nil
}

func (p *Publisher) flushLoop() {
	defer p.wg.Done()
	for {
		select {
		case <-p.kick:
			_ = p.flush()
		case <-p.done:
			return
		}
	}
}

// pingLoop keeps an idle connection alive; the broker drops clients silent
// for 1.5 keepalive periods.
func (p *Publisher) pingLoop() {
	defer p.wg.Done()
	t := time.NewTicker(keepalive * time.Second / 2)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			p.bufMu.Lock()
			p.out = append(p.out, packets.Pingreq<<4, 0)
			p.bufMu.Unlock()
			_ = p.flush()
		case <-p.done:
			return
		}
	}
}
