package main

import (
	"context"

	"github.com/yingji/yingji/internal/core"
	"github.com/yingji/yingji/internal/exposure"
	"github.com/yingji/yingji/internal/httpapi"
	"github.com/yingji/yingji/internal/region"
)

// modelsAPI wires hazard models, exposure and external feeds into the API;
// nil leaves them out. Feed pollers stop when ctx ends.
func (a *app) modelsAPI(ctx context.Context, per *perception) (*httpapi.Models, error) {
	pop, err := region.BaoshanPopulation()
	if err != nil {
		return nil, err
	}
	exp := &exposure.Service{Lister: a.db, Tree: a.tree.Load, Pop: pop,
		Context: func(ctx context.Context) context.Context { return core.WithActor(ctx, core.SystemActor) }}
	// A registry change makes the exposure index reload on its next use.
	prev := a.registry.OnChange
	a.registry.OnChange = func(kind string) {
		if prev != nil {
			prev(kind)
		}
		exp.Invalidate()
	}
	return &httpapi.Models{Exposure: exp.Index}, nil
}
