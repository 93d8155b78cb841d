package main

import (
	"context"

	"github.com/yingji/yingji/internal/httpapi"
)

// warningsAPI wires the warnings area into the API; nil leaves it out. Loops it
// starts stop when ctx ends.
func (a *app) warningsAPI(ctx context.Context, per *perception) (*httpapi.Warnings, error) {
	return nil, nil
}
