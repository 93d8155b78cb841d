package store_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/yingji/yingji/internal/audit"
	"github.com/yingji/yingji/internal/core"
	"github.com/yingji/yingji/internal/region"
	"github.com/yingji/yingji/internal/store"
	"github.com/yingji/yingji/internal/warning"
	"github.com/yingji/yingji/internal/warning/cap"
	"github.com/yingji/yingji/internal/warning/cap/captest"
)

// deliveries is a hand-written Deliverer that records what it is given
// and fails while fail is set.
type deliveries struct {
	mu   sync.Mutex
	got  []warning.Delivery
	fail error
}

func (d *deliveries) Deliver(ctx context.Context, x warning.Delivery) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.fail != nil {
		return d.fail
	}
	d.got = append(d.got, x)
	return nil
}

type warnEnv struct {
	svc *warning.Service
	db  *store.DB
	del *deliveries
	now time.Time
}

func newWarnEnv(db *store.DB, tree *region.Tree) *warnEnv {
	e := &warnEnv{db: db, del: &deliveries{}, now: time.Date(2026, 7, 12, 1, 0, 0, 0, time.UTC)}
	e.svc = &warning.Service{Store: db, Deliverer: e.del, Clock: func() time.Time { return e.now },
		Issuer: warning.Issuer{Area: "530500", Dept: "001", Unit: "002", Ext: "00"}, Sender: "yjj.baoshan.gov.cn", SenderName: "保山市应急管理局",
		RequireCommander: true, ImportDivision: "530500", Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		DivisionName: func(c string) (string, bool) { d, ok := tree.Get(c); return d.Name, ok },
		Locate:       func(p orb.Point) (string, bool) { d, ok := tree.Locate(p); return d.Code, ok }}
	return e
}

func actorCtx(id int64, name, role, div string) context.Context {
	return core.WithActor(context.Background(), &core.Actor{UserID: id, Username: name, Role: role, Division: div})
}

var (
	drafter   = actorCtx(11, "ly-duty", "duty_officer", longyang)
	commander = actorCtx(12, "commander", "commander", "530500")
	tcDuty    = actorCtx(13, "tc-duty", "duty_officer", tengchong)
	adminCtx  = actorCtx(14, "admin", "admin", "530500")
)

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if core.ErrorCode(err) != code {
		t.Fatalf("error = %v (%s), want %s", err, core.ErrorCode(err), code)
	}
}

func tp(t time.Time) *time.Time { return &t }

