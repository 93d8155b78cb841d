package mqtt

import (
	"errors"
	"fmt"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
)

// pubAck is a client's view of one publish: done when the PUBACK arrived (or,
// at QoS 0, when the message was written).
type pubAck struct {
	done <-chan struct{}
	err  func() error
}

// sender publishes with one client implementation.
type sender interface {
	send(t testing.TB, topic string, payload []byte, qos byte) pubAck
}

type publisherSender struct{ p *Publisher }

func (s publisherSender) send(t testing.TB, topic string, payload []byte, qos byte) pubAck {
	t.Helper()
	r, err := s.p.Send(testContext(t), topic, payload, qos)
	if err != nil {
		t.Fatalf("send: %v", err)
	}
	return pubAck{done: r.Done(), err: r.Err}
}

type pahoSender struct{ c paho.Client }

func (s pahoSender) send(_ testing.TB, topic string, payload []byte, qos byte) pubAck {
	tok := s.c.Publish(topic, qos, false, payload)
	return pubAck{done: tok.Done(), err: tok.Error}
}

// clientKind is one way a device talks to the broker.
type clientKind struct {
	name    string
	version byte
	paho    bool
}

var clientKinds = []clientKind{
	{"paho-3.1.1", 4, true},
	{"publisher-3.1.1", 4, false},
	{"publisher-5", 5, false},
}

func (k clientKind) connect(t testing.TB, addr, clientID, user, pass string) sender {
	t.Helper()
	if !k.paho {
		return publisherSender{dial(t, addr, clientID, user, pass, k.version)}
	}
	c, err := dialPaho(addr, clientID, user, pass)
	if err != nil {
		t.Fatalf("paho connect: %v", err)
	}
	t.Cleanup(func() { c.Disconnect(0) })
	return pahoSender{c}
}

func TestBrokerDeliversToHandler(t *testing.T) {
	c := make(collector, 16)
	b := startBroker(t, c.handle, 0)
	for _, k := range clientKinds {
		for _, qos := range []byte{0, 1} {
			t.Run(fmt.Sprintf("%s/qos%d", k.name, qos), func(t *testing.T) {
				clientID := fmt.Sprintf("%s-%d", k.name, qos)
				s := k.connect(t, b.Addr(), clientID, "dev-a", "secret-a")
				payload := []byte(`{"point":"P1","value":1.5}`)

				a := s.send(t, ReadingsTopic("DEV-A"), payload, qos)
				d := c.next(t)
				d.ack(nil)
				waitDone(t, "publish", a.done)

				if err := a.err(); err != nil {
					t.Errorf("publish: %v", err)
				}
				got := d.m
				if got.Device != "DEV-A" || got.ClientID != clientID || got.Topic != ReadingsTopic("DEV-A") ||
					string(got.Payload) != string(payload) || got.QoS != qos || got.Received.IsZero() {
					t.Errorf("handler got %+v, want device DEV-A, client %s, qos %d and the payload", got, clientID, qos)
				}
			})
		}
	}
	st := b.Stats()
	if st.MessagesIn != 6 || st.AcksSent != 3 || st.Pending != 0 {
		t.Errorf("stats = %+v, want 6 messages in, 3 acks sent, none pending", st)
	}
}

func TestBrokerWithholdsPubackUntilAck(t *testing.T) {
	c := make(collector, 16)
	b := startBroker(t, c.handle, 0)
	for _, k := range clientKinds {
		t.Run(k.name, func(t *testing.T) {
			s := k.connect(t, b.Addr(), "hold-"+k.name, "dev-b", "secret-b")
			topic := ReadingsTopic("DEV-B")

			held := s.send(t, topic, []byte("first"), 1)
			first := c.next(t)
			later := s.send(t, topic, []byte("second"), 1)
			c.next(t).ack(nil)
			waitDone(t, "second publish", later.done)

			// Had the broker acknowledged the first message on its own, it
			// would have done so before reading the second, and that PUBACK
			// would have reached the client first.
			if isDone(held.done) {
				t.Fatal("first message was acknowledged before the handler called ack")
			}
			first.ack(nil)
			waitDone(t, "first publish", held.done)
			if err := held.err(); err != nil {
				t.Errorf("first publish: %v", err)
			}
		})
	}
}

type codedError byte

func (e codedError) Error() string    { return fmt.Sprintf("coded 0x%02x", byte(e)) }
func (e codedError) ReasonCode() byte { return byte(e) }

func TestBrokerRefusalMQTT5(t *testing.T) {
	c := make(collector, 16)
	b := startBroker(t, c.handle, 0)
	p := publisherSender{dial(t, b.Addr(), "refuse-5", "dev-a", "secret-a", 5)}
	tests := []struct {
		name string
		err  error
		want byte
	}{
		{"payload invalid", fmt.Errorf("decode: %w", codedError(ReasonPayloadFormatInvalid)), 0x99},
		{"plain error", errors.New("journal full"), 0x80},
		{"success code is not a refusal", codedError(0x10), 0x80},
		{"quota exceeded", codedError(ReasonQuotaExceeded), 0x97},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := p.send(t, ReadingsTopic("DEV-A"), []byte("x"), 1)
			c.next(t).ack(tt.err)
			waitDone(t, "publish", a.done)
			var re *RefusedError
			if !errors.As(a.err(), &re) || re.Code != tt.want {
				t.Errorf("publish error = %v, want a refusal with reason 0x%02x", a.err(), tt.want)
			}
		})
	}
	if got := b.Stats().Refused[RefusedHandler]; got != uint64(len(tests)) {
		t.Errorf("refused by handler = %d, want %d", got, len(tests))
	}
}

