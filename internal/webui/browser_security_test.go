package webui

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/yingji/yingji/internal/auth"
	"github.com/yingji/yingji/internal/core"
	"github.com/yingji/yingji/internal/httpapi"
	"github.com/yingji/yingji/internal/store/storetest"
)

// startMFAServer runs the API and UI with two-factor login required for
// administrators, and one administrator without a second factor yet.
func startMFAServer(t *testing.T) string {
	t.Helper()
	url, _ := startSecurityServer(t, core.SystemClock)
	return url
}

// startSecurityServer is startMFAServer with the password policy (expiry
// after 90 days) on the given clock.
func startSecurityServer(t *testing.T, clock core.Clock) (string, *auth.Service) {
	t.Helper()
	db, tree := storetest.Open(t, storetest.Backends()[0])
	authSvc := &auth.Service{Store: db, Clock: clock, SessionTTL: time.Hour,
		Divisions: func(c string) bool { _, ok := tree.Get(c); return ok },
		MFA:       &auth.MFA{Store: db, Issuer: "Yingji", DefaultRoles: []string{"admin"}},
		Security:  &auth.Security{Store: db, Password: auth.PasswordPolicy{MinLength: 10, MinClasses: 3, History: 3, MaxAge: 90 * 24 * time.Hour}}}
	sys := core.WithActor(context.Background(), core.SystemActor)
	if _, err := authSvc.CreateUser(sys, auth.UserInput{Username: adminUser, Password: adminPassword, Role: "admin", Division: "530500"}); err != nil {
		t.Fatal(err)
	}
	api := &httpapi.Server{Auth: authSvc, Regions: treeRegions{tree}, DB: db, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Version: "test"}
	ui, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/api/", api.Handler())
	mux.Handle("/", ui.Handler())
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.URL, authSvc
}

