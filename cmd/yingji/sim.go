package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/yingji/yingji/internal/mqtt"
	"github.com/yingji/yingji/internal/sim"
)

// simOptions are the flags of `yingji sim`.
type simOptions struct {
	url, broker, user, password string
	// token is an API token (YINGJI_TOKEN, environment only), used instead
	// of signing in: the way for an account with a second factor.
	token        string
	rate         float64
	duration     time.Duration
	seed         int64
	qos, version int
}

func parseSimFlags(args []string, stderr io.Writer) (*simOptions, error) {
	o := &simOptions{}
	fs := flag.NewFlagSet("sim", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.url, "url", "http://"+defaultAddr, "the platform's address, for its HTTP API")
	fs.StringVar(&o.broker, "broker", defaultMQTTAddr, "MQTT broker the devices publish to (host:port or tcp://host:port)")
	fs.StringVar(&o.user, "user", "admin", "account that registers the simulated devices (needs devices.manage)")
	fs.StringVar(&o.password, "password", "", "its password; rather set YINGJI_PASSWORD, or YINGJI_ADMIN_PASSWORD for admin")
	fs.Float64Var(&o.rate, "rate", 0, "messages per second over all devices (0: one message per device per second)")
	fs.DurationVar(&o.duration, "duration", 30*time.Second, "how long to run, set-up included (0: until interrupted)")
	fs.Int64Var(&o.seed, "seed", 1, "random seed; the same seed gives the same readings and anomalies")
	fs.IntVar(&o.qos, "qos", 1, "MQTT QoS, 0 or 1")
	fs.IntVar(&o.version, "mqtt-version", 4, "MQTT protocol version, 4 (3.1.1) or 5")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), "usage: yingji sim [flags]\n\nPublishes simulated readings of every active monitoring point over MQTT, one device\nper owner record, with anomalies that raise alarms at every level in the first seconds.\n\nflags (each also as YINGJI_<NAME>, e.g. --mqtt-version as YINGJI_MQTT_VERSION):\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("sim takes no arguments, got %q (flags start with --)", fs.Arg(0))
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		if v, ok := os.LookupEnv(envName(f.Name)); ok && !set[f.Name] && err == nil {
			if e := fs.Set(f.Name, v); e != nil {
				err = fmt.Errorf("%s=%q: %v", envName(f.Name), v, e)
			}
		}
	})
	o.token = os.Getenv("YINGJI_TOKEN")
	if o.password == "" {
		o.password = os.Getenv("YINGJI_ADMIN_PASSWORD")
	}
	// given only the broker, find the API of the server running it.
	if _, env := os.LookupEnv(envName("url")); !set["url"] && !env {
		if u, ok := discover(o.broker); ok {
			o.url = u
		}
	}
	switch {
	case err != nil:
		return nil, err
	case o.password == "" && o.token == "":
		return nil, errors.New("sim: no credentials: set YINGJI_PASSWORD (or pass --password), or YINGJI_TOKEN to an API token")
	case o.qos != 0 && o.qos != 1:
		return nil, fmt.Errorf("--qos %d: want 0 or 1", o.qos)
	case o.version != 4 && o.version != 5:
		return nil, fmt.Errorf("--mqtt-version %d: want 4 (3.1.1) or 5", o.version)
	case o.rate < 0 || o.duration < 0:
		return nil, errors.New("--rate and --duration cannot be negative")
	}
	o.url = strings.TrimRight(o.url, "/")
	return o, nil
}

