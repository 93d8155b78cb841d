package main

import (
	"context"

	"github.com/yingji/yingji/internal/core"
	"github.com/yingji/yingji/internal/httpapi"
	"github.com/yingji/yingji/internal/ledger"
)

// ledgerAPI wires the ledger area into the API; nil leaves it out. Loops it
// starts stop when ctx ends (the ledger has none: it works per request).
func (a *app) ledgerAPI(ctx context.Context) (*httpapi.Ledger, error) {
	return &httpapi.Ledger{Service: &ledger.Service{
		Registry:  a.registry,
		Divisions: func() ledger.Divisions { return a.tree.Load() },
	}, Clock: core.SystemClock}, nil
}
