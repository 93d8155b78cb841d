package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/yingji/yingji/internal/core"
	"github.com/yingji/yingji/internal/demo"
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
		// accidents are incidents of the accident category that name the
		// enterprise (from its alarm, or at intake)
		Accidents: a.db.CountAccidents,
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
	if err := a.supervisionDemo(ctx, svc); err != nil {
		return nil, err
	}
	go svc.Run(ctx, time.Minute, a.log.Error)
	return &httpapi.Supervision{Service: svc}, nil
}

// supervisionDemo adds the demo hidden dangers and diagnoses once, on a
// platform that has the demo data set.
func (a *app) supervisionDemo(ctx context.Context, svc *supervision.Service) error {
	if a.cfg.NoDemo {
		return nil
	}
	loaded, err := a.db.Setting(ctx, "demo_loaded")
	if err != nil || loaded == "" {
		return err
	}
	if done, err := a.db.Setting(ctx, "demo_supervision_loaded"); err != nil || done != "" {
		return err
	}
	hz, dg, err := demo.LoadSupervision(core.WithActor(ctx, core.SystemActor), svc, demo.DefaultSeed)
	if err != nil {
		return fmt.Errorf("load the supervision demo data: %w", err)
	}
	a.log.Info("loaded the supervision demo data", "hidden_dangers", hz, "diagnoses", dg)
	return a.db.SetSetting(ctx, "demo_supervision_loaded", time.Now().UTC().Format(time.RFC3339))
}
