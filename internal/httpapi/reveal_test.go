package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/yingji/yingji/internal/audit"
	"github.com/yingji/yingji/internal/core"
	"github.com/yingji/yingji/internal/fieldcrypt"
	"github.com/yingji/yingji/internal/registry"
	"github.com/yingji/yingji/internal/store/storetest"
)

// Reveal: the demo registry sealed, lists and GeoJSON/CSV show masks, a
// commander inside the area gets the clear values (no-store, audited as
// the shared contract says), one outside gets 404, a viewer 403.
func TestRevealPersonalFields(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			e := newScopeEnv(t, b)
			ring, err := fieldcrypt.LoadFile(filepath.Join(t.TempDir(), "data.key"), fieldcrypt.SM4GCM)
			if err != nil {
				t.Fatal(err)
			}
			sys := core.WithActor(context.Background(), core.SystemActor)
			e.db.SetSealer(ring)
			if _, err := e.db.ResealRegistry(sys, ring, 500, nil); err != nil {
				t.Fatal(err)
			}
			var list struct {
				Items []map[string]any
			}
			body := e.call("GET", "/api/v1/experts?limit=5000&division="+inside, "ly-commander", nil, 200, &list)
			if len(list.Items) == 0 {
				t.Fatal("no demo experts in the county")
			}
			ex := list.Items[0]
			id := int64(ex["id"].(float64))
			o, err := e.db.GetObject(sys, registry.KExpert, id)
			if err != nil {
				t.Fatal(err)
			}
			phone := o.Attrs["phone"].(string)
			if strings.Contains(string(body), phone) || ex["phone"] != registry.MaskPhone(phone) {
				t.Fatalf("list shows %v for %s", ex["phone"], phone)
			}
			for _, format := range []string{"geojson", "csv"} {
				_, data, _ := e.do("GET", "/api/v1/experts?limit=5000&format="+format, "ly-commander", nil, nil)
				if strings.Contains(string(data), phone) || !strings.Contains(string(data), registry.MaskPhone(phone)) {
					t.Errorf("%s export is not masked", format)
				}
			}
			path := fmt.Sprintf("/api/v1/experts/%d/reveal", id)
			st, data, hdr := e.do("POST", path, "ly-commander", map[string]any{"fields": []string{"phone"}}, nil)
			var got struct {
				ID     int64
				Fields map[string]any
			}
			json.Unmarshal(data, &got)
			if st != 200 || got.Fields["phone"] != phone || len(got.Fields) != 1 || hdr.Get("Cache-Control") != "no-store" {
				t.Fatalf("reveal = %d %s %v", st, data, hdr)
			}
			entries, err := e.db.ListAudit(sys, audit.Filter{Entity: registry.KExpert, EntityID: fmt.Sprint(id)})
			if err != nil {
				t.Fatal(err)
			}
			last := entries[0]
			for _, en := range entries {
				if en.Seq > last.Seq {
					last = en
				}
			}
			if last.Action != "reveal" || last.Actor != "ly-commander" || string(last.After) != `{"fields":["phone"]}` || last.Division != o.Division {
				t.Fatalf("audit entry = %+v after %s", last, last.After)
			}
			// the security administrator sees it on the situation page
			sit := e.call("GET", "/api/v1/security/situation", "ly-secadmin", nil, 200, nil)
			if !strings.Contains(string(sit), `"reveal"`) || !strings.Contains(string(sit), "ly-commander") {
				t.Errorf("the situation does not show the reveal: %s", sit)
			}
			// every personal field when none is named; an empty body too
			e.call("POST", path, "city-admin", nil, 200, &got)
			if len(got.Fields) == 0 || got.Fields["phone"] != phone {
				t.Fatalf("reveal all = %v", got.Fields)
			}
			e.call("POST", path, "ly-commander", map[string]any{"fields": []string{"title"}}, 422, nil)
			e.call("POST", path, "tc-commander", nil, 404, nil)
			e.call("POST", path, "ly-viewer", nil, 403, nil)
			e.call("POST", path, "ly-inspector", nil, 403, nil)
			// contacts of an enterprise
			var ents struct{ Items []map[string]any }
			e.call("GET", "/api/v1/enterprises?limit=1&division="+inside, "ly-commander", nil, 200, &ents)
			eid := int64(ents.Items[0]["id"].(float64))
			e.call("POST", fmt.Sprintf("/api/v1/enterprises/%d/reveal", eid), "ly-commander", map[string]any{"fields": []string{"contacts"}}, 200, &got)
			cs, _ := got.Fields["contacts"].([]any)
			if len(cs) == 0 || strings.Contains(cs[0].(map[string]any)["phone"].(string), "*") {
				t.Fatalf("contacts revealed as %v", got.Fields)
			}
		})
	}
}