// TestWarningLifecycle drafts, edits, approves, publishes, updates and
// cancels a warning with an injected clock, on both databases.
func TestWarningLifecycle(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *store.DB, tree *region.Tree) {
		e := newWarnEnv(db, tree)
		in := warning.Input{Template: "rainstorm", Level: "orange", Expires: tp(e.now.Add(6 * time.Hour)),
			Area: []byte(`{"divisions":["530502"]}`)}
		w, err := e.svc.Draft(drafter, in)
		if err != nil {
			t.Fatal(err)
		}
		if w.Status != warning.Draft || w.Version != 1 || w.ChainID != w.ID || w.Text.Headline != "隆阳区暴雨橙色预警" || w.Urgency != "Expected" || w.Severity != "Severe" {
			t.Fatalf("draft = %+v", w)
		}
		// another county's officer neither sees it nor drafts for Longyang.
		_, err = e.svc.Get(tcDuty, w.ID)
		wantCode(t, err, core.ENOTFOUND)
		_, err = e.svc.Draft(tcDuty, in)
		wantCode(t, err, core.EINVALID)
		if f := core.ErrorFields(err); len(f) == 0 || f[0].Field != "division_code" && f[0].Field != "area.divisions[0]" {
			t.Errorf("fields = %+v", f)
		}
		// a circle centred in Tengchong is outside Longyang's scope.
		_, err = e.svc.Draft(drafter, warning.Input{Template: "rainstorm", Level: "blue", Expires: tp(e.now.Add(time.Hour)),
			Area: []byte(`{"circles":[{"lon":98.49,"lat":25.02,"radius_m":1000}]}`)})
		wantCode(t, err, core.EINVALID)
		// urgency and certainty are required without a template.
		_, err = e.svc.Draft(drafter, warning.Input{Level: "blue", Event: "大风", Category: "Met", Description: "x", Expires: tp(e.now.Add(time.Hour)),
			Area: []byte(`{"divisions":["530502"]}`)})
		fields := fmt.Sprint(core.ErrorFields(err))
		if !strings.Contains(fields, "urgency") || !strings.Contains(fields, "certainty") {
			t.Errorf("missing urgency/certainty not reported: %v", err)
		}

		// optimistic versioning on drafts.
		_, err = e.svc.Edit(commander, w.ID, warning.Input{Description: "改", Version: 7})
		wantCode(t, err, core.ECONFLICT)
		w, err = e.svc.Edit(drafter, w.ID, warning.Input{Description: "预计未来6小时隆阳区降雨量将达50毫米以上。", Version: 1,
			English: &warning.Text{Event: "Rainstorm", Description: "50 mm or more in 6 hours."}})
		if err != nil || w.Version != 2 || w.English.Headline != "Orange rainstorm warning" {
			t.Fatalf("edit = %+v, %v", w, err)
		}

		// two-person rule.
		_, err = e.svc.Approve(drafter, w.ID, 0)
		wantCode(t, err, core.EFORBIDDEN)
		if _, err := e.svc.Publish(commander, w.ID, 0); core.ErrorCode(err) != core.ECONFLICT {
			t.Fatalf("publish before approval = %v", err)
		}
		w, err = e.svc.Approve(commander, w.ID, 2)
		if err != nil || w.Status != warning.Approved || w.Approver != "commander" || w.Drafter != "ly-duty" {
			t.Fatalf("approve = %+v, %v", w, err)
		}
		e.now = e.now.Add(90 * time.Second)
		w, err = e.svc.Publish(commander, w.ID, 0)
		if err != nil {
			t.Fatal(err)
		}
		if w.Identifier != "53050000100200_20260712090130_0" || w.Status != warning.Published || w.State != "active" {
			t.Fatalf("published = %s %s %s", w.Identifier, w.Status, w.State)
		}
		captest.Valid(t, w.CAP)
		if len(e.del.got) != 1 || e.del.got[0].Identifier != w.Identifier || e.del.got[0].MsgType != "Alert" || e.del.got[0].Level != "orange" ||
			len(e.del.got[0].Area.Divisions) != 1 || w.DeliveredAt == nil {
			t.Fatalf("deliveries = %+v", e.del.got)
		}
		first := w

		// a red warning needs a commander; the admin is not one.
		red, err := e.svc.Draft(drafter, warning.Input{Template: "landslide", Level: "red", Expires: tp(e.now.Add(2 * time.Hour)),
			Area: []byte(`{"circles":[{"lon":99.16,"lat":25.12,"radius_m":2000}]}`)})
		if err != nil {
			t.Fatal(err)
		}
		_, err = e.svc.Approve(adminCtx, red.ID, 0)
		wantCode(t, err, core.EFORBIDDEN)
		if _, err := e.svc.Withdraw(drafter, red.ID, red.Version); err != nil {
			t.Fatal(err)
		}

		// update: its own draft, approval, publication; references the first.
		e.now = e.now.Add(30 * time.Minute)
		up, err := e.svc.Update(drafter, first.ID, warning.Input{Level: "red", Expires: tp(e.now.Add(6 * time.Hour))})
		if err != nil {
			t.Fatal(err)
		}
		if up.MsgType != "Update" || up.ChainID != first.ID || up.Text.Headline != "隆阳区暴雨红色预警" || up.Status != warning.Draft {
			t.Fatalf("update draft = %+v", up)
		}
		if _, err := e.svc.Approve(commander, up.ID, 0); err != nil {
			t.Fatal(err)
		}
		up, err = e.svc.Publish(commander, up.ID, 0)
		if err != nil {
			t.Fatal(err)
		}
		captest.Valid(t, up.CAP)
		refs, err := cap.ParseReferences(up.References)
		if err != nil || len(refs) != 1 || refs[0].Identifier != first.Identifier || refs[0].Sender != "yjj.baoshan.gov.cn" || !refs[0].Sent.Equal(*first.Sent) {
			t.Fatalf("update references = %q, %v", up.References, err)
		}
		if got, _ := e.svc.Get(drafter, first.ID); got.Status != warning.Superseded {
			t.Errorf("first message is %s after the update", got.Status)
		}
		active, n, _ := e.svc.List(drafter, warning.Filter{View: "active"})
		if n != 1 || active[0].ID != up.ID {
			t.Fatalf("active = %d", n)
		}
		// updating the superseded message is refused.
		_, err = e.svc.Update(drafter, first.ID, warning.Input{})
		wantCode(t, err, core.ECONFLICT)

		// cancel, with the reason; references both earlier messages.
		_, err = e.svc.Cancel(drafter, up.ID, "")
		wantCode(t, err, core.EINVALID)
		cn, err := e.svc.Cancel(drafter, up.ID, "降雨已减弱，解除预警。")
		if err != nil {
			t.Fatal(err)
		}
		e.svc.Approve(commander, cn.ID, 0)
		cn, err = e.svc.Publish(commander, cn.ID, 0)
		if err != nil {
			t.Fatal(err)
		}
		captest.Valid(t, cn.CAP)
		a, _ := cap.Decode(cn.CAP)
		refs, _ = cap.ParseReferences(a.References)
		if a.MsgType != "Cancel" || len(refs) != 2 || refs[1].Identifier != up.Identifier || cn.State != "cancel_sent" {
			t.Fatalf("cancel = %s, %d references, state %s", a.MsgType, len(refs), cn.State)
		}
		if _, n, _ := e.svc.List(drafter, warning.Filter{View: "active"}); n != 0 {
			t.Errorf("%d active after the cancel", n)
		}
		chain, err := e.svc.Chain(drafter, cn.ID)
		if err != nil || len(chain) != 3 || chain[0].ID != first.ID || chain[2].ID != cn.ID || chain[1].Status != warning.Cancelled {
			t.Fatalf("chain = %d, %v", len(chain), err)
		}
		if len(e.del.got) != 3 || e.del.got[2].MsgType != "Cancel" {
			t.Errorf("deliveries = %d", len(e.del.got))
		}

		// everything is in the audit trail, with who did it.
		entries, err := db.ListAudit(sysCtx, audit.Filter{Entity: "warning", EntityID: fmt.Sprint(first.ID), Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		var acts []string
		for _, en := range entries {
			acts = append(acts, en.Actor+":"+en.Action)
		}
		want := "ly-duty:draft ly-duty:edit commander:approve commander:publish system:deliver commander:publish"
		if got := strings.Join(acts, " "); got != want {
			t.Errorf("audit of warning %d = %s, want %s", first.ID, got, want)
		}
	})
}

