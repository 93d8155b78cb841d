package main

import (
	"bytes"
	"context"
	"fmt"
	"github.com/yingji/yingji/internal/incident"
	"github.com/yingji/yingji/internal/outbox"
	"log/slog"
	"strings"
	"sync/atomic"
	"time"

	"github.com/paulmach/orb"

	"github.com/yingji/yingji/internal/auth"
	"github.com/yingji/yingji/internal/core"
	"github.com/yingji/yingji/internal/fieldcrypt"
	"github.com/yingji/yingji/internal/region"
	"github.com/yingji/yingji/internal/registry"
	"github.com/yingji/yingji/internal/store"
)

// app is the wired platform: the store, the division tree, the services.
type app struct {
	cfg      *Config
	log      *slog.Logger
	db       *store.DB
	tree     atomic.Pointer[region.Tree]
	registry *registry.Service
	auth     *auth.Service
	// fields seals registry records' personal fields (keys.go).
	fields *fieldcrypt.Ring
	// outbox delivers published warnings; set by recipientsAPI, nil
	// when delivery is not wired.
	outbox *outbox.Service
	// incidents is the incident service, for drafting warnings from an
	// incident; set by incidentsAPI.
	incidents *incident.Service
}

func newLogger(cfg *Config) *slog.Logger {
	var level slog.Level
	if err := level.UnmarshalText([]byte(cfg.LogLevel)); err != nil {
		level = slog.LevelInfo
	}
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(cfg.logOut, opts))
	}
	return slog.New(slog.NewTextHandler(cfg.logOut, opts))
}

// openApp opens and migrates the database, loads the divisions (the
// embedded Baoshan set into an empty database) and builds the services.
func openApp(ctx context.Context, cfg *Config, log *slog.Logger) (*app, error) {
	return openAppWith(ctx, cfg, log, log)
}

