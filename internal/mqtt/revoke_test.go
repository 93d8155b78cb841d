package mqtt

import (
	"context"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
)

// TestBrokerDisconnectDevice: revoking a device ends its connections at once
// (an Eclipse paho client on MQTT 3.1.1 and this package's MQTT 5 client),
// its next publish is refused, another device is untouched, and a CONNECT
// being authenticated while the device is revoked is refused.
func TestBrokerDisconnectDevice(t *testing.T) {
	got := make(collector, 16)
	b := startBroker(t, got.handle, 0)
	ctx := testContext(t)

	lost := make(chan error, 1)
	c := paho.NewClient(paho.NewClientOptions().AddBroker("tcp://" + b.Addr()).SetClientID("paho-a").
		SetUsername("dev-a").SetPassword("secret-a").SetProtocolVersion(4).SetAutoReconnect(false).
		SetConnectTimeout(patience).SetConnectionLostHandler(func(_ paho.Client, err error) { lost <- err }))
	if tok := c.Connect(); !tok.WaitTimeout(patience) || tok.Error() != nil {
		t.Fatalf("paho connect: %v", tok.Error())
	}
	defer c.Disconnect(0)
	v5 := dial(t, b.Addr(), "v5-a", "dev-a", "secret-a", 5)
	other := dial(t, b.Addr(), "paho-b", "dev-b", "secret-b", 4)

	tok := c.Publish(ReadingsTopic("DEV-A"), 1, false, `{"n":1}`)
	d := got.next(t)
	d.ack(nil)
	if d.m.Device != "DEV-A" {
		t.Fatalf("delivered %+v", d.m)
	}
	if !tok.WaitTimeout(patience) || tok.Error() != nil {
		t.Fatalf("publish before revocation: %v", tok.Error())
	}

	if n := b.DisconnectDevice("DEV-A"); n != 2 {
		t.Errorf("DisconnectDevice ended %d connections, want 2", n)
	}
	select {
	case err := <-lost:
		t.Logf("paho lost its connection: %v", err)
	case <-time.After(patience):
		t.Fatal("the paho client was not disconnected")
	}
	if tok := c.Publish(ReadingsTopic("DEV-A"), 1, false, `{"n":2}`); tok.WaitTimeout(patience) && tok.Error() == nil {
		t.Error("paho published after revocation")
	}
	if err := v5.Publish(ctx, ReadingsTopic("DEV-A"), []byte(`{"n":3}`), 1); err == nil {
		if err := v5.Flush(ctx); err == nil {
			t.Error("the MQTT 5 client published after revocation")
		}
	}
	// the other device goes on.
	if err := other.Publish(ctx, ReadingsTopic("DEV-B"), []byte(`{"n":4}`), 1); err != nil {
		t.Fatal(err)
	}
	d = got.next(t)
	d.ack(nil)
	if d.m.Device != "DEV-B" {
		t.Errorf("after revocation the handler got %+v", d.m)
	}
	if err := other.Flush(ctx); err != nil {
		t.Errorf("the other device's publish: %v", err)
	}
	select {
	case d := <-got:
		t.Errorf("a revoked device's message reached the handler: %+v", d.m)
	default:
	}
}

// TestBrokerRevokedDuringConnect: a CONNECT whose credentials were being
// checked when its device was revoked is refused (they may be the old ones).
func TestBrokerRevokedDuringConnect(t *testing.T) {
	entered, release := make(chan struct{}), make(chan struct{})
	slow := AuthenticatorFunc(func(ctx context.Context, username, password string) (string, error) {
		if username == "slow" {
			close(entered)
			<-release
			return "DEV-SLOW", nil
		}
		return testAuth(ctx, username, password)
	})
	b, err := NewBroker(BrokerOptions{Addr: "127.0.0.1:0", Authenticator: slow, Handler: collector(make(chan delivery, 4)).handle})
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.Close() })
	res := make(chan error, 1)
	go func() {
		c, err := dialPaho(b.Addr(), "slow", "slow", "old-secret")
		if err == nil {
			c.Disconnect(0)
		}
		res <- err
	}()
	waitDone(t, "authentication", entered)
	b.DisconnectDevice("DEV-SLOW")
	close(release)
	select {
	case err := <-res:
		if err == nil {
			t.Error("a CONNECT authenticated across a revocation was accepted")
		}
	case <-time.After(patience):
		t.Fatal("no answer to the CONNECT")
	}
	// a fresh CONNECT after the revocation is checked as usual.
	if c, err := dialPaho(b.Addr(), "a-again", "dev-a", "secret-a"); err != nil {
		t.Errorf("a later CONNECT of another device: %v", err)
	} else {
		c.Disconnect(0)
	}
}
