package httpapi

import (
	"github.com/yingji/yingji/internal/auth"
	"github.com/yingji/yingji/internal/registry"
)

// buildRoutes is the one list of every endpoint and its permission.
//
// Three-role separation (三员分立, docs/security.md §2 d): accounts and the
// second-factor resets need users.manage and the security policy
// security.manage (the security administrator); the audit trail audit.read
// (the audit administrator); the division tree, the ingestion dead-letter
// log and the external feeds' pushes and health the system administrator's
// regions.write, ingest.admin and system.manage. The administrative
// divisions themselves are reference data (the national code list) every
// signed-in account needs to read, the administrators included.
func (s *Server) buildRoutes() []Route {
	rs := []Route{
		{"GET", "/healthz", "", "Liveness", s.healthz},
		{"GET", "/readyz", "", "Readiness: the database answers", s.readyz},
		{"GET", "/api/v1/openapi.json", "", "This API's OpenAPI 3.1 document", s.openapi},
		{"GET", "/api/v1/version", "", "Version of the server", s.version},

		{"POST", "/api/v1/auth/login", "", "Sign in; returns a bearer token and sets the session cookie", s.login},
		{"POST", "/api/v1/auth/logout", auth.Authenticated, "End the current session", s.logout},
		{"GET", "/api/v1/auth/me", auth.Authenticated, "The signed-in user and permissions", s.me},
		{"GET", "/api/v1/auth/tokens", auth.Authenticated, "Your sessions and API tokens", s.listTokens},
		{"POST", "/api/v1/auth/tokens", auth.Authenticated, "Create an API token for machines, with scopes (a subset of your role) and an expiry", s.createToken},
		{"DELETE", "/api/v1/auth/tokens/{id}", auth.Authenticated, "Revoke a session or API token", s.deleteToken},

		{"GET", "/api/v1/users", auth.UsersManage, "List accounts in your area", s.listUsers},
		{"POST", "/api/v1/users", auth.UsersManage, "Create an account", s.createUser},
		{"GET", "/api/v1/users/{id}", auth.UsersManage, "Get an account", s.getUser},
		{"PATCH", "/api/v1/users/{id}", auth.UsersManage, "Change an account", s.updateUser},
		{"GET", "/api/v1/roles", auth.Authenticated, "Roles and their permissions", s.listRoles},

		{"GET", "/api/v1/divisions", auth.Authenticated, "List administrative divisions", s.listDivisions},
		{"POST", "/api/v1/divisions/import", auth.RegionsWrite, "Import divisions (CSV: code,name,level,parent_code)", s.importDivisions},
		{"GET", "/api/v1/divisions/locate", auth.Authenticated, "The division containing a point", s.locateDivision},
		{"GET", "/api/v1/divisions/{code}", auth.Authenticated, "Get a division", s.getDivision},
		{"GET", "/api/v1/divisions/{code}/children", auth.Authenticated, "Child divisions", s.divisionChildren},
		{"GET", "/api/v1/divisions/{code}/ancestors", auth.Authenticated, "Ancestor divisions, root first", s.divisionAncestors},
		{"GET", "/api/v1/registry/kinds", auth.RegistryRead, "Registry kinds with their fields and options", s.listKinds},
	}
	if s.Perception != nil {
		rs = append(rs,
			Route{"POST", "/api/v1/ingest", "", "Readings from a device (HTTP Basic: device code and secret)", s.ingestReadings},
			Route{"GET", "/api/v1/ingest/rejections", auth.IngestAdmin, "The dead-letter log of refused readings", s.listRejections},
			Route{"GET", "/api/v1/devices", auth.DevicesManage, "Devices in your area", s.listDevices},
			Route{"POST", "/api/v1/devices", auth.DevicesManage, "Register a device and issue its secret", s.createDevice},
			Route{"PATCH", "/api/v1/devices/{id}", auth.DevicesManage, "Rename, disable or rotate a device's secret", s.updateDevice},
			Route{"GET", "/api/v1/alarms", auth.AlarmsRead, "Alarms, most severe first", s.listAlarms},
			Route{"GET", "/api/v1/alarms/{id}", auth.AlarmsRead, "An alarm with its history", s.getAlarm},
			Route{"POST", "/api/v1/alarms/{id}/actions", auth.AlarmsAct, "Acknowledge, dispose or close an alarm", s.actOnAlarm},
			Route{"GET", "/api/v1/notifications", auth.AlarmsRead, "Notifications addressed to your area (in-app inbox)", s.inbox},
			Route{"GET", "/api/v1/events", auth.AlarmsRead, "Server-Sent Events: alarm changes and latest values in your area", s.events},
			Route{"GET", "/api/v1/monitoring-points/{code}/readings", auth.RegistryRead, "A point's readings: raw, 1-minute or 1-hour roll-ups", s.readings},
			Route{"GET", "/api/v1/monitoring-points/{code}/rules", auth.RegistryRead, "A point's alarm rules", s.getPointRules},
			Route{"PUT", "/api/v1/monitoring-points/{code}/rules", auth.RegistryWrite, "Override a point's alarm rules (null restores the defaults)", s.setPointRules},
		)
	}
	rs = append(rs, s.incidentRoutes()...)
	rs = append(rs, s.warningRoutes()...)
	rs = append(rs, s.supervisionRoutes()...)
	rs = append(rs, s.ledgerRoutes()...)
	rs = append(rs, s.recipientRoutes()...)
	rs = append(rs, s.modelRoutes()...)
	rs = append(rs, s.dutyRoutes()...)
	rs = append(rs, s.mfaRoutes()...)
	rs = append(rs, s.auditRoutes()...)
	rs = append(rs, s.tokenRoutes()...)
	rs = append(rs, s.ssoRoutes()...)
	rs = append(rs, s.keyRoutes()...)
	rs = append(rs, s.revealRoutes()...)
	for _, k := range registry.Kinds() {
		h := &kindHandler{s: s, k: k}
		base := "/api/v1/" + k.Path
		rs = append(rs,
			Route{"GET", base, auth.RegistryRead, "List " + k.LabelEn + " records (JSON, GeoJSON or CSV)", h.list},
			Route{"POST", base, auth.RegistryWrite, "Create a " + k.LabelEn + " record", h.create},
			Route{"POST", base + "/import", auth.RegistryWrite, "Import " + k.LabelEn + " records, all or none", h.importMany},
			Route{"GET", base + "/{id}", auth.RegistryRead, "Get a " + k.LabelEn + " record", h.get},
			Route{"PATCH", base + "/{id}", auth.RegistryWrite, "Change a " + k.LabelEn + " record", h.update},
			Route{"DELETE", base + "/{id}", auth.RegistryWrite, "Delete a " + k.LabelEn + " record", h.remove},
		)
	}
	return rs
}
