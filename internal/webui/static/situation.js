// situation.js: the security administrator's situation page: counts of
// failed sign-ins, lockouts, denials, rate limits and reveals over a
// window, the addresses and accounts behind them, recent events and the
// audit chain's status; refreshed every 30 seconds.
(function () {
  'use strict';
  const root = document.getElementById('situation');
  if (!root) return;
  const win = document.getElementById('sit-window');
  const errBox = document.getElementById('sit-error');
  const REFRESH = 30000;

  function cell(v) { return Y.el('td', null, v === undefined || v === null || v === '' ? '—' : String(v)); }
  function fill(id, list, make) {
    const body = document.querySelector('#' + id + ' tbody');
    body.replaceChildren();
    if (!list.length) body.append(Y.el('tr', null, Y.el('td', { colspan: '5', class: 'muted' }, Y.t('sit.none'))));
    for (const x of list) body.append(make(x));
  }
  function count(id, n) {
    const el = document.getElementById(id);
    el.textContent = Y.num(n);
    el.classList.toggle('hot', n > 0);
  }
  function eventName(a) { return Y.t('sit.action.' + a); }

  async function load() {
    try {
      const s = await Y.api('/api/v1/security/situation?window=' + encodeURIComponent(win.value));
      errBox.hidden = true;
      count('sit-failed', s.failed_logins);
      count('sit-lockouts', s.lockouts);
      count('sit-denials', s.denials);
      count('sit-limited', s.rate_limited_requests || s.rate_limited);
      count('sit-reveals', s.reveals);
      fill('sit-addresses', s.top_addresses, (c) => Y.el('tr', null, cell(c.key), cell(Y.num(c.count))));
      fill('sit-accounts', s.top_accounts, (c) => Y.el('tr', null, cell(c.key), cell(Y.num(c.count))));
      fill('sit-recent', s.recent, (e) => Y.el('tr', { 'data-action': e.action }, cell(e.seq), cell(Y.time(e.at)), cell(eventName(e.action)), cell(e.subject), cell(e.detail)));
      fill('sit-reveal-list', s.recent_reveals, (e) => Y.el('tr', null, cell(e.seq), cell(Y.time(e.at)), cell(e.actor), cell(e.entity + ' ' + (e.entity_id || '')), cell(e.detail)));
      Y.chainStatus(document.getElementById('sit-chain'), s.chain);
      document.getElementById('sit-updated').textContent = Y.t('sit.updated', { time: Y.time(new Date()) });
      root.dataset.loaded = String(Number(root.dataset.loaded || 0) + 1);
    } catch (e) {
      errBox.textContent = e.status === 403 ? Y.t('audit.forbidden', { detail: e.message }) : Y.t('error.generic', { detail: e.message });
      errBox.hidden = false;
    }
  }
  win.addEventListener('change', load);
  load();
  setInterval(function () { if (!document.hidden) load(); }, REFRESH);
})();
