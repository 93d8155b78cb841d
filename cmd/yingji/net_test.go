package main

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/yingji/yingji/internal/audit"
	"github.com/yingji/yingji/internal/certtest"
	"github.com/yingji/yingji/internal/core"
	"github.com/yingji/yingji/internal/ratelimit"
	"github.com/yingji/yingji/internal/store"
)

// TestServeTLS runs the real serve command with --tls-cert/--tls-key (one
// pair for HTTP and MQTT): an HTTPS client with the CA gets the API over
// HTTP/2 with HSTS and a Secure session cookie; a plain-HTTP request on the
// port is refused with 400; a client without the CA fails; a device
// publishes over MQTT with TLS and its reading arrives; a plain MQTT
// client cannot connect.
func TestServeTLS(t *testing.T) {
	set := certtest.New(t)
	dir := t.TempDir()
	url, out := server(t, "--data", dir, "--mqtt-addr", "127.0.0.1:0", "--tls-cert", set.CertFile, "--tls-key", set.KeyFile, "--rate-mqtt", "3/1h")
	if !strings.HasPrefix(url, "https://") || !strings.Contains(out.String(), "is running at "+url) {
		t.Fatalf("url %q, start-up message %q", url, out.String())
	}
	tlsClient := &http.Client{Timeout: time.Minute, Transport: &http.Transport{ForceAttemptHTTP2: true,
		TLSClientConfig: &tls.Config{RootCAs: set.Pool, MinVersion: tls.VersionTLS12}}}
	// the package's helpers use the default client
	saved := http.DefaultClient
	http.DefaultClient = tlsClient
	t.Cleanup(func() { http.DefaultClient = saved })

	resp, err := tlsClient.Get(url + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.ProtoMajor != 2 || !strings.Contains(resp.Header.Get("Strict-Transport-Security"), "max-age=") {
		t.Fatalf("GET /healthz over TLS = %d %s, HSTS %q", resp.StatusCode, resp.Proto, resp.Header.Get("Strict-Transport-Security"))
	}
	body := strings.NewReader(fmt.Sprintf(`{"username":"admin","password":%q}`, adminPassword))
	resp, err = tlsClient.Post(url+"/api/v1/auth/login", "application/json", body)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	secure := false
	for _, c := range resp.Cookies() {
		secure = secure || c.Name == "yingji_session" && c.Secure
	}
	if resp.StatusCode != 200 || !secure {
		t.Fatalf("sign-in over TLS = %d, Secure session cookie %v", resp.StatusCode, secure)
	}
	// the page's language cookie and HSTS come from the web UI
	if resp, err = tlsClient.Get(url + "/login"); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.Header.Get("Strict-Transport-Security") == "" {
		t.Error("the login page has no HSTS under TLS")
	}

	plain, err := saved.Get("http://" + strings.TrimPrefix(url, "https://") + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, plain.Body)
	plain.Body.Close()
	if plain.StatusCode != 400 {
		t.Errorf("plain HTTP on the TLS port = %d, want 400", plain.StatusCode)
	}
	noCA := &http.Client{Timeout: time.Minute, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: x509.NewCertPool()}}}
	if resp, err := noCA.Get(url + "/healthz"); err == nil {
		resp.Body.Close()
		t.Fatal("a client without the CA got an answer")
	}

	c := login(t, url, "admin", adminPassword)
	var v struct{ MQTT string }
	c.get("/api/v1/version", &v)
	if v.MQTT == "" {
		t.Fatal("no MQTT address in /api/v1/version")
	}
	p := phreaticPoints(c, 1)[0]
	var dev struct{ Code, Secret string }
	c.do("POST", "/api/v1/devices", map[string]any{"code": "DEV-TLS", "name": "TLS采集器", "owner_id": p.OwnerID}, 201, &dev)
	connect := func(scheme, id string, cfg *tls.Config) (paho.Client, error) {
		o := paho.NewClientOptions().AddBroker(scheme + "://" + v.MQTT).SetClientID(id).SetUsername(dev.Code).SetPassword(dev.Secret).
			SetProtocolVersion(4).SetAutoReconnect(false).SetConnectTimeout(20 * time.Second)
		if cfg != nil {
			o.SetTLSConfig(cfg)
		}
		cl := paho.NewClient(o)
		tok := cl.Connect()
		if !tok.WaitTimeout(30 * time.Second) {
			return nil, fmt.Errorf("no CONNACK")
		}
		return cl, tok.Error()
	}
	cl, err := connect("ssl", "tls-device", &tls.Config{RootCAs: set.Pool, MinVersion: tls.VersionTLS12})
	if err != nil {
		t.Fatalf("MQTT over TLS with the CA: %v", err)
	}
	defer cl.Disconnect(0)
	const value = 0.75
	msg := fmt.Sprintf(`{"ts":%d,"readings":[{"point":%q,"value":%v,"unit":"m"}]}`, time.Now().UnixMilli(), p.Code, value)
	if tok := cl.Publish("yingji/v1/readings/"+dev.Code, 1, false, msg); !tok.WaitTimeout(30*time.Second) || tok.Error() != nil {
		t.Fatalf("publish over TLS: %v", tok.Error())
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		var series struct{ Items []struct{ Value float64 } }
		c.get("/api/v1/monitoring-points/"+p.Code+"/readings?from="+fmt.Sprint(time.Now().Add(-time.Hour).UnixMilli()), &series)
		if len(series.Items) == 1 && series.Items[0].Value == value {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("readings after the TLS publish = %+v", series.Items)
		}
		time.Sleep(100 * time.Millisecond)
	}

	// --rate-mqtt 3/1h: one reading sent, two more pass, eight are refused,
	// counted in /metrics and audited once
	for i := range 10 {
		cl.Publish("yingji/v1/readings/"+dev.Code, 0, false, fmt.Sprintf(`{"point":%q,"value":%d,"unit":"m"}`, p.Code, i))
	}
	for deadline := time.Now().Add(20 * time.Second); ; {
		resp, err := tlsClient.Get(url + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		m, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if strings.Contains(string(m), `yingji_ratelimit_refused_total{scope="mqtt"} 8`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("/metrics never counted 8 refused publishes: %s", grepLines(string(m), "ratelimit"))
		}
		time.Sleep(50 * time.Millisecond)
	}
	// the trail as the store has it (an address or device key has no division)
	ctx := core.WithActor(t.Context(), core.SystemActor)
	db, err := store.Open(ctx, filepath.Join(dir, "yingji.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	entries, err := db.ListAudit(ctx, audit.Filter{Entity: "ratelimit", Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var ev ratelimit.Event
	if len(entries) != 1 || entries[0].Action != "limited" || json.Unmarshal(entries[0].After, &ev) != nil ||
		ev != (ratelimit.Event{Scope: "mqtt", Key: "device:" + dev.Code, Count: 1}) {
		t.Fatalf("audit of the MQTT flood = %+v, want one entry", entries)
	}

	if _, err := connect("ssl", "no-ca", &tls.Config{RootCAs: x509.NewCertPool()}); err == nil {
		t.Error("an MQTT client without the CA connected")
	}
	if _, err := connect("tcp", "plain", nil); err == nil {
		t.Error("a plain MQTT client connected to the TLS broker")
	}
}

// TestServeTLSBusyPortFallback: with TLS on, a busy default address still
// moves to the next free port, which then serves HTTPS.
func TestServeTLSBusyPortFallback(t *testing.T) {
	set := certtest.New(t)
	cfg := &Config{Addr: defaultAddr}
	busy, err := net.Listen("tcp", defaultAddr)
	if err != nil {
		// something already holds it: that is the case under test too
		busy = nil
	}
	if busy != nil {
		defer busy.Close()
	}
	ln, err := listen(cfg, discardWarn{})
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	if ln.Addr().String() == defaultAddr {
		t.Fatalf("listened on the busy default %s", defaultAddr)
	}
	nc := netConfig{TLSCert: set.CertFile, TLSKey: set.KeyFile}
	if err := nc.prepare(t.Context(), nil, nil, nil); err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }),
		TLSConfig: nc.httpCert.Config("h2", "http/1.1")}
	go srv.ServeTLS(ln, "", "")
	defer srv.Close()
	client := &http.Client{Timeout: time.Minute, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: set.Pool}}}
	resp, err := client.Get("https://" + ln.Addr().String() + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("HTTPS on the fallback port = %d", resp.StatusCode)
	}
}

