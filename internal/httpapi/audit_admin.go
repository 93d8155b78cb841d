package httpapi

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/yingji/yingji/internal/audit"
	"github.com/yingji/yingji/internal/auth"
	"github.com/yingji/yingji/internal/core"
	"github.com/yingji/yingji/internal/region"
)

// AuditStore is what the audit search, export, chain status and the
// security situation need of the store (beyond Database.ListAudit).
type AuditStore interface {
	ScanAudit(ctx context.Context, f audit.Filter, fn func(*audit.Entry) error) error
	CountAudit(ctx context.Context, f audit.Filter) (int64, error)
	AuditStatus(ctx context.Context) audit.ChainStatus
	AuditEvent(ctx context.Context, action, entity string, id int64, division string, detail any) error
}

// auditRoutes are the audit administrator's and the security
// administrator's routes (issue 9).
func (s *Server) auditRoutes() []Route {
	return []Route{
		{"GET", "/api/v1/audit", auth.AuditRead, "Search the audit trail (your area), newest first with order=desc", s.listAudit},
		{"GET", "/api/v1/audit/export", auth.AuditExport, "Export the audit trail as CSV or JSON Lines with hashes, verifiable offline (yingji audit verify --file)", s.exportAudit},
		{"GET", "/api/v1/audit/verify", auth.AuditRead, "Verify the audit hash chain from its anchor to its head", s.verifyAudit},
		{"GET", "/api/v1/security/situation", auth.SecurityManage, "Security situation: failed sign-ins, lockouts, denials, rate limits, reveals and the audit chain over a window", s.securitySituation},
	}
}

func (s *Server) auditStore() AuditStore {
	st, _ := s.DB.(AuditStore)
	return st
}

// auditScope is the area an actor may read: every entry for the system,
// else the actor's division and below, and for an account of the
// installation's top division (root, e.g. the city) or of a province also
// the entries without a division (failed sign-ins of unknown names,
// rate-limited addresses, system events).
func auditScope(a *core.Actor, f *audit.Filter, division, root string) error {
	if a.System {
		if division != "" {
			f.DivisionPrefix = region.Prefix(division)
		}
		return nil
	}
	if a.Division == "" {
		// An empty prefix would match every entry.
		return core.Errorf(core.EFORBIDDEN, "your account has no area, so no audit entries are yours to read")
	}
	if division != "" {
		if !region.Within(division, a.Division) {
			return core.Errorf(core.EFORBIDDEN, "division %q is outside your area (%s)", division, a.Division)
		}
		f.DivisionPrefix = region.Prefix(division)
		return nil
	}
	f.DivisionPrefix = region.Prefix(a.Division)
	f.Unattributed = len(f.DivisionPrefix) <= 2 || (root != "" && a.Division == root)
	return nil
}

// auditFilter reads the search filters shared by the list and the export.
func auditFilter(r *http.Request, maxLimit int, root string) (audit.Filter, error) {
	q := r.URL.Query()
	f := audit.Filter{Entity: q.Get("entity"), EntityID: q.Get("entity_id"), Actor: q.Get("actor"), Action: q.Get("action"), Text: q.Get("q")}
	var err error
	def := 100
	if maxLimit == 0 {
		def, maxLimit = 0, 1<<31-1
	}
	if f.Limit, err = intParam(q, "limit", def, 0, maxLimit); err != nil {
		return f, err
	}
	for name, dst := range map[string]*int64{"after_seq": &f.AfterSeq, "before_seq": &f.BeforeSeq} {
		if v := q.Get(name); v != "" {
			if *dst, err = strconv.ParseInt(v, 10, 64); err != nil || *dst < 0 {
				return f, core.Invalid(name, "%q is not a sequence number", v)
			}
		}
	}
	for name, dst := range map[string]*time.Time{"from": &f.From, "to": &f.To} {
		if v := q.Get(name); v != "" {
			if *dst, err = time.Parse(time.RFC3339, v); err != nil {
				return f, core.Invalid(name, "%q is not an RFC 3339 time", v)
			}
		}
	}
	switch q.Get("order") {
	case "", "asc":
	case "desc":
		f.Desc = true
	default:
		return f, core.Invalid("order", "%q: want asc or desc", q.Get("order"))
	}
	if len(f.Text) > 200 {
		return f, core.Invalid("q", "at most 200 characters")
	}
	return f, auditScope(core.ActorFrom(r.Context()), &f, q.Get("division"), root)
}

// AuditPage is one page of audit entries.
type AuditPage struct {
	Items []audit.Entry `json:"items"`
	// Total counts every entry the filters select.
	Total int64 `json:"total"`
	// NextBeforeSeq / NextAfterSeq continue the listing (0 at the end).
	NextBeforeSeq int64 `json:"next_before_seq,omitempty"`
	NextAfterSeq  int64 `json:"next_after_seq,omitempty"`
}

