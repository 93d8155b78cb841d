// models.js: the decision-support page (辅助决策). A form runs one hazard
// model through the API (POST /api/v1/models/<kind> or /api/v1/exposure),
// the answer's GeoJSON zones are drawn on an OpenLayers map over the county
// boundaries, and the exposure inside every zone is listed beside it. The
// latest external feed events are listed under the form; a quake event
// fills the earthquake form.
(function () {
  'use strict';
  const { t, api, el } = Y;
  const form = document.getElementById('model-form');
  const kindSel = document.getElementById('in-kind');
  const errBox = document.getElementById('model-error');
  const summary = document.getElementById('model-summary');
  const zonesBox = document.getElementById('model-zones');
  const $ = (id) => document.getElementById(id);
  const num = (id) => Number($(id).value);
  const LEVEL = { blue: '#1971c2', yellow: '#f0c419', orange: '#f76707', red: '#e03131' };
  const INTENSITY = { 6: '#ffd43b', 7: '#ff922b', 8: '#f03e3e', 9: '#c2255c', 10: '#862e9c', 11: '#5f3dc4', 12: '#364fc7' };
  const RAMP = ['#fcc419', '#ff922b', '#f03e3e', '#c2255c', '#862e9c'];
  const kindLabels = {};
  const yj = (window.yingjiModels = { ready: false, last: null });

  const mapEl = $('model-map');
  const base = [];
  if (mapEl.dataset.tileTemplate) {
    base.push(new ol.layer.Tile({ source: new ol.source.XYZ({ url: mapEl.dataset.tileTemplate, attributions: mapEl.dataset.tileAttr || undefined }) }));
  }
  const divSource = new ol.source.Vector();
  base.push(new ol.layer.Vector({ source: divSource, style: new ol.style.Style({
    fill: new ol.style.Fill({ color: 'rgba(240,244,248,0.55)' }), stroke: new ol.style.Stroke({ color: '#8aa1b8', width: 1 }) }) }));
  const zoneSource = new ol.source.Vector();
  const pinSource = new ol.source.Vector();
  const map = new ol.Map({ target: mapEl, layers: base, view: new ol.View({ center: ol.proj.fromLonLat([99.17, 25.12]), zoom: 8 }) });
  map.addLayer(new ol.layer.Vector({ source: zoneSource, style: zoneStyle, zIndex: 10 }));
  map.addLayer(new ol.layer.Vector({ source: pinSource, zIndex: 20, style: new ol.style.Style({
    image: new ol.style.Circle({ radius: 6, fill: new ol.style.Fill({ color: '#212529' }), stroke: new ol.style.Stroke({ color: '#fff', width: 2 }) }) }) }));
  const geo = new ol.format.GeoJSON({ featureProjection: 'EPSG:3857' });

  function zoneStyle(f) {
    const p = f.getProperties();
    let color = RAMP[(p.rank || 0) % RAMP.length];
    if (p.intensity) color = INTENSITY[p.intensity] || '#364fc7';
    if (p.level) color = LEVEL[p.level] || '#868e96';
    if (f.getGeometry().getType() === 'Point') {
      return new ol.style.Style({ image: new ol.style.Circle({ radius: 5, fill: new ol.style.Fill({ color: color }), stroke: new ol.style.Stroke({ color: '#fff', width: 1 }) }) });
    }
    return new ol.style.Style({ fill: new ol.style.Fill({ color: color + '55' }), stroke: new ol.style.Stroke({ color: color, width: 2 }) });
  }

  function showFields() {
    const k = kindSel.value;
    form.querySelectorAll('[data-for]').forEach(function (d) { d.hidden = !d.dataset.for.split(' ').includes(k); });
  }
  kindSel.addEventListener('change', showFields);
  showFields();

  function setPin(lon, lat) {
    $('in-lon').value = lon.toFixed(4);
    $('in-lat').value = lat.toFixed(4);
    pinSource.clear();
    pinSource.addFeature(new ol.Feature(new ol.geom.Point(ol.proj.fromLonLat([lon, lat]))));
  }
  map.on('singleclick', function (ev) {
    const ll = ol.proj.toLonLat(ev.coordinate);
    setPin(ll[0], ll[1]);
  });

  // csvRows reads a small CSV with a header into objects.
  function csvRows(text) {
    const lines = text.trim().split(/\r?\n/).filter(Boolean);
    const head = lines.shift().split(',').map((s) => s.trim());
    return lines.map(function (l) {
      const cells = l.split(',');
      const o = {};
      head.forEach(function (h, i) { o[h] = (cells[i] || '').trim(); });
      return o;
    });
  }

  function request() {
    const k = kindSel.value;
    const lon = num('in-lon'), lat = num('in-lat');
    switch (k) {
      case 'quake':
        return ['/api/v1/models/quake', { lon: lon, lat: lat, magnitude: num('in-magnitude'), depth_km: num('in-depth'), azimuth: num('in-azimuth') }];
      case 'plume':
        return ['/api/v1/models/plume', { lon: lon, lat: lat, q: num('in-q'), u: num('in-u'), class: $('in-class').value,
          wind_from: num('in-windfrom'), substance: $('in-substance').value,
          levels: $('in-levels').value.split(',').map((s) => s.trim()).filter(Boolean) }];
      case 'blast':
        return ['/api/v1/models/blast', { lon: lon, lat: lat, tnt_kg: num('in-tnt') }];
      case 'exposure':
        return ['/api/v1/exposure', { circle: { lon: lon, lat: lat, radius_m: num('in-radius') } }];
      case 'landslide':
        return ['/api/v1/models/landslide', { readings: csvRows($('in-readings').value).map((r) => ({ gauge: r.gauge, t: r.t, mm: Number(r.mm) })) }];
      case 'fwi':
        return ['/api/v1/models/fwi', { days: csvRows($('in-weather').value).map((r) => ({ date: r.date, temp: Number(r.temp), rh: Number(r.rh), wind: Number(r.wind), rain: Number(r.rain) })) }];
    }
  }

  form.addEventListener('submit', async function (ev) {
    ev.preventDefault();
    Y.clearFieldErrors(form);
    errBox.hidden = true;
    const [path, body] = request();
    $('model-run').disabled = true;
    try {
      const res = await api(path, { method: 'POST', body: body });
      yj.last = { kind: kindSel.value, res: res };
      render(kindSel.value, res);
    } catch (e) {
      let shown = false;
      for (const fe of (e.problem && e.problem.errors) || []) shown = Y.fieldError(form, fe.field, (fe.row ? t('models.row', { row: fe.row }) : '') + fe.message) || shown;
      if (!shown) { errBox.textContent = t('error.generic', { detail: e.message }); errBox.hidden = false; }
    } finally {
      $('model-run').disabled = false;
    }
  });

  function drawZones(fc) {
    zoneSource.clear();
    yj.drawn = -1;
    map.once('rendercomplete', function () { yj.drawn = zoneSource.getFeatures().length; });
    map.render();
    if (!fc || !fc.features || !fc.features.length) return;
    const feats = geo.readFeatures(fc);
    feats.forEach(function (f, i) { if (f.get('rank') === undefined) f.set('rank', i); });
    zoneSource.addFeatures(feats);
    map.getView().fit(zoneSource.getExtent(), { padding: [40, 420, 40, 340], maxZoom: 14 });
  }

  function objectsText(objs) {
    const parts = Object.entries(objs || {}).sort().map(([k, n]) => (kindLabels[k] || k) + ' ' + Y.num(n));
    return parts.length ? parts.join('，') : t('models.none');
  }

  // zoneOf finds a model answer's zone feature whose properties match.
  function zoneOf(res, match) {
    const f = ((res.zones && res.zones.features) || []).find(function (z) {
      return Object.keys(match).every(function (k) { return z.properties && z.properties[k] === match[k]; });
    });
    return f ? f.geometry : null;
  }

  // WARN_TEMPLATES: the warning template a model's zone drafts.
  const WARN_TEMPLATES = { plume: 'chemical_leak', blast: 'chemical_leak', quake: 'earthquake' };

  // warnLevel is the draft's starting level: by intensity for a quake band
  // (≥ VIII red, VII orange, VI yellow); orange for a plume or blast zone.
  // The drafter reviews it on the edit page before anyone approves.
  function warnLevel(intensity) {
    if (!intensity) return 'orange';
    return intensity >= 8 ? 'red' : intensity >= 7 ? 'orange' : 'yellow';
  }

  // warnButton drafts a public warning whose area is the zone (template by
  // the model) and opens it for editing: one click from a model's zone.
  function warnButton(kind, geometry, intensity) {
    const can = Y.me && (Y.me.permissions || []).indexOf('warnings.draft') >= 0;
    if (!geometry || !can || geometry.type.indexOf('Polygon') < 0) return null;
    return el('button', { type: 'button', class: 'btn small zone-warn', onclick: async function () {
      try {
        const d = await Y.api('/api/v1/warnings', { method: 'POST', body: { template: WARN_TEMPLATES[kind], level: warnLevel(intensity), area: { geometry: geometry },
          expires: new Date(Date.now() + 12 * 3600e3).toISOString() } });
        location.href = '/warnings/' + d.id + '/edit';
      } catch (e) { errBox.textContent = t('error.generic', { detail: e.message }); errBox.hidden = false; }
    } }, t('models.warn'));
  }

  // exposureCard lists one zone's exposure: population, counties, records;
  // with a zone geometry, a button drafts a warning for it.
  function exposureCard(title, color, x, warn) {
    const card = el('div', { class: 'zone-card', style: 'border-color:' + color }, el('h3', {}, title));
    if (warn) card.append(warn);
    if (!x) return card;
    card.append(el('div', {}, t('models.population') + '：' + Y.num(x.population) + '　' + t('models.area') + '：' + Y.num(Math.round(x.area_km2)) + ' km²'));
    const tb = el('table', { class: 'exposure-counties' }, el('tr', {}, el('th', {}, t('models.county')), el('th', {}, t('models.share')), el('th', {}, t('models.population'))));
    for (const c of x.counties || []) {
      tb.append(el('tr', {}, el('td', {}, c.name || c.code), el('td', {}, c.share ? Y.num(Math.round(c.share * 1000) / 10) + '%' : '—'),
        el('td', { title: c.population_source || '' }, c.population === undefined ? '—' : Y.num(c.population))));
    }
    card.append(tb, el('div', { class: 'objects' }, t('models.objects') + '：' + objectsText(x.objects)));
    return card;
  }

  function render(kind, res) {
    zonesBox.replaceChildren();
    if (kind === 'fwi') {
      zoneSource.clear();
      summary.textContent = t('models.fwi.summary', { n: res.days.length });
      const tb = el('table', {}, el('tr', {}, ...['date', 'ffmc', 'dmc', 'dc', 'isi', 'bui', 'fwi'].map((h) => el('th', {}, h.toUpperCase())), el('th', {}, t('models.level'))));
      for (const d of res.days) {
        tb.append(el('tr', {}, el('td', {}, d.date), ...['ffmc', 'dmc', 'dc', 'isi', 'bui', 'fwi'].map((h) => el('td', {}, Y.num(Math.round(d[h] * 10) / 10))),
          el('td', { style: 'color:' + (LEVEL[d.level] || '#495057') }, d.level ? t('level.' + d.level) : t('models.none'))));
      }
      zonesBox.append(tb);
      return;
    }
    if (kind === 'exposure') {
      drawZones({ type: 'FeatureCollection', features: [{ type: 'Feature', properties: { rank: 0 }, geometry: circleGeometry() }] });
      summary.textContent = t('models.exposure.summary');
      zonesBox.append(exposureCard(t('models.kind.exposure'), RAMP[0], res));
      return;
    }
    drawZones(res.zones);
    if (kind === 'quake') {
      summary.textContent = t('models.quake.summary', { i0: Y.num(Math.round(res.epicentral_intensity * 10) / 10), rel: res.relation.name })
        + (res.in_region ? '' : '　' + t('models.quake.outside'));
      for (const b of res.bands.slice().reverse()) zonesBox.append(exposureCard(t('models.quake.band', { roman: b.roman, a: Y.num(Math.round(b.major_km)), b: Y.num(Math.round(b.minor_km)) }), INTENSITY[b.intensity], b.exposure,
        warnButton(kind, zoneOf(res, { intensity: b.intensity }), b.intensity)));
    } else if (kind === 'plume') {
      summary.textContent = t('models.plume.summary', { cls: res.class });
      res.footprints.forEach(function (f, i) { zonesBox.append(exposureCard(f.name + '（' + Y.num(Math.round(f.length_m)) + ' m）', RAMP[i % RAMP.length], f.exposure, warnButton(kind, zoneOf(res, { name: f.name })))); });
    } else if (kind === 'blast') {
      summary.textContent = t('models.blast.summary', { tnt: Y.num(res.tnt_kg) });
      res.rings.forEach(function (r, i) { zonesBox.append(exposureCard(r.name + ' ≥ ' + Y.num(r.kpa) + ' kPa（' + Y.num(Math.round(r.radius_m)) + ' m）', RAMP[i % RAMP.length], r.exposure, warnButton(kind, zoneOf(res, { name: r.name })))); });
    } else if (kind === 'landslide') {
      const c = res.counts;
      summary.textContent = t('models.landslide.summary', { n: res.points.length, gauges: res.gauges, red: c.red, orange: c.orange, yellow: c.yellow, blue: c.blue, nodata: c.no_data });
      const warned = res.points.filter((p) => p.level).sort((a, b) => b.id_ratio - a.id_ratio).slice(0, 50);
      const tb = el('table', {}, el('tr', {}, el('th', {}, t('models.landslide.point')), el('th', {}, t('models.level')), el('th', {}, t('models.landslide.effective')), el('th', {}, t('models.landslide.ratio'))));
      for (const p of warned) tb.append(el('tr', {}, el('td', {}, p.point), el('td', { style: 'color:' + LEVEL[p.level] }, t('level.' + p.level)), el('td', {}, Y.num(Math.round(p.effective_mm * 10) / 10)), el('td', {}, Y.num(Math.round(p.id_ratio * 100) / 100))));
      zonesBox.append(tb);
    }
  }

  function circleGeometry() {
    const lon = num('in-lon'), lat = num('in-lat'), r = num('in-radius');
    const ring = [];
    for (let i = 0; i <= 64; i++) {
      const a = (2 * Math.PI * i) / 64;
      ring.push([lon + (r / 111195 / Math.cos((lat * Math.PI) / 180)) * Math.cos(a), lat + (r / 111195) * Math.sin(a)]);
    }
    return { type: 'Polygon', coordinates: [ring] };
  }

  // The live geohazard layer: hazard points at blue or above from the rain
  // gauges' readings (GET /api/v1/models/landslide/live), refreshed each
  // minute while shown.
  const liveSource = new ol.source.Vector();
  const liveLayer = new ol.layer.Vector({ source: liveSource, style: zoneStyle, zIndex: 15, visible: false });
  map.addLayer(liveLayer);
  let liveTimer = null;
  async function loadLive() {
    const box = $('geohazard-count');
    try {
      const res = await api('/api/v1/models/landslide/live?level=blue');
      liveSource.clear();
      liveSource.addFeatures(geo.readFeatures(res.zones));
      const c = res.counts;
      box.textContent = t('models.layer.geohazard.counts', { red: c.red, orange: c.orange, yellow: c.yellow, blue: c.blue });
      yj.live = liveSource.getFeatures().length;
    } catch (e) {
      box.textContent = t('models.feeds.unavailable');
      yj.live = -1;
    }
  }
  $('layer-geohazard').addEventListener('change', function (ev) {
    liveLayer.setVisible(ev.target.checked);
    clearInterval(liveTimer);
    if (ev.target.checked) { loadLive(); liveTimer = setInterval(loadLive, 60000); }
  });

  // The FWI layer: each weather station's latest daily Fire Weather Index
  // and danger level (GET /api/v1/models/fwi/stations?format=geojson),
  // grey where the station has no complete noon readings.
  const fwiSource = new ol.source.Vector();
  const fwiLayer = new ol.layer.Vector({ source: fwiSource, zIndex: 16, visible: false, style: function (f) {
    const p = f.getProperties();
    const color = LEVEL[p.level] || (p.fwi === undefined ? '#adb5bd' : '#2f9e44');
    return new ol.style.Style({
      image: new ol.style.RegularShape({ points: 3, radius: 9, fill: new ol.style.Fill({ color: color }), stroke: new ol.style.Stroke({ color: '#212529', width: 1 }) }),
      text: new ol.style.Text({ text: p.fwi === undefined ? '' : String(Math.round(p.fwi * 10) / 10), offsetY: -16, font: '12px sans-serif',
        fill: new ol.style.Fill({ color: '#212529' }), stroke: new ol.style.Stroke({ color: '#fff', width: 3 }) }) });
  } });
  map.addLayer(fwiLayer);
  async function loadFWI() {
    const box = $('fwi-count');
    try {
      const fc = await api('/api/v1/models/fwi/stations?format=geojson');
      fwiSource.clear();
      const feats = geo.readFeatures(fc);
      const c = { red: 0, orange: 0, yellow: 0, blue: 0, nodata: 0 };
      let date = '';
      for (const f of feats) {
        const p = f.getProperties();
        if (p.fwi === undefined) c.nodata++; else if (c[p.level] !== undefined) c[p.level]++;
        if (p.date && p.date > date) date = p.date;
        f.set('title', p.fwi === undefined ? t('models.layer.fwi.nodata', { name: p.name })
          : t('models.layer.fwi.station', { name: p.name, fwi: Y.num(Math.round(p.fwi * 10) / 10), date: p.date }));
      }
      fwiSource.addFeatures(feats);
      $('fwi-stations').replaceChildren(...feats.map((f) => el('li', { style: f.get('level') ? 'border-left:4px solid ' + LEVEL[f.get('level')] + ';padding-left:4px' : '' }, f.get('title'))));
      box.textContent = t('models.layer.fwi.counts', Object.assign({ n: feats.length, date: date || '—' }, c));
      yj.fwi = { stations: feats.length, levels: feats.filter((f) => f.get('fwi') !== undefined).length };
    } catch (e) {
      box.textContent = t('models.feeds.unavailable');
      yj.fwi = { stations: -1 };
    }
  }
  $('layer-fwi').addEventListener('change', function (ev) {
    fwiLayer.setVisible(ev.target.checked);
    $('fwi-stations').hidden = !ev.target.checked;
    if (ev.target.checked) loadFWI();
  });

  async function loadFeeds() {
    const list = $('feed-events');
    try {
      const res = await api('/api/v1/feeds/events?limit=20');
      list.replaceChildren();
      if (!res.items.length) list.append(el('li', { class: 'muted' }, t('models.feeds.none')));
      for (const a of res.items) {
        const e = a.event;
        const what = e.type === 'quake' ? 'M' + Y.num(e.magnitude) + ' ' + (e.place || '') : t('models.feeds.hotspot') + ' ' + (e.satellite || '');
        let linked = '';
        if (a.incident) linked += '　' + t('models.feeds.incident', { number: a.incident });
        if (a.alarm_id) linked += '　' + t('models.feeds.alarm', { id: a.alarm_id });
        const li = el('li', { title: a.reason, style: a.level ? 'border-left:4px solid ' + LEVEL[a.level] + ';padding-left:4px' : '' }, Y.time(e.time) + ' ' + what + linked);
        if (e.type === 'quake') {
          li.addEventListener('click', function () {
            kindSel.value = 'quake'; showFields(); setPin(e.lon, e.lat);
            $('in-magnitude').value = e.magnitude; $('in-depth').value = e.depth_km || 10;
            form.requestSubmit();
          });
        }
        list.append(li);
      }
    } catch (e) {
      list.replaceChildren(el('li', { class: 'muted' }, t('models.feeds.unavailable')));
    }
  }

  async function init() {
    const [kinds, divs] = await Promise.all([api('/api/v1/registry/kinds'), api('/api/v1/divisions?format=geojson')]);
    for (const k of kinds.items) kindLabels[k.name] = Y.label(k);
    divSource.addFeatures(geo.readFeatures(divs));
    setPin(num('in-lon'), num('in-lat'));
    loadFeeds();
    yj.ready = true;
  }
  init().catch(function (e) { errBox.textContent = t('error.generic', { detail: e.message }); errBox.hidden = false; });
})();
