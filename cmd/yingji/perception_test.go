package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/yingji/yingji/internal/mqtt"
)

// do sends a JSON request as the client and decodes the answer.
func (c *client) do(method, path string, body any, want int, out any) {
	c.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, c.url+path, rd)
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	c.v.Check(c.t, req, resp, data)
	if resp.StatusCode != want {
		c.t.Fatalf("%s %s = %d, want %d: %s", method, path, resp.StatusCode, want, data)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			c.t.Fatalf("%s %s: %v: %s", method, path, err, data)
		}
	}
}

// sse follows /api/v1/events and passes each alarm event's data on.
func (c *client) sse(ctx context.Context) <-chan map[string]any {
	c.t.Helper()
	req, _ := http.NewRequestWithContext(ctx, "GET", c.url+"/api/v1/events?types=alarm", nil)
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		c.t.Fatalf("events: %v %v", err, resp)
	}
	out := make(chan map[string]any, 100)
	go func() {
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		event := ""
		for sc.Scan() {
			line := sc.Text()
			switch {
			case strings.HasPrefix(line, "event: "):
				event = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: ") && event == "alarm":
				var m map[string]any
				if json.Unmarshal([]byte(strings.TrimPrefix(line, "data: ")), &m) == nil {
					out <- m
				}
			}
		}
	}()
	return out
}

type pointInfo struct {
	Code    string  `json:"code"`
	OwnerID int64   `json:"owner_id"`
	Unit    string  `json:"unit"`
	Depth   float64 `json:"control_depth_m"`
}

// phreaticPoints returns tailings-pond phreatic-line points of different
// ponds (so the tests do not share alarms).
func phreaticPoints(c *client, n int) []pointInfo {
	var list struct{ Items []pointInfo }
	c.get("/api/v1/monitoring-points?kind=phreatic_line&limit=200", &list)
	seen := map[int64]bool{}
	var out []pointInfo
	for _, p := range list.Items {
		if !seen[p.OwnerID] && p.Depth > 0 {
			seen[p.OwnerID] = true
			out = append(out, p)
		}
	}
	if len(out) < n {
		c.t.Fatalf("only %d usable phreatic points", len(out))
	}
	return out[:n]
}

// waitAlarm waits for the SSE feed to announce a raised alarm of the point.
func waitAlarm(t *testing.T, feed <-chan map[string]any, point string) map[string]any {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		select {
		case m := <-feed:
			a, _ := m["alarm"].(map[string]any)
			ev, _ := m["event"].(map[string]any)
			if a != nil && a["point"] == point && ev["action"] == "raise" {
				return a
			}
		case <-deadline:
			t.Fatalf("no alarm for %s on the live feed", point)
		}
	}
}

