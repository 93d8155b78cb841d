package webui

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/png"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/yingji/yingji/internal/region"
)

// tileServer is a local tile server on its own origin: WMTS tiles by KVP
// (天地图 style) under /wmts, RESTful tiles under /rest/, and a WMTS
// capabilities document at /caps.xml (with CORS, as a real server must
// allow for the browser to read it). It records every request.
type tileServer struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []*url.URL
}

func startTileServer(t *testing.T) *tileServer {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewRGBA(image.Rect(0, 0, 256, 256))); err != nil {
		t.Fatal(err)
	}
	ts := &tileServer{}
	ts.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ts.mu.Lock()
		ts.reqs = append(ts.reqs, r.URL)
		ts.mu.Unlock()
		w.Header().Set("Access-Control-Allow-Origin", "*")
		switch {
		case r.URL.Path == "/caps.xml":
			w.Header().Set("Content-Type", "application/xml")
			fmt.Fprint(w, capabilities(ts.URL))
		case r.URL.Path == "/wmts" || strings.HasPrefix(r.URL.Path, "/rest/"):
			w.Header().Set("Content-Type", "image/png")
			w.Write(buf.Bytes())
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(ts.Close)
	return ts
}

func (ts *tileServer) requests() []*url.URL {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return append([]*url.URL(nil), ts.reqs...)
}

// waitFor waits until a request's path starts with prefix; the deadline
// only bounds a broken page.
func (ts *tileServer) waitFor(t *testing.T, prefix string) {
	t.Helper()
	for end := time.Now().Add(30 * time.Second); time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
		for _, u := range ts.requests() {
			if strings.HasPrefix(u.Path, prefix) {
				return
			}
		}
	}
	t.Fatalf("no request for %s* reached the tile server", prefix)
}

// capabilities is a WMTS 1.0.0 capabilities document with one layer
// "base" in a Web Mercator matrix set "gm" whose matrix identifiers are
// "L00"…"L14" (not the bare zoom level, so the test sees that the page
// takes them from the document). Scale denominators are those of OGC
// 07-057r7 Annex E.4 (GoogleMapsCompatible): 559082264.0287178 / 2^z.
func capabilities(base string) string {
	var tm strings.Builder
	for z := 0; z <= 14; z++ {
		n := 1 << z
		fmt.Fprintf(&tm, `<TileMatrix><ows:Identifier>L%02d</ows:Identifier><ScaleDenominator>%.10f</ScaleDenominator>
<TopLeftCorner>-20037508.3427892 20037508.3427892</TopLeftCorner><TileWidth>256</TileWidth><TileHeight>256</TileHeight>
<MatrixWidth>%d</MatrixWidth><MatrixHeight>%d</MatrixHeight></TileMatrix>`, z, 559082264.0287178/float64(n), n, n)
	}
	return `<?xml version="1.0" encoding="UTF-8"?>
<Capabilities xmlns="http://www.opengis.net/wmts/1.0" xmlns:ows="http://www.opengis.net/ows/1.1" xmlns:xlink="http://www.w3.org/1999/xlink" version="1.0.0">
<ows:ServiceIdentification><ows:Title>test</ows:Title><ows:ServiceType>OGC WMTS</ows:ServiceType><ows:ServiceTypeVersion>1.0.0</ows:ServiceTypeVersion></ows:ServiceIdentification>
<Contents>
<Layer><ows:Title>other</ows:Title><ows:Identifier>other</ows:Identifier><Style isDefault="true"><ows:Identifier>default</ows:Identifier></Style>
<Format>image/png</Format><TileMatrixSetLink><TileMatrixSet>gm</TileMatrixSet></TileMatrixSetLink>
<ResourceURL format="image/png" resourceType="tile" template="` + base + `/rest/other/{TileMatrixSet}/{TileMatrix}/{TileRow}/{TileCol}.png"/></Layer>
<Layer><ows:Title>base</ows:Title><ows:Identifier>base</ows:Identifier><Style isDefault="true"><ows:Identifier>default</ows:Identifier></Style>
<Format>image/png</Format><TileMatrixSetLink><TileMatrixSet>gm</TileMatrixSet></TileMatrixSetLink>
<ResourceURL format="image/png" resourceType="tile" template="` + base + `/rest/base/{TileMatrixSet}/{TileMatrix}/{TileRow}/{TileCol}.png"/></Layer>
<TileMatrixSet><ows:Identifier>gm</ows:Identifier><ows:SupportedCRS>urn:ogc:def:crs:EPSG::3857</ows:SupportedCRS>` + tm.String() + `</TileMatrixSet>
</Contents></Capabilities>`
}

