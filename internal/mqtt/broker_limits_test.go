package mqtt

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	paho "github.com/eclipse/paho.mqtt.golang"
)

func TestBrokerBackPressure(t *testing.T) {
	const maxPending = 4
	c := make(collector, 64)
	b := startBroker(t, c.handle, maxPending)
	topic := ReadingsTopic("DEV-A")

	t.Run("mqtt 3.1.1 read loop waits for an ack", func(t *testing.T) {
		// The Publisher's own window (1024) is far larger, so only the
		// broker's limit holds it back.
		p := dial(t, b.Addr(), "flood-4", "dev-a", "secret-a", 4)
		const n = 10
		for i := range n {
			if err := p.Publish(testContext(t), topic, fmt.Appendf(nil, "%d", i), 1); err != nil {
				t.Fatal(err)
			}
		}
		var held []delivery
		for range maxPending {
			held = append(held, c.next(t))
		}
		eventually(t, "read loop throttled", func() bool { return b.Stats().Throttled == 1 })
		// The read loop counts the wait before it blocks, and hands a message
		// to the handler only after a slot is free.
		if len(c) != 0 {
			t.Fatalf("%d messages delivered beyond MaxPendingPerClient", len(c))
		}
		for _, d := range held {
			d.ack(nil)
		}
		for range n - maxPending {
			c.next(t).ack(nil)
		}
		if err := p.Flush(testContext(t)); err != nil {
			t.Fatal(err)
		}
		if st := b.Stats(); st.AcksSent != n || st.Pending != 0 {
			t.Errorf("stats = %+v, want %d acks sent, none pending", st, n)
		}
	})

	t.Run("mqtt 5 client is told the receive maximum", func(t *testing.T) {
		p := dial(t, b.Addr(), "flood-5", "dev-a", "secret-a", 5)
		if got := cap(p.window); got != maxPending {
			t.Errorf("publisher window = %d, want the broker's receive maximum %d", got, maxPending)
		}
	})

	t.Run("close releases a waiting read loop", func(t *testing.T) {
		p := dial(t, b.Addr(), "stuck-4", "dev-a", "secret-a", 4)
		throttled := b.Stats().Throttled
		for i := range maxPending + 1 {
			if err := p.Publish(testContext(t), topic, fmt.Appendf(nil, "%d", i), 1); err != nil {
				t.Fatal(err)
			}
		}
		var held []delivery
		for range maxPending {
			held = append(held, c.next(t))
		}
		eventually(t, "read loop throttled", func() bool { return b.Stats().Throttled == throttled+1 })
		if err := b.Close(); err != nil {
			t.Fatal(err)
		}
		waitDone(t, "publisher sees the disconnect", p.done)
		// Acks after Close cannot reach the device, which resends.
		held[0].ack(nil)
		if got := b.Stats().AcksUndelivered; got != 1 {
			t.Errorf("undelivered acks = %d, want 1", got)
		}
	})
}

func TestBrokerManyPublishers(t *testing.T) {
	const (
		publishers = 8
		each       = 2000
	)
	var (
		mu   sync.Mutex
		seen = map[string]int{}
	)
	// Acks come from other goroutines, as they will from the journal.
	acks := make(chan func(error), 1024)
	var workers sync.WaitGroup
	for range 4 {
		workers.Add(1)
		go func() {
			defer workers.Done()
			for ack := range acks {
				ack(nil)
			}
		}()
	}
	defer func() { close(acks); workers.Wait() }()
	b := startBroker(t, func(m Message, ack func(error)) {
		mu.Lock()
		seen[m.ClientID+"/"+string(m.Payload)]++
		mu.Unlock()
		acks <- ack
	}, 64)

	var wg sync.WaitGroup
	errs := make(chan error, publishers)
	for i := range publishers {
		user := []string{"dev-a", "dev-b", "dev-c"}[i%3]
		p := dial(t, b.Addr(), fmt.Sprintf("many-%d", i), user, devices[user], byte(4+i%2))
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx := testContext(t)
			topic := ReadingsTopic(map[string]string{"dev-a": "DEV-A", "dev-b": "DEV-B", "dev-c": "DEV-C"}[user])
			for j := range each {
				if err := p.Publish(ctx, topic, fmt.Appendf(nil, "%d", j), 1); err != nil {
					errs <- err
					return
				}
			}
			errs <- p.Flush(ctx)
		}()
	}
	wg.Wait()
	for range publishers {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}

	mu.Lock()
	defer mu.Unlock()
	if len(seen) != publishers*each {
		t.Errorf("handler saw %d distinct messages, want %d", len(seen), publishers*each)
	}
	for k, n := range seen {
		if n != 1 {
			t.Errorf("message %s delivered %d times", k, n)
		}
	}
	st := b.Stats()
	if st.MessagesIn != publishers*each || st.AcksSent != publishers*each || st.Pending != 0 {
		t.Errorf("stats = %+v, want %d in and acked, none pending", st, publishers*each)
	}
}

func TestBrokerRefusesQoS2(t *testing.T) {
	c := make(collector, 4)
	b := startBroker(t, c.handle, 0)
	cl, err := dialPaho(b.Addr(), "qos2", "dev-a", "secret-a")
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Disconnect(0)
	cl.Publish(ReadingsTopic("DEV-A"), 2, false, []byte("x"))
	eventually(t, "QoS 2 refused", func() bool { return b.Stats().Refused[RefusedQoS] == 1 })
	eventually(t, "connection closed", func() bool { return b.Stats().Connections == 0 })
	if st := b.Stats(); st.MessagesIn != 0 {
		t.Errorf("stats = %+v, want no message handed to the handler", st)
	}
}

func TestBrokerDropsWills(t *testing.T) {
	c := make(collector, 4)
	b := startBroker(t, c.handle, 0)
	// mochi publishes a will to subscribers without an ACL check, so a device
	// could use one to write to another device's commands topic.
	sneaky := paho.NewClient(paho.NewClientOptions().AddBroker("tcp://"+b.Addr()).
		SetClientID("sneaky").SetUsername("dev-a").SetPassword("secret-a").
		SetWill(CommandsTopic("DEV-B"), "open the valve", 1, false).SetAutoReconnect(false))
	tok := sneaky.Connect()
	waitDone(t, "connect", tok.Done())
	if tok.Error() != nil {
		t.Fatal(tok.Error())
	}
	defer sneaky.Disconnect(0)
	cl, ok := b.server.Clients.Get("sneaky")
	if !ok {
		t.Fatal("client not registered with the broker")
	}
	if w := cl.Properties.Will; atomic.LoadUint32(&w.Flag) != 0 || w.TopicName != "" {
		t.Errorf("will kept: %+v", w)
	}
}
