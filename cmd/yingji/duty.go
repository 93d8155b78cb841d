package main

import (
	"context"

	"github.com/yingji/yingji/internal/core"
	"github.com/yingji/yingji/internal/duty"
	"github.com/yingji/yingji/internal/httpapi"
)

// dutyAPI wires the duty roster into the API. Handovers take their snapshot
// of open alarms from the alarm store.
func (a *app) dutyAPI(_ context.Context) (*httpapi.Duty, error) {
	svc := &duty.Service{Store: a.db, Alarms: a.db, Regions: a.Tree, Clock: core.SystemClock}
	return &httpapi.Duty{Service: svc}, nil
}
