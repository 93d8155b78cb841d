// supervision.js: the safety-supervision pages — the GB 18218 calculator,
// enterprise risk (ranked list, map layer, diagnosis form), the
// hidden-danger board and the inspections. Everything comes from the JSON
// API, which decides permissions and scope; the page only shows refusals.
(function () {
  'use strict';
  const root = document.getElementById('supervision');
  if (!root) return;
  const el = Y.el, t = Y.t, api = Y.api;
  const view = root.dataset.view;
  const S = (window.YSup = { view: view, ready: false, loading: 0, saved: 0, failed: 0, assessed: 0 });
  const errBox = document.getElementById('sv-error');
  const notice = document.getElementById('sv-notice');

  function showError(e, form) {
    S.failed++;
    const rest = [];
    if (form) Y.clearFieldErrors(form);
    const fields = (e && e.problem && e.problem.errors) || [];
    for (const f of fields) {
      const msg = (f.row ? t('sv.row', { row: f.row }) + ' ' : '') + f.message;
      if (!form || !Y.fieldError(form, f.field, msg)) rest.push(f.field + ': ' + msg);
    }
    errBox.textContent = (e && e.message) || String(e);
    errBox.hidden = false;
  }
  function clearError(form) {
    errBox.hidden = true;
    notice.hidden = true;
    if (form) Y.clearFieldErrors(form);
  }
  function say(msg) { notice.textContent = msg; notice.hidden = false; }
  const can = (p) => !!(Y.me && Y.me.permissions && Y.me.permissions.indexOf(p) >= 0);
  function whenMe() {
    return new Promise(function (resolve) {
      (function poll() { if (Y.me || document.documentElement.dataset.me === 'ready') resolve(Y.me); else setTimeout(poll, 30); })();
    });
  }
  function opt(value, text, selected) { return el('option', { value: value, selected: selected || false }, text); }
  function fill(sel, options, blank) {
    sel.replaceChildren();
    if (blank) sel.append(opt('', blank));
    for (const o of options) sel.append(opt(o[0], o[1]));
  }
  let industries = {};
  async function loadIndustries() {
    const kinds = await api('/api/v1/registry/kinds');
    const ent = (kinds.items || []).find((k) => k.Name === 'enterprise');
    industries = {};
    for (const c of (ent && ent.Categories) || []) industries[c.Value] = Y.label(c);
    return industries;
  }
  async function counties() {
    const d = await api('/api/v1/divisions?level=county');
    return (d.items || []).map((x) => [x.code, x.name]);
  }
  const colorName = (c) => t('sv.color.' + (c || 'none'));
  const pill = (cls, text) => el('span', { class: 'sv-pill ' + cls }, text);

  // ---- GB 18218 calculator -------------------------------------------
  async function calculator() {
    const ref = await api('/api/v1/supervision/reference');
    const tb = ref.gb18218;
    const names = document.getElementById('substance-names');
    const trows = document.getElementById('table-rows');
    const flag = (ok) => (ok ? el('span', {}, '✓') : el('span', { class: 'sv-flag' }, t('sv.unverified')));
    for (const s of tb.substances) {
      names.append(el('option', { value: s.name }));
      trows.append(el('tr', {}, el('td', {}, s.name), el('td', {}, s.cas), el('td', {}, s.category), el('td', {}, Y.num(s.critical_t)),
        el('td', {}, s.beta ? Y.num(s.beta) : t('sv.calc.bycat')), el('td', {}, flag(s.q_verified && (s.beta ? s.beta_verified : true)))));
    }
    for (const c of tb.categories) {
      trows.append(el('tr', {}, el('td', {}, Y.lang === 'en' ? c.description_en : c.description), el('td', {}, ''), el('td', {}, c.code),
        el('td', {}, Y.num(c.critical_t)), el('td', {}, Y.num(c.beta)), el('td', {}, flag(c.verified))));
    }
    const rows = document.getElementById('calc-rows');
    const cats = tb.categories.map((c) => [c.code, c.code + ' ' + (Y.lang === 'en' ? c.description_en : c.description)]);
    function addRow(v) {
      v = v || {};
      const cat = el('select', { class: 'in-category' });
      fill(cat, cats, t('sv.calc.named'));
      cat.value = v.category || '';
      const tr = el('tr', { class: 'calc-row' },
        el('td', {}, el('input', { class: 'in-name', list: 'substance-names', value: v.name || '' })),
        el('td', {}, el('input', { class: 'in-cas', value: v.cas || '' })),
        el('td', {}, cat),
        el('td', {}, el('input', { class: 'in-qty', type: 'number', min: '0', step: 'any', value: v.quantity_t === undefined ? '' : v.quantity_t })),
        el('td', { class: 'out-q' }, '—'), el('td', { class: 'out-qq' }, '—'), el('td', { class: 'out-beta' }, '—'),
        el('td', {}, el('button', { class: 'btn small danger', type: 'button', onclick: function () { tr.remove(); assess(); } }, '×')));
      rows.append(tr);
      tr.querySelectorAll('input, select').forEach(function (i) { i.addEventListener('input', assess); i.addEventListener('change', assess); });
    }
    document.getElementById('calc-add').addEventListener('click', function () { addRow(); });
    document.getElementById('in-exposed').addEventListener('input', assess);
    let seq = 0;
    async function assess() {
      const my = ++seq;
      const trs = [...rows.querySelectorAll('tr.calc-row')];
      const subs = [];
      const used = [];
      for (const tr of trs) {
        const name = tr.querySelector('.in-name').value.trim(), qty = tr.querySelector('.in-qty').value;
        if (!name && !tr.querySelector('.in-cas').value.trim()) continue;
        used.push(tr);
        subs.push({ name: name, cas: tr.querySelector('.in-cas').value.trim(), category: tr.querySelector('.in-category').value, quantity_t: qty === '' ? 0 : Number(qty) });
      }
      for (const tr of trs) { tr.classList.remove('bad'); tr.title = ''; }
      if (!subs.length) return;
      try {
        const r = await api('/api/v1/hazard-sources/assess', { method: 'POST', body: { exposed_people: Number(document.getElementById('in-exposed').value || 0), substances: subs } });
        if (my !== seq) return;
        clearError();
        r.substances.forEach(function (c, i) {
          const tr = used[i];
          tr.querySelector('.out-q').replaceChildren(Y.num(c.critical_t), c.q_verified ? '' : el('span', { class: 'sv-flag', title: t('sv.unverified') }, '?'));
          tr.querySelector('.out-qq').textContent = Y.num(c.q_over_Q);
          tr.querySelector('.out-beta').replaceChildren(Y.num(c.beta), c.beta_verified ? '' : el('span', { class: 'sv-flag', title: t('sv.unverified') }, '?'));
        });
        document.getElementById('out-s').textContent = Y.num(r.s);
        document.getElementById('out-r').textContent = Y.num(r.r);
        document.getElementById('out-alpha').textContent = Y.num(r.alpha);
        const g = document.getElementById('out-grade');
        g.className = 'sv-pill' + (r.grade ? ' sv-grade-' + r.grade : '');
        g.textContent = r.grade ? t('sv.grade.' + r.grade) : t('sv.grade.none');
        document.getElementById('out-major').textContent = r.major ? t('sv.calc.major') : t('sv.calc.notmajor');
        document.getElementById('out-unverified').hidden = !r.unverified;
        S.result = r;
        S.assessed++;
      } catch (e) {
        if (my !== seq) return;
        for (const f of (e.problem && e.problem.errors) || []) {
          if (f.row && used[f.row - 1]) { used[f.row - 1].classList.add('bad'); used[f.row - 1].title = f.message; }
        }
        showError(e);
        S.result = null;
        S.assessed++;
      }
    }
    addRow({ name: '氨', cas: '7664-41-7', quantity_t: 20 });
    document.getElementById('in-exposed').value = 60;
    await assess();
    // a registered hazard source: load its inventory, grade it and keep
    // the result (supervision.write), see its earlier gradings.
    await whenMe();
    const srcSel = document.getElementById('in-source-id');
    const srcs = await api('/api/v1/hazard-sources?limit=5000&sort=name').catch(function () { return { items: [] }; });
    fill(srcSel, srcs.items.map((o) => [o.id, o.name + '（' + t('sv.grade.' + o.grade) + '）']));
    const gradeBtn = document.getElementById('calc-grade');
    gradeBtn.hidden = !can('supervision.write');
    async function history() {
      if (!srcSel.value) return;
      const hs = await api('/api/v1/hazard-sources/' + srcSel.value + '/assessments');
      document.getElementById('calc-history').replaceChildren(...hs.items.map((a) => el('li', {}, Y.time(a.assessed_at) + ' ' + a.assessor + '：R = ' + Y.num(a.result.r) + '，' +
        (a.result.grade ? t('sv.grade.' + a.result.grade) : t('sv.grade.none')))));
    }
    srcSel.addEventListener('change', history);
    document.getElementById('calc-load').addEventListener('click', async function () {
      const o = srcs.items.find((x) => String(x.id) === srcSel.value);
      if (!o) return;
      rows.replaceChildren();
      for (const s of o.substances || []) addRow(s);
      document.getElementById('in-exposed').value = o.exposed_people || 0;
      await assess();
      await history();
    });
    gradeBtn.addEventListener('click', async function () {
      clearError();
      const subs = [...rows.querySelectorAll('tr.calc-row')].map((tr) => ({ name: tr.querySelector('.in-name').value.trim(), cas: tr.querySelector('.in-cas').value.trim(),
        category: tr.querySelector('.in-category').value, quantity_t: Number(tr.querySelector('.in-qty').value || 0) })).filter((x) => x.name || x.cas);
      try {
        const a = await api('/api/v1/hazard-sources/' + srcSel.value + '/grade', { method: 'POST', body: { exposed_people: Number(document.getElementById('in-exposed').value || 0), substances: subs } });
        S.saved++;
        say(t('sv.calc.saved', { grade: a.result.grade ? t('sv.grade.' + a.result.grade) : t('sv.grade.none') }));
        await history();
      } catch (e) { showError(e); }
    });
    await history();
  }

  // ---- enterprise risk -------------------------------------------------
  async function risk() {
    await whenMe();
    const [cs, inds, ref] = await Promise.all([counties(), loadIndustries(), api('/api/v1/supervision/reference')]);
    const county = document.getElementById('risk-county'), industry = document.getElementById('risk-industry'), color = document.getElementById('risk-color');
    fill(county, cs, t('sv.all.counties'));
    fill(industry, Object.entries(inds), t('sv.all.industries'));
    fill(color, ['red', 'orange', 'yellow', 'blue'].map((c) => [c, colorName(c)]), t('sv.all.colors'));
    const layer = new ol.layer.Vector({ source: new ol.source.Vector(), style: function (f) {
      const c = { red: '#e03131', orange: '#f76707', yellow: '#fab005', blue: '#1c7ed6' }[f.get('color')] || '#868e96';
      return new ol.style.Style({ image: new ol.style.Circle({ radius: 6, fill: new ol.style.Fill({ color: c }), stroke: new ol.style.Stroke({ color: '#fff', width: 1 }) }) });
    } });
    const map = new ol.Map({ target: 'risk-map', layers: [layer], view: new ol.View({ center: ol.proj.fromLonLat([99.2, 25.0]), zoom: 8 }) });
    S.map = map;
    async function load() {
      S.loading++;
      const q = new URLSearchParams();
      if (county.value) q.set('division', county.value);
      if (industry.value) q.set('industry', industry.value);
      if (color.value) q.set('color', color.value);
      document.getElementById('risk-csv').href = '/api/v1/enterprise-risk?format=csv&' + q;
      document.getElementById('risk-xlsx').href = '/api/v1/enterprise-risk?format=xlsx&' + q;
      try {
        const [list, fc] = await Promise.all([api('/api/v1/enterprise-risk?' + q), api('/api/v1/enterprise-risk?format=geojson&' + q)]);
        const tbody = document.getElementById('risk-rows');
        tbody.replaceChildren();
        list.items.forEach(function (g, i) {
          const drivers = g.drivers.map((d) => t('sv.factor.' + d.factor) + ' ×' + d.count + ' −' + Y.num(d.points)).join('；');
          tbody.append(el('tr', { 'data-id': g.enterprise_id, 'data-color': g.color }, el('td', {}, i + 1), el('td', {}, g.enterprise_name),
            el('td', {}, industries[g.industry] || g.industry), el('td', {}, pill('sv-' + g.color, colorName(g.color)), g.red_flags.length ? ' ' + t('sv.risk.redflag') : ''),
            el('td', {}, Y.num(g.score)), el('td', {}, g.inherent_score === null ? t('sv.risk.undiagnosed') : Y.num(g.inherent_score)),
            el('td', {}, Y.num(g.dynamic_deduction)), el('td', { class: 'drivers' }, drivers || '—')));
        });
        layer.getSource().clear();
        layer.getSource().addFeatures(new ol.format.GeoJSON().readFeatures(fc, { featureProjection: 'EPSG:3857' }));
        if (layer.getSource().getFeatures().length) map.getView().fit(layer.getSource().getExtent(), { padding: [30, 30, 30, 30], maxZoom: 12 });
        S.rows = list.items.length;
        S.features = fc.features.length;
      } catch (e) { showError(e); }
      S.loading--;
    }
    [county, industry, color].forEach((s) => s.addEventListener('change', load));
    await load();
    if (!can('supervision.write')) return;
    const form = document.getElementById('diag-form');
    form.hidden = false;
    const entSel = document.getElementById('in-diag-enterprise');
    const ents = await api('/api/v1/enterprises?limit=5000&sort=name');
    fill(entSel, ents.items.map((e) => [e.id, e.name]));
    const box = document.getElementById('diag-items');
    for (const it of ref.reference.diagnosis) {
      const label = (Y.lang === 'en' ? it.text_en : it.text) + (it.verified ? '' : ' ');
      if (it.kind === 'red') {
        box.append(el('div', { class: 'field check' }, el('label', {}, el('input', { type: 'checkbox', 'data-red': it.code }), ' ' + t('sv.diag.red') + '：' + label,
          it.verified ? '' : el('span', { class: 'sv-flag' }, t('sv.unverified')))));
      } else {
        box.append(el('div', { class: 'field' }, el('label', {}, it.area + '：' + label + ' (0–' + it.max_deduction + ')', it.verified ? '' : el('span', { class: 'sv-flag' }, t('sv.unverified'))),
          el('input', { type: 'number', min: '0', max: String(it.max_deduction), step: 'any', 'data-code': it.code })));
      }
    }
    form.addEventListener('submit', async function (ev) {
      ev.preventDefault();
      clearError(form);
      const body = { enterprise_id: Number(entSel.value), deductions: [], red_flags: [] };
      box.querySelectorAll('input[data-code]').forEach(function (i) { if (i.value !== '') body.deductions.push({ code: i.dataset.code, points: Number(i.value) }); });
      box.querySelectorAll('input[data-red]:checked').forEach(function (i) { body.red_flags.push(i.dataset.red); });
      try {
        const d = await api('/api/v1/enterprise-risk/diagnoses', { method: 'POST', body: body });
        S.saved++;
        say(t('sv.diag.saved', { score: Y.num(d.score), color: colorName(d.color) }));
        await load();
      } catch (e) { showError(e, form); }
    });
  }

  // ---- hidden-danger board ---------------------------------------------
  async function hazards() {
    await whenMe();
    const ref = await api('/api/v1/supervision/reference');
    const board = document.getElementById('hz-board');
    const states = ref.hazard_states;
    const onlyOverdue = document.getElementById('hz-overdue');
    let current = null;
    async function load() {
      S.loading++;
      try {
        const list = await api('/api/v1/hidden-dangers?limit=1000' + (onlyOverdue.checked ? '&overdue=true' : ''));
        board.replaceChildren();
        const cols = {};
        for (const st of states) {
          cols[st] = el('div', { class: 'sv-col', 'data-state': st }, el('h3', {}, t('sv.state.' + st)));
          board.append(cols[st]);
        }
        for (const h of list.items) {
          const due = h.deadline ? t('sv.hz.due', { when: Y.time(h.deadline) }) + (h.overdue ? ' · ' + t('sv.hz.overdue') : '') : t('sv.hz.nodeadline');
          cols[h.state].append(el('div', { class: 'sv-hz' + (h.level === 'major' ? ' major' : '') + (h.overdue ? ' overdue' : ''), 'data-id': h.id,
            onclick: function () { open(h.id); } }, el('div', {}, el('strong', {}, h.title)), el('div', { class: 'muted' }, h.enterprise_name),
          el('div', { class: 'due' }, due)));
        }
        S.cards = list.items.length;
      } catch (e) { showError(e); }
      S.loading--;
    }
    onlyOverdue.addEventListener('change', load);
    // report form
    const form = document.getElementById('hz-form');
    document.getElementById('hz-new').addEventListener('click', async function () {
      form.hidden = false;
      const ents = await api('/api/v1/enterprises?limit=5000&sort=name');
      fill(document.getElementById('in-enterprise_id'), ents.items.map((e) => [e.id, e.name]));
      const sources = Y.me && Y.me.user && Y.me.user.enterprise_id ? ['self_inspection'] : ref.sources.filter((s) => s !== 'inspection' && s !== 'alarm');
      fill(document.getElementById('in-source'), sources.map((s) => [s, t('sv.source.' + s)]));
      fill(document.getElementById('in-criterion'), ref.reference.criteria.map((c) => [c.code, c.code + ' ' + (Y.lang === 'en' ? c.text_en : c.text) + (c.verified ? '' : ' ⚠' + t('sv.unverified'))]), t('sv.hz.nocriterion'));
      S.formReady = true;
    });
    form.addEventListener('submit', async function (ev) {
      ev.preventDefault();
      clearError(form);
      const v = (id) => document.getElementById(id).value.trim();
      try {
        const h = await api('/api/v1/hidden-dangers', { method: 'POST', body: { enterprise_id: Number(v('in-enterprise_id')), title: v('in-title'),
          description: v('in-description'), source: v('in-source'), reporter: v('in-reporter'), level: v('in-level'), criterion: v('in-criterion') } });
        S.saved++;
        form.hidden = true;
        form.reset();
        await load();
        await open(h.id);
      } catch (e) { showError(e, form); }
    });
    // detail and actions
    const detail = document.getElementById('hz-detail'), act = document.getElementById('hz-act');
    const localInput = (iso) => { if (!iso) return ''; const d = new Date(iso); d.setMinutes(d.getMinutes() - d.getTimezoneOffset()); return d.toISOString().slice(0, 16); };
    async function open(id) {
      clearError(act);
      const h = await api('/api/v1/hidden-dangers/' + id);
      current = h;
      detail.hidden = false;
      detail.dataset.id = h.id;
      detail.dataset.state = h.state;
      document.getElementById('hz-detail-title').textContent = '#' + h.id + ' ' + h.title;
      document.getElementById('hz-detail-meta').textContent = [h.enterprise_name, t('sv.level.' + h.level), h.criterion, t('sv.source.' + h.source), t('sv.state.' + h.state),
        h.deadline ? t('sv.hz.due', { when: Y.time(h.deadline) }) : ''].filter(Boolean).join(' · ');
      document.getElementById('in-responsible').value = h.responsible || '';
      document.getElementById('in-measures').value = h.measures || '';
      document.getElementById('in-deadline').value = localInput(h.deadline);
      document.getElementById('in-evidence').value = h.evidence || '';
      document.getElementById('in-note').value = '';
      document.getElementById('in-photo').value = '';
      act.querySelectorAll('.field').forEach(function (f) { f.hidden = h.state === 'closed' || h.state === 'verified'; });
      const buttons = document.getElementById('hz-buttons');
      buttons.replaceChildren();
      const enterpriseActs = { reported: ['start'], rectifying: ['update', 'rectify'] }[h.state] || [];
      const inspectorActs = { rectified: ['verify', 'reject'], verified: ['close'] }[h.state] || [];
      for (const a of enterpriseActs.concat(can('supervision.write') ? inspectorActs : [])) {
        buttons.append(el('button', { class: 'btn' + (a === 'reject' ? ' danger' : ' primary'), type: 'button', id: 'act-' + a, onclick: function () { doAct(a); } }, t('sv.act.' + a)), ' ');
      }
      if (h.state !== 'verified' && h.state !== 'closed') buttons.append(el('button', { class: 'btn', type: 'button', id: 'act-photo', onclick: upload }, t('sv.act.photo')));
      document.getElementById('hz-steps').replaceChildren(...(h.events || []).map((s) => el('li', {}, Y.time(s.at) + ' ' + s.actor + ' ' + t('sv.step.' + s.action) + (s.note ? '：' + s.note : ''))));
      document.getElementById('hz-photos').replaceChildren(...(h.photos || []).map((p) => el('a', { href: '/api/v1/hidden-dangers/' + h.id + '/photos/' + p.id, target: '_blank' },
        el('img', { src: '/api/v1/hidden-dangers/' + h.id + '/photos/' + p.id, alt: p.stage, height: '64' }))));
      S.open = h;
    }
    async function upload() {
      clearError(act);
      const f = document.getElementById('in-photo').files[0];
      if (!f) { Y.fieldError(act, 'photo', t('sv.hz.photo.pick')); return; }
      try {
        const res = await fetch('/api/v1/hidden-dangers/' + current.id + '/photos', { method: 'POST', credentials: 'same-origin', body: f,
          headers: { 'Content-Type': f.type || 'application/octet-stream', 'X-Requested-With': 'fetch', Accept: 'application/json' } });
        const data = await res.json();
        if (!res.ok) { const e = new Error(data.detail || res.statusText); e.problem = data; throw e; }
        S.saved++;
        await open(current.id);
      } catch (e) { showError(e, act); }
    }
    async function doAct(action) {
      clearError(act);
      const v = (id) => document.getElementById(id).value.trim();
      const body = { action: action, version: current.version, note: v('in-note') };
      if (action === 'start' || action === 'update' || action === 'reject') {
        body.responsible = v('in-responsible');
        body.measures = v('in-measures');
        const d = v('in-deadline');
        if (d && (action !== 'reject' || d !== localInput(current.deadline))) body.deadline = new Date(d).toISOString();
      }
      if (action === 'rectify') body.evidence = v('in-evidence');
      try {
        await api('/api/v1/hidden-dangers/' + current.id + '/actions', { method: 'POST', body: body });
        S.saved++;
        await load();
        await open(current.id);
      } catch (e) { showError(e, act); }
    }
    S.openHazard = open;
    await load();
  }

  // ---- inspections -----------------------------------------------------
  async function inspections() {
    await whenMe();
    const [cs, inds, ref, ents] = await Promise.all([counties(), loadIndustries(), api('/api/v1/supervision/reference'), api('/api/v1/enterprises?limit=5000&sort=name')]);
    fill(document.getElementById('in-plan-division'), cs);
    fill(document.getElementById('in-plan-industry'), Object.entries(inds), t('sv.all.industries'));
    const entByID = new Map(ents.items.map((e) => [String(e.id), e]));
    let plans = [], records = [];
    const writer = can('supervision.write');
    async function load() {
      S.loading++;
      try {
        const [pl, rs, cases] = await Promise.all([api('/api/v1/inspection-plans'), api('/api/v1/inspection-records'), api('/api/v1/enforcement-cases')]);
        plans = pl.items;
        records = rs.items;
        document.getElementById('plan-rows').replaceChildren(...plans.map((p) => el('tr', { 'data-id': p.id }, el('td', {}, p.name), el('td', {}, String(p.seed)),
          el('td', {}, p.assignments.map((a) => a.enterprise_name + (a.result ? '（' + t('sv.result.' + a.result) + '）' : '')).join('、')),
          el('td', {}, t('sv.plan.' + p.state)),
          el('td', {}, p.state !== 'published' && writer ? el('button', { class: 'btn small', type: 'button', 'data-publish': p.id, onclick: async function () {
            try { await api('/api/v1/inspection-plans/' + p.id + '/publish', { method: 'POST', body: {} }); S.saved++; await load(); } catch (e) { showError(e); }
          } }, t('sv.insp.publish')) : ''))));
        document.getElementById('record-rows').replaceChildren(...records.map((r) => el('tr', { 'data-id': r.id }, el('td', {}, r.enterprise_name), el('td', {}, Y.time(r.inspected_at)),
          el('td', {}, t('sv.result.' + r.result)), el('td', {}, r.conclusion))));
        document.getElementById('case-rows').replaceChildren(...cases.items.map(function (c) {
          const next = ref.case_states[ref.case_states.indexOf(c.state) + 1];
          return el('tr', { 'data-id': c.id, 'data-state': c.state }, el('td', {}, c.enterprise_name), el('td', {}, c.violation),
            el('td', {}, t('sv.penalty.' + c.penalty_kind) + (c.fine_cny ? ' ' + Y.num(c.fine_cny) + ' ' + t('sv.yuan') : '')), el('td', {}, t('sv.case.' + c.state)),
            el('td', {}, next && writer ? el('button', { class: 'btn small', type: 'button', 'data-advance': c.id, onclick: async function () {
              try {
                await api('/api/v1/enforcement-cases/' + c.id, { method: 'PATCH', body: { state: next, penalty_kind: c.penalty_kind, fine_cny: c.fine_cny, version: c.version } });
                S.saved++;
                await load();
              } catch (e) { showError(e); }
            } }, '→ ' + t('sv.case.' + next)) : ''));
        }));
        const planSel = document.getElementById('in-rec-plan');
        const keep = planSel.value;
        fill(planSel, plans.map((p) => [p.id, p.name]), t('sv.rec.noplan'));
        planSel.value = keep;
        S.plans = plans.length;
      } catch (e) { showError(e); }
      S.loading--;
    }
    const form = document.getElementById('plan-form');
    if (!writer) { form.hidden = true; document.getElementById('insp-forms').hidden = true; }
    form.addEventListener('submit', async function (ev) {
      ev.preventDefault();
      clearError(form);
      const v = (id) => document.getElementById(id).value.trim();
      const industry = v('in-plan-industry');
      try {
        const p = await api('/api/v1/inspection-plans', { method: 'POST', body: { name: v('in-plan-name'), matter: v('in-plan-matter'),
          filter: { division_code: v('in-plan-division'), industries: industry ? [industry] : null }, enterprise_count: Number(v('in-plan-count')) } });
        S.saved++;
        document.getElementById('plan-result').replaceChildren(el('p', {}, t('sv.insp.seed') + ' ' + p.seed),
          el('ol', {}, ...p.assignments.map((a) => el('li', {}, a.enterprise_name + ' — ' + a.inspectors.map((i) => i.name).join('、')))));
        await load();
      } catch (e) { showError(e, form); }
    });
    // the inspection record: the drawn enterprises of a plan (or any), the
    // industry's checklist, failed items that become hidden dangers.
    const recForm = document.getElementById('rec-form');
    const planSel = document.getElementById('in-rec-plan'), recEnt = document.getElementById('in-rec-enterprise');
    function fillEnterprises() {
      const p = plans.find((x) => String(x.id) === planSel.value);
      fill(recEnt, p ? p.assignments.map((a) => [a.enterprise_id, a.enterprise_name]) : ents.items.map((e) => [e.id, e.name]));
      checklist();
    }
    function checklist() {
      const e = entByID.get(recEnt.value);
      const p = plans.find((x) => String(x.id) === planSel.value);
      const a = p && p.assignments.find((x) => String(x.enterprise_id) === recEnt.value);
      document.getElementById('in-rec-inspectors').value = a ? a.inspectors.map((i) => i.name).join('、') : '';
      const items = ref.reference.checklists.filter((c) => c.industry === '*' || (e && c.industry === e.industry));
      document.getElementById('rec-items').replaceChildren(...items.map(function (c) {
        const res = el('select', { class: 'in-result' });
        fill(res, [['pass', t('sv.check.pass')], ['fail', t('sv.check.fail')], ['na', t('sv.check.na')]]);
        const lvl = el('select', { class: 'in-hz-level' });
        fill(lvl, [['', t('sv.rec.nohazard')], ['general', t('sv.level.general')], ['major', t('sv.level.major')]]);
        return el('tr', { 'data-code': c.code }, el('td', {}, c.code + ' ' + (Y.lang === 'en' ? c.item_en : c.item), el('br'), el('small', { class: 'muted' }, c.basis)),
          el('td', {}, res), el('td', {}, el('input', { class: 'in-note' })), el('td', {}, lvl));
      }));
    }
    planSel.addEventListener('change', fillEnterprises);
    recEnt.addEventListener('change', checklist);
    recForm.addEventListener('submit', async function (ev) {
      ev.preventDefault();
      clearError(recForm);
      const v = (id) => document.getElementById(id).value.trim();
      const at = v('in-rec-at');
      const body = { plan_id: Number(planSel.value || 0), enterprise_id: Number(recEnt.value), inspectors: v('in-rec-inspectors').split(/[、,，\s]+/).filter(Boolean),
        inspected_at: at ? new Date(at).toISOString() : null, conclusion: v('in-rec-conclusion'), items: [] };
      const due = new Date(Date.now() + 15 * 24 * 3600 * 1000).toISOString();
      document.querySelectorAll('#rec-items tr').forEach(function (tr) {
        const it = { code: tr.dataset.code, result: tr.querySelector('.in-result').value, note: tr.querySelector('.in-note').value.trim() };
        const lvl = tr.querySelector('.in-hz-level').value;
        if (lvl) it.hazard = { level: lvl, deadline: due };
        body.items.push(it);
      });
      if (!at) delete body.inspected_at;
      try {
        await api('/api/v1/inspection-records', { method: 'POST', body: body });
        S.saved++;
        say(t('sv.rec.saved'));
        await load();
      } catch (e) { showError(e, recForm); }
    });
    // the enforcement case
    const caseForm = document.getElementById('case-form');
    fill(document.getElementById('in-case-enterprise'), ents.items.map((e) => [e.id, e.name]));
    fill(document.getElementById('in-case-penalty'), ref.penalty_kinds.map((k) => [k, t('sv.penalty.' + k)]));
    caseForm.addEventListener('submit', async function (ev) {
      ev.preventDefault();
      clearError(caseForm);
      const v = (id) => document.getElementById(id).value.trim();
      try {
        await api('/api/v1/enforcement-cases', { method: 'POST', body: { enterprise_id: Number(v('in-case-enterprise')), violation: v('in-case-violation'),
          legal_basis: v('in-case-basis'), penalty_kind: v('in-case-penalty'), fine_cny: Number(v('in-case-fine') || 0) } });
        S.saved++;
        caseForm.reset();
        await load();
      } catch (e) { showError(e, caseForm); }
    });
    await load();
    fillEnterprises();
  }

  const pages = { 'hazard-sources': calculator, risk: risk, 'hidden-dangers': hazards, inspections: inspections };
  pages[view]().then(function () { S.ready = true; }, function (e) { showError(e); S.ready = true; });
})();