// TestWarningExpiryAndDelivery: an expired warning leaves the active list
// by itself; a failing delivery never loses the publication and is
// retried.
func TestWarningExpiryAndDelivery(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *store.DB, tree *region.Tree) {
		e := newWarnEnv(db, tree)
		e.del.fail = errors.New("outbox down")
		w, err := e.svc.Draft(drafter, warning.Input{Template: "forest_fire", Level: "yellow", Expires: tp(e.now.Add(time.Hour)),
			Area: []byte(`{"geometry":{"type":"Polygon","coordinates":[[[99.10,25.08],[99.20,25.08],[99.20,25.16],[99.10,25.16],[99.10,25.08]]]}}`)})
		if err != nil {
			t.Fatal(err)
		}
		// a generated headline follows the level; one someone wrote stays.
		if w.Text.Headline != "隆阳区部分地区森林火险黄色预警" {
			t.Fatalf("generated headline = %s", w.Text.Headline)
		}
		w, err = e.svc.Edit(drafter, w.ID, warning.Input{Level: "orange", Version: w.Version})
		if err != nil || w.Text.Headline != "隆阳区部分地区森林火险橙色预警" {
			t.Fatalf("after a level change: %q, %v", w.Text.Headline, err)
		}
		w, _ = e.svc.Edit(drafter, w.ID, warning.Input{Headline: "城区北部山林火险橙色预警", Version: w.Version})
		w, err = e.svc.Edit(drafter, w.ID, warning.Input{Level: "yellow", Version: w.Version})
		if err != nil || w.Text.Headline != "城区北部山林火险橙色预警" {
			t.Fatalf("a written headline was replaced: %q, %v", w.Text.Headline, err)
		}
		e.svc.Approve(commander, w.ID, 0)
		w, err = e.svc.Publish(commander, w.ID, 0)
		if err != nil {
			t.Fatalf("publish with delivery down = %v", err)
		}
		got, _ := e.svc.Get(drafter, w.ID)
		if got.Status != warning.Published || got.DeliveredAt != nil || got.DeliveryError != "outbox down" {
			t.Fatalf("after failed delivery: %s %v %q", got.Status, got.DeliveredAt, got.DeliveryError)
		}
		if n, _ := e.svc.Redeliver(context.Background()); n != 0 {
			t.Fatalf("redelivered %d while down", n)
		}
		e.del.fail = nil
		if n, err := e.svc.Redeliver(context.Background()); n != 1 || err != nil {
			t.Fatalf("Redeliver = %d, %v", n, err)
		}
		if n, _ := e.svc.Redeliver(context.Background()); n != 0 {
			t.Fatalf("delivered again: %d", n)
		}
		if _, n, _ := e.svc.List(drafter, warning.Filter{View: "active"}); n != 1 {
			t.Fatalf("active = %d", n)
		}
		e.now = e.now.Add(61 * time.Minute)
		if _, n, _ := e.svc.List(drafter, warning.Filter{View: "active"}); n != 0 {
			t.Errorf("expired warning still active")
		}
		hist, n, _ := e.svc.List(drafter, warning.Filter{View: "history"})
		if n != 1 || hist[0].State != "expired" {
			t.Errorf("history = %d", n)
		}
		_, err = e.svc.Update(drafter, w.ID, warning.Input{})
		wantCode(t, err, core.ECONFLICT)
	})
}

