// alarms.js: the live alarm feed of the one-map page. It lists open
// alarms (GET /api/v1/alarms), follows the Server-Sent Events feed
// (/api/v1/events), sorts by level then time, flashes new red alarms and
// acts on alarms (acknowledge, dispose with feedback, close).
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
      if (live && !known && a.level === 'red') fresh.add(a.id);
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
    btn('close', t('alarms.close'), function () { act(a, 'close'); });
    li.append(
      el('div', { class: 'head' },
        el('span', { class: 'lvl' }, t('level.' + a.level)),
        el('a', { href: '#', class: 'pt', onclick: function (ev) { ev.preventDefault(); hooks.select(a.point); } }, a.point_name || a.point),
        el('time', { datetime: a.raised_at }, Y.time(a.raised_at))),
      el('div', { class: 'msg' }, a.message || ''),
      el('div', { class: 'meta' },
        el('span', {}, t('state.' + a.state)),
        a.tier_name ? el('span', {}, a.tier_name) : null,
        a.overdue ? el('span', { class: 'overdue-tag' }, t('alarms.overdue')) : null),
      buttons);
    return li;
  }

  function render() {
    const all = sorted();
    list.replaceChildren.apply(list, all.map(item));
    if (!all.length) list.append(el('li', { class: 'muted empty' }, t('alarms.none')));
    badge.textContent = Y.num(all.length);
    badge.classList.toggle('hot', all.some(function (a) { return a.level === 'red'; }));
    hooks.changed(all);
  }

  function connect() {
    const es = new EventSource('/api/v1/events');
    es.addEventListener('open', function () { status.textContent = t('alarms.live'); status.className = 'feed-status ok'; });
    es.addEventListener('error', function () { status.textContent = t('alarms.reconnecting'); status.className = 'feed-status bad'; });
    es.addEventListener('alarm', function (ev) {
      try { upsert(JSON.parse(ev.data).alarm, true); render(); } catch (e) { /* malformed event */ }
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

  window.YAlarms = { start: start, all: sorted };
})();
