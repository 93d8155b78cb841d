package main

import (
	"bytes"
	"context"
	"io"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer the server's goroutines may log into.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// simServer runs the real serve command with demo data and the embedded
// broker on free ports, and returns the HTTP URL and the broker's address,
// which it reads from the server's log.
func simServer(t *testing.T) (string, string) {
	t.Helper()
	setAccountPasswords(t)
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	logs := &syncBuffer{}
	go func() {
		done <- cmdServe(ctx, []string{"--addr", "127.0.0.1:0", "--mqtt-addr", "127.0.0.1:0", "--data", t.TempDir()}, io.Discard, logs, ready)
	}()
	var url string
	select {
	case url = <-ready:
		t.Cleanup(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("serve returned %v on shutdown", err)
			}
		})
	case err := <-done:
		cancel()
		t.Fatalf("serve stopped: %v\n%s", err, logs)
	case <-time.After(2 * time.Minute):
		cancel()
		t.Fatal("serve did not become ready")
	}
	m := regexp.MustCompile(`msg="embedded MQTT broker for devices" addr=(\S+)`).FindStringSubmatch(logs.String())
	if m == nil {
		t.Fatalf("no broker address in the log:\n%s", logs)
	}
	return url, m[1]
}

// TestSimRaisesAlarmsAtEveryLevel is the interface: `yingji sim`
// against a server with demo data leaves open alarms at every level, each
// with its state, point and time, within its run.
func TestSimRaisesAlarmsAtEveryLevel(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the server and the simulator for about 30 s")
	}
	url, broker := simServer(t)
	t.Setenv("YINGJI_PASSWORD", adminPassword)
	var out bytes.Buffer
	began := time.Now()
	err := cmdSim(context.Background(), []string{"--url", url, "--broker", broker, "--duration", "25s", "--seed", "3"}, &out, io.Discard)
	if err != nil {
		t.Fatalf("sim: %v\n%s", err, out.String())
	}
	t.Logf("sim output:\n%s", out.String())
	if took := time.Since(began); took > 35*time.Second {
		t.Errorf("sim --duration 25s took %s", took)
	}
	done := regexp.MustCompile(`sim: done after .*: (\d+) messages \((\d+) readings\) sent, (\d+) acknowledged, (\d+) failed`).FindStringSubmatch(out.String())
	if done == nil {
		t.Fatal("no summary")
	}
	sent, _ := strconv.Atoi(done[1])
	acked, _ := strconv.Atoi(done[3])
	if sent < 1000 || acked < sent*9/10 {
		t.Errorf("%d messages sent, %d acknowledged", sent, acked)
	}
	if !strings.Contains(out.String(), "points simulated") {
		t.Error("no progress line")
	}

	c := login(t, url, "admin", adminPassword)
	var alarms struct {
		Items []struct {
			Level, State, Point, Kind string
			RaisedAt                  time.Time `json:"raised_at"`
		}
	}
	c.get("/api/v1/alarms?state=open&limit=5000", &alarms)
	levels := map[string]int{}
	open := map[string]string{} // point → level of its threshold alarm
	for _, a := range alarms.Items {
		if a.Point == "" || a.RaisedAt.Before(began.Add(-time.Second)) || a.RaisedAt.After(time.Now()) ||
			a.State != "raised" && a.State != "acknowledged" && a.State != "disposing" {
			t.Errorf("alarm %+v: want a point, an open state and a time within the run", a)
		}
		levels[a.Level]++
		if a.Kind == "threshold" {
			open[a.Point] = a.Level
		}
	}
	for _, l := range []string{"blue", "yellow", "orange", "red"} {
		if levels[l] == 0 {
			t.Errorf("no open %s alarm; open alarms by level: %v", l, levels)
		}
	}
	var rejections struct{ Counts map[string]int }
	login(t, url, "sysadmin", adminPassword).get("/api/v1/ingest/rejections?limit=1", &rejections) // the system administrator's (三员分立)
	for reason, n := range rejections.Counts {
		if n > 0 {
			t.Errorf("%d readings refused as %s", n, reason)
		}
	}
	// each anomaly the simulator announced raised its alarm at its level.
	announced := regexp.MustCompile(`sim: anomaly (\w+) +(\S+) `).FindAllStringSubmatch(out.String(), -1)
	if len(announced) != 8 {
		t.Errorf("%d anomalies announced, want 2 per level", len(announced))
	}
	for _, m := range announced {
		if open[m[2]] != m[1] {
			t.Errorf("anomaly %s on %s: the point's open threshold alarm is at %q", m[1], m[2], open[m[2]])
		}
	}
}

func TestSimFlags(t *testing.T) {
	t.Setenv("YINGJI_PASSWORD", "")
	t.Setenv("YINGJI_ADMIN_PASSWORD", "from-admin-env")
	t.Setenv("YINGJI_RATE", "500")
	t.Setenv("YINGJI_QOS", "0")
	o, err := parseSimFlags([]string{"--qos", "1", "--url", "http://127.0.0.1:9/", "--duration", "0"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if o.password != "from-admin-env" || o.rate != 500 || o.qos != 1 || o.url != "http://127.0.0.1:9" || o.duration != 0 ||
		o.broker != defaultMQTTAddr || o.user != "admin" || o.version != 4 {
		t.Errorf("options = %+v; want the environment's values with the flags winning", o)
	}
	for _, args := range [][]string{{"--qos", "2"}, {"--mqtt-version", "3"}, {"--rate", "-1"}, {"extra"}} {
		if _, err := parseSimFlags(args, io.Discard); err == nil {
			t.Errorf("%v accepted", args)
		}
	}
	t.Setenv("YINGJI_ADMIN_PASSWORD", "")
	if _, err := parseSimFlags(nil, io.Discard); err == nil || !strings.Contains(err.Error(), "YINGJI_PASSWORD") {
		t.Errorf("no password: %v", err)
	}
}

// The simulator takes an API token instead of a password (the way for an
// account that signs in with a second factor), and refuses to start with
// neither.
func TestSimCredentials(t *testing.T) {
	t.Setenv("YINGJI_PASSWORD", "")
	t.Setenv("YINGJI_ADMIN_PASSWORD", "")
	t.Setenv("YINGJI_TOKEN", "")
	if _, err := parseSimFlags([]string{"--url", "http://127.0.0.1:1"}, io.Discard); err == nil || !strings.Contains(err.Error(), "YINGJI_TOKEN") {
		t.Fatalf("no credentials: %v", err)
	}
	t.Setenv("YINGJI_TOKEN", "an-api-token")
	o, err := parseSimFlags([]string{"--url", "http://127.0.0.1:1"}, io.Discard)
	if err != nil || o.token != "an-api-token" {
		t.Fatalf("token only: %+v %v", o, err)
	}
}
