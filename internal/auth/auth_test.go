package auth

import (
	"slices"
	"strings"
	"testing"
)

func TestPasswordHash(t *testing.T) {
	h, err := HashPassword("Correct-horse-7")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=65536,t=1,p=2$") {
		t.Errorf("hash %q is not a PHC argon2id string", h)
	}
	if ok, err := CheckPassword(h, "Correct-horse-7"); !ok || err != nil {
		t.Errorf("right password: %v, %v", ok, err)
	}
	if ok, _ := CheckPassword(h, "correct-horse-7"); ok {
		t.Error("wrong password accepted")
	}
	h2, _ := HashPassword("Correct-horse-7")
	if h2 == h {
		t.Error("two hashes of one password are equal: the salt is not random")
	}
	for _, bad := range []string{"", "$argon2i$v=19$m=1,t=1,p=1$AA$AA", "$argon2id$v=19$m=x$AA$AA", h[:len(h)-3] + "!!!"} {
		if ok, err := CheckPassword(bad, "x"); ok || err == nil {
			t.Errorf("CheckPassword(%q) = %v, %v; want an error", bad, ok, err)
		}
	}
}

func TestPasswordPolicy(t *testing.T) {
	for pw, ok := range map[string]bool{
		"short1A!": false, "alllowercaseletters": false, "lowercase123456": false,
		"Lowercase123456": true, "密码密码密码密码Aa1": true, GeneratePassword(): true,
	} {
		if err := CheckPasswordPolicy(pw); (err == nil) != ok {
			t.Errorf("policy(%q) = %v, want ok=%v", pw, err, ok)
		}
	}
}

func TestPermissions(t *testing.T) {
	tests := []struct {
		role string
		p    Permission
		want bool
	}{
		{"admin", UsersManage, false},
		{"secadmin", UsersManage, true},
		{"auditadmin", AuditRead, true},
		{"sysadmin", RegistryRead, false},
		{"inspector", RegistryWrite, true},
		{"duty_officer", RegistryWrite, false},
		{"viewer", RegistryRead, true},
		{"viewer", AuditRead, false},
		{"enterprise", UsersManage, false},
		{"nobody", RegistryRead, false},
		{"nobody", Authenticated, false},
		{"viewer", Authenticated, true},
	}
	for _, tt := range tests {
		if got := Can(tt.role, tt.p); got != tt.want {
			t.Errorf("Can(%s, %s) = %v, want %v", tt.role, tt.p, got, tt.want)
		}
	}
}

func TestTokens(t *testing.T) {
	a, ha := NewToken("yjs_")
	b, _ := NewToken("yjs_")
	if a == b || !strings.HasPrefix(a, "yjs_") || len(a) < 40 {
		t.Errorf("tokens %q %q", a, b)
	}
	if HashToken(a) != ha || strings.Contains(ha, a) {
		t.Error("stored hash does not match or contains the token")
	}
}

func TestTokenAllows(t *testing.T) {
	session := &Token{Kind: SessionToken}
	read := &Token{Kind: APIToken, Scopes: []Permission{RegistryRead}}
	legacy := &Token{Kind: APIToken, Scopes: []Permission{LegacyScope}}
	none := &Token{Kind: APIToken}
	for _, c := range []struct {
		t      *Token
		p      Permission
		method string
		want   bool
	}{
		{nil, RegistryWrite, "POST", true},
		{session, UsersManage, "POST", true},
		{session, Authenticated, "POST", true},
		{read, RegistryRead, "GET", true},
		{read, RegistryWrite, "POST", false},
		{read, Authenticated, "GET", true},
		{read, Authenticated, "POST", false},
		{read, Authenticated, "DELETE", false},
		{legacy, RegistryWrite, "POST", true},
		{none, RegistryRead, "GET", false},
	} {
		if got := TokenAllows(c.t, c.p, c.method); got != c.want {
			t.Errorf("TokenAllows(%+v, %s, %s) = %v", c.t, c.p, c.method, got)
		}
	}
	if _, err := CheckScopes("viewer", []string{"registry.read", "registry.write"}); err == nil || !strings.Contains(err.Error(), "scopes[1]") {
		t.Errorf("viewer asking for registry.write: %v", err)
	}
	got, err := CheckScopes("inspector", []string{"registry.write", " registry.read", "registry.write"})
	if err != nil || len(got) != 2 || got[0] != RegistryRead || got[1] != RegistryWrite {
		t.Errorf("CheckScopes = %v, %v", got, err)
	}
}

// FuzzCheckScopes: whatever a client sends as scopes, what is accepted is
// a sorted set of the role's own permissions, never the legacy "*".
func FuzzCheckScopes(f *testing.F) {
	f.Add("inspector", "registry.read,registry.write")
	f.Add("viewer", "*")
	f.Add("secadmin", "users.manage, security.manage,,authenticated")
	f.Fuzz(func(t *testing.T, role, list string) {
		got, err := CheckScopes(role, strings.Split(list, ","))
		if err != nil {
			return
		}
		r, _ := RoleNamed(role)
		for i, p := range got {
			if !slices.Contains(r.Permissions, p) || p == LegacyScope || p == Authenticated {
				t.Errorf("CheckScopes(%q, %q) accepted %q", role, list, p)
			}
			if i > 0 && got[i-1] >= p {
				t.Errorf("CheckScopes(%q, %q) = %v: not a sorted set", role, list, got)
			}
		}
		if len(got) == 0 {
			t.Errorf("CheckScopes(%q, %q) accepted no scopes", role, list)
		}
	})
}

// TestSecondFactorRoles: by default every role holding a permission that
// changes data must use a second factor, and the audit administrator too;
// the read-only viewer need not.
func TestSecondFactorRoles(t *testing.T) {
	want := map[string]bool{"admin": true, "commander": true, "duty_officer": true, "inspector": true, "enterprise": true,
		"sysadmin": true, "secadmin": true, "auditadmin": true, "viewer": false}
	got := map[string]bool{}
	for _, r := range SecondFactorRoles() {
		got[r] = true
	}
	for _, r := range Roles {
		if got[r.Name] != want[r.Name] {
			t.Errorf("%s: second factor by default = %v, want %v", r.Name, got[r.Name], want[r.Name])
		}
	}
	if slices.Contains(WriteRoles(), "auditadmin") || slices.Contains(WriteRoles(), "viewer") {
		t.Errorf("write roles %v include a read-only role", WriteRoles())
	}
}
