package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"regexp"
	"strings"
	"testing"
)

// TestFirstStartAccounts: a first start creates the business administrator
// and the three administrators of 三员分立, each with the password from
// YINGJI_<NAME>_PASSWORD or a generated one printed once; each signs in
// with its own role, and the security administrator (not admin) manages
// the accounts.
func TestFirstStartAccounts(t *testing.T) {
	t.Setenv("YINGJI_ADMIN_PASSWORD", adminPassword)
	t.Setenv("YINGJI_SECADMIN_PASSWORD", adminPassword)
	t.Setenv("YINGJI_SYSADMIN_PASSWORD", "")
	t.Setenv("YINGJI_AUDITADMIN_PASSWORD", "")
	dir := t.TempDir()
	url, out := serveWith(t, "--data", dir, "--no-demo")
	printed := out.String()
	passwords := map[string]string{"admin": adminPassword, "secadmin": adminPassword}
	for _, name := range []string{"admin", "secadmin"} {
		if want := fmt.Sprintf("Sign in as %s (%s) with the password from %s.", name, name, passwordEnv(name)); !strings.Contains(printed, want) {
			t.Errorf("start-up message lacks %q:\n%s", want, printed)
		}
	}
	for _, name := range []string{"sysadmin", "auditadmin"} {
		m := regexp.MustCompile(`Sign in as ` + name + ` \(` + name + `\) with the password (\S+) \(shown only this once`).FindStringSubmatch(printed)
		if m == nil {
			t.Fatalf("no generated password printed for %s:\n%s", name, printed)
		}
		passwords[name] = m[1]
	}
	if passwords["sysadmin"] == passwords["auditadmin"] {
		t.Error("the generated passwords are equal")
	}
	for name, pw := range passwords {
		var me struct {
			User        struct{ Role string }
			Permissions []string
		}
		login(t, url, name, pw).get("/api/v1/auth/me", &me)
		if me.User.Role != name {
			t.Errorf("%s signs in with role %q", name, me.User.Role)
		}
	}
	sec := login(t, url, "secadmin", adminPassword)
	var users struct {
		Items []struct{ Username, Role string }
	}
	sec.get("/api/v1/users", &users)
	got := map[string]string{}
	for _, u := range users.Items {
		got[u.Username] = u.Role
	}
	if fmt.Sprint(got) != "map[admin:admin auditadmin:auditadmin secadmin:secadmin sysadmin:sysadmin]" {
		t.Errorf("accounts after the first start: %v", got)
	}
	adm := login(t, url, "admin", adminPassword)
	adm.do("GET", "/api/v1/users", nil, 403, nil)
	adm.do("GET", "/api/v1/audit", nil, 403, nil)
	login(t, url, "auditadmin", passwords["auditadmin"]).do("GET", "/api/v1/audit", nil, 200, nil)

	// the command line keeps working beside them.
	var list bytes.Buffer
	if err := run(context.Background(), []string{"user", "list", "--data", dir}, &list, io.Discard); err != nil || !strings.Contains(list.String(), "auditadmin") {
		t.Fatalf("user list: %v\n%s", err, list.String())
	}
}

// TestUpgradeCreatesMissingAdministrators: on an installation from before
// the three administrators (accounts exist, none a security, system or
// audit administrator), a start creates the missing ones, not admin, and
// says so when an administrator's username is taken by another account.
func TestUpgradeCreatesMissingAdministrators(t *testing.T) {
	setAccountPasswords(t)
	dir := t.TempDir()
	t.Setenv("YINGJI_PASSWORD", "Old-password-1")
	for _, u := range [][]string{{"old-admin", "admin"}, {"secadmin", "viewer"}} {
		if err := run(context.Background(), []string{"user", "add", u[0], "--role", u[1], "--data", dir}, io.Discard, io.Discard); err != nil {
			t.Fatalf("user add %s: %v", u[0], err)
		}
	}
	url, out := serveWith(t, "--data", dir, "--no-demo")
	printed := out.String()
	for name, want := range map[string]bool{"sysadmin": true, "auditadmin": true, "admin": false, "secadmin": false} {
		if got := strings.Contains(printed, "Sign in as "+name+" ("); got != want {
			t.Errorf("start-up message announces %s: %v, want %v\n%s", name, got, want, printed)
		}
	}
	var list bytes.Buffer
	if err := run(context.Background(), []string{"user", "list", "--data", dir}, &list, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`\ssecadmin\s+viewer\s`).MatchString(list.String()) || !regexp.MustCompile(`\ssysadmin\s+sysadmin\s`).MatchString(list.String()) {
		t.Errorf("accounts after the upgrade:\n%s", list.String())
	}
	login(t, url, "sysadmin", adminPassword)
}
