// registry.js: the registry pages — the list of a kind's records with
// filters and paging, a record with its map, and the form that creates or
// changes a record with a map picker. Everything comes from the JSON API:
// the kind's fields and labels from /api/v1/registry/kinds, the records
// from /api/v1/{kind}; validation is the API's, shown beside each field.
(function () {
  'use strict';
  const { t, api, el } = Y;
  const root = document.getElementById('registry');
  if (!root) return;
  const kindPath = root.dataset.kind;
  const recID = root.dataset.id;
  const view = root.dataset.view;
  const errBox = document.getElementById('reg-error');
  const titleEl = document.getElementById('reg-title');
  const actions = document.getElementById('reg-actions');
  const PAGE = 50;
  const R = (window.YRegistry = { ready: false });
  let kind = null;
  let canWrite = false;
  let canReveal = false; // personal.reveal: the 显示 buttons of masked fields
  const divNames = new Map(); // code → name

  function fieldLabel(f) { return Y.lang === 'en' ? (f.LabelEn || f.Name) : (f.Label || f.Name); }
  function optLabel(opts, v) {
    const o = (opts || []).find(function (x) { return x.Value === v; });
    return o ? Y.label(o) : (v || '—');
  }
  function divName(code) { return code ? (divNames.get(code) || code) : '—'; }
  function categoryName() { return t('reg.filter.category'); }

  // problemText turns an API error into one line for the page.
  function problemText(e) {
    const p = e.problem || {};
    const detail = p.detail || p.title || e.message;
    if (e.status === 403) return t('reg.forbidden', { detail: detail });
    if (e.status === 404) return t('reg.notfound', { detail: detail });
    if (e.status) return t('reg.problem', { status: e.status, detail: detail });
    return t('error.generic', { detail: detail });
  }
  function showError(e) {
    errBox.textContent = problemText(e);
    errBox.hidden = false;
  }

  function recordURL(id) { return '/registry/' + kindPath + '/' + id; }

  // base loads what every view needs: the kinds, the user's permissions
  // and the division names.
  async function base() {
    const [kinds, me, divs] = await Promise.all([
      api('/api/v1/registry/kinds'),
      api('/api/v1/auth/me').catch(function () { return { permissions: [] }; }),
      api('/api/v1/divisions').catch(function () { return { items: [] }; }),
    ]);
    for (const d of divs.items || []) divNames.set(d.code, d.name);
    R.divisions = divs.items || [];
    kind = (kinds.items || []).find(function (k) { return k.path === kindPath; });
    canWrite = (me.permissions || []).indexOf('registry.write') >= 0;
    canReveal = (me.permissions || []).indexOf('personal.reveal') >= 0;
    R.kind = kind;
    R.kinds = kinds.items || [];
    R.canWrite = canWrite;
    const tabs = document.getElementById('kind-tabs');
    tabs.replaceChildren.apply(tabs, (kinds.items || []).map(function (k) {
      return el('a', { href: '/registry/' + k.path, class: k.path === kindPath ? 'active' : null, 'data-kind': k.path }, Y.label(k));
    }));
    document.title = Y.label(kind) + ' · ' + t('app.name');
  }

  // ---- the list ----
  async function list() {
    const q = new URLSearchParams(location.search);
    const fc = document.getElementById('f-county');
    const fcat = document.getElementById('f-category');
    const fst = document.getElementById('f-status');
    const fq = document.getElementById('f-q');
    titleEl.textContent = Y.label(kind);
    document.getElementById('f-category-label').textContent = t('reg.filter.category');
    const counties = R.divisions.filter(function (d) { return d.level === 'county'; });
    for (const d of counties) fc.append(el('option', { value: d.code }, d.name));
    for (const o of kind.categories || []) fcat.append(el('option', { value: o.Value }, Y.label(o)));
    for (const o of kind.statuses || []) fst.append(el('option', { value: o.Value }, Y.label(o)));
    fc.value = q.get('division') || '';
    fcat.value = q.get(kind.category_field) || '';
    fst.value = q.get('status') || '';
    fq.value = q.get('q') || '';
    let offset = Math.max(0, parseInt(q.get('offset') || '0', 10) || 0);
    const csv = el('a', { id: 'reg-csv', class: 'btn', href: '#' }, t('reg.csv'));
    actions.replaceChildren(csv);
    if (canWrite) actions.append(el('a', { id: 'reg-new', class: 'btn primary', href: '/registry/' + kindPath + '/new' }, t('reg.new')));
    ledgerButtons(params);

    function params() {
      const p = new URLSearchParams();
      if (fc.value) p.set('division', fc.value);
      if (fcat.value) p.set(kind.category_field, fcat.value);
      if (fst.value) p.set('status', fst.value);
      if (fq.value.trim()) p.set('q', fq.value.trim());
      return p;
    }
    async function load() {
      const p = params();
      const page = new URLSearchParams(p);
      if (offset) page.set('offset', String(offset));
      history.replaceState(null, '', location.pathname + (page.toString() ? '?' + page : ''));
      const exp = new URLSearchParams(p);
      exp.set('format', 'csv');
      exp.set('limit', '5000');
      csv.href = '/api/v1/' + kindPath + '?' + exp;
      p.set('limit', String(PAGE));
      p.set('offset', String(offset));
      R.loading = true;
      const tbody = document.getElementById('reg-rows');
      let res;
      try {
        res = await api('/api/v1/' + kindPath + '?' + p);
      } catch (e) {
        showError(e);
        tbody.replaceChildren();
        R.loading = false;
        return;
      }
      errBox.hidden = true;
      const items = res.items || [];
      tbody.replaceChildren.apply(tbody, items.map(function (o) {
        return el('tr', { 'data-id': o.id },
          el('td', {}, el('a', { href: recordURL(o.id) }, o.code)),
          el('td', {}, el('a', { href: recordURL(o.id), class: 'rec-link' }, o.name)),
          el('td', {}, optLabel(kind.categories, o[kind.category_field])),
          el('td', {}, optLabel(kind.statuses, o.status)),
          el('td', {}, divName(o.division_code)),
          el('td', {}, Y.time(o.updated_at)));
      }));
      if (!items.length) tbody.append(el('tr', { class: 'empty' }, el('td', { colspan: 6, class: 'muted' }, t('reg.empty'))));
      const total = res.total || 0;
      const tot = document.getElementById('reg-total');
      tot.dataset.total = String(total);
      tot.textContent = t('reg.total', { n: Y.num(total) });
      const pages = Math.max(1, Math.ceil(total / PAGE));
      document.getElementById('page-info').textContent = t('reg.page', { page: Y.num(Math.floor(offset / PAGE) + 1), pages: Y.num(pages) });
      document.getElementById('page-prev').disabled = offset <= 0;
      document.getElementById('page-next').disabled = offset + PAGE >= total;
      R.total = total;
      R.rows = items.length;
      R.loading = false;
    }
    document.getElementById('reg-filters').addEventListener('submit', function (ev) { ev.preventDefault(); offset = 0; load(); });
    for (const s of [fc, fcat, fst]) s.addEventListener('change', function () { offset = 0; load(); });
    document.getElementById('page-prev').addEventListener('click', function () { offset = Math.max(0, offset - PAGE); load(); });
    document.getElementById('page-next').addEventListener('click', function () { offset += PAGE; load(); });
    R.load = load;
    await load();
  }

  // ---- maps ----
  async function smallMap(geomLayer) {
    const boundaries = new ol.source.Vector();
    const map = new ol.Map({
      target: 'rec-map',
      layers: [new ol.layer.Vector({ source: boundaries, style: new ol.style.Style({
        stroke: new ol.style.Stroke({ color: '#5c7cfa', width: 1 }), fill: new ol.style.Fill({ color: 'rgba(220,230,250,0.35)' }) }) }), geomLayer],
      view: new ol.View({ center: ol.proj.fromLonLat([99.17, 25.12]), zoom: 8 }),
    });
    try {
      const fc = await api('/api/v1/divisions?format=geojson');
      boundaries.addFeatures(new ol.format.GeoJSON().readFeatures(fc, { featureProjection: 'EPSG:3857' }));
    } catch (e) { /* the record is still shown */ }
    return { map: map, boundaries: boundaries };
  }
  const markStyle = new ol.style.Style({
    image: new ol.style.Circle({ radius: 7, fill: new ol.style.Fill({ color: '#e03131' }), stroke: new ol.style.Stroke({ color: '#fff', width: 2 }) }),
    stroke: new ol.style.Stroke({ color: '#e03131', width: 3 }), fill: new ol.style.Fill({ color: 'rgba(224,49,49,0.25)' }),
  });
  function readGeom(g) { return g ? new ol.format.GeoJSON().readGeometry(g, { featureProjection: 'EPSG:3857' }) : null; }
  function fitTo(map, geom, boundaries) {
    if (geom) map.getView().fit(geom.getExtent(), { maxZoom: 12, padding: [30, 30, 30, 30] });
    else if (boundaries.getFeatures().length) map.getView().fit(boundaries.getExtent(), { padding: [10, 10, 10, 10] });
  }

  // ---- a record ----
  function fmtValue(f, v) {
    if (v === null || v === undefined || v === '') return '—';
    switch (f.Type) {
      case 'boolean': return v ? t('common.yes') : t('common.no');
      case 'integer': case 'number': return Y.num(v) + (f.Unit ? ' ' + f.Unit : '');
      case 'enum': return optLabel(f.Options, v);
      case 'strings': return Array.isArray(v) ? v.map(function (x) { return (f.Options || []).length ? optLabel(f.Options, x) : x; }).join(Y.lang === 'en' ? ', ' : '、') : String(v);
      case 'contacts': case 'substances': case 'stock': return subTable(f.Type, v);
      default: return String(v);
    }
  }
  // personalCell shows a personal field masked (as the API gives it) with,
  // for roles that may, a 显示 button that asks the audited reveal route
  // for the clear value.
  function personalCell(f, o) {
    const box = el('span', { class: 'personal', 'data-personal': f.Name });
    const val = el('span', { class: 'personal-value' }, fmtValue(f, o[f.Name]));
    box.append(val);
    if (!canReveal) return box;
    const btn = el('button', { type: 'button', class: 'btn small reveal', 'data-reveal': f.Name, title: t('personal.reveal.hint') }, t('personal.reveal'));
    btn.addEventListener('click', async function () {
      btn.disabled = true;
      try {
        const r = await api('/api/v1/' + kindPath + '/' + o.id + '/reveal', { method: 'POST', body: { fields: [f.Name] } });
        const v = r.fields ? r.fields[f.Name] : undefined;
        val.replaceChildren(fmtValue(f, v));
        box.classList.add('revealed');
        btn.remove();
      } catch (e) {
        btn.disabled = false;
        showError(e);
      }
    });
    box.append(' ', btn);
    return box;
  }
  const SUB = {
    contacts: [['name', 'reg.sub.name'], ['role', 'reg.sub.role'], ['phone', 'reg.sub.phone']],
    substances: [['name', 'reg.sub.name'], ['cas', 'reg.sub.cas'], ['quantity_t', 'reg.sub.quantity_t']],
    stock: [['item', 'reg.sub.item'], ['quantity', 'reg.sub.quantity'], ['unit', 'reg.sub.unit']],
  };
  const SUBNUM = { quantity_t: 1, quantity: 1 };
  function subTable(type, rows) {
    if (!Array.isArray(rows) || !rows.length) return '—';
    const cols = SUB[type];
    return el('table', { class: 'subtable' },
      el('thead', {}, el('tr', {}, ...cols.map(function (c) { return el('th', {}, t(c[1])); }))),
      el('tbody', {}, ...rows.map(function (r) {
        return el('tr', {}, ...cols.map(function (c) { return el('td', {}, SUBNUM[c[0]] ? Y.num(r[c[0]]) : (r[c[0]] || '')); }));
      })));
  }

  async function detail() {
    let o;
    try {
      o = await api('/api/v1/' + kindPath + '/' + recID);
    } catch (e) {
      titleEl.textContent = Y.label(kind);
      showError(e);
      return;
    }
    R.record = o;
    titleEl.textContent = o.name;
    const rows = [
      [kind.code_label && Y.lang !== 'en' ? kind.code_label : t('attr.code'), o.code],
      [t('reg.col.name'), o.name],
      [categoryName(), optLabel(kind.categories, o[kind.category_field])],
      [t('attr.status'), optLabel(kind.statuses, o.status)],
      [t('attr.division'), divName(o.division_code) + (o.division_code ? ' (' + o.division_code + ')' : '')],
    ];
    if (o.owner_id) {
      const ow = await ownerOf(o.owner_id);
      rows.push([t('reg.owner'), ow ? el('a', { href: '/registry/' + ow.path + '/' + ow.rec.id }, ownerText(ow)) : String(o.owner_id), 'owner_id']);
    }
    for (const f of kind.fields || []) {
      if (o[f.Name] === undefined || o[f.Name] === null) continue;
      rows.push([fieldLabel(f), f.Personal ? personalCell(f, o) : fmtValue(f, o[f.Name]), f.Name]);
    }
    if (o.lon !== undefined) rows.push([t('attr.position'), Y.num(o.lon) + ', ' + Y.num(o.lat)]);
    rows.push([t('attr.updated'), Y.time(o.updated_at)]);
    rows.push([t('reg.version'), String(o.version)]);
    const tb = document.getElementById('rec-attrs');
    tb.replaceChildren.apply(tb, rows.map(function (r) {
      return el('tr', { 'data-field': r[2] || null }, el('th', {}, r[0]), el('td', {}, r[1]));
    }));
    actions.replaceChildren(el('a', { class: 'btn', href: '/registry/' + kindPath }, t('reg.back')));
    if (canWrite) {
      actions.append(el('a', { id: 'rec-edit', class: 'btn primary', href: recordURL(o.id) + '/edit' }, t('reg.edit')));
      actions.append(el('button', { id: 'rec-delete', type: 'button', class: 'btn danger', onclick: async function () {
        if (!window.confirm(t('reg.delete.confirm', { name: o.name }))) return;
        try {
          await api('/api/v1/' + kindPath + '/' + o.id, { method: 'DELETE' });
          location.href = '/registry/' + kindPath;
        } catch (e) { showError(e); }
      } }, t('reg.delete')));
    }
    const src = new ol.source.Vector();
    const g = readGeom(o.geometry);
    if (g) src.addFeature(new ol.Feature(g));
    const m = await smallMap(new ol.layer.Vector({ source: src, style: markStyle }));
    fitTo(m.map, g, m.boundaries);
    R.map = m.map;
  }

  // ---- the form ----
  function errorSlot(name) { return el('p', { class: 'field-error', 'data-error-for': name, hidden: true }); }
  function wrap(name, label, required, input, cats) {
    return el('div', { class: 'field', 'data-field': name, 'data-categories': cats && cats.length ? cats.join(',') : null },
      el('label', { for: 'in-' + name }, label, required ? el('span', { class: 'req', title: t('reg.required') }, ' *') : null),
      input, errorSlot(name));
  }
  function select(name, opts, value, blank) {
    const s = el('select', { id: 'in-' + name, name: name });
    if (blank !== undefined) s.append(el('option', { value: '' }, blank));
    for (const o of opts) s.append(el('option', { value: o[0] }, o[1]));
    s.value = value === undefined || value === null ? '' : String(value);
    return s;
  }
  function subEditor(f, rows) {
    const cols = SUB[f.Type];
    const body = el('tbody');
    function addRow(r) {
      r = r || {};
      body.append(el('tr', {}, ...cols.map(function (c) {
        return el('td', {}, el('input', { 'data-sub': c[0], type: SUBNUM[c[0]] ? 'number' : 'text', step: 'any', value: r[c[0]] === undefined ? '' : r[c[0]], 'aria-label': t(c[1]) }));
      }), el('td', {}, el('button', { type: 'button', class: 'btn small', onclick: function (ev) { ev.target.closest('tr').remove(); } }, '×'))));
    }
    (rows || []).forEach(addRow);
    return el('div', { id: 'in-' + f.Name, class: 'subeditor', 'data-type': f.Type },
      el('table', { class: 'subtable' }, el('thead', {}, el('tr', {}, ...cols.map(function (c) { return el('th', {}, t(c[1])); }), el('th'))), body),
      el('button', { type: 'button', class: 'btn small', onclick: function () { addRow(); } }, t('reg.addrow')));
  }
  // enumOptions are a field's values with their labels in the page's
  // language (the registry's Options), or the bare values without them.
  function enumOptions(f) {
    if ((f.Options || []).length) return f.Options.map(function (o) { return [o.Value, Y.label(o)]; });
    return (f.Enum || []).map(function (x) { return [x, x]; });
  }
  function input(f, v) {
    const name = f.Name;
    switch (f.Type) {
      case 'enum': return select(name, enumOptions(f), v, '—');
      case 'boolean': return select(name, [['true', t('common.yes')], ['false', t('common.no')]], v === undefined || v === null ? '' : String(v), '—');
      case 'integer': case 'number': {
        const i = el('input', { id: 'in-' + name, name: name, type: 'number', step: f.Type === 'integer' ? '1' : 'any',
          min: f.Min !== null && f.Min !== undefined ? f.Min : null, max: f.Max !== null && f.Max !== undefined ? f.Max : null });
        if (v !== undefined && v !== null) i.value = v;
        return f.Unit ? el('span', { class: 'with-unit' }, i, ' ', f.Unit) : i;
      }
      case 'strings': {
        if ((f.Options || []).length) {
          // a closed list: one checkbox per option, labelled
          const have = new Set(Array.isArray(v) ? v : []);
          return el('div', { id: 'in-' + name, class: 'checks', role: 'group' }, ...f.Options.map(function (o) {
            return el('label', { class: 'check' }, el('input', { type: 'checkbox', value: o.Value, checked: have.has(o.Value) }), ' ', Y.label(o));
          }));
        }
        const i = el('input', { id: 'in-' + name, name: name, placeholder: t('reg.strings.hint') });
        if (Array.isArray(v)) i.value = v.join('、');
        return i;
      }
      case 'contacts': case 'substances': case 'stock': return subEditor(f, v);
      default: {
        const i = el('input', { id: 'in-' + name, name: name, type: f.Type === 'phone' ? 'tel' : 'text' });
        if (v !== undefined && v !== null) i.value = v;
        return i;
      }
    }
  }
  function readField(f) {
    const node = document.getElementById('in-' + f.Name);
    if (f.Type === 'contacts' || f.Type === 'substances' || f.Type === 'stock') {
      const out = [];
      node.querySelectorAll('tbody tr').forEach(function (tr) {
        const r = {};
        let any = false;
        tr.querySelectorAll('input[data-sub]').forEach(function (i) {
          const k = i.dataset.sub;
          if (i.value.trim() === '') return;
          any = true;
          r[k] = SUBNUM[k] ? Number(i.value) : i.value.trim();
        });
        if (any) out.push(r);
      });
      return out.length ? out : null;
    }
    if (f.Type === 'strings' && (f.Options || []).length) {
      const vs = [...node.querySelectorAll('input[type=checkbox]:checked')].map(function (i) { return i.value; });
      return vs.length ? vs : null;
    }
    const raw = node.value.trim();
    if (raw === '') {
      // a number input holds '' for what is not a number: say so.
      if ((f.Type === 'integer' || f.Type === 'number') && node.validity && node.validity.badInput) return { bad: true };
      return null;
    }
    switch (f.Type) {
      case 'integer': case 'number': return Number(raw);
      case 'boolean': return raw === 'true';
      case 'strings': return raw.split(/[、,，;；]/).map(function (s) { return s.trim(); }).filter(Boolean);
      default: return raw;
    }
  }

  // ---- the owner ----
  // ownerKinds are the kinds that may own a record of this kind, with
  // their paths and labels.
  function ownerKinds() {
    return (kind.owners || []).map(function (n) { return R.kinds.find(function (k) { return k.name === n; }); }).filter(Boolean);
  }
  function ownerText(ow) { return Y.label(ow.kind) + ' · ' + ow.rec.name + ' (' + ow.rec.code + ')'; }
  // ownerOf finds the owning record among the owner kinds (IDs are unique
  // across kinds; a kind that does not hold it answers 404).
  async function ownerOf(id) {
    for (const k of ownerKinds()) {
      try { return { kind: k, path: k.path, rec: await api('/api/v1/' + k.path + '/' + id) }; } catch (e) { /* not this kind */ }
    }
    return null;
  }
  // ownerPicker is a search box over the owner kinds by name or code
  // (the API's q=): type, pick a match from the list (mouse or arrows and
  // Enter); the chosen owner shows beside with a button to clear it.
  function ownerPicker(current) {
    let chosen = current || null;
    const inp = el('input', { id: 'in-owner_id', type: 'search', autocomplete: 'off', role: 'combobox', 'aria-expanded': 'false',
      'aria-controls': 'owner-results', 'aria-autocomplete': 'list', placeholder: t('reg.owner.search') });
    const list = el('ul', { id: 'owner-results', class: 'owner-results', role: 'listbox', hidden: true });
    const shown = el('span', { id: 'owner-chosen', class: 'owner-chosen' });
    const clear = el('button', { type: 'button', id: 'owner-clear', class: 'btn small', hidden: true, 'aria-label': t('reg.owner.clear') }, '×');
    function show(ow) {
      shown.textContent = ow ? ownerText(ow) : (chosen ? '#' + chosen : t('reg.owner.none'));
      clear.hidden = !chosen;
    }
    function close() { list.hidden = true; inp.setAttribute('aria-expanded', 'false'); }
    function pick(ow) {
      chosen = ow.rec.id;
      show(ow);
      inp.value = '';
      close();
    }
    clear.addEventListener('click', function () { chosen = null; show(null); });
    let seq = 0;
    let timer = null;
    async function search() {
      const q = inp.value.trim();
      const mine = ++seq;
      if (q === '') { close(); return; }
      R.ownerSearching = true;
      const res = await Promise.all(ownerKinds().map(function (k) {
        return api('/api/v1/' + k.path + '?limit=8&q=' + encodeURIComponent(q)).then(function (r) {
          return (r.items || []).map(function (rec) { return { kind: k, path: k.path, rec: rec }; });
        }).catch(function () { return []; });
      }));
      if (mine !== seq) return;
      R.ownerSearching = false;
      const hits = [].concat.apply([], res).filter(function (ow) { return !R.record || ow.rec.id !== R.record.id; });
      list.replaceChildren.apply(list, hits.length ? hits.map(function (ow, i) {
        return el('li', { role: 'option', id: 'owner-opt-' + i, 'data-id': ow.rec.id, tabindex: '-1',
          onmousedown: function (ev) { ev.preventDefault(); pick(ow); } }, ownerText(ow));
      }) : [el('li', { class: 'empty' }, t('reg.owner.nomatch'))]);
      list.hits = hits;
      list.active = -1;
      list.hidden = false;
      inp.setAttribute('aria-expanded', 'true');
    }
    inp.addEventListener('input', function () { clearTimeout(timer); timer = setTimeout(search, 200); });
    inp.addEventListener('blur', function () { setTimeout(close, 150); });
    inp.addEventListener('keydown', function (ev) {
      const hits = list.hits || [];
      if (list.hidden || !hits.length) { if (ev.key === 'Enter') ev.preventDefault(); return; }
      if (ev.key === 'ArrowDown' || ev.key === 'ArrowUp') {
        ev.preventDefault();
        list.active = (list.active + (ev.key === 'ArrowDown' ? 1 : hits.length - 1)) % hits.length;
        list.querySelectorAll('li').forEach(function (li, i) { li.classList.toggle('active', i === list.active); li.setAttribute('aria-selected', String(i === list.active)); });
        inp.setAttribute('aria-activedescendant', 'owner-opt-' + list.active);
      } else if (ev.key === 'Enter') {
        ev.preventDefault();
        pick(hits[Math.max(0, list.active)]);
      } else if (ev.key === 'Escape') close();
    });
    show(null);
    if (chosen) ownerOf(chosen).then(function (ow) { if (ow && chosen === ow.rec.id) show(ow); });
    return { node: el('div', { class: 'owner-picker' }, el('div', { class: 'owner-picker-row' }, shown, clear), inp, list), value: function () { return chosen; } };
  }

  async function form() {
    let o = null;
    if (recID) {
      try {
        o = await api('/api/v1/' + kindPath + '/' + recID);
      } catch (e) {
        titleEl.textContent = Y.label(kind);
        showError(e);
        document.getElementById('rec-form').hidden = true;
        return;
      }
    }
    R.record = o;
    titleEl.textContent = o ? t('reg.edit.title', { name: o.name }) : t('reg.new.title', { kind: Y.label(kind) });
    const cancel = document.getElementById('form-cancel');
    cancel.href = o ? recordURL(o.id) : '/registry/' + kindPath;
    if (!canWrite) {
      errBox.textContent = t('reg.readonly');
      errBox.hidden = false;
    }
    const box = document.getElementById('form-fields');
    const val = function (n) { return o ? o[n] : undefined; };
    const code = el('input', { id: 'in-code', name: 'code', value: val('code') || '' });
    const name = el('input', { id: 'in-name', name: 'name', value: val('name') || '' });
    const cat = select(kind.category_field, (kind.categories || []).map(function (c) { return [c.Value, Y.label(c)]; }), val(kind.category_field), '—');
    const st = select('status', (kind.statuses || []).map(function (c) { return [c.Value, Y.label(c)]; }), val('status') || ((kind.statuses || [])[0] || {}).Value);
    const divSel = select('division_code', [], '', t('reg.division.auto'));
    const fields = [
      wrap('code', kind.code_label && Y.lang !== 'en' ? kind.code_label : t('attr.code'), true, code),
      wrap('name', t('reg.col.name'), true, name),
      wrap(kind.category_field, categoryName(), true, cat),
      wrap('status', t('attr.status'), false, st),
      wrap('division_code', t('attr.division'), false, divSel),
    ];
    let owner = null;
    if ((kind.owners || []).length) {
      owner = ownerPicker(val('owner_id'));
      fields.push(wrap('owner_id', t('reg.owner'), false, owner.node));
    }
    for (const f of kind.fields || []) fields.push(wrap(f.Name, fieldLabel(f), f.Required, input(f, val(f.Name)), f.Categories));
    box.replaceChildren.apply(box, fields);

    // Division choices: the counties, and the division the API derives from
    // the point with its ancestors.
    function setDivisionOptions(extra, chosen) {
      const have = new Set();
      const keep = divSel.value;
      divSel.replaceChildren(el('option', { value: '' }, t('reg.division.auto')));
      const add = function (d) { if (!have.has(d.code)) { have.add(d.code); divSel.append(el('option', { value: d.code }, d.name + ' (' + d.code + ')')); } };
      (extra || []).forEach(add);
      R.divisions.filter(function (d) { return d.level === 'county'; }).forEach(add);
      if (chosen && !have.has(chosen)) add({ code: chosen, name: divName(chosen) });
      divSel.value = chosen !== undefined ? chosen : keep;
    }
    setDivisionOptions([], o ? o.division_code : '');

    function applyCategory() {
      box.querySelectorAll('.field[data-categories]').forEach(function (d) {
        d.hidden = !cat.value || d.dataset.categories.split(',').indexOf(cat.value) < 0;
      });
    }
    cat.addEventListener('change', applyCategory);
    applyCategory();

    // The map picker.
    const src = new ol.source.Vector();
    let geom = o && o.geometry ? o.geometry : null;
    let moved = false;
    const g0 = readGeom(geom);
    if (g0) src.addFeature(new ol.Feature(g0));
    const m = await smallMap(new ol.layer.Vector({ source: src, style: markStyle }));
    fitTo(m.map, g0, m.boundaries);
    R.map = m.map;
    const pos = document.getElementById('picker-pos');
    const pointOK = (kind.geometries || ['Point']).indexOf('Point') >= 0;
    function showPos(lon, lat, located) {
      pos.replaceChildren(el('span', {}, t('attr.position') + ': ' + lon.toFixed(6) + ', ' + lat.toFixed(6)));
      if (located) pos.append(el('br'), el('span', { id: 'picker-division' }, t('reg.division.derived', { name: located })));
    }
    if (o && o.lon !== undefined) showPos(o.lon, o.lat, divName(o.division_code));
    else pos.textContent = t('reg.picker.none');
    m.map.on('click', async function (ev) {
      if (!pointOK) { pos.textContent = t('reg.picker.nopoint'); return; }
      const ll = ol.proj.toLonLat(ev.coordinate);
      const lon = Math.round(ll[0] * 1e6) / 1e6, lat = Math.round(ll[1] * 1e6) / 1e6;
      geom = { type: 'Point', coordinates: [lon, lat] };
      moved = true;
      src.clear();
      src.addFeature(new ol.Feature(new ol.geom.Point(ol.proj.fromLonLat([lon, lat]))));
      showPos(lon, lat, null);
      R.picked = { lon: lon, lat: lat, division: null };
      try {
        const loc = await api('/api/v1/divisions/locate?lon=' + lon + '&lat=' + lat);
        const chain = (loc.ancestors || []).concat([loc.division]).reverse();
        showPos(lon, lat, chain.map(function (d) { return d.name; }).reverse().join(' '));
        setDivisionOptions(chain, '');
        R.picked.division = loc.division.code;
      } catch (e) {
        pos.append(el('br'), el('span', { class: 'error' }, problemText(e)));
        R.picked.division = '';
      }
    });

    function clearErrors() {
      Y.clearFieldErrors(root);
      errBox.hidden = true;
      document.getElementById('form-conflict').hidden = true;
    }
    function fieldError(field, message, code) { return Y.fieldError(root, field, message, code); }

    document.getElementById('rec-form').addEventListener('submit', async function (ev) {
      ev.preventDefault();
      clearErrors();
      const body = {};
      const setStr = function (n, v) {
        v = v.trim();
        if (o) { if (v !== (o[n] || '')) body[n] = v; } else if (v !== '') body[n] = v;
      };
      setStr('code', code.value);
      setStr('name', name.value);
      setStr(kind.category_field, cat.value);
      setStr('status', st.value);
      if (divSel.value) body.division_code = divSel.value;
      if (owner) {
        const v = owner.value();
        if (v !== null && (!o || v !== o.owner_id)) body.owner_id = v;
        else if (v === null && o && o.owner_id) body.owner_id = null;
      }
      let local = false;
      for (const f of kind.fields || []) {
        const wrapEl = box.querySelector('.field[data-field="' + f.Name + '"]');
        if (wrapEl.hidden) continue;
        const v = readField(f);
        if (v && v.bad) { fieldError(f.Name, t('reg.notnumber')); local = true; continue; }
        if (v === null) { if (o && o[f.Name] !== undefined && o[f.Name] !== null) body[f.Name] = null; continue; }
        if (o && JSON.stringify(o[f.Name]) === JSON.stringify(v)) continue;
        body[f.Name] = v;
      }
      if (local) return;
      if (geom && (!o || moved)) body.geometry = geom;
      if (o) body.version = o.version;
      const btn = document.getElementById('form-save');
      btn.disabled = true;
      R.saving = true;
      try {
        const saved = await api('/api/v1/' + kindPath + (o ? '/' + o.id : ''), { method: o ? 'PATCH' : 'POST', body: body });
        R.saved = saved;
        location.href = recordURL(saved.id);
      } catch (e) {
        btn.disabled = false;
        const p = e.problem || {};
        if (e.status === 409) {
          const c = document.getElementById('form-conflict');
          c.replaceChildren(t('reg.conflict', { detail: p.detail || e.message }), ' ',
            el('button', { type: 'button', id: 'form-reload', class: 'btn small', onclick: function () { location.reload(); } }, t('reg.reload')));
          c.hidden = false;
        } else {
          const rest = [];
          for (const fe of p.errors || []) if (!fieldError(fe.field, fe.message, p.code)) rest.push((fe.field ? fe.field + ': ' : '') + Y.fieldMessage(fe.message, p.code));
          if (rest.length || !(p.errors || []).length) {
            errBox.textContent = problemText(e) + (rest.length ? ' — ' + rest.join('；') : '');
            errBox.hidden = false;
          }
        }
        R.saving = false;
        R.failed = (R.failed || 0) + 1;
      }
    });
  }

  (async function () {
    try {
      await base();
    } catch (e) {
      titleEl.textContent = t('page.registry');
      showError(e);
      R.ready = true;
      return;
    }
    if (!kind) {
      titleEl.textContent = t('page.registry');
      showError({ status: 404, message: kindPath });
      R.ready = true;
      return;
    }
    try {
      if (view === 'list') await list();
      else if (view === 'detail') await detail();
      else await form();
    } catch (e) {
      showError(e);
    }
    R.ready = true;
  })();

  // ledgerButtons adds the Excel ledger's actions to the list: export the
  // filtered list (ledger API), download the kind's template and, for
  // writers, go to the import page.
  function ledgerButtons(params) {
    const base = '/api/v1/ledger/' + encodeURIComponent(kindPath);
    const xlsx = el('a', { id: 'reg-xlsx', class: 'btn', href: base + '/export.xlsx' }, t('ledger.export'));
    xlsx.addEventListener('click', function () {
      const p = params();
      if (Y.lang === 'en') p.set('lang', 'en');
      xlsx.href = base + '/export.xlsx' + (p.toString() ? '?' + p : '');
    });
    actions.append(xlsx, el('a', { id: 'reg-template', class: 'btn', href: base + '/template.xlsx' }, t('ledger.template')));
    if (canWrite) actions.append(el('a', { id: 'reg-import', class: 'btn', href: '/ledger?kind=' + encodeURIComponent(kindPath) }, t('ledger.import.link')));
  }
})();
