// recipients.js: the warning recipients registry — list (contacts masked by
// the API), filters, create and edit, delete, and CSV/.xlsx import with
// the API's row and column errors. Permission and area are the API's:
// recipients.manage, the user's division and below.
(function () {
  'use strict';
  const { t, api, el } = Y;
  const root = document.getElementById('recipients');
  if (!root) return;
  const R = (window.YRecipients = { ready: false, loading: false, saving: false, saved: 0, failed: 0, imported: 0 });
  const errBox = document.getElementById('rcp-error');
  const notice = document.getElementById('rcp-notice');
  const tbody = document.getElementById('rcp-rows');
  const form = document.getElementById('rcp-form');
  const f = {};
  for (const n of ['kind', 'name', 'division_code', 'lon', 'lat', 'follows', 'phone', 'email', 'app_user', 'webhook', 'topic', 'note', 'enabled']) {
    f[n] = document.getElementById('in-' + n);
  }
  const kinds = ['staff', 'grid_worker', 'info_officer', 'enterprise_contact', 'public', 'loudspeaker'];
  const channels = ['sms', 'email', 'webpush', 'webhook', 'mqtt', 'inbox'];
  const divNames = new Map();
  const limit = 50;
  let offset = 0;
  let total = 0;
  let editing = null;

  function divName(code) { return divNames.has(code) ? divNames.get(code) + ' (' + code + ')' : code; }
  function problemText(e) {
    const p = e.problem || {};
    const detail = p.detail || p.title || e.message;
    if (e.status === 403) return t('reg.forbidden', { detail: detail });
    if (e.status === 404) return t('reg.notfound', { detail: detail });
    if (e.status) return t('reg.problem', { status: e.status, detail: detail });
    return t('error.generic', { detail: detail });
  }
  function showError(e) { errBox.textContent = typeof e === 'string' ? e : problemText(e); errBox.hidden = false; }
  function say(text) { notice.textContent = text; notice.hidden = !text; }
  function showProblem(e) {
    const p = e.problem || {};
    const rest = [];
    for (const fe of p.errors || []) if (!Y.fieldError(form, fe.field, fe.message)) rest.push((fe.field ? fe.field + ': ' : '') + fe.message);
    if (rest.length || !(p.errors || []).length) { showError(e); if (rest.length) errBox.textContent += ' — ' + rest.join('；'); }
  }

  for (const k of kinds) {
    f.kind.append(el('option', { value: k }, t('rcp.kind.' + k)));
    document.getElementById('f-kind').append(el('option', { value: k }, t('rcp.kind.' + k)));
  }
  for (const c of channels) document.getElementById('f-channel').append(el('option', { value: c }, t('rcp.ch.' + c)));

  async function divisions() {
    const dl = document.getElementById('division-list');
    const sel = document.getElementById('f-division');
    for (const level of ['city', 'county', 'township']) {
      let res;
      try { res = await api('/api/v1/divisions?level=' + level); } catch (e) { continue; }
      for (const d of res.items || []) {
        divNames.set(d.code, d.name);
        dl.append(el('option', { value: d.code }, d.name));
        if (level !== 'township') sel.append(el('option', { value: d.code }, (level === 'county' ? '\u3000' : '') + d.name));
      }
    }
  }

  function reset(r) {
    editing = r || null;
    Y.clearFieldErrors(form);
    errBox.hidden = true;
    form.reset();
    document.getElementById('rcp-form-title').textContent = r ? t('reg.edit.title', { name: r.name }) : t('rcp.new');
    f.kind.value = r ? r.kind : 'public';
    f.name.value = r ? r.name : '';
    f.division_code.value = r ? r.division_code : '';
    f.lon.value = r && r.lon !== null && r.lon !== undefined ? r.lon : '';
    f.lat.value = r && r.lat !== null && r.lat !== undefined ? r.lat : '';
    f.follows.value = r ? (r.follows || []).join(';') : '';
    f.phone.value = '';
    f.phone.placeholder = r && r.phone ? r.phone : '';
    f.email.value = '';
    f.email.placeholder = r && r.email ? r.email : '';
    document.getElementById('phone-hint').hidden = !r;
    f.app_user.value = r ? r.app_user || '' : '';
    f.webhook.value = '';
    f.webhook.placeholder = r && r.webhook ? r.webhook : '';
    f.topic.value = r ? r.topic || '' : '';
    f.note.value = r ? r.note || '' : '';
    f.enabled.checked = r ? r.enabled : true;
    document.getElementById('rcp-delete').hidden = !r;
    R.editing = r ? r.id : null;
  }

  function query() {
    const q = new URLSearchParams({ limit: String(limit), offset: String(offset) });
    const add = function (name, id) { const v = document.getElementById(id).value.trim(); if (v) q.set(name, v); };
    add('division', 'f-division'); add('kind', 'f-kind'); add('channel', 'f-channel'); add('q', 'f-q'); add('phone', 'f-phone');
    return q.toString();
  }

  async function load() {
    R.loading = true;
    let res;
    try {
      res = await api('/api/v1/recipients?' + query());
    } catch (e) {
      showError(e);
      tbody.replaceChildren();
      R.loading = false;
      return;
    }
    const items = res.items || [];
    R.items = items;
    total = res.total || 0;
    tbody.replaceChildren.apply(tbody, items.map(function (r) {
      return el('tr', { 'data-id': r.id, class: r.enabled ? null : 'is-disabled' },
        el('td', {}, r.name),
        el('td', {}, t('rcp.kind.' + r.kind)),
        el('td', {}, divName(r.division_code)),
        el('td', { class: 'masked' }, r.phone || '—'),
        el('td', { class: 'masked' }, r.email || '—'),
        el('td', {}, (r.channels || []).map(function (c) { return t('rcp.ch.' + c); }).join('、') || '—'),
        el('td', {}, r.enabled ? t('common.yes') : t('common.no')),
        el('td', {}, el('button', { type: 'button', class: 'btn small rcp-edit', onclick: function () { say(''); reset(r); f.name.focus(); } }, t('reg.edit'))));
    }));
    if (!items.length) tbody.append(el('tr', { class: 'empty' }, el('td', { colspan: 8, class: 'muted' }, t('reg.empty'))));
    const pages = Math.max(1, Math.ceil(total / limit));
    document.getElementById('rcp-total').textContent = t('reg.total', { n: total });
    document.getElementById('page-info').textContent = t('reg.page', { page: Math.floor(offset / limit) + 1, pages: pages });
    document.getElementById('page-prev').disabled = offset === 0;
    document.getElementById('page-next').disabled = offset + limit >= total;
    R.loading = false;
  }

  function num(input) {
    const v = input.value.trim();
    return v === '' ? null : Number(v);
  }

  form.addEventListener('submit', async function (ev) {
    ev.preventDefault();
    Y.clearFieldErrors(form);
    errBox.hidden = true;
    say('');
    const r = editing;
    const body = {
      kind: f.kind.value, name: f.name.value.trim(), division_code: f.division_code.value.trim(),
      lon: num(f.lon), lat: num(f.lat),
      follows: f.follows.value.split(/[;；,\s]+/).filter(Boolean),
      app_user: f.app_user.value.trim(), topic: f.topic.value.trim(), note: f.note.value.trim(), enabled: f.enabled.checked,
    };
    // contacts are shown masked: empty keeps the stored one when editing
    for (const n of ['phone', 'email', 'webhook']) {
      const v = f[n].value.trim();
      if (v || !r) body[n] = v;
    }
    if (r) body.version = r.version;
    const btn = document.getElementById('rcp-save');
    btn.disabled = true;
    R.saving = true;
    try {
      const saved = await api('/api/v1/recipients' + (r ? '/' + r.id : ''), { method: r ? 'PATCH' : 'POST', body: body });
      R.saved++;
      R.last = saved;
      reset(null);
      say(t(r ? 'rcp.saved' : 'rcp.created', { name: saved.name }));
      await load();
    } catch (e) {
      showProblem(e);
      R.failed++;
    }
    btn.disabled = false;
    R.saving = false;
  });

  document.getElementById('rcp-delete').addEventListener('click', async function () {
    const r = editing;
    if (!r || !confirm(t('reg.delete.confirm', { name: r.name }))) return;
    try {
      await api('/api/v1/recipients/' + r.id, { method: 'DELETE' });
      reset(null);
      say(t('rcp.deleted', { name: r.name }));
      await load();
    } catch (e) { showError(e); }
  });

  document.getElementById('rcp-import').addEventListener('submit', async function (ev) {
    ev.preventDefault();
    const list = document.getElementById('import-errors');
    list.replaceChildren();
    list.hidden = true;
    errBox.hidden = true;
    say('');
    const file = document.getElementById('import-file').files[0];
    if (!file) { showError(t('rcp.import.nofile')); return; }
    const fd = new FormData();
    fd.append('file', file);
    R.saving = true;
    try {
      const res = await fetch('/api/v1/recipients/import', { method: 'POST', body: fd, credentials: 'same-origin', headers: { 'X-Requested-With': 'fetch', Accept: 'application/json' } });
      const data = await res.json().catch(function () { return {}; });
      if (!res.ok) {
        showError({ status: res.status, problem: data, message: res.statusText });
        for (const fe of data.errors || []) {
          list.append(el('li', {}, (fe.row ? t('rcp.import.row', { row: fe.row }) + ' ' : '') + fe.field + ': ' + fe.message));
        }
        list.hidden = !(data.errors || []).length;
        R.failed++;
      } else {
        R.imported += data.imported;
        say(t('rcp.import.done', { n: data.imported }));
        offset = 0;
        await load();
      }
    } catch (e) { showError(e); }
    R.saving = false;
  });

  document.getElementById('rcp-filters').addEventListener('submit', function (ev) { ev.preventDefault(); offset = 0; load(); });
  document.getElementById('page-prev').addEventListener('click', function () { offset = Math.max(0, offset - limit); load(); });
  document.getElementById('page-next').addEventListener('click', function () { offset += limit; load(); });
  document.getElementById('rcp-new').addEventListener('click', function () { say(''); reset(null); f.name.focus(); });
  document.getElementById('rcp-cancel').addEventListener('click', function () { reset(null); });

  (async function () {
    reset(null);
    await divisions();
    await load();
    R.ready = true;
  })();
})();
