// audit.js: the audit administrator's search page: filters, a table newest
// first, an entry's detail with a before/after diff, exports with the same
// filters, and the hash chain's status.
(function () {
  'use strict';
  const root = document.getElementById('audit');
  if (!root) return;
  const form = document.getElementById('audit-filters');
  const rows = document.getElementById('audit-rows');
  const more = document.getElementById('audit-more');
  const errBox = document.getElementById('audit-error');
  const total = document.getElementById('audit-total');
  const FIELDS = ['actor', 'action', 'entity', 'entity_id', 'division', 'q', 'from', 'to'];
  let nextBefore = 0;
  let selected = null;

  function showError(e) {
    errBox.textContent = e.status === 403 ? Y.t('audit.forbidden', { detail: e.message }) : Y.t('error.generic', { detail: e.message });
    errBox.hidden = false;
  }

  // datetime-local values are local times; the API takes RFC 3339.
  function toRFC3339(v) { return v ? new Date(v).toISOString().replace(/\.\d{3}Z$/, 'Z') : ''; }
  function toLocal(v) {
    const d = new Date(v);
    if (Number.isNaN(d.getTime())) return '';
    const p = (n) => String(n).padStart(2, '0');
    return d.getFullYear() + '-' + p(d.getMonth() + 1) + '-' + p(d.getDate()) + 'T' + p(d.getHours()) + ':' + p(d.getMinutes());
  }

  function filters() {
    const q = new URLSearchParams();
    for (const f of FIELDS) {
      let v = form.elements[f].value.trim();
      if (f === 'from' || f === 'to') v = toRFC3339(v);
      if (v) q.set(f, v);
    }
    return q;
  }

  function cell(text) { return Y.el('td', null, text === undefined || text === null || text === '' ? '—' : String(text)); }

  function row(e) {
    const tr = Y.el('tr', { 'data-seq': e.seq, tabindex: '0' },
      cell(e.seq), cell(Y.time(e.at)), cell(e.actor), cell(e.action), cell(e.entity), cell(e.entity_id), cell(e.division_code), cell((e.alg || 'sha256').toUpperCase()));
    const open = function () {
      if (selected) selected.classList.remove('selected');
      selected = tr;
      tr.classList.add('selected');
      detail(e);
    };
    tr.addEventListener('click', open);
    tr.addEventListener('keydown', function (ev) { if (ev.key === 'Enter') open(); });
    return tr;
  }

  function show(v) { return v === undefined ? '' : JSON.stringify(v, null, 1); }

  // detail shows an entry and the difference between before and after,
  // field by field; changed fields are marked.
  function detail(e) {
    const box = document.getElementById('audit-detail');
    document.getElementById('audit-detail-title').textContent = Y.t('audit.detail', { seq: e.seq });
    const meta = document.getElementById('audit-meta');
    meta.replaceChildren();
    const items = [['audit.at', Y.time(e.at)], ['audit.actor', e.actor + (e.actor_id ? ' (#' + e.actor_id + ')' : '')], ['audit.action', e.action],
      ['audit.entity', e.entity + ' ' + (e.entity_id || '')], ['audit.division', e.division_code || '—'], ['audit.alg', (e.alg || 'sha256').toUpperCase()],
      ['audit.prev_hash', e.prev_hash || '—'], ['audit.hash', e.hash]];
    for (const [k, v] of items) meta.append(Y.el('dt', null, Y.t(k)), Y.el('dd', null, v));
    const before = e.before === undefined || e.before === null ? {} : e.before;
    const after = e.after === undefined || e.after === null ? {} : e.after;
    const diff = document.getElementById('audit-diff-rows');
    diff.replaceChildren();
    const objects = typeof before === 'object' && !Array.isArray(before) && typeof after === 'object' && !Array.isArray(after);
    const keys = objects ? Array.from(new Set(Object.keys(before).concat(Object.keys(after)))).sort() : [''];
    for (const k of keys) {
      const b = objects ? before[k] : before;
      const a = objects ? after[k] : after;
      const changed = JSON.stringify(b) !== JSON.stringify(a);
      diff.append(Y.el('tr', { class: changed ? 'changed' : null, 'data-field': k },
        Y.el('th', null, k || '—'), Y.el('td', { class: 'before' }, show(b)), Y.el('td', { class: 'after' }, show(a))));
    }
    box.hidden = false;
  }

  async function load(append) {
    errBox.hidden = true;
    const q = filters();
    q.set('order', 'desc');
    q.set('limit', '50');
    if (append && nextBefore) q.set('before_seq', String(nextBefore));
    try {
      const page = await Y.api('/api/v1/audit?' + q.toString());
      if (!append) rows.replaceChildren();
      for (const e of page.items) rows.append(row(e));
      nextBefore = page.next_before_seq || 0;
      more.hidden = !nextBefore;
      total.textContent = Y.t('audit.total', { n: Y.num(page.total), shown: Y.num(rows.children.length) });
      root.dataset.loaded = String(Number(root.dataset.loaded || 0) + 1);
    } catch (e) {
      showError(e);
    }
    const f = filters();
    for (const fmt of ['csv', 'jsonl']) {
      const x = new URLSearchParams(f);
      x.set('format', fmt);
      document.getElementById('audit-export-' + fmt).href = '/api/v1/audit/export?' + x.toString();
    }
    history.replaceState(null, '', location.pathname + (f.toString() ? '?' + f.toString() : ''));
  }

  async function chain() {
    const box = document.getElementById('audit-chain');
    try {
      Y.chainStatus(box, await Y.api('/api/v1/audit/verify'));
    } catch (e) {
      box.textContent = Y.t('error.generic', { detail: e.message });
      box.className = 'chain bad';
    }
  }

  const params = new URLSearchParams(location.search);
  for (const f of FIELDS) {
    const v = params.get(f);
    if (v) form.elements[f].value = f === 'from' || f === 'to' ? toLocal(v) : v;
  }
  form.addEventListener('submit', function (ev) { ev.preventDefault(); load(false); });
  form.addEventListener('reset', function () { setTimeout(function () { load(false); }, 0); });
  more.addEventListener('click', function () { load(true); });
  Y.api('/api/v1/auth/me').then(function (me) {
    document.getElementById('audit-exports').hidden = ((me && me.permissions) || []).indexOf('audit.export') < 0;
  }).catch(function () { /* the search shows the error */ });
  chain();
  load(false);
})();
