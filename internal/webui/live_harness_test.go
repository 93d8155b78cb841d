package webui

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"testing"

	"github.com/yingji/yingji/internal/alarm"
	"github.com/yingji/yingji/internal/bus"
	"github.com/yingji/yingji/internal/core"
	"github.com/yingji/yingji/internal/httpapi"
	"github.com/yingji/yingji/internal/ingest"
	"github.com/yingji/yingji/internal/mqtt"
	"github.com/yingji/yingji/internal/registry"
	"github.com/yingji/yingji/internal/rules"
	"github.com/yingji/yingji/internal/store"
	"github.com/yingji/yingji/internal/telemetry"
	"github.com/yingji/yingji/internal/wal"
)

// livePerception is the monitoring side built as cmd/yingji's
// startPerception builds it (journal, pipeline, alarm service, embedded
// broker, in-process bus and the live-feed fan-out), without the
// notifier, escalation and retention loops the UI tests do not need.
type livePerception struct {
	pipe    *ingest.Pipeline
	alarms  *alarm.Service
	devices *ingest.Devices
	bus     bus.Bus
	broker  *mqtt.Broker
	feed    *httpapi.LiveFeed
}

func startLivePerception(t testing.TB, db *store.DB, reg *registry.Service) *livePerception {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	p := &livePerception{bus: bus.NewInProcess(), feed: httpapi.NewLiveFeed()}
	journal, err := wal.Open(filepath.Join(t.TempDir(), "journal"), wal.Options{})
	if err != nil {
		t.Fatalf("open the journal: %v", err)
	}
	p.alarms = &alarm.Service{Store: db, Policy: alarm.DefaultPolicy(), Logger: log,
		Changed: func(al *alarm.Alarm, ev alarm.Event) {
			if m, err := httpapi.AlarmMessage(al, ev); err == nil {
				p.bus.Publish(ctx, m.Subject, m.Data)
			}
		}}
	p.devices = &ingest.Devices{Store: db, Registry: reg, Clock: core.SystemClock}
	p.pipe = ingest.New(ingest.Config{Directory: telemetry.NewDirectory(), Engine: rules.NewEngine(), Journal: journal, Series: db,
		Alarms: p.alarms, Resolve: p.devices.Resolve, Clock: core.SystemClock, Logger: log})
	p.pipe.OnLatest = func(vs []ingest.LatestValue) {
		for _, m := range httpapi.LatestMessages(vs) {
			p.bus.Publish(ctx, m.Subject, m.Data)
		}
	}
	setups, err := ingest.FromRegistry(ctx, reg, db.AllPointRules, rules.DefaultParams())
	if err != nil {
		t.Fatalf("rules from the registry: %v", err)
	}
	if err := p.pipe.Load(setups); err != nil {
		t.Fatalf("load the rules: %v", err)
	}
	if err := p.pipe.Start(ctx, 0); err != nil {
		t.Fatalf("start the pipeline: %v", err)
	}
	p.broker, err = mqtt.NewBroker(mqtt.BrokerOptions{Addr: "127.0.0.1:0", Authenticator: p.devices, Logger: log,
		Handler: func(m mqtt.Message, ack func(error)) {
			p.pipe.Submit(ctx, ingest.Message{Device: m.Device, Transport: "mqtt", Payload: m.Payload, Received: m.Received}, ack)
		}})
	if err == nil {
		err = p.broker.Start()
	}
	if err != nil {
		t.Fatalf("start the MQTT broker: %v", err)
	}
	if _, err := p.bus.Subscribe(ctx, ">", bus.SubOptions{Lossy: true}, func(e bus.Event) { p.feed.Deliver(e.Subject, e.Data) }); err != nil {
		t.Fatalf("subscribe to the bus: %v", err)
	}
	t.Cleanup(func() {
		p.broker.Close()
		p.pipe.Stop()
		cancel()
		journal.Close()
		p.bus.Close()
	})
	return p
}

func (p *livePerception) api(db *store.DB) *httpapi.Perception {
	return &httpapi.Perception{Ingest: p.pipe, Devices: p.devices, Alarms: p.alarms, Series: db, Subscribe: p.feed.Subscribe,
		Inbox: db.ListMessages, Clock: core.SystemClock}
}

// clients counts the live-feed subscribers (the SSE clients connected).
func (p *livePerception) clients() int { return p.feed.Clients() }
