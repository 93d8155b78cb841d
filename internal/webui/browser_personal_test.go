package webui

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/yingji/yingji/internal/audit"
	"github.com/yingji/yingji/internal/core"
	"github.com/yingji/yingji/internal/fieldcrypt"
	"github.com/yingji/yingji/internal/httpapi"
	"github.com/yingji/yingji/internal/region"
	"github.com/yingji/yingji/internal/registry"
	"github.com/yingji/yingji/internal/store"
)

// An expert's record page shows the phone masked with a 显示 button; the
// button asks the reveal route, shows the clear number, and the reveal is
// in the audit log. The demo registry is sealed with SM4-GCM.
func TestBrowserRevealPersonal(t *testing.T) {
	var db *store.DB
	sys := core.WithActor(context.Background(), core.SystemActor)
	h := newHarness(t, harnessOptions{wire: func(_ *httpapi.Server, d *store.DB, _ *region.Tree, _ *registry.Service) {
		ring, err := fieldcrypt.LoadFile(filepath.Join(t.TempDir(), "data.key"), fieldcrypt.SM4GCM)
		if err != nil {
			t.Fatal(err)
		}
		d.SetSealer(ring)
		if _, err := d.ResealRegistry(sys, ring, 500, nil); err != nil {
			t.Fatal(err)
		}
		db = d
	}})
	var list recordList
	h.getJSON("GET", "/api/v1/experts?limit=1", "", &list)
	id := int64(list.Items[0]["id"].(float64))
	o, err := db.GetObject(sys, registry.KExpert, id)
	if err != nil {
		t.Fatal(err)
	}
	phone := o.Attrs["phone"].(string)
	ctx := browser(t, 1440, 900)
	login(t, ctx, h, "")
	run(t, ctx, "open the expert", chromedp.Navigate(fmt.Sprintf("%s/registry/experts/%d", h.url, id)))
	waitPage(t, ctx, "the record", `!!document.querySelector('[data-personal=phone] [data-reveal=phone]')`)
	shown := eval[string](t, ctx, `document.querySelector('[data-personal=phone] .personal-value').textContent`)
	if shown != registry.MaskPhone(phone) {
		t.Fatalf("the page shows %q, want the mask of %s", shown, phone)
	}
	if got := eval[string](t, ctx, `document.querySelector('[data-reveal=phone]').textContent`); got != "显示" {
		t.Errorf("button reads %q", got)
	}
	screenshot(t, ctx, "personal-masked")
	run(t, ctx, "click 显示", chromedp.Click(chromedp.CSS("[data-reveal=phone]")))
	waitPage(t, ctx, "the clear value", `!!document.querySelector('[data-personal=phone].revealed')`)
	if got := eval[string](t, ctx, `document.querySelector('[data-personal=phone] .personal-value').textContent`); got != phone {
		t.Fatalf("after 显示 the page shows %q, want %s", got, phone)
	}
	screenshot(t, ctx, "personal-revealed")
	// the ID number stays masked until asked for
	if got := eval[string](t, ctx, `document.querySelector('[data-personal=id_number] .personal-value').textContent`); !strings.Contains(got, "**********") {
		t.Errorf("the ID number shows %q", got)
	}
	entries, err := db.ListAudit(sys, audit.Filter{Entity: registry.KExpert, EntityID: fmt.Sprint(id)})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, e := range entries {
		found = found || (e.Action == "reveal" && e.Actor == adminUser && string(e.After) == `{"fields":["phone"]}`)
	}
	if !found {
		t.Fatalf("no reveal in the audit log: %+v", entries)
	}
}
