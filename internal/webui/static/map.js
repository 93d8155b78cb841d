// map.js: the one-map page (一张图). An OpenLayers map over the offline
// county boundaries (and an optional XYZ tile source), one clustered layer
// per registry kind with a legend and a count, search that flies to a
// feature, a detail panel on click, and point colours from the alarm feed.
(function () {
  'use strict';
  const { t, api, el } = Y;
  const LAYERS = [
    ['monitoring-points', '#2f7ed8'], ['enterprises', '#e8590c'], ['hazard-sources', '#c92a2a'],
    ['facilities', '#8d6e63'], ['geohazard-points', '#a0522d'], ['lifeline-assets', '#6f42c1'],
    ['rescue-teams', '#d6336c'], ['warehouses', '#1c7ed6'], ['shelters', '#2b8a3e'],
    ['experts', '#ae3ec9'], ['vehicles', '#495057'],
  ];
  const INDUSTRY = ['#e6550d', '#3182bd', '#31a354', '#756bb1', '#d6616b', '#8c6d31', '#17becf',
    '#bcbd22', '#7f7f7f', '#e377c2', '#393b79', '#637939', '#ad494a', '#6baed6'];
  const STATE = { normal: '#2b8a3e', blue: '#1971c2', yellow: '#f0c419', orange: '#f76707', red: '#e03131', offline: '#868e96' };
  const RANK = { offline: 0, normal: 1, blue: 2, yellow: 3, orange: 4, red: 5 };
  const layers = {}; // path → {kind, layer, source, cluster, total, color}
  const alarmByPoint = new Map(); // point code → worst open alarm
  const divisions = new Map(); // code → name
  const styles = new Map();
  const mapEl = document.getElementById('map');
  const view = new ol.View({ center: ol.proj.fromLonLat([99.17, 25.12]), zoom: 8 });
  const base = [];
  if (mapEl.dataset.tileTemplate) {
    base.push(new ol.layer.Tile({ source: new ol.source.XYZ({ url: mapEl.dataset.tileTemplate, attributions: mapEl.dataset.tileAttr || undefined }) }));
  }
  const wmts = wmtsLayer(mapEl.dataset.tileWmts, mapEl.dataset.tileAttr);
  if (wmts) base.push(wmts);
  const divSource = new ol.source.Vector();
  base.push(new ol.layer.Vector({ source: divSource, style: divisionStyle, declutter: true }));
  // Township and village names at their own positions (a division placed
  // only through its parent has none and gets no label): townships from
  // about zoom 10, villages from about zoom 13.
  const labelSource = { township: new ol.source.Vector(), village: new ol.source.Vector() };
  const labelLayers = {
    township: new ol.layer.Vector({ source: labelSource.township, maxResolution: 160, declutter: true, zIndex: 1,
      style: labelStyle('13px sans-serif', '#22384f') }),
    village: new ol.layer.Vector({ source: labelSource.village, maxResolution: 20, declutter: true, zIndex: 1,
      style: labelStyle('11px sans-serif', '#4a6076') }),
  };
  base.push(labelLayers.township, labelLayers.village);
  const map = new ol.Map({ target: mapEl, layers: base, view: view, controls: ol.control.defaults.defaults({ attributionOptions: { collapsible: true } }) });
  const yj = (window.yingji = { map: map, layers: layers, ready: false });
  const highlight = new ol.source.Vector();
  map.addLayer(new ol.layer.Vector({ source: highlight, zIndex: 30, style: new ol.style.Style({
    image: new ol.style.Circle({ radius: 15, stroke: new ol.style.Stroke({ color: '#e03131', width: 3 }) }) }) }));

  function labelStyle(font, color) {
    return function (f) {
      return new ol.style.Style({ text: new ol.style.Text({ text: f.get('name'), font: font, fill: new ol.style.Fill({ color: color }),
        stroke: new ol.style.Stroke({ color: '#fff', width: 3 }) }) });
    };
  }

  // wmtsLayer is the optional WMTS base layer: a tile template with
  // {TileMatrix}/{TileRow}/{TileCol} in the Web Mercator matrix set whose
  // matrix identifiers are the zoom levels (天地图 style), or a
  // GetCapabilities URL ("#layer=NAME" picks the layer, else the first),
  // read once from the browser.
  function wmtsLayer(src, attr) {
    if (!src) return null;
    const layer = new ol.layer.Tile({ preload: 0 });
    const attributions = attr || undefined;
    if (src.indexOf('{TileMatrix}') >= 0) {
      const grid = ol.tilegrid.createXYZ({ extent: ol.proj.get('EPSG:3857').getExtent(), maxZoom: 18 });
      const ids = grid.getResolutions().map(function (r, z) { return String(z); });
      layer.setSource(new ol.source.WMTS({ url: src, requestEncoding: 'REST', layer: '', style: 'default', matrixSet: 'w',
        attributions: attributions, projection: 'EPSG:3857',
        tileGrid: new ol.tilegrid.WMTS({ origin: ol.extent.getTopLeft(ol.proj.get('EPSG:3857').getExtent()), resolutions: grid.getResolutions(), matrixIds: ids }) }));
      return layer;
    }
    const hash = src.indexOf('#');
    const wanted = hash >= 0 ? new URLSearchParams(src.slice(hash + 1)).get('layer') : null;
    const capsURL = hash >= 0 ? src.slice(0, hash) : src;
    fetch(capsURL, { credentials: 'omit' }).then(function (res) {
      if (!res.ok) throw new Error(res.status + ' ' + res.statusText);
      return res.text();
    }).then(function (text) {
      const caps = new ol.format.WMTSCapabilities().read(text);
      const layers = (caps.Contents && caps.Contents.Layer) || [];
      const name = wanted || (layers[0] && layers[0].Identifier);
      const opts = name && ol.source.WMTS.optionsFromCapabilities(caps, { layer: name, projection: 'EPSG:3857' });
      if (!opts) throw new Error('layer ' + name + ' in EPSG:3857 not in the capabilities');
      opts.attributions = attributions;
      layer.setSource(new ol.source.WMTS(opts));
      window.yingji.wmts = { layer: name, matrixSet: opts.matrixSet };
    }).catch(function (e) {
      console.error('WMTS capabilities', capsURL, e);
      window.yingji.wmts = { error: String(e.message || e) };
    });
    return layer;
  }

  function divisionStyle(f, res) {
    const county = f.get('level') === 'county';
    return new ol.style.Style({
      fill: new ol.style.Fill({ color: county ? 'rgba(240,244,248,0.55)' : 'rgba(0,0,0,0)' }),
      stroke: new ol.style.Stroke({ color: county ? '#8aa1b8' : '#34506b', width: county ? 1 : 2.5 }),
      text: county && res < 600 ? new ol.style.Text({ text: f.get('name'), font: '14px sans-serif', fill: new ol.style.Fill({ color: '#34506b' }), stroke: new ol.style.Stroke({ color: '#fff', width: 3 }), overflow: true }) : undefined,
    });
  }

  // pointState is a monitoring point's colour key: offline when not in
  // service or silent, else its worst open alarm level, else normal.
  function pointState(p) {
    if (p.status && p.status !== 'active') return 'offline';
    const a = alarmByPoint.get(p.code);
    if (!a) return 'normal';
    return a.kind === 'stale' ? 'offline' : a.level;
  }

  function colorOf(path, p) {
    const L = layers[path];
    if (path === 'monitoring-points') return STATE[pointState(p)];
    if (path === 'enterprises') return L.catColor[p[L.kind.category_field]] || L.color;
    return L.color;
  }

  function dot(color, r, text) {
    const key = color + r + (text || '');
    if (!styles.has(key)) {
      styles.set(key, new ol.style.Style({
        image: new ol.style.Circle({ radius: r, fill: new ol.style.Fill({ color: color }), stroke: new ol.style.Stroke({ color: '#fff', width: text ? 2 : 1.2 }) }),
        text: text ? new ol.style.Text({ text: text, font: 'bold 11px sans-serif', fill: new ol.style.Fill({ color: '#fff' }) }) : undefined,
      }));
    }
    return styles.get(key);
  }

  function clusterStyle(path) {
    return function (f) {
      const members = f.get('features');
      if (members.length === 1) return dot(colorOf(path, members[0].get('p')), 6);
      let color = layers[path].color;
      if (path === 'monitoring-points') {
        let worst = 'offline';
        for (const m of members) { const s = pointState(m.get('p')); if (RANK[s] > RANK[worst]) worst = s; }
        color = STATE[worst];
      }
      return dot(color, Math.min(8 + Math.log2(members.length) * 2, 17), String(members.length));
    };
  }

  async function loadLayer(kind, color) {
    const path = kind.path;
    const fc = await api('/api/v1/' + path + '?format=geojson&limit=5000');
    const feats = [];
    for (const g of fc.features || []) {
      const p = g.properties || {};
      if (typeof p.lon !== 'number' || typeof p.lat !== 'number') continue;
      const f = new ol.Feature({ geometry: new ol.geom.Point(ol.proj.fromLonLat([p.lon, p.lat])), p: p });
      f.setId(path + ':' + p.id);
      feats.push(f);
    }
    const source = new ol.source.Vector({ features: feats });
    const cluster = new ol.source.Cluster({ distance: 34, minDistance: 10, source: source });
    const catColor = {};
    (kind.categories || []).forEach(function (c, i) { catColor[c.Value] = INDUSTRY[i % INDUSTRY.length]; });
    const L = { kind: kind, source: source, cluster: cluster, total: fc.total, color: color, catColor: catColor };
    layers[path] = L;
    L.layer = new ol.layer.Vector({ source: cluster, style: clusterStyle(path), zIndex: path === 'monitoring-points' ? 20 : 10 });
    L.layer.set('kindPath', path);
    map.addLayer(L.layer);
    return L;
  }

  function legendItem(path) {
    const L = layers[path];
    const box = el('input', { type: 'checkbox', id: 'layer-' + path, checked: true, 'data-layer': path });
    box.addEventListener('change', function () { L.layer.setVisible(box.checked); });
    const li = el('li', { class: 'legend-item', 'data-layer': path },
      el('label', { for: 'layer-' + path }, box, el('span', { class: 'swatch', style: 'background:' + L.color }),
        el('span', { class: 'name' }, Y.label(L.kind)), el('span', { class: 'count', 'data-count': L.total }, Y.num(L.total))));
    const sub = el('ul', { class: 'sublegend' });
    if (path === 'enterprises') {
      const counts = {};
      L.source.getFeatures().forEach(function (f) { const c = f.get('p')[L.kind.category_field]; counts[c] = (counts[c] || 0) + 1; });
      for (const c of L.kind.categories || []) {
        if (!counts[c.Value]) continue;
        sub.append(el('li', {}, el('span', { class: 'swatch', style: 'background:' + L.catColor[c.Value] }), Y.label(c), el('span', { class: 'count' }, Y.num(counts[c.Value]))));
      }
    }
    if (path === 'monitoring-points') L.stateList = sub;
    li.append(sub);
    return li;
  }

  let statesStale = false;
  map.on('moveend', function () { if (statesStale) { statesStale = false; refreshStates(); } });
  function refreshStates() {
    const L = layers['monitoring-points'];
    if (!L) return;
    const counts = {};
    L.source.getFeatures().forEach(function (f) { const s = pointState(f.get('p')); counts[s] = (counts[s] || 0) + 1; });
    L.stateList.replaceChildren.apply(L.stateList, Object.keys(STATE).map(function (s) {
      return el('li', { 'data-state': s }, el('span', { class: 'swatch', style: 'background:' + STATE[s] }), t('pointstate.' + s), el('span', { class: 'count' }, Y.num(counts[s] || 0)));
    }));
    L.layer.changed();
  }

  function findFeature(code) {
    for (const path in layers) {
      const f = layers[path].source.getFeatures().find(function (x) { return x.get('p').code === code; });
      if (f) return { path: path, f: f };
    }
    return null;
  }

  // select flies to a feature and opens its detail panel.
  function select(path, f) {
    const L = layers[path];
    L.layer.setVisible(true);
    document.getElementById('layer-' + path).checked = true;
    view.animate({ center: f.getGeometry().getCoordinates(), zoom: Math.max(view.getZoom(), 15), duration: 700 });
    highlight.clear();
    highlight.addFeature(new ol.Feature(f.getGeometry().clone()));
    const p = f.get('p');
    YDetail.show(p, L.kind, function (c) { return divisions.get(c); }, path === 'monitoring-points' ? pointState(p) : null);
    yj.selected = p.code;
  }

  function setupSearch() {
    const input = document.getElementById('search');
    const out = document.getElementById('search-results');
    let hits = [];
    function run() {
      const q = input.value.trim().toLowerCase();
      hits = [];
      if (q) {
        for (const path in layers) {
          for (const f of layers[path].source.getFeatures()) {
            const p = f.get('p');
            if (String(p.name).toLowerCase().includes(q) || String(p.code).toLowerCase().includes(q)) hits.push({ path: path, f: f });
            if (hits.length >= 12) break;
          }
          if (hits.length >= 12) break;
        }
      }
      out.replaceChildren.apply(out, hits.map(function (h) {
        const p = h.f.get('p');
        return el('li', { onclick: function () { choose(h); } }, el('strong', {}, p.name), el('small', {}, Y.label(layers[h.path].kind) + ' · ' + p.code));
      }));
      if (q && !hits.length) out.append(el('li', { class: 'muted' }, t('map.search.none')));
      out.hidden = !q;
    }
    function choose(h) { out.hidden = true; select(h.path, h.f); }
    input.addEventListener('input', run);
    input.addEventListener('keydown', function (ev) {
      if (ev.key === 'Enter') { ev.preventDefault(); run(); if (hits.length) choose(hits[0]); }
      if (ev.key === 'Escape') out.hidden = true;
    });
  }

  map.on('singleclick', function (e) {
    const hit = map.forEachFeatureAtPixel(e.pixel, function (f, layer) { return [f, layer]; }, { layerFilter: function (l) { return !!l.get('kindPath'); } });
    if (!hit) return;
    const members = hit[0].get('features');
    const path = hit[1].get('kindPath');
    if (members.length > 1) {
      const ext = ol.extent.boundingExtent(members.map(function (m) { return m.getGeometry().getCoordinates(); }));
      if (ol.extent.getWidth(ext) > 1 || ol.extent.getHeight(ext) > 1) { view.fit(ext, { duration: 500, padding: [60, 60, 60, 60], maxZoom: 17 }); return; }
    }
    select(path, members[0]);
  });

  function setupPanels() {
    const phone = window.matchMedia('(max-width: 640px)');
    const panels = { layers: document.getElementById('layers-panel'), alarms: document.getElementById('alarm-panel') };
    if (phone.matches) { panels.layers.classList.add('collapsed'); panels.alarms.classList.add('collapsed'); }
    for (const name in panels) {
      document.getElementById('toggle-' + name).addEventListener('click', function () {
        const willOpen = panels[name].classList.contains('collapsed');
        if (phone.matches) for (const o in panels) panels[o].classList.add('collapsed');
        panels[name].classList.toggle('collapsed', !willOpen);
      });
    }
  }

  // hitTest centres a layer's first feature and reports how many of the
  // layer's rendered features are under it (0 when the layer is hidden).
  yj.hitTest = function (path) {
    const f = layers[path].source.getFeatures()[0];
    view.setCenter(f.getGeometry().getCoordinates());
    view.setZoom(17);
    map.renderSync();
    const px = map.getPixelFromCoordinate(f.getGeometry().getCoordinates());
    return map.getFeaturesAtPixel(px, { layerFilter: function (l) { return l === layers[path].layer; }, hitTolerance: 2 }).length;
  };
  yj.pointState = function (code) { const h = findFeature(code); return h ? pointState(h.f.get('p')) : null; };

  // placeLabels adds the township and village labels. The API gives every
  // division a centre, its own or else its nearest placed ancestor's; a
  // centre equal to the parent's is borrowed and gets no label.
  function placeLabels(dfs, towns, villages) {
    const centre = new Map();
    dfs.forEach(function (f) { const c = f.get('center'); if (c) centre.set(f.get('code'), c); });
    [towns, villages].forEach(function (ds) { ds.forEach(function (d) { if (d.center) centre.set(d.code, d.center); }); });
    const own = function (d) {
      const p = centre.get(d.parent_code);
      return d.center && !(p && p[0] === d.center[0] && p[1] === d.center[1]);
    };
    [['township', towns], ['village', villages]].forEach(function (x) {
      labelSource[x[0]].addFeatures(x[1].filter(own).map(function (d) {
        return new ol.Feature({ geometry: new ol.geom.Point(ol.proj.fromLonLat(d.center)), name: d.name, code: d.code, level: x[0] });
      }));
    });
  }
  yj.labels = labelSource;
  yj.labelLayers = labelLayers;

  async function main() {
    setupPanels();
    setupSearch();
    const none = function () { return { items: [] }; };
    const [kinds, divs, towns, villages] = await Promise.all([api('/api/v1/registry/kinds'), api('/api/v1/divisions?format=geojson'),
      api('/api/v1/divisions?level=township').catch(none), api('/api/v1/divisions?level=village').catch(none)]);
    for (const d of towns.items || []) divisions.set(d.code, d.name);
    const fmt = new ol.format.GeoJSON({ featureProjection: 'EPSG:3857' });
    const dfs = fmt.readFeatures(divs);
    dfs.forEach(function (f) { divisions.set(f.get('code'), f.get('name')); });
    placeLabels(dfs, towns.items || [], villages.items || []);
    divSource.addFeatures(dfs);
    if (dfs.length) view.fit(divSource.getExtent(), { padding: [20, 20, 20, 20] });
    const byPath = {};
    for (const k of kinds.items || []) byPath[k.path] = k;
    await Promise.all(LAYERS.filter(function (l) { return byPath[l[0]]; }).map(function (l) { return loadLayer(byPath[l[0]], l[1]); }));
    const legend = document.getElementById('legend');
    legend.replaceChildren.apply(legend, LAYERS.filter(function (l) { return layers[l[0]]; }).map(function (l) { return legendItem(l[0]); }));
    refreshStates();
    // yingji-map-ready marks the first complete render with every layer's
    // features drawn (read with the Performance API; see perf_test.go).
    map.once('rendercomplete', function () {
      performance.mark('yingji-map-ready');
      yj.rendered = true;
    });
    map.render();
    yj.ready = true;
    const counties = dfs.filter(function (f) { return f.get('level') === 'county'; })
      .map(function (f) { return { code: f.get('code'), name: f.get('name') }; })
      .sort(function (a, b) { return String(a.code).localeCompare(String(b.code)); });
    YAlarms.start({
      counties: counties,
      industries: byPath['enterprises'] ? byPath['enterprises'].categories : [],
      changed: function (all) {
        alarmByPoint.clear();
        for (const a of all) { const o = alarmByPoint.get(a.point); if (!o || RANK[a.level] > RANK[o.level]) alarmByPoint.set(a.point, a); }
        // while the user pans or zooms, the recolouring waits for the move
        // to end rather than redrawing every point under their hand.
        if (view.getInteracting() || view.getAnimating()) { statesStale = true; return; }
        refreshStates();
      },
      latest: YDetail.latest,
      select: function (code) { const h = findFeature(code); if (h) select(h.path, h.f); },
    });
  }
  main().catch(function (e) {
    document.getElementById('legend').replaceChildren(el('li', { class: 'error' }, t('error.generic', { detail: e.message })));
  });
})();

