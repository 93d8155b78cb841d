package httpapi_test

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/yingji/yingji/internal/auth"
	"github.com/yingji/yingji/internal/httpapi"
)

// fakeClock is the auth service's clock in these tests.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// secure turns on the password policy, lockout and idle timeout with an
// injected clock.
func secure(e *env) *fakeClock {
	c := &fakeClock{t: time.Now().UTC()}
	e.api.Auth.Clock = c.now
	e.api.Auth.Security = &auth.Security{Store: e.db, LockAfter: 3, LockAfterIP: 10, Delay: time.Minute, MaxDelay: 8 * time.Minute,
		Password: auth.PasswordPolicy{MinLength: 12, MinClasses: 3, History: 3, MaxAge: 90 * 24 * time.Hour}}
	e.api.Auth.IdleTimeout = 30 * time.Minute
	return c
}

func (e *env) tryLogin(user, pw string) (int, string) {
	e.t.Helper()
	status, body, _ := e.do("POST", "/api/v1/auth/login", "", map[string]string{"username": user, "password": pw}, nil)
	if status == 200 {
		return status, ""
	}
	return status, problemOf(e.t, body).Detail
}

func TestLoginLockout(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		clock := secure(e)
		for range 3 {
			if st, msg := e.tryLogin("viewer", "wrong"); st != 401 || !strings.Contains(msg, "wrong username or password") {
				t.Fatalf("wrong password: %d %s", st, msg)
			}
		}
		// the third failure locks the account for a minute, even for the right password.
		if st, msg := e.tryLogin("viewer", password); st != 401 || !strings.Contains(msg, "try again in 1m0s") {
			t.Fatalf("locked account: %d %s", st, msg)
		}
		// the lockout is told apart from a wrong password by Retry-After
		// (the login page says so); a wrong password has none.
		if _, _, h := e.do("POST", "/api/v1/auth/login", "", map[string]string{"username": "viewer", "password": password}, nil); h.Get("Retry-After") != "60" {
			t.Errorf("locked account: Retry-After %q, want 60", h.Get("Retry-After"))
		}
		clock.add(61 * time.Second)
		if st, msg := e.tryLogin("viewer", password); st != 200 {
			t.Fatalf("after the lockout: %d %s", st, msg)
		}
		// a success clears the count; the delay then grows with each failure.
		for range 3 {
			e.tryLogin("viewer", "wrong")
		}
		clock.add(61 * time.Second)
		if st, body, h := e.do("POST", "/api/v1/auth/login", "", map[string]string{"username": "viewer", "password": "wrong"}, nil); st != 401 || !strings.Contains(problemOf(t, body).Detail, "wrong username") || h.Get("Retry-After") != "" {
			t.Fatalf("fourth failure: %d %s, Retry-After %q", st, body, h.Get("Retry-After"))
		}
		if st, msg := e.tryLogin("viewer", password); st != 401 || !strings.Contains(msg, "try again in 2m0s") {
			t.Fatalf("after the fourth failure: %d %s", st, msg)
		}
		clock.add(2*time.Minute + time.Second)
		if st, msg := e.tryLogin("viewer", password); st != 200 {
			t.Fatalf("after the second lockout: %d %s", st, msg)
		}
		// other accounts are not locked by viewer's failures.
		if st, msg := e.tryLogin("ly-inspector", password); st != 200 {
			t.Fatalf("another account: %d %s", st, msg)
		}
		var audit struct {
			Items []struct {
				Action string
				Actor  string
				After  struct {
					Subject, Username, IP, Method string
				} `json:"after"`
			}
		}
		e.call("GET", "/api/v1/audit?entity=login&limit=1000", "auditadmin", nil, 200, &audit)
		count := map[string]int{}
		for _, a := range audit.Items {
			switch a.Action {
			case "lockout":
				if a.After.Subject != "user:viewer" {
					t.Errorf("lockout of %q", a.After.Subject)
				}
			case "login", "login_failed":
				if a.After.IP != "127.0.0.1" || a.After.Method != "password" {
					t.Errorf("%s without its address or method: %+v", a.Action, a.After)
				}
			}
			count[a.Action+"/"+a.After.Username+a.After.Subject]++
		}
		// three lockouts: the first round's third failure, the second
		// round's third and fourth; seven wrong passwords, three sign-ins.
		want := map[string]int{"lockout/user:viewer": 3, "login_failed/viewer": 7, "login/viewer": 2, "login/ly-inspector": 1}
		for k, n := range want {
			if count[k] != n {
				t.Errorf("audit has %d × %s, want %d (all: %v)", count[k], k, n, count)
			}
		}
		// one address: 7 failures so far; three unknown names make ten.
		for _, u := range []string{"nobody1", "nobody2", "nobody3"} {
			e.tryLogin(u, "wrong")
		}
		if st, msg := e.tryLogin("admin", password); st != 401 || !strings.Contains(msg, "too many failed sign-ins") {
			t.Fatalf("locked address: %d %s", st, msg)
		}
	})
}

