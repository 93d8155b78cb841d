package main

import (
	"context"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/yingji/yingji/internal/alarm"
	"github.com/yingji/yingji/internal/core"
	"github.com/yingji/yingji/internal/demo"
	"github.com/yingji/yingji/internal/dispatch"
	"github.com/yingji/yingji/internal/httpapi"
	"github.com/yingji/yingji/internal/incident"
	"github.com/yingji/yingji/internal/registry"
)

// incidentConfig is the incident-command settings.
type incidentConfig struct {
	DuplicateWindow   time.Duration
	DuplicateRadiusKm float64
	TravelKmh         float64
	TravelDetour      float64
}

func (c *incidentConfig) register(fs *flag.FlagSet) {
	fs.DurationVar(&c.DuplicateWindow, "incident-duplicate-window", incident.DefaultDuplicates.Window, "incidents of one type this close in time are possible duplicates")
	fs.Float64Var(&c.DuplicateRadiusKm, "incident-duplicate-km", incident.DefaultDuplicates.RadiusKm, "incidents of one type this close in place (km), when close in time too, are possible duplicates")
	fs.Float64Var(&c.TravelKmh, "dispatch-speed-kmh", dispatch.DefaultSpeedKmh, "average road speed for travel-time estimates (km/h)")
	fs.Float64Var(&c.TravelDetour, "dispatch-detour", dispatch.DefaultDetour, "road distance / straight-line distance for travel-time estimates")
}

func (c incidentConfig) validate() error {
	if c.DuplicateWindow <= 0 || !(c.DuplicateRadiusKm > 0) {
		return fmt.Errorf("--incident-duplicate-window and --incident-duplicate-km must be positive")
	}
	if !(c.TravelKmh > 0) || !(c.TravelDetour >= 1) {
		return fmt.Errorf("--dispatch-speed-kmh must be positive and --dispatch-detour at least 1")
	}
	return nil
}

// incidentsAPI wires the incidents area into the API; nil leaves it out. Loops it
// starts stop when ctx ends.
func (a *app) incidentsAPI(ctx context.Context, per *perception) (*httpapi.Incidents, error) {
	cfg := a.cfg.Incidents
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	svc := &incident.Service{Store: a.db, Regions: func() incident.Regions { return a.tree.Load() }, Clock: core.SystemClock,
		Duplicates: incident.DuplicatePolicy{Window: cfg.DuplicateWindow, RadiusKm: cfg.DuplicateRadiusKm}, Logger: a.log}
	if per != nil && per.alarms != nil {
		svc.Alarms = &alarmLink{db: a.db, reg: a.registry}
	}
	svc.Enterprises = enterpriseLink{a.registry}
	sys := core.WithActor(ctx, core.SystemActor)
	if err := svc.LoadTypes(sys); err != nil {
		return nil, err
	}
	if err := a.demoIncidents(sys, svc); err != nil {
		return nil, err
	}
	res := &resourceIndex{reg: a.registry, occupancy: a.db.ShelterOccupancy, maxAge: time.Minute,
		travel: dispatch.Travel{DefaultKmh: cfg.TravelKmh, Detour: cfg.TravelDetour}}
	svc.Changed = func(*incident.Incident) { res.invalidate() }
	a.incidents = svc
	prev := a.registry.OnChange
	a.registry.OnChange = func(kind string) {
		if prev != nil {
			prev(kind)
		}
		if _, ok := resourceKinds[kind]; ok {
			res.invalidate()
		}
	}
	return &httpapi.Incidents{Service: svc, Nearest: res.nearest, Export: exportReport}, nil
}

// alarmLink lets intake raise an incident from an alarm and write the
// escalation into the alarm's history.
type alarmLink struct {
	db interface {
		GetAlarm(ctx context.Context, id int64) (*alarm.Alarm, error)
		UpdateAlarm(ctx context.Context, a *alarm.Alarm, ev alarm.Event) error
	}
	reg *registry.Service
}