// The open incidents on the one-map (from GET /api/v1/incidents?format=geojson),
// coloured by grade; a click opens the incident's page. Users without the
// incidents.read permission get a 403 and no layer.
(function () {
  'use strict';
  const COLORS = { 1: '#c92a2a', 2: '#e8590c', 3: '#e0a800', 4: '#1971c2' };
  const styles = {};
  function style(f) {
    const lv = f.get('level');
    if (!styles[lv]) {
      styles[lv] = new ol.style.Style({ image: new ol.style.RegularShape({ points: 3, radius: 11, fill: new ol.style.Fill({ color: COLORS[lv] || '#868e96' }),
        stroke: new ol.style.Stroke({ color: '#fff', width: 2 }) }) });
    }
    return styles[lv];
  }
  const timer = setInterval(async function () {
    const yj = window.yingji;
    if (!yj || !yj.ready) return;
    clearInterval(timer);
    let fc;
    try { fc = await Y.api('/api/v1/incidents?format=geojson&status=open&limit=1000', { noRedirect: true }); } catch (e) { return; }
    const source = new ol.source.Vector({ features: new ol.format.GeoJSON({ featureProjection: 'EPSG:3857' }).readFeatures(fc) });
    const layer = new ol.layer.Vector({ source: source, style: style, zIndex: 25 });
    yj.map.addLayer(layer);
    yj.incidents = { layer: layer, source: source };
    yj.map.on('click', function (ev) {
      const hit = yj.map.forEachFeatureAtPixel(ev.pixel, function (f) { return f; }, { layerFilter: function (l) { return l === layer; }, hitTolerance: 3 });
      if (hit) location.href = '/incidents/' + hit.get('id');
    });
  }, 200);
})();

