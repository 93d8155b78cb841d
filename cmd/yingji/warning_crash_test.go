package main

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestWarningDeliverySurvivesKill9 publishes a warning to a thousand
// recipients on four channels with the rates turned down, kills the
// server with SIGKILL in the middle of the delivery, restarts it on the
// same data and checks at the peers that every recipient got the
// message, that repeats carry the key of the first try, and that they are
// no more than docs/delivery.md allows: the rows of the two batches a
// worker holds unrecorded (2 × 256 per channel).
func TestWarningDeliverySurvivesKill9(t *testing.T) {
	const (
		n     = 1000 // people inside, each with webhook, phone and e-mail
		nLS   = 40   // loudspeaker groups inside
		nOut  = 50   // people outside
		batch = 256  // outbox.Worker's default batch
	)
	rec := &arrivals{}
	hook := webhookPeer(t, []byte(hookSecret), rec, 0)
	smtpAddr := startSMTPPeer(t, rec)
	gw := smsGateway(t, "gw-token", rec)
	nonce := fmt.Sprint(time.Now().UnixNano())
	prefix := "yingji-crash/" + nonce
	loudspeakers(t, prefix, rec)
	t.Setenv("YINGJI_WARNING_WEBHOOK_SECRET", hookSecret)
	t.Setenv("YINGJI_SMS_TOKEN", "gw-token")

	dir := t.TempDir()
	args := []string{"--data", dir, "--no-demo", "--addr", "127.0.0.1:0", "--mqtt-addr", "127.0.0.1:0", "--log-level", "warn",
		"--mqtt-client-id", "yj-crash-" + nonce, "--smtp-addr", smtpAddr, "--smtp-from", "yujing@yj.example.cn", "--sms-url", gw.URL,
		"--loudspeaker-mqtt", "tcp://127.0.0.1:1883", "--delivery-rates", "webhook=300,sms=300,email=300,mqtt=20", "--delivery-lease", "2s"}
	srv, url := child(t, args...)
	defer func() { srv.Process.Kill(); srv.Wait() }()
	addUser(t, dir, "ly-duty", "duty_officer", longyang)
	addUser(t, dir, "bs-commander", "commander", "530500")
	admin := login(t, url, "admin", adminPassword)
	duty := login(t, url, "ly-duty", e2ePass)
	commander := login(t, url, "bs-commander", e2ePass)

	var csv bytes.Buffer
	csv.WriteString("kind,name,division_code,lon,lat,follows,phone,email,app_user,webhook,topic,note,enabled\n")
	for i := range n {
		fmt.Fprintf(&csv, "public,公众%d,%s,,,,1370%07d,p%d@ly.example.cn,,%s/p/%d,,,true\n", i, longyang, i, i, hook.URL, i)
	}
	for i := range nLS {
		fmt.Fprintf(&csv, "loudspeaker,村村响%d,%s,,,,,,,,%s/ly/%d,,true\n", i, longyang, prefix, i)
	}
	for i := range nOut {
		fmt.Fprintf(&csv, "public,腾冲公众%d,%s,,,,1390%07d,t%d@tc.example.cn,,%s/t/%d,,true\n", i, tengchong, i, i, hook.URL, i)
	}
	req, _ := http.NewRequest("POST", url+"/api/v1/recipients/import", &csv)
	req.Header.Set("Authorization", "Bearer "+admin.token)
	req.Header.Set("Content-Type", "text/csv")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	admin.v.Check(t, req, resp, body)
	if resp.StatusCode != 201 {
		t.Fatalf("import = %d: %s", resp.StatusCode, body)
	}

	var w warningOut
	duty.do("POST", "/api/v1/warnings", map[string]any{"template": "rainstorm", "level": "red", "headline": "隆阳区暴雨红色预警（断电测试）",
		"expires": time.Now().Add(6 * time.Hour).UTC().Format(time.RFC3339), "area": map[string]any{"divisions": []string{longyang}}}, 201, &w)
	commander.do("POST", fmt.Sprintf("/api/v1/warnings/%d/approve", w.ID), map[string]any{"version": w.Version}, 200, &w)
	commander.do("POST", fmt.Sprintf("/api/v1/warnings/%d/publish", w.ID), map[string]any{"version": w.Version}, 200, &w)

	// kill in the middle of the delivery
	deadline := time.Now().Add(30 * time.Second)
	for rec.count("webhook") < n*3/10 && time.Now().Before(deadline) {
		time.Sleep(2 * time.Millisecond)
	}
	srv.Process.Signal(syscall.SIGKILL)
	srv.Wait()
	atKill := map[string]int{}
	for _, ch := range []string{"webhook", "sms", "email", "mqtt"} {
		atKill[ch] = rec.count(ch)
	}
	if atKill["webhook"] >= n || atKill["sms"] >= n || atKill["email"] >= n {
		t.Fatalf("the delivery finished before the kill: %v", atKill)
	}

	srv2, url2 := child(t, args...)
	defer func() { srv2.Process.Kill(); srv2.Wait() }()
	c2 := login(t, url2, "bs-commander", e2ePass)
	want := map[string]int{"webhook": n, "sms": n, "email": n, "mqtt": nLS}
	var d deliveryFigures
	for end := time.Now().Add(40 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		c2.get(fmt.Sprintf("/api/v1/warnings/%d/delivery", w.ID), &d)
		done := len(d.Channels) == len(want)
		for _, ch := range d.Channels {
			// the HTTP gateway's SMS stay "sent" until a receipt comes
			if ch.Queued > 0 || int(ch.Sent+ch.Delivered+ch.Failed) != want[ch.Channel] {
				done = false
			}
		}
		if done {
			break
		}
		if time.Now().After(end) {
			t.Fatalf("delivery not finished after the restart: %+v", d)
		}
	}

	// at the peers: every recipient inside reached on every channel with
	// one key; repeats only of those keys; nobody outside.
	type tally struct {
		keys map[string]int    // key → arrivals
		who  map[string]string // address → its key
	}
	per := map[string]*tally{}
	for _, a := range rec.snapshot() {
		tl := per[a.Channel]
		if tl == nil {
			tl = &tally{keys: map[string]int{}, who: map[string]string{}}
			per[a.Channel] = tl
		}
		if a.Key == "" || (a.Ident != "" && a.Ident != w.Identifier) {
			t.Fatalf("%s arrival without key or of another message: %+v", a.Channel, a)
		}
		if strings.Contains(a.Who, "/t/") || strings.HasPrefix(a.Who, "1390") || strings.HasSuffix(a.Who, "@tc.example.cn") {
			t.Errorf("%s: %s is outside the area and got the warning", a.Channel, a.Who)
		}
		if k, ok := tl.who[a.Who]; ok && k != a.Key {
			t.Errorf("%s: %s got two different keys %s and %s", a.Channel, a.Who, k, a.Key)
		}
		tl.who[a.Who] = a.Key
		tl.keys[a.Key]++
	}
	var report []string
	for _, ch := range []string{"webhook", "sms", "email", "mqtt"} {
		tl := per[ch]
		if tl == nil || len(tl.who) != want[ch] || len(tl.keys) != want[ch] {
			t.Fatalf("%s: reached %d of %d recipients", ch, len(tl.who), want[ch])
		}
		repeats := 0
		for _, c := range tl.keys {
			repeats += c - 1
		}
		if repeats > 2*batch {
			t.Errorf("%s: %d repeats, more than the two unrecorded batches (2×%d)", ch, repeats, batch)
		}
		var fig chDelivery
		for _, c := range d.Channels {
			if c.Channel == ch {
				fig = c
			}
		}
		if fig.Failed != 0 || int(fig.Sent+fig.Delivered) != len(tl.who) {
			t.Errorf("%s: figures %+v, the peer has %d recipients", ch, fig, len(tl.who))
		}
		report = append(report, fmt.Sprintf("%s: %d/%d at the kill, %d recipients each reached under one key, %d repeats", ch, atKill[ch], want[ch], len(tl.who), repeats))
	}
	t.Logf("SIGKILL mid-delivery and restart:\n  %s", strings.Join(report, "\n  "))
}
