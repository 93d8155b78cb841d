package main

import (
	"context"

	"github.com/yingji/yingji/internal/httpapi"
)

// modelsAPI wires hazard models, exposure and external feeds into the API;
// nil leaves them out. Feed pollers stop when ctx ends.
func (a *app) modelsAPI(ctx context.Context, per *perception) (*httpapi.Models, error) {
	return nil, nil
}
