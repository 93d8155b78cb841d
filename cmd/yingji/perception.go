package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/yingji/yingji/internal/alarm"
	"github.com/yingji/yingji/internal/bus"
	"github.com/yingji/yingji/internal/core"
	"github.com/yingji/yingji/internal/httpapi"
	"github.com/yingji/yingji/internal/ingest"
	"github.com/yingji/yingji/internal/mqtt"
	"github.com/yingji/yingji/internal/notify"
	"github.com/yingji/yingji/internal/registry"
	"github.com/yingji/yingji/internal/rules"
	"github.com/yingji/yingji/internal/telemetry"
	"github.com/yingji/yingji/internal/wal"
)

// perception is the running monitoring side: journal, pipeline, alarms,
// broker, bus.
type perception struct {
	journal  *wal.Log
	pipe     *ingest.Pipeline
	alarms   *alarm.Service
	devices  *ingest.Devices
	notifier *notify.Notifier
	bus      bus.Bus
	broker   *mqtt.Broker
	external *mqtt.Subscriber
	cancel   context.CancelFunc
	wg       sync.WaitGroup
	reload   chan struct{}

	// feed is the live feed: one bus subscription per node, fanned out to
	// the SSE clients in process.
	feed *httpapi.LiveFeed
}

func parsePolicy(s string) (alarm.Policy, error) {
	p := alarm.DefaultPolicy()
	for _, part := range strings.Split(s, ",") {
		name, val, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return p, fmt.Errorf("--escalation %q: want level=duration pairs such as red=5m", part)
		}
		l, err := alarm.ParseLevel(name)
		if err != nil {
			return p, fmt.Errorf("--escalation: %v", err)
		}
		d, err := time.ParseDuration(val)
		if err != nil || d <= 0 {
			return p, fmt.Errorf("--escalation %s=%q: want a positive duration", name, val)
		}
		p.AckDeadline[l] = d
	}
	return p, p.Validate()
}

// startPerception builds and starts the monitoring side.
func (a *app) startPerception(ctx context.Context) (*perception, error) {
	policy, err := parsePolicy(a.cfg.Escalation)
	if err != nil {
		return nil, err
	}
	p := &perception{reload: make(chan struct{}, 1)}
	ctx, p.cancel = context.WithCancel(ctx)
	if a.cfg.NATS != "" {
		nb, err := bus.NewNATS(ctx, a.cfg.NATS, a.cfg.NATSStream, []string{"alarm.>", "latest.>"}, bus.WithLogger(a.log),
			bus.WithSubjectPrefix(strings.ToLower(a.cfg.NATSStream)))
		if err != nil {
			return nil, fmt.Errorf("NATS at %s: %w", a.cfg.NATS, err)
		}
		p.bus = nb
	} else {
		p.bus = bus.NewInProcess()
	}
	if p.journal, err = wal.Open(filepath.Join(a.cfg.Data, "journal"), wal.Options{}); err != nil {
		return nil, fmt.Errorf("open the readings journal: %w", err)
	}
	p.notifier = &notify.Notifier{Store: a.db, Webhooks: splitComma(a.cfg.Webhooks), Secret: a.cfg.WebhookSecret, Clock: core.SystemClock, Logger: a.log}
	p.alarms = &alarm.Service{Store: a.db, Notifier: p.notifier, Policy: policy, Logger: a.log,
		Changed: func(al *alarm.Alarm, ev alarm.Event) { p.publishAlarm(ctx, al, ev) }}
	p.devices = &ingest.Devices{Store: a.db, Registry: a.registry, Clock: core.SystemClock}
	p.pipe = ingest.New(ingest.Config{Directory: telemetry.NewDirectory(), Engine: rules.NewEngine(), Journal: p.journal, Series: a.db,
		Alarms: p.alarms, Resolve: p.devices.Resolve, Clock: core.SystemClock, Logger: a.log})
	p.pipe.OnLatest = func(vs []ingest.LatestValue) { p.publishLatest(ctx, vs) }
	setups, err := ingest.FromRegistry(ctx, a.registry, a.db.AllPointRules, rules.DefaultParams())
	if err != nil {
		return nil, err
	}
	if err := p.pipe.Load(setups); err != nil {
		return nil, err
	}
	logSetupProblems(a, setups)
	if err := p.pipe.Start(ctx, 0); err != nil {
		return nil, err
	}
	a.registry.OnChange = func(kind string) {
		if kind == registry.KMonitoringPoint || kind == registry.KFacility || kind == registry.KEnterprise {
			select {
			case p.reload <- struct{}{}:
			default:
			}
		}
	}
	if a.cfg.MQTTAddr != "" {
		if err := p.startBroker(ctx, a); err != nil {
			return nil, err
		}
	}
	if a.cfg.MQTTURL != "" {
		p.external, err = mqtt.NewSubscriber(mqtt.SubscriberOptions{URL: a.cfg.MQTTURL, ClientID: a.cfg.MQTTClientID, Logger: a.log,
			Handler: p.handler(ctx, "mqtt-external")})
		if err != nil {
			return nil, err
		}
		if err := p.external.Start(ctx); err != nil {
			return nil, fmt.Errorf("external MQTT broker %s: %w", a.cfg.MQTTURL, err)
		}
		a.log.Info("taking readings from an external MQTT broker", "url", a.cfg.MQTTURL)
	}
	if err := p.fanout(ctx); err != nil {
		return nil, err
	}
	p.wg.Add(4)
	go func() { defer p.wg.Done(); p.escalate(ctx, a) }()
	go func() { defer p.wg.Done(); p.retention(ctx, a) }()
	go func() { defer p.wg.Done(); p.notifier.Run(ctx, 5*time.Second) }()
	go func() { defer p.wg.Done(); p.reloader(ctx, a) }()
	return p, nil
}

