package auth

import (
	"slices"
	"time"
)

// Permission names an action a route needs.
type Permission string

// Permissions.
const (
	RegistryRead  Permission = "registry.read"
	RegistryWrite Permission = "registry.write"
	RegionsWrite  Permission = "regions.write"
	UsersManage   Permission = "users.manage"
	AuditRead     Permission = "audit.read"
	AlarmsRead    Permission = "alarms.read"
	AlarmsAct     Permission = "alarms.act"
	DevicesManage Permission = "devices.manage"
	// IngestAdmin reads the dead-letter log, which holds any device's raw
	// messages, so it is not scoped and only administrators have it.
	IngestAdmin Permission = "ingest.admin"
	// Incident command (issue 5).
	IncidentsRead    Permission = "incidents.read"
	IncidentsWrite   Permission = "incidents.write"   // intake, notes, tasks, report drafts
	IncidentsCommand Permission = "incidents.command" // activate plans, dispatch, approve reports, close
	PlansManage      Permission = "plans.manage"      // emergency plans and the event-type table
	DutyManage       Permission = "duty.manage"       // the duty roster
	// Public warnings (issue 6).
	WarningsRead     Permission = "warnings.read"
	WarningsDraft    Permission = "warnings.draft"
	WarningsApprove  Permission = "warnings.approve" // approve and publish another person's draft
	RecipientsManage Permission = "recipients.manage"
	// Safety supervision (issue 8).
	SupervisionRead  Permission = "supervision.read"
	SupervisionWrite Permission = "supervision.write" // grading, hidden dangers, inspections, enforcement
	// HazardsReport lets an enterprise report and rectify its own hidden dangers.
	HazardsReport Permission = "hazards.report"
	// Three-role separation (三员分立, issue 9). SystemManage runs the
	// system (configuration, feeds, ingestion, health) without business
	// data; SecurityManage sets security policy, keys and sees the security
	// situation; AuditExport exports the audit trail. UsersManage belongs to
	// the security administrator, AuditRead to the audit administrator.
	SystemManage   Permission = "system.manage"
	SecurityManage Permission = "security.manage"
	AuditExport    Permission = "audit.export"
	// PersonalReveal shows a record's personal data (phone, ID number,
	// address) in clear; every reveal is audited.
	PersonalReveal Permission = "personal.reveal"
	// Authenticated is needed by routes any signed-in user may call.
	Authenticated Permission = "authenticated"
)

// Role is a named set of permissions.
type Role struct {
	Name        string
	Label       string
	LabelEn     string
	Permissions []Permission
}

// Roles are the built-in roles. Deny by default: a permission not listed is
// refused.
var Roles = []Role{
	// admin is the business administrator (业务管理员): every business
	// permission of its area, but neither accounts (secadmin), the audit
	// trail (auditadmin) nor the system's configuration (sysadmin).
	{"admin", "业务管理员", "business administrator", []Permission{RegistryRead, RegistryWrite, AlarmsRead, AlarmsAct, DevicesManage,
		IncidentsRead, IncidentsWrite, IncidentsCommand, PlansManage, DutyManage, WarningsRead, WarningsDraft, WarningsApprove, RecipientsManage,
		SupervisionRead, SupervisionWrite, HazardsReport, PersonalReveal}},
	{"commander", "指挥长", "commander", []Permission{RegistryRead, AlarmsRead, AlarmsAct,
		IncidentsRead, IncidentsWrite, IncidentsCommand, PlansManage, DutyManage, WarningsRead, WarningsDraft, WarningsApprove, SupervisionRead, PersonalReveal}},
	{"duty_officer", "值班员", "duty officer", []Permission{RegistryRead, AlarmsRead, AlarmsAct,
		IncidentsRead, IncidentsWrite, WarningsRead, WarningsDraft, SupervisionRead}},
	{"inspector", "执法人员", "safety inspector", []Permission{RegistryRead, RegistryWrite, AlarmsRead, AlarmsAct, DevicesManage,
		IncidentsRead, WarningsRead, SupervisionRead, SupervisionWrite, HazardsReport}},
	{"enterprise", "企业用户", "enterprise user", []Permission{RegistryRead, RegistryWrite, AlarmsRead, AlarmsAct, DevicesManage,
		SupervisionRead, HazardsReport}},
	{"viewer", "只读用户", "viewer", []Permission{RegistryRead, AlarmsRead, IncidentsRead, WarningsRead, SupervisionRead}},
	// The three administrators of 三员分立: no business data, and none
	// holds another's powers. An account has one role, and the service
	// refuses to move an account between these three (IsAdminRole).
	{"sysadmin", "系统管理员", "system administrator", []Permission{SystemManage, IngestAdmin, RegionsWrite}},
	{"secadmin", "安全管理员", "security administrator", []Permission{UsersManage, SecurityManage}},
	{"auditadmin", "审计管理员", "audit administrator", []Permission{AuditRead, AuditExport}},
}