// slippyTile is the column and row of the Web Mercator tile holding
// lon/lat at zoom z (the OSM "slippy map" formula, which the WMTS
// GoogleMapsCompatible set shares).
func slippyTile(lon, lat float64, z int) (col, row int) {
	n := math.Exp2(float64(z))
	col = int(math.Floor((lon + 180) / 360 * n))
	r := lat * math.Pi / 180
	row = int(math.Floor((1 - math.Log(math.Tan(r)+1/math.Cos(r))/math.Pi) / 2 * n))
	return
}

// mapCentre is the map's centre in lon/lat.
func mapCentre(t *testing.T, ctx context.Context) (float64, float64) {
	c := eval[[]float64](t, ctx, `ol.proj.toLonLat(yingji.map.getView().getCenter())`)
	return c[0], c[1]
}

// placedTree is the store's tree with positions of their own for two
// townships and a village of Longyang (the shipped data has none).
func placedTree(t testing.TB, tree *region.Tree) *region.Tree {
	t.Helper()
	divs := tree.All()
	placed := map[string]bool{}
	var towns []string
	for _, d := range tree.Children("530502") {
		if d.Level == region.Township && len(towns) < 2 {
			towns = append(towns, d.Code)
		}
	}
	village := tree.Children(towns[0])[0].Code
	c, _ := tree.Center("530502")
	for i := range divs {
		for j, code := range append(towns, village) {
			if divs[i].Code == code {
				p := c
				p[0] += 0.03 * float64(j+1)
				p[1] -= 0.02 * float64(j+1)
				divs[i].Center = &p
				placed[code] = true
			}
		}
	}
	bounds, _, err := region.ParseBoundaries(region.BaoshanBoundaries())
	if err != nil {
		t.Fatal(err)
	}
	nt, err := region.NewTree(divs, bounds)
	if err != nil || len(placed) != 3 {
		t.Fatalf("placed %v: %v", placed, err)
	}
	return nt
}

