// alarms.js: the live alarm feed of the one-map page. It lists open
// alarms (GET /api/v1/alarms), follows the Server-Sent Events feed
// (/api/v1/events), sorts by level then time, flashes new red alarms and
// acts on alarms (acknowledge, dispose with feedback, close with a note).
// The panel filters the list by county, level, industry and state; new
// red alarms can sound a short WebAudio beep, muted by a toggle kept in
// localStorage.
(function () {
  'use strict';
  const { t, api, el } = Y;
  const RANK = { red: 4, orange: 3, yellow: 2, blue: 1 };
  const alarms = new Map(); // id → alarm
  const fresh = new Set(); // ids of red alarms that arrived live
  let hooks = { changed: function () {}, latest: function () {}, select: function () {} };
  const list = document.getElementById('alarm-list');
  const note = document.getElementById('alarm-note');
  const status = document.getElementById('feed-status');
  const badge = document.getElementById('alarm-badge');
  const filterEls = {
    county: document.getElementById('filter-county'), level: document.getElementById('filter-level'),
    industry: document.getElementById('filter-industry'), state: document.getElementById('filter-state'),
  };
  const muteBtn = document.getElementById('alarm-mute');
  const MUTE_KEY = 'yingji.alarms.muted';
  let audio = null;
  const sound = { beeps: 0 };

  function muted() {
    try { return window.localStorage.getItem(MUTE_KEY) === '1'; } catch (e) { return false; }
  }

  function showMute() {
    const m = muted();
    muteBtn.setAttribute('aria-pressed', m ? 'true' : 'false');
    muteBtn.textContent = m ? t('alarms.sound.off') : t('alarms.sound.on');
    muteBtn.classList.toggle('is-muted', m);
    muteBtn.title = m ? t('alarms.sound.unmute') : t('alarms.sound.mute');
    muteBtn.setAttribute('aria-label', muteBtn.title);
  }

  // beep plays a short two-tone alert for a new red alarm unless muted.
  function beep() {
    if (muted()) return;
    try {
      const Ctx = window.AudioContext || window.webkitAudioContext;
      if (!Ctx) return;
      audio = audio || new Ctx();
      if (audio.state === 'suspended') audio.resume().catch(function () { /* needs a user gesture */ });
      const now = audio.currentTime;
      const gain = audio.createGain();
      gain.connect(audio.destination);
      gain.gain.setValueAtTime(0.0001, now);
      gain.gain.exponentialRampToValueAtTime(0.3, now + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, now + 0.45);
      [880, 660].forEach(function (f, i) {
        const osc = audio.createOscillator();
        osc.type = 'square';
        osc.frequency.setValueAtTime(f, now + i * 0.2);
        osc.connect(gain);
        osc.start(now + i * 0.2);
        osc.stop(now + i * 0.2 + 0.18);
      });
      sound.beeps++;
    } catch (e) { /* no audio on this device */ }
  }

  // county is the county code of a division code (the first 6 digits).
  function county(code) { return String(code || '').slice(0, 6); }

  function visible(a) {
    const f = {};
    for (const k in filterEls) f[k] = filterEls[k].value;
    return (!f.county || county(a.division_code) === f.county) && (!f.level || a.level === f.level) &&
      (!f.industry || a.industry === f.industry) && (!f.state || a.state === f.state);
  }

  function options(select, items) {
    select.replaceChildren.apply(select, [el('option', { value: '' }, t('alarms.filter.all'))].concat(items.map(function (o) {
      return el('option', { value: o.value }, o.label);
    })));
  }

  // setupFilters fills the filter controls: counties and industries come
  // from the map page, levels and states are fixed.
  function setupFilters(counties, industries) {
    options(filterEls.county, (counties || []).map(function (c) { return { value: c.code, label: c.name }; }));
    options(filterEls.level, ['red', 'orange', 'yellow', 'blue'].map(function (l) { return { value: l, label: t('level.' + l) }; }));
    options(filterEls.industry, (industries || []).map(function (c) { return { value: c.Value, label: Y.label(c) }; }));
    options(filterEls.state, ['raised', 'acknowledged', 'disposing'].map(function (s) { return { value: s, label: t('state.' + s) }; }));
    for (const k in filterEls) filterEls[k].addEventListener('change', render);
    showMute();
    muteBtn.addEventListener('click', function () {
      try { window.localStorage.setItem(MUTE_KEY, muted() ? '0' : '1'); } catch (e) { /* private mode */ }
      showMute();
    });
  }

  function sorted() {
    return Array.from(alarms.values()).sort(function (a, b) {
      return (RANK[b.level] || 0) - (RANK[a.level] || 0) || String(b.raised_at).localeCompare(String(a.raised_at));
    });
  }

  function upsert(a, live) {
    if (!a || a.id === undefined) return;
    const known = alarms.has(a.id);
    if (a.state === 'closed') {
      alarms.delete(a.id);
      fresh.delete(a.id);
    } else {
      if (live && !known && a.level === 'red') { fresh.add(a.id); beep(); }
      alarms.set(a.id, a);
    }
  }

  async function act(a, action, extra) {
    const body = Object.assign({ action: action }, extra || {});
    try {
      const res = await api('/api/v1/alarms/' + a.id + '/actions', { method: 'POST', body: body });
      upsert(res && res.id !== undefined ? res : Object.assign({}, a, { state: nextState(action) }), false);
      fresh.delete(a.id);
      render();
    } catch (e) {
      window.alert(t('error.generic', { detail: e.message }));
    }
  }

  function nextState(action) {
    return { acknowledge: 'acknowledged', dispose: 'disposing', close: 'closed' }[action] || 'raised';
  }

  function disposeForm(a, li) {
    if (li.querySelector('form')) return;
    const found = el('textarea', { name: 'found', rows: 2, required: true, placeholder: t('alarms.form.found') });
    const measures = el('textarea', { name: 'measures', rows: 2, required: true, placeholder: t('alarms.form.measures') });
    const noteIn = el('input', { name: 'note', placeholder: t('alarms.form.note') });
    const form = el('form', { class: 'dispose-form' },
      el('label', {}, t('alarms.form.found'), found),
      el('label', {}, t('alarms.form.measures'), measures),
      el('label', {}, t('alarms.form.note'), noteIn),
      el('div', { class: 'row' },
        el('button', { type: 'submit', class: 'btn primary small' }, t('alarms.form.submit')),
        el('button', { type: 'button', class: 'btn small', onclick: function () { form.remove(); } }, t('common.cancel'))));
    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      act(a, 'dispose', { note: noteIn.value, feedback: { found: found.value, measures: measures.value } });
    });
    li.append(form);
    found.focus();
  }

  function closeForm(a, li) {
    if (li.querySelector('form')) return;
    const noteIn = el('input', { name: 'note', required: true, placeholder: t('alarms.form.closenote') });
    const form = el('form', { class: 'close-form' },
      el('label', {}, t('alarms.form.closenote'), noteIn),
      el('div', { class: 'row' },
        el('button', { type: 'submit', class: 'btn primary small' }, t('alarms.close')),
        el('button', { type: 'button', class: 'btn small', onclick: function () { form.remove(); } }, t('common.cancel'))));
    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      act(a, 'close', { note: noteIn.value });
    });
    li.append(form);
    noteIn.focus();
  }

  function item(a) {
    const cls = ['alarm', 'level-' + a.level, 'state-' + a.state];
    if (a.overdue) cls.push('overdue');
    if (fresh.has(a.id)) cls.push('flash');
    const buttons = el('div', { class: 'actions' });
    const btn = function (action, label, fn) {
      buttons.append(el('button', { type: 'button', class: 'btn small', 'data-action': action, onclick: fn }, label));
    };
    const li = el('li', { class: cls.join(' '), 'data-id': a.id, 'data-point': a.point, 'data-level': a.level });
    if (a.state === 'raised') btn('acknowledge', t('alarms.acknowledge'), function () { act(a, 'acknowledge'); });
    if (a.state === 'raised' || a.state === 'acknowledged') btn('dispose', t('alarms.dispose'), function () { disposeForm(a, li); });
    btn('close', t('alarms.close'), function () { closeForm(a, li); });
    if (a.state !== 'closed') buttons.append(el('a', { class: 'btn small', 'data-action': 'escalate', href: '/incidents/new?alarm=' + a.id }, t('inc.escalate')));
    li.append(
      el('div', { class: 'head' },
        el('span', { class: 'lvl' }, t('level.' + a.level)),
        el('a', { href: '#', class: 'pt', onclick: function (ev) { ev.preventDefault(); hooks.select(a.point); } }, a.point_name || a.point),
        el('time', { datetime: a.raised_at }, Y.time(a.raised_at))),
      el('div', { class: 'msg' }, a.message || ''),
      el('div', { class: 'meta' },
        el('span', {}, t('state.' + a.state)),
        a.tier_name ? el('span', { class: 'tier' }, Object.prototype.hasOwnProperty.call(Y.msg, 'tier.' + a.tier_name) ? t('tier.' + a.tier_name) : a.tier_name) : null,
        a.overdue ? el('span', { class: 'overdue-tag' }, t('alarms.overdue')) : null),
      buttons);
    return li;
  }

  function render() {
    const all = sorted();
    const shown = all.filter(visible);
    // keep a form being filled in across re-renders
    const open = {};
    list.querySelectorAll('li.alarm').forEach(function (li) { if (li.querySelector('form')) open[li.dataset.id] = li; });
    // a kept form's focused field keeps the focus and the caret (moving
    // the node detaches it, which would drop what the user is typing)
    const focused = list.contains(document.activeElement) ? document.activeElement : null;
    const caret = focused && typeof focused.selectionStart === 'number' ? [focused.selectionStart, focused.selectionEnd] : null;
    list.replaceChildren.apply(list, shown.map(function (a) {
      const old = open[String(a.id)];
      return old && old.classList.contains('state-' + a.state) ? old : item(a);
    }));
    if (focused && list.contains(focused) && document.activeElement !== focused) {
      focused.focus({ preventScroll: true });
      if (caret) { try { focused.setSelectionRange(caret[0], caret[1]); } catch (e) { /* not a text field */ } }
    }
    if (!shown.length) list.append(el('li', { class: 'muted empty' }, all.length ? t('alarms.filtered') : t('alarms.none')));
    badge.textContent = Y.num(all.length);
    badge.classList.toggle('hot', all.some(function (a) { return a.level === 'red'; }));
    hooks.changed(all);
  }

  // renderSoon coalesces the live feed's changes: a burst of events is
  // drawn at most every LIVE_MS, in an animation frame, so that it never
  // holds up panning (see BenchmarkPanDuringLiveUpdates). The sound of a
  // new red alarm is not delayed (upsert plays it).
  const LIVE_MS = 500;
  let pending = null;
  let lastRender = -Infinity;
  function renderSoon() {
    if (pending) return;
    pending = setTimeout(function () {
      requestAnimationFrame(function () {
        pending = null;
        lastRender = performance.now();
        render();
      });
    }, Math.max(0, lastRender + LIVE_MS - performance.now()));
  }

  function connect() {
    const es = new EventSource('/api/v1/events');
    es.addEventListener('open', function () { status.textContent = t('alarms.live'); status.className = 'feed-status ok'; });
    es.addEventListener('error', function () { status.textContent = t('alarms.reconnecting'); status.className = 'feed-status bad'; });
    es.addEventListener('alarm', function (ev) {
      try { upsert(JSON.parse(ev.data).alarm, true); renderSoon(); } catch (e) { /* malformed event */ }
    });
    es.addEventListener('latest', function (ev) {
      try { hooks.latest(JSON.parse(ev.data)); } catch (e) { /* malformed event */ }
    });
  }

  // start loads the open alarms and follows the live feed. h.changed gets
  // the sorted alarms after every change, h.latest the live values,
  // h.select a point code the user clicked.
  async function start(h) {
    hooks = Object.assign(hooks, h);
    setupFilters(h.counties, h.industries);
    try {
      const res = await api('/api/v1/alarms?state=open&limit=500');
      for (const a of (res && res.items) || []) upsert(a, false);
    } catch (e) {
      note.textContent = e.status === 404 ? t('alarms.unavailable') : t('error.generic', { detail: e.message });
      note.hidden = false;
      render();
      return;
    }
    render();
    connect();
  }

  window.YAlarms = { start: start, all: sorted, sound: sound };
})();
