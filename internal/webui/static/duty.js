// duty.js: the duty page (值班值守) — the team on duty now, the roster's
// week with a form for roster editors (duty.manage), the handover form and
// log with the incoming officer's acceptance, and the daily all-quiet
// report (报平安) with the days missing one. Everything comes from
// /api/v1/duty, which checks the permissions and the area; times are shown
// and entered in Beijing time.
(function () {
  'use strict';
  const { t, api, el } = Y;
  const root = document.getElementById('duty');
  if (!root) return;
  const D = (window.YDuty = { ready: false, loading: 0, saved: 0 });
  const errBox = document.getElementById('duty-error');
  const notice = document.getElementById('duty-notice');
  const divSel = document.getElementById('duty-division');
  const shiftForm = document.getElementById('shift-form');
  const hoForm = document.getElementById('handover-form');
  const DAY = 86400000;
  const BJ = 8 * 3600000;
  let me = null;
  let perms = [];
  let monday = null; // the Beijing date (YYYY-MM-DD) of the week's Monday
  let editing = null; // the shift being edited, or null for a new one
  let people = [];

  // Beijing-time helpers: a duty day is a date in UTC+8.
  function bjDate(ms) { return new Date(ms + BJ).toISOString().slice(0, 10); }
  function bjClock(iso) { return new Date(Date.parse(iso) + BJ).toISOString().slice(11, 16); }
  function bjLocal(iso) { return new Date(Date.parse(iso) + BJ).toISOString().slice(0, 16); }
  function fromLocal(v) { return v ? new Date(v + ':00+08:00').toISOString() : null; }
  function addDays(date, n) { return bjDate(Date.parse(date + 'T00:00:00+08:00') + n * DAY); }
  function mondayOf(date) {
    const wd = new Date(date + 'T00:00:00Z').getUTCDay();
    return addDays(date, -((wd + 6) % 7));
  }
  function today() { return bjDate(Date.now()); }
  function can(p) { return perms.indexOf(p) >= 0; }
  function division() { return divSel.value; }
  function name(m) { return m ? (m.name || m.username || '#' + m.user_id) : '—'; }

  function problemText(e) {
    const p = e.problem || {};
    const detail = p.detail || p.title || e.message;
    if (e.status === 403) return t('reg.forbidden', { detail: detail });
    if (e.status === 404) return t('reg.notfound', { detail: detail });
    if (e.status === 409) return t('duty.conflict', { detail: detail });
    if (e.status) return t('reg.problem', { status: e.status, detail: detail });
    return t('error.generic', { detail: detail });
  }
  function showError(e, extra) {
    errBox.textContent = (typeof e === 'string' ? e : problemText(e)) + (extra || '');
    errBox.hidden = false;
  }
  function say(text) { notice.textContent = text; notice.hidden = !text; }
  function clear(form) { Y.clearFieldErrors(form); errBox.hidden = true; say(''); }
  function showProblem(form, e) {
    const p = e.problem || {};
    const rest = [];
    for (const fe of p.errors || []) if (!Y.fieldError(form, fe.field, fe.message)) rest.push((fe.field ? fe.field + ': ' : '') + fe.message);
    if (rest.length || !(p.errors || []).length) showError(e, rest.length ? ' — ' + rest.join('；') : '');
  }
  async function busy(fn) {
    D.loading++;
    try { return await fn(); } finally { D.loading--; }
  }

  async function divisions() {
    const own = me.user.division_code;
    const opts = [await api('/api/v1/divisions/' + own)];
    if (opts[0].level === 'province' || opts[0].level === 'city') {
      const kids = await api('/api/v1/divisions/' + own + '/children');
      for (const d of kids.items || []) if (d.level === 'county' || d.level === 'city') opts.push(d);
    }
    divSel.replaceChildren(...opts.map(function (d) { return el('option', { value: d.code }, d.name); }));
  }

  function teamLine(team) {
    const s = team.shift;
    return el('div', { class: 'duty-team', 'data-division': team.division_code },
      el('b', null, team.division_name), s.name + ' ' + bjClock(s.start) + '–' + bjClock(s.end), ' · ',
      t('duty.leader'), '：', name(s.leader), ' · ', t('duty.officers'), '：', s.officers.map(name).join('、'),
      s.phone ? ' · ☎ ' + s.phone : '');
  }

  async function loadNow() {
    const box = document.getElementById('duty-now');
    const res = await api('/api/v1/duty/now?division=' + encodeURIComponent(division()));
    box.replaceChildren(...(res.items.length ? res.items.map(teamLine) : [el('p', { class: 'muted' }, t('duty.now.none'))]));
    return res;
  }

  function shiftCard(s) {
    const now = Date.now();
    const on = Date.parse(s.start) <= now && now < Date.parse(s.end);
    const card = el('div', { class: 'duty-shift' + (on ? ' now' : ''), 'data-shift': s.id },
      el('div', null, el('b', null, s.name), ' ', el('span', { class: 'when' }, bjClock(s.start) + '–' + bjClock(s.end))),
      el('div', null, t('duty.leader'), '：', name(s.leader)),
      el('div', null, t('duty.officers'), '：', s.officers.map(name).join('、')),
      s.phone ? el('div', null, '☎ ', s.phone) : null);
    if (can('duty.manage')) card.append(el('button', { type: 'button', class: 'btn small', 'data-edit': s.id, onclick: function () { openShift(s); } }, t('duty.shift.edit')));
    return card;
  }

  async function loadWeek() {
    const sunday = addDays(monday, 6);
    document.getElementById('week-label').textContent = monday + ' ～ ' + sunday;
    const res = await api('/api/v1/duty/shifts?division=' + encodeURIComponent(division()) + '&from=' + monday + '&to=' + sunday);
    const grid = document.getElementById('duty-week');
    const days = [];
    const now = today();
    for (let i = 0; i < 7; i++) {
      const date = addDays(monday, i);
      const shifts = res.items.filter(function (s) { return s.date === date; });
      days.push(el('div', { class: 'duty-day' + (date === now ? ' today' : ''), 'data-date': date },
        el('h3', null, t('duty.weekday.' + i) + ' ' + date.slice(5)),
        ...(shifts.length ? shifts.map(shiftCard) : [el('p', { class: 'muted' }, t('duty.day.empty'))])));
    }
    grid.replaceChildren(...days);
    D.shifts = res.items.length;
  }

  async function loadPeople() {
    const res = await api('/api/v1/duty/people?division=' + encodeURIComponent(division()));
    people = res.items || [];
    const label = function (p) { return p.name + '（' + p.username + '）'; };
    const leader = document.getElementById('in-leader_id');
    leader.replaceChildren(el('option', { value: '' }, t('duty.choose')), ...people.map(function (p) { return el('option', { value: p.id }, label(p)); }));
    document.getElementById('in-officer_ids').replaceChildren(...people.map(function (p) {
      return el('label', null, el('input', { type: 'checkbox', value: p.id, name: 'officer' }), ' ', label(p));
    }));
    const inc = document.getElementById('in-incoming_id');
    inc.replaceChildren(el('option', { value: '' }, t('duty.choose')), ...people.filter(function (p) { return p.id !== me.user.id; })
      .map(function (p) { return el('option', { value: p.id }, label(p)); }));
  }

  function openShift(s) {
    editing = s || null;
    clear(shiftForm);
    shiftForm.hidden = false;
    document.getElementById('shift-form-title').textContent = s ? t('duty.shift.edit') + ' · ' + s.date : t('duty.shift.new');
    document.getElementById('shift-delete').hidden = !s;
    const base = monday <= today() && today() <= addDays(monday, 6) ? today() : monday;
    shiftForm.name.value = s ? s.name : '';
    shiftForm.start.value = s ? bjLocal(s.start) : base + 'T08:30';
    shiftForm.end.value = s ? bjLocal(s.end) : addDays(base, 1) + 'T08:30';
    document.getElementById('in-leader_id').value = s ? String(s.leader.user_id) : '';
    const chosen = new Set(s ? s.officers.map(function (o) { return String(o.user_id); }) : []);
    shiftForm.querySelectorAll('input[name=officer]').forEach(function (c) { c.checked = chosen.has(c.value); });
    shiftForm.phone.value = s ? s.phone : '';
    shiftForm.note.value = s ? s.note : '';
    shiftForm.scrollIntoView({ block: 'nearest' });
  }

  async function saveShift(ev) {
    ev.preventDefault();
    clear(shiftForm);
    const body = {
      division_code: division(), name: shiftForm.name.value.trim(), start: fromLocal(shiftForm.start.value), end: fromLocal(shiftForm.end.value),
      leader_id: Number(document.getElementById('in-leader_id').value) || 0,
      officer_ids: Array.from(shiftForm.querySelectorAll('input[name=officer]:checked')).map(function (c) { return Number(c.value); }),
      phone: shiftForm.phone.value.trim(), note: shiftForm.note.value.trim(),
    };
    if (!body.start) delete body.start;
    if (!body.end) delete body.end;
    await busy(async function () {
      try {
        if (editing) {
          body.version = editing.version;
          await api('/api/v1/duty/shifts/' + editing.id, { method: 'PATCH', body: body });
        } else {
          await api('/api/v1/duty/shifts', { method: 'POST', body: body });
        }
        D.saved++;
        shiftForm.hidden = true;
        say(t('duty.shift.saved'));
        await Promise.all([loadWeek(), loadNow()]);
      } catch (e) {
        D.failed = (D.failed || 0) + 1;
        showProblem(shiftForm, e);
      }
    });
  }

  async function deleteShift() {
    if (!editing || !confirm(t('duty.shift.delete.confirm'))) return;
    await busy(async function () {
      try {
        await fetch('/api/v1/duty/shifts/' + editing.id, { method: 'DELETE', credentials: 'same-origin',
          headers: { 'X-Requested-With': 'fetch', 'If-Match': String(editing.version) } }).then(async function (r) {
          if (!r.ok) { const e = new Error(r.statusText); e.status = r.status; e.problem = await r.json().catch(function () { return null; }); throw e; }
        });
        shiftForm.hidden = true;
        say(t('duty.shift.deleted'));
        await Promise.all([loadWeek(), loadNow()]);
      } catch (e) { showProblem(shiftForm, e); }
    });
  }

  // copyWeek copies the previous week's shifts of the division into the
  // week shown; shifts in the way are left out and listed.
  async function copyWeek() {
    errBox.hidden = true;
    if (!confirm(t('duty.week.copy.confirm', { from: addDays(monday, -7), to: monday }))) return;
    await busy(async function () {
      try {
        const res = await api('/api/v1/duty/shifts/copy', { method: 'POST', body: { division_code: division(), from: addDays(monday, -7), to: monday } });
        D.saved++;
        say(t('duty.week.copied', { n: res.created.length }) + (res.skipped.length ? ' ' + t('duty.week.skipped', {
          n: res.skipped.length, list: res.skipped.map(function (s) { return s.date + ' ' + s.name + '（' + s.reason + '）'; }).join('；') }) : ''));
        await Promise.all([loadWeek(), loadNow()]);
      } catch (e) { showError(e); }
    });
  }

  function handoverItem(h) {
    const mine = !h.accepted_at && me && h.incoming.user_id === me.user.id;
    const alarms = h.open_alarms ? el('div', { class: 'alarms' }, t('duty.handover.alarms', { n: h.open_alarms }), ' ',
      ...h.alarms.slice(0, 5).map(function (a) { return el('span', { class: 'lvl-' + a.level }, '● ' + (a.point_name || a.point) + ' '); })) :
      el('div', { class: 'muted' }, t('duty.handover.noalarms'));
    return el('li', { 'data-handover': h.id },
      el('div', null, el('b', null, Y.time(h.at)), ' ', name(h.outgoing), ' → ', name(h.incoming), ' ',
        h.accepted_at ? el('span', { class: 'tag' }, t('duty.handover.accepted', { at: Y.time(h.accepted_at) })) :
          el('span', { class: 'tag off' }, t('duty.handover.pending'))),
      h.open ? el('div', null, t('duty.handover.open'), '：', h.open) : null,
      h.watch ? el('div', null, t('duty.handover.watch'), '：', h.watch) : null,
      alarms,
      mine ? el('button', { type: 'button', class: 'btn small primary', 'data-accept': h.id, onclick: function () { accept(h.id); } }, t('duty.handover.accept')) : null);
  }

  async function loadLog() {
    const res = await api('/api/v1/duty/handovers?limit=20&division=' + encodeURIComponent(division()));
    const list = document.getElementById('handover-log');
    list.replaceChildren(...(res.items.length ? res.items.map(handoverItem) : [el('li', { class: 'muted' }, t('duty.handover.none'))]));
  }

  async function accept(id) {
    clear(hoForm);
    await busy(async function () {
      try {
        await api('/api/v1/duty/handovers/' + id + '/accept', { method: 'POST' });
        say(t('duty.handover.accepted.now'));
        await loadLog();
      } catch (e) { showError(e); }
    });
  }

  async function submitHandover(ev) {
    ev.preventDefault();
    clear(hoForm);
    const body = { division_code: division(), incoming_id: Number(hoForm.incoming_id.value) || 0, open: hoForm.open.value.trim(), watch: hoForm.watch.value.trim() };
    await busy(async function () {
      try {
        await api('/api/v1/duty/handovers', { method: 'POST', body: body });
        D.saved++;
        hoForm.reset();
        say(t('duty.handover.done'));
        await loadLog();
      } catch (e) { showProblem(hoForm, e); }
    });
  }

  async function loadQuiet() {
    const to = today();
    const res = await api('/api/v1/duty/quiet?division=' + encodeURIComponent(division()) + '&from=' + addDays(to, -6) + '&to=' + to);
    const mine = res.items.filter(function (q) { return q.division_code === division() && q.date === to; })[0];
    document.getElementById('quiet-status').textContent = mine ?
      t('duty.quiet.done', { who: name(mine.reported_by), at: Y.time(mine.reported_at) }) : t('duty.quiet.notyet');
    const btn = document.getElementById('quiet-file');
    btn.hidden = !can('incidents.write') || !!mine;
    const list = document.getElementById('quiet-missing');
    // One line per division with the days it did not report.
    const byDiv = new Map();
    for (const m of res.missing) {
      if (!byDiv.has(m.division_code)) byDiv.set(m.division_code, { name: m.division_name, dates: [] });
      byDiv.get(m.division_code).dates.push(m.date.slice(5));
    }
    list.replaceChildren(...(byDiv.size ? Array.from(byDiv, function ([code, d]) {
      return el('li', { 'data-missing': code }, el('b', null, d.name), '：', d.dates.join('、'));
    }) : [el('li', { class: 'muted' }, t('duty.quiet.nomissing'))]));
    D.missing = res.missing.length;
  }

  async function fileQuiet() {
    errBox.hidden = true;
    await busy(async function () {
      try {
        await api('/api/v1/duty/quiet', { method: 'POST', body: { division_code: division() } });
        D.saved++;
        say(t('duty.quiet.filed'));
        await loadQuiet();
      } catch (e) { showError(e); }
    });
  }

  async function loadAll() {
    await busy(async function () {
      try {
        await Promise.all([loadNow(), loadWeek(), loadLog(), loadQuiet(), loadPeople()]);
      } catch (e) { showError(e); }
    });
  }

  async function main() {
    me = await api('/api/v1/auth/me');
    perms = me.permissions || [];
    await divisions();
    monday = mondayOf(today());
    document.getElementById('shift-new').hidden = !can('duty.manage');
    document.getElementById('week-copy').hidden = !can('duty.manage');
    document.getElementById('week-copy').addEventListener('click', copyWeek);
    hoForm.hidden = !can('incidents.write');
    divSel.addEventListener('change', loadAll);
    document.getElementById('week-prev').addEventListener('click', function () { monday = addDays(monday, -7); busy(loadWeek).catch(showError); });
    document.getElementById('week-next').addEventListener('click', function () { monday = addDays(monday, 7); busy(loadWeek).catch(showError); });
    document.getElementById('week-this').addEventListener('click', function () { monday = mondayOf(today()); busy(loadWeek).catch(showError); });
    document.getElementById('shift-new').addEventListener('click', function () { openShift(null); });
    document.getElementById('shift-cancel').addEventListener('click', function () { shiftForm.hidden = true; });
    document.getElementById('shift-delete').addEventListener('click', deleteShift);
    document.getElementById('quiet-file').addEventListener('click', fileQuiet);
    shiftForm.addEventListener('submit', saveShift);
    hoForm.addEventListener('submit', submitHandover);
    await loadAll();
    D.ready = true;
  }
  main().catch(function (e) { showError(e); D.ready = true; D.failedStart = true; });
})();