func readExample(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "warning", "cap", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

var capExamples = []string{"example_homeland_security.xml", "example_thunderstorm.xml", "example_earthquake.xml", "example_amber_alert.xml", "example_naads_wind_warning.xml"}

// TestWarningImport imports every shared example, rejects the invalid one
// with the schema's reason, polls a feed of them, and forwards one.
func TestWarningImport(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *store.DB, tree *region.Tree) {
		e := newWarnEnv(db, tree)
		mux := http.NewServeMux()
		var entries strings.Builder
		for _, name := range append(capExamples, "invalid_missing_scope.xml") {
			data := readExample(t, name)
			mux.HandleFunc("/cap/"+name, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/cap+xml")
				w.Write(data)
			})
			fmt.Fprintf(&entries, `<entry><id>%s</id><updated>2026-07-12T00:00:00Z</updated><link rel="alternate" type="application/cap+xml" href="cap/%s"/></entry>`, name, name)
		}
		mux.HandleFunc("/feed.atom", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/atom+xml")
			fmt.Fprintf(w, `<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><id>x</id><title>hub</title><updated>2026-07-12T00:00:00Z</updated>%s</feed>`, entries.String())
		})
		srv := httptest.NewServer(mux)
		defer srv.Close()

		p := &warning.Poller{Service: e.svc, URL: srv.URL + "/feed.atom"}
		r, err := p.Poll(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if r.Items != 6 || r.Imported != 5 || r.Rejected != 1 {
			t.Fatalf("poll = %+v", r)
		}
		if r, _ := p.Poll(context.Background()); r.Imported != 0 {
			t.Fatalf("second poll imported %d", r.Imported)
		}
		// the same messages by HTTP POST are duplicates (sender, identifier, sent).
		for _, name := range capExamples {
			w, created, err := e.svc.Import(adminCtx, readExample(t, name))
			if err != nil || created {
				t.Fatalf("re-import %s: created %v, %v", name, created, err)
			}
			if w.Status != warning.Imported || w.Source != "import" || string(w.CAP) != string(readExample(t, name)) {
				t.Errorf("%s stored as %s/%s", name, w.Status, w.Source)
			}
		}
		_, _, err = e.svc.Import(adminCtx, readExample(t, "invalid_missing_scope.xml"))
		wantCode(t, err, core.EINVALID)
		if f := core.ErrorFields(err); len(f) != 1 || f[0].Field != "/alert/info" || !strings.Contains(f[0].Message, "scope") {
			t.Errorf("rejection = %+v", f)
		}
		imported, n, _ := e.svc.List(adminCtx, warning.Filter{View: "imported"})
		if n != 5 {
			t.Fatalf("%d imported", n)
		}
		var storm *warning.Warning
		for _, w := range imported {
			if w.Identifier == "KSTO1055887203" {
				storm = w
			}
		}
		if storm == nil || storm.Level != warning.Orange || storm.Text.Event != "SEVERE THUNDERSTORM" || len(storm.Area.Polygons) != 1 ||
			!storm.Expires.Equal(time.Date(2003, 6, 17, 23, 0, 0, 0, time.UTC)) {
			t.Fatalf("thunderstorm = %+v", storm)
		}

		// forwarding: a new draft of ours, over our own area.
		_, err = e.svc.Forward(drafter, storm.ID, warning.Input{Expires: tp(e.now.Add(2 * time.Hour))})
		if core.ErrorCode(err) != core.ENOTFOUND && core.ErrorCode(err) != core.EINVALID {
			t.Fatalf("forward of a California polygon by Longyang = %v", err)
		}
		fw, err := e.svc.Forward(commander, storm.ID, warning.Input{Expires: tp(e.now.Add(2 * time.Hour)), Area: []byte(`{"divisions":["530502"]}`),
			Headline: "隆阳区雷暴大风橙色预警", Description: "转发：强雷暴。"})
		if err != nil {
			t.Fatal(err)
		}
		if fw.ForwardedFrom != storm.ID || fw.MsgType != "Alert" || fw.Status != warning.Draft || fw.Level != warning.Orange {
			t.Fatalf("forward = %+v", fw)
		}
		// the city-level draft is out of Longyang's reach; the admin approves.
		_, err = e.svc.Approve(drafter, fw.ID, 0)
		wantCode(t, err, core.ENOTFOUND)
		if _, err := e.svc.Approve(adminCtx, fw.ID, 0); err != nil {
			t.Fatal(err)
		}
		fw, err = e.svc.Publish(adminCtx, fw.ID, 0)
		if err != nil {
			t.Fatal(err)
		}
		captest.Valid(t, fw.CAP)
		if !strings.Contains(fw.References, "KSTO@NWS.NOAA.GOV,KSTO1055887203,2003-06-17T21:57:00-00:00") {
			t.Errorf("forward references = %q", fw.References)
		}
	})
}