func splitComma(s string) []string {
	var out []string
	for _, x := range strings.Split(s, ",") {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}

func logSetupProblems(a *app, setups []ingest.Setup) {
	n := 0
	for _, s := range setups {
		if s.Problem != nil {
			n++
			a.log.Debug("default rules incomplete", "point", s.Point.Code, "reason", s.Problem)
		}
	}
	if n > 0 {
		a.log.Info("some points lack design values for their default rules; they get the offline rule and what could be built (set the values in the registry or override the rules)", "points", n)
	}
}

func (p *perception) handler(ctx context.Context, transport string) mqtt.Handler {
	return func(m mqtt.Message, ack func(error)) {
		p.pipe.Submit(ctx, ingest.Message{Device: m.Device, Transport: transport, Payload: m.Payload, Received: m.Received}, ack)
	}
}

// startBroker starts the embedded broker; like the HTTP address, a busy
// default port moves to the next free one with a warning.
func (p *perception) startBroker(ctx context.Context, a *app) error {
	addr := a.cfg.MQTTAddr
	for attempt := 0; ; attempt++ {
		b, err := mqtt.NewBroker(mqtt.BrokerOptions{Addr: addr, Authenticator: p.devices, Handler: p.handler(ctx, "mqtt"), Logger: a.log,
			TLSConfig: a.cfg.Net.brokerTLS(), Limit: a.cfg.Net.brokerLimit()})
		if err != nil {
			return err
		}
		err = b.Start()
		if err == nil {
			p.broker = b
			// disabling a device or rotating its secret ends its connections at once.
			p.devices.Revoked = func(code string) { b.DisconnectDevice(code) }
			if addr != a.cfg.MQTTAddr {
				a.log.Warn("the default MQTT address is in use; the embedded broker listens on the next free port", "wanted", a.cfg.MQTTAddr, "using", b.Addr())
			}
			a.log.Info("embedded MQTT broker for devices", "addr", b.Addr(), "tls", a.cfg.Net.mqttCert != nil, "topic", "yingji/v1/readings/<device code>")
			return nil
		}
		b.Close()
		if a.cfg.mqttAddrExplicit || !errors.Is(err, syscall.EADDRINUSE) || attempt >= 20 {
			return fmt.Errorf("MQTT broker on %s: %w", addr, err)
		}
		host, port, _ := net.SplitHostPort(addr)
		n, _ := strconv.Atoi(port)
		addr = net.JoinHostPort(host, strconv.Itoa(n+1))
	}
}

// escalate runs the escalation check every few seconds.
func (p *perception) escalate(ctx context.Context, a *app) {
	t := time.NewTicker(5 * time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			if n, err := p.alarms.Escalate(ctx, now.UTC()); err != nil {
				a.log.Error("escalation", "err", err)
			} else if n > 0 {
				a.log.Info("escalated overdue alarms", "count", n)
			}
		}
	}
}

