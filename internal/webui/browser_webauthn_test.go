package webui

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/webauthn"
	"github.com/chromedp/chromedp"

	"github.com/yingji/yingji/internal/audit"
	"github.com/yingji/yingji/internal/auth"
	"github.com/yingji/yingji/internal/core"
	"github.com/yingji/yingji/internal/httpapi"
	"github.com/yingji/yingji/internal/store/storetest"
)

// cdpAction runs one Chrome DevTools Protocol command.
func cdpAction[P, R any](c cdp.Command[P, R], p P) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		_, err := cdp.Call(ctx, t, c, p)
		return chromedp.Void{}, err
	}
}

// TestBrowserWebAuthnKey: an administrator with an authenticator app
// registers a security key on the account security page (chromium's
// virtual authenticator, through the DevTools WebAuthn domain), signs out,
// and signs in again with password and the key instead of a code; the
// sign-in is audited as password+webauthn, and removing the key takes the
// offer away from the login page.
func TestBrowserWebAuthnKey(t *testing.T) {
	db, tree := storetest.Open(t, storetest.Backends()[0])
	authSvc := &auth.Service{Store: db, Clock: core.SystemClock, SessionTTL: time.Hour,
		Divisions: func(c string) bool { _, ok := tree.Get(c); return ok },
		MFA:       &auth.MFA{Store: db, Issuer: "Yingji", DefaultRoles: []string{"admin"}},
		Security:  &auth.Security{Store: db, Password: auth.PasswordPolicy{MinLength: 10, MinClasses: 3}}}
	sys := core.WithActor(context.Background(), core.SystemActor)
	u, err := authSvc.CreateUser(sys, auth.UserInput{Username: adminUser, Password: adminPassword, Role: "admin", Division: "530500"})
	if err != nil {
		t.Fatal(err)
	}
	// the authenticator app first (its recovery codes cover a lost key).
	uctx := core.WithActor(context.Background(), &core.Actor{UserID: u.ID, Username: u.Username, Role: u.Role, Division: u.Division})
	en, err := authSvc.Enrol(uctx, adminPassword)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := authSvc.ConfirmEnrol(uctx, totpNow(t, en.Secret, time.Now().Add(-30*time.Second))); err != nil {
		t.Fatal(err)
	}
	// WebAuthn needs a domain: the pages are opened at localhost.
	mux := http.NewServeMux()
	srv := httptest.NewUnstartedServer(mux)
	base := "http://localhost:" + strings.Split(srv.Listener.Addr().String(), ":")[1]
	if authSvc.Keys, err = auth.NewKeys(db, "localhost", []string{base}); err != nil {
		t.Fatal(err)
	}
	api := &httpapi.Server{Auth: authSvc, Regions: treeRegions{tree}, DB: db, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Version: "test"}
	ui, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	mux.Handle("/api/", api.Handler())
	mux.Handle("/", ui.Handler())
	srv.Start()
	t.Cleanup(srv.Close)

	ctx := browser(t, 1100, 900)
	run(t, ctx, "open the login page", chromedp.Navigate(base+"/login?next=/account/security"), chromedp.WaitVisible(chromedp.CSS("#login-form")))
	isTrue := true
	run(t, ctx, "a virtual security key",
		cdpAction(webauthn.Enable, webauthn.EnableParams{EnableUI: new(bool)}),
		cdpAction(webauthn.AddVirtualAuthenticator, webauthn.AddVirtualAuthenticatorParams{Options: &webauthn.VirtualAuthenticatorOptions{
			Protocol: webauthn.AuthenticatorProtocolCtap2, Transport: webauthn.AuthenticatorTransportUsb,
			HasUserVerification: true, IsUserVerified: true, AutomaticPresenceSimulation: isTrue}}))
	password := func() {
		run(t, ctx, "the password",
			chromedp.Navigate(base+"/login?next=/account/security"),
			chromedp.WaitVisible(chromedp.CSS("#login-form")),
			chromedp.SendKeys(chromedp.CSS("#username"), adminUser),
			chromedp.SendKeys(chromedp.CSS("#password"), adminPassword),
			chromedp.Click(chromedp.CSS("#login-submit")),
			chromedp.WaitVisible(chromedp.CSS("#mfa-form")))
	}
	password()
	if eval[bool](t, ctx, `!document.getElementById('mfa-key-box').hidden`) {
		t.Error("a security key is offered before one is registered")
	}
	run(t, ctx, "the app's code",
		chromedp.SendKeys(chromedp.CSS("#mfa-code"), totpNow(t, en.Secret, time.Now())),
		chromedp.Click(chromedp.CSS("#mfa-submit")),
		chromedp.WaitVisible(chromedp.CSS("#sec-keys")))
	run(t, ctx, "register a key",
		chromedp.SendKeys(chromedp.CSS("#sec-key-name"), "办公室安全密钥"),
		chromedp.Click(chromedp.CSS("#sec-key-add")))
	waitJS(t, ctx, "the registered key", `document.querySelectorAll('#sec-key-list li').length === 1 || !document.getElementById('sec-key-error').hidden`)
	if msg := eval[string](t, ctx, `document.getElementById('sec-key-error').hidden ? '' : document.getElementById('sec-key-error').textContent`); msg != "" {
		t.Fatalf("registration refused: %s", msg)
	}
	screenshot(t, ctx, "webauthn-registered")

	run(t, ctx, "sign out", chromedp.Click(chromedp.CSS("#logout")), chromedp.WaitVisible(chromedp.CSS("#login-form")))
	password()
	waitJS(t, ctx, "the key offered", `!document.getElementById('mfa-key-box').hidden`)
	screenshot(t, ctx, "webauthn-login")
	run(t, ctx, "sign in with the key", chromedp.Click(chromedp.CSS("#mfa-key")), chromedp.WaitVisible(chromedp.CSS("#sec-mfa-title")))
	waitJS(t, ctx, "the security page", `location.pathname === '/account/security'`)
	logins, err := db.ListAudit(context.Background(), audit.Filter{Entity: "login", Actor: adminUser})
	if err != nil {
		t.Fatal(err)
	}
	last := logins[len(logins)-1]
	if last.Action != "login" || !strings.Contains(string(last.After), `"method":"password+webauthn"`) {
		t.Errorf("the last sign-in was audited as %s %s", last.Action, last.After)
	}
	added, _ := db.ListAudit(context.Background(), audit.Filter{Entity: "user", EntityID: fmt.Sprint(u.ID)})
	found := false
	for _, e := range added {
		found = found || e.Action == "webauthn_add" && strings.Contains(string(e.After), "办公室安全密钥")
	}
	if !found {
		t.Errorf("the registration is not audited: %+v", added)
	}

	// removing the key takes it off the login page.
	waitJS(t, ctx, "the key list", `document.querySelectorAll('#sec-key-list li button').length === 1`)
	run(t, ctx, "remove the key", chromedp.Click(chromedp.CSS("#sec-key-list li button")))
	waitJS(t, ctx, "no key left", `document.querySelectorAll('#sec-key-list li').length === 0 && !document.getElementById('sec-key-none').hidden`)
	run(t, ctx, "sign out", chromedp.Click(chromedp.CSS("#logout")), chromedp.WaitVisible(chromedp.CSS("#login-form")))
	password()
	time.Sleep(300 * time.Millisecond) // the offer would show at once
	if eval[bool](t, ctx, `!document.getElementById('mfa-key-box').hidden`) {
		t.Error("a removed key is still offered")
	}
}