// cmdSim runs `yingji sim`: it signs in, lists the monitoring points and
// their rules, registers one device per owner and publishes readings from
// the sim package's generator until the duration is up.
func cmdSim(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, err := parseSimFlags(args, stderr)
	if err != nil {
		return err
	}
	if o.duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, o.duration)
		defer cancel()
	}
	began := time.Now()
	out := &lockedWriter{w: stdout}
	api := &simAPI{base: o.url, http: &http.Client{Timeout: time.Minute}}
	if o.token != "" {
		api.token = o.token
	} else {
		var login struct{ Token string }
		if err := api.call(ctx, "POST", "/api/v1/auth/login", map[string]string{"username": o.user, "password": o.password}, &login); err != nil {
			return fmt.Errorf("sign in as %s: %w", o.user, err)
		}
		if login.Token == "" {
			return fmt.Errorf("sign in as %s: the account needs a second factor; run the simulator as an account without one (--user, e.g. an inspector), or set YINGJI_TOKEN to an API token of this account (POST /api/v1/auth/tokens)", o.user)
		}
		api.token = login.Token
	}
	listed, err := api.points(ctx)
	if err != nil {
		return err
	}
	devs, byCode := sim.Devices(listed), sim.Reporting(listed)
	codes := slices.Collect(maps.Keys(byCode))
	if len(devs) == 0 {
		return fmt.Errorf("%s has no active monitoring points with an owner; load the demo data ('yingji demo')", o.url)
	}
	fmt.Fprintf(out, "sim: %d monitoring points of %d owners at %s; registering %d devices\n", len(codes), len(devs), o.url, len(devs))
	devices, err := registerDevices(ctx, api, o, devs)
	defer func() {
		for _, d := range devices {
			if d != nil && d.pub != nil {
				d.pub.Close()
			}
		}
	}()
	if err != nil {
		return err
	}

	// The rules come one request per point: start with the seed's preferred
	// anomaly targets and add the rest while the devices publish.
	g, rest, err := sim.Build(sim.Config{Seed: o.seed}, codes, 48, time.Now, func(batch []string) ([]sim.Point, error) {
		pts := make([]sim.Point, len(batch))
		err := api.rules(ctx, batch, byCode, 8, func(i int, p sim.Point) { pts[i] = p })
		return pts, err
	})
	if err != nil {
		return fmt.Errorf("alarm rules: %w", err)
	}
	if u := g.Uncovered(); len(u) > 0 {
		fmt.Fprintf(out, "sim: no point can be driven to %s (no such thresholds within a sensor's range)\n", strings.Join(u, ", "))
	}
	for _, a := range g.Opening() {
		fmt.Fprintf(out, "sim: anomaly %-6s %s (rule %s) reaches %g %s at +%.1fs for %s\n", a.Level, a.Point, a.Rule, a.Value,
			byCode[a.Point].Unit, a.Peak.Sub(began).Seconds(), a.Until.Sub(a.Peak).Round(time.Second))
	}

	var st simStats
	period := time.Second
	if o.rate > 0 {
		period = time.Duration(float64(len(devices)) / o.rate * float64(time.Second))
	}
	var loops sync.WaitGroup
	for i, d := range devices {
		loops.Go(func() { d.run(ctx, g, o, period, period*time.Duration(i)/time.Duration(len(devices)), &st, out) })
	}
	loops.Go(func() {
		if err := api.rules(ctx, rest, byCode, 4, func(_ int, p sim.Point) { g.Add(p) }); err != nil && ctx.Err() == nil {
			fmt.Fprintf(out, "sim: points left out: %v\n", err)
		}
	})
	progress := time.NewTicker(5 * time.Second)
	defer progress.Stop()
	for ctx.Err() == nil {
		select {
		case <-progress.C:
			fmt.Fprintf(out, "sim: %5.0fs %s; %d of %d points simulated\n", time.Since(began).Seconds(), st.String(), g.Len(), len(codes))
		case <-ctx.Done():
		}
	}
	loops.Wait()
	flushCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, d := range devices {
		if d.pub != nil {
			d.pub.Flush(flushCtx) // waits for the acknowledgements
			d.pub.Close()         // fails what is still unacknowledged
		}
	}
	st.pending.Wait()
	fmt.Fprintf(out, "sim: done after %.1fs with %d devices: %s\n", time.Since(began).Seconds(), len(devices), st.String())
	return nil
}

// simStats counts what was published.
type simStats struct {
	sent, readings, acked, failed atomic.Int64
	pending                       sync.WaitGroup // QoS 1 messages awaiting their PUBACK
}

func (s *simStats) String() string {
	return fmt.Sprintf("%d messages (%d readings) sent, %d acknowledged, %d failed", s.sent.Load(), s.readings.Load(), s.acked.Load(), s.failed.Load())
}

// simDevice is a simulated device with its MQTT connection.
type simDevice struct {
	sim.Device
	secret string
	pub    *mqtt.Publisher // nil after the connection failed
	warned bool
}

// registerDevices registers each device, or rotates the secret of one
// registered before, and connects it to the broker.
func registerDevices(ctx context.Context, api *simAPI, o *simOptions, devs []sim.Device) ([]*simDevice, error) {
	var existing struct {
		Items []struct {
			ID   int64  `json:"id"`
			Code string `json:"code"`
		}
	}
	if err := api.call(ctx, "GET", "/api/v1/devices", nil, &existing); err != nil {
		return nil, err
	}
	ids := map[string]int64{}
	for _, d := range existing.Items {
		ids[d.Code] = d.ID
	}
	out := make([]*simDevice, len(devs))
	err := parallel(ctx, len(devs), 8, func(i int) error {
		d := &simDevice{Device: devs[i]}
		method, path, body := "POST", "/api/v1/devices", map[string]any{"code": d.Code, "name": "Simulated device " + d.Code, "owner_id": d.Owner}
		if id, ok := ids[d.Code]; ok { // registered by an earlier run: a new secret
			method, path, body = "PATCH", fmt.Sprintf("/api/v1/devices/%d", id), map[string]any{"rotate_secret": true, "disabled": false}
		}
		var resp struct{ Secret string }
		err := api.call(ctx, method, path, body, &resp)
		if err != nil {
			return fmt.Errorf("device %s: %w", d.Code, err)
		}
		d.secret = resp.Secret
		if d.pub, err = mqtt.Dial(ctx, o.broker, d.Code, d.Code, d.secret, byte(o.version)); err != nil {
			return fmt.Errorf("device %s: %w", d.Code, err)
		}
		out[i] = d
		return nil
	})
	return out, err
}