// openAppWith is openApp; cipherLog, when set, is warned of a key ring
// whose active key is not of --data-cipher ('yingji keys' passes nil).
func openAppWith(ctx context.Context, cfg *Config, log, cipherLog *slog.Logger) (*app, error) {
	fields, err := cfg.Fields.ring(cfg, cipherLog)
	if err != nil {
		return nil, err
	}
	db, err := store.Open(ctx, cfg.DB)
	if err != nil {
		return nil, err
	}
	db.SetSealer(fields)
	applied, err := db.Migrate(ctx)
	if err != nil {
		db.Close()
		return nil, err
	}
	for _, m := range applied {
		log.Info("migrated", "migration", m, "database", db.DSN)
	}
	if err := cfg.Audit.apply(db); err != nil {
		db.Close()
		return nil, err
	}
	a := &app{cfg: cfg, log: log, db: db, fields: fields}
	a.registry = &registry.Service{Store: db, Regions: func() registry.Regions { return a.tree.Load() }}
	a.auth = &auth.Service{Store: db, Clock: core.SystemClock, SessionTTL: cfg.SessionTTL,
		Divisions: func(code string) bool { _, ok := a.tree.Load().Get(code); return ok },
		Enterprise: func(ctx context.Context, id int64) (string, error) {
			o, err := db.GetObject(ctx, registry.KEnterprise, id)
			if err != nil {
				return "", err
			}
			return o.Division, nil
		}}
	if err := cfg.Security.apply(a.auth, db, cfg); err != nil {
		db.Close()
		return nil, err
	}
	if err := a.loadDivisions(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return a, nil
}

func (a *app) close() { a.db.Close() }

func (a *app) loadDivisions(ctx context.Context) error {
	sys := core.WithActor(ctx, core.SystemActor)
	divs, bounds, err := a.db.LoadDivisions(ctx)
	if err != nil {
		return err
	}
	if len(divs) == 0 {
		if _, _, err := a.Import(sys, mustBaoshanDivisions(), region.BaoshanBoundaries()); err != nil {
			return fmt.Errorf("load the Baoshan divisions: %w", err)
		}
		a.log.Info("loaded the embedded Baoshan divisions", "count", len(a.tree.Load().All()))
		return nil
	}
	t, err := region.NewTree(divs, bounds)
	if err != nil {
		return fmt.Errorf("divisions in the database: %w", err)
	}
	a.tree.Store(t)
	return nil
}

func mustBaoshanDivisions() []region.Division {
	divs, err := region.ParseCSV(bytes.NewReader(region.BaoshanCSV()))
	if err != nil {
		panic(err) // embedded data is tested
	}
	return divs
}

// Tree implements httpapi.Regions.
func (a *app) Tree() *region.Tree { return a.tree.Load() }

// Import implements httpapi.Regions: it checks that the divisions (with
// those already stored) still form one tree before storing anything.
func (a *app) Import(ctx context.Context, divs []region.Division, boundaries []byte) (int, int, error) {
	bounds := map[string]orb.MultiPolygon{}
	if len(boundaries) > 0 {
		b, centers, err := region.ParseBoundaries(boundaries)
		if err != nil {
			return 0, 0, core.Invalid("boundaries", "%v", err)
		}
		bounds = b
		for i := range divs {
			if c, ok := centers[divs[i].Code]; ok && divs[i].Center == nil {
				c := c
				divs[i].Center = &c
			}
		}
	}
	old, oldBounds, err := a.db.LoadDivisions(ctx)
	if err != nil {
		return 0, 0, err
	}
	merged := map[string]region.Division{}
	for _, d := range old {
		merged[d.Code] = d
	}
	for _, d := range divs {
		merged[d.Code] = d
	}
	all := make([]region.Division, 0, len(merged))
	for _, d := range merged {
		all = append(all, d)
	}
	for code, b := range bounds {
		oldBounds[code] = b
	}
	t, err := region.NewTree(all, oldBounds)
	if err != nil {
		return 0, 0, core.Invalid("body", "the divisions would not form one tree: %v", err)
	}
	ins, upd, err := a.db.ImportDivisions(ctx, divs, bounds)
	if err != nil {
		return 0, 0, err
	}
	a.tree.Store(t)
	return ins, upd, nil
}

// firstAccounts are the accounts a first start creates: the business
// administrator and the three administrators of 三员分立 (issue 9), each
// with the password from YINGJI_<NAME>_PASSWORD or a generated one.
var firstAccounts = []struct{ Username, Role, DisplayName string }{
	{"admin", "admin", "业务管理员"},
	{"sysadmin", "sysadmin", "系统管理员"},
	{"secadmin", "secadmin", "安全管理员"},
	{"auditadmin", "auditadmin", "审计管理员"},
}

// passwordEnv is the environment variable holding a first account's
// password.
func passwordEnv(username string) string {
	return "YINGJI_" + strings.ToUpper(username) + "_PASSWORD"
}

// createdAccount is an account ensureAccounts made; Generated is its
// password when none was configured ("" otherwise).
type createdAccount struct {
	Username, Role, Generated string
}

// ensureAccounts creates the first accounts at the top of the division
// tree. With no account at all it creates all of firstAccounts; on an
// installation from before the three administrators, it creates each
// administrator role that has no account yet (so that accounts and the
// audit trail stay manageable once admin lost them), unless its username
// is taken by another account, which is logged.
func (a *app) ensureAccounts(ctx context.Context) ([]createdAccount, error) {
	users, err := a.db.ListUsers(ctx)
	if err != nil {
		return nil, err
	}
	hasRole, taken := map[string]bool{}, map[string]bool{}
	for _, u := range users {
		hasRole[u.Role], taken[u.Username] = true, true
	}
	var out []createdAccount
	for _, f := range firstAccounts {
		if len(users) > 0 && (f.Role == "admin" || hasRole[f.Role]) {
			continue
		}
		if taken[f.Username] {
			a.log.Warn("no account has the role "+f.Role+" and the username is taken; create one with 'yingji user add NAME --role "+f.Role+"'", "username", f.Username)
			continue
		}
		password, generated := a.cfg.AccountPasswords[f.Username], ""
		if password == "" {
			generated = auth.GeneratePassword()
			password = generated
		} else if err := auth.CheckPasswordPolicy(password); err != nil {
			a.log.Warn(passwordEnv(f.Username)+" is weak; change it after signing in", "reason", err)
		}
		hash, err := auth.HashPassword(password)
		if err != nil {
			return nil, err
		}
		now := time.Now().UTC()
		u := &auth.User{Username: f.Username, DisplayName: f.DisplayName, Role: f.Role, Division: a.tree.Load().Root().Code,
			PasswordHash: hash, CreatedAt: now, UpdatedAt: now, PasswordChangedAt: now}
		if err := a.db.CreateUser(core.WithActor(ctx, core.SystemActor), u); err != nil {
			return nil, err
		}
		out = append(out, createdAccount{Username: f.Username, Role: f.Role, Generated: generated})
	}
	return out, nil
}