func TestPerceptionEndToEnd(t *testing.T) {
	t.Setenv("YINGJI_ADMIN_PASSWORD", adminPassword)
	url, _ := server(t, "--data", t.TempDir(), "--mqtt-addr", "127.0.0.1:0", "--mqtt-url", "tcp://127.0.0.1:1883",
		"--mqtt-client-id", fmt.Sprintf("yingji-test-%d", time.Now().UnixNano()))
	c := login(t, url, "admin", adminPassword)
	var ver struct{ MQTT string }
	c.get("/api/v1/version", &ver)
	if ver.MQTT == "" {
		t.Fatal("the server does not say where its MQTT broker is")
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	feed := c.sse(ctx)
	points := phreaticPoints(c, 2)
	brokers := []struct {
		name, url string
	}{{"embedded", "tcp://" + ver.MQTT}, {"mosquitto", "tcp://127.0.0.1:1883"}}
	for i, b := range brokers {
		t.Run(b.name, func(t *testing.T) {
			p := points[i]
			var dev struct {
				Code, Secret string
			}
			code := fmt.Sprintf("DEV-%s-%d", b.name, time.Now().UnixNano()%1e6)
			c.do("POST", "/api/v1/devices", map[string]any{"code": code, "name": "测试采集器", "owner_id": p.OwnerID}, 201, &dev)
			user, pass := dev.Code, dev.Secret
			if b.name == "mosquitto" {
				user, pass = "", "" // Mosquitto on this machine is open to local clients; the platform trusts its topic
			}
			pub, err := mqtt.Dial(ctx, b.url, "test-"+dev.Code, user, pass, 4)
			if err != nil {
				t.Fatalf("connect to the %s broker: %v", b.name, err)
			}
			defer pub.Close()
			// below the control depth: red by GB 51108 commentary 8.3.
			value := p.Depth * 0.9
			payload := fmt.Sprintf(`{"point":%q,"ts":%d,"value":%g,"unit":"m"}`, p.Code, time.Now().UnixMilli(), value)
			if err := pub.Publish(ctx, "yingji/v1/readings/"+dev.Code, []byte(payload), 1); err != nil {
				t.Fatal(err)
			}
			if err := pub.Flush(ctx); err != nil {
				t.Fatalf("QoS 1 publish not acknowledged: %v", err)
			}
			live := waitAlarm(t, feed, p.Code)
			if live["level"] != "red" || live["state"] != "raised" {
				t.Errorf("live alarm = %v", live)
			}
			id := int64(live["id"].(float64))
			var open struct {
				Items []struct {
					ID       int64
					Level    string
					State    string
					Point    string
					RaisedAt time.Time `json:"raised_at"`
				}
			}
			c.get("/api/v1/alarms?state=open&level=red", &open)
			found := false
			for _, a := range open.Items {
				if a.ID == id && a.Point == p.Code && !a.RaisedAt.IsZero() {
					found = true
				}
			}
			if !found {
				t.Fatalf("alarm %d not in the open list: %+v", id, open.Items)
			}
			path := fmt.Sprintf("/api/v1/alarms/%d/actions", id)
			var a struct{ State string }
			c.do("POST", path, map[string]any{"action": "acknowledge", "note": "已电话通知企业"}, 200, &a)
			c.do("POST", path, map[string]any{"action": "dispose", "feedback": map[string]string{"found": "排渗不畅", "measures": "疏通排渗管"}}, 200, &a)
			c.do("POST", path, map[string]any{"action": "close", "note": "现场核查完毕"}, 200, &a)
			if a.State != "closed" {
				t.Errorf("state after close = %s", a.State)
			}
			var full struct {
				Events []struct{ Action, Actor string }
			}
			c.get(fmt.Sprintf("/api/v1/alarms/%d", id), &full)
			if n := len(full.Events); n < 4 || full.Events[n-1].Action != "close" || full.Events[n-1].Actor != "admin" {
				t.Errorf("history = %+v", full.Events)
			}
			var series struct {
				Items  []struct{ Value float64 }
				Latest *struct{ Value float64 }
			}
			c.get("/api/v1/monitoring-points/"+p.Code+"/readings?from="+fmt.Sprint(time.Now().Add(-time.Hour).UnixMilli()), &series)
			if len(series.Items) != 1 || series.Items[0].Value != value || series.Latest == nil {
				t.Errorf("readings = %+v", series)
			}
		})
	}
}

// TestRulesAndIngestOverHTTP overrides a point's rules through the API and
// sends readings over HTTP: bad rules are refused naming the field, the new
// rule raises an alarm, refused readings land in the dead-letter log.
func TestRulesAndIngestOverHTTP(t *testing.T) {
	t.Setenv("YINGJI_ADMIN_PASSWORD", adminPassword)
	url, _ := server(t, "--data", t.TempDir(), "--mqtt-addr", "")
	c := login(t, url, "admin", adminPassword)
	p := phreaticPoints(c, 1)[0]
	path := "/api/v1/monitoring-points/" + p.Code + "/rules"
	var def struct {
		Overridden bool
		Rules      []map[string]any
	}
	c.get(path, &def)
	if def.Overridden || len(def.Rules) < 2 {
		t.Fatalf("default rules = %+v", def)
	}
	bad := map[string]any{"rules": []map[string]any{{"name": "t", "type": "threshold", "direction": "low", "thresholds": map[string]float64{"red": 5, "orange": 4}}}}
	var prob struct{ Errors []struct{ Field string } }
	c.do("PUT", path, bad, 422, &prob)
	if len(prob.Errors) == 0 || !strings.Contains(prob.Errors[0].Field, "thresholds") {
		t.Errorf("bad rules: %+v", prob)
	}
	good := map[string]any{"rules": []map[string]any{{"name": "deep", "type": "threshold", "direction": "low", "thresholds": map[string]float64{"yellow": 10.5}}}}
	c.do("PUT", path, good, 200, &def)
	if !def.Overridden || len(def.Rules) != 1 {
		t.Fatalf("after override: %+v", def)
	}
	var dev struct{ Code, Secret string }
	c.do("POST", "/api/v1/devices", map[string]any{"code": "DEV-HTTP", "name": "HTTP采集器", "owner_id": p.OwnerID}, 201, &dev)
	payload := fmt.Sprintf(`{"ts":%d,"readings":[{"point":%q,"value":0.5,"unit":"m"},{"point":%q,"value":"x","unit":"m"}]}`, time.Now().UnixMilli(), p.Code, p.Code)
	// the override is applied to the running engine within a few seconds.
	deadline := time.Now().Add(15 * time.Second)
	for {
		req, _ := http.NewRequest("POST", url+"/api/v1/ingest", strings.NewReader(payload))
		req.SetBasicAuth(dev.Code, dev.Secret)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var out struct {
			Accepted int
			Rejected []struct{ Reason string }
		}
		data, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		c.v.Check(t, req, resp, data)
		json.Unmarshal(data, &out)
		if resp.StatusCode != 200 || out.Accepted != 1 || len(out.Rejected) != 1 || out.Rejected[0].Reason != "not_numeric" {
			t.Fatalf("ingest = %d %s", resp.StatusCode, data)
		}
		var open struct {
			Items []struct{ Point, Level, Rule string }
		}
		c.get("/api/v1/alarms?state=open&level=yellow", &open)
		found := false
		for _, a := range open.Items {
			found = found || a.Point == p.Code && a.Rule == "deep"
		}
		if found {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no yellow alarm from the overridden rule: %+v", open.Items)
		}
		time.Sleep(500 * time.Millisecond)
		payload = strings.Replace(payload, fmt.Sprintf(`"ts":%d`, mustTS(payload)), fmt.Sprintf(`"ts":%d`, time.Now().UnixMilli()), 1)
	}
	var dead struct {
		Items  []struct{ Reason, Device, Raw string }
		Counts map[string]int
	}
	time.Sleep(700 * time.Millisecond)                                                                  // the dead-letter log is written in batches
	login(t, url, "sysadmin", adminPassword).get("/api/v1/ingest/rejections?reason=not_numeric", &dead) // the system administrator's (三员分立)
	if len(dead.Items) == 0 || dead.Items[0].Device != "DEV-HTTP" || !strings.Contains(dead.Items[0].Raw, `"x"`) || dead.Counts["not_numeric"] == 0 {
		t.Errorf("dead letters = %+v", dead)
	}
	mresp, err := http.Get(url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(mresp.Body)
	mresp.Body.Close()
	for _, want := range []string{`yingji_ingest_rejected_total{reason="not_numeric"}`, "yingji_ingest_readings_accepted_total", "yingji_ingest_queue_length", "yingji_journal_fsyncs_total"} {
		if !strings.Contains(string(metrics), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if strings.Contains(string(metrics), `yingji_ingest_rejected_total{reason="not_numeric"} 0`) {
		t.Error("/metrics does not count the refused reading")
	}
	req, _ := http.NewRequest("POST", url+"/api/v1/ingest", strings.NewReader(payload))
	req.SetBasicAuth(dev.Code, "wrong")
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 401 {
		t.Errorf("wrong secret: %v %v", err, resp.StatusCode)
	}
}

func mustTS(payload string) int64 {
	var m struct{ TS int64 }
	json.Unmarshal([]byte(payload), &m)
	return m.TS
}