// AdminRoles are the three administrators of 三员分立 (system, security,
// audit), in that order.
var AdminRoles = []string{"sysadmin", "secadmin", "auditadmin"}

// IsAdminRole reports whether role is one of the three administrators.
func IsAdminRole(role string) bool { return slices.Contains(AdminRoles, role) }

// RoleNamed returns the role with that name.
func RoleNamed(name string) (Role, bool) {
	for _, r := range Roles {
		if r.Name == name {
			return r, true
		}
	}
	return Role{}, false
}

// readOnly are the permissions that change nothing.
var readOnly = []Permission{RegistryRead, AlarmsRead, IncidentsRead, WarningsRead, SupervisionRead, AuditRead, AuditExport}

// WriteRoles are the roles that can change data: those holding any
// permission beyond reading.
func WriteRoles() []string {
	out := []string{}
	for _, ro := range Roles {
		if slices.ContainsFunc(ro.Permissions, func(p Permission) bool { return !slices.Contains(readOnly, p) }) {
			out = append(out, ro.Name)
		}
	}
	return out
}

// SecondFactorRoles must sign in with a second factor unless the policy
// says otherwise: every role that can change data (issue 9, GB/T 22239
// 8.1.4.1 d) and the audit administrator, who reads everyone's trail.
func SecondFactorRoles() []string {
	return append(WriteRoles(), "auditadmin")
}

// Can reports whether role has the permission.
func Can(role string, p Permission) bool {
	if p == Authenticated {
		_, ok := RoleNamed(role)
		return ok
	}
	r, ok := RoleNamed(role)
	return ok && slices.Contains(r.Permissions, p)
}

// User is an account.
type User struct {
	ID          int64  `json:"id"`
	Username    string `json:"username"`
	DisplayName string `json:"display_name"`
	Role        string `json:"role"`
	Division    string `json:"division_code"`
	// EnterpriseID limits an enterprise user to one enterprise.
	EnterpriseID      int64     `json:"enterprise_id,omitempty"`
	Disabled          bool      `json:"disabled"`
	CreatedAt         time.Time `json:"created_at"`
	UpdatedAt         time.Time `json:"updated_at"`
	PasswordChangedAt time.Time `json:"password_changed_at"`
	PasswordHash      string    `json:"-"`
}

// Token kinds.
const (
	SessionToken = "session"
	APIToken     = "api"
)

// Token is a stored session or API token (its hash, never the token).
type Token struct {
	ID     int64  `json:"id"`
	UserID int64  `json:"user_id"`
	Kind   string `json:"kind"`
	Name   string `json:"name"`
	Hash   string `json:"-"`
	// Scopes are an API token's permissions (tokens.go); nil for sessions.
	Scopes     []Permission `json:"scopes,omitempty"`
	CreatedAt  time.Time    `json:"created_at"`
	ExpiresAt  time.Time    `json:"expires_at"`
	LastUsedAt time.Time    `json:"last_used_at"`
}
