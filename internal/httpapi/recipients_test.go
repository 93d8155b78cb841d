package httpapi_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/yingji/yingji/internal/auth"
	"github.com/yingji/yingji/internal/core"
	"github.com/yingji/yingji/internal/httpapi"
	"github.com/yingji/yingji/internal/outbox"
	"github.com/yingji/yingji/internal/registry"
	"github.com/yingji/yingji/internal/store/storetest"
)

// newRecipientsEnv is newEnv with the recipients area wired.
func newRecipientsEnv(t *testing.T, b storetest.Backend) (*env, *outbox.Service) {
	t.Helper()
	db, tree := storetest.Open(t, b)
	rg := &regions{db: db}
	rg.tree.Store(tree)
	authSvc := &auth.Service{Store: db, Clock: core.SystemClock, SessionTTL: time.Hour,
		Divisions: func(c string) bool { _, ok := rg.Tree().Get(c); return ok }}
	p, _ := outbox.NewProtector(bytes.Repeat([]byte{7}, 32))
	land, err := outbox.NewLand(tree, outbox.Census2020())
	if err != nil {
		t.Fatal(err)
	}
	svc := &outbox.Service{Store: db, Protect: p, Land: land}
	api := &httpapi.Server{Registry: &registry.Service{Store: db, Regions: func() registry.Regions { return rg.Tree() }},
		Auth: authSvc, Regions: rg, DB: db, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Version: "test",
		Recipients: &httpapi.Recipients{Service: svc, ReceiptSecret: "gw-secret", VAPIDPublicKey: "BPk-test-key"}}
	srv := httptest.NewServer(api.Handler())
	t.Cleanup(srv.Close)
	e := &env{t: t, url: srv.URL, db: db, tree: tree, api: api, tokens: map[string]string{}}
	e.loadDocument()
	ctx := core.WithActor(context.Background(), core.SystemActor)
	for _, u := range []auth.UserInput{
		{Username: "admin", Role: "admin", Division: "530500"},
		{Username: "ly-admin", Role: "admin", Division: "530502"},
		{Username: "duty", Role: "duty_officer", Division: "530500"},
		{Username: "viewer", Role: "viewer", Division: "530500"},
	} {
		u.Password = password
		if _, err := authSvc.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		e.login(u.Username)
	}
	return e, svc
}