type discardWarn struct{}

func (discardWarn) Warn(string, ...any) {}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// TestIngestRateLimits runs serve with small HTTP ingestion limits: a
// device over --rate-ingest gets 429 naming its key while another device
// still passes, then the address over --rate-ingest-ip is refused before
// any credentials are checked; each limited key is audited once.
func TestIngestRateLimits(t *testing.T) {
	dir := t.TempDir()
	url, _ := server(t, "--data", dir, "--mqtt-addr", "", "--rate-ingest", "3/1h", "--rate-ingest-ip", "5/1h")
	c := login(t, url, "admin", adminPassword)
	p := phreaticPoints(c, 1)[0]
	devs := map[string]struct{ Code, Secret string }{}
	for _, code := range []string{"DEV-RL-A", "DEV-RL-B"} {
		var d struct{ Code, Secret string }
		c.do("POST", "/api/v1/devices", map[string]any{"code": code, "name": "限流测试", "owner_id": p.OwnerID}, 201, &d)
		devs[code] = d
	}
	send := func(dev, secret string) (int, string, string) {
		payload := fmt.Sprintf(`{"ts":%d,"readings":[{"point":%q,"value":0.5,"unit":"m"}]}`, time.Now().UnixMilli(), p.Code)
		req, _ := http.NewRequest("POST", url+"/api/v1/ingest", strings.NewReader(payload))
		req.SetBasicAuth(dev, secret)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		c.v.Check(t, req, resp, data)
		var prob struct{ Detail, Limit string }
		json.Unmarshal(data, &prob)
		return resp.StatusCode, prob.Detail, resp.Header.Get("Retry-After")
	}
	a, b := devs["DEV-RL-A"], devs["DEV-RL-B"]
	for i := range 3 {
		if st, d, _ := send(a.Code, a.Secret); st != 200 {
			t.Fatalf("device A reading %d = %d %s", i+1, st, d)
		}
	}
	if st, d, ra := send(a.Code, a.Secret); st != 429 || !strings.Contains(d, "device:DEV-RL-A") || !strings.Contains(d, "--rate-ingest 3/1h0m0s") || ra == "" {
		t.Fatalf("device A's 4th = %d %q Retry-After %q", st, d, ra)
	}
	if st, d, _ := send(b.Code, b.Secret); st != 200 {
		t.Fatalf("device B = %d %s", st, d)
	}
	// five requests from this address so far: the sixth is refused whatever
	// the credentials, even wrong ones
	if st, d, _ := send(b.Code, "wrong"); st != 429 || !strings.Contains(d, "ip:127.0.0.1") {
		t.Fatalf("sixth from the address = %d %q", st, d)
	}
	ctx := core.WithActor(t.Context(), core.SystemActor)
	db, err := store.Open(ctx, filepath.Join(dir, "yingji.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	entries, err := db.ListAudit(ctx, audit.Filter{Entity: "ratelimit", Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	keys := map[string]bool{}
	for _, e := range entries {
		var ev ratelimit.Event
		json.Unmarshal(e.After, &ev)
		keys[ev.Scope+" "+ev.Key] = true
	}
	if len(entries) != 2 || !keys["ingest device:DEV-RL-A"] || !keys["ingest ip:127.0.0.1"] {
		t.Fatalf("audit = %v, want the device and the address once each", keys)
	}
}