// A 天地图-style WMTS template with a key: the map requests its tiles with
// the key, the matrix being the zoom level and row/column those of the
// Web Mercator tiling. Townships and villages with positions of their own
// are labelled, each from its zoom level; those without get no label.
func TestBrowserWMTSTemplateAndLabels(t *testing.T) {
	tiles := startTileServer(t)
	h := newHarness(t, harnessOptions{tree: placedTree, ui: Options{TileKey: "test-key",
		TileWMTS: tiles.URL + "/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=vec&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={TileMatrix}&TILEROW={TileRow}&TILECOL={TileCol}&tk={key}"}})
	ctx := browser(t, 1280, 800)
	login(t, ctx, h, "")
	waitJS(t, ctx, "the first render", `yingji.rendered === true`)
	tiles.waitFor(t, "/wmts")
	lon, lat := mapCentre(t, ctx)
	reqs := tiles.requests()
	if len(reqs) == 0 {
		t.Fatal("no WMTS tile was requested")
	}
	z := -1
	found := false
	for _, u := range reqs {
		q := u.Query()
		if u.Path != "/wmts" || q.Get("tk") != "test-key" || q.Get("LAYER") != "vec" {
			t.Errorf("tile request %s", u)
			continue
		}
		fmt.Sscan(q.Get("TILEMATRIX"), &z)
		col, row := slippyTile(lon, lat, z)
		if q.Get("TILECOL") == fmt.Sprint(col) && q.Get("TILEROW") == fmt.Sprint(row) {
			found = true
		}
	}
	if !found {
		t.Errorf("none of the %d tile requests (last zoom %d) holds the map centre %.4f, %.4f", len(reqs), z, lon, lat)
	}

	// Labels: the two placed townships and the placed village only.
	n := eval[[]int](t, ctx, `[yingji.labels.township.getFeatures().length, yingji.labels.village.getFeatures().length]`)
	if fmt.Sprint(n) != "[2 1]" {
		t.Errorf("labels: %v townships and villages, want [2 1] (only those with positions)", n)
	}
	vis := func() string {
		return fmt.Sprint(eval[[]bool](t, ctx, `[yingji.labelLayers.township.isVisible(), yingji.labelLayers.village.isVisible()]`))
	}
	if got := vis(); got != "[false false]" {
		t.Errorf("at the whole-city view the township and village labels show: %s", got)
	}
	zoomTo := func(z int) {
		run(t, ctx, "zoom", chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => { const f = yingji.labels.township.getFeatures()[0];
			yingji.map.getView().setCenter(f.getGeometry().getCoordinates()); yingji.map.getView().setZoom(%d); yingji.map.renderSync(); })()`, z)))
	}
	zoomTo(11)
	if got := vis(); got != "[true false]" {
		t.Errorf("at zoom 11 township/village labels visible = %s, want [true false]", got)
	}
	screenshot(t, ctx, "onemap-township-labels")
	zoomTo(14)
	if got := vis(); got != "[true true]" {
		t.Errorf("at zoom 14 township/village labels visible = %s, want [true true]", got)
	}
}

// A WMTS capabilities URL: the page reads the document, takes the layer
// named after #layer= and its matrix identifiers, and requests the tiles
// from the layer's ResourceURL template.
func TestBrowserWMTSCapabilities(t *testing.T) {
	tiles := startTileServer(t)
	h := newHarness(t, harnessOptions{ui: Options{TileWMTS: tiles.URL + "/caps.xml#layer=base"}})
	ctx := browser(t, 1280, 800)
	login(t, ctx, h, "")
	waitJS(t, ctx, "the capabilities", `!!yingji.wmts`)
	if got := eval[map[string]any](t, ctx, `yingji.wmts`); got["layer"] != "base" || got["matrixSet"] != "gm" {
		t.Fatalf("WMTS from the capabilities: %v", got)
	}
	run(t, ctx, "render", chromedp.Evaluate[chromedp.Void](`yingji.map.renderSync()`))
	tiles.waitFor(t, "/rest/base/")
	lon, lat := mapCentre(t, ctx)
	found := false
	var paths []string
	for _, u := range tiles.requests() {
		paths = append(paths, u.Path)
		var z, row, col int
		if n, _ := fmt.Sscanf(u.Path, "/rest/base/gm/L%02d/%d/%d.png", &z, &row, &col); n == 3 {
			c, r := slippyTile(lon, lat, z)
			found = found || (c == col && r == row)
		} else if u.Path != "/caps.xml" {
			t.Errorf("unexpected request %s", u)
		}
	}
	if !found {
		t.Errorf("no tile of layer base at the map centre %.4f, %.4f was requested: %v", lon, lat, paths)
	}
}

// The WMTS option is checked at start-up and the key filled in.
func TestTileWMTSChecked(t *testing.T) {
	const tmpl = "https://t0.tianditu.gov.cn/vec_w/wmts?SERVICE=WMTS&REQUEST=GetTile&LAYER=vec&TILEMATRIXSET=w&TILEMATRIX={TileMatrix}&TILEROW={TileRow}&TILECOL={TileCol}&tk={key}"
	for _, bad := range []Options{
		{TileWMTS: tmpl}, // {key} without a key
		{TileWMTS: "javascript:alert(1)//{TileMatrix}{TileRow}{TileCol}"},   // not http(s)
		{TileWMTS: "https://tiles.example/wmts/{TileMatrix}/{TileRow}.png"}, // no {TileCol}
		{TileWMTS: "https:///caps.xml"},                                     // no host
	} {
		if _, err := New(bad); err == nil {
			t.Errorf("New accepted %q", bad.TileWMTS)
		}
	}
	s, err := New(Options{TileWMTS: tmpl, TileKey: "a&b"})
	if err != nil {
		t.Fatal(err)
	}
	page := body(t, get(t, s.Handler(), "/", &http.Cookie{Name: SessionCookie, Value: "x"}))
	if !strings.Contains(page, `tk=a%26b"`) {
		t.Errorf("the map page does not carry the escaped key:\n%s", page)
	}
	if strings.Contains(page, "{key}") {
		t.Error("the page still holds {key}")
	}
	s, err = New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	if page := body(t, get(t, s.Handler(), "/", &http.Cookie{Name: SessionCookie, Value: "x"})); !strings.Contains(page, `data-tile-wmts=""`) {
		t.Error("without the option the page names a WMTS source")
	}
}
