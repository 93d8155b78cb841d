package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"

	"github.com/yingji/yingji/internal/audit"
	"github.com/yingji/yingji/internal/auth"
	"github.com/yingji/yingji/internal/core"
	"github.com/yingji/yingji/internal/registry"
)

// Personal data (issue 9): registry records show their personal fields
// masked everywhere (registry.Object.Properties); these routes give them
// in clear to the roles with personal.reveal, inside their area, one
// audited reveal at a time.

// revealPath is a kind's reveal route.
func revealPath(k *registry.Kind) string { return "/api/v1/" + k.Path + "/{id}/reveal" }

// revealRoutes adds POST /api/v1/<kind>/{id}/reveal for every kind with
// personal fields.
func (s *Server) revealRoutes() []Route {
	var rs []Route
	for _, k := range registry.Kinds() {
		if len(k.PersonalFields()) == 0 {
			continue
		}
		h := &kindHandler{s: s, k: k}
		rs = append(rs, Route{"POST", revealPath(k), auth.PersonalReveal,
			"Show a " + k.LabelEn + " record's personal data in clear (audited; not cached)", h.reveal})
	}
	return rs
}

// revealRequest names the fields to show; none means every personal field.
type revealRequest struct {
	Fields []string `json:"fields"`
}

// revealResponse holds the clear values.
type revealResponse struct {
	ID     int64          `json:"id"`
	Kind   string         `json:"registry_kind"`
	Fields map[string]any `json:"fields"`
}

// auditEventer is the store's AuditEvent (store.DB has it).
type auditEventer interface {
	AuditEvent(ctx context.Context, action, entity string, id int64, division string, detail any) error
}

func (h *kindHandler) reveal(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.s.fail(w, r, err)
		return
	}
	body, err := readBody(w, r, 64<<10)
	if err != nil {
		h.s.fail(w, r, err)
		return
	}
	var req revealRequest
	if strings.TrimSpace(string(body)) != "" {
		dec := json.NewDecoder(strings.NewReader(string(body)))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&req); err != nil {
			h.s.fail(w, r, core.Invalid("body", "want {\"fields\": [names]}: %v", err))
			return
		}
	}
	for _, n := range req.Fields {
		if f, ok := h.k.Field(n); !ok || f.Personal == "" {
			h.s.fail(w, r, core.Invalid("fields", "%q is not a personal field of %s (want %s)", n, h.k.Name, personalNames(h.k)))
			return
		}
	}
	au, ok := h.s.DB.(auditEventer)
	if !ok {
		h.s.fail(w, r, fmt.Errorf("httpapi: reveal needs an audit trail and the database has none"))
		return
	}
	// the store applies the user's division scope: a record outside it is
	// not found.
	o, err := h.s.Registry.Get(r.Context(), h.k.Name, id)
	if err != nil {
		h.s.fail(w, r, err)
		return
	}
	vals, err := o.Reveal(req.Fields)
	if err != nil {
		h.s.fail(w, r, core.Invalid("fields", "%v", err))
		return
	}
	names := make([]string, 0, len(vals))
	for n := range vals {
		names = append(names, n)
	}
	sort.Strings(names)
	// nothing is shown unless the reveal is on the record.
	if err := au.AuditEvent(r.Context(), audit.ActReveal, o.Kind, o.ID, o.Division, map[string]any{"fields": names}); err != nil {
		h.s.fail(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	writeJSON(w, http.StatusOK, revealResponse{ID: o.ID, Kind: o.Kind, Fields: vals})
}

func personalNames(k *registry.Kind) string {
	var out []string
	for _, f := range k.PersonalFields() {
		out = append(out, f.Name)
	}
	return strings.Join(out, ", ")
}

// The reveal routes' OpenAPI description.
func init() {
	for _, k := range registry.Kinds() {
		if len(k.PersonalFields()) == 0 {
			continue
		}
		props := obj{}
		var names []string
		for _, f := range k.PersonalFields() {
			props[f.Name] = fieldSchema(f)
			names = append(names, f.Name)
		}
		key := "POST " + revealPath(k)
		if _, dup := staticOps[key]; dup {
			panic("httpapi: route " + key + " is described twice")
		}
		staticOps[key] = opSpec{
			body: obj{"application/json": obj{"schema": object(nil, obj{"fields": obj{"type": "array", "items": obj{"type": "string", "enum": names},
				"description": "the fields to show; empty or absent for every personal field"}})}},
			content: obj{"application/json": obj{"schema": object([]string{"id", "registry_kind", "fields"}, obj{
				"id": integer(), "registry_kind": str(),
				"fields": object(nil, props)})}},
			more: obj{"404": problem("no such record in your area")},
		}
	}
}
