package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/yingji/yingji/internal/demo"
	"github.com/yingji/yingji/internal/httpapi/openapitest"
	"github.com/yingji/yingji/internal/region"
	"github.com/yingji/yingji/internal/store/storetest"
)

const adminPassword = "Admin-password-1"

// setAccountPasswords gives the first accounts (admin and the three
// administrators) the test password.
func setAccountPasswords(t testing.TB) {
	for _, f := range firstAccounts {
		t.Setenv(passwordEnv(f.Username), adminPassword)
	}
}

// server runs the real serve command until the test ends.
func server(t *testing.T, args ...string) (string, *bytes.Buffer) {
	t.Helper()
	setAccountPasswords(t)
	return serveWith(t, args...)
}

// serveWith is server with the first accounts' passwords as the
// environment has them.
func serveWith(t *testing.T, args ...string) (string, *bytes.Buffer) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	var out bytes.Buffer
	go func() {
		done <- cmdServe(ctx, append([]string{"--addr", "127.0.0.1:0", "--log-level", "warn"}, args...), &out, io.Discard, ready)
	}()
	select {
	case url := <-ready:
		t.Cleanup(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("serve returned %v on shutdown", err)
			}
		})
		return url, &out
	case err := <-done:
		cancel()
		t.Fatalf("serve stopped: %v", err)
	case <-time.After(2 * time.Minute):
		cancel()
		t.Fatal("serve did not become ready")
	}
	return "", nil
}

type client struct {
	t     *testing.T
	url   string
	token string
	// v checks every response against the server's OpenAPI document.
	v *openapitest.Validator
}

func (c *client) get(path string, out any) {
	c.t.Helper()
	req, _ := http.NewRequest("GET", c.url+path, nil)
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	c.v.Check(c.t, req, resp, body)
	if resp.StatusCode != 200 {
		c.t.Fatalf("GET %s = %d: %s", path, resp.StatusCode, body)
	}
	if err := json.Unmarshal(body, out); err != nil {
		c.t.Fatalf("GET %s: %v", path, err)
	}
}

func login(t *testing.T, url, user, password string) *client {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"username": user, "password": password})
	resp, err := http.Post(url+"/api/v1/auth/login", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var lr struct{ Token string }
	json.NewDecoder(resp.Body).Decode(&lr)
	if resp.StatusCode != 200 || lr.Token == "" {
		t.Fatalf("login as %s = %d", user, resp.StatusCode)
	}
	return &client{t: t, url: url, token: lr.Token, v: openapitest.Load(t, url)}
}

// TestServeWithDemoData is the "done when": a fresh start serves the
// demo registry, the five counties, and the demo counts by county and
// industry, on SQLite and on PostgreSQL.
func TestServeWithDemoData(t *testing.T) {
	tree, err := region.Baoshan()
	if err != nil {
		t.Fatal(err)
	}
	ds, err := demo.Generate(tree, demo.DefaultSeed)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int{} // "county/industry" → count, from the generator
	for _, r := range ds.Records("enterprise") {
		want[r.Division[:6]+"/"+r.Category]++
	}
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			dir := t.TempDir()
			args := []string{"--data", dir}
			if b.Name == "postgres" {
				args = append(args, "--db", b.DSN(t))
			}
			url, out := server(t, args...)
			if !strings.Contains(out.String(), "is running at "+url) {
				t.Errorf("start-up message: %q", out.String())
			}
			c := login(t, url, "admin", adminPassword)
			var counties struct {
				Items []struct{ Code string }
				Total int
			}
			c.get("/api/v1/divisions?level=county", &counties)
			if counties.Total != 5 {
				t.Fatalf("%d counties", counties.Total)
			}
			checked := 0
			for _, county := range counties.Items {
				for _, ind := range []string{"non_coal_mine", "tailings_pond", "hazchem_trader", "fireworks_retailer"} {
					var list struct{ Total int }
					c.get(fmt.Sprintf("/api/v1/enterprises?division=%s&industry=%s&limit=1", county.Code, ind), &list)
					if list.Total != want[county.Code+"/"+ind] {
						t.Errorf("%s %s: %d enterprises, want %d", county.Code, ind, list.Total, want[county.Code+"/"+ind])
					}
					checked += list.Total
				}
			}
			if checked < 900 {
				t.Errorf("only %d enterprises counted; the demo set has more", checked)
			}
			for path, n := range map[string]int{"geohazard-points": 1596, "hazard-sources": 7} {
				var list struct{ Total int }
				c.get("/api/v1/"+path+"?limit=1", &list)
				if list.Total != n {
					t.Errorf("%s: %d, want %d", path, list.Total, n)
				}
			}
			var fc struct {
				Type     string
				Features []struct{ Properties map[string]any }
			}
			c.get("/api/v1/monitoring-points?format=geojson&limit=5000", &fc)
			if fc.Type != "FeatureCollection" || len(fc.Features) != len(ds.Records("monitoring_point")) {
				t.Errorf("monitoring points as GeoJSON: %s with %d features, want %d", fc.Type, len(fc.Features), len(ds.Records("monitoring_point")))
			}
		})
	}
}

