// ledger.js: the Excel ledger import page. Pick a registry kind, download
// its template, upload an .xlsx or CSV, see every bad row with its row,
// column and reason, choose all-or-nothing or valid rows only, and download
// the error report (the file's rows with an error column). The checks are
// the API's (/api/v1/ledger/{kind}/…); this page only shows them.
(function () {
  'use strict';
  const { t, api, el } = Y;
  const root = document.getElementById('ledger');
  if (!root) return;
  const L = (window.YLedger = { ready: false, busy: false, report: null });
  const kindSel = document.getElementById('lg-kind');
  const fileIn = document.getElementById('lg-file');
  const form = document.getElementById('lg-form');
  const probBox = document.getElementById('lg-problem');
  const result = document.getElementById('lg-result');
  const submit = document.getElementById('lg-submit');
  const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
  let kinds = [];

  function kind() { return kinds.find(function (k) { return k.path === kindSel.value; }); }

  function links() {
    const base = '/api/v1/ledger/' + encodeURIComponent(kindSel.value);
    document.getElementById('lg-template').href = base + '/template.xlsx';
    document.getElementById('lg-template-en').href = base + '/template.xlsx?lang=en';
    document.getElementById('lg-export').href = base + '/export.xlsx' + (Y.lang === 'en' ? '?lang=en' : '');
    history.replaceState(null, '', location.pathname + '?kind=' + encodeURIComponent(kindSel.value));
  }

  function params(extra) {
    const p = new URLSearchParams();
    p.set('mode', form.querySelector('input[name=mode]:checked').value);
    const crs = document.getElementById('lg-crs').value;
    if (crs !== 'wgs84') p.set('crs', crs);
    for (const [k, v] of Object.entries(extra || {})) p.set(k, v);
    return p;
  }

  // post sends the chosen file as multipart form data.
  async function post(path, p) {
    const fd = new FormData();
    fd.append('file', fileIn.files[0]);
    return fetch('/api/v1/ledger/' + encodeURIComponent(kindSel.value) + '/' + path + '?' + p, {
      method: 'POST', body: fd, credentials: 'same-origin', headers: { 'X-Requested-With': 'fetch' },
    });
  }

  function showProblem(text) {
    probBox.textContent = text;
    probBox.hidden = false;
  }

  const ACTIONS = { create: 'ledger.action.create', update: 'ledger.action.update', unchanged: 'ledger.action.unchanged' };

  function render(rep, failed) {
    L.report = rep;
    result.hidden = false;
    const k = kind();
    let summary = t('ledger.summary', { rows: rep.rows, created: rep.created, updated: rep.updated, unchanged: rep.unchanged, rejected: rep.rejected });
    if (failed) summary = t('ledger.summary.none', { rows: rep.rows, rejected: rep.rejected, errors: rep.errors.length });
    else if (!rep.stored) summary = t('ledger.summary.dry') + ' ' + summary;
    document.getElementById('lg-summary').textContent = (k ? Y.label(k) + '：' : '') + summary;
    const notes = document.getElementById('lg-notes');
    notes.replaceChildren();
    for (const u of rep.unknown_columns || []) notes.append(el('li', {}, t('ledger.unknown', { column: u.column, header: u.header })));
    for (const n of rep.notes || []) notes.append(el('li', {}, n));
    const errs = document.querySelector('#lg-errors tbody');
    errs.replaceChildren.apply(errs, (rep.errors || []).map(function (e) {
      return el('tr', { 'data-row': e.row, 'data-column': e.column || '' },
        el('td', {}, String(e.row)), el('td', {}, e.column || '—'), el('td', {}, e.header), el('td', {}, e.value || ''),
        el('td', { class: 'reason' }, e.message));
    }));
    document.getElementById('lg-errors-wrap').hidden = !(rep.errors || []).length;
    document.getElementById('lg-report-bar').hidden = !(rep.errors || []).length;
    const res = document.querySelector('#lg-results tbody');
    const shown = (rep.results || []).slice(0, 500);
    res.replaceChildren.apply(res, shown.map(function (r) {
      const name = r.id ? el('a', { href: '/registry/' + kindSel.value + '/' + r.id }, r.name) : r.name;
      return el('tr', {}, el('td', {}, String(r.row)), el('td', {}, t(ACTIONS[r.action] || 'ledger.action.create')), el('td', {}, r.code), el('td', {}, name));
    }));
    document.getElementById('lg-results-wrap').hidden = !shown.length;
  }

  form.addEventListener('submit', async function (ev) {
    ev.preventDefault();
    probBox.hidden = true;
    if (!fileIn.files.length) { showProblem(t('ledger.nofile')); return; }
    const p = params();
    if (document.getElementById('lg-dry').checked) p.set('dry_run', 'true');
    L.busy = true;
    submit.disabled = true;
    try {
      const res = await post('import', p);
      if (res.status === 401) { location.href = '/login?next=' + encodeURIComponent(location.pathname + location.search); return; }
      const data = await res.json().catch(function () { return null; });
      if (res.ok) {
        render(data, false);
      } else if (data && data.report) {
        render(data.report, true);
        showProblem(document.getElementById('lg-summary').textContent);
      } else {
        result.hidden = true;
        const msgs = ((data && data.errors) || []).map(function (e) { return (e.row ? t('ledger.rowprefix', { row: e.row }) : '') + e.message; });
        showProblem(t('ledger.failed', { status: res.status, detail: [(data && data.detail) || res.statusText].concat(msgs).filter(Boolean).join('；') }));
      }
    } catch (e) {
      showProblem(t('error.generic', { detail: e.message }));
    } finally {
      L.busy = false;
      submit.disabled = false;
    }
  });

  // The error report is made from the same file, checked again without
  // storing anything, and saved under the report's name.
  document.getElementById('lg-report').addEventListener('click', async function () {
    const p = params({ only_errors: document.getElementById('lg-only-errors').checked ? 'true' : 'false' });
    try {
      const res = await post('error-report', p);
      if (!res.ok || (res.headers.get('Content-Type') || '').indexOf(XLSX) !== 0) {
        const data = await res.json().catch(function () { return null; });
        showProblem(t('ledger.failed', { status: res.status, detail: (data && data.detail) || res.statusText }));
        return;
      }
      const blob = await res.blob();
      const a = el('a', { href: URL.createObjectURL(blob), download: t('ledger.report.file', { kind: Y.label(kind()) }) });
      document.body.append(a);
      a.click();
      a.remove();
      L.reportSize = blob.size;
    } catch (e) {
      showProblem(t('error.generic', { detail: e.message }));
    }
  });

  (async function init() {
    try {
      const res = await api('/api/v1/registry/kinds');
      kinds = res.items || [];
    } catch (e) {
      showProblem(t('error.generic', { detail: e.message }));
      return;
    }
    kindSel.replaceChildren.apply(kindSel, kinds.map(function (k) { return el('option', { value: k.path }, Y.label(k)); }));
    kindSel.value = root.dataset.kind;
    kindSel.addEventListener('change', function () { result.hidden = true; probBox.hidden = true; links(); });
    links();
    L.ready = true;
  })();
})();
