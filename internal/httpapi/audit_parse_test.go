package httpapi

import (
	"context"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/yingji/yingji/internal/core"
)

// FuzzParseWindow: a situation window is refused or lies in 1m–90d.
func FuzzParseWindow(f *testing.F) {
	for _, s := range []string{"", "1h", "24h", "7d", "90d", "91d", "1s", "-5d", "9999999999999d", "1.5h"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := parseWindow(s)
		if err == nil && (d < time.Minute || d > 90*24*time.Hour) {
			t.Fatalf("parseWindow(%q) = %v, outside 1m–90d", s, d)
		}
	})
}

// FuzzAuditFilter: any query string gives a filter or a field error, and
// a county account's filter never leaves its county.
func FuzzAuditFilter(f *testing.F) {
	for _, q := range []string{"", "actor=a&action=update&q=x", "from=2026-01-01T00:00:00Z&to=x", "division=530502", "division=53", "limit=-1",
		"order=desc&before_seq=9", "after_seq=abc", "division=%25"} {
		f.Add(q)
	}
	county := &core.Actor{Username: "tc", Role: "auditadmin", Division: "530581"}
	f.Fuzz(func(t *testing.T, q string) {
		if _, err := url.ParseQuery(q); err != nil {
			return
		}
		r := (&http.Request{Method: "GET", URL: &url.URL{Path: "/api/v1/audit", RawQuery: q}}).WithContext(core.WithActor(context.Background(), county))
		flt, err := auditFilter(r, 10000, "530500")
		if err != nil {
			return
		}
		if len(flt.DivisionPrefix) < len("530581") || flt.DivisionPrefix[:6] != "530581" || flt.Unattributed {
			t.Fatalf("query %q gave the county account prefix %q (unattributed %v)", q, flt.DivisionPrefix, flt.Unattributed)
		}
	})
}
