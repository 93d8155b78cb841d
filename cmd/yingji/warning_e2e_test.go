package main

import (
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/yingji/yingji/internal/region"
	"github.com/yingji/yingji/internal/warning/cap/captest"
)

const (
	longyang   = "530502" // 隆阳区: the warnings' area
	tengchong  = "530581" // 腾冲市: outside it
	shidian    = "530521" // 施甸县: outside it
	e2ePass    = "E2e-password-1"
	hookSecret = "e2e-webhook-secret"
)

// addUser adds an account with the CLI, as an operator would.
func addUser(t *testing.T, dir, name, role, division string) {
	t.Helper()
	t.Setenv("YINGJI_PASSWORD", e2ePass)
	if err := run(context.Background(), []string{"user", "add", name, "--role", role, "--division", division, "--data", dir}, io.Discard, io.Discard); err != nil {
		t.Fatalf("user add %s: %v", name, err)
	}
}

// recipientDef is a recipient the test creates and where each channel
// should reach it: the peer-side address per channel.
type recipientDef struct {
	body   map[string]any
	inside bool              // in the warning's area (and enabled)
	who    map[string]string // channel → address at the peer ("webhook" filled with the id once created)
	person bool              // counts as a person reached (not a loudspeaker group)
}

// chDelivery is one channel's figures in GET /api/v1/warnings/{id}/delivery.
type chDelivery struct {
	Channel                         string
	Queued, Sent, Delivered, Failed int64
}

type deliveryFigures struct {
	Channels      []chDelivery
	PeopleReached int64   `json:"people_reached"`
	Population    int64   `json:"population"`
	Coverage      float64 `json:"coverage"`
	Goal          float64 `json:"goal"`
}

type warningOut struct {
	ID         int64  `json:"id"`
	Version    int    `json:"version"`
	Status     string `json:"status"`
	MsgType    string `json:"msg_type"`
	Identifier string `json:"identifier"`
	References string `json:"references"`
	Drafter    string `json:"drafter"`
	Approver   string `json:"approver"`
	Publisher  string `json:"publisher"`
	Text       struct{ Headline string }
}

// capMsg is what the test reads of a CAP message.
type capMsg struct {
	Identifier string `xml:"identifier"`
	Sender     string `xml:"sender"`
	Sent       string `xml:"sent"`
	MsgType    string `xml:"msgType"`
	References string `xml:"references"`
}

