// mfa.js: the login page's second step (a TOTP or recovery code; the
// enrolment when the account's role requires a second factor and it has
// none) and the account security page (/account/security).
(function () {
  'use strict';
  const $ = (id) => document.getElementById(id);

  function showCodes(list, codes) {
    list.replaceChildren(...codes.map((c) => Y.el('li', null, Y.el('code', null, c))));
  }

  // loginMFA takes over after the password step answered a challenge.
  Y.loginMFA = async function (ch) {
    const form = $('mfa-form');
    const err = $('mfa-error');
    const next = $('next').value || '/';
    $('login-form').hidden = true;
    form.hidden = false;
    if (ch.enrol_required) {
      try {
        const en = await Y.api('/api/v1/auth/login/mfa/enrol', { method: 'POST', body: { challenge: ch.challenge } });
        $('mfa-qr').src = en.qr_png;
        $('mfa-secret').textContent = en.secret;
        $('mfa-enrol').hidden = false;
        $('mfa-recovery-box').hidden = true;
      } catch (e) {
        Y.authError(err, e);
      }
    }
    $('mfa-code').focus();
    if (ch.webauthn && Y.keyLogin) Y.keyLogin(ch, next); // webauthn.js
    form.addEventListener('submit', async function (ev) {
      ev.preventDefault();
      err.hidden = true;
      const btn = $('mfa-submit');
      btn.disabled = true;
      const body = { challenge: ch.challenge };
      const rc = $('mfa-recovery').value.trim();
      if (rc && !ch.enrol_required) body.recovery_code = rc;
      else body.code = $('mfa-code').value.trim();
      try {
        const res = await Y.api('/api/v1/auth/login/mfa', { method: 'POST', body });
        if (res.recovery_codes && res.recovery_codes.length) {
          form.hidden = true;
          showCodes($('mfa-code-list'), res.recovery_codes);
          $('mfa-codes').hidden = false;
          $('mfa-continue').addEventListener('click', function () { location.href = next; });
          return;
        }
        location.href = next;
      } catch (e) {
        Y.authError(err, e);
        btn.disabled = false;
      }
    });
  };

  // loginExpired asks for a new password when the old one has expired,
  // then signs in with it.
  Y.loginExpired = function (username, oldPassword) {
    const form = $('pw-form');
    const err = $('pw-error');
    $('login-form').hidden = true;
    form.hidden = false;
    $('pw-new').focus();
    form.addEventListener('submit', async function (ev) {
      ev.preventDefault();
      err.hidden = true;
      const pw = $('pw-new').value;
      if (pw !== $('pw-repeat').value) {
        err.textContent = Y.t('pw.mismatch');
        err.hidden = false;
        return;
      }
      const btn = $('pw-submit');
      btn.disabled = true;
      try {
        await Y.api('/api/v1/auth/password', { method: 'POST',
          body: { username, old_password: oldPassword, new_password: pw, code: $('pw-code').value.trim() } });
        const res = await Y.api('/api/v1/auth/login', { method: 'POST', body: { username, password: pw } });
        form.hidden = true;
        if (res && res.mfa_required) return Y.loginMFA(res);
        location.href = $('next').value || '/';
      } catch (e) {
        const field = e.problem && e.problem.errors && e.problem.errors[0];
        err.textContent = field ? field.message : e.message;
        err.hidden = false;
        btn.disabled = false;
      }
    });
  };

  // The account security page.
  const page = $('security');
  if (!page) return;
  const err = $('sec-error');
  const status = $('sec-status');

  async function load() {
    err.hidden = true;
    const st = await Y.api('/api/v1/auth/mfa');
    status.textContent = st.enabled
      ? Y.t('mfa.status.on', { time: Y.time(st.confirmed_at), left: st.recovery_codes_left })
      : Y.t(st.required ? 'mfa.status.off.required' : 'mfa.status.off');
    status.dataset.enabled = String(st.enabled);
    $('sec-start').hidden = st.enabled;
    $('sec-renew').hidden = !st.enabled;
  }

  $('sec-start-form').addEventListener('submit', async function (ev) {
    ev.preventDefault();
    err.hidden = true;
    try {
      const en = await Y.api('/api/v1/auth/mfa/enrol', { method: 'POST', body: { password: $('sec-password').value } });
      $('sec-password').value = '';
      $('sec-qr').src = en.qr_png;
      $('sec-secret').textContent = en.secret;
      $('sec-uri').textContent = en.otpauth_uri;
      $('sec-start').hidden = true;
      $('sec-confirm').hidden = false;
      $('sec-code').focus();
    } catch (e) {
      Y.authError(err, e);
    }
  });

  $('sec-confirm-form').addEventListener('submit', async function (ev) {
    ev.preventDefault();
    err.hidden = true;
    try {
      const res = await Y.api('/api/v1/auth/mfa/confirm', { method: 'POST', body: { code: $('sec-code').value.trim() } });
      $('sec-confirm').hidden = true;
      showCodes($('sec-code-list'), res.recovery_codes);
      $('sec-codes').hidden = false;
      await load();
    } catch (e) {
      Y.authError(err, e);
    }
  });

  $('sec-renew-form').addEventListener('submit', async function (ev) {
    ev.preventDefault();
    err.hidden = true;
    try {
      const res = await Y.api('/api/v1/auth/mfa/recovery-codes', { method: 'POST', body: { code: $('sec-renew-code').value.trim() } });
      $('sec-renew-code').value = '';
      showCodes($('sec-code-list'), res.recovery_codes);
      $('sec-codes').hidden = false;
      await load();
    } catch (e) {
      Y.authError(err, e);
    }
  });

  load().catch((e) => Y.authError(err, e));
})();