// TestDeniedIsAudited: a refused request leaves an audit row.
func TestDeniedIsAudited(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		secure(e)
		e.call("GET", "/api/v1/users", "viewer", nil, 403, nil)
		var audit struct {
			Items []struct {
				Action, Actor string
				After         struct{ Route string } `json:"after"`
			}
		}
		e.call("GET", "/api/v1/audit?entity=permission", "auditadmin", nil, 200, &audit)
		if len(audit.Items) != 1 || audit.Items[0].Action != "denied" || audit.Items[0].Actor != "viewer" || audit.Items[0].After.Route != "GET /api/v1/users" {
			t.Errorf("denial audited as %+v", audit.Items)
		}
	})
}

func TestPasswordPolicyAndExpiry(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		clock := secure(e)
		id := userID(t, e, "viewer")
		p := problemOf(t, e.call("PATCH", "/api/v1/users/"+itoa(id), "secadmin", map[string]string{"password": "Short-pw-1"}, 422, nil))
		if p.Errors[0].Field != "password" || !strings.Contains(p.Errors[0].Message, "at least 12") {
			t.Errorf("short password: %+v", p)
		}
		change := func(old, new string, want int) string {
			t.Helper()
			body := e.call("POST", "/api/v1/auth/password", "", map[string]string{"username": "viewer", "old_password": old, "new_password": new}, want, nil)
			if want == 204 {
				return ""
			}
			pr := problemOf(t, body)
			if len(pr.Errors) > 0 {
				return pr.Errors[0].Message
			}
			return pr.Detail
		}
		if msg := change(password, password, 422); !strings.Contains(msg, "last 3 passwords") {
			t.Errorf("same password: %s", msg)
		}
		if msg := change("wrong", "Second-password-2", 401); !strings.Contains(msg, "wrong username or password") {
			t.Errorf("wrong old password: %s", msg)
		}
		change(password, "Second-password-2", 204)
		e.call("GET", "/api/v1/auth/me", "viewer", nil, 401, nil) // the sessions ended
		change("Second-password-2", "Third-password-3", 204)
		if msg := change("Third-password-3", password, 422); !strings.Contains(msg, "last 3 passwords") {
			t.Errorf("reuse of the first password: %s", msg)
		}
		change("Third-password-3", "Fourth-password-4", 204)
		change("Fourth-password-4", password, 204) // the first is now the fourth last

		// the password expires 90 days after it was set.
		clock.add(89 * 24 * time.Hour)
		if st, msg := e.tryLogin("viewer", password); st != 200 {
			t.Fatalf("day 89: %d %s", st, msg)
		}
		clock.add(2 * 24 * time.Hour)
		if st, msg := e.tryLogin("viewer", password); st != 403 || !strings.Contains(msg, "expired") {
			t.Fatalf("day 91: %d %s", st, msg)
		}
		change(password, "Fifth-password-5", 204)
		if st, msg := e.tryLogin("viewer", "Fifth-password-5"); st != 200 {
			t.Fatalf("after the change: %d %s", st, msg)
		}
	})
}

func TestSessionIdleAndLifetime(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		clock := secure(e)
		var login httpapi.LoginResponse
		e.call("POST", "/api/v1/auth/login", "", map[string]string{"username": "viewer", "password": password}, 200, &login)
		var tok struct{ Token string }
		e.call("POST", "/api/v1/auth/tokens", login.Token, map[string]any{"name": "machine", "days": 1, "scopes": []string{"registry.read"}}, 201, &tok)
		// used every 25 minutes, the session lives to its absolute end (1 h here).
		for range 2 {
			clock.add(25 * time.Minute)
			e.call("GET", "/api/v1/auth/me", login.Token, nil, 200, nil)
		}
		clock.add(11 * time.Minute) // 61 minutes after the login
		p := problemOf(t, e.call("GET", "/api/v1/auth/me", login.Token, nil, 401, nil))
		if !strings.Contains(p.Detail, "expired") {
			t.Errorf("past its lifetime: %s", p.Detail)
		}
		// a session unused for more than 30 minutes ends.
		e.call("POST", "/api/v1/auth/login", "", map[string]string{"username": "viewer", "password": password}, 200, &login)
		clock.add(29 * time.Minute)
		e.call("GET", "/api/v1/auth/me", login.Token, nil, 200, nil)
		clock.add(31 * time.Minute)
		p = problemOf(t, e.call("GET", "/api/v1/auth/me", login.Token, nil, 401, nil))
		if !strings.Contains(p.Detail, "without use") {
			t.Errorf("idle session: %s", p.Detail)
		}
		e.call("GET", "/api/v1/auth/me", login.Token, nil, 401, nil)
		// API tokens are for machines: no idle timeout.
		e.call("GET", "/api/v1/auth/me", tok.Token, nil, 200, nil)
	})
}
