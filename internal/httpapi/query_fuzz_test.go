package httpapi

import (
	"context"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/yingji/yingji/internal/core"
	"github.com/yingji/yingji/internal/region"
	"github.com/yingji/yingji/internal/registry"
)

type fixedRegions struct{ tree *region.Tree }

func (r fixedRegions) Tree() *region.Tree { return r.tree }
func (r fixedRegions) Import(context.Context, []region.Division, []byte) (int, int, error) {
	return 0, 0, nil
}

// namesParam reports whether err is a validation error whose every field is
// a parameter of the query: a refused query says which parameter was wrong.
func namesParam(t *testing.T, raw string, q url.Values, err error) {
	t.Helper()
	if core.ErrorCode(err) != core.EINVALID {
		t.Fatalf("query %q: error %v is not a validation error", raw, err)
	}
	fields := core.ErrorFields(err)
	if len(fields) == 0 {
		t.Fatalf("query %q: error %v names no parameter", raw, err)
	}
	for _, f := range fields {
		if _, ok := q[f.Field]; !ok || f.Message == "" {
			t.Fatalf("query %q: error names %q (%q), not one of the query's parameters", raw, f.Field, f.Message)
		}
	}
}

// FuzzRegistryFilter: the list filter of every registry kind, fed any query
// string. A refused query names the parameter at fault; an accepted one is
// within the bounds the store relies on (page size, known categories,
// statuses and divisions, an ordered box, a whitelisted sort column, a
// known format), and the free-text search is passed on verbatim.
func FuzzRegistryFilter(f *testing.F) {
	tree, err := region.Baoshan()
	if err != nil {
		f.Fatal(err)
	}
	s := &Server{Regions: fixedRegions{tree}}
	kinds := registry.Kinds()
	for _, seed := range []string{
		"limit=10&offset=20&sort=-name&format=geojson",
		"bbox=98.5,24.5,99.5,25.5&crs=gcj02&division=530502",
		"q=' OR 1=1--&status=active&type=chemical",
		"limit=0", "limit=99999999999999999999", "offset=-1", "sort=name;DROP TABLE objects", "bbox=1,2,3",
		"owner_id=0", "enterprise_id=9223372036854775808", "unknown=1", "q=%00%ff", "division=5305&division=530502",
	} {
		for i := range kinds {
			f.Add(uint8(i), seed)
		}
	}
	f.Fuzz(func(t *testing.T, which uint8, raw string) {
		k := kinds[int(which)%len(kinds)]
		q, err := url.ParseQuery(raw)
		if err != nil {
			return // net/http answers such a request before any handler
		}
		h := &kindHandler{s: s, k: k}
		flt, format, err := h.filter(q)
		if err != nil {
			namesParam(t, raw, q, err)
			return
		}
		if flt.Kind != k.Name || flt.Limit < 1 || flt.Limit > maxLimit || flt.Offset < 0 {
			t.Fatalf("%s ?%s: filter %+v out of bounds", k.Name, raw, flt)
		}
		if !slices.Contains([]string{"", "json", "geojson", "csv"}, format) {
			t.Fatalf("%s ?%s: format %q", k.Name, raw, format)
		}
		if flt.Sort != "" && !slices.Contains([]string{"id", "name", "code", "updated_at", "created_at"}, strings.TrimPrefix(flt.Sort, "-")) {
			t.Fatalf("%s ?%s: sort %q reaches the store", k.Name, raw, flt.Sort)
		}
		for _, c := range flt.Categories {
			if !k.HasCategory(c) {
				t.Fatalf("%s ?%s: category %q", k.Name, raw, c)
			}
		}
		for _, st := range flt.Statuses {
			if !k.HasStatus(st) {
				t.Fatalf("%s ?%s: status %q", k.Name, raw, st)
			}
		}
		if flt.Division != "" {
			if _, ok := tree.Get(flt.Division); !ok {
				t.Fatalf("%s ?%s: division %q", k.Name, raw, flt.Division)
			}
		}
		if b := flt.BBox; b != nil && (b.Min[0] > b.Max[0] || b.Min[1] > b.Max[1]) {
			t.Fatalf("%s ?%s: box %v not ordered", k.Name, raw, b)
		}
		if flt.OwnerID < 0 || flt.EnterpriseID < 0 {
			t.Fatalf("%s ?%s: negative record ID in %+v", k.Name, raw, flt)
		}
		if flt.Query != q.Get("q") {
			t.Fatalf("%s ?%s: search %q, sent %q", k.Name, raw, flt.Query, q.Get("q"))
		}
	})
}

// FuzzIntParam: limit/offset style parameters. An accepted value is the
// number sent and within its bounds; a refused one names the parameter.
func FuzzIntParam(f *testing.F) {
	for _, s := range []string{"", "0", "1", "5000", "5001", "-1", "1e3", " 7", "0x10", "９", "99999999999999999999"} {
		f.Add(s, int16(1), int16(5000))
	}
	f.Fuzz(func(t *testing.T, v string, lo, hi int16) {
		q := url.Values{"limit": {v}}
		n, err := intParam(q, "limit", 100, int(lo), int(hi))
		if err != nil {
			namesParam(t, "limit="+v, q, err)
			return
		}
		if v == "" {
			if n != 100 {
				t.Fatalf("default = %d", n)
			}
			return
		}
		if n < int(lo) || n > int(hi) {
			t.Fatalf("intParam(%q, %d..%d) = %d out of bounds", v, lo, hi, n)
		}
	})
}

// FuzzTimeParam: from/to parameters, RFC 3339 or Unix milliseconds. An
// accepted time written back in either form reads as the same instant; a
// refused one names the parameter.
func FuzzTimeParam(f *testing.F) {
	for _, s := range []string{"", "2026-11-28T10:00:00+08:00", "2026-11-28T02:00:00.123456789Z", "1795831200000", "-1", "2026-13-01T00:00:00Z", "9223372036854775807", "now"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		got, err := timeParam(v, "from")
		if err != nil {
			namesParam(t, "from="+v, url.Values{"from": {v}}, err)
			return
		}
		if v == "" {
			if !got.IsZero() {
				t.Fatalf("empty = %v", got)
			}
			return
		}
		if got.Year() < 1 || got.Year() > 9999 {
			t.Fatalf("timeParam(%q) = %v: outside the years the stores hold", v, got)
		}
		again, err := timeParam(got.Format(time.RFC3339Nano), "from")
		if err != nil || !again.Equal(got) {
			t.Fatalf("timeParam(%q) = %v; its RFC 3339 form reads as %v, %v", v, got, again, err)
		}
		if ms, err := strconv.ParseInt(v, 10, 64); err == nil && got.UnixMilli() != ms {
			t.Fatalf("timeParam(%q) = %v, %d ms", v, got, got.UnixMilli())
		}
	})
}
