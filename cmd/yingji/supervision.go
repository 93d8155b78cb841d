package main

import (
	"context"

	"github.com/yingji/yingji/internal/httpapi"
)

// supervisionAPI wires the supervision area into the API; nil leaves it out. Loops it
// starts stop when ctx ends.
func (a *app) supervisionAPI(ctx context.Context, per *perception) (*httpapi.Supervision, error) {
	return nil, nil
}
