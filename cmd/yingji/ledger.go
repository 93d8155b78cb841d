package main

import (
	"context"

	"github.com/yingji/yingji/internal/httpapi"
)

// ledgerAPI wires the ledger area into the API; nil leaves it out. Loops it
// starts stop when ctx ends.
func (a *app) ledgerAPI(ctx context.Context) (*httpapi.Ledger, error) {
	return nil, nil
}
