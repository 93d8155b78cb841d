package main

import (
	"context"

	"github.com/yingji/yingji/internal/httpapi"
)

// incidentsAPI wires the incidents area into the API; nil leaves it out. Loops it
// starts stop when ctx ends.
func (a *app) incidentsAPI(ctx context.Context, per *perception) (*httpapi.Incidents, error) {
	return nil, nil
}
