// webauthn.js: security keys (WebAuthn) as a second factor — registering
// one on the account security page, and signing in with one at the login
// page's second step instead of a code (pages_security.go).
(function () {
  'use strict';
  const $ = (id) => document.getElementById(id);

  function fromB64(s) {
    const b = atob(s.replace(/-/g, '+').replace(/_/g, '/') + '==='.slice((s.length + 3) % 4));
    return Uint8Array.from(b, (c) => c.charCodeAt(0)).buffer;
  }
  function toB64(buf) {
    let s = '';
    for (const b of new Uint8Array(buf)) s += String.fromCharCode(b);
    return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  }

  // creation and request options arrive with binary fields in base64url.
  function creationOptions(o) {
    const pk = Object.assign({}, o.publicKey);
    pk.challenge = fromB64(pk.challenge);
    pk.user = Object.assign({}, pk.user, { id: fromB64(pk.user.id) });
    pk.excludeCredentials = (pk.excludeCredentials || []).map((c) => Object.assign({}, c, { id: fromB64(c.id) }));
    return { publicKey: pk };
  }
  function requestOptions(o) {
    const pk = Object.assign({}, o.publicKey);
    pk.challenge = fromB64(pk.challenge);
    pk.allowCredentials = (pk.allowCredentials || []).map((c) => Object.assign({}, c, { id: fromB64(c.id) }));
    return { publicKey: pk };
  }
  function credentialJSON(c) {
    const r = c.response;
    const out = { id: c.id, rawId: toB64(c.rawId), type: c.type, clientExtensionResults: c.getClientExtensionResults(), response: {
      clientDataJSON: toB64(r.clientDataJSON) } };
    if (r.attestationObject) {
      out.response.attestationObject = toB64(r.attestationObject);
      if (r.getTransports) out.response.transports = r.getTransports();
    } else {
      out.response.authenticatorData = toB64(r.authenticatorData);
      out.response.signature = toB64(r.signature);
      if (r.userHandle) out.response.userHandle = toB64(r.userHandle);
    }
    return out;
  }

  // keyLogin offers the security key at the second step (called by mfa.js).
  Y.keyLogin = function (ch, next) {
    const btn = $('mfa-key');
    const err = $('mfa-error');
    if (!btn || !window.PublicKeyCredential) return;
    $('mfa-key-box').hidden = false;
    btn.addEventListener('click', async function () {
      err.hidden = true;
      btn.disabled = true;
      try {
        const opts = await Y.api('/api/v1/auth/login/webauthn/begin', { method: 'POST', body: { challenge: ch.challenge } });
        const cred = await navigator.credentials.get(requestOptions(opts));
        await Y.api('/api/v1/auth/login/webauthn', { method: 'POST', body: { challenge: ch.challenge, credential: credentialJSON(cred) } });
        location.href = next;
      } catch (e) {
        Y.authError(err, e);
        btn.disabled = false;
      }
    });
  };

  // The account security page's keys.
  const section = $('sec-keys');
  if (!section) return;
  const err = $('sec-key-error');

  async function load() {
    let keys;
    try {
      keys = await Y.api('/api/v1/auth/webauthn/keys');
    } catch (e) {
      if (e.status === 404) return; // not configured on this server
      throw e;
    }
    section.hidden = false;
    const list = $('sec-key-list');
    list.replaceChildren(...keys.items.map(function (k) {
      const del = Y.el('button', { type: 'button', class: 'btn small danger' }, Y.t('key.remove'));
      del.addEventListener('click', async function () {
        try {
          await Y.api('/api/v1/auth/webauthn/keys/' + k.id, { method: 'DELETE' });
          await load();
        } catch (e) {
          Y.authError(err, e);
        }
      });
      return Y.el('li', { 'data-key': k.name }, Y.el('span', null, k.name + ' · ' + Y.t('key.added', { time: Y.time(k.created_at) }) + ' '), del);
    }));
    $('sec-key-none').hidden = keys.items.length > 0;
  }

  $('sec-key-form').addEventListener('submit', async function (ev) {
    ev.preventDefault();
    err.hidden = true;
    const btn = $('sec-key-add');
    btn.disabled = true;
    try {
      const opts = await Y.api('/api/v1/auth/webauthn/register/begin', { method: 'POST', body: {} });
      const cred = await navigator.credentials.create(creationOptions(opts));
      await Y.api('/api/v1/auth/webauthn/register/finish', { method: 'POST',
        body: { name: $('sec-key-name').value.trim(), credential: credentialJSON(cred) } });
      $('sec-key-name').value = '';
      await load();
    } catch (e) {
      Y.authError(err, e);
    } finally {
      btn.disabled = false;
    }
  });

  load().catch((e) => Y.authError(err, e));
})();
