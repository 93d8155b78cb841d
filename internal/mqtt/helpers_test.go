package mqtt

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"net"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
)

// mosquittoAddr is the real broker the external-broker tests and the relay
// baseline run against; CI starts it.
const mosquittoAddr = "127.0.0.1:1883"

// patience bounds every wait in the tests: an event that must happen fails the
// test if it has not happened by then. No test asserts that something is fast.
const patience = 20 * time.Second

func testContext(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), patience)
	t.Cleanup(cancel)
	return ctx
}

// devices is the fake registry: username → secret. The device code is the
// username upper-cased, so tests see that Message.Device comes from the
// Authenticator and not from the username or topic.
var devices = map[string]string{"dev-a": "secret-a", "dev-b": "secret-b", "dev-c": "secret-c"}

var errBadCredentials = errors.New("bad credentials")

var testAuth = AuthenticatorFunc(func(_ context.Context, username, password string) (string, error) {
	if secret, ok := devices[username]; ok && secret == password {
		return strings.ToUpper(username), nil
	}
	return "", errBadCredentials
})

// delivery is one call of the Handler.
type delivery struct {
	m   Message
	ack func(error)
}

// collector is a Handler that passes every delivery to the test.
type collector chan delivery

func (c collector) handle(m Message, ack func(error)) { c <- delivery{m, ack} }

func (c collector) next(t testing.TB) delivery {
	t.Helper()
	select {
	case d := <-c:
		return d
	case <-time.After(patience):
		t.Fatal("handler was not called")
		return delivery{}
	}
}

func startBroker(t testing.TB, h Handler, maxPending int) *Broker {
	t.Helper()
	b, err := NewBroker(BrokerOptions{Addr: "127.0.0.1:0", Authenticator: testAuth, Handler: h, MaxPendingPerClient: maxPending})
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.Close() })
	return b
}

func dial(t testing.TB, addr, clientID, user, pass string, version byte) *Publisher {
	t.Helper()
	p, err := Dial(testContext(t), addr, clientID, user, pass, version)
	if err != nil {
		t.Fatalf("dial %s as %s (v%d): %v", addr, user, version, err)
	}
	t.Cleanup(func() { _ = p.Close() })
	return p
}

// dialPaho connects the Eclipse client with MQTT 3.1.1: an implementation
// independent of this package's codec, to check the broker against.
func dialPaho(addr, clientID, user, pass string) (paho.Client, error) {
	c := paho.NewClient(paho.NewClientOptions().
		AddBroker("tcp://" + addr).
		SetClientID(clientID).
		SetUsername(user).
		SetPassword(pass).
		SetProtocolVersion(4).
		SetAutoReconnect(false).
		SetConnectTimeout(patience))
	tok := c.Connect()
	if !tok.WaitTimeout(patience) {
		return nil, errors.New("paho connect: no CONNACK")
	}
	return c, tok.Error()
}

func waitDone(t testing.TB, what string, done <-chan struct{}) {
	t.Helper()
	select {
	case <-done:
	case <-time.After(patience):
		t.Fatalf("%s did not complete", what)
	}
}

func isDone(done <-chan struct{}) bool {
	select {
	case <-done:
		return true
	default:
		return false
	}
}

// requireMosquitto fails, never skips, when the real broker is missing: the
// external-broker path is only tested against it.
func requireMosquitto(t testing.TB) {
	t.Helper()
	c, err := net.DialTimeout("tcp", mosquittoAddr, 2*time.Second)
	if err != nil {
		t.Fatalf("Mosquitto is not reachable at %s (%v): these tests need a running Mosquitto; start it with `mosquitto -d` or run .ci/run", mosquittoAddr, err)
	}
	_ = c.Close()
}

var unsafeChars = regexp.MustCompile(`[^A-Za-z0-9_-]+`)

// unique returns a name no other test run uses, so parallel CI runs sharing
// one Mosquitto neither see each other's messages nor share sessions.
func unique(t testing.TB) string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	name := unsafeChars.ReplaceAllString(t.Name(), "-")
	if len(name) > 40 {
		name = name[len(name)-40:]
	}
	return "yingji-test-" + name + "-" + hex.EncodeToString(b)
}

// dropSession removes a persistent session from Mosquitto, which otherwise
// keeps it (and its queued messages) forever.
func dropSession(t testing.TB, clientID string) {
	p, err := Dial(context.Background(), mosquittoAddr, clientID, "", "", 4)
	if err != nil {
		t.Logf("drop session %s: %v", clientID, err)
		return
	}
	_ = p.Close()
}

// proxy forwards TCP connections to a target and can cut them all, to make a
// client lose its connection the way a network fault would.
type proxy struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	conns  []net.Conn
}

func startProxy(t testing.TB, target string) *proxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{ln: ln, target: target}
	t.Cleanup(func() { _ = ln.Close(); p.cut() })
	go p.serve()
	return p
}

func (p *proxy) addr() string { return p.ln.Addr().String() }

func (p *proxy) serve() {
	for {
		in, err := p.ln.Accept()
		if err != nil {
			return
		}
		out, err := net.Dial("tcp", p.target)
		if err != nil {
			_ = in.Close()
			continue
		}
		p.mu.Lock()
		p.conns = append(p.conns, in, out)
		p.mu.Unlock()
		go func() { _, _ = io.Copy(out, in); _ = out.Close() }()
		go func() { _, _ = io.Copy(in, out); _ = in.Close() }()
	}
}

func (p *proxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		_ = c.Close()
	}
	p.conns = nil
}