// The active-warnings layer (public warnings): the areas of the warnings
// in force, coloured by level and refreshed every minute; silent when the
// server has no warnings routes or the user may not read them.
(function () {
  'use strict';
  const yj = window.yingji;
  if (!yj || !yj.map) return;
  const color = { red: '#e03131', orange: '#f76707', yellow: '#f0c419', blue: '#1971c2' };
  const source = new ol.source.Vector();
  const layer = new ol.layer.Vector({ source: source, zIndex: 5, style: function (f) {
    const c = color[f.get('level')] || '#868e96';
    return new ol.style.Style({ fill: new ol.style.Fill({ color: c + '33' }), stroke: new ol.style.Stroke({ color: c, width: 2, lineDash: [6, 4] }) });
  } });
  layer.set('name', 'warnings');
  yj.map.addLayer(layer);
  yj.warnings = source;
  const fmt = new ol.format.GeoJSON();
  async function load() {
    try {
      const fc = await Y.api('/api/v1/warnings?view=active&format=geojson&limit=500', { noRedirect: true });
      source.clear();
      source.addFeatures(fmt.readFeatures(fc, { featureProjection: 'EPSG:3857' }));
      yj.warningsLoaded = true;
    } catch (e) { /* warnings not enabled here, or not permitted */ }
  }
  load();
  setInterval(load, 60000);
})();

