package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/yingji/yingji/internal/core"
	"github.com/yingji/yingji/internal/outbox"
	"github.com/yingji/yingji/internal/outbox/channel"
	"github.com/yingji/yingji/internal/store"
	"github.com/yingji/yingji/internal/store/storetest"
)

func newOutbox(t *testing.T, b storetest.Backend) (*outbox.Service, *store.DB) {
	db, tree := storetest.Open(t, b)
	p, err := outbox.NewProtector(make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	land, err := outbox.NewLand(tree, outbox.Census2020())
	if err != nil {
		t.Fatal(err)
	}
	return &outbox.Service{Store: db, Protect: p, Land: land}, db
}

func f64(v float64) *float64 { return &v }

func TestRecipientsAndOutbox(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			svc, db := newOutbox(t, b)
			sys := core.WithActor(context.Background(), core.SystemActor)
			ly := core.WithActor(context.Background(), &core.Actor{UserID: 2, Username: "ly", Role: "admin", Division: "530502"})

			// a person in 隆阳区 with a location: division derived from it
			a, err := svc.Create(ly, outbox.Recipient{Kind: outbox.GridWorker, Name: "张三", Lon: f64(99.1618), Lat: f64(25.1205),
				Phone: "+86 138-0000-1234", Email: "Zhang@Example.CN", Webhook: "http://127.0.0.1:1/hook", Enabled: true})
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(a.Division, "530502") || a.Phone != "138****1234" || a.Email != "Z***@example.cn" {
				t.Fatalf("created %+v", a)
			}
			// stored sealed: the plain number is nowhere in the row
			rec, err := db.GetRecipient(sys, a.ID)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(rec.PhoneSealed, "13800001234") || !strings.HasPrefix(rec.PhoneSealed, "v1.") {
				t.Fatalf("phone not sealed: %q", rec.PhoneSealed)
			}
			if p, _ := svc.Protect.Open("phone", rec.PhoneSealed); p != "13800001234" {
				t.Fatalf("opened %q", p)
			}
			// outside the actor's area
			if _, err := svc.Create(ly, outbox.Recipient{Kind: outbox.Public, Name: "李四", Division: "530581", Phone: "13900002222", Enabled: true}); core.ErrorCode(err) != core.EFORBIDDEN {
				t.Fatalf("create outside area: %v", err)
			}
			// the same phone twice
			if _, err := svc.Create(sys, outbox.Recipient{Kind: outbox.Public, Name: "王五", Division: "530502", Phone: "13800001234", Enabled: true}); core.ErrorCode(err) != core.ECONFLICT {
				t.Fatalf("duplicate phone: %v", err)
			}
			// optimistic version
			in := outbox.Recipient{Kind: outbox.GridWorker, Name: "张三丰", Division: a.Division, Lon: a.Lon, Lat: a.Lat, Webhook: "http://127.0.0.1:1/hook", Enabled: true}
			up, err := svc.Update(ly, a.ID, in, a.Version, nil)
			if err != nil {
				t.Fatal(err)
			}
			if up.Phone != "138****1234" || up.Version != 2 {
				t.Fatalf("update kept contacts? %+v", up)
			}
			if _, err := svc.Update(ly, a.ID, in, a.Version, nil); core.ErrorCode(err) != core.ECONFLICT {
				t.Fatalf("stale update: %v", err)
			}
			// import: one bad row stores nothing
			bad := []outbox.Recipient{
				{Kind: outbox.Public, Name: "甲", Division: "530521", Phone: "13911112222", Enabled: true},
				{Kind: "nobody", Name: "乙", Division: "530521", Phone: "123", Enabled: true},
			}
			_, err = svc.Import(sys, bad)
			fe := core.ErrorFields(err)
			if core.ErrorCode(err) != core.EINVALID || len(fe) < 2 || fe[0].Row != 2 {
				t.Fatalf("bad import: %v", err)
			}
			if _, total, _ := svc.List(sys, outbox.Filter{}); total != 1 {
				t.Fatalf("after failed import %d recipients", total)
			}
			n, err := svc.Import(sys, []outbox.Recipient{
				{Kind: outbox.Public, Name: "甲", Division: "530521", Phone: "13911112222", Enabled: true},
				{Kind: outbox.Loudspeaker, Name: "某村广播", Division: "530521", Topic: "yingji/loudspeaker/530521", Enabled: true},
				{Kind: outbox.Staff, Name: "丙", Follows: []string{"530500"}, Email: "c@x.cn", Enabled: true},
			})
			if err != nil || n != 3 {
				t.Fatalf("import: %d %v", n, err)
			}
			list, total, err := svc.List(ly, outbox.Filter{})
			if err != nil || total != 1 || list[0].ID != a.ID {
				t.Fatalf("隆阳 sees %d: %v", total, err)
			}
			if l, _, _ := svc.List(sys, outbox.Filter{Phone: "139 1111 2222"}); len(l) != 1 || l[0].Name != "甲" {
				t.Fatalf("phone look-up: %+v", l)
			}

			// targeting: 施甸县 by code reaches 甲, the loudspeaker, and the city follower
			tg, err := svc.DryRun(sys, outbox.Area{Divisions: []string{"530521"}})
			if err != nil {
				t.Fatal(err)
			}
			if tg.Recipients != 3 || tg.Loudspeakers != 1 || tg.Population != int64(outbox.Census2020()["530521"]) {
				t.Fatalf("dry run %+v", tg)
			}
			msg := outbox.Message{WarningID: 7, Identifier: "id-1", MsgType: "Alert", Level: "orange", Headline: "暴雨橙色预警", Area: outbox.Area{Divisions: []string{"530521"}}}
			tg, err = svc.Enqueue(sys, msg)
			if err != nil || !tg.Enqueued || tg.Messages != 3 {
				t.Fatalf("enqueue %+v %v", tg, err)
			}
			if tg2, err := svc.Enqueue(sys, msg); err != nil || tg2.Enqueued {
				t.Fatalf("second enqueue %+v %v", tg2, err)
			}
			now := time.Now()
			jobs, err := db.ClaimJobs(sys, outbox.SMS, now, time.Minute, 10)
			if err != nil || len(jobs) != 1 || jobs[0].Attempts != 1 {
				t.Fatalf("claim %+v %v", jobs, err)
			}
			// leased: not claimed again until the lease ends
			if again, _ := db.ClaimJobs(sys, outbox.SMS, now.Add(30*time.Second), time.Minute, 10); len(again) != 0 {
				t.Fatalf("claimed a leased row")
			}
			again, _ := db.ClaimJobs(sys, outbox.SMS, now.Add(61*time.Second), time.Minute, 10)
			if len(again) != 1 || again[0].Attempts != 2 {
				t.Fatalf("expired lease not reclaimed: %+v", again)
			}
			if err := db.FinishJobs(sys, []outbox.Outcome{{ID: again[0].ID, State: outbox.StateSent, Ref: "gw-1", At: now}}); err != nil {
				t.Fatal(err)
			}
			if err := svc.Receipt(sys, outbox.SMS, "gw-1", true, ""); err != nil {
				t.Fatal(err)
			}
			if err := svc.Receipt(sys, outbox.SMS, "gw-404", true, ""); core.ErrorCode(err) != core.ENOTFOUND {
				t.Fatalf("unknown receipt: %v", err)
			}
			ls, _ := db.ClaimJobs(sys, outbox.MQTT, now, time.Minute, 10)
			em, _ := db.ClaimJobs(sys, outbox.Email, now, time.Minute, 10)
			if len(ls) != 1 || len(em) != 1 {
				t.Fatalf("mqtt %d email %d", len(ls), len(em))
			}
			db.FinishJobs(sys, []outbox.Outcome{{ID: ls[0].ID, State: outbox.StateDelivered, At: now}, {ID: em[0].ID, State: outbox.StateFailed, Error: "550 no such user", At: now}})
			st, err := svc.Stats(sys, 7)
			if err != nil {
				t.Fatal(err)
			}
			// the loudspeaker covers its division (the whole county here) and 甲 is inside it: capped at the county
			if st.Population != int64(outbox.Census2020()["530521"]) || st.PeopleReached != st.Population || st.Coverage != 1 {
				t.Fatalf("stats %+v", st)
			}
			var sms, mail outbox.ChannelStats
			for _, c := range st.Channels {
				switch c.Channel {
				case "sms":
					sms = c
				case "email":
					mail = c
				}
			}
			if sms.Delivered != 1 || mail.Failed != 1 {
				t.Fatalf("channels %+v", st.Channels)
			}
			if err := svc.Delete(ly, a.ID); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestInboxNoticeOncePerDivision(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			svc, db := newOutbox(t, b)
			sys := core.WithActor(context.Background(), core.SystemActor)
			svc.Import(sys, []outbox.Recipient{
				{Kind: outbox.Staff, Name: "甲", Division: "530521", AppUser: "jia", Enabled: true},
				{Kind: outbox.Staff, Name: "乙", Division: "530521", AppUser: "yi", Enabled: true},
			})
			if _, err := svc.Enqueue(sys, outbox.Message{WarningID: 3, Identifier: "i", Level: "yellow", Headline: "大风黄色预警", Sent: time.Now(), Area: outbox.Area{Divisions: []string{"530521"}}}); err != nil {
				t.Fatal(err)
			}
			w := &outbox.Worker{Service: svc, Sender: &channel.InboxSender{Store: db}}
			if n, err := w.Once(sys); err != nil || n != 2 {
				t.Fatalf("inbox worker: %d %v", n, err)
			}
			st := core.WithActor(context.Background(), &core.Actor{Username: "jia", Role: "duty_officer", Division: "530521"})
			ms, err := db.ListMessages(st, 10)
			if err != nil || len(ms) != 1 || ms[0].Title != "黄色预警 大风黄色预警" || ms[0].Tier != "warning" {
				t.Fatalf("inbox %+v %v", ms, err)
			}
			s, _ := svc.Stats(sys, 3)
			if s.PeopleReached != 2 {
				t.Fatalf("reached %d", s.PeopleReached)
			}
		})
	}
}