func (s *Server) listAudit(w http.ResponseWriter, r *http.Request) {
	f, err := auditFilter(r, 10000, s.rootDivision())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if f.Limit == 0 {
		f.Limit = 100
	}
	entries, err := s.DB.ListAudit(r.Context(), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	page := AuditPage{Items: entries, Total: int64(len(entries))}
	if page.Items == nil {
		page.Items = []audit.Entry{}
	}
	if st := s.auditStore(); st != nil {
		if page.Total, err = st.CountAudit(r.Context(), f); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	if len(entries) == f.Limit {
		if last := entries[len(entries)-1].Seq; f.Desc {
			page.NextBeforeSeq = last
		} else {
			page.NextAfterSeq = last
		}
	}
	writeJSON(w, http.StatusOK, page)
}

// exportAudit streams the selected entries as an audit file. The export is
// itself audited (entity audit, action export, with the format and the
// filters) before the first entry is sent.
func (s *Server) exportAudit(w http.ResponseWriter, r *http.Request) {
	st := s.auditStore()
	if st == nil {
		s.fail(w, r, core.Errorf(core.ENOTFOUND, "this server cannot export the audit trail"))
		return
	}
	f, err := auditFilter(r, 0, s.rootDivision())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	format := r.URL.Query().Get("format")
	if format == "" {
		format = audit.FormatJSONL
	}
	ctype := map[string]string{audit.FormatJSONL: "application/x-ndjson", audit.FormatCSV: "text/csv; charset=utf-8"}[format]
	if ctype == "" {
		s.fail(w, r, core.Invalid("format", "%q: want jsonl or csv", format))
		return
	}
	f.Desc = false // a file verifies in chain order
	filters := map[string]string{}
	for k, v := range r.URL.Query() {
		if k != "format" && len(v) > 0 && v[0] != "" {
			filters[k] = v[0]
		}
	}
	if f.DivisionPrefix != "" {
		filters["division_prefix"] = f.DivisionPrefix
	}
	a := core.ActorFrom(r.Context())
	if err := st.AuditEvent(r.Context(), "export", "audit", 0, a.Division, map[string]any{"format": format, "filters": filters}); err != nil {
		s.fail(w, r, err)
		return
	}
	now := time.Now().UTC()
	h := audit.FileHeader{Kind: "export", CreatedAt: now, Filters: filters, Complete: len(filters) == 0}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Disposition", `attachment; filename="yingji-audit-`+now.Format("20060102T150405Z")+"."+format+`"`)
	w.Header().Set("Cache-Control", "no-store")
	fw, err := audit.NewFileWriter(w, format, h)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	err = st.ScanAudit(r.Context(), f, fw.Write)
	if err == nil {
		err = fw.Flush()
	}
	if err != nil {
		// The header is sent: cut the connection so that the client sees
		// an incomplete transfer rather than a short file.
		s.Logger.Error("audit export", "err", err)
		panic(http.ErrAbortHandler)
	}
}

func (s *Server) verifyAudit(w http.ResponseWriter, r *http.Request) {
	st := s.auditStore()
	if st == nil {
		s.fail(w, r, core.Errorf(core.ENOTFOUND, "this server cannot verify the audit trail"))
		return
	}
	writeJSON(w, http.StatusOK, st.AuditStatus(r.Context()))
}

// SituationResponse is the security situation with the chain's status.
type SituationResponse struct {
	audit.Situation
	Window string            `json:"window"`
	Chain  audit.ChainStatus `json:"chain"`
}

// chainCache keeps the chain's status for a short while: the situation page
// refreshes every half minute, a full verification need not run as often.
type chainCache struct {
	mu sync.Mutex
	at time.Time
	st audit.ChainStatus
}

func (s *Server) chainStatus(ctx context.Context, st AuditStore) audit.ChainStatus {
	c := &s.chain
	c.mu.Lock()
	defer c.mu.Unlock()
	if time.Since(c.at) > 30*time.Second {
		c.st, c.at = st.AuditStatus(ctx), time.Now()
	}
	return c.st
}

// parseWindow reads the situation's window: a Go duration or a number of
// days ("7d"), from one minute to 90 days.
func parseWindow(v string) (time.Duration, error) {
	if v == "" {
		return 24 * time.Hour, nil
	}
	var d time.Duration
	var err error
	if n, ok := strings.CutSuffix(v, "d"); ok {
		var days int
		if days, err = strconv.Atoi(n); err == nil {
			d = time.Duration(days) * 24 * time.Hour
			if days > 90 {
				d = 91 * 24 * time.Hour
			}
		}
	} else {
		d, err = time.ParseDuration(v)
	}
	if err != nil || d < time.Minute || d > 90*24*time.Hour {
		return 0, core.Invalid("window", "%q: want a duration from 1m to 90d, such as 1h, 24h or 7d", v)
	}
	return d, nil
}

func (s *Server) securitySituation(w http.ResponseWriter, r *http.Request) {
	st := s.auditStore()
	if st == nil {
		s.fail(w, r, core.Errorf(core.ENOTFOUND, "this server keeps no audit trail to read the situation from"))
		return
	}
	q := r.URL.Query()
	window, err := parseWindow(q.Get("window"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	to := time.Now().UTC()
	f := audit.Filter{Actions: audit.SituationActions, From: to.Add(-window), To: to.Add(time.Second)}
	if err := auditScope(core.ActorFrom(r.Context()), &f, q.Get("division"), s.rootDivision()); err != nil {
		s.fail(w, r, err)
		return
	}
	t := audit.NewTally(f.From, to)
	if err := st.ScanAudit(r.Context(), f, func(e *audit.Entry) error { t.Add(e); return nil }); err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, SituationResponse{Situation: t.Result(), Window: window.String(), Chain: s.chainStatus(r.Context(), st)})
}

// auditQuery are the audit search's filters (list and export).
func auditQuery() []obj {
	return []obj{
		query("actor", "user name", str()), query("action", "create, update, delete, login, login_failed, denied, export, archive, …", str()),
		query("entity", "enterprise, user, login, permission, audit, …", str()), query("entity_id", "", str()),
		query("division", "this division and below (within your area)", str()),
		query("q", "free text in before or after (any case)", str()),
		query("from", "RFC 3339, inclusive", dateTime()), query("to", "RFC 3339, exclusive", dateTime()),
		query("after_seq", "entries after this sequence number", integer()), query("before_seq", "entries before this sequence number", integer()),
		query("order", "asc (default) or desc (newest first)", str()),
	}
}

// auditOps say what the audit and situation routes take and return.
var auditOps = map[string]opSpec{
	"GET /api/v1/audit": {response: "AuditList", query: append(auditQuery(), query("limit", "page size (1–10000, default 100)", integer()))},
	"GET /api/v1/audit/export": {query: append(auditQuery(), query("format", "jsonl (default) or csv", str()), query("limit", "at most this many entries (default all)", integer())),
		content: obj{
			"application/x-ndjson": obj{"schema": obj{"type": "string", "description": "a header object line, then one entry per line; before and after are the hashed JSON text"}},
			"text/csv":             obj{"schema": obj{"type": "string", "description": "'# ' and the header object, the column names, then one entry per row"}},
		}},
	"GET /api/v1/audit/verify":       {response: "AuditChain"},
	"GET /api/v1/security/situation": {response: "SecuritySituation", query: []obj{query("window", "1m to 90d, e.g. 1h, 24h (default) or 7d", str()), query("division", "this division and below", str())}},
}

// auditSchemas adds the audit and situation schemas.
func auditSchemas(schemas obj) {
	schemas["AuditChain"] = object([]string{"ok", "checked", "first_seq", "last_seq", "head_seq", "head_hash", "anchor_seq", "anchor_hash", "algorithms", "checked_at"}, obj{
		"ok": obj{"type": "boolean"}, "checked": integer(), "first_seq": integer(), "last_seq": integer(), "head_seq": integer(), "head_hash": str(),
		"anchor_seq": obj{"type": "integer", "description": "the last archived entry; the chain starts after it"}, "anchor_hash": str(),
		"broken_seq": obj{"type": "integer", "description": "the first broken entry"}, "error": str(),
		"algorithms": obj{"type": "object", "additionalProperties": integer()}, "checked_at": dateTime()})
	count := object([]string{"key", "count"}, obj{"key": str(), "count": integer()})
	event := object([]string{"seq", "at", "action", "entity", "actor"}, obj{"seq": integer(), "at": dateTime(), "action": str(), "entity": str(),
		"entity_id": str(), "actor": str(), "subject": str(), "detail": str()})
	schemas["SecuritySituation"] = object([]string{"from", "to", "window", "failed_logins", "lockouts", "denials", "rate_limited", "rate_limited_requests",
		"reveals", "top_addresses", "top_accounts", "recent_reveals", "recent", "chain"}, obj{
		"from": dateTime(), "to": dateTime(), "window": str(), "failed_logins": integer(), "lockouts": integer(), "denials": integer(),
		"rate_limited":          obj{"type": "integer", "description": "rate-limit entries (one per key and minute at most)"},
		"rate_limited_requests": obj{"type": "integer", "description": "requests refused, summed over those entries"},
		"reveals":               integer(), "top_addresses": arrayOf(count), "top_accounts": arrayOf(count),
		"recent_reveals": arrayOf(event), "recent": arrayOf(event), "chain": ref("AuditChain")})
}

// rootDivision is the code of the division tree's top (the installation's
// area), or "" without a tree.
func (s *Server) rootDivision() string {
	if s.Regions == nil {
		return ""
	}
	if t := s.Regions.Tree(); t != nil {
		return t.Root().Code
	}
	return ""
}