// TestRestartKeepsState: a second start neither reloads the demo data nor
// touches the administrator.
func TestRestartKeepsState(t *testing.T) {
	dir := t.TempDir()
	url, _ := server(t, "--data", dir, "--no-demo")
	c := login(t, url, "admin", adminPassword)
	var list struct{ Total int }
	c.get("/api/v1/enterprises", &list)
	if list.Total != 0 {
		t.Fatalf("--no-demo loaded %d enterprises", list.Total)
	}
	ctx := context.Background()
	var out bytes.Buffer
	t.Setenv("YINGJI_PASSWORD", "Second-password-2")
	if err := run(ctx, []string{"user", "add", "duty", "--role", "duty_officer", "--division", "530523", "--data", dir}, &out, io.Discard); err != nil {
		t.Fatalf("user add: %v", err)
	}
	out.Reset()
	if err := run(ctx, []string{"user", "list", "--data", dir}, &out, io.Discard); err != nil || !strings.Contains(out.String(), "duty_officer") {
		t.Fatalf("user list: %v\n%s", err, out.String())
	}
	d := login(t, url, "duty", "Second-password-2")
	var me struct {
		User struct {
			Division string `json:"division_code"`
		}
	}
	d.get("/api/v1/auth/me", &me)
	if me.User.Division != "530523" {
		t.Errorf("duty officer division = %q", me.User.Division)
	}
	out.Reset()
	if err := run(ctx, []string{"audit", "verify", "--data", dir}, &out, io.Discard); err != nil || !strings.Contains(out.String(), "intact") {
		t.Fatalf("audit verify: %v %s", err, out.String())
	}
	out.Reset()
	var have, known int
	if err := run(ctx, []string{"migrate", "--data", dir}, &out, io.Discard); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	if _, err := fmt.Sscanf(out.String()[strings.Index(out.String(), "schema version"):], "schema version %d of %d", &have, &known); err != nil || have != known || have < 2 {
		t.Fatalf("migrate: %v %s", err, out.String())
	}
	if err := run(ctx, []string{"frobnicate"}, io.Discard, io.Discard); err == nil {
		t.Error("unknown command accepted")
	}
}

func TestDemoReload(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	var out bytes.Buffer
	if err := run(ctx, []string{"demo", "--data", dir}, &out, io.Discard); err != nil {
		t.Fatalf("demo: %v", err)
	}
	if err := run(ctx, []string{"demo", "--data", dir}, io.Discard, io.Discard); err == nil {
		t.Fatal("loading the demo twice without --reload succeeded")
	}
	out.Reset()
	if err := run(ctx, []string{"demo", "--reload", "--data", dir}, &out, io.Discard); err != nil {
		t.Fatalf("demo --reload: %v", err)
	}
	if !strings.Contains(out.String(), "deleted 3") || !strings.Contains(out.String(), "loaded:") {
		t.Errorf("reload output: %s", out.String())
	}
}

func TestConfigFromEnvironment(t *testing.T) {
	t.Setenv("YINGJI_DATA", "/srv/yingji")
	t.Setenv("YINGJI_NO_DEMO", "true")
	t.Setenv("YINGJI_LOG_FORMAT", "json")
	fs, cfg := commonFlags("serve", "", io.Discard)
	if err := cfg.parse(fs, []string{"--log-format", "text"}); err != nil {
		t.Fatal(err)
	}
	if cfg.Data != "/srv/yingji" || !cfg.NoDemo || cfg.LogFormat != "text" || cfg.DB != "/srv/yingji/yingji.db" {
		t.Errorf("config = %+v; want env values with the flag winning", cfg)
	}
	t.Setenv("YINGJI_SESSION_TTL", "soon")
	fs, cfg = commonFlags("serve", "", io.Discard)
	if err := cfg.parse(fs, nil); err == nil || !strings.Contains(err.Error(), "YINGJI_SESSION_TTL") {
		t.Errorf("bad env value: %v", err)
	}
}

type logs struct{ warned []string }

func (l *logs) Warn(msg string, args ...any) { l.warned = append(l.warned, msg) }

func TestListenFallsBackOnlyForTheDefault(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	cfg := &Config{Addr: busy.Addr().String()}
	var l logs
	ln, err := listen(cfg, &l)
	if err != nil {
		t.Fatalf("default address busy: %v", err)
	}
	ln.Close()
	if ln.Addr().String() == busy.Addr().String() || len(l.warned) != 1 {
		t.Errorf("fell back to %s with warnings %v", ln.Addr(), l.warned)
	}
	cfg.addrExplicit = true
	if _, err := listen(cfg, &l); err == nil {
		t.Error("an explicitly chosen busy address was silently replaced")
	}
}
