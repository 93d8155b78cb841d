package auth

import (
	"context"
	"slices"
	"testing"

	"github.com/yingji/yingji/internal/core"
)

// TestRoleSeparation checks the role table for the three-role separation
// (三员分立): each permission an administrator role has is that role's
// alone, no administrator has a business permission, and the business
// administrator (admin) has none of the administrators' powers.
func TestRoleSeparation(t *testing.T) {
	if len(AdminRoles) != 3 {
		t.Fatalf("AdminRoles = %v", AdminRoles)
	}
	for _, a := range AdminRoles {
		r, ok := RoleNamed(a)
		if !ok || len(r.Permissions) == 0 {
			t.Fatalf("no role %s", a)
		}
		for _, p := range r.Permissions {
			for _, other := range Roles {
				if other.Name != a && slices.Contains(other.Permissions, p) {
					t.Errorf("%s of %s is also %s's", p, a, other.Name)
				}
			}
		}
	}
	for _, p := range []Permission{UsersManage, SecurityManage, AuditRead, AuditExport, SystemManage, IngestAdmin, RegionsWrite} {
		if Can("admin", p) {
			t.Errorf("the business administrator has %s", p)
		}
	}
	for _, p := range []Permission{RegistryRead, IncidentsRead, WarningsRead, SupervisionRead, AlarmsRead, RecipientsManage, PersonalReveal} {
		if !Can("admin", p) {
			t.Errorf("the business administrator lacks %s", p)
		}
	}
	if r, _ := RoleNamed("admin"); r.Label != "业务管理员" || r.LabelEn != "business administrator" {
		t.Errorf("admin is labelled %q / %q", r.Label, r.LabelEn)
	}
	if !IsAdminRole("secadmin") || IsAdminRole("admin") || IsAdminRole("") {
		t.Error("IsAdminRole")
	}
}

// TestCheckSeparation: nobody changes their own role, area, enterprise or
// state; no account moves into, out of or between the administrators,
// whoever asks (the command line included).
func TestCheckSeparation(t *testing.T) {
	sec := core.WithActor(context.Background(), &core.Actor{UserID: 7, Username: "sec", Role: "secadmin", Division: "530500"})
	sys := core.WithActor(context.Background(), core.SystemActor)
	base := User{ID: 7, Role: "secadmin", Division: "530500"}
	other := User{ID: 8, Role: "viewer", Division: "530502"}
	with := func(u User, f func(*User)) *User { f(&u); return &u }
	for _, c := range []struct {
		name          string
		ctx           context.Context
		before, after *User
		code          string
	}{
		{"own role", sec, &base, with(base, func(u *User) { u.Role = "viewer" }), core.EFORBIDDEN},
		{"own area", sec, &base, with(base, func(u *User) { u.Division = "530502" }), core.EFORBIDDEN},
		{"own state", sec, &base, with(base, func(u *User) { u.Disabled = true }), core.EFORBIDDEN},
		{"own enterprise", sec, &base, with(base, func(u *User) { u.EnterpriseID = 3 }), core.EFORBIDDEN},
		{"own name", sec, &base, with(base, func(u *User) { u.DisplayName = "x" }), ""},
		{"another's area", sec, &other, with(other, func(u *User) { u.Division = "530581" }), ""},
		{"business roles", sec, &other, with(other, func(u *User) { u.Role = "commander" }), ""},
		{"into an administrator", sec, &other, with(other, func(u *User) { u.Role = "sysadmin" }), core.EINVALID},
		{"out of one", sys, &base, with(base, func(u *User) { u.Role = "admin" }), core.EINVALID},
		{"between two", sys, &base, with(base, func(u *User) { u.Role = "auditadmin" }), core.EINVALID},
		{"the command line disables", sys, &base, with(base, func(u *User) { u.Disabled = true }), ""},
	} {
		if got := core.ErrorCode(checkSeparation(c.ctx, c.before, c.after)); got != c.code {
			t.Errorf("%s: %q, want %q", c.name, got, c.code)
		}
	}
}