func totpNow(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	c, err := totp.GenerateCodeCustom(secret, at, totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestBrowserTOTPLogin: an administrator without a second factor enrols
// during the login (QR code, first code, recovery codes), then signs in
// with password and code; the account page shows it enabled.
func TestBrowserTOTPLogin(t *testing.T) {
	url := startMFAServer(t)
	ctx := browser(t, 1100, 900)
	password := func() {
		run(t, ctx, "open the login page",
			chromedp.Navigate(url+"/login?next=/account/security"),
			chromedp.WaitVisible(chromedp.CSS("#login-form")),
			chromedp.SendKeys(chromedp.CSS("#username"), adminUser),
			chromedp.SendKeys(chromedp.CSS("#password"), adminPassword),
			chromedp.Click(chromedp.CSS("#login-submit")),
			chromedp.WaitVisible(chromedp.CSS("#mfa-form")))
	}
	password()
	waitJS(t, ctx, "the enrolment QR code", `!document.getElementById('mfa-enrol').hidden && getComputedStyle(document.getElementById('login-form')).display === 'none' && getComputedStyle(document.getElementById('mfa-codes')).display === 'none' && document.getElementById('mfa-qr').naturalWidth > 0 && document.getElementById('mfa-secret').textContent.length >= 32`)
	secret := eval[string](t, ctx, `document.getElementById('mfa-secret').textContent`)
	screenshot(t, ctx, "mfa-enrol")
	run(t, ctx, "a wrong code", chromedp.SendKeys(chromedp.CSS("#mfa-code"), "000000"), chromedp.Click(chromedp.CSS("#mfa-submit")))
	waitJS(t, ctx, "the refusal", `!document.getElementById('mfa-error').hidden`)
	if p := eval[string](t, ctx, "location.pathname"); p != "/login" {
		t.Fatalf("a wrong code led to %s", p)
	}
	eval[bool](t, ctx, `(document.getElementById('mfa-code').value = '', true)`)
	run(t, ctx, "the right code",
		chromedp.SendKeys(chromedp.CSS("#mfa-code"), totpNow(t, secret, time.Now())),
		chromedp.Click(chromedp.CSS("#mfa-submit")),
		chromedp.WaitVisible(chromedp.CSS("#mfa-codes")))
	if n := eval[int](t, ctx, `document.querySelectorAll('#mfa-code-list li').length`); n != 10 {
		t.Errorf("%d recovery codes shown, want 10", n)
	}
	run(t, ctx, "continue", chromedp.Click(chromedp.CSS("#mfa-continue")), chromedp.WaitVisible(chromedp.CSS("#sec-mfa-title")))
	waitJS(t, ctx, "the security page", `location.pathname === '/account/security' && document.getElementById('sec-status').dataset.enabled === 'true'`)

	// sign out, then in again with password and a code of the next step
	// (the one just used is spent).
	run(t, ctx, "sign out", chromedp.Click(chromedp.CSS("#logout")), chromedp.WaitVisible(chromedp.CSS("#login-form")))
	waitJS(t, ctx, "the login page", `location.pathname === '/login'`)
	password()
	if hidden := eval[bool](t, ctx, `document.getElementById('mfa-enrol').hidden`); !hidden {
		t.Error("an enrolled account is asked to enrol again")
	}
	run(t, ctx, "the code",
		chromedp.SendKeys(chromedp.CSS("#mfa-code"), totpNow(t, secret, time.Now().Add(30*time.Second))),
		chromedp.Click(chromedp.CSS("#mfa-submit")),
		chromedp.WaitVisible(chromedp.CSS("#sec-mfa-title")))
	waitJS(t, ctx, "the security page", `location.pathname === '/account/security' && document.getElementById('sec-status').dataset.enabled === 'true'`)
	screenshot(t, ctx, "mfa-enabled")
}

// TestBrowserExpiredPassword: a password past its age is changed on the
// login page, which then signs in with the new one.
func TestBrowserExpiredPassword(t *testing.T) {
	var mu sync.Mutex
	shift := time.Duration(0)
	url, svc := startSecurityServer(t, func() time.Time { mu.Lock(); defer mu.Unlock(); return time.Now().UTC().Add(shift) })
	sys := core.WithActor(context.Background(), core.SystemActor)
	if _, err := svc.CreateUser(sys, auth.UserInput{Username: "duty", Password: adminPassword, Role: "duty_officer", Division: "530502"}); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	shift = 91 * 24 * time.Hour
	mu.Unlock()
	ctx := browser(t, 1100, 900)
	run(t, ctx, "sign in with the expired password",
		chromedp.Navigate(url+"/login?next=/account/security"),
		chromedp.WaitVisible(chromedp.CSS("#login-form")),
		chromedp.SendKeys(chromedp.CSS("#username"), "duty"),
		chromedp.SendKeys(chromedp.CSS("#password"), adminPassword),
		chromedp.Click(chromedp.CSS("#login-submit")),
		chromedp.WaitVisible(chromedp.CSS("#pw-form")))
	run(t, ctx, "two different new passwords",
		chromedp.SendKeys(chromedp.CSS("#pw-new"), "Renewed-password-2"),
		chromedp.SendKeys(chromedp.CSS("#pw-repeat"), "Renewed-password-3"),
		chromedp.Click(chromedp.CSS("#pw-submit")))
	waitJS(t, ctx, "the mismatch", `!document.getElementById('pw-error').hidden`)
	eval[bool](t, ctx, `(document.getElementById('pw-new').value = '', document.getElementById('pw-repeat').value = '', true)`)
	run(t, ctx, "the old password again",
		chromedp.SendKeys(chromedp.CSS("#pw-new"), adminPassword),
		chromedp.SendKeys(chromedp.CSS("#pw-repeat"), adminPassword),
		chromedp.Click(chromedp.CSS("#pw-submit")))
	waitJS(t, ctx, "the refusal", `document.getElementById('pw-error').textContent.includes('last 3 passwords')`)
	eval[bool](t, ctx, `(document.getElementById('pw-new').value = '', document.getElementById('pw-repeat').value = '', true)`)
	run(t, ctx, "a new password",
		chromedp.SendKeys(chromedp.CSS("#pw-new"), "Renewed-password-2"),
		chromedp.SendKeys(chromedp.CSS("#pw-repeat"), "Renewed-password-2"),
		chromedp.Click(chromedp.CSS("#pw-submit")),
		chromedp.WaitVisible(chromedp.CSS("#sec-mfa-title")))
	waitJS(t, ctx, "the security page", `location.pathname === '/account/security' && document.getElementById('sec-status').dataset.enabled === 'false'`)
	if _, err := svc.BeginLogin(sys, "duty", adminPassword, "127.0.0.1"); err == nil {
		t.Error("the old password still signs in")
	}
}