// reloader applies registry changes to the running pipeline, at most every
// few seconds however many changes arrive.
func (p *perception) reloader(ctx context.Context, a *app) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-p.reload:
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(2 * time.Second):
		}
		if err := p.reloadPoints(ctx, a); err != nil {
			a.log.Error("reloading monitoring points", "err", err)
		}
	}
}

func (p *perception) reloadPoints(ctx context.Context, a *app) error {
	setups, err := ingest.FromRegistry(ctx, a.registry, a.db.AllPointRules, rules.DefaultParams())
	if err != nil {
		return err
	}
	var lerr error
	if err := p.pipe.Do(ctx, func() { lerr = p.pipe.Load(setups) }); err != nil {
		return err
	}
	return lerr
}

func (p *perception) publishAlarm(ctx context.Context, al *alarm.Alarm, ev alarm.Event) {
	if m, err := httpapi.AlarmMessage(al, ev); err == nil {
		p.bus.Publish(ctx, m.Subject, m.Data)
	}
}

func (p *perception) publishLatest(ctx context.Context, vs []ingest.LatestValue) {
	for _, m := range httpapi.LatestMessages(vs) {
		p.bus.Publish(ctx, m.Subject, m.Data)
	}
}

// fanout subscribes this node to the live events once; the feed hands
// them to the SSE clients.
func (p *perception) fanout(ctx context.Context) error {
	p.feed = httpapi.NewLiveFeed()
	_, err := p.bus.Subscribe(ctx, ">", bus.SubOptions{Lossy: true}, func(e bus.Event) { p.feed.Deliver(e.Subject, e.Data) })
	return err
}

// retention deletes readings and roll-ups past their retention once an
// hour (and at start).
func (p *perception) retention(ctx context.Context, a *app) {
	cut := func(d time.Duration, now time.Time) int64 {
		if d <= 0 {
			return 0
		}
		return now.Add(-d).UnixMilli()
	}
	for {
		now := time.Now()
		n, err := a.db.DeleteSeriesBefore(ctx, cut(a.cfg.RetainRaw, now), cut(a.cfg.RetainMinute, now), cut(a.cfg.RetainHour, now))
		if err != nil && ctx.Err() == nil {
			a.log.Error("retention", "err", err)
		} else if n > 0 {
			a.log.Info("retention removed old readings and roll-ups", "rows", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Hour):
		}
	}
}

// stop shuts down in order: no new messages, drain the pipeline, then the
// journal and the bus.
func (p *perception) stop() {
	if p.broker != nil {
		p.broker.Close()
	}
	if p.external != nil {
		p.external.Close()
	}
	p.pipe.Stop()
	p.cancel()
	p.wg.Wait()
	p.journal.Close()
	p.bus.Close()
}

// api returns the HTTP side of perception.
func (p *perception) api(a *app) *httpapi.Perception {
	return &httpapi.Perception{Ingest: p.pipe, Devices: p.devices, Alarms: p.alarms, Series: a.db, Subscribe: p.feed.Subscribe,
		Inbox: a.db.ListMessages, Clock: core.SystemClock,
		Reload: func(ctx context.Context, _ int64) error { return p.reloadPoints(ctx, a) }}
}
