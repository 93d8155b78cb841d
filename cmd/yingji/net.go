package main

import (
	"context"
	"crypto/tls"
	"flag"
	"fmt"
	"log/slog"
	"net/netip"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/yingji/yingji/internal/httpapi"
	"github.com/yingji/yingji/internal/mqtt"
	"github.com/yingji/yingji/internal/ratelimit"
	"github.com/yingji/yingji/internal/tlsconf"
)

// netConfig is transport and abuse protection (issue 9): TLS for HTTP and
// MQTT, the trusted reverse proxies, rate limits. A Config built in code
// (the benchmarks) has none of them: no TLS and no limits.
type netConfig struct {
	TLSCert, TLSKey         string
	MQTTTLSCert, MQTTTLSKey string
	TrustedProxies          string
	// Rate limits, "N/DURATION" or 0.
	RateLogin, RateLoginUser, RateIngest, RateIngestIP, RateMQTT, RateAPI ratelimit.Spec

	// set by prepare
	proxies   []netip.Prefix
	httpCert  *tlsconf.Cert
	mqttCert  *tlsconf.Cert
	mqttLimit *ratelimit.Limiter
	limits    httpapi.Limits
}

// Default limits: far above what a person, the demo, the simulator or a
// device does, low enough to stop guessing and floods.
var (
	defaultRateLogin     = ratelimit.Spec{Burst: 60, Per: time.Minute}
	defaultRateLoginUser = ratelimit.Spec{Burst: 20, Per: time.Minute}
	defaultRateIngest    = ratelimit.Spec{Burst: 600, Per: time.Minute}
	defaultRateIngestIP  = ratelimit.Spec{Burst: 6000, Per: time.Minute}
	defaultRateMQTT      = ratelimit.Spec{Burst: 1200, Per: time.Minute}
	defaultRateAPI       = ratelimit.Spec{Burst: 1200, Per: time.Minute}
)

func (c *netConfig) register(fs *flag.FlagSet) {
	fs.StringVar(&c.TLSCert, "tls-cert", "", "PEM certificate (chain) file: serve HTTPS (HTTP/2) instead of HTTP, with --tls-key; reloaded on SIGHUP or when the files change")
	fs.StringVar(&c.TLSKey, "tls-key", "", "PEM private key file of --tls-cert")
	fs.StringVar(&c.MQTTTLSCert, "mqtt-tls-cert", "", "PEM certificate file for the embedded MQTT broker (MQTT over TLS); default the --tls-cert pair, so one pair serves both")
	fs.StringVar(&c.MQTTTLSKey, "mqtt-tls-key", "", "PEM private key file of --mqtt-tls-cert")
	fs.StringVar(&c.TrustedProxies, "trusted-proxies", "", "reverse proxies (addresses or CIDR prefixes, comma-separated) whose X-Forwarded-For and X-Forwarded-Proto are believed; from any other peer they are ignored")
	c.RateLogin, c.RateLoginUser, c.RateIngest, c.RateIngestIP, c.RateMQTT, c.RateAPI =
		defaultRateLogin, defaultRateLoginUser, defaultRateIngest, defaultRateIngestIP, defaultRateMQTT, defaultRateAPI
	fs.Var(&c.RateLogin, "rate-login", "sign-in steps per client address: N/DURATION, N at once refilled over DURATION (0: no limit)")
	fs.Var(&c.RateLoginUser, "rate-login-user", "sign-in steps per account name (0: no limit)")
	fs.Var(&c.RateIngest, "rate-ingest", "HTTP ingestion requests per device (0: no limit)")
	fs.Var(&c.RateIngestIP, "rate-ingest-ip", "HTTP ingestion requests per client address, before the device's credentials are checked (0: no limit)")
	fs.Var(&c.RateMQTT, "rate-mqtt", "MQTT publishes per device on the embedded broker (0: no limit)")
	fs.Var(&c.RateAPI, "rate-api", "API requests per signed-in user (0: no limit)")
}

// prepare loads the certificates, parses the proxies and makes the
// limiters, whose refusals are counted in reg and audited in store (each
// limited key at most once a minute).
func (c *netConfig) prepare(ctx context.Context, store ratelimit.EventStore, log *slog.Logger, reg prometheus.Registerer) error {
	var err error
	if c.proxies, err = httpapi.ParseProxies(c.TrustedProxies); err != nil {
		return fmt.Errorf("--trusted-proxies: %w", err)
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		return fmt.Errorf("--tls-cert and --tls-key go together")
	}
	if (c.MQTTTLSCert == "") != (c.MQTTTLSKey == "") {
		return fmt.Errorf("--mqtt-tls-cert and --mqtt-tls-key go together")
	}
	if c.TLSCert != "" {
		if c.httpCert, err = tlsconf.Load(c.TLSCert, c.TLSKey, log); err != nil {
			return fmt.Errorf("--tls-cert: %w", err)
		}
		c.httpCert.Watch(ctx, 30*time.Second)
	}
	switch {
	case c.MQTTTLSCert != "" && (c.MQTTTLSCert != c.TLSCert || c.MQTTTLSKey != c.TLSKey):
		if c.mqttCert, err = tlsconf.Load(c.MQTTTLSCert, c.MQTTTLSKey, log); err != nil {
			return fmt.Errorf("--mqtt-tls-cert: %w", err)
		}
		c.mqttCert.Watch(ctx, 30*time.Second)
	default:
		c.mqttCert = c.httpCert
	}
	refused := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "yingji_ratelimit_refused_total",
		Help: "Requests and MQTT publishes refused by a rate limit, by scope (login, ingest, api, mqtt)."}, []string{"scope"})
	if reg != nil {
		reg.MustRegister(refused)
	}
	audit := ratelimit.Audit(store, log)
	mk := func(scope, flagName string, spec ratelimit.Spec) *ratelimit.Limiter {
		l := ratelimit.New(scope, spec, audit)
		if l != nil {
			l.Flag, l.Refused = "--"+flagName, refused.WithLabelValues(scope)
		}
		return l
	}
	c.limits = httpapi.Limits{
		Login:     mk("login", "rate-login", c.RateLogin),
		LoginUser: mk("login", "rate-login-user", c.RateLoginUser),
		Ingest:    mk("ingest", "rate-ingest", c.RateIngest),
		IngestIP:  mk("ingest", "rate-ingest-ip", c.RateIngestIP),
		API:       mk("api", "rate-api", c.RateAPI),
	}
	c.mqttLimit = mk("mqtt", "rate-mqtt", c.RateMQTT)
	return nil
}

// brokerTLS and brokerLimit are the embedded broker's options (nil: none).
func (c *netConfig) brokerTLS() *tls.Config {
	if c.mqttCert == nil {
		return nil
	}
	return c.mqttCert.Config()
}

func (c *netConfig) brokerLimit() mqtt.Limiter {
	if c.mqttLimit == nil {
		return nil
	}
	return c.mqttLimit
}

// apply sets the API's limits and proxies.
func (c *netConfig) apply(api *httpapi.Server) {
	api.Limits, api.TrustedProxies = c.limits, c.proxies
}
