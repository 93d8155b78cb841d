package main

import (
	"context"
	"path/filepath"
	"strings"
	"time"

	"github.com/yingji/yingji/internal/core"
	"github.com/yingji/yingji/internal/httpapi"
	"github.com/yingji/yingji/internal/region"
	"github.com/yingji/yingji/internal/supervision"
	"github.com/yingji/yingji/internal/supervision/gb18218"
)

// supervisionAPI wires the supervision area into the API and starts the
// overdue hidden-danger escalation, which stops when ctx ends. The GB 18218
// tables and the supervision reference data are read from
// <data>/gb18218/ and <data>/supervision/ when an administrator put
// corrected copies there, else the embedded ones.
func (a *app) supervisionAPI(ctx context.Context, per *perception) (*httpapi.Supervision, error) {
	table, err := gb18218.LoadDir(filepath.Join(a.cfg.Data, "gb18218"))
	if err != nil {
		return nil, err
	}
	ref, err := supervision.LoadReference(filepath.Join(a.cfg.Data, "supervision"))
	if err != nil {
		return nil, err
	}
	for name, src := range table.Source {
		if src != "embedded" {
			a.log.Info("GB 18218 table overridden", "file", name, "path", src)
		}
	}
	for name, src := range ref.Source {
		if src != "embedded" {
			a.log.Info("supervision reference overridden", "file", name, "path", src)
		}
	}
	svc := &supervision.Service{Store: a.db, Alarms: a.db, Registry: a.registry, Inbox: a.db, Table: table, Ref: ref, Clock: core.SystemClock,
		Inspectors: func(ctx context.Context, division string) ([]supervision.Person, error) {
			users, err := a.db.ListUsers(ctx)
			if err != nil {
				return nil, err
			}
			prefix := region.Prefix(division)
			var out []supervision.Person
			for _, u := range users {
				// an inspector of the area or of a division above it (a city
				// inspector may be drawn for a county plan).
				if u.Role != "inspector" || u.Disabled {
					continue
				}
				if strings.HasPrefix(u.Division, prefix) || strings.HasPrefix(prefix, region.Prefix(u.Division)) {
					name := u.DisplayName
					if name == "" {
						name = u.Username
					}
					out = append(out, supervision.Person{ID: u.ID, Name: name, Division: u.Division})
				}
			}
			return out, nil
		}}
	go svc.Run(ctx, time.Minute, a.log.Error)
	return &httpapi.Supervision{Service: svc}, nil
}