// Alarm implements incident.Alarms.
func (l *alarmLink) Alarm(ctx context.Context, id int64) (incident.AlarmInfo, error) {
	al, err := l.db.GetAlarm(ctx, id)
	if err != nil {
		return incident.AlarmInfo{}, err
	}
	info := incident.AlarmInfo{ID: al.ID, Division: al.Division, RaisedAt: al.RaisedAt, Level: string(al.Level),
		Title: strings.TrimSpace(fmt.Sprintf("%s %s", al.PointName, al.Message)), Type: typeOfIndustry(al.Industry)}
	// walk up from the point: its place, and the owner that says what kind
	// of event this is.
	id2 := al.PointID
	for depth := 0; id2 != 0 && depth < 4; depth++ {
		o, err := l.reg.Get(ctx, "", id2)
		if err != nil {
			break
		}
		if info.Lon == nil && o.Geometry != nil {
			p := o.Anchor()
			info.Lon, info.Lat = &p[0], &p[1]
		}
		if t := typeOfOwner(o); t != "" && (info.Type == "" || depth > 0) {
			info.Type = t
		}
		if o.Kind == registry.KEnterprise {
			info.Unit, info.EnterpriseID = o.Name, o.ID
		}
		id2 = o.OwnerID
	}
	return info, nil
}

// Escalated implements incident.Alarms: the alarm's history records the
// incident it became. It retries when the alarm changed meanwhile.
func (l *alarmLink) Escalated(ctx context.Context, alarmID, incidentID int64, number string, at time.Time) error {
	for attempt := 0; ; attempt++ {
		al, err := l.db.GetAlarm(ctx, alarmID)
		if err != nil {
			return err
		}
		actor := "system"
		if u := core.ActorFrom(ctx); u != nil {
			actor = u.Username
		}
		ev := alarm.Event{At: at, Action: "incident", Actor: actor, FromState: al.State, ToState: al.State, FromLevel: al.Level, ToLevel: al.Level,
			Tier: al.Tier, Note: fmt.Sprintf("escalated to incident %s (id %d)", number, incidentID)}
		al.UpdatedAt = at
		err = l.db.UpdateAlarm(ctx, al, ev)
		if core.ErrorCode(err) != core.ECONFLICT || attempt == 3 {
			return err
		}
	}
}

func typeOfIndustry(industry string) string {
	switch {
	case industry == "non_coal_mine":
		return "accident.mining"
	case industry == "tailings_pond":
		return "accident.mining.tailings"
	case strings.HasPrefix(industry, "hazchem"), industry == "liquid_ammonia", industry == "oil_gas_pipeline":
		return "accident.hazchem"
	case strings.HasPrefix(industry, "fireworks"):
		return "accident.fireworks"
	case industry != "":
		return "accident.industrial"
	}
	return ""
}

func typeOfOwner(o *registry.Object) string {
	switch o.Kind {
	case registry.KGeohazardPoint:
		switch o.Category {
		case "landslide":
			return "natural.geohazard.landslide"
		case "rockfall":
			return "natural.geohazard.collapse"
		case "debris_flow":
			return "natural.geohazard.debris_flow"
		}
		return "natural.geohazard"
	case registry.KLifelineAsset:
		return "accident.infrastructure"
	case registry.KFacility:
		switch o.Category {
		case "tailings_pond":
			return "accident.mining.tailings"
		case "mine":
			return "accident.mining"
		case "tank_farm", "chemical_warehouse":
			return "accident.hazchem"
		}
	}
	return ""
}

// demoIncidents records the demo incidents once, on a platform that loaded
// the demo data set.
func (a *app) demoIncidents(ctx context.Context, svc *incident.Service) error {
	loaded, err := a.db.Setting(ctx, "demo_loaded")
	if err != nil || loaded == "" || a.cfg.NoDemo {
		return err
	}
	if done, err := a.db.Setting(ctx, "demo_incidents_loaded"); err != nil || done != "" {
		return err
	}
	n, err := demo.Incidents(ctx, svc, a.tree.Load(), demo.DefaultSeed, time.Now().UTC())
	if err != nil {
		return fmt.Errorf("load the demo incidents: %w", err)
	}
	a.log.Info("loaded the demo incidents", "count", n)
	return a.db.SetSetting(ctx, "demo_incidents_loaded", time.Now().UTC().Format(time.RFC3339))
}

// enterpriseLink gives intake the enterprises of the registry, in the
// caller's scope.
type enterpriseLink struct{ reg *registry.Service }

func (l enterpriseLink) Enterprise(ctx context.Context, id int64) (string, string, error) {
	o, err := l.reg.Get(ctx, registry.KEnterprise, id)
	if err != nil {
		return "", "", err
	}
	return o.Name, o.Division, nil
}
