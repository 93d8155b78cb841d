package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"runtime"
	"runtime/pprof"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/yingji/yingji/internal/auth"
	"github.com/yingji/yingji/internal/core"
	"github.com/yingji/yingji/internal/creditcode"
	"github.com/yingji/yingji/internal/httpapi"
	"github.com/yingji/yingji/internal/ingest"
	"github.com/yingji/yingji/internal/mqtt"
	"github.com/yingji/yingji/internal/registry"
)

// cmdBench runs the load benchmarks: `yingji bench ingest`.
func cmdBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "points" {
		return benchPoints(ctx, args[1:], stdout, stderr)
	}
	if len(args) == 0 || args[0] != "ingest" {
		return errors.New("usage: yingji bench ingest|points [flags]")
	}
	fs := flag.NewFlagSet("bench ingest", flag.ContinueOnError)
	fs.SetOutput(stderr)
	duration := fs.Duration("duration", 20*time.Second, "how long the full-speed run lasts")
	publishers := fs.Int("publishers", 8, "MQTT connections (devices) publishing at once")
	points := fs.Int("points", 3000, "monitoring points the readings are spread over")
	qos := fs.Int("qos", 1, "QoS of the publishes (1: acknowledged after the journal's fsync)")
	relay := fs.String("mosquitto", "127.0.0.1:1883", `Mosquitto for the relay baseline ("" skips it)`)
	latency := fs.Duration("latency", 10*time.Second, "how long the latency run at half the measured rate lasts (0 skips it)")
	dbURL := fs.String("db", "", "database (default: a SQLite file in a temporary folder)")
	profile := fs.String("cpuprofile", "", "write a CPU profile of the full-speed run to this file")
	overload := fs.Duration("overload", 0, "then offer 3× the measured rate for this long (e.g. 5m) and report memory, back-pressure and losses")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "yingji-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	cfg := &Config{Data: dir, DB: *dbURL, LogFormat: "text", LogLevel: "warn", SessionTTL: time.Hour, MQTTAddr: "127.0.0.1:0",
		Escalation: "red=1h,orange=1h,yellow=1h,blue=1h", logOut: stderr, mqttAddrExplicit: true}
	if cfg.DB == "" {
		cfg.DB = dir + "/yingji.db"
	}
	log := newLogger(cfg)
	a, err := openApp(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer a.close()
	b := &bench{a: a, out: stdout, qos: byte(*qos)}
	if err := b.setup(ctx, *publishers, *points); err != nil {
		return err
	}
	per, err := a.startPerception(ctx)
	if err != nil {
		return err
	}
	defer per.stop()
	b.per = per
	fmt.Fprintf(stdout, "yingji bench ingest: %d points, %d publishers, QoS %d, messages of 3 readings, %s on %d CPUs (%s)\n",
		*points, *publishers, *qos, a.db.Dialect(), runtime.NumCPU(), runtime.Version())
	if *profile != "" {
		f, err := os.Create(*profile)
		if err != nil {
			return err
		}
		pprof.StartCPUProfile(f)
		defer f.Close()
	}
	rate, err := b.throughput(ctx, *duration, 0)
	if *profile != "" {
		pprof.StopCPUProfile()
	}
	if err != nil {
		return err
	}
	if *relay != "" {
		base, err := relayBaseline(ctx, *relay, b.payloads(0), *duration/2)
		if err != nil {
			return fmt.Errorf("relay baseline through Mosquitto at %s: %w", *relay, err)
		}
		fmt.Fprintf(stdout, "  baseline: Mosquitto relays %.0f messages/s (QoS 0, one publisher → one subscriber)\n", base)
		fmt.Fprintf(stdout, "  ratio: platform / Mosquitto relay = %.2f\n", rate/base)
	}
	if *latency > 0 {
		if err := b.latency(ctx, rate/2, *latency); err != nil {
			return err
		}
	}
	if *overload > 0 {
		if err := b.overload(ctx, 3*rate, *overload); err != nil {
			return err
		}
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	fmt.Fprintf(stdout, "  memory: %.0f MiB in use by the Go heap, %.0f MiB obtained from the OS\n", float64(ms.HeapInuse)/(1<<20), float64(ms.Sys)/(1<<20))
	return nil
}

type bench struct {
	a       *app
	per     *perception
	out     io.Writer
	qos     byte
	devices []benchDevice
	// lastTS keeps each point's readings at distinct, increasing times
	// close to the clock, whichever connection sends them.
	lastTS map[string]*atomic.Int64
}

type benchDevice struct {
	code, secret string
	points       []string
	hot          string // a point whose rules alarm, for the latency run
}

// setup registers an enterprise, one facility and device per publisher,
// and the points, straight through the services.
func (b *bench) setup(ctx context.Context, publishers, points int) error {
	sys := core.WithActor(ctx, core.SystemActor)
	tree := b.a.tree.Load()
	county := tree.List("county")[0].Code
	c, _ := tree.Center(county)
	code, _ := creditcode.Complete("91" + county + "BENCH0001")
	ents, err := b.a.registry.Create(sys, registry.Enterprise, []*registry.Input{{Object: registry.Object{Code: code, Name: "压测企业", Category: "tailings_pond", Geometry: c}}})
	if err != nil {
		return err
	}
	devs := &ingest.Devices{Store: b.a.db, Registry: b.a.registry, Clock: core.SystemClock}
	per := (points + publishers - 1) / publishers
	for i := 0; i < publishers; i++ {
		fac, err := b.a.registry.Create(sys, registry.Facility, []*registry.Input{{Object: registry.Object{Code: fmt.Sprintf("BENCH-F%03d", i), Name: fmt.Sprintf("压测尾矿库%d", i),
			Category: "tailings_pond", OwnerID: ents[0].ID, Geometry: c, Attrs: map[string]any{"dam_grade": int64(3), "pond_type": "wet"}}}})
		if err != nil {
			return err
		}
		var ins []*registry.Input
		d := benchDevice{}
		for j := 0; j < per; j++ {
			pc := fmt.Sprintf("BENCH-%03d-%04d", i, j)
			d.points = append(d.points, pc)
			ins = append(ins, &registry.Input{Object: registry.Object{Code: pc, Name: pc, Category: "phreatic_line", OwnerID: fac[0].ID, Geometry: c,
				Attrs: map[string]any{"unit": "m", "interval_s": int64(3600), "control_depth_m": 4.0, "range_min": 0.0, "range_max": 100.0}}})
		}
		if _, err := b.a.registry.Create(sys, registry.MonitoringPoint, ins); err != nil {
			return err
		}
		d.hot = d.points[0]
		if b.lastTS == nil {
			b.lastTS = map[string]*atomic.Int64{}
		}
		for _, pc := range d.points {
			b.lastTS[pc] = new(atomic.Int64)
		}
		rec, secret, err := devs.Issue(sys, ingest.DeviceInput{Code: fmt.Sprintf("BENCH-D%03d", i), Name: "压测设备", OwnerID: fac[0].ID})
		if err != nil {
			return err
		}
		d.code, d.secret = rec.Code, secret
		b.devices = append(b.devices, d)
	}
	return nil
}

// payloads returns a generator of device i's messages: three readings of
// three different points of its own, each at the clock's time or just after
// that point's previous reading, with values well inside normal.
func (b *bench) payloads(i int) func() []byte {
	d := b.devices[i]
	rng := rand.New(rand.NewPCG(uint64(i), uint64(time.Now().UnixNano())))
	return func() []byte {
		var sb strings.Builder
		sb.WriteString(`{"readings":[`)
		first := rng.IntN(len(d.points))
		for k := 0; k < 3; k++ {
			if k > 0 {
				sb.WriteByte(',')
			}
			pc := d.points[(first+k*len(d.points)/3)%len(d.points)]
			fmt.Fprintf(&sb, `{"point":%q,"ts":%d,"value":%.3f,"unit":"m"}`, pc, b.nextTS(pc), 8+rng.Float64())
		}
		sb.WriteString("]}")
		return []byte(sb.String())
	}
}

// nextTS is now, or one millisecond after the point's last reading.
func (b *bench) nextTS(point string) int64 {
	last := b.lastTS[point]
	for {
		prev := last.Load()
		ts := max(time.Now().UnixMilli(), prev+1)
		if last.CompareAndSwap(prev, ts) {
			return ts
		}
	}
}

// throughput publishes from every device at full speed (or at rate
// messages/s in all when rate > 0) and reports acknowledged messages/s.
func (b *bench) throughput(ctx context.Context, d time.Duration, rate float64) (float64, error) {
	st := b.per.pipe.Stats()
	acc0, ev0 := st.Accepted.Load(), st.Evaluated.Load()
	var sent atomic.Int64
	errs := make(chan error, len(b.devices))
	start := time.Now()
	stop := start.Add(d)
	var wg sync.WaitGroup
	for i, dev := range b.devices {
		pub, err := mqtt.Dial(ctx, "tcp://"+b.per.broker.Addr(), "bench-"+dev.code, dev.code, dev.secret, 5)
		if err != nil {
			return 0, err
		}
		wg.Add(1)
		go func(i int, pub *mqtt.Publisher) {
			defer wg.Done()
			defer pub.Close()
			next := b.payloads(i)
			var tick *time.Ticker
			if rate > 0 {
				tick = time.NewTicker(time.Duration(float64(time.Second) * float64(len(b.devices)) / rate))
				defer tick.Stop()
			}
			for time.Now().Before(stop) {
				if tick != nil {
					<-tick.C
				}
				if err := pub.Publish(ctx, "yingji/v1/readings/"+b.devices[i].code, next(), b.qos); err != nil {
					errs <- err
					return
				}
				sent.Add(1)
			}
			if err := pub.Flush(ctx); err != nil {
				errs <- err
			}
		}(i, pub)
	}
	wg.Wait()
	elapsed := time.Since(start)
	close(errs)
	for err := range errs {
		return 0, err
	}
	acked := float64(sent.Load()) / elapsed.Seconds()
	// the apply loop may still be working through acknowledged messages.
	drain := time.Now()
	for st.QueueLen() > 0 && time.Since(drain) < time.Minute {
		time.Sleep(10 * time.Millisecond)
	}
	readings := st.Accepted.Load() - acc0
	evaluated := st.Evaluated.Load() - ev0
	if rate == 0 {
		fmt.Fprintf(b.out, "  platform: %d messages in %.1fs = %.0f messages/s acknowledged durably (%.0f readings/s journaled); %d readings evaluated, the queue drained %.1fs after the end\n",
			sent.Load(), elapsed.Seconds(), acked, float64(readings)/elapsed.Seconds(), evaluated, time.Since(drain).Seconds())
	}
	return acked, nil
}

// relayBaseline sends the same kind of messages through Mosquitto from one
// publisher to one bare subscriber at QoS 0 and returns messages/s received.
func relayBaseline(ctx context.Context, addr string, next func() []byte, d time.Duration) (float64, error) {
	topic := fmt.Sprintf("yingji-bench/%d", time.Now().UnixNano())
	sub, err := mqtt.Count(addr, fmt.Sprintf("yingji-bench-sub-%d", time.Now().UnixNano()), topic)
	if err != nil {
		return 0, err
	}
	defer sub.Close()
	pub, err := mqtt.Dial(ctx, "tcp://"+addr, fmt.Sprintf("yingji-bench-pub-%d", time.Now().UnixNano()), "", "", 4)
	if err != nil {
		return 0, err
	}
	defer pub.Close()
	start := time.Now()
	for time.Since(start) < d {
		if err := pub.Publish(ctx, topic, next(), 0); err != nil {
			return 0, err
		}
	}
	pub.Flush(ctx)
	// count what arrives until the flow stops.
	last := int64(-1)
	for sub.N() != last {
		last = sub.N()
		time.Sleep(200 * time.Millisecond)
	}
	return float64(sub.N()) / (time.Since(start) - 200*time.Millisecond).Seconds(), nil
}

// latency publishes at the given rate and, every 200 ms, a reading that
// takes a point across its red threshold, and measures the time from the
// publish to the alarm arriving on the SSE stream.
func (b *bench) latency(ctx context.Context, rate float64, d time.Duration) error {
	srv := &httpapi.Server{Registry: b.a.registry, Auth: b.a.auth, Regions: b.a, DB: b.a.db, Logger: slog.New(slog.DiscardHandler),
		Version: version, Perception: b.per.api(b.a)}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	hs := &http.Server{Handler: srv.Handler()}
	go hs.Serve(ln)
	defer hs.Close()
	token, err := b.token(ctx)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", "http://"+ln.Addr().String()+"/api/v1/events?types=alarm", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var mu sync.Mutex
	sentAt := map[string]time.Time{}
	var lat []time.Duration
	go func() {
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			data, ok := strings.CutPrefix(sc.Text(), "data: ")
			if !ok {
				continue
			}
			var m struct {
				Alarm struct{ Point string }
				Event struct{ Action string }
			}
			if json.Unmarshal([]byte(data), &m) != nil || m.Event.Action != "raise" {
				continue
			}
			mu.Lock()
			if t, ok := sentAt[m.Alarm.Point]; ok {
				lat = append(lat, time.Since(t))
				delete(sentAt, m.Alarm.Point)
			}
			mu.Unlock()
		}
	}()
	// the load in the background, at half the maximum rate.
	go b.throughput(ctx, d, rate)
	hot, err := mqtt.Dial(ctx, "tcp://"+b.per.broker.Addr(), "bench-hot", b.devices[0].code, b.devices[0].secret, 5)
	if err != nil {
		return err
	}
	defer hot.Close()
	start := time.Now()
	for i := 0; time.Since(start) < d; i++ {
		point := b.devices[0].points[1+i%(len(b.devices[0].points)-1)]
		// alternate far below red (alarm) and well above blue (recovery).
		v := 1.0
		if i/(len(b.devices[0].points)-1)%2 == 1 {
			v = 9.0
		}
		mu.Lock()
		if v < 4 {
			sentAt[point] = time.Now()
		}
		mu.Unlock()
		payload := fmt.Sprintf(`{"point":%q,"ts":%d,"value":%g,"unit":"m"}`, point, b.nextTS(point), v)
		if err := hot.Publish(ctx, "yingji/v1/readings/"+b.devices[0].code, []byte(payload), 1); err != nil {
			return err
		}
		time.Sleep(200 * time.Millisecond)
	}
	time.Sleep(time.Second)
	mu.Lock()
	defer mu.Unlock()
	if len(lat) == 0 {
		return errors.New("latency: no alarm arrived on the SSE stream")
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	p := func(q float64) time.Duration { return lat[int(q*float64(len(lat)-1))] }
	fmt.Fprintf(b.out, "  latency publish → alarm on SSE at %.0f messages/s of load: p50 %s, p99 %s, max %s (%d alarms)\n",
		rate, p(0.5).Round(time.Microsecond), p(0.99).Round(time.Microsecond), lat[len(lat)-1].Round(time.Microsecond), len(lat))
	return nil
}

// token signs in a temporary administrator for the SSE stream.
func (b *bench) token(ctx context.Context) (string, error) {
	sys := core.WithActor(ctx, core.SystemActor)
	pw := auth.GeneratePassword()
	u, err := b.a.auth.CreateUser(sys, auth.UserInput{Username: "bench", Password: pw, Role: "admin", Division: b.a.tree.Load().Root().Code})
	if err != nil {
		return "", err
	}
	return b.a.auth.IssueToken(sys, u, auth.SessionToken, "bench", time.Hour)
}

// overload offers the given rate (three times what was sustained) for d
// from three times the publishers, sampling memory and the queues, then
// checks that every acknowledged reading was journaled.
func (b *bench) overload(ctx context.Context, rate float64, d time.Duration) error {
	st := b.per.pipe.Stats()
	js0 := b.per.journal.Stats()
	acc0 := st.Accepted.Load()
	var maxHeap uint64
	maxQueue := 0
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				var ms runtime.MemStats
				runtime.ReadMemStats(&ms)
				maxHeap = max(maxHeap, ms.HeapInuse)
				maxQueue = max(maxQueue, st.QueueLen())
			}
		}
	}()
	// three connections per device: the offered load is 3×, from 3× the
	// publishers, each still trying to go as fast as its share allows.
	var acked atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	stop := start.Add(d)
	per := rate / float64(3*len(b.devices))
	for i, dev := range b.devices {
		for k := 0; k < 3; k++ {
			pub, err := mqtt.Dial(ctx, "tcp://"+b.per.broker.Addr(), fmt.Sprintf("overload-%s-%d", dev.code, k), dev.code, dev.secret, 5)
			if err != nil {
				return err
			}
			wg.Add(1)
			go func(i int, pub *mqtt.Publisher) {
				defer wg.Done()
				defer pub.Close()
				next := b.payloads(i)
				interval := time.Duration(float64(time.Second) / per)
				due := time.Now()
				var pending []*mqtt.Receipt
				for time.Now().Before(stop) {
					if wait := time.Until(due); wait > 0 {
						time.Sleep(wait)
					}
					due = due.Add(interval)
					r, err := pub.Send(ctx, "yingji/v1/readings/"+b.devices[i].code, next(), 1)
					if err != nil {
						return
					}
					pending = append(pending, r)
					if len(pending) >= 256 {
						pending = countAcked(pending, &acked, false)
					}
				}
				pub.Flush(ctx)
				countAcked(pending, &acked, true)
			}(i, pub)
		}
	}
	wg.Wait()
	elapsed := time.Since(start)
	for st.QueueLen() > 0 {
		time.Sleep(10 * time.Millisecond)
	}
	close(done)
	js := b.per.journal.Stats()
	journaled := (st.Accepted.Load() - acc0) / 3
	fmt.Fprintf(b.out, "  overload: offered %.0f messages/s for %s; acknowledged %.0f messages/s (%.2f of the offer: publishers were slowed)\n",
		rate, d, float64(acked.Load())/elapsed.Seconds(), float64(acked.Load())/elapsed.Seconds()/rate)
	fmt.Fprintf(b.out, "    max Go heap %.0f MiB, max apply queue %d messages, journal appends that waited for room %d\n",
		float64(maxHeap)/(1<<20), maxQueue, js.BlockedAppends-js0.BlockedAppends)
	if journaled < acked.Load() {
		return fmt.Errorf("overload: %d messages acknowledged but only %d journaled", acked.Load(), journaled)
	}
	fmt.Fprintf(b.out, "    every acknowledged message was journaled (%d acknowledged, %d journaled)\n", acked.Load(), journaled)
	return nil
}

// countAcked counts the receipts that are done (all of them, waiting, when
// final) and returns the rest.
func countAcked(rs []*mqtt.Receipt, acked *atomic.Int64, final bool) []*mqtt.Receipt {
	rest := rs[:0]
	for _, r := range rs {
		if final {
			<-r.Done()
		}
		select {
		case <-r.Done():
			if r.Err() == nil {
				acked.Add(1)
			}
		default:
			rest = append(rest, r)
		}
	}
	return rest
}