func TestRecipientsAPI(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			e, svc := newRecipientsEnv(t, b)
			var r outbox.Recipient
			e.call("POST", "/api/v1/recipients", "ly-admin", map[string]any{"kind": "grid_worker", "name": "网格员甲", "lon": 99.1618, "lat": 25.1205,
				"phone": "13812341234", "email": "jia@example.cn"}, 201, &r)
			if r.Phone != "138****1234" || r.Email != "j***@example.cn" || !strings.HasPrefix(r.Division, "530502") {
				t.Fatalf("created %+v", r)
			}
			// viewers may not manage recipients
			e.call("GET", "/api/v1/recipients", "viewer", nil, 403, nil)
			// out of area
			st, data, _ := e.do("POST", "/api/v1/recipients", "ly-admin", map[string]any{"kind": "public", "name": "乙", "division_code": "530581", "phone": "13900001111"}, nil)
			if st != 403 {
				t.Fatalf("out of area: %d %s", st, data)
			}
			// bad input names the field
			st, data, _ = e.do("POST", "/api/v1/recipients", "admin", map[string]any{"kind": "public", "name": "", "division_code": "530581", "phone": "12"}, nil)
			if p := problemOf(t, data); st != 422 || len(p.Errors) < 2 {
				t.Fatalf("bad input: %d %s", st, data)
			}
			// stale version
			h := http.Header{"If-Match": {"5"}}
			st, _, _ = e.do("PATCH", "/api/v1/recipients/"+strconv.FormatInt(r.ID, 10), "ly-admin", map[string]any{"kind": "grid_worker", "name": "改", "division_code": r.Division, "lon": *r.Lon, "lat": *r.Lat}, h)
			if st != 409 {
				t.Fatalf("stale patch: %d", st)
			}
			var up outbox.Recipient
			e.call("PATCH", "/api/v1/recipients/"+strconv.FormatInt(r.ID, 10), "ly-admin", map[string]any{"kind": "grid_worker", "name": "改", "lon": *r.Lon, "lat": *r.Lat, "version": r.Version, "clear": []string{"email"}}, 200, &up)
			if up.Email != "" || up.Phone != "138****1234" || up.Version != 2 {
				t.Fatalf("patched %+v", up)
			}

			// CSV import with an error in row 3: nothing stored
			csv := "kind,name,division_code,phone,email,follows,topic\npublic,丙,530521,13700001111,,,\npublic,丁,999999,,,,\n"
			st, data, _ = e.do("POST", "/api/v1/recipients/import", "admin", csv, http.Header{"Content-Type": {"text/csv"}})
			p := problemOf(t, data)
			if st != 422 || len(p.Errors) == 0 || p.Errors[0].Row != 3 || p.Errors[0].Field != "division_code" {
				t.Fatalf("bad csv: %d %s", st, data)
			}
			var list struct{ Total int }
			e.call("GET", "/api/v1/recipients", "admin", nil, 200, &list)
			if list.Total != 1 {
				t.Fatalf("after a failed import: %d", list.Total)
			}
			// xlsx through a multipart form
			x := excelize.NewFile()
			rows := [][]any{{"kind", "name", "division_code", "phone", "topic", "follows"},
				{"public", "戊", "530521", "13700002222", "", ""},
				{"loudspeaker", "施甸某村村村响", "530521", "", "yingji/ls/1", ""},
				{"staff", "己", "", "13700003333", "", "530500"}}
			for i, row := range rows {
				cell, _ := excelize.CoordinatesToCellName(1, i+1)
				x.SetSheetRow("Sheet1", cell, &row)
			}
			var xb bytes.Buffer
			x.Write(&xb)
			var body bytes.Buffer
			mw := multipart.NewWriter(&body)
			fw, _ := mw.CreateFormFile("file", "recipients.xlsx")
			fw.Write(xb.Bytes())
			mw.Close()
			var imp struct{ Imported int }
			st, data, _ = e.do("POST", "/api/v1/recipients/import", "admin", body.Bytes(), http.Header{"Content-Type": {mw.FormDataContentType()}})
			if st != 201 {
				t.Fatalf("xlsx import: %d %s", st, data)
			}
			_ = imp

			// the 隆阳 admin sees only 隆阳
			e.call("GET", "/api/v1/recipients", "ly-admin", nil, 200, &list)
			if list.Total != 1 {
				t.Fatalf("隆阳 sees %d", list.Total)
			}

			// dry run on 施甸县's boundary polygon
			mp, _ := e.tree.Boundary("530521")
			geom := map[string]any{"type": "Polygon", "coordinates": mp[0]}
			var tg outbox.Targeting
			e.call("POST", "/api/v1/warnings/dry-run", "duty", map[string]any{"area": map[string]any{"geometry": geom}}, 200, &tg)
			// 戊 and the loudspeaker have no location; the follower of the city is in
			if tg.Recipients != 1 || tg.Population < 280000 || tg.Population > 300000 {
				t.Fatalf("polygon dry run %+v", tg)
			}
			e.call("POST", "/api/v1/warnings/dry-run", "duty", map[string]any{"area": map[string]any{"divisions": []string{"530521"}}}, 200, &tg)
			// 施甸县 at the 2020 census: 293,022 (保山市第七次全国人口普查主要数据公报)
			if tg.Recipients != 3 || tg.Loudspeakers != 1 || tg.Population != 293022 {
				t.Fatalf("division dry run %+v", tg)
			}
			e.call("POST", "/api/v1/warnings/dry-run", "duty", map[string]any{"area": map[string]any{"divisions": []string{"12"}}}, 422, nil)

			// delivery figures after an enqueue and a gateway receipt
			ctx := core.WithActor(context.Background(), core.SystemActor)
			if _, err := svc.Enqueue(ctx, outbox.Message{WarningID: 42, Identifier: "x", Level: "blue", Area: outbox.Area{Divisions: []string{"530521"}}}); err != nil {
				t.Fatal(err)
			}
			jobs, _ := e.db.ClaimJobs(ctx, outbox.SMS, time.Now(), time.Minute, 10)
			var outs []outbox.Outcome
			for i, j := range jobs {
				outs = append(outs, outbox.Outcome{ID: j.ID, State: outbox.StateSent, Ref: "gw-" + strconv.Itoa(i), At: time.Now()})
			}
			e.db.FinishJobs(ctx, outs)
			receipt := map[string]any{"receipts": []map[string]string{{"message_id": "gw-0", "status": "DELIVRD"}}}
			e.call("POST", "/api/v1/delivery/sms-receipts", "", receipt, 401, nil)
			var rr struct{ Recorded int }
			st, data, _ = e.do("POST", "/api/v1/delivery/sms-receipts", "", receipt, http.Header{"X-Yingji-Receipt-Secret": {"gw-secret"}})
			if st != 200 {
				t.Fatalf("receipt: %d %s", st, data)
			}
			var ds outbox.Stats
			e.call("GET", "/api/v1/warnings/42/delivery", "viewer", nil, 200, &ds)
			if ds.Population != 293022 || ds.PeopleReached != 1 || ds.Goal != 0.95 {
				t.Fatalf("delivery %+v", ds)
			}
			e.call("GET", "/api/v1/warnings/43/delivery", "viewer", nil, 404, nil)
			_ = rr

			// Web Push: a signed-in user subscribes this browser
			var key struct {
				PublicKey string `json:"public_key"`
			}
			e.call("GET", "/api/v1/webpush/vapid-public-key", "viewer", nil, 200, &key)
			if key.PublicKey != "BPk-test-key" {
				t.Fatalf("vapid key %+v", key)
			}
			sub := map[string]any{"endpoint": "https://push.example.net/send/abc", "keys": map[string]string{"p256dh": "BNc", "auth": "xyz"}}
			var mine outbox.Recipient
			e.call("POST", "/api/v1/webpush/subscriptions", "viewer", sub, 200, &mine)
			if mine.AppUser != "viewer" || mine.Push == nil || mine.Push.Endpoint != "https://push.example.net/…" || mine.Division != "530500" {
				t.Fatalf("subscribed %+v", mine)
			}
			e.call("POST", "/api/v1/webpush/subscriptions", "viewer", sub, 200, &mine)
			if mine.Version != 2 {
				t.Fatalf("re-subscribe should update the same record: %+v", mine)
			}
			e.call("DELETE", "/api/v1/webpush/subscriptions", "viewer", nil, 204, nil)
			e.call("DELETE", "/api/v1/webpush/subscriptions", "viewer", nil, 404, nil)
			if e.checked < 15 {
				t.Fatalf("only %d responses validated", e.checked)
			}
		})
	}
}

func FuzzParseArea(f *testing.F) {
	f.Add([]byte(`{"type":"Polygon","coordinates":[[[99,25],[99.2,25],[99.2,25.2],[99,25]]]}`))
	f.Add([]byte(`{"type":"MultiPolygon","coordinates":[[[[99,25],[99.2,25],[99.2,25.2],[99,25]]]]}`))
	f.Add([]byte(`{"type":"Point","coordinates":[99,25]}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, g []byte) {
		a, err := httpapi.ParseArea(httpapi.AreaInput{Geometry: g})
		if err != nil {
			return
		}
		for _, p := range a.Polygons {
			for _, ring := range p {
				if len(ring) < 4 || ring[0] != ring[len(ring)-1] {
					t.Fatalf("accepted an open or short ring %v", ring)
				}
			}
		}
	})
}
