package mqtt

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/mochi-mqtt/server/v2/packets"
)

// ErrClosed is returned by a Publisher after Close.
var ErrClosed = errors.New("mqtt: publisher closed")

// Publisher is a publish-only MQTT client for the simulator and benchmarks. It
// speaks MQTT 3.1.1 and 5 over one connection, keeps up to a window of QoS 1
// messages in flight and waits for their PUBACKs on its own goroutine, so one
// publisher is not limited to one message per round trip. Writes are batched:
// messages are encoded into a buffer that a flusher goroutine writes while the
// caller goes on encoding the next ones.
//
// It does not reconnect: when the connection fails, every outstanding message
// fails with the error and later calls return it.
type Publisher struct {
	conn    net.Conn
	version byte
	maxQoS  byte
	window  chan struct{} // a token per QoS 1 message awaiting its PUBACK

	bufMu sync.Mutex
	out   []byte // encoded packets not yet written

	writeMu sync.Mutex // serialises writes to conn; guards spare
	spare   []byte     // the other half of the double buffer
	kick    chan struct{}

	mu       sync.Mutex
	pending  map[uint16]inflight
	nextID   uint16
	idle     chan struct{} // closed when pending drains; nil while it is empty
	refused  int
	first    error // the first refusal since the last Flush
	failErr  error
	done     chan struct{} // closed on failure or Close
	failOnce sync.Once

	closeOnce sync.Once
	wg        sync.WaitGroup
}

type inflight struct {
	topic   string
	receipt *Receipt // nil when the caller did not ask for one
}

// Receipt tracks the acknowledgement of one message sent with Send.
type Receipt struct {
	done chan struct{}
	err  error
}

// Done is closed when the broker has acknowledged or refused the message, or
// the connection has failed.
func (r *Receipt) Done() <-chan struct{} { return r.done }

// Err is nil for an acknowledged message, a *RefusedError for a refused one,
// or the connection's error. It is valid once Done is closed.
func (r *Receipt) Err() error { return r.err }

var delivered = func() *Receipt {
	r := &Receipt{done: make(chan struct{})}
	close(r.done)
	return r
}()

const (
	publishWindow = 1024
	keepalive     = 30 // seconds
	// highWater is the buffer size at which Publish writes the buffer itself
	// rather than leaving it to the flusher, so QoS 0 cannot grow it without bound.
	highWater = 256 << 10
)

// Dial connects to the broker at url (tcp://host:port, mqtt://host:port or
// host:port) with MQTT version 4 (3.1.1) or 5 and a clean session. A refused
// CONNECT returns a *ConnectError.
func Dial(ctx context.Context, url, clientID, username, password string, version byte) (*Publisher, error) {
	if version != 4 && version != 5 {
		return nil, fmt.Errorf("mqtt: dial: protocol version %d, want 4 (3.1.1) or 5", version)
	}
	addr, err := hostPort(url)
	if err != nil {
		return nil, fmt.Errorf("mqtt: dial: %w", err)
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("mqtt: dial %s: %w", addr, err)
	}
	// Unblock the handshake's read if ctx ends first.
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
	r := bufio.NewReaderSize(conn, 32<<10)
	connack, err := handshake(conn, r, clientID, username, password, version)
	if !stop() {
		err = errors.Join(ctx.Err(), err)
	}
	if err != nil {
		_ = conn.Close()
		return nil, fmt.Errorf("mqtt: dial %s: %w", addr, err)
	}
	_ = conn.SetDeadline(time.Time{})

	p := &Publisher{
		conn:    conn,
		version: version,
		maxQoS:  1,
		kick:    make(chan struct{}, 1),
		pending: make(map[uint16]inflight),
		done:    make(chan struct{}),
	}
	window := publishWindow
	if version == 5 {
		props := connack.Properties
		if props.ReceiveMaximum > 0 && int(props.ReceiveMaximum) < window {
			window = int(props.ReceiveMaximum)
		}
		if props.MaximumQosFlag && props.MaximumQos < p.maxQoS {
			p.maxQoS = props.MaximumQos
		}
	}
	p.window = make(chan struct{}, window)
	p.wg.Add(3)
	go p.readLoop(r)
	go p.flushLoop()
	go p.pingLoop()
	return p, nil
}