func TestBrokerRefusalMQTT311SendsNoPuback(t *testing.T) {
	c := make(collector, 16)
	b := startBroker(t, c.handle, 0)
	for _, k := range clientKinds[:2] {
		t.Run(k.name, func(t *testing.T) {
			s := k.connect(t, b.Addr(), "refuse-"+k.name, "dev-a", "secret-a")
			refused := s.send(t, ReadingsTopic("DEV-A"), []byte("bad"), 1)
			c.next(t).ack(errors.New("cannot decode"))
			accepted := s.send(t, ReadingsTopic("DEV-A"), []byte("good"), 1)
			c.next(t).ack(nil)
			waitDone(t, "accepted publish", accepted.done)
			if isDone(refused.done) {
				t.Errorf("refused message got a PUBACK (error %v); MQTT 3.1.1 must get none", refused.err())
			}
		})
	}
	if st := b.Stats(); st.Refused[RefusedHandler] != 2 || st.Pending != 0 {
		t.Errorf("stats = %+v, want 2 refused by handler and none pending", st)
	}
}

func TestBrokerRefusesBadCredentials(t *testing.T) {
	c := make(collector, 1)
	b := startBroker(t, c.handle, 0)
	tests := []struct{ name, user, pass string }{
		{"bad password", "dev-a", "secret-b"},
		{"unknown device", "dev-x", "secret-x"},
		{"no credentials", "", ""},
	}
	for _, tt := range tests {
		for _, version := range []byte{4, 5} {
			t.Run(fmt.Sprintf("%s/v%d", tt.name, version), func(t *testing.T) {
				p, err := Dial(testContext(t), b.Addr(), "intruder", tt.user, tt.pass, version)
				if err == nil {
					_ = p.Close()
					t.Fatal("connected")
				}
				var ce *ConnectError
				if !errors.As(err, &ce) || !ce.BadCredentials() {
					t.Errorf("dial error = %v, want a CONNACK refusing the credentials", err)
				}
			})
		}
		t.Run(tt.name+"/paho", func(t *testing.T) {
			cl, err := dialPaho(b.Addr(), "intruder-paho", tt.user, tt.pass)
			if err == nil {
				cl.Disconnect(0)
				t.Fatal("connected")
			}
		})
	}
	if got, want := b.Stats().Refused[RefusedAuth], uint64(3*len(tests)); got != want {
		t.Errorf("refused at CONNECT = %d, want %d", got, want)
	}
}

func TestBrokerConfinesDeviceToItsTopics(t *testing.T) {
	c := make(collector, 16)
	b := startBroker(t, c.handle, 0)

	t.Run("mqtt 5 publish to another device's topic", func(t *testing.T) {
		s := publisherSender{dial(t, b.Addr(), "trespass-5", "dev-a", "secret-a", 5)}
		for _, topic := range []string{ReadingsTopic("DEV-B"), ReadingsTopic("DEV-A") + "/x", "yingji/v1/other"} {
			a := s.send(t, topic, []byte("x"), 1)
			waitDone(t, "publish", a.done)
			var re *RefusedError
			if !errors.As(a.err(), &re) || re.Code != ReasonNotAuthorized {
				t.Errorf("publish to %s: error = %v, want a refusal with 0x87", topic, a.err())
			}
		}
		s.send(t, ReadingsTopic("DEV-B"), []byte("qos0"), 0)
		own := s.send(t, ReadingsTopic("DEV-A"), []byte("own"), 1)
		// The connection's messages reach the handler in order, so the first
		// delivery shows whether any refused message got through.
		d := c.next(t)
		if string(d.m.Payload) != "own" {
			t.Fatalf("handler got %q on %s, want only the device's own message", d.m.Payload, d.m.Topic)
		}
		d.ack(nil)
		waitDone(t, "own publish", own.done)
	})

	t.Run("mqtt 3.1.1 publish to another device's topic", func(t *testing.T) {
		s := publisherSender{dial(t, b.Addr(), "trespass-4", "dev-a", "secret-a", 4)}
		a := s.send(t, ReadingsTopic("DEV-B"), []byte("x"), 1)
		waitDone(t, "publish", a.done)
		var re *RefusedError
		if a.err() == nil || errors.As(a.err(), &re) {
			t.Errorf("publish error = %v, want the connection closed (MQTT 3.1.1 cannot refuse a publish)", a.err())
		}
	})

	t.Run("subscribe", func(t *testing.T) {
		cl, err := dialPaho(b.Addr(), "subscriber", "dev-a", "secret-a")
		if err != nil {
			t.Fatal(err)
		}
		defer cl.Disconnect(0)
		for topic, want := range map[string]byte{CommandsTopic("DEV-A"): 1, CommandsTopic("DEV-B"): 0x80, ReadingsTopic("DEV-A"): 0x80} {
			tok := cl.Subscribe(topic, 1, nil)
			waitDone(t, "subscribe", tok.Done())
			if got := tok.(*paho.SubscribeToken).Result()[topic]; got != want {
				t.Errorf("SUBACK for %s = 0x%02x, want 0x%02x", topic, got, want)
			}
		}
	})

	st := b.Stats()
	if st.Refused[RefusedTopic] != 5 || st.Refused[RefusedSubscribe] != 2 || st.MessagesIn != 1 {
		t.Errorf("stats = %+v, want 5 topic and 2 subscribe refusals and 1 message in", st)
	}
}

// eventually polls cond until it holds; it fails the test only if it never does.
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(patience)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: never happened", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}
