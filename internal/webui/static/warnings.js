// warnings.js: the public-warning pages — the list (active, drafts,
// history, imported), the compose form with the area drawn on a map
// (polygon, circle) or picked from the division tree, and a warning's page
// with its actions (by permission and status), CAP message, chain history
// and delivery figures. Everything goes through the JSON API.
(function () {
  'use strict';
  const { t, api, el } = Y;
  const root = document.getElementById('warnings');
  if (!root) return;
  const view = root.dataset.view;
  const id = root.dataset.id;
  const mode = root.dataset.mode;
  const errBox = document.getElementById('wrn-error');
  const CATEGORIES = ['Geo', 'Met', 'Safety', 'Security', 'Rescue', 'Fire', 'Health', 'Env', 'Transport', 'Infra', 'CBRNE', 'Other'];
  const URGENCIES = ['Immediate', 'Expected', 'Future', 'Past'];
  const CERTAINTIES = ['Observed', 'Likely', 'Possible', 'Unlikely'];
  const RESPONSES = ['Shelter', 'Evacuate', 'Prepare', 'Execute', 'Avoid', 'Monitor', 'Assess', 'AllClear', 'None'];
  const LEVEL_COLOR = { red: '#e03131', orange: '#f76707', yellow: '#f0c419', blue: '#1971c2' };
  const shf = new Intl.DateTimeFormat(Y.lang, { timeZone: 'Asia/Shanghai', dateStyle: 'short', timeStyle: 'short' });
  const when = (ts) => (ts ? shf.format(new Date(ts)) : '—');
  const yw = (window.yingjiWarnings = { ready: false });

  function showError(e) {
    errBox.textContent = e && e.message ? e.message : String(e);
    errBox.hidden = false;
  }

  function levelBadge(l) {
    return l ? el('span', { class: 'lvl lvl-' + l, text: t('wrn.level.' + l) }) : el('span', { class: 'muted', text: '—' });
  }

  function stateLabel(w) { return t('wrn.state.' + (w.state || w.status)); }

  let mePromise = null;
  function me() {
    if (!mePromise) mePromise = api('/api/v1/auth/me');
    return mePromise;
  }
  const can = (m, p) => ((m && m.permissions) || []).indexOf(p) >= 0;

  // toLocalInput turns an RFC 3339 time into a datetime-local value in
  // Beijing time; fromLocalInput turns it back.
  function toLocalInput(ts) {
    if (!ts) return '';
    return new Date(new Date(ts).getTime() + 8 * 3600e3).toISOString().slice(0, 16);
  }
  function fromLocalInput(v) { return v ? v + ':00+08:00' : undefined; }

  // ---- the map of an area ----------------------------------------------
  function makeMap(target) {
    const divSource = new ol.source.Vector();
    const areaSource = new ol.source.Vector();
    const map = new ol.Map({
      target: target,
      layers: [
        new ol.layer.Vector({ source: divSource, style: new ol.style.Style({ fill: new ol.style.Fill({ color: 'rgba(240,244,248,0.6)' }), stroke: new ol.style.Stroke({ color: '#8aa1b8', width: 1 }) }) }),
        new ol.layer.Vector({ source: areaSource, style: function (f) {
          const c = LEVEL_COLOR[f.get('level')] || '#0b5ed7';
          return new ol.style.Style({ fill: new ol.style.Fill({ color: c + '44' }), stroke: new ol.style.Stroke({ color: c, width: 2 }) });
        } }),
      ],
      view: new ol.View({ center: ol.proj.fromLonLat([99.17, 25.12]), zoom: 8 }),
    });
    const fmt = new ol.format.GeoJSON();
    const divFeatures = new Map();
    const loaded = api('/api/v1/divisions?level=county&format=geojson').then(function (fc) {
      const fs = fmt.readFeatures(fc, { featureProjection: 'EPSG:3857' });
      fs.forEach(function (f) { divFeatures.set(f.get('code'), f); });
      divSource.addFeatures(fs);
    }).catch(function () { /* the map still works without boundaries */ });
    return { map, divSource, areaSource, fmt, divFeatures, loaded };
  }

  // showArea draws a warning's area: polygons, circles and divisions.
  function showArea(m, w) {
    const a = w.area || {};
    m.areaSource.clear();
    if (a.geometry) {
      const g = m.fmt.readGeometry(a.geometry, { featureProjection: 'EPSG:3857' });
      m.areaSource.addFeature(new ol.Feature({ geometry: g, level: w.level }));
    }
    (a.circles || []).forEach(function (c) {
      const g = ol.geom.Polygon.circular([c.lon, c.lat], c.radius_m, 64).transform('EPSG:4326', 'EPSG:3857');
      m.areaSource.addFeature(new ol.Feature({ geometry: g, level: w.level }));
    });
    m.loaded.then(function () {
      (a.divisions || []).forEach(function (code) {
        const f = m.divFeatures.get(code) || m.divFeatures.get(code.slice(0, 6));
        if (f) m.areaSource.addFeature(new ol.Feature({ geometry: f.getGeometry().clone(), level: w.level }));
      });
      const ext = m.areaSource.getExtent();
      if (m.areaSource.getFeatures().length && isFinite(ext[0])) m.map.getView().fit(ext, { padding: [30, 30, 30, 30], maxZoom: 13 });
    });
  }

  // ---- list ----------------------------------------------------------------
  async function list() {
    const tab = new URLSearchParams(location.search).get('view') || 'active';
    document.querySelectorAll('[data-tab]').forEach(function (a) { a.classList.toggle('active', a.dataset.tab === tab); });
    const rows = document.getElementById('wrn-rows');
    try {
      const [data, m] = await Promise.all([api('/api/v1/warnings?view=' + encodeURIComponent(tab) + '&limit=200'), me()]);
      document.getElementById('wrn-new').hidden = !can(m, 'warnings.draft');
      document.getElementById('wrn-import-label').hidden = !can(m, 'warnings.draft');
      rows.replaceChildren();
      if (!data.items.length) rows.append(el('tr', {}, el('td', { colspan: 7, class: 'muted', text: t('wrn.none') })));
      data.items.forEach(function (w) {
        rows.append(el('tr', { 'data-id': w.id },
          el('td', {}, levelBadge(w.level)),
          el('td', {}, el('a', { href: '/warnings/' + w.id, text: (w.text && w.text.headline) || ('#' + w.id) })),
          el('td', { text: t('wrn.msg.' + w.msg_type) }),
          el('td', { text: stateLabel(w) }),
          el('td', { text: when(w.onset) }),
          el('td', { text: when(w.expires) }),
          el('td', { text: w.drafter || w.sender || '' })));
      });
      document.getElementById('wrn-total').textContent = t('wrn.total', { n: data.total });
    } catch (e) { showError(e); }
    yw.ready = true;
  }

  // importFile posts a CAP 1.2 file to the import route; the schema's
  // reasons are shown with their paths.
  async function importFile(file) {
    errBox.hidden = true;
    const res = await fetch('/api/v1/warnings/import', { method: 'POST', credentials: 'same-origin', body: await file.text(),
      headers: { 'Content-Type': 'application/cap+xml', 'X-Requested-With': 'fetch', Accept: 'application/json' } });
    const data = await res.json().catch(() => null);
    if (res.ok) { location.href = '/warnings/' + data.id; return; }
    const errs = (data && data.errors) || [];
    showError(new Error(t('wrn.import.failed', { detail: errs.length ? errs.map((f) => f.field + ': ' + f.message).join('; ') : ((data && data.detail) || res.statusText) })));
  }
  const imp = document.getElementById('wrn-import');
  if (imp) imp.addEventListener('change', function () { if (imp.files[0]) importFile(imp.files[0]).catch(showError); imp.value = ''; });

  // ---- compose ---------------------------------------------------------------
  function options(sel, values, prefix, empty) {
    sel.replaceChildren();
    if (empty) sel.append(el('option', { value: '' }, ''));
    values.forEach(function (v) { sel.append(el('option', { value: v }, t(prefix + v))); });
  }

  async function compose() {
    const form = document.getElementById('wrn-form');
    const $ = (n) => document.getElementById('in-' + n);
    options($('category'), CATEGORIES, 'wrn.cat.', true);
    options($('urgency'), URGENCIES, 'wrn.urg.', true);
    options($('certainty'), CERTAINTIES, 'wrn.cert.', true);
    options($('response_type'), RESPONSES, 'wrn.resp.', true);
    const m = makeMap('wrn-map');
    const draw = { source: m.areaSource, interaction: null };
    const divisions = new Set();
    const summary = document.getElementById('area-summary');
    function updateSummary() {
      const f = m.areaSource.getFeatures();
      const polys = f.filter((x) => x.getGeometry().getType() !== 'Circle').length;
      const circles = f.length - polys;
      summary.textContent = t('wrn.area.summary', { polygons: polys, circles: circles, divisions: divisions.size });
    }
    m.areaSource.on('addfeature', updateSummary);
    m.areaSource.on('removefeature', updateSummary);
    function startDraw(type, btn) {
      if (draw.interaction) m.map.removeInteraction(draw.interaction);
      document.querySelectorAll('.wrn-tools .btn').forEach((b) => b.classList.remove('active'));
      draw.interaction = new ol.interaction.Draw({ source: m.areaSource, type: type });
      m.map.addInteraction(draw.interaction);
      btn.classList.add('active');
    }
    document.getElementById('draw-polygon').addEventListener('click', function () { startDraw('Polygon', this); });
    document.getElementById('draw-circle').addEventListener('click', function () { startDraw('Circle', this); });
    document.getElementById('draw-stop').addEventListener('click', function () {
      if (draw.interaction) m.map.removeInteraction(draw.interaction);
      draw.interaction = null;
      document.querySelectorAll('.wrn-tools .btn').forEach((b) => b.classList.remove('active'));
    });
    document.getElementById('draw-clear').addEventListener('click', function () { m.areaSource.clear(); updateSummary(); });
    yw.map = m;

    // the division tree: counties, their townships loaded on demand.
    const treeBox = document.getElementById('div-tree');
    function divItem(d) {
      const cb = el('input', { type: 'checkbox', value: d.code, 'data-division': d.code });
      cb.checked = divisions.has(d.code);
      cb.addEventListener('change', function () { if (cb.checked) divisions.add(d.code); else divisions.delete(d.code); updateSummary(); });
      const li = el('li', {});
      const sub = el('ul', { hidden: true });
      const tw = el('button', { type: 'button', class: 'twisty', 'aria-label': t('wrn.divisions.open') }, '▸');
      tw.addEventListener('click', async function () {
        if (!sub.dataset.loaded) {
          sub.dataset.loaded = '1';
          try {
            const kids = await api('/api/v1/divisions/' + encodeURIComponent(d.code) + '/children');
            (kids.items || []).forEach(function (k) { sub.append(divItem(k)); });
          } catch (e) { showError(e); }
        }
        sub.hidden = !sub.hidden;
        tw.textContent = sub.hidden ? '▸' : '▾';
      });
      li.append(d.level === 'village' ? el('span', { class: 'twisty' }) : tw, el('label', {}, cb, ' ' + d.name + ' ', el('span', { class: 'muted small', text: d.code })), sub);
      return li;
    }
    async function loadTree() {
      try {
        const counties = await api('/api/v1/divisions?level=county&limit=500');
        const ul = el('ul', {});
        (counties.items || []).forEach(function (d) { ul.append(divItem(d)); });
        treeBox.replaceChildren(ul);
      } catch (e) { treeBox.textContent = e.message; }
    }

    let templates = [];
    try {
      templates = (await api('/api/v1/warnings/templates')).items || [];
    } catch (e) { showError(e); }
    templates.forEach(function (tp) { $('template').append(el('option', { value: tp.key }, Y.lang === 'en' ? tp.event_en : tp.event)); });
    $('template').addEventListener('change', function () {
      const tp = templates.find((x) => x.key === this.value);
      if (!tp) return;
      $('event').value = tp.event; $('category').value = tp.category; $('urgency').value = tp.urgency;
      $('certainty').value = tp.certainty; $('response_type').value = tp.response_type || '';
      $('description').value = tp.description; $('instruction').value = tp.instruction;
      $('en-event').value = tp.event_en; $('en-description').value = tp.description_en; $('en-instruction').value = tp.instruction_en;
    });

    // from an alarm or an incident: the server pre-fills a draft, which
    // opens for editing.
    const params = new URLSearchParams(location.search);
    const fromAlarm = params.get('from_alarm'), fromIncident = params.get('from_incident');
    if (mode === 'new' && (fromAlarm || fromIncident)) {
      try {
        const body = { expires: new Date(Date.now() + 12 * 3600e3).toISOString() };
        if (fromAlarm) body.from_alarm = Number(fromAlarm); else body.from_incident = Number(fromIncident);
        const d = await api('/api/v1/warnings', { method: 'POST', body: body });
        location.replace('/warnings/' + d.id + '/edit');
        return;
      } catch (e) { showError(e); }
    }
    let current = null;
    if (id) {
      try {
        current = await api('/api/v1/warnings/' + id);
      } catch (e) { showError(e); yw.ready = true; return; }
      const w = current;
      document.getElementById('field-template').hidden = mode !== 'edit';
      $('template').value = w.template || '';
      $('level').value = w.level; $('category').value = w.category; $('urgency').value = w.urgency;
      $('certainty').value = w.certainty; $('response_type').value = w.response_type || '';
      $('event').value = w.text.event; $('headline').value = w.text.headline;
      $('description').value = w.text.description; $('instruction').value = w.text.instruction || '';
      $('onset').value = toLocalInput(w.onset); $('expires').value = toLocalInput(w.expires);
      if (w.english) {
        $('en-event').value = w.english.event; $('en-headline').value = w.english.headline;
        $('en-description').value = w.english.description; $('en-instruction').value = w.english.instruction || '';
        document.getElementById('english-box').open = true;
      }
      $('area-desc').value = (w.area && w.area.description) || '';
      (w.area.divisions || []).forEach((d) => divisions.add(d));
      const a = w.area || {};
      if (a.geometry) m.areaSource.addFeatures(m.fmt.readFeatures({ type: 'Feature', geometry: a.geometry, properties: {} }, { featureProjection: 'EPSG:3857' }));
      (a.circles || []).forEach(function (c) {
        const center = ol.proj.fromLonLat([c.lon, c.lat]);
        // a projected circle whose true radius is radius_m at its latitude.
        const r = c.radius_m / Math.cos(c.lat * Math.PI / 180);
        m.areaSource.addFeature(new ol.Feature(new ol.geom.Circle(center, r)));
      });
      document.getElementById('wrn-back').href = '/warnings/' + id;
    } else {
      const start = new Date();
      $('onset').value = toLocalInput(start.toISOString());
      $('expires').value = toLocalInput(new Date(start.getTime() + 12 * 3600e3).toISOString());
    }
    await loadTree();
    updateSummary();

    function areaBody() {
      const polys = [];
      const circles = [];
      m.areaSource.getFeatures().forEach(function (f) {
        const g = f.getGeometry();
        if (g.getType() === 'Circle') {
          const c = ol.proj.toLonLat(g.getCenter());
          const edge = ol.proj.toLonLat([g.getCenter()[0] + g.getRadius(), g.getCenter()[1]]);
          circles.push({ lon: +c[0].toFixed(6), lat: +c[1].toFixed(6), radius_m: Math.round(ol.sphere.getDistance(c, edge)) });
        } else if (g.getType() === 'Polygon') {
          polys.push(g.clone().transform('EPSG:3857', 'EPSG:4326').getCoordinates());
        } else if (g.getType() === 'MultiPolygon') {
          g.clone().transform('EPSG:3857', 'EPSG:4326').getCoordinates().forEach((p) => polys.push(p));
        }
      });
      const body = { circles: circles, divisions: Array.from(divisions), geometry: null };
      if (polys.length === 1) body.geometry = { type: 'Polygon', coordinates: polys[0] };
      if (polys.length > 1) body.geometry = { type: 'MultiPolygon', coordinates: polys };
      const desc = $('area-desc').value.trim();
      if (desc) body.description = desc;
      return body;
    }

    form.addEventListener('submit', async function (ev) {
      ev.preventDefault();
      Y.clearFieldErrors(root);
      errBox.hidden = true;
      document.getElementById('wrn-conflict').hidden = true;
      const body = {
        level: $('level').value || undefined, event: $('event').value.trim() || undefined, category: $('category').value || undefined,
        urgency: $('urgency').value || undefined, certainty: $('certainty').value || undefined, response_type: $('response_type').value || undefined,
        headline: $('headline').value.trim() || undefined, description: $('description').value.trim() || undefined,
        instruction: $('instruction').value.trim() || undefined, onset: fromLocalInput($('onset').value), expires: fromLocalInput($('expires').value),
        note: $('note').value.trim() || undefined, area: areaBody(),
      };
      // a template re-applies its text; send it only when chosen here.
      if ((mode === 'new' || mode === 'edit') && $('template').value && (!current || $('template').value !== current.template)) body.template = $('template').value;
      const en = { event: $('en-event').value.trim(), headline: $('en-headline').value.trim(), description: $('en-description').value.trim(), instruction: $('en-instruction').value.trim() };
      if (en.event || en.description || en.headline) body.english = en;
      let path = '/api/v1/warnings';
      let method = 'POST';
      if (mode === 'edit') { path += '/' + id; method = 'PATCH'; body.version = current.version; }
      if (mode === 'update' || mode === 'forward') path += '/' + id + '/' + mode;
      const btn = document.getElementById('wrn-save');
      btn.disabled = true;
      try {
        const w = await api(path, { method: method, body: body });
        location.href = '/warnings/' + w.id;
      } catch (e) {
        btn.disabled = false;
        if (e.status === 409) {
          const c = document.getElementById('wrn-conflict');
          c.textContent = e.message;
          c.hidden = false;
          return;
        }
        const errs = (e.problem && e.problem.errors) || [];
        const rest = errs.filter(function (f) { return !Y.fieldError(root, f.field, f.message); });
        if (!errs.length || rest.length) showError(rest.length ? new Error(rest.map((f) => f.field + ': ' + f.message).join('; ')) : e);
      }
    });
    yw.ready = true;
  }

  // ---- a warning ---------------------------------------------------------------
  async function detail() {
    let w, m;
    try {
      [w, m] = await Promise.all([api('/api/v1/warnings/' + id), me()]);
    } catch (e) { showError(e); yw.ready = true; return; }
    yw.warning = w;
    document.getElementById('wrn-title').replaceChildren(levelBadge(w.level), ' ', w.text.headline || ('#' + w.id));
    const rows = [
      ['wrn.state', stateLabel(w)], ['wrn.msgtype', t('wrn.msg.' + w.msg_type)], ['wrn.identifier', w.identifier || '—'],
      ['wrn.event', w.text.event], ['wrn.category', w.category ? t('wrn.cat.' + w.category) : '—'],
      ['wrn.urgency', w.urgency ? t('wrn.urg.' + w.urgency) : '—'], ['wrn.severity', w.severity ? t('wrn.sev.' + w.severity) : '—'], ['wrn.certainty', w.certainty ? t('wrn.cert.' + w.certainty) : '—'],
      ['wrn.description', w.text.description], ['wrn.instruction', w.text.instruction || '—'],
      ['wrn.onset', when(w.onset)], ['wrn.expires', when(w.expires)],
      ['wrn.area', [(w.area.description || ''), (w.area.divisions || []).join('、')].filter(Boolean).join(' ') || t('wrn.area.drawn')],
      ['wrn.drafter', w.drafter || '—'], ['wrn.approver', w.approver ? w.approver + ' · ' + when(w.approved_at) : '—'],
      ['wrn.sent', w.sent ? (w.publisher || w.sender) + ' · ' + when(w.sent) : '—'], ['wrn.references', w.references || '—'],
      ['wrn.delivered', w.delivered_at ? when(w.delivered_at) : (w.delivery_error ? t('wrn.delivery.failed', { reason: w.delivery_error }) : '—')],
    ];
    if (w.note) rows.push(['wrn.note', w.note]);
    if (w.english) rows.push(['wrn.english', w.english.headline + ' — ' + w.english.description]);
    document.getElementById('wrn-attrs').replaceChildren(...rows.map((r) => el('tr', { 'data-key': r[0] }, el('th', { text: t(r[0]) }), el('td', { text: r[1] }))));

    divisionNames(w);
    actions(w, m);
    const mm = makeMap('wrn-map');
    showArea(mm, w);
    yw.map = mm;

    const capLink = document.getElementById('cap-link');
    const capJSON = document.getElementById('cap-json-link');
    capLink.href = '/api/v1/warnings/' + w.id + '/cap.xml';
    capJSON.href = '/api/v1/warnings/' + w.id + '/cap.json';
    fetch(capLink.href, { credentials: 'same-origin' }).then((r) => (r.ok ? r.text() : Promise.reject(new Error(r.statusText))))
      .then(function (x) { document.getElementById('wrn-cap').textContent = x; })
      .catch(function (e) { document.getElementById('wrn-cap').textContent = e.message; });

    api('/api/v1/warnings/' + w.id + '/history').then(function (h) {
      const ol_ = document.getElementById('wrn-chain');
      ol_.replaceChildren(...h.items.map(function (x) {
        return el('li', { class: x.id === w.id ? 'current' : '' }, el('a', { href: '/warnings/' + x.id, text: t('wrn.msg.' + x.msg_type) + ' · ' + (x.text.headline || '') }),
          ' ', el('span', { class: 'muted small', text: stateLabel(x) + (x.sent ? ' · ' + when(x.sent) : '') }));
      }));
    }).catch(showError);
    delivery(w);
    yw.ready = true;
  }

  // divisionNames replaces the codes in the area row by names.
  async function divisionNames(w) {
    const codes = (w.area && w.area.divisions) || [];
    if (!codes.length) return;
    const names = await Promise.all(codes.map((c) => api('/api/v1/divisions/' + encodeURIComponent(c)).then((d) => d.name).catch(() => c)));
    const cell = document.querySelector('#wrn-attrs tr[data-key="wrn.area"] td');
    if (cell) cell.textContent = [(w.area.description || ''), names.join('、')].filter(Boolean).join(' ');
  }

  async function delivery(w) {
    const box = document.getElementById('wrn-delivery');
    let d;
    try {
      d = await api('/api/v1/warnings/' + w.id + '/delivery', { noRedirect: true });
    } catch (e) {
      box.replaceChildren(el('span', { class: 'muted', id: 'delivery-off', text: t('wrn.delivery.none') }));
      return;
    }
    const pct = (x) => (x === null || x === undefined ? '—' : (x * 100).toFixed(1) + '%');
    const goal = d.goal || 0.95;
    const head = el('p', {}, t('wrn.delivery.coverage') + ' ', el('strong', { class: d.coverage >= goal ? 'goal-ok' : 'goal-miss', text: pct(d.coverage) }),
      ' ' + t('wrn.delivery.goal', { goal: pct(goal) }) + ' · ' + t('wrn.delivery.people', { reached: Y.num(d.people_reached), population: Y.num(d.population) }));
    const cols = ['queued', 'sent', 'delivered', 'failed'];
    const tbl = (items, key) => el('table', {}, el('tr', {}, el('th', { text: t(key) }), ...cols.map((c) => el('th', { text: t(c === 'failed' ? 'wrn.delivery.failed.count' : 'wrn.delivery.' + c) }))),
      ...(items || []).map((r) => el('tr', {}, el('td', { text: r.channel || r.name || r.code }), ...cols.map((c) => el('td', { text: Y.num(r[c]) })))));
    box.replaceChildren(head, tbl(d.channels, 'wrn.delivery.channel'), tbl(d.divisions, 'wrn.delivery.division'));
  }

  function actions(w, m) {
    const box = document.getElementById('wrn-actions');
    const notice = document.getElementById('wrn-notice');
    const btn = (key, idName, cls, fn) => el('button', { type: 'button', class: 'btn ' + (cls || ''), id: idName, onclick: fn }, t(key));
    const step = (name) => async function () {
      errBox.hidden = true;
      this.disabled = true;
      try {
        await api('/api/v1/warnings/' + w.id + '/' + name, { method: 'POST', body: { version: w.version } });
        location.reload();
      } catch (e) { this.disabled = false; showError(e); }
    };
    const out = [];
    const isDraft = w.status === 'draft' || w.status === 'approved';
    const myID = m && m.user && m.user.id;
    if (isDraft && can(m, 'warnings.draft')) {
      out.push(el('a', { class: 'btn', id: 'act-edit', href: '/warnings/' + w.id + '/edit' }, t('wrn.act.edit')));
      out.push(btn('wrn.act.withdraw', 'act-withdraw', 'danger', step('withdraw')));
    }
    if (w.status === 'draft' && can(m, 'warnings.approve')) {
      const b = btn('wrn.act.approve', 'act-approve', 'primary', step('approve'));
      if (myID === w.drafted_by) { b.disabled = true; b.title = t('wrn.act.own'); }
      out.push(b);
    }
    if (w.status === 'approved' && can(m, 'warnings.approve')) out.push(btn('wrn.act.publish', 'act-publish', 'primary', step('publish')));
    if (w.state === 'active' && can(m, 'warnings.draft')) {
      out.push(el('a', { class: 'btn', id: 'act-update', href: '/warnings/' + w.id + '/update' }, t('wrn.act.update')));
      out.push(btn('wrn.act.cancel', 'act-cancel', 'danger', function () {
        const note = el('input', { id: 'cancel-note', placeholder: t('wrn.cancel.reason') });
        const go = btn('wrn.act.cancel.confirm', 'cancel-confirm', 'danger', async function () {
          try {
            const c = await api('/api/v1/warnings/' + w.id + '/cancel', { method: 'POST', body: { note: note.value } });
            location.href = '/warnings/' + c.id;
          } catch (e) { showError(e); }
        });
        notice.replaceChildren(note, ' ', go);
        notice.hidden = false;
        note.focus();
      }));
    }
    if (w.source === 'import' && w.msg_type !== 'Cancel' && can(m, 'warnings.draft')) {
      out.push(el('a', { class: 'btn', id: 'act-forward', href: '/warnings/' + w.id + '/forward' }, t('wrn.act.forward')));
    }
    box.replaceChildren(...out);
  }

  const run = { list: list, compose: compose, detail: detail }[view];
  if (run) run();
})();
