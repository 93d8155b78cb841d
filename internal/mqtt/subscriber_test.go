package mqtt

import (
	"fmt"
	"slices"
	"testing"
)

// externalSetup is one test's private corner of the shared Mosquitto: a topic
// prefix, a session and a publisher, removed afterwards.
type externalSetup struct {
	prefix   string
	clientID string
	pub      *Publisher
}

func setupExternal(t *testing.T, version byte) externalSetup {
	t.Helper()
	requireMosquitto(t)
	name := unique(t)
	e := externalSetup{prefix: name, clientID: name + "-platform"}
	e.pub = dial(t, mosquittoAddr, name+"-device", "", "", version)
	t.Cleanup(func() { dropSession(t, e.clientID) })
	return e
}

func (e externalSetup) topic(device string) string { return e.prefix + "/readings/" + device }

func (e externalSetup) subscriber(t *testing.T, url string, h Handler) *Subscriber {
	t.Helper()
	s, err := NewSubscriber(SubscriberOptions{URL: url, ClientID: e.clientID, Topic: e.prefix + "/readings/+", Handler: h})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(testContext(t)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func (e externalSetup) publish(t *testing.T, device, payload string, qos byte) {
	t.Helper()
	r, err := e.pub.Send(testContext(t), e.topic(device), []byte(payload), qos)
	if err != nil {
		t.Fatal(err)
	}
	waitDone(t, "publish to Mosquitto", r.Done())
	if r.Err() != nil {
		t.Fatal(r.Err())
	}
}

func TestSubscriberDelivers(t *testing.T) {
	for _, version := range []byte{4, 5} {
		t.Run(fmt.Sprintf("published with v%d", version), func(t *testing.T) {
			e := setupExternal(t, version)
			c := make(collector, 16)
			s := e.subscriber(t, "tcp://"+mosquittoAddr, c.handle)

			for _, qos := range []byte{0, 1} {
				payload := fmt.Sprintf(`{"qos":%d}`, qos)
				e.publish(t, "dev-7", payload, qos)
				d := c.next(t)
				d.ack(nil)
				if d.m.Device != "dev-7" || d.m.Topic != e.topic("dev-7") || string(d.m.Payload) != payload || d.m.QoS != qos {
					t.Errorf("handler got %+v, want device dev-7 and payload %s at QoS %d", d.m, payload, qos)
				}
			}
			if st := s.Stats(); st.MessagesIn != 2 || st.AcksSent != 1 || st.Connections != 1 {
				t.Errorf("stats = %+v, want 2 in, 1 acked, connected", st)
			}
		})
	}
}

func TestSubscriberRedeliversUnacked(t *testing.T) {
	t.Run("after the connection drops", func(t *testing.T) {
		e := setupExternal(t, 4)
		px := startProxy(t, mosquittoAddr)
		c := make(collector, 16)
		s := e.subscriber(t, px.addr(), c.handle)

		e.publish(t, "dev-1", "unacked", 1)
		if d := c.next(t); string(d.m.Payload) != "unacked" {
			t.Fatalf("got %q", d.m.Payload)
		}
		// The handler never acks the first delivery; the Subscriber must
		// reconnect by itself and the broker must send the message again.
		roundTrip(t, s)
		px.cut()
		d := c.next(t)
		if string(d.m.Payload) != "unacked" {
			t.Fatalf("after reconnect got %q, want the unacked message again", d.m.Payload)
		}
		d.ack(nil)
		roundTrip(t, s)

		// Once acked it is not sent again: after another drop, the next
		// message is the first thing delivered.
		px.cut()
		e.publish(t, "dev-1", "next", 1)
		d = c.next(t)
		if string(d.m.Payload) != "next" {
			t.Errorf("got %q, want the acked message gone and the next one delivered", d.m.Payload)
		}
		d.ack(nil)
	})

	t.Run("after a restart", func(t *testing.T) {
		e := setupExternal(t, 5)
		c := make(collector, 16)
		first := e.subscriber(t, "tcp://"+mosquittoAddr, c.handle)
		e.publish(t, "dev-2", "refused", 1)
		c.next(t).ack(fmt.Errorf("journal unavailable"))
		if got := first.Stats().Refused[RefusedHandler]; got != 1 {
			t.Errorf("refused = %d, want 1", got)
		}
		_ = first.Close()

		e.subscriber(t, "tcp://"+mosquittoAddr, c.handle)
		d := c.next(t)
		if string(d.m.Payload) != "refused" {
			t.Fatalf("after restart got %q, want the refused message again", d.m.Payload)
		}
		d.ack(nil)
	})
}

// roundTrip waits until the broker has processed what the Subscriber sent
// before, acks included: paho writes an ack before a later SUBSCRIBE, and the
// broker answers one connection's packets in order. Without it, an ack still
// on its way when the connection is cut is lost, and the message comes again.
func roundTrip(t *testing.T, s *Subscriber) {
	t.Helper()
	tok := s.client.Subscribe(s.opts.Topic, 1, nil)
	waitDone(t, "re-subscribe", tok.Done())
	if tok.Error() != nil {
		t.Fatal(tok.Error())
	}
}

func TestSubscriberReceivesWhatWasPublishedWhileAway(t *testing.T) {
	e := setupExternal(t, 4)
	c := make(collector, 16)
	first := e.subscriber(t, "tcp://"+mosquittoAddr, c.handle)
	_ = first.Close()

	want := []string{"m1", "m2", "m3"}
	for _, p := range want {
		e.publish(t, "dev-3", p, 1)
	}
	e.subscriber(t, "tcp://"+mosquittoAddr, c.handle)
	var got []string
	for range want {
		d := c.next(t)
		got = append(got, string(d.m.Payload))
		d.ack(nil)
	}
	if !slices.Equal(got, want) {
		t.Errorf("after reconnect got %q, want %q", got, want)
	}
}

func TestSubscriberOptions(t *testing.T) {
	h := func(Message, func(error)) {}
	for name, o := range map[string]SubscriberOptions{
		"no URL":       {ClientID: "x", Handler: h},
		"no client ID": {URL: "tcp://127.0.0.1:1883", Handler: h},
		"no handler":   {URL: "tcp://127.0.0.1:1883", ClientID: "x"},
		"bad scheme":   {URL: "ws://127.0.0.1:1883", ClientID: "x", Handler: h},
	} {
		if _, err := NewSubscriber(o); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// TestSubscriberRefusesTopicWithoutDevice: a message on ".../readings/"
// (the wildcard matches an empty level) names no device; it is counted as
// refused and acknowledged, never handed on, and what follows still is.
func TestSubscriberRefusesTopicWithoutDevice(t *testing.T) {
	e := setupExternal(t, 4)
	c := make(collector, 16)
	s := e.subscriber(t, "tcp://"+mosquittoAddr, c.handle)
	e.publish(t, "", `{"empty":true}`, 1)
	e.publish(t, "dev-8", `{"after":true}`, 1)
	d := c.next(t)
	d.ack(nil)
	if d.m.Device != "dev-8" {
		t.Fatalf("first message handed on is %+v, want the one of dev-8", d.m)
	}
	if st := s.Stats(); st.Refused[RefusedTopic] != 1 || st.MessagesIn != 1 {
		t.Errorf("stats = %+v, want 1 refused for its topic and 1 in", st)
	}
}
