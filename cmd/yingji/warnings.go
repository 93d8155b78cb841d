package main

import (
	"context"
	"flag"
	"fmt"
	"time"

	"github.com/paulmach/orb"

	"github.com/yingji/yingji/internal/core"
	"github.com/yingji/yingji/internal/demo"
	"github.com/yingji/yingji/internal/geo"
	"github.com/yingji/yingji/internal/httpapi"
	"github.com/yingji/yingji/internal/registry"
	"github.com/yingji/yingji/internal/warning"
)

// warningConfig is the public-warning settings (flags --warning-*).
type warningConfig struct {
	Issuer           string
	Sender           string
	SenderName       string
	RequireCommander bool
	PublicURL        string
	FeedURL          string
	FeedInterval     time.Duration
	ImportTTL        time.Duration
	ImportDivision   string
}

func (c *warningConfig) register(fs *flag.FlagSet) {
	fs.StringVar(&c.Issuer, "warning-issuer", "53050000000000", "issuing unit's code in GB/T 35965.1 identifiers ZZZZZZDDDUUUXX: area (GB/T 2260), institution (GB/T 4657), internal unit (default 000), extension (default 00)")
	fs.StringVar(&c.Sender, "warning-sender", "yjj.baoshan.gov.cn", "CAP sender of our warnings (no spaces or commas)")
	fs.StringVar(&c.SenderName, "warning-sender-name", "保山市应急管理局", "CAP senderName: the issuing unit's name")
	fs.BoolVar(&c.RequireCommander, "warning-red-needs-commander", true, "a red warning must be approved by a commander")
	fs.StringVar(&c.PublicURL, "public-url", "", "the server's public URL (https://host) for links in the warnings feed; default: from each request")
	fs.StringVar(&c.FeedURL, "warning-feed", "", "Atom or RSS feed of CAP alerts to import (e.g. the meteorological bureau's); empty: none")
	fs.DurationVar(&c.FeedInterval, "warning-feed-interval", 5*time.Minute, "how often the warning feed is polled")
	fs.DurationVar(&c.ImportTTL, "warning-import-ttl", 24*time.Hour, "validity of an imported alert that gives no expiry")
	fs.StringVar(&c.ImportDivision, "warning-import-division", "530500", "division that owns alerts imported from the feed")
}

func (c *warningConfig) issuer() (warning.Issuer, error) {
	is, err := warning.ParseIssuer(c.Issuer)
	if err != nil {
		return is, fmt.Errorf("--warning-issuer: %w", err)
	}
	return is, nil
}

// warningsAPI wires the warnings area into the API; nil leaves it out. Loops it
// starts stop when ctx ends.
func (a *app) warningsAPI(ctx context.Context, per *perception) (*httpapi.Warnings, error) {
	cfg := a.cfg.Warnings
	is, err := cfg.issuer()
	if err != nil {
		return nil, err
	}
	svc := &warning.Service{Store: a.db, Clock: core.SystemClock, Issuer: is, Sender: cfg.Sender, SenderName: cfg.SenderName,
		RequireCommander: cfg.RequireCommander, ImportDivision: cfg.ImportDivision, ImportTTL: cfg.ImportTTL, Logger: a.log.With("area", "warnings"),
		DivisionName: func(code string) (string, bool) { d, ok := a.Tree().Get(code); return d.Name, ok },
		Locate:       func(p orb.Point) (string, bool) { d, ok := a.Tree().Locate(p); return d.Code, ok }}
	if _, ok := a.Tree().Get(cfg.ImportDivision); !ok {
		return nil, fmt.Errorf("--warning-import-division %q is not a known division", cfg.ImportDivision)
	}
	if per != nil {
		svc.Alarm = func(ctx context.Context, id int64) (warning.AlarmFacts, error) {
			al, err := per.alarms.Store.GetAlarm(ctx, id)
			if err != nil {
				return warning.AlarmFacts{}, err
			}
			f := warning.AlarmFacts{ID: al.ID, Level: warning.Level(al.Level), PointKind: al.PointKind, PointName: al.PointName,
				Message: al.Message, Division: al.Division, RaisedAt: al.RaisedAt}
			pt, err := a.registry.Get(ctx, registry.KMonitoringPoint, al.PointID)
			if err != nil {
				return warning.AlarmFacts{}, fmt.Errorf("alarm %d: its point: %w", id, err)
			}
			c := geo.Anchor(pt.Geometry)
			f.Lon, f.Lat = c[0], c[1]
			return f, nil
		}
	}
	if a.incidents != nil {
		svc.Incident = func(ctx context.Context, id int64) (warning.IncidentFacts, error) {
			in, err := a.incidents.Get(ctx, id)
			if err != nil {
				return warning.IncidentFacts{}, err
			}
			f := warning.IncidentFacts{ID: in.ID, Number: in.Number, Type: in.Type, TypeName: in.TypeName, Title: in.Title,
				Division: in.Division, Level: int(in.Level), OccurredAt: in.OccurredAt}
			if in.Lon != nil && in.Lat != nil {
				f.Lon, f.Lat, f.HasPlace = *in.Lon, *in.Lat, true
			}
			return f, nil
		}
	}
	if err := a.demoWarnings(ctx, svc); err != nil {
		return nil, fmt.Errorf("demo warnings: %w", err)
	}
	// Published messages go to the outbox (recipientsAPI runs first); ones
	// it could not take are retried every 30 s.
	if a.outbox != nil {
		svc.Deliverer = outboxDeliverer{a.outbox}
	}
	go func() {
		t := time.NewTicker(30 * time.Second)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				if _, err := svc.Redeliver(ctx); err != nil {
					a.log.Warn("warning redelivery", "err", err)
				}
			}
		}
	}()
	if cfg.FeedURL != "" {
		p := &warning.Poller{Service: svc, URL: cfg.FeedURL, Interval: cfg.FeedInterval}
		go p.Run(ctx)
		a.log.Info("polling a CAP feed", "url", cfg.FeedURL, "every", cfg.FeedInterval)
	}
	return &httpapi.Warnings{Service: svc, BaseURL: cfg.PublicURL}, nil
}

// demoWarnings stores the demo warnings once, after the demo data set.
func (a *app) demoWarnings(ctx context.Context, svc *warning.Service) error {
	loaded, err := a.db.Setting(ctx, "demo_loaded")
	if err != nil || loaded == "" || a.cfg.NoDemo {
		return err
	}
	if done, err := a.db.Setting(ctx, "demo_warnings_loaded"); err != nil || done != "" {
		return err
	}
	n, err := demo.Warnings(ctx, svc, svc.Now())
	if err != nil {
		return err
	}
	a.log.Info("loaded the demo warnings", "messages", n)
	return a.db.SetSetting(ctx, "demo_warnings_loaded", svc.Now().Format(time.RFC3339))
}
