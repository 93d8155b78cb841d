package mqtt

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"sync/atomic"
	"time"

	"github.com/mochi-mqtt/server/v2/packets"
)

// Counter is a bare MQTT 3.1.1 subscriber that only counts the messages it
// receives. A full client library can fall behind a fast broker (Mosquitto
// then drops messages to it), which would understate a relay baseline.
type Counter struct {
	conn net.Conn
	n    atomic.Int64
}

// Count subscribes to topic at QoS 0 on the broker at addr (host:port).
func Count(addr, clientID, topic string) (*Counter, error) {
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	r := bufio.NewReaderSize(conn, 64<<10)
	if _, err := handshake(conn, r, clientID, "", "", 4); err != nil {
		conn.Close()
		return nil, err
	}
	sub := packets.Packet{
		FixedHeader:     packets.FixedHeader{Type: packets.Subscribe, Qos: 1},
		ProtocolVersion: 4,
		PacketID:        1,
		Filters:         packets.Subscriptions{{Filter: topic, Qos: 0}},
	}
	var buf bytes.Buffer
	if err := sub.SubscribeEncode(&buf); err != nil {
		conn.Close()
		return nil, err
	}
	if _, err := conn.Write(buf.Bytes()); err != nil {
		conn.Close()
		return nil, err
	}
	hb, body, err := readPacket(r, nil)
	if err != nil || hb>>4 != packets.Suback || len(body) < 3 || body[2] >= 0x80 {
		conn.Close()
		return nil, fmt.Errorf("mqtt: count: SUBACK header 0x%02x, body %x: %v", hb, body, err)
	}
	c := &Counter{conn: conn}
	go func() {
		var buf []byte
		for {
			hb, body, err := readPacket(r, buf)
			if err != nil {
				return
			}
			buf = body
			if hb>>4 == packets.Publish {
				c.n.Add(1)
			}
		}
	}()
	return c, nil
}

// N is the number of messages received so far.
func (c *Counter) N() int64 { return c.n.Load() }

// Reached returns a channel closed once n messages have arrived (checked
// every millisecond, which is what it adds to a measurement at most).
func (c *Counter) Reached(n int64) <-chan struct{} {
	ch := make(chan struct{})
	go func() {
		for c.N() < n {
			time.Sleep(time.Millisecond)
		}
		close(ch)
	}()
	return ch
}

// Close disconnects.
func (c *Counter) Close() error { return c.conn.Close() }
