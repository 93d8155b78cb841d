package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/yingji/yingji/internal/outbox/channel"
)

// benchCall sends a JSON request with a bearer token and decodes the answer.
func benchCall(b *testing.B, method, url, token string, body any, want int, out any) {
	b.Helper()
	data, _ := json.Marshal(body)
	req, _ := http.NewRequest(method, url, bytes.NewReader(data))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	got, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		b.Fatalf("%s %s = %d: %s", method, url, resp.StatusCode, got)
	}
	if out != nil {
		if err := json.Unmarshal(got, out); err != nil {
			b.Fatal(err)
		}
	}
}

func percentile(ds []time.Duration, p float64) float64 {
	s := slices.Clone(ds)
	slices.Sort(s)
	i := int(p*float64(len(s))+0.5) - 1
	i = max(0, min(i, len(s)-1))
	return float64(s[i]) / float64(time.Millisecond)
}

// BenchmarkApprovalToFirstMessage is issue 6's "approval to first message
// leaving the outbox": the time from the publish request of an approved
// warning to the first message arriving at a local webhook sink, through
// the real server (SQLite). Baseline in the same run: the sink's own round
// trip, a signed POST straight to it.
//
//	go test ./cmd/yingji -run '^$' -bench ApprovalToFirstMessage -benchtime 100x
func BenchmarkApprovalToFirstMessage(b *testing.B) {
	const recipients = 10
	rec := &arrivals{first: make(chan time.Time, 1)}
	sink := webhookPeer(b, []byte(hookSecret), rec, 0)
	b.Setenv("YINGJI_WARNING_WEBHOOK_SECRET", hookSecret)
	b.Setenv("YINGJI_ADMIN_PASSWORD", adminPassword)
	b.Setenv("YINGJI_PASSWORD", e2ePass)
	dir := b.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- cmdServe(ctx, []string{"--addr", "127.0.0.1:0", "--mqtt-addr", "127.0.0.1:0", "--log-level", "error", "--data", dir, "--no-demo"}, io.Discard, io.Discard, ready)
	}()
	var url string
	select {
	case url = <-ready:
	case err := <-done:
		b.Fatalf("serve: %v", err)
	}
	defer func() { cancel(); <-done }()
	for _, u := range [][3]string{{"ly-duty", "duty_officer", longyang}, {"bs-commander", "commander", "530500"}} {
		if err := run(context.Background(), []string{"user", "add", u[0], "--role", u[1], "--division", u[2], "--data", dir}, io.Discard, io.Discard); err != nil {
			b.Fatal(err)
		}
	}
	token := func(user, pw string) string {
		var lr struct{ Token string }
		benchCall(b, "POST", url+"/api/v1/auth/login", "", map[string]string{"username": user, "password": pw}, 200, &lr)
		return lr.Token
	}
	admin, duty, cmdr := token("admin", adminPassword), token("ly-duty", e2ePass), token("bs-commander", e2ePass)
	for i := range recipients {
		benchCall(b, "POST", url+"/api/v1/recipients", admin, map[string]any{"kind": "enterprise_contact", "name": fmt.Sprintf("企业%d", i),
			"division_code": longyang, "webhook": fmt.Sprintf("%s/e/%d", sink.URL, i)}, 201, nil)
	}
	expires := time.Now().Add(6 * time.Hour).UTC().Format(time.RFC3339)

	// the sink's own round trip, signed like the outbox's posts
	body, _ := json.Marshal(channel.WebhookPayload{RecipientID: 1, Key: "yj-0"})
	drain := func() {
		for {
			select {
			case <-rec.first:
			default:
				return
			}
		}
	}
	direct := func() time.Duration {
		drain()
		req, _ := http.NewRequest("POST", sink.URL+"/direct", bytes.NewReader(body))
		ts := time.Now().Unix()
		req.Header.Set(channel.HeaderTimestamp, strconv.FormatInt(ts, 10))
		req.Header.Set(channel.HeaderSignature, channel.Sign([]byte(hookSecret), ts, body))
		req.Header.Set(channel.HeaderIdempotency, "yj-0")
		start := time.Now()
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		<-rec.first
		return time.Since(start)
	}

	var lat, base []time.Duration
	last := time.Time{}
	b.ResetTimer()
	for i := range b.N {
		b.StopTimer()
		var w warningOut
		benchCall(b, "POST", url+"/api/v1/warnings", duty, map[string]any{"template": "rainstorm", "level": "red", "expires": expires,
			"headline": fmt.Sprintf("基准测试预警 %d", i), "area": map[string]any{"divisions": []string{longyang}}}, 201, &w)
		benchCall(b, "POST", fmt.Sprintf("%s/api/v1/warnings/%d/approve", url, w.ID), cmdr, map[string]any{"version": w.Version}, 200, &w)
		// at most ten messages per second get a GB/T 35965.1 sequence digit
		if d := 110*time.Millisecond - time.Since(last); d > 0 {
			time.Sleep(d)
		}
		base = append(base, direct())
		before := rec.count("webhook")
		drain()
		b.StartTimer()
		start := time.Now()
		last = start
		benchCall(b, "POST", fmt.Sprintf("%s/api/v1/warnings/%d/publish", url, w.ID), cmdr, map[string]any{"version": w.Version}, 200, nil)
		select {
		case at := <-rec.first:
			lat = append(lat, at.Sub(start))
		case <-time.After(10 * time.Second):
			b.Fatalf("no message reached the sink 10 s after publishing")
		}
		b.StopTimer()
		// the rest of this warning's messages, before the next one
		for end := time.Now().Add(10 * time.Second); rec.count("webhook") < before+recipients; time.Sleep(time.Millisecond) {
			if time.Now().After(end) {
				b.Fatalf("only %d of %d messages arrived", rec.count("webhook")-before, recipients)
			}
		}
	}
	b.StopTimer()
	p50, p99 := percentile(lat, 0.50), percentile(lat, 0.99)
	s50, s99 := percentile(base, 0.50), percentile(base, 0.99)
	b.ReportMetric(p50, "p50-ms")
	b.ReportMetric(p99, "p99-ms")
	b.ReportMetric(s50, "sink-p50-ms")
	b.ReportMetric(s99, "sink-p99-ms")
	b.ReportMetric(p99/s99, "p99/sink-p99")
}
