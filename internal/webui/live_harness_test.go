package webui

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
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

	mu     sync.Mutex
	feed   map[int]func(httpapi.LiveEvent)
	feedID int
}

func startLivePerception(t testing.TB, db *store.DB, reg *registry.Service) *livePerception {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	p := &livePerception{bus: bus.NewInProcess(), feed: map[int]func(httpapi.LiveEvent){}}
	journal, err := wal.Open(filepath.Join(t.TempDir(), "journal"), wal.Options{})
	if err != nil {
		t.Fatalf("open the journal: %v", err)
	}
	p.alarms = &alarm.Service{Store: db, Policy: alarm.DefaultPolicy(), Logger: log,
		Changed: func(al *alarm.Alarm, ev alarm.Event) {
			data, err := json.Marshal(map[string]any{"alarm": al, "event": ev})
			if err == nil {
				p.bus.Publish(ctx, fmt.Sprintf("alarm.%s.%d.%s", subjectToken(al.Division), al.EnterpriseID, ev.Action), data)
			}
		}}
	p.devices = &ingest.Devices{Store: db, Registry: reg, Clock: core.SystemClock}
	p.pipe = ingest.New(ingest.Config{Directory: telemetry.NewDirectory(), Engine: rules.NewEngine(), Journal: journal, Series: db,
		Alarms: p.alarms, Resolve: p.devices.Resolve, Clock: core.SystemClock, Logger: log})
	p.pipe.OnLatest = func(vs []ingest.LatestValue) {
		byDiv := map[string][]ingest.LatestValue{}
		for _, v := range vs {
			byDiv[v.Division] = append(byDiv[v.Division], v)
		}
		for div, list := range byDiv {
			if data, err := json.Marshal(list); err == nil {
				p.bus.Publish(ctx, "latest."+subjectToken(div)+".0", data)
			}
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
	if _, err := p.bus.Subscribe(ctx, ">", bus.SubOptions{Lossy: true}, func(e bus.Event) {
		parts := strings.Split(e.Subject, ".")
		if len(parts) < 3 {
			return
		}
		ent, _ := strconv.ParseInt(parts[2], 10, 64)
		ev := httpapi.LiveEvent{Type: parts[0], Division: parts[1], EnterpriseID: ent, Data: e.Data}
		p.mu.Lock()
		defer p.mu.Unlock()
		for _, fn := range p.feed {
			fn(ev)
		}
	}); err != nil {
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

func subjectToken(s string) string {
	if s == "" {
		return "_"
	}
	return s
}

// subscribe feeds one SSE client until ctx ends.
func (p *livePerception) subscribe(ctx context.Context, fn func(httpapi.LiveEvent)) error {
	p.mu.Lock()
	p.feedID++
	id := p.feedID
	p.feed[id] = fn
	p.mu.Unlock()
	<-ctx.Done()
	p.mu.Lock()
	delete(p.feed, id)
	p.mu.Unlock()
	return nil
}

func (p *livePerception) api(db *store.DB) *httpapi.Perception {
	return &httpapi.Perception{Ingest: p.pipe, Devices: p.devices, Alarms: p.alarms, Series: db, Subscribe: p.subscribe,
		Inbox: db.ListMessages, Clock: core.SystemClock}
}

// clients counts the live-feed subscribers (the SSE clients connected).
func (p *livePerception) clients() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.feed)
}