// run publishes the device's readings every period, the first after phase.
func (d *simDevice) run(ctx context.Context, g *sim.Generator, o *simOptions, period, phase time.Duration, st *simStats, log io.Writer) {
	next := time.Now().Add(phase)
	t := time.NewTimer(phase)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		now := time.Now()
		if rs := g.Next(now, d.Points); len(rs) > 0 {
			payload, _ := json.Marshal(sim.Message{TS: now.UnixMilli(), Readings: rs})
			d.publish(ctx, o, payload, len(rs), st, log)
		}
		if next = next.Add(period); next.Before(now) {
			next = now.Add(period) // fell behind: skip rather than burst
		}
		t.Reset(time.Until(next))
	}
}

func (d *simDevice) publish(ctx context.Context, o *simOptions, payload []byte, n int, st *simStats, log io.Writer) {
	var err error
	if d.pub == nil {
		if d.pub, err = mqtt.Dial(ctx, o.broker, d.Code, d.Code, d.secret, byte(o.version)); err != nil {
			st.failed.Add(1)
			return
		}
	}
	r, err := d.pub.Send(ctx, d.Topic(), payload, byte(o.qos))
	if err != nil && ctx.Err() != nil {
		return // the run is over
	}
	if err != nil {
		st.failed.Add(1)
		if !d.warned {
			d.warned = true
			fmt.Fprintf(log, "sim: device %s: %v; reconnecting\n", d.Code, err)
		}
		d.pub.Close()
		d.pub = nil
		return
	}
	st.sent.Add(1)
	st.readings.Add(int64(n))
	if o.qos == 1 {
		st.pending.Go(func() {
			if <-r.Done(); r.Err() == nil {
				st.acked.Add(1)
			} else {
				st.failed.Add(1)
			}
		})
	}
}

// simAPI is the platform's HTTP API as the simulator uses it.
type simAPI struct {
	base, token string
	http        *http.Client
}

func (c *simAPI) call(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, _ := json.Marshal(in) // maps of strings and numbers
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s %s: %s: %s", method, path, resp.Status, bytes.TrimSpace(data[:min(len(data), 300)]))
	}
	return json.Unmarshal(data, out)
}

// points lists every monitoring point, page by page.
func (c *simAPI) points(ctx context.Context) ([]sim.APIPoint, error) {
	var all []sim.APIPoint
	for {
		var page struct {
			Items []sim.APIPoint
			Total int
		}
		if err := c.call(ctx, "GET", fmt.Sprintf("/api/v1/monitoring-points?limit=5000&offset=%d", len(all)), nil, &page); err != nil {
			return nil, err
		}
		all = append(all, page.Items...)
		if len(page.Items) == 0 || len(all) >= page.Total {
			return all, nil
		}
	}
}

// rules fetches the rules of the points, a few requests at a time, and
// hands over each point with its rules. It returns the first error, having
// tried every point.
func (c *simAPI) rules(ctx context.Context, codes []string, byCode map[string]sim.APIPoint, workers int, got func(int, sim.Point)) error {
	return parallel(ctx, len(codes), workers, func(i int) error {
		var resp struct{ Rules []sim.APIRule }
		if err := c.call(ctx, "GET", "/api/v1/monitoring-points/"+url.PathEscape(codes[i])+"/rules", nil, &resp); err != nil {
			return err
		}
		p, err := sim.PointFromAPI(byCode[codes[i]], resp.Rules)
		if err == nil {
			got(i, p)
		}
		return err
	})
}

// parallel calls fn(0) … fn(n-1) on a few goroutines until ctx ends and
// returns the first error.
func parallel(ctx context.Context, n, workers int, fn func(int) error) error {
	var next atomic.Int64
	errs := make([]error, n)
	var wg sync.WaitGroup
	for range min(workers, n) {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < n && ctx.Err() == nil; i = int(next.Add(1) - 1) {
				errs[i] = fn(i)
			}
		})
	}
	wg.Wait()
	for _, err := range append(errs, ctx.Err()) {
		if err != nil {
			return err
		}
	}
	return nil
}

// lockedWriter serialises writes from the device goroutines.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