// The enterprise-risk layer (supervision): coloured by the current grade,
// off until switched on; absent when the API has no supervision area or
// the user may not read it.
(function () {
  'use strict';
  const COLORS = { red: '#e03131', orange: '#f76707', yellow: '#fab005', blue: '#1c7ed6' };
  function start() {
    const yj = window.yingji;
    if (!yj || !yj.ready) { setTimeout(start, 200); return; }
    Y.api('/api/v1/enterprise-risk?format=geojson', { noRedirect: true }).then(function (fc) {
      const source = new ol.source.Vector({ features: new ol.format.GeoJSON().readFeatures(fc, { featureProjection: 'EPSG:3857' }) });
      const layer = new ol.layer.Vector({ source: source, visible: false, zIndex: 20, style: function (f) {
        return new ol.style.Style({ image: new ol.style.RegularShape({ points: 4, radius: 8, angle: Math.PI / 4,
          fill: new ol.style.Fill({ color: COLORS[f.get('color')] || '#868e96' }), stroke: new ol.style.Stroke({ color: '#fff', width: 1.5 }) }) });
      } });
      yj.map.addLayer(layer);
      yj.riskLayer = layer;
      const box = Y.el('input', { type: 'checkbox', id: 'risk-layer-toggle', onchange: function () { layer.setVisible(box.checked); } });
      const legend = document.getElementById('legend');
      legend.after(Y.el('label', { class: 'risk-toggle' }, box, ' ' + Y.t('sv.map.risk') + ' (' + source.getFeatures().length + ')'));
    }).catch(function () { /* no supervision area, or no permission */ });
  }
  start();
})();
