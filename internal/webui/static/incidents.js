// incidents.js: incident command pages — the board with its reporting
// clocks, the intake form (map pick, live grade, duplicate warning) and an
// incident's page (deadlines, figures, plans, tasks, dispatch with the
// nearest resources, situation reports, attachments, closure, timeline).
// Everything comes from the JSON API.
(function () {
  'use strict';
  const { t, api, el } = Y;
  const root = document.getElementById('incidents');
  if (!root) return;
  const view = root.dataset.view;
  const YInc = (window.YInc = { ready: false, loading: false });
  const errBox = document.getElementById('inc-error');
  const noticeBox = document.getElementById('inc-notice');
  const divisions = new Map();

  function problemText(e) {
    const p = e && e.problem;
    let s = (p && p.detail) || (e && e.message) || String(e);
    if (p && p.errors && p.errors.length) s = p.errors.map(function (f) { return f.field + ': ' + f.message; }).join('；');
    return s;
  }
  function showError(e) {
    errBox.textContent = typeof e === 'string' ? e : t('error.generic', { detail: problemText(e) });
    errBox.hidden = false;
    noticeBox.hidden = true;
  }
  function notice(msg) {
    noticeBox.textContent = msg;
    noticeBox.hidden = false;
    errBox.hidden = true;
  }
  function clearMessages() { errBox.hidden = true; noticeBox.hidden = true; }

  // ---- clocks ----
  function dur(sec) {
    sec = Math.abs(Math.round(sec));
    const d = Math.floor(sec / 86400), h = Math.floor(sec % 86400 / 3600), m = Math.floor(sec % 3600 / 60), s = sec % 60;
    const hms = h + ':' + String(m).padStart(2, '0') + ':' + String(s).padStart(2, '0');
    return d > 0 ? t('inc.days', { n: d }) + ' ' + hms : hms;
  }
  // countdown is an element that ticks towards due; done clocks stay still.
  function countdown(due, done, windowed) {
    const span = el('span', { class: 'countdown', 'data-due': due || '', 'data-done': done ? '1' : '', 'data-window': windowed ? '1' : '' });
    tickOne(span);
    return span;
  }
  function tickOne(span) {
    if (!span.dataset.due) { span.textContent = '—'; return; }
    const left = (new Date(span.dataset.due).getTime() - Date.now()) / 1000;
    if (span.dataset.done) { span.textContent = t('inc.clock.done'); span.classList.remove('overdue'); return; }
    if (left >= 0) { span.textContent = t('inc.clock.left', { d: dur(left) }); span.classList.remove('overdue'); return; }
    if (span.dataset.window) { span.textContent = t('inc.clock.closed'); return; }
    span.textContent = t('inc.clock.overdue', { d: dur(left) });
    span.classList.add('overdue');
  }
  setInterval(function () { document.querySelectorAll('.countdown').forEach(tickOne); }, 1000);

  function gradeBadge(level, grade) {
    return el('span', { class: 'grade-badge grade-' + level }, grade ? grade + ' (' + ['', 'Ⅰ', 'Ⅱ', 'Ⅲ', 'Ⅳ'][level] + ')' : '—');
  }
  function divName(code) { return divisions.get(code) || divisions.get(String(code).slice(0, 6)) || code || '—'; }
  async function loadDivisions() {
    try {
      const l = await api('/api/v1/divisions?level=county');
      for (const d of l.items || []) divisions.set(d.code, d.name);
    } catch (e) { /* names fall back to codes */ }
  }
  function fmtCasualties(i) {
    return t('inc.casualties.short', { d: i.deaths || 0, m: i.missing || 0, s: i.serious_injuries || 0, t: i.trapped || 0 });
  }
  async function loadTypes() {
    const r = await api('/api/v1/incident-types');
    YInc.types = r.items;
    YInc.categories = r.categories;
    return r;
  }
  function typeLabel(ty) { return Y.lang === 'en' ? (ty.name_en || ty.name) : ty.name; }

  // ---- the board ----
  async function board() {
    await loadDivisions();
    const county = document.getElementById('f-county');
    for (const [code, name] of divisions) county.append(el('option', { value: code }, name));
    try {
      const ty = await loadTypes();
      const cat = document.getElementById('f-category');
      for (const c of ty.categories) cat.append(el('option', { value: c.code }, Y.lang === 'en' ? c.name_en : c.name));
    } catch (e) { showError(e); }
    document.getElementById('inc-filters').addEventListener('submit', function (ev) { ev.preventDefault(); list(); });
    await list();
    // the board follows new intakes and changes without a reload.
    setInterval(function () { if (!document.hidden && !YInc.loading) list(); }, 30000);
  }
  async function list() {
    YInc.loading = true;
    const q = new URLSearchParams({ limit: '200' });
    const v = function (id) { return document.getElementById(id).value; };
    if (v('f-status')) q.set('status', v('f-status'));
    if (v('f-level')) q.set('level', v('f-level'));
    if (v('f-county')) q.set('division', v('f-county'));
    if (v('f-category')) q.set('category', v('f-category'));
    if (v('f-q').trim()) q.set('q', v('f-q').trim());
    if (document.getElementById('f-overdue').checked) q.set('overdue', 'true');
    const rows = document.getElementById('inc-rows');
    try {
      const r = await api('/api/v1/incidents?' + q);
      rows.replaceChildren();
      for (const i of r.items) {
        rows.append(el('tr', { class: i.overdue ? 'overdue' : '', 'data-id': i.id },
          el('td', {}, el('a', { href: '/incidents/' + i.id }, i.number)),
          el('td', {}, i.title), el('td', {}, i.type_name),
          el('td', {}, gradeBadge(i.level, i.grade)),
          el('td', {}, divName(i.division_code)),
          el('td', {}, Y.time(i.occurred_at)),
          el('td', {}, fmtCasualties(i)),
          el('td', {}, i.status === 'open' ? countdown(i.next_due, !i.next_due, false) : t('inc.status.' + i.status))));
      }
      document.getElementById('inc-total').textContent = t('inc.total', { n: r.total });
      clearMessages();
    } catch (e) { showError(e); }
    YInc.loading = false;
    YInc.ready = true;
  }

  // ---- maps ----
  const markStyle = new ol.style.Style({
    image: new ol.style.Circle({ radius: 8, fill: new ol.style.Fill({ color: '#e03131' }), stroke: new ol.style.Stroke({ color: '#fff', width: 2 }) }),
  });
  const resStyle = new ol.style.Style({
    image: new ol.style.Circle({ radius: 6, fill: new ol.style.Fill({ color: '#1c7ed6' }), stroke: new ol.style.Stroke({ color: '#fff', width: 1.5 }) }),
  });
  async function smallMap() {
    const boundaries = new ol.source.Vector();
    const marks = new ol.source.Vector();
    const resources = new ol.source.Vector();
    const map = new ol.Map({
      target: 'rec-map',
      layers: [new ol.layer.Vector({ source: boundaries, style: new ol.style.Style({
        stroke: new ol.style.Stroke({ color: '#5c7cfa', width: 1 }), fill: new ol.style.Fill({ color: 'rgba(220,230,250,0.35)' }) }) }),
      new ol.layer.Vector({ source: resources, style: resStyle }), new ol.layer.Vector({ source: marks, style: markStyle })],
      view: new ol.View({ center: ol.proj.fromLonLat([99.17, 25.12]), zoom: 8 }),
    });
    try {
      const fc = await api('/api/v1/divisions?format=geojson&level=county');
      boundaries.addFeatures(new ol.format.GeoJSON().readFeatures(fc, { featureProjection: 'EPSG:3857' }));
      map.getView().fit(boundaries.getExtent(), { padding: [10, 10, 10, 10] });
    } catch (e) { /* the page works without boundaries */ }
    return { map: map, marks: marks, resources: resources };
  }
  function mark(src, lon, lat) {
    src.clear();
    src.addFeature(new ol.Feature(new ol.geom.Point(ol.proj.fromLonLat([lon, lat]))));
  }

  // ---- intake ----
  function beijingLocal(d) {
    const b = new Date(d.getTime() + 8 * 3600 * 1000);
    return b.toISOString().slice(0, 16);
  }
  async function intake() {
    const form = document.getElementById('intake');
    const $ = function (id) { return document.getElementById('in-' + id); };
    await loadDivisions();
    const divSel = $('division_code');
    for (const [code, name] of divisions) divSel.append(el('option', { value: code }, name));
    try {
      const ty = await loadTypes();
      const sel = $('type');
      sel.append(el('option', { value: '' }, t('inc.type.choose')));
      for (const x of ty.items) {
        const depth = x.code.split('.').length - 1;
        sel.append(el('option', { value: x.code }, Y.lang === 'en' ? '\u00a0\u00a0'.repeat(depth) + typeLabel(x) : x.path));
      }
    } catch (e) { showError(e); }
    $('occurred_at').value = beijingLocal(new Date());
    const params = new URLSearchParams(location.search);
    const alarmID = +params.get('alarm') || 0;
    if (alarmID) {
      $('source').value = 'alarm';
      try {
        const a = await api('/api/v1/alarms/' + alarmID);
        $('title').placeholder = (a.point_name || '') + ' ' + (a.message || '');
        notice(t('inc.from-alarm', { id: alarmID, point: a.point_name || a.point }));
      } catch (e) { showError(e); }
    }

    const m = await smallMap();
    const pos = document.getElementById('picker-pos');
    async function picked(lon, lat) {
      mark(m.marks, lon, lat);
      pos.textContent = t('inc.position', { lon: lon.toFixed(6), lat: lat.toFixed(6) });
      try {
        const loc = await api('/api/v1/divisions/locate?lon=' + lon + '&lat=' + lat);
        const chain = (loc.ancestors || []).concat([loc.division]);
        pos.textContent += ' · ' + chain.map(function (d) { return d.name; }).join(' ');
      } catch (e) { pos.textContent += ' · ' + problemText(e); }
    }
    m.map.on('click', function (ev) {
      const ll = ol.proj.toLonLat(ev.coordinate);
      const lon = Math.round(ll[0] * 1e6) / 1e6, lat = Math.round(ll[1] * 1e6) / 1e6;
      $('lon').value = lon; $('lat').value = lat; $('crs').value = 'wgs84';
      picked(lon, lat);
      check();
    });
    YInc.pick = function (lon, lat) { $('lon').value = lon; $('lat').value = lat; $('crs').value = 'wgs84'; picked(lon, lat); check(); };

    function body() {
      const b = {};
      const str = function (f) { const v = $(f).value.trim(); if (v) b[f] = v; };
      ['title', 'type', 'address', 'division_code', 'source', 'reporter', 'reporter_phone', 'unit', 'description'].forEach(str);
      if ($('occurred_at').value) b.occurred_at = $('occurred_at').value + ':00+08:00';
      if ($('lon').value.trim() !== '' || $('lat').value.trim() !== '') {
        b.lon = Number($('lon').value); b.lat = Number($('lat').value); b.crs = $('crs').value;
      }
      for (const f of ['deaths', 'missing', 'serious_injuries', 'trapped']) b[f] = Math.round(Number($(f).value) || 0);
      b.direct_loss_cny = Math.round((Number($('direct_loss_cny').value) || 0) * 10000 * 100) / 100;
      if (alarmID) b.alarm_id = alarmID;
      return b;
    }
    // The grade follows the figures as they are typed.
    const live = document.getElementById('grade-live');
    let seq = 0;
    async function grade() {
      const b = body();
      const req = { deaths: b.deaths, missing: b.missing, serious_injuries: b.serious_injuries, trapped: b.trapped, direct_loss_cny: b.direct_loss_cny };
      if (b.type) req.type = b.type; else req.category = 'accident';
      const n = ++seq;
      try {
        const g = await api('/api/v1/incidents/grade', { method: 'POST', body: req });
        if (n !== seq) return;
        live.className = 'grade-live grade-' + g.level + (g.verified ? '' : ' unverified');
        live.textContent = t('inc.grade.live', { grade: g.grade, roman: g.roman });
        live.title = g.basis + (g.criterion ? ' — ' + g.criterion + ' ≥ ' + g.bound : '');
        live.dataset.level = g.level;
      } catch (e) { live.textContent = ''; }
    }
    form.querySelectorAll('.fig').forEach(function (i) { i.addEventListener('input', grade); });
    $('type').addEventListener('change', function () { grade(); check(); });
    grade();
    // Possible duplicates are shown as soon as type, time and place are known.
    const dupBox = document.getElementById('dup-box');
    function showDuplicates(ds) {
      const ul = document.getElementById('dup-list');
      ul.replaceChildren();
      for (const d of ds) {
        ul.append(el('li', {}, el('a', { href: '/incidents/' + d.id, target: '_blank' }, d.number), ' ', d.title || '',
          ' — ' + t('inc.dup.apart', { min: Y.num(d.minutes_apart), km: d.distance_km === undefined ? '?' : Y.num(d.distance_km) })));
      }
      dupBox.hidden = ds.length === 0;
    }
    async function check() {
      const b = body();
      if (!b.type || b.lon === undefined) return;
      try {
        const r = await api('/api/v1/incidents/check', { method: 'POST', body: b });
        showDuplicates(r.duplicates || []);
      } catch (e) { /* the save reports the problems */ }
    }
    async function save(confirm) {
      clearMessages();
      Y.clearFieldErrors(form);
      const b = body();
      if (confirm) b.confirm = true;
      const btn = document.getElementById('intake-save');
      btn.disabled = true;
      try {
        const inc = await api('/api/v1/incidents', { method: 'POST', body: b });
        location.href = '/incidents/' + inc.id;
        return;
      } catch (e) {
        if (e.status === 409 && e.problem && e.problem.duplicates) {
          showDuplicates(e.problem.duplicates);
          showError(t('inc.dup.held'));
        } else {
          const rest = ((e.problem && e.problem.errors) || []).filter(function (f) { return !Y.fieldError(form, f.field, f.message); });
          if (!e.problem || !e.problem.errors || rest.length) showError(e);
        }
      }
      btn.disabled = false;
    }
    form.addEventListener('submit', function (ev) { ev.preventDefault(); save(false); });
    document.getElementById('dup-confirm').addEventListener('click', function () { save(true); });
    YInc.ready = true;
  }

  // ---- an incident ----
  const id = root.dataset.id;
  const base = '/api/v1/incidents/' + id;
  let inc = null;
  let mapRef = null;
  function can(p) { return !!(Y.me && (Y.me.permissions || []).indexOf(p) >= 0); }
  async function act(fn, okMsg) {
    clearMessages();
    try {
      await fn();
      await load();
      if (okMsg) notice(okMsg);
      return true;
    } catch (e) {
      showError(e);
      return false;
    }
  }

  async function detail() {
    await loadDivisions();
    mapRef = await smallMap();
    document.getElementById('tl-csv').href = base + '/timeline.csv';
    document.getElementById('tl-json').href = base + '/timeline';
    document.getElementById('note-form').addEventListener('submit', function (ev) {
      ev.preventDefault();
      const v = document.getElementById('note-text').value.trim();
      act(async function () { await api(base + '/notes', { method: 'POST', body: { text: v } }); document.getElementById('note-text').value = ''; });
    });
    document.getElementById('task-form').addEventListener('submit', function (ev) {
      ev.preventDefault();
      act(function () {
        return api(base + '/tasks', { method: 'POST', body: { title: document.getElementById('task-title').value, owner: document.getElementById('task-owner').value } });
      });
    });
    document.getElementById('nearest-form').addEventListener('submit', function (ev) { ev.preventDefault(); nearest(); });
    document.getElementById('report-new').addEventListener('click', function () {
      act(async function () { const r = await api(base + '/reports', { method: 'POST', body: {} }); YInc.openReport = r.id; });
    });
    document.getElementById('attach-form').addEventListener('submit', async function (ev) {
      ev.preventDefault();
      const f = document.getElementById('attach-file').files[0];
      if (!f) return;
      const fd = new FormData();
      fd.append('file', f);
      act(async function () {
        const res = await fetch(base + '/attachments', { method: 'POST', body: fd, credentials: 'same-origin', headers: { 'X-Requested-With': 'fetch' } });
        if (!res.ok) { const p = await res.json(); const e = new Error(p.detail); e.problem = p; throw e; }
      });
    });
    await load();
    if (inc && inc.lon !== null && inc.lon !== undefined) {
      mark(mapRef.marks, inc.lon, inc.lat);
      mapRef.map.getView().animate({ center: ol.proj.fromLonLat([inc.lon, inc.lat]), zoom: 11, duration: 0 });
    }
    YInc.ready = true;
  }

  async function load() {
    YInc.loading = true;
    try {
      inc = await api(base);
      YInc.incident = inc;
      renderHead(); renderDeadlines(); renderFacts(); renderTasks(); renderOrders(); renderReports(); renderAttachments(); renderClosure();
      const [plans, tl] = await Promise.all([api(base + '/plans'), api(base + '/timeline')]);
      renderPlans(plans.items); renderTimeline(tl.items);
    } catch (e) { showError(e); }
    YInc.loading = false;
  }

  function renderHead() {
    document.getElementById('inc-title').textContent = inc.number + ' ' + inc.title;
    const g = document.getElementById('inc-grade');
    g.replaceWith(Object.assign(gradeBadge(inc.level, inc.grade), { id: 'inc-grade', title: inc.grading.basis }));
    const acts = document.getElementById('inc-actions');
    acts.replaceChildren(el('span', { class: 'status-tag' }, t('inc.status.' + inc.status)));
    if (inc.merged_into) acts.append(el('a', { class: 'btn small', href: '/incidents/' + inc.merged_into }, t('inc.merged-into')));
    // a public warning drafted from this incident (level, text and area pre-filled)
    if (inc.status === 'open' && can('warnings.draft')) {
      acts.append(el('a', { class: 'btn small', id: 'inc-warn', href: '/warnings/new?from_incident=' + inc.id }, t('inc.warn')));
    }
  }

  function renderDeadlines() {
    const ul = document.getElementById('deadlines');
    ul.replaceChildren();
    for (const d of inc.deadlines) {
      const li = el('li', { class: (d.done ? 'done ' : '') + (d.overdue ? 'overdue' : ''), 'data-kind': d.kind },
        el('span', { class: 'lbl', title: d.basis }, d.label), el('span', { class: 'muted' }, Y.time(d.due)), countdown(d.due, d.done, d.window));
      if (!d.done && (d.kind === 'initial' || d.kind === 'onward') && inc.status === 'open') {
        const to = el('input', { placeholder: t('inc.upward.to'), class: 'upward-to' });
        li.append(to, el('button', { type: 'button', class: 'btn small upward', onclick: function () {
          act(function () { return api(base + '/upward', { method: 'POST', body: { kind: d.kind, to: to.value, version: inc.version } }); }, t('inc.upward.done'));
        } }, t('inc.upward.mark')));
      }
      ul.append(li);
    }
  }

  function renderFacts() {
    const rows = [
      [t('inc.type'), inc.type_name], [t('inc.occurred'), Y.time(inc.occurred_at)], [t('inc.received'), Y.time(inc.received_at)],
      [t('inc.division'), divName(inc.division_code) + ' (' + inc.division_code + ')'], [t('inc.address'), inc.address || '—'],
      [t('inc.position.short'), inc.lon === null ? '—' : inc.lon.toFixed(6) + ', ' + inc.lat.toFixed(6)],
      [t('inc.source'), t('inc.source.' + inc.source) + (inc.alarm_id ? ' #' + inc.alarm_id : '')],
      [t('inc.reporter'), (inc.reporter || '—') + ' ' + (inc.reporter_phone || '')], [t('inc.unit'), inc.unit || '—'],
      [t('inc.casualties'), fmtCasualties(inc)], [t('inc.loss-wan'), Y.num((inc.direct_loss_cny || 0) / 10000)],
      [t('inc.grade.basis'), inc.grading.basis + (inc.grading.verified ? '' : ' ' + t('inc.unverified'))],
      [t('inc.response'), inc.response_plan ? inc.response_plan + ' ' + ['', 'Ⅰ', 'Ⅱ', 'Ⅲ', 'Ⅳ'][inc.response_level] : '—'],
      [t('inc.description'), inc.description || '—'],
    ];
    document.getElementById('facts').replaceChildren(...rows.map(function (r) { return el('tr', {}, el('th', {}, r[0]), el('td', {}, r[1])); }));
    const f = document.getElementById('figures-form');
    f.replaceChildren();
    if (inc.status !== 'open' || !can('incidents.write')) return;
    const fields = [['deaths', 'inc.deaths'], ['missing', 'inc.missing'], ['serious_injuries', 'inc.injuries'], ['trapped', 'inc.trapped']];
    for (const [k, label] of fields) f.append(el('label', {}, t(label), ' ', el('input', { type: 'number', min: '0', id: 'fig-' + k, value: inc[k] })));
    f.append(el('label', {}, t('inc.loss-wan'), ' ', el('input', { type: 'number', min: '0', step: '0.01', id: 'fig-loss', value: (inc.direct_loss_cny || 0) / 10000 })));
    f.append(el('button', { class: 'btn small', type: 'submit', id: 'fig-save' }, t('inc.figures.save')));
    f.onsubmit = async function (ev) {
      ev.preventDefault();
      const b = { version: inc.version, direct_loss_cny: Math.round(Number(document.getElementById('fig-loss').value) * 10000 * 100) / 100 };
      for (const [k] of fields) b[k] = Math.round(Number(document.getElementById('fig-' + k).value) || 0);
      const conflict = document.getElementById('figures-conflict');
      conflict.hidden = true;
      try {
        await api(base, { method: 'PATCH', body: b });
        await load();
        notice(t('inc.figures.saved'));
      } catch (e) {
        if (e.status === 409) { conflict.textContent = problemText(e) + ' ' + t('inc.conflict.hint'); conflict.hidden = false; }
        else showError(e);
      }
    };
  }

  function renderPlans(items) {
    const ul = document.getElementById('plans');
    ul.replaceChildren();
    if (!items.length) ul.append(el('li', { class: 'muted' }, t('inc.plans.none')));
    for (const s of items) {
      const li = el('li', {}, el('strong', {}, s.name), ' ', el('span', { class: 'status-tag' }, s.level_name), el('span', { class: 'muted' }, s.reason));
      if (can('incidents.command') && inc.status === 'open') {
        li.append(el('button', { type: 'button', class: 'btn small primary activate', 'data-plan': s.plan_id, onclick: function () {
          act(function () { return api(base + '/activate', { method: 'POST', body: { plan_id: s.plan_id, level: s.level, version: inc.version } }); }, t('inc.activated'));
        } }, t('inc.activate', { level: s.level_name })));
      }
      ul.append(li);
    }
  }

  function renderTasks() {
    const tb = document.querySelector('#tasks tbody');
    tb.replaceChildren();
    for (const task of inc.tasks || []) {
      const sel = el('select', { 'data-task': task.id });
      for (const s of ['open', 'in_progress', 'done', 'cancelled']) sel.append(el('option', { value: s, selected: s === task.status }, t('inc.task.' + s)));
      sel.addEventListener('change', function () {
        act(function () { return api(base + '/tasks/' + task.id, { method: 'PATCH', body: { status: sel.value, version: task.version } }); });
      });
      tb.append(el('tr', { class: task.overdue ? 'overdue' : '' }, el('td', {}, task.title, task.source ? el('div', { class: 'muted' }, task.source) : null),
        el('td', {}, task.owner), el('td', {}, task.due ? countdown(task.due, task.status === 'done' || task.status === 'cancelled', false) : '—'), el('td', {}, sel)));
    }
  }

  const NEXT = { ordered: ['en_route', 'cancelled'], en_route: ['on_site'], on_site: ['returned'] };
  function renderOrders() {
    const tb = document.querySelector('#orders tbody');
    tb.replaceChildren();
    for (const d of inc.dispatches || []) {
      const what = d.kind === 'supplies' ? (d.items || []).map(function (i) { return i.item + ' ' + Y.num(i.quantity) + (i.unit || ''); }).join('、')
        : d.kind === 'shelter' ? t('inc.places', { n: d.people }) : '';
      const btns = el('td', {});
      for (const s of NEXT[d.status] || []) {
        btns.append(el('button', { type: 'button', class: 'btn small advance', 'data-to': s, onclick: function () {
          act(function () { return api(base + '/dispatches/' + d.id, { method: 'PATCH', body: { status: s, version: d.version } }); });
        } }, t('inc.dstatus.' + s)));
      }
      tb.append(el('tr', { 'data-order': d.id }, el('td', {}, t('inc.kind.' + (d.kind === 'supplies' ? 'warehouse' : d.kind))), el('td', {}, d.resource_name),
        el('td', {}, what), el('td', { class: 'dstatus' }, t('inc.dstatus.' + d.status)), btns));
    }
  }

  async function nearest() {
    const kind = document.getElementById('nr-kind').value;
    const needs = document.getElementById('nr-needs').value.trim();
    const q = new URLSearchParams({ kind: kind, limit: '8' });
    if (needs && kind === 'warehouse') q.set('needs', needs);
    if (needs && kind === 'shelter') q.set('free', needs);
    if (needs && (kind === 'team' || kind === 'expert')) q.set('tags', needs);
    const tb = document.querySelector('#nearest tbody');
    tb.replaceChildren();
    mapRef.resources.clear();
    try {
      const r = await api(base + '/resources?' + q);
      YInc.nearest = r.items;
      for (const m of r.items) {
        mapRef.resources.addFeature(new ol.Feature(new ol.geom.Point(ol.proj.fromLonLat([m.lon, m.lat]))));
        const cell = el('td', {});
        let qty = null;
        if (kind === 'warehouse') {
          const want = {};
          needs.split(',').forEach(function (p) { const [k, v] = p.split(':'); if (k && v) want[k.trim()] = Number(v); });
          const items = Object.keys(want).length ? Object.keys(want) : Object.keys(m.stock || {}).slice(0, 1);
          qty = items.map(function (it) {
            const have = (m.stock || {})[it] || 0;
            return { item: it, input: el('input', { type: 'number', min: '0', value: Math.min(want[it] || 1, have), 'data-item': it, class: 'qty' }), have: have };
          });
          for (const x of qty) cell.append(x.item + ' ', x.input, ' / ' + Y.num(x.have) + ' ');
        } else if (kind === 'shelter') {
          qty = el('input', { type: 'number', min: '1', value: Math.min(+needs || 50, m.free_places || 0), class: 'qty' });
          cell.append(qty, ' / ' + t('inc.places', { n: m.free_places }));
        } else {
          cell.append((m.tags || []).join(', '));
        }
        const go = el('button', { type: 'button', class: 'btn small primary send', 'data-resource': m.id, onclick: function () {
          const body = { kind: kind === 'warehouse' ? 'supplies' : kind, resource_id: m.id };
          if (kind === 'warehouse') body.items = qty.map(function (x) { return { item: x.item, quantity: Number(x.input.value) }; });
          if (kind === 'shelter') body.people = Number(qty.value);
          act(async function () { await api(base + '/dispatches', { method: 'POST', body: body }); await nearest(); }, t('inc.dispatched', { name: m.name }));
        } }, t('inc.send'));
        tb.append(el('tr', { 'data-resource': m.id }, el('td', {}, m.name), el('td', {}, t('inc.km', { n: Y.num(Math.round(m.distance_km * 10) / 10) })),
          el('td', {}, t('inc.min', { n: Math.round(m.travel_min) })), cell, el('td', {}, can('incidents.command') && inc.status === 'open' ? go : '')));
      }
      if (!r.items.length) tb.append(el('tr', {}, el('td', { class: 'muted' }, t('inc.nearest.none'))));
    } catch (e) { showError(e); }
  }

  const RFIELDS = ['title', 'unit', 'place', 'course', 'casualties', 'loss', 'measures', 'other'];
  function renderReports() {
    const ul = document.getElementById('reports');
    ul.replaceChildren();
    for (const r of inc.reports || []) {
      const li = el('li', { 'data-report': r.id }, el('strong', {}, r.number || t('inc.report.unnumbered')), ' ', r.title, ' ',
        el('span', { class: 'status-tag rstatus' }, t('inc.rstatus.' + r.status)),
        el('a', { class: 'small-link', href: base + '/reports/' + r.id + '/pdf' }, 'PDF'), ' ',
        el('a', { class: 'small-link', href: base + '/reports/' + r.id + '/docx' }, 'DOCX'),
        el('button', { type: 'button', class: 'btn small open-report', onclick: function () { openReport(r); } }, t('inc.report.open')));
      ul.append(li);
    }
    const open = YInc.openReport && (inc.reports || []).find(function (r) { return r.id === YInc.openReport; });
    if (open) openReport(open); else document.getElementById('report-form').hidden = true;
  }
  function openReport(r) {
    YInc.openReport = r.id;
    const f = document.getElementById('report-form');
    f.replaceChildren();
    const editable = r.status === 'draft' || r.status === 'submitted';
    for (const k of RFIELDS) {
      const input = k === 'title' || k === 'unit' ? el('input', { id: 'rp-' + k, value: r[k] || '' }) : el('textarea', { id: 'rp-' + k, rows: k === 'course' || k === 'measures' ? 4 : 2 }, r[k] || '');
      if (!editable) input.setAttribute('readonly', '');
      f.append(el('div', { class: 'field' }, el('label', { for: 'rp-' + k }, t('inc.report.' + k)), input));
    }
    for (const s of r.sections || []) f.append(el('div', { class: 'field section' }, el('label', {}, s.heading + ' — ' + s.author), el('p', {}, s.body)));
    if (editable) {
      f.append(el('div', { class: 'field' }, el('label', { for: 'rp-sh' }, t('inc.report.section')), el('input', { id: 'rp-sh', placeholder: t('inc.report.heading') }),
        el('textarea', { id: 'rp-sb', rows: 2, placeholder: t('inc.report.body') })));
    }
    const step = function (a) {
      return el('button', { type: 'button', class: 'btn small step-' + a, onclick: function () {
        act(function () { return api(base + '/reports/' + r.id + '/' + a, { method: 'POST', body: { version: r.version } }); });
      } }, t('inc.report.' + a));
    };
    const btns = el('div', { class: 'form-buttons' });
    if (editable && can('incidents.write')) {
      btns.append(el('button', { type: 'button', class: 'btn small primary', id: 'rp-save', onclick: function () {
        const b = { version: r.version };
        for (const k of RFIELDS) b[k] = document.getElementById('rp-' + k).value;
        const sh = document.getElementById('rp-sh').value.trim(), sb = document.getElementById('rp-sb').value.trim();
        if (sh || sb) b.section = { heading: sh, body: sb };
        act(function () { return api(base + '/reports/' + r.id, { method: 'PATCH', body: b }); }, t('inc.report.saved'));
      } }, t('inc.report.save')));
      if (r.status === 'draft') btns.append(step('submit'));
    }
    if (can('incidents.command')) {
      if (r.status === 'submitted' || r.status === 'draft') btns.append(step('approve'));
      if (r.status === 'submitted') btns.append(step('reject'));
      if (r.status === 'approved') btns.append(step('publish'));
    }
    f.append(btns);
    f.hidden = false;
  }

  function renderAttachments() {
    const ul = document.getElementById('attachments');
    ul.replaceChildren();
    for (const a of inc.attachments || []) {
      ul.append(el('li', {}, el('a', { href: base + '/attachments/' + a.id }, a.name), el('span', { class: 'muted' }, Y.num(Math.ceil(a.size / 1024)) + ' KB · ' + a.by + ' · ' + Y.time(a.at))));
    }
  }

  function renderClosure() {
    const box = document.getElementById('closure');
    box.replaceChildren();
    if (inc.status === 'open') {
      if (!can('incidents.command')) { box.append(el('p', { class: 'muted' }, t('inc.closure.needs'))); return; }
      const ta = el('textarea', { id: 'close-summary', rows: 3, placeholder: t('inc.closure.summary') });
      box.append(ta, el('button', { type: 'button', class: 'btn small danger', id: 'close-btn', onclick: function () {
        act(function () { return api(base + '/close', { method: 'POST', body: { summary: ta.value, version: inc.version } }); }, t('inc.closed'));
      } }, t('inc.close')));
      return;
    }
    box.append(el('p', {}, inc.summary || ''));
    const rv = inc.review;
    if (rv) {
      box.append(el('h3', {}, t('inc.review')), el('p', {}, rv.summary),
        el('ul', {}, ...(rv.findings || []).map(function (x) { return el('li', {}, x); })),
        el('ul', {}, ...(rv.follow_ups || []).map(function (x) { return el('li', {}, x.title + ' — ' + x.owner); })));
    }
    if (inc.status === 'closed' && can('incidents.command')) {
      const s = el('textarea', { id: 'rv-summary', rows: 2, placeholder: t('inc.review.summary') }, rv ? rv.summary : '');
      const fi = el('textarea', { id: 'rv-findings', rows: 3, placeholder: t('inc.review.findings') }, rv ? (rv.findings || []).join('\n') : '');
      const fu = el('textarea', { id: 'rv-followups', rows: 3, placeholder: t('inc.review.followups') },
        rv ? (rv.follow_ups || []).map(function (x) { return x.title + '|' + x.owner; }).join('\n') : '');
      box.append(el('h3', {}, t('inc.review.edit')), s, fi, fu, el('button', { type: 'button', class: 'btn small', id: 'rv-save', onclick: function () {
        const lines = function (v) { return v.split('\n').map(function (x) { return x.trim(); }).filter(Boolean); };
        const body = { summary: s.value, findings: lines(fi.value), version: inc.version,
          follow_ups: lines(fu.value).map(function (l) { const [title, owner] = l.split('|'); return { title: title || '', owner: (owner || '').trim() }; }) };
        act(function () { return api(base + '/review', { method: 'PUT', body: body }); }, t('inc.review.saved'));
      } }, t('inc.review.save')));
    }
  }

  function renderTimeline(items) {
    const ol_ = document.getElementById('timeline');
    ol_.replaceChildren();
    for (const e of items.slice().reverse()) {
      ol_.append(el('li', { class: 'k-' + e.kind }, el('time', {}, Y.time(e.at)), el('strong', {}, e.actor), ' ', e.summary));
    }
  }

  const run = view === 'board' ? board : view === 'new' ? intake : detail;
  run().catch(showError);
})();