// waitSettled polls the delivery figures until nothing is queued or
// awaiting a receipt and every channel has its expected total.
func waitSettled(t *testing.T, c *client, id int64, want map[string]int, within time.Duration) deliveryFigures {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		var d deliveryFigures
		c.get(fmt.Sprintf("/api/v1/warnings/%d/delivery", id), &d)
		done := len(d.Channels) == len(want)
		for _, ch := range d.Channels {
			if ch.Queued+ch.Sent > 0 || int(ch.Delivered+ch.Failed) != want[ch.Channel] {
				done = false
			}
		}
		if done {
			return d
		}
		if time.Now().After(deadline) {
			t.Fatalf("warning %d: delivery not settled after %s: %+v (want totals %v)", id, within, d, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// villages counts the village-level divisions under code.
func villages(tree *region.Tree, code string) int {
	n := 0
	for _, d := range tree.Children(code) {
		if d.Level == region.Village {
			n++
		} else {
			n += villages(tree, d.Code)
		}
	}
	return n
}

// TestWarningEndToEnd is issue 6's end-to-end test on the real server:
// recipients on every channel in and out of the area, a red warning
// drafted by a duty officer and approved and published by a commander,
// delivered to real protocol peers, then updated and cancelled.
func TestWarningEndToEnd(t *testing.T) {
	tree, err := region.Baoshan()
	if err != nil {
		t.Fatal(err)
	}
	rec := &arrivals{}
	hook := webhookPeer(t, []byte(hookSecret), rec, 0)
	smtpAddr := startSMTPPeer(t, rec)
	smppAddr := startSMPPPeer(t, rec)
	nonce := fmt.Sprint(time.Now().UnixNano())
	prefix := "yingji-e2e/" + nonce
	loudspeakers(t, prefix, rec)
	ps := &pushService{rec: rec, subs: map[string]*pushSub{}}
	push := httptest.NewServer(ps)
	defer push.Close()

	t.Setenv("YINGJI_WARNING_WEBHOOK_SECRET", hookSecret)
	t.Setenv("YINGJI_SMPP_PASSWORD", "secret")
	dir := t.TempDir()
	url, _ := server(t, "--data", dir, "--no-demo", "--mqtt-addr", "127.0.0.1:0", "--mqtt-client-id", "yj-e2e-"+nonce,
		"--smtp-addr", smtpAddr, "--smtp-from", "yujing@yj.example.cn",
		"--smpp-addr", smppAddr, "--smpp-system-id", "yingji", "--smpp-source", "12379",
		"--loudspeaker-mqtt", "tcp://127.0.0.1:1883")
	addUser(t, dir, "ly-duty", "duty_officer", longyang)
	addUser(t, dir, "bs-commander", "commander", "530500")
	addUser(t, dir, "ly-viewer", "viewer", longyang)
	addUser(t, dir, "tc-viewer", "viewer", tengchong)
	admin := login(t, url, "admin", adminPassword)
	duty := login(t, url, "ly-duty", e2ePass)
	commander := login(t, url, "bs-commander", e2ePass)
	var key struct {
		PublicKey string `json:"public_key"`
	}
	duty.get("/api/v1/webpush/vapid-public-key", &key)
	ps.vapidPub = key.PublicKey

	rng := rand.New(rand.NewPCG(6, 6))
	at := func(code string) (float64, float64) {
		p, err := tree.RandomPoint(rng, code)
		if err != nil {
			t.Fatal(err)
		}
		return p[0], p[1]
	}
	var lyTown, tcTown string
	for _, d := range tree.Children(longyang) {
		if d.Level == region.Township && villages(tree, d.Code) > 0 {
			lyTown = d.Code
			break
		}
	}
	for _, d := range tree.Children(tengchong) {
		if d.Level == region.Township {
			tcTown = d.Code
			break
		}
	}
	lon1, lat1 := at(longyang)
	lon2, lat2 := at(longyang)
	lon3, lat3 := at(tengchong)
	lon4, lat4 := at(tengchong)
	defs := []*recipientDef{
		// inside
		{body: map[string]any{"kind": "enterprise_contact", "name": "隆阳企业甲", "division_code": longyang, "webhook": hook.URL + "/a"}, inside: true, person: true, who: map[string]string{"webhook": ""}},
		{body: map[string]any{"kind": "staff", "name": "张三", "lon": lon1, "lat": lat1, "phone": "13700000001", "email": "zhangsan@ly.example.cn", "webhook": hook.URL + "/z"},
			inside: true, person: true, who: map[string]string{"sms": "13700000001", "email": "zhangsan@ly.example.cn", "webhook": ""}},
		{body: map[string]any{"kind": "grid_worker", "name": "李四", "lon": lon2, "lat": lat2, "email": "lisi@ly.example.cn"}, inside: true, person: true, who: map[string]string{"email": "lisi@ly.example.cn"}},
		{body: map[string]any{"kind": "info_officer", "name": "王五", "division_code": lyTown, "phone": "13700000002"}, inside: true, person: true, who: map[string]string{"sms": "13700000002"}},
		{body: map[string]any{"kind": "public", "name": "赵六", "division_code": longyang, "push": ps.subscribe(push.URL, "in1")}, inside: true, person: true, who: map[string]string{"webpush": "/push/in1"}},
		{body: map[string]any{"kind": "staff", "name": "隆阳值班", "division_code": longyang, "app_user": "ly-viewer"}, inside: true, person: true, who: map[string]string{"inbox": longyang}},
		{body: map[string]any{"kind": "loudspeaker", "name": "隆阳村村响", "division_code": lyTown, "topic": prefix + "/ly/1"}, inside: true, who: map[string]string{"mqtt": prefix + "/ly/1"}},
		// lives in Tengchong but follows Longyang: reached
		{body: map[string]any{"kind": "public", "name": "关注隆阳", "lon": lon3, "lat": lat3, "follows": []string{longyang}, "phone": "13700000003", "push": ps.subscribe(push.URL, "follow")},
			inside: true, person: true, who: map[string]string{"sms": "13700000003", "webpush": "/push/follow"}},
		// outside, or disabled
		{body: map[string]any{"kind": "enterprise_contact", "name": "腾冲企业", "division_code": tengchong, "webhook": hook.URL + "/c"}, who: map[string]string{"webhook": ""}},
		{body: map[string]any{"kind": "staff", "name": "腾冲员工", "lon": lon4, "lat": lat4, "email": "tc@tc.example.cn", "phone": "13700000009"}, who: map[string]string{"email": "tc@tc.example.cn", "sms": "13700000009"}},
		{body: map[string]any{"kind": "public", "name": "施甸公众", "division_code": shidian, "push": ps.subscribe(push.URL, "out1")}, who: map[string]string{"webpush": "/push/out1"}},
		{body: map[string]any{"kind": "staff", "name": "腾冲值班", "division_code": tengchong, "app_user": "tc-viewer"}, who: map[string]string{"inbox": tengchong}},
		{body: map[string]any{"kind": "loudspeaker", "name": "腾冲村村响", "division_code": tcTown, "topic": prefix + "/tc/1"}, who: map[string]string{"mqtt": prefix + "/tc/1"}},
		{body: map[string]any{"kind": "public", "name": "停用的隆阳公众", "division_code": longyang, "phone": "13700000005", "enabled": false}, who: map[string]string{"sms": "13700000005"}},
	}
	for _, d := range defs {
		var r struct{ ID int64 }
		admin.do("POST", "/api/v1/recipients", d.body, 201, &r)
		if _, ok := d.who["webhook"]; ok {
			d.who["webhook"] = fmt.Sprint(r.ID)
		}
	}
	// expected addresses per channel (inbox: the notice's division)
	want := map[string]map[string]bool{}
	persons := int64(0)
	for _, d := range defs {
		for ch, who := range d.who {
			if !d.inside {
				continue // and any arrival there fails the check below
			}
			if want[ch] == nil {
				want[ch] = map[string]bool{}
			}
			want[ch][who] = true
		}
		if d.inside && d.person {
			persons++
		}
	}
	totals := map[string]int{} // outbox rows per channel: one per inside recipient and channel
	for _, d := range defs {
		for ch := range d.who {
			if d.inside {
				totals[ch]++
			}
		}
	}

	// draft (duty officer), approve and publish (commander): two people.
	expires := time.Now().Add(6 * time.Hour).UTC().Format(time.RFC3339)
	headline := "隆阳区暴雨红色预警（端到端）"
	var w warningOut
	duty.do("POST", "/api/v1/warnings", map[string]any{"template": "rainstorm", "level": "red", "headline": headline, "expires": expires,
		"area": map[string]any{"divisions": []string{longyang}}}, 201, &w)
	duty.do("POST", fmt.Sprintf("/api/v1/warnings/%d/approve", w.ID), map[string]any{"version": w.Version}, 403, nil)
	duty.do("POST", fmt.Sprintf("/api/v1/warnings/%d/publish", w.ID), map[string]any{"version": w.Version}, 403, nil)
	commander.do("POST", fmt.Sprintf("/api/v1/warnings/%d/approve", w.ID), map[string]any{"version": w.Version}, 200, &w)
	commander.do("POST", fmt.Sprintf("/api/v1/warnings/%d/publish", w.ID), map[string]any{"version": w.Version}, 200, &w)
	if w.Status != "published" || w.Drafter != "ly-duty" || w.Approver != "bs-commander" || w.Publisher != "bs-commander" || w.Identifier == "" {
		t.Fatalf("published warning = %+v", w)
	}
	alert := w

	// check compares what the peers got for one message with what was
	// expected and with the delivery figures.
	check := func(m warningOut, msgType string, headline string) {
		t.Helper()
		d := waitSettled(t, commander, m.ID, totals, 30*time.Second)
		for _, ch := range []string{"webhook", "email", "sms", "webpush", "mqtt"} {
			got := map[string]int{}
			keys := map[string]bool{}
			for _, a := range rec.snapshot() {
				if a.Channel != ch || a.MsgType != msgType || (a.Ident != "" && a.Ident != m.Identifier) {
					continue
				}
				got[a.Who]++
				if a.Key != "" {
					if keys[a.Key] {
						t.Errorf("%s %s: key %s arrived twice", msgType, ch, a.Key)
					}
					keys[a.Key] = true
				}
			}
			for who := range want[ch] {
				if got[who] != 1 {
					t.Errorf("%s on %s: %s got it %d times, want once", msgType, ch, who, got[who])
				}
			}
			for who, n := range got {
				if !want[ch][who] {
					t.Errorf("%s on %s: %s is outside the area (or disabled) and got it %d times", msgType, ch, who, n)
				}
			}
			var fig chDelivery
			for _, c := range d.Channels {
				if c.Channel == ch {
					fig = c
				}
			}
			if int(fig.Delivered) != len(got) || fig.Failed != 0 {
				t.Errorf("%s on %s: figures %+v, the peers got %d", msgType, ch, fig, len(got))
			}
		}
		// in-app inbox: the division's notice, seen in the area, not outside it
		for user, n := range map[string]int{"ly-viewer": 1, "tc-viewer": 0} {
			var inbox struct {
				Items []struct {
					Title        string
					DivisionCode string `json:"division_code"`
				}
			}
			login(t, url, user, e2ePass).get("/api/v1/notifications?limit=1000", &inbox)
			seen := 0
			for _, it := range inbox.Items {
				if strings.Contains(it.Title, headline) && msgTypeOfText(it.Title) == msgType {
					seen++
				}
			}
			if seen != n {
				t.Errorf("%s: %s sees %d notices of it, want %d", msgType, user, seen, n)
			}
		}
		for _, c := range d.Channels {
			if c.Channel == "inbox" && (c.Delivered != int64(len(want["inbox"])) || c.Failed != 0) {
				t.Errorf("%s inbox figures %+v", msgType, c)
			}
		}
		// coverage: people reached / the population of 隆阳区 at the 2020
		// census, the city's total less the other four counties' (bulletin
		// figures: 2,431,211 − 施甸 293,022 − 龙陵 272,769 − 昌宁 319,858 −
		// 腾冲 642,481); the loudspeaker group adds its township's share,
		// apportioned by villages.
		const pop = 2431211 - 293022 - 272769 - 319858 - 642481
		share := math.Round(pop * float64(villages(tree, lyTown)) / float64(villages(tree, longyang)))
		if d.Population != pop || d.PeopleReached != persons+int64(share) || math.Abs(d.Coverage-float64(d.PeopleReached)/pop) > 1e-9 || d.Goal != 0.95 {
			t.Errorf("%s coverage: %+v; want population %d, %d persons + %.0f by loudspeaker", msgType, d, pop, persons, share)
		}
		t.Logf("%s %s: %+v", msgType, m.Identifier, d)
	}
	check(alert, "Alert", headline)
	// the figures are the warning's: readable in its area only
	tcViewer := login(t, url, "tc-viewer", e2ePass)
	tcViewer.do("GET", fmt.Sprintf("/api/v1/warnings/%d/delivery", alert.ID), nil, 404, nil)
	tcViewer.do("GET", "/api/v1/warnings/99999/delivery", nil, 404, nil)

	// update (drafted by the duty officer, approved and published by the commander)
	headline2 := headline + "（更新）"
	var u warningOut
	duty.do("POST", fmt.Sprintf("/api/v1/warnings/%d/update", alert.ID), map[string]any{"headline": headline2, "instruction": "请立即转移到安全地带。"}, 201, &u)
	commander.do("POST", fmt.Sprintf("/api/v1/warnings/%d/approve", u.ID), map[string]any{"version": u.Version}, 200, &u)
	commander.do("POST", fmt.Sprintf("/api/v1/warnings/%d/publish", u.ID), map[string]any{"version": u.Version}, 200, &u)
	if u.MsgType != "Update" || !strings.Contains(u.References, alert.Identifier) {
		t.Fatalf("update = %+v", u)
	}
	check(u, "Update", headline2)

	var c warningOut
	duty.do("POST", fmt.Sprintf("/api/v1/warnings/%d/cancel", u.ID), map[string]any{"note": "降雨减弱，解除预警。"}, 201, &c)
	commander.do("POST", fmt.Sprintf("/api/v1/warnings/%d/approve", c.ID), map[string]any{"version": c.Version}, 200, &c)
	commander.do("POST", fmt.Sprintf("/api/v1/warnings/%d/publish", c.ID), map[string]any{"version": c.Version}, 200, &c)
	if c.MsgType != "Cancel" {
		t.Fatalf("cancel = %+v", c)
	}
	check(c, "Cancel", headline2)

	// the CAP the webhook peer received: valid CAP 1.2 (xmllint), the
	// message the API serves, and references to the earlier messages.
	caps := map[string][]byte{}
	for _, a := range rec.snapshot() {
		if a.Channel == "webhook" {
			if prev, ok := caps[a.Ident]; ok && string(prev) != string(a.CAP) {
				t.Errorf("two different CAP bodies for %s", a.Ident)
			}
			caps[a.Ident] = a.CAP
		}
	}
	sent := map[string]capMsg{}
	for _, m := range []warningOut{alert, u, c} {
		data := caps[m.Identifier]
		captest.Valid(t, data)
		var cm capMsg
		if err := xml.Unmarshal(data, &cm); err != nil {
			t.Fatal(err)
		}
		sent[m.Identifier] = cm
		if cm.Identifier != m.Identifier || cm.MsgType != m.MsgType {
			t.Errorf("CAP of %d: %+v", m.ID, cm)
		}
		served, _ := admin.raw("GET", fmt.Sprintf("/api/v1/warnings/%d/cap.xml", m.ID))
		if string(served) != string(data) {
			t.Errorf("the webhook's CAP of %s differs from cap.xml", m.Identifier)
		}
	}
	ref := func(m capMsg) string { return m.Sender + "," + m.Identifier + "," + m.Sent }
	a, up, cn := sent[alert.Identifier], sent[u.Identifier], sent[c.Identifier]
	if a.References != "" || up.References != ref(a) || cn.References != ref(a)+" "+ref(up) {
		t.Errorf("CAP references: alert %q, update %q, cancel %q", a.References, up.References, cn.References)
	}
	ps.mu.Lock()
	if len(ps.errs) > 0 {
		t.Errorf("the push service refused: %v", ps.errs)
	}
	ps.mu.Unlock()
	n := map[string]int{}
	for _, a := range rec.snapshot() {
		n[a.Channel]++
	}
	chans := make([]string, 0, len(n))
	for ch := range n {
		chans = append(chans, fmt.Sprintf("%s=%d", ch, n[ch]))
	}
	sort.Strings(chans)
	t.Logf("peers received (3 messages): %s", strings.Join(chans, " "))
}

// raw sends a request as the client and returns the body of a 200.
func (c *client) raw(method, path string) ([]byte, http.Header) {
	c.t.Helper()
	req, _ := http.NewRequest(method, c.url+path, nil)
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	c.v.Check(c.t, req, resp, body)
	if resp.StatusCode != 200 {
		c.t.Fatalf("%s %s = %d: %s", method, path, resp.StatusCode, body)
	}
	return body, resp.Header
}
