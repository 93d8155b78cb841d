// common.js: shared helpers of every page — messages, formatting and the
// JSON API client (same origin, cookie session, X-Requested-With on writes).
(function () {
  'use strict';
  const Y = (window.Y = {});
  // what the Content-Security-Policy refused, for the browser tests (and a
  // console to look at): nothing should be.
  Y.cspViolations = [];
  document.addEventListener('securitypolicyviolation', function (e) {
    Y.cspViolations.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline'));
  });
  Y.msg = JSON.parse(document.getElementById('i18n').textContent || '{}');
  Y.lang = document.documentElement.lang || 'zh-CN';

  // t returns a message by id, with {name} placeholders filled in.
  Y.t = function (id, vars) {
    let s = Object.prototype.hasOwnProperty.call(Y.msg, id) ? Y.msg[id] : '⟦' + id + '⟧';
    if (vars) {
      for (const [k, v] of Object.entries(vars)) s = s.split('{' + k + '}').join(String(v));
    }
    return s;
  };
  const nf = new Intl.NumberFormat(Y.lang, { maximumFractionDigits: 3 });
  Y.num = (n) => (n === null || n === undefined || Number.isNaN(Number(n)) ? '—' : nf.format(n));
  const df = new Intl.DateTimeFormat(Y.lang, { dateStyle: 'short', timeStyle: 'medium' });
  Y.time = (ts) => (ts ? df.format(new Date(ts)) : '—');
  const hf = new Intl.DateTimeFormat(Y.lang, { hour: '2-digit', minute: '2-digit' });
  Y.hour = (ts) => hf.format(new Date(ts));

  // clearFieldErrors hides the field-error slots under root and unmarks
  // the invalid inputs.
  Y.clearFieldErrors = function (root) {
    root.querySelectorAll('.field-error').forEach(function (p) { p.hidden = true; p.textContent = ''; });
    root.querySelectorAll('[aria-invalid]').forEach(function (i) { i.removeAttribute('aria-invalid'); });
  };

  // FIELD_MESSAGES classify the API's field messages. A field error carries
  // the field and an English message (core.FieldError has no code of its
  // own), so the common kinds are recognised by the fixed phrases the
  // server writes; the problem's stable code (invalid, not_found,
  // conflict) decides the rest. Each yields a message id and its values.
  const FIELD_MESSAGES = [
    [/^(?:\[\d+\]\S*:? )?is required\b/, 'field.required'],
    [/^.*\bis required$/, 'field.required'],
    [/^(.+) is below the minimum (.+)$/, 'field.min', ['value', 'limit']],
    [/^(.+) is above the maximum (.+)$/, 'field.max', ['value', 'limit']],
    [/^(?:\[\d+\]\S*:? )?must be zero or more$/, 'field.nonnegative'],
    [/^(?:\[\d+\]: )?"(.*)" is not one of .+$/, 'field.option', ['value']],
    [/^"(.*)" is not a known division$/, 'field.division', ['value']],
    [/^want a whole number\b/, 'field.integer'],
    [/^want a (?:finite )?number$/, 'field.number'],
    [/^(?:too long \(\d+ bytes, at most (\d+)\)|is longer than (\d+) characters)$/, 'field.toolong', ['limit', 'limit']],
    [/^"(.*)" is not a date\b/, 'field.date', ['value']],
    [/^"(.*)" is not a phone number\b/, 'field.phone', ['value']],
    [/^no record (\d+) that you may see$/, 'field.notfound', ['value']],
    [/^.*"(.*)" is already registered\b.*$/, 'field.taken', ['value']],
    [/^.*"(.*)" is repeated\b.*$/, 'field.repeated', ['value']],
  ];
  // Y.fieldMessage gives an API field error in the page's language: the
  // server's own (English) text on English pages and for anything not
  // recognised, else the translation.
  Y.fieldMessage = function (message, code) {
    message = String(message || '');
    if (Y.lang === 'en') return message;
    for (const m of FIELD_MESSAGES) {
      const r = m[0].exec(message);
      if (!r) continue;
      const vars = {};
      (m[2] || []).forEach(function (k, i) { if (r[i + 1] !== undefined) vars[k] = r[i + 1]; });
      return Y.t(m[1], vars);
    }
    if (code === 'not_found') return Y.t('field.notfound.generic', { detail: message });
    if (code === 'conflict') return Y.t('field.conflict', { detail: message });
    return message;
  };

  // fieldError shows an API problem's message beside the field it names
  // (the slot with data-error-for, input in-<field>), translated (see
  // fieldMessage; code is the problem's code); false when the form has no
  // visible slot for it, so the caller shows it elsewhere.
  Y.fieldError = function (root, field, message, code) {
    const key = String(field || '').split(/[.[]/)[0];
    const slot = key && root.querySelector('.field-error[data-error-for="' + CSS.escape(key) + '"]');
    message = Y.fieldMessage(message, code);
    if (!slot || slot.parentElement.closest('[hidden]')) return false;
    slot.textContent = slot.textContent ? slot.textContent + '；' + message : message;
    slot.hidden = false;
    const inp = document.getElementById('in-' + key);
    if (inp) inp.setAttribute('aria-invalid', 'true');
    return true;
  };

  // label picks the Chinese or English label of an API option or kind.
  Y.label = function (o) {
    if (!o) return '';
    if (Y.lang === 'en') return o.LabelEn || o.label_en || o.Label || o.label || '';
    return o.Label || o.label || '';
  };

  // api calls the JSON API. A body makes it a write: JSON plus the
  // X-Requested-With header the API's same-origin check accepts.
  Y.api = async function (path, opts) {
    opts = opts || {};
    const headers = { Accept: 'application/json' };
    const init = { method: opts.method || 'GET', credentials: 'same-origin', headers };
    if (opts.body !== undefined || (opts.method && opts.method !== 'GET')) {
      headers['Content-Type'] = 'application/json';
      headers['X-Requested-With'] = 'fetch';
      if (opts.body !== undefined) init.body = JSON.stringify(opts.body);
    }
    const res = await fetch(path, init);
    if (res.status === 401 && !opts.noRedirect && document.body.dataset.page !== 'login' && document.documentElement.dataset.page !== 'login') {
      location.href = '/login?next=' + encodeURIComponent(location.pathname);
      throw new Error(Y.t('error.session'));
    }
    if (res.status === 204) return null;
    const text = await res.text();
    let data = null;
    try { data = text ? JSON.parse(text) : null; } catch (e) { data = null; }
    if (!res.ok) {
      const err = new Error((data && (data.detail || data.title)) || res.statusText);
      err.status = res.status;
      err.problem = data;
      // a sign-in refused during a lockout says when to try again.
      err.retryAfter = Number(res.headers.get('Retry-After')) || 0;
      throw err;
    }
    return data;
  };

  // el builds an element: el('li', {class: 'x', onclick: f}, 'text', child).
  Y.el = function (tag, attrs) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
      else if (k === 'text') e.textContent = v;
      else e.setAttribute(k, v === true ? '' : v);
    }
    for (let i = 2; i < arguments.length; i++) {
      const c = arguments[i];
      if (c === null || c === undefined) continue;
      e.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return e;
  };

  // authError shows a sign-in step's refusal in p (the API's message for
  // 401 and 422, else the generic error with the detail).
  Y.authError = function (p, e) {
    p.textContent = e.status === 401 || e.status === 422 ? e.message : Y.t('error.generic', { detail: e.message || String(e) });
    p.hidden = false;
  };

  // chainStatus writes the audit chain's status (GET /api/v1/audit/verify,
  // or the situation's chain) into box.
  Y.chainStatus = function (box, st) {
    const algs = Object.entries(st.algorithms || {}).map(([k, v]) => k.toUpperCase() + ' ' + Y.num(v)).join(', ');
    if (st.ok) {
      box.textContent = Y.t('audit.chain.ok', { checked: Y.num(st.checked), algs: algs || '—', time: Y.time(st.checked_at) }) +
        (st.anchor_seq ? ' ' + Y.t('audit.chain.anchor', { seq: st.anchor_seq }) : '');
    } else {
      box.textContent = Y.t('audit.chain.bad', { seq: st.broken_seq, error: st.error, checked: Y.num(st.checked) });
    }
    box.className = 'chain ' + (st.ok ? 'ok' : 'bad');
    box.dataset.ok = String(st.ok);
  };

  document.addEventListener('DOMContentLoaded', function () {
    const page = document.documentElement.dataset.page;
    const out = document.getElementById('logout');
    if (out) {
      out.addEventListener('click', async function () {
        try { await Y.api('/api/v1/auth/logout', { method: 'POST' }); } catch (e) { /* signed out anyway */ }
        location.href = '/login';
      });
    }
    const who = document.getElementById('whoami');
    if (who && page !== 'login') {
      Y.api('/api/v1/auth/me').then(function (me) {
        const u = (me && me.user) || {};
        who.textContent = u.display_name || u.username || '';
        // Each link of the header shows only to those whose role has the
        // permission its page reads with (data-perm); the API refuses
        // everyone else anyway. The three administrators of 三员分立 see
        // no business page: the map sends them to their first page.
        const perms = (me && me.permissions) || [];
        const links = document.querySelectorAll('.nav a[data-perm]');
        for (const a of links) a.hidden = perms.indexOf(a.dataset.perm) < 0;
        if (page === 'map' && perms.indexOf('registry.read') < 0) {
          const first = [...links].find(function (a) { return !a.hidden; });
          location.replace(first ? first.getAttribute('href') : '/account/security');
          return;
        }
        Y.me = me;
        document.documentElement.dataset.me = 'ready';
      }).catch(function () { /* the page shows its own errors */ });
    }
  });
})();

