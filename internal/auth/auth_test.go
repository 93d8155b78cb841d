package auth

import (
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
