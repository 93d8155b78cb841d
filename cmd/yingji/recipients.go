package main

import (
	"context"

	"github.com/yingji/yingji/internal/httpapi"
)

// recipientsAPI wires recipients, targeting, the outbox and its channel
// workers into the API; nil leaves it out. Workers stop when ctx ends.
func (a *app) recipientsAPI(ctx context.Context, per *perception) (*httpapi.Recipients, error) {
	return nil, nil
}
