package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/yingji/yingji/internal/core"
	"github.com/yingji/yingji/internal/demo"
	"github.com/yingji/yingji/internal/httpapi"
	"github.com/yingji/yingji/internal/webui"
)

// cmdServe runs the platform until ctx ends. ready, if not nil, receives the
// base URL once the server accepts connections (tests use it).
func cmdServe(ctx context.Context, args []string, stdout, stderr io.Writer, ready chan<- string) error {
	cfg, err := parseCommand("serve", "yingji serve [flags]", args, stderr, false, nil)
	if err != nil {
		return err
	}
	log := newLogger(cfg)
	a, err := openApp(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer a.close()
	sys := core.WithActor(ctx, core.SystemActor)
	if err := a.firstStart(sys); err != nil {
		return err
	}
	created, err := a.ensureAccounts(ctx)
	if err != nil {
		return err
	}

	defer a.startAuditRetention(ctx)()
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		collectors.NewDBStatsCollector(a.db.SQL(), a.db.Dialect()))
	if err := cfg.Net.prepare(ctx, a.db, log, reg); err != nil {
		return err
	}
	per, err := a.startPerception(ctx)
	if err != nil {
		return err
	}
	defer per.stop()
	registerPerceptionMetrics(reg, per)
	secure := cfg.SecureCookies || cfg.Net.httpCert != nil // cookies Secure and HSTS under TLS
	api := &httpapi.Server{Registry: a.registry, Auth: a.auth, Regions: a, DB: a.db, Logger: log, Metrics: reg,
		SecureCookies: secure, Version: version, Perception: per.api(a)}
	cfg.Net.apply(api)
	if per.broker != nil {
		api.MQTTAddr = per.broker.Addr()
	}
	if api.OIDC, err = cfg.SSO.relyingParty(); err != nil {
		return err
	}
	if a.auth.Keys, err = cfg.SSO.keys(a.db); err != nil {
		return err
	}
	if api.Incidents, err = a.incidentsAPI(ctx, per); err != nil {
		return err
	}
	// Recipients first: warnings deliver through its outbox.
	if api.Recipients, err = a.recipientsAPI(ctx, per); err != nil {
		return err
	}
	if api.Warnings, err = a.warningsAPI(ctx, per); err != nil {
		return err
	}
	if api.Supervision, err = a.supervisionAPI(ctx, per); err != nil {
		return err
	}
	if api.Ledger, err = a.ledgerAPI(ctx); err != nil {
		return err
	}
	if api.Models, err = a.modelsAPI(ctx, per, api.Incidents); err != nil {
		return err
	}
	if api.Duty, err = a.dutyAPI(ctx); err != nil {
		return err
	}
	ln, err := listen(cfg, log)
	if err != nil {
		return err
	}
	ui, err := webui.New(webui.Options{SecureCookies: secure, Logger: log, TileURL: cfg.TileURL,
		TileWMTS: cfg.TileWMTS, TileKey: cfg.TileKey, SSO: api.OIDC != nil})
	if err != nil {
		return err
	}
	apiHandler := api.Handler()
	root := http.NewServeMux()
	for _, p := range []string{"/api/", "/healthz", "/readyz", "/metrics"} {
		root.Handle(p, apiHandler)
	}
	root.Handle("/", ui.Handler())
	// No ReadTimeout or WriteTimeout: the live feed (SSE) stays open and
	// imports may be large; API bodies are bounded in size and in time
	// (httpapi.MaxRequestBody, BodyTimeout).
	srv := &http.Server{Handler: root, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 120 * time.Second, MaxHeaderBytes: 64 << 10}
	url := "http://" + ln.Addr().String()
	if cfg.Net.httpCert != nil {
		srv.TLSConfig = cfg.Net.httpCert.Config("h2", "http/1.1")
		url = "https://" + ln.Addr().String()
	}
	log.Info("yingji is serving", "url", url, "database", a.db.DSN, "version", version)
	fmt.Fprintf(stdout, "\nYingji 应急 is running at %s\n", url)
	if len(created) == 0 {
		fmt.Fprintf(stdout, "Sign in with your account (reset a password with 'yingji user passwd NAME').\n\n")
	}
	for _, c := range created {
		if c.Generated != "" {
			fmt.Fprintf(stdout, "Sign in as %s (%s) with the password %s (shown only this once; change it with 'yingji user passwd %s').\n", c.Username, c.Role, c.Generated, c.Username)
		} else {
			fmt.Fprintf(stdout, "Sign in as %s (%s) with the password from %s.\n", c.Username, c.Role, passwordEnv(c.Username))
		}
	}
	if len(created) > 0 {
		fmt.Fprintln(stdout)
	}
	if per.broker != nil {
		defer announce(url, per.broker.Addr())()
	}
	if ready != nil {
		ready <- url
	}
	errc := make(chan error, 1)
	go func() {
		if srv.TLSConfig != nil {
			errc <- srv.ServeTLS(ln, "", "") // a plain HTTP request gets 400
			return
		}
		errc <- srv.Serve(ln)
	}()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// firstStart loads the demo data set once, unless told not to.
func (a *app) firstStart(ctx context.Context) error {
	done, err := a.db.Setting(ctx, "demo_loaded")
	if err != nil || done != "" || a.cfg.NoDemo {
		return err
	}
	start := time.Now()
	sum, err := demo.Load(ctx, a.registry, a.tree.Load(), demo.DefaultSeed)
	if err != nil {
		return fmt.Errorf("load demo data: %w", err)
	}
	a.log.Info("loaded the demo data set", "took", time.Since(start).Round(time.Millisecond), "summary", sum.String())
	return a.db.SetSetting(ctx, "demo_loaded", time.Now().UTC().Format(time.RFC3339))
}

// listen binds the HTTP address. When the default address is taken (this
// machine may run other services) it says so and moves to the next free
// port; an address the operator chose is never silently replaced.
func listen(cfg *Config, log interface{ Warn(string, ...any) }) (net.Listener, error) {
	ln, err := net.Listen("tcp", cfg.Addr)
	if err == nil {
		return ln, nil
	}
	if cfg.addrExplicit || !errors.Is(err, syscall.EADDRINUSE) {
		return nil, fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	host, port, _ := net.SplitHostPort(cfg.Addr)
	p, _ := strconv.Atoi(port)
	for next := p + 1; next <= p+20; next++ {
		addr := net.JoinHostPort(host, strconv.Itoa(next))
		if ln, err2 := net.Listen("tcp", addr); err2 == nil {
			log.Warn("the default HTTP address is in use; using the next free port", "wanted", cfg.Addr, "using", addr)
			return ln, nil
		}
	}
	ln, err2 := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err2 != nil {
		return nil, fmt.Errorf("listen on %s: %w (and no free port nearby)", cfg.Addr, err)
	}
	log.Warn("the default HTTP address and the next 20 ports are in use; using a free port", "wanted", cfg.Addr, "using", ln.Addr().String())
	return ln, nil
}