// Publish sends a message. At QoS 1 it returns once the message is queued for
// writing and holds a place in the window, blocking while the window is full;
// the PUBACK is awaited in the background and a refusal is reported by Flush.
func (p *Publisher) Publish(ctx context.Context, topic string, payload []byte, qos byte) error {
	return p.send(ctx, topic, payload, qos, nil)
}

// Send is Publish with a Receipt for this message's acknowledgement. A QoS 0
// message gets a receipt that is already done.
func (p *Publisher) Send(ctx context.Context, topic string, payload []byte, qos byte) (*Receipt, error) {
	if qos == 0 {
		if err := p.send(ctx, topic, payload, qos, nil); err != nil {
			return nil, err
		}
		return delivered, nil
	}
	r := &Receipt{done: make(chan struct{})}
	if err := p.send(ctx, topic, payload, qos, r); err != nil {
		return nil, err
	}
	return r, nil
}

func (p *Publisher) send(ctx context.Context, topic string, payload []byte, qos byte, r *Receipt) error {
	if qos > p.maxQoS {
		return fmt.Errorf("mqtt: publish to %q: QoS %d is above the broker's or this client's maximum of %d", topic, qos, p.maxQoS)
	}
	if topic == "" || len(topic) > 0xFFFF || len(topic)+len(payload)+5 > maxRemaining {
		return fmt.Errorf("mqtt: publish to %q: topic empty or packet too large", topic)
	}
	var id uint16
	if qos == 1 {
		select {
		case p.window <- struct{}{}:
		case <-ctx.Done():
			return ctx.Err()
		case <-p.done:
			return p.err()
		}
		p.mu.Lock()
		if p.failErr != nil {
			err := p.failErr
			p.mu.Unlock()
			return err
		}
		id = p.freeID()
		if len(p.pending) == 0 {
			p.idle = make(chan struct{})
		}
		p.pending[id] = inflight{topic: topic, receipt: r}
		p.mu.Unlock()
	} else {
		select {
		case <-p.done:
			return p.err()
		default:
		}
	}

	p.bufMu.Lock()
	p.out = appendPublish(p.out, p.version, topic, payload, qos, id)
	n := len(p.out)
	p.bufMu.Unlock()
	if n >= highWater {
		return p.flush()
	}
	select {
	case p.kick <- struct{}{}:
	default:
	}
	return nil
}

// freeID finds a packet identifier not in flight; the window is far below
// 65535, so the search ends quickly. Called with mu held.
func (p *Publisher) freeID() uint16 {
	for {
		p.nextID++
		if p.nextID == 0 {
			p.nextID = 1
		}
		if _, used := p.pending[p.nextID]; !used {
			return p.nextID
		}
	}
}

// Flush writes everything buffered and waits until every QoS 1 message sent
// so far is acknowledged or refused. It returns an error naming the refusals
// since the previous Flush, if any. A message refused by an MQTT 3.1.1 broker
// gets no PUBACK at all, so Flush then waits until ctx ends.
func (p *Publisher) Flush(ctx context.Context) error {
	if err := p.flush(); err != nil {
		return err
	}
	p.mu.Lock()
	idle := p.idle
	p.mu.Unlock()
	if idle != nil {
		select {
		case <-idle:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.failErr != nil {
		return p.failErr
	}
	refused, first := p.refused, p.first
	p.refused, p.first = 0, nil
	if refused > 0 {
		return fmt.Errorf("mqtt: %d messages refused, the first: %w", refused, first)
	}
	return nil
}

// Close sends what is buffered and a DISCONNECT, then closes the connection.
// Messages still awaiting a PUBACK fail with ErrClosed; call Flush first to
// wait for them.
func (p *Publisher) Close() error {
	p.closeOnce.Do(func() {
		p.bufMu.Lock()
		p.out = append(p.out, packets.Disconnect<<4, 0)
		p.bufMu.Unlock()
		_ = p.flush()
		p.fail(ErrClosed)
	})
	p.wg.Wait()
	return nil
}

func (p *Publisher) err() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.failErr
}

// fail ends the connection once, failing whatever is still in flight.
func (p *Publisher) fail(err error) {
	p.failOnce.Do(func() {
		p.mu.Lock()
		p.failErr = err
		for id, m := range p.pending {
			if m.receipt != nil {
				m.receipt.err = err
				close(m.receipt.done)
			}
			delete(p.pending, id)
		}
		if p.idle != nil {
			close(p.idle)
			p.idle = nil
		}
		p.mu.Unlock()
		close(p.done)
		_ = p.conn.Close()
	})
}