// The login form: posts to the API, which sets the session cookie, then
// goes to the page the visitor asked for.
(function () {
  'use strict';
  const form = document.getElementById('login-form');
  if (!form) return;
  const err = document.getElementById('login-error');
  const btn = document.getElementById('login-submit');
  form.addEventListener('submit', async function (ev) {
    ev.preventDefault();
    err.hidden = true;
    btn.disabled = true;
    try {
      const res = await Y.api('/api/v1/auth/login', {
        method: 'POST',
        body: { username: form.username.value.trim(), password: form.password.value },
      });
      if (res && res.mfa_required) return Y.loginMFA(res); // the second step (mfa.js)
      location.href = document.getElementById('next').value || '/';
    } catch (e) {
      if (e.status === 403 && Y.loginExpired) return Y.loginExpired(form.username.value.trim(), form.password.value); // mfa.js
      if ((e.status === 401 && e.retryAfter > 0) || e.status === 429) {
        // a lockout (or a rate limit) is no wrong password: say so and when.
        err.textContent = Y.t('login.locked', { minutes: Math.max(1, Math.ceil((e.retryAfter || 60) / 60)) });
      } else {
        err.textContent = e.status === 401 || e.status === 400 ? Y.t('login.failed') : Y.t('error.generic', { detail: e.message });
      }
      err.hidden = false;
      btn.disabled = false;
    }
  });
})();
