// admin.js: the admin pages — the accounts (list, create, change) and the
// devices (list, register, disable or enable, rotate the secret). Everything
// comes from the JSON API, which also checks the permissions (users.manage,
// devices.manage); validation is the API's, shown beside each field. A
// device secret is shown once, when it is issued, and never stored here.
(function () {
  'use strict';
  const { t, api, el } = Y;
  const root = document.getElementById('admin');
  if (!root) return;
  const view = root.dataset.view;
  const errBox = document.getElementById('adm-error');
  const notice = document.getElementById('adm-notice');
  const actions = document.getElementById('adm-actions');
  const tbody = document.getElementById('adm-rows');
  const A = (window.YAdmin = { ready: false, failed: 0, saved: 0 });
  const divNames = new Map(); // code → name
  const entNames = new Map(); // enterprise ID → name

  function divName(code) { return code ? (divNames.get(code) || code) : '—'; }
  function entName(id) { return id ? (entNames.get(id) || '#' + id) : '—'; }

  // problemText turns an API error into one line for the page.
  function problemText(e) {
    const p = e.problem || {};
    const detail = p.detail || p.title || e.message;
    if (e.status === 403) return t('reg.forbidden', { detail: detail });
    if (e.status === 404) return t('reg.notfound', { detail: detail });
    if (e.status) return t('reg.problem', { status: e.status, detail: detail });
    return t('error.generic', { detail: detail });
  }
  function showError(e, extra) {
    errBox.textContent = (typeof e === 'string' ? e : problemText(e)) + (extra || '');
    errBox.hidden = false;
  }
  function say(text) {
    notice.textContent = text;
    notice.hidden = !text;
  }

  // Field errors: the API's problem errors beside each field, as on the
  // registry form; what has no field goes to the page's error box.
  function clearErrors(form) {
    Y.clearFieldErrors(form);
    errBox.hidden = true;
  }
  const fieldError = Y.fieldError;
  function showProblem(form, e) {
    const p = e.problem || {};
    const rest = [];
    for (const fe of p.errors || []) if (!fieldError(form, fe.field, fe.message)) rest.push((fe.field ? fe.field + ': ' : '') + fe.message);
    if (rest.length || !(p.errors || []).length) showError(e, rest.length ? ' — ' + rest.join('；') : '');
  }

  function flag(on) { return on ? el('span', { class: 'tag off' }, t('common.yes')) : t('common.no'); }

  async function enterprises() {
    try {
      const res = await api('/api/v1/enterprises?limit=1000');
      const dl = document.getElementById('enterprise-list');
      for (const o of res.items || []) {
        entNames.set(o.id, o.name);
        if (dl) dl.append(el('option', { value: o.id }, o.name + ' (' + o.code + ')'));
      }
    } catch (e) { /* the IDs are shown instead of the names */ }
  }

  // ---- accounts ----
  // roleMatrix shows the built-in roles against their permissions, read
  // only: roles are defined in the code (internal/auth/role.go), not
  // stored, so the page does not offer to edit them.
  function roleMatrix(roles) {
    const table = document.getElementById('role-matrix');
    if (!table) return;
    const perms = [];
    for (const r of roles) for (const p of r.permissions || []) if (perms.indexOf(p) < 0) perms.push(p);
    const permLabel = function (p) { return Object.prototype.hasOwnProperty.call(Y.msg, 'perm.' + p) ? t('perm.' + p) : p; };
    table.replaceChildren(
      el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, t('adm.roles.permission')),
        ...roles.map(function (r) { return el('th', { scope: 'col', 'data-role': r.name }, Y.label(r)); }))),
      el('tbody', {}, ...perms.map(function (p) {
        return el('tr', { 'data-permission': p }, el('th', { scope: 'row' }, permLabel(p), el('br'), el('code', { class: 'muted' }, p)),
          ...roles.map(function (r) {
            const has = (r.permissions || []).indexOf(p) >= 0;
            return el('td', { class: has ? 'yes' : 'no', 'data-role': r.name, 'aria-label': has ? t('common.yes') : t('common.no') }, has ? '✓' : '—');
          }));
      })));
  }

  async function users() {
    const form = document.getElementById('user-form');
    const f = {
      username: document.getElementById('in-username'),
      display: document.getElementById('in-display_name'),
      password: document.getElementById('in-password'),
      role: document.getElementById('in-role'),
      division: document.getElementById('in-division_code'),
      enterprise: document.getElementById('in-enterprise_id'),
      disabled: document.getElementById('in-disabled'),
    };
    const [roles, cities, counties] = await Promise.all([
      api('/api/v1/roles'),
      api('/api/v1/divisions?level=city').catch(function () { return { items: [] }; }),
      api('/api/v1/divisions?level=county').catch(function () { return { items: [] }; }),
      enterprises(),
    ]);
    const roleList = roles.items || [];
    const roleLabel = function (name) {
      const r = roleList.find(function (x) { return x.name === name; });
      return r ? Y.label(r) : name;
    };
    for (const r of roleList) f.role.append(el('option', { value: r.name }, Y.label(r)));
    roleMatrix(roleList);
    const divs = (cities.items || []).concat(counties.items || []);
    for (const d of divs) {
      divNames.set(d.code, d.name);
      f.division.append(el('option', { value: d.code }, (d.level === 'county' ? '\u3000' : '') + d.name + ' (' + d.code + ')'));
    }
    let editing = null; // the user being changed, or null for a new one

    function applyRole() {
      document.getElementById('field-enterprise').hidden = f.role.value !== 'enterprise';
    }
    f.role.addEventListener('change', applyRole);

    function reset(u) {
      editing = u || null;
      clearErrors(form);
      form.reset();
      document.getElementById('user-form-title').textContent = u ? t('adm.user.edit', { name: u.username }) : t('adm.user.new');
      f.username.disabled = !!u;
      f.username.value = u ? u.username : '';
      f.display.value = u ? (u.display_name || '') : '';
      f.role.value = u ? u.role : 'viewer';
      f.division.value = u ? u.division_code : ((divs[0] || {}).code || '');
      if (u && f.division.value !== u.division_code) {
        f.division.append(el('option', { value: u.division_code }, divName(u.division_code)));
        f.division.value = u.division_code;
      }
      f.enterprise.value = u && u.enterprise_id ? u.enterprise_id : '';
      f.disabled.checked = !!(u && u.disabled);
      document.getElementById('field-disabled').hidden = !u;
      document.getElementById('password-label').textContent = u ? t('adm.user.password.new') : t('adm.user.password');
      document.getElementById('password-req').hidden = !!u;
      document.getElementById('password-hint').textContent = u ? t('adm.user.password.keep') : t('adm.user.password.hint');
      applyRole();
      A.editing = u ? u.id : null;
    }

    async function load() {
      A.loading = true;
      let res;
      try {
        res = await api('/api/v1/users');
      } catch (e) {
        showError(e);
        tbody.replaceChildren();
        form.hidden = true;
        A.loading = false;
        return;
      }
      const items = res.items || [];
      A.users = items;
      tbody.replaceChildren.apply(tbody, items.map(function (u) {
        return el('tr', { 'data-id': u.id, 'data-username': u.username, class: u.disabled ? 'is-disabled' : null },
          el('td', {}, u.username),
          el('td', {}, u.display_name || '—'),
          el('td', { 'data-role': u.role }, roleLabel(u.role)),
          el('td', {}, divName(u.division_code)),
          el('td', {}, entName(u.enterprise_id)),
          el('td', {}, flag(u.disabled)),
          el('td', {}, el('button', { type: 'button', class: 'btn small user-edit', onclick: function () { say(''); reset(u); f.display.focus(); } }, t('reg.edit'))));
      }));
      if (!items.length) tbody.append(el('tr', { class: 'empty' }, el('td', { colspan: 7, class: 'muted' }, t('reg.empty'))));
      A.loading = false;
    }

    actions.replaceChildren(el('button', { id: 'user-new', type: 'button', class: 'btn primary', onclick: function () { say(''); reset(null); f.username.focus(); } }, t('adm.user.new')));
    document.getElementById('user-cancel').addEventListener('click', function () { reset(null); });

    form.addEventListener('submit', async function (ev) {
      ev.preventDefault();
      clearErrors(form);
      say('');
      const body = {};
      const u = editing;
      if (!u) body.username = f.username.value.trim();
      const disp = f.display.value.trim();
      if (!u || disp !== (u.display_name || '')) body.display_name = disp;
      if (!u || f.role.value !== u.role) body.role = f.role.value;
      if (!u || f.division.value !== u.division_code) body.division_code = f.division.value;
      if (f.role.value === 'enterprise') {
        const raw = f.enterprise.value.trim();
        if (raw === '' && f.enterprise.validity.badInput) { fieldError(form, 'enterprise_id', t('reg.notnumber')); return; }
        if (raw !== '' && (!u || Number(raw) !== u.enterprise_id)) body.enterprise_id = Number(raw);
      }
      if (u && f.disabled.checked !== !!u.disabled) body.disabled = f.disabled.checked;
      if (!u || f.password.value !== '') body.password = f.password.value;
      if (u && !Object.keys(body).length) { say(t('adm.nochange')); return; }
      const btn = document.getElementById('user-save');
      btn.disabled = true;
      A.saving = true;
      try {
        const saved = await api('/api/v1/users' + (u ? '/' + u.id : ''), { method: u ? 'PATCH' : 'POST', body: body });
        A.saved++;
        A.last = saved;
        reset(null);
        say(u ? t('adm.user.saved', { name: saved.username }) : t('adm.user.created', { name: saved.username }));
        await load();
      } catch (e) {
        showProblem(form, e);
        A.failed++;
      }
      btn.disabled = false;
      A.saving = false;
    });

    reset(null);
    await load();
  }

  // ---- devices ----
  async function devices() {
    const form = document.getElementById('device-form');
    const box = document.getElementById('secret-box');
    const info = document.getElementById('mqtt-info');
    let broker = '';
    const [ver] = await Promise.all([
      api('/api/v1/version').catch(function () { return {}; }),
      api('/api/v1/divisions').then(function (res) {
        for (const d of res.items || []) divNames.set(d.code, d.name);
      }).catch(function () { /* codes are shown instead */ }),
      enterprises(),
    ]);
    broker = (ver && ver.mqtt) || '';
    A.broker = broker;
    info.replaceChildren();
    if (broker) {
      info.append(t('adm.mqtt.info') + ' ', el('code', { id: 'mqtt-broker' }, broker), ' · ' + t('adm.mqtt.topic') + ' ',
        el('code', {}, 'yingji/v1/readings/<' + t('adm.device.code') + '>'), ' · ' + t('adm.mqtt.login'));
    } else {
      info.textContent = t('adm.mqtt.none');
    }
    info.hidden = false;

    // showSecret shows a just-issued secret with the connection details.
    // It is kept only in the page until dismissed or the page is left.
    function showSecret(d, secret, rotated) {
      document.getElementById('secret-title').textContent = t(rotated ? 'adm.secret.rotated' : 'adm.secret.issued', { code: d.code });
      document.getElementById('secret-code').textContent = d.code;
      document.getElementById('secret-value').textContent = secret;
      document.getElementById('secret-broker-row').hidden = !broker;
      document.getElementById('secret-broker').textContent = broker;
      document.getElementById('secret-topic').textContent = 'yingji/v1/readings/' + d.code;
      box.hidden = false;
      box.scrollIntoView({ block: 'nearest' });
    }
    function hideSecret() {
      document.getElementById('secret-value').textContent = '';
      box.hidden = true;
    }
    document.getElementById('secret-done').addEventListener('click', hideSecret);

    async function change(d, body, btn) {
      say('');
      errBox.hidden = true;
      btn.disabled = true;
      A.saving = true;
      try {
        const res = await api('/api/v1/devices/' + d.id, { method: 'PATCH', body: body });
        A.saved++;
        if (res.secret) showSecret(res, res.secret, true);
        else {
          hideSecret();
          say(t(res.disabled ? 'adm.device.disabled' : 'adm.device.enabled', { code: res.code }));
        }
        await load();
      } catch (e) {
        showError(e);
        A.failed++;
        btn.disabled = false;
      }
      A.saving = false;
    }

    async function load() {
      A.loading = true;
      let res;
      try {
        res = await api('/api/v1/devices');
      } catch (e) {
        if (e.status === 404) showError(t('adm.devices.off'));
        else showError(e);
        tbody.replaceChildren();
        form.hidden = true;
        A.loading = false;
        return;
      }
      const items = res.items || [];
      A.devices = items;
      tbody.replaceChildren.apply(tbody, items.map(function (d) {
        const toggle = el('button', { type: 'button', class: 'btn small dev-toggle' + (d.disabled ? '' : ' danger'),
          onclick: function () { change(d, { disabled: !d.disabled }, toggle); } }, t(d.disabled ? 'adm.device.enable' : 'adm.device.disable'));
        const rotate = el('button', { type: 'button', class: 'btn small dev-rotate', onclick: function () {
          if (!window.confirm(t('adm.rotate.confirm', { code: d.code }))) return;
          change(d, { rotate_secret: true }, rotate);
        } }, t('adm.device.rotate'));
        return el('tr', { 'data-id': d.id, 'data-code': d.code, class: d.disabled ? 'is-disabled' : null },
          el('td', {}, el('code', {}, d.code)),
          el('td', {}, d.name),
          el('td', {}, entName(d.owner_id)),
          el('td', {}, divName(d.division_code)),
          el('td', {}, flag(d.disabled)),
          el('td', { class: 'row-actions' }, toggle, ' ', rotate));
      }));
      if (!items.length) tbody.append(el('tr', { class: 'empty' }, el('td', { colspan: 6, class: 'muted' }, t('reg.empty'))));
      A.loading = false;
    }

    form.addEventListener('submit', async function (ev) {
      ev.preventDefault();
      clearErrors(form);
      say('');
      const owner = document.getElementById('in-owner_id');
      if (owner.value.trim() === '' && owner.validity.badInput) { fieldError(form, 'owner_id', t('reg.notnumber')); return; }
      const body = { code: document.getElementById('in-code').value.trim(), name: document.getElementById('in-name').value.trim(),
        owner_id: owner.value.trim() === '' ? 0 : Number(owner.value) };
      const btn = document.getElementById('device-save');
      btn.disabled = true;
      A.saving = true;
      try {
        const d = await api('/api/v1/devices', { method: 'POST', body: body });
        A.saved++;
        form.reset();
        showSecret(d, d.secret, false);
        await load();
      } catch (e) {
        showProblem(form, e);
        A.failed++;
      }
      btn.disabled = false;
      A.saving = false;
    });
    await load();
  }

  (async function () {
    try {
      if (view === 'users') await users();
      else await devices();
    } catch (e) {
      showError(e);
    }
    A.ready = true;
  })();
})();
