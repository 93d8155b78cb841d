package mqtt

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/yingji/yingji/internal/certtest"
	"github.com/yingji/yingji/internal/ratelimit"
	"github.com/yingji/yingji/internal/tlsconf"
)

type reports struct {
	mu   sync.Mutex
	keys []string
}

func (r *reports) add(scope, key string, n int) {
	r.mu.Lock()
	r.keys = append(r.keys, scope+" "+key)
	r.mu.Unlock()
}

func (r *reports) get() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.keys...)
}

// TestBrokerRateLimitPerDevice: a flood from one device is cut at its limit
// (QoS 0 dropped, MQTT 5 QoS 1 answered 0x97, MQTT 3.1.1 QoS 1 disconnected)
// while another device's readings pass, and the flood is reported once.
func TestBrokerRateLimitPerDevice(t *testing.T) {
	const burst = 5
	rep := &reports{}
	c := make(collector, 256)
	b, err := NewBroker(BrokerOptions{Addr: "127.0.0.1:0", Authenticator: testAuth, Handler: c.handle,
		Limit: ratelimit.New("mqtt", ratelimit.Spec{Burst: burst, Per: time.Hour}, rep.add)})
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })

	flood := dial(t, b.Addr(), "flood", "dev-a", "secret-a", 5)
	for i := range 50 {
		if err := flood.Publish(testContext(t), ReadingsTopic("DEV-A"), fmt.Appendf(nil, "%d", i), 0); err != nil {
			t.Fatal(err)
		}
	}
	// the last one at QoS 1: MQTT 5 is told why
	r, err := flood.Send(testContext(t), ReadingsTopic("DEV-A"), []byte("q1"), 1)
	if err != nil {
		t.Fatal(err)
	}
	waitDone(t, "the QoS 1 publish over the limit is answered", r.Done())
	var refused *RefusedError
	if !errors.As(r.Err(), &refused) || refused.Code != 0x97 {
		t.Fatalf("QoS 1 over the limit: %v, want a refusal with reason 0x97", r.Err())
	}
	if got := b.Stats().Refused[RefusedRate]; got != 46 {
		t.Fatalf("refused by rate = %d, want 46 (51 sent, %d allowed)", got, burst)
	}
	for range burst {
		if d := c.next(t); d.m.Device != "DEV-A" {
			t.Fatalf("delivery from %s", d.m.Device)
		}
	}
	if len(c) != 0 {
		t.Fatalf("%d more deliveries from the flooding device", len(c))
	}

	// another device is not affected
	other := dial(t, b.Addr(), "other", "dev-b", "secret-b", 4)
	for i := range 3 {
		if err := other.Publish(testContext(t), ReadingsTopic("DEV-B"), fmt.Appendf(nil, "%d", i), 1); err != nil {
			t.Fatal(err)
		}
		d := c.next(t)
		if d.m.Device != "DEV-B" {
			t.Fatalf("delivery from %s", d.m.Device)
		}
		d.ack(nil)
	}
	if err := other.Flush(testContext(t)); err != nil {
		t.Fatal(err)
	}

	// MQTT 3.1.1 has no refusal code: the connection is closed
	v3 := dial(t, b.Addr(), "flood-v3", "dev-a", "secret-a", 4)
	if err := v3.Publish(testContext(t), ReadingsTopic("DEV-A"), []byte("x"), 1); err != nil {
		t.Fatal(err)
	}
	waitDone(t, "the 3.1.1 connection over the limit is closed", v3.done)
	if got := rep.get(); len(got) != 1 || got[0] != "mqtt device:DEV-A" {
		t.Fatalf("reports = %v, want one for DEV-A", got)
	}
}

// TestBrokerTLS: with a TLS configuration the broker speaks MQTT over TLS
// only: the Eclipse client with the CA publishes, one without the CA
// cannot connect, nor can a plain TCP client.
func TestBrokerTLS(t *testing.T) {
	set := certtest.New(t)
	cert, err := tlsconf.Load(set.CertFile, set.KeyFile, nil)
	if err != nil {
		t.Fatal(err)
	}
	c := make(collector, 8)
	b, err := NewBroker(BrokerOptions{Addr: "127.0.0.1:0", Authenticator: testAuth, Handler: c.handle, TLSConfig: cert.Config()})
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	connect := func(id string, pool *x509.CertPool) (paho.Client, error) {
		cl := paho.NewClient(paho.NewClientOptions().AddBroker("ssl://" + b.Addr()).SetClientID(id).
			SetUsername("dev-a").SetPassword("secret-a").SetProtocolVersion(4).SetAutoReconnect(false).
			SetConnectTimeout(patience).SetTLSConfig(&tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}))
		tok := cl.Connect()
		if !tok.WaitTimeout(patience) {
			return nil, errors.New("no CONNACK")
		}
		return cl, tok.Error()
	}
	cl, err := connect("tls-ok", set.Pool)
	if err != nil {
		t.Fatalf("with the CA: %v", err)
	}
	defer cl.Disconnect(0)
	tok := cl.Publish(ReadingsTopic("DEV-A"), 1, false, []byte(`{"point":"P1","value":1}`))
	go func() { d := <-c; d.ack(nil) }()
	if !tok.WaitTimeout(patience) || tok.Error() != nil {
		t.Fatalf("publish over TLS: %v", tok.Error())
	}
	if _, err := connect("tls-no-ca", x509.NewCertPool()); err == nil {
		t.Fatal("a client without the CA connected")
	}
	if _, err := dialPaho(b.Addr(), "plain", "dev-a", "secret-a"); err == nil {
		t.Fatal("a plain TCP client connected to the TLS listener")
	}
}
