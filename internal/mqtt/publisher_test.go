package mqtt

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
)

func TestHostPort(t *testing.T) {
	tests := []struct {
		in, want string
		wantErr  bool
	}{
		{"tcp://127.0.0.1:1883", "127.0.0.1:1883", false},
		{"mqtt://broker.example:2883", "broker.example:2883", false},
		{"tcp://broker.example", "broker.example:1883", false},
		{"127.0.0.1:1884", "127.0.0.1:1884", false},
		{"ssl://broker.example:8883", "", true},
		{"ws://127.0.0.1:1883", "", true},
	}
	for _, tt := range tests {
		got, err := hostPort(tt.in)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("hostPort(%q) = %q, %v; want %q, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestPublisherFlushReportsRefusals(t *testing.T) {
	b := startBroker(t, func(m Message, ack func(error)) {
		if strings.HasPrefix(string(m.Payload), "bad") {
			ack(codedError(ReasonPayloadFormatInvalid))
			return
		}
		ack(nil)
	}, 0)
	p := dial(t, b.Addr(), "flusher", "dev-a", "secret-a", 5)
	ctx := testContext(t)
	for _, payload := range []string{"ok-1", "bad-1", "ok-2", "bad-2"} {
		if err := p.Publish(ctx, ReadingsTopic("DEV-A"), []byte(payload), 1); err != nil {
			t.Fatal(err)
		}
	}
	err := p.Flush(ctx)
	var re *RefusedError
	if !errors.As(err, &re) || re.Code != ReasonPayloadFormatInvalid || !strings.Contains(err.Error(), "2 messages refused") {
		t.Errorf("Flush = %v, want 2 refusals with reason 0x99", err)
	}
	if err := p.Flush(ctx); err != nil {
		t.Errorf("second Flush = %v, want the refusals reported once", err)
	}
}

func TestPublisherLimits(t *testing.T) {
	b := startBroker(t, func(_ Message, ack func(error)) { ack(nil) }, 0)
	ctx := testContext(t)

	t.Run("QoS 2", func(t *testing.T) {
		p := dial(t, b.Addr(), "qos2", "dev-a", "secret-a", 5)
		if err := p.Publish(ctx, ReadingsTopic("DEV-A"), []byte("x"), 2); err == nil {
			t.Error("QoS 2 accepted; the publisher and the broker stop at 1")
		}
	})
	t.Run("empty topic", func(t *testing.T) {
		p := dial(t, b.Addr(), "notopic", "dev-a", "secret-a", 4)
		if err := p.Publish(ctx, "", []byte("x"), 0); err == nil {
			t.Error("empty topic accepted")
		}
	})
	t.Run("after Close", func(t *testing.T) {
		p := dial(t, b.Addr(), "closed", "dev-a", "secret-a", 4)
		if err := p.Close(); err != nil {
			t.Fatal(err)
		}
		for _, qos := range []byte{0, 1} {
			if err := p.Publish(ctx, ReadingsTopic("DEV-A"), []byte("x"), qos); !errors.Is(err, ErrClosed) {
				t.Errorf("QoS %d publish after Close = %v, want ErrClosed", qos, err)
			}
		}
	})
	t.Run("protocol version", func(t *testing.T) {
		if _, err := Dial(ctx, b.Addr(), "v3", "dev-a", "secret-a", 3); err == nil {
			t.Error("version 3 accepted")
		}
	})
}

func TestDialStopsWhenContextEnds(t *testing.T) {
	// A listener that accepts and never answers the CONNECT.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		cancel()
		_, _ = c.Read(make([]byte, 1024))
	}()
	if _, err := Dial(ctx, ln.Addr().String(), "silent", "", "", 4); !errors.Is(err, context.Canceled) {
		t.Errorf("Dial = %v, want it to end with the context", err)
	}
}

func TestBrokerOptions(t *testing.T) {
	h := func(Message, func(error)) {}
	for name, o := range map[string]BrokerOptions{
		"no authenticator": {Addr: "127.0.0.1:0", Handler: h},
		"no handler":       {Addr: "127.0.0.1:0", Authenticator: testAuth},
		"no address":       {Authenticator: testAuth, Handler: h},
		"pending too high": {Addr: "127.0.0.1:0", Authenticator: testAuth, Handler: h, MaxPendingPerClient: 70000},
	} {
		if _, err := NewBroker(o); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}

	first := startBroker(t, h, 0)
	if err := first.Start(); err == nil {
		t.Error("second Start succeeded")
	}
	taken, err := NewBroker(BrokerOptions{Addr: first.Addr(), Authenticator: testAuth, Handler: h})
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	if taken.Addr() != first.Addr() {
		t.Errorf("Addr before Start = %q, want the configured %q", taken.Addr(), first.Addr())
	}
	if err := taken.Start(); err == nil {
		t.Errorf("Start on %s, already in use, succeeded", first.Addr())
	}
}
