package registry

import (
	"strings"

	"github.com/yingji/yingji/internal/core"
	"github.com/yingji/yingji/internal/region"
)

// Scope is the part of the registry an actor may see and change: records in
// a division subtree (by code prefix) and, for enterprise users, of one
// enterprise. The store turns it into a WHERE clause; CheckScope applies it
// to records being written. These two are the only places scope is decided.
type Scope struct {
	All            bool
	DivisionPrefix string
	EnterpriseID   int64
	// None is set for a missing actor: it sees nothing.
	None bool
}

// ScopeOf returns the scope of a.
func ScopeOf(a *core.Actor) Scope {
	switch {
	case a == nil:
		return Scope{None: true}
	case a.System:
		return Scope{All: true}
	}
	s := Scope{EnterpriseID: a.EnterpriseID}
	if a.Division == "" {
		// a human account always has a division; without one it sees nothing.
		return Scope{None: true}
	}
	s.DivisionPrefix = region.Prefix(a.Division)
	return s
}

// Contains reports whether the record is inside the scope.
func (s Scope) Contains(o *Object) bool {
	switch {
	case s.None:
		return false
	case s.All:
		return true
	}
	if !strings.HasPrefix(o.Division, s.DivisionPrefix) {
		return false
	}
	if s.EnterpriseID != 0 {
		if o.Kind == KEnterprise {
			return o.ID == s.EnterpriseID
		}
		return o.EnterpriseID == s.EnterpriseID
	}
	return true
}

// CheckScope returns EFORBIDDEN when a may not write o.
func CheckScope(a *core.Actor, o *Object) error {
	if ScopeOf(a).Contains(o) {
		return nil
	}
	if a != nil && a.EnterpriseID != 0 {
		return core.Errorf(core.EFORBIDDEN, "you may change only records of your own enterprise")
	}
	return core.Errorf(core.EFORBIDDEN, "division %s is outside your area", o.Division)
}
