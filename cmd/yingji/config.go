package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Config is every setting, parsed once here and passed down. Each flag
// --some-name can also be set as YINGJI_SOME_NAME; the flag wins.
type Config struct {
	Addr          string
	addrExplicit  bool
	Data          string
	DB            string
	NoDemo        bool
	LogFormat     string
	LogLevel      string
	SecureCookies bool
	SessionTTL    time.Duration
	// Security holds the login-security settings (security.go).
	Security securityConfig
	// SSO is single sign-on through OpenID Connect (sso.go).
	SSO ssoConfig
	// MQTTAddr is the embedded broker's address; "" turns it off.
	MQTTAddr         string
	mqttAddrExplicit bool
	// MQTTURL is an external broker to subscribe to for readings.
	MQTTURL      string
	MQTTClientID string
	// NATS is a NATS server URL; with it events go through JetStream.
	NATS       string
	NATSStream string
	// Retention of raw chunks and of minute and hour roll-ups (0 keeps).
	RetainRaw, RetainMinute, RetainHour time.Duration
	Escalation                          string
	// TileURL is an optional XYZ tile source for the map's base layer.
	TileURL string
	// TileWMTS is an optional WMTS tile source (capabilities URL or
	// template); TileKey fills its {key} and comes from the environment.
	TileWMTS, TileKey string
	Webhooks          string
	// Feeds are external hazard feeds, NAME=KIND@URL or NAME=KIND@dir:PATH,
	// separated by semicolons (see internal/feeds).
	Feeds string
	// WebhookSecret signs webhook bodies; environment only.
	WebhookSecret string
	// Warnings are the public-warning settings (warnings.go).
	Warnings warningConfig
	// Incidents are the incident-command settings (incidents.go).
	Incidents incidentConfig
	// Args are the positional arguments, flags removed.
	Args []string
	// logOut receives the logs (standard error).
	logOut io.Writer
	// AccountPasswords are the first accounts' passwords by username, from
	// YINGJI_<NAME>_PASSWORD (admin's is YINGJI_ADMIN_PASSWORD): environment
	// only, since a flag would show them in the process list.
	AccountPasswords map[string]string
	// Delivery holds the warning channels' settings (cmd/yingji/recipients.go).
	Delivery deliveryConfig
	// Net is TLS, trusted proxies and rate limits (cmd/yingji/net.go).
	Net netConfig
	// Audit holds the audit trail's hash and retention (cmd/yingji/audit.go).
	Audit auditConfig
	// Fields is the field encryption of personal data (keys.go).
	Fields fieldsConfig
}

const (
	defaultAddr     = "127.0.0.1:8080"
	defaultMQTTAddr = "127.0.0.1:1883"
)

func (c *Config) register(fs *flag.FlagSet) {
	fs.StringVar(&c.Addr, "addr", defaultAddr, "HTTP listen address; when the default is busy the next free port is used")
	fs.StringVar(&c.Data, "data", "./data", "folder for the SQLite database and other files")
	fs.StringVar(&c.DB, "db", "", "database: a postgres:// URL, or a SQLite file path (default DATA/yingji.db)")
	fs.BoolVar(&c.NoDemo, "no-demo", false, "do not load the demo data set on first start")
	fs.StringVar(&c.LogFormat, "log-format", "text", "log format: text or json")
	fs.StringVar(&c.LogLevel, "log-level", "info", "log level: debug, info, warn, error")
	fs.BoolVar(&c.SecureCookies, "secure-cookies", false, "mark session cookies Secure (set when served over HTTPS)")
	fs.DurationVar(&c.SessionTTL, "session-ttl", 12*time.Hour, "how long a login session lasts")
	fs.StringVar(&c.MQTTAddr, "mqtt-addr", defaultMQTTAddr, `embedded MQTT broker address for devices ("" turns it off); when the default is busy the next free port is used`)
	fs.StringVar(&c.MQTTURL, "mqtt-url", "", "also take readings from an external MQTT broker, e.g. tcp://127.0.0.1:1883 (topic yingji/v1/readings/+)")
	fs.StringVar(&c.MQTTClientID, "mqtt-client-id", "yingji-platform", "client ID (and persistent session) at the external MQTT broker; one per platform node")
	fs.StringVar(&c.NATS, "nats", "", "NATS server URL (JetStream) for events between platform nodes, e.g. nats://127.0.0.1:4222; default in-process")
	fs.StringVar(&c.NATSStream, "nats-stream", "YINGJI", "JetStream stream name; nodes of one deployment share it (its lower case prefixes the subjects)")
	fs.DurationVar(&c.RetainRaw, "retain-raw", 90*24*time.Hour, "how long raw readings are kept (0 keeps them)")
	fs.DurationVar(&c.RetainMinute, "retain-1m", 400*24*time.Hour, "how long 1-minute roll-ups are kept (0 keeps them)")
	fs.DurationVar(&c.RetainHour, "retain-1h", 0, "how long 1-hour roll-ups are kept (0 keeps them)")
	fs.StringVar(&c.TileURL, "tile-url", "", "optional XYZ tile URL for the map's base layer, e.g. https://tiles.example.org/{z}/{x}/{y}.png (default: the shipped boundaries only, offline)")
	fs.StringVar(&c.TileWMTS, "tile-wmts", "", "optional WMTS tile source for the map's base layer: a GetCapabilities URL (append #layer=NAME to pick the layer) or a Web Mercator tile template with {TileMatrix}, {TileRow}, {TileCol} and {key} for YINGJI_TILE_KEY, e.g. 天地图 https://t0.tianditu.gov.cn/vec_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=vec&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={TileMatrix}&TILEROW={TileRow}&TILECOL={TileCol}&tk={key}")
	fs.StringVar(&c.Escalation, "escalation", "red=5m,orange=15m,yellow=30m,blue=1h", "time to acknowledge an alarm at each level before it climbs to the next tier")
	fs.StringVar(&c.Webhooks, "webhooks", "", "comma-separated URLs that receive signed alarm notifications")
	c.Warnings.register(fs)
	c.Incidents.register(fs)
	fs.StringVar(&c.Feeds, "feeds", "", "external hazard feeds, ';'-separated NAME=KIND@URL[,every=5m] or NAME=KIND@dir:PATH (kinds usgs-geojson, quakeml, cenc-json, firms-csv, rain-csv)")
	c.Delivery.register(fs)
	c.Security.register(fs)
	c.Net.register(fs)
	c.Audit.register(fs)
	c.SSO.register(fs)
	c.Fields.register(fs)
}

// noArgs refuses positional arguments for commands that take none.
func (c *Config) noArgs(cmd string) error {
	if len(c.Args) > 0 {
		return fmt.Errorf("%s takes no arguments, got %q (flags start with --)", cmd, c.Args[0])
	}
	return nil
}

// envName is the environment variable for a flag.
func envName(flagName string) string {
	return "YINGJI_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// parse reads flags, then fills every flag not given from its environment
// variable, and checks the values.
func (c *Config) parse(fs *flag.FlagSet, args []string) error {
	// flags may stand after positional arguments ("user add NAME --role
	// x"); the standard parser stops at the first one, so parse in turns.
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return err
		}
		if fs.NArg() == 0 {
			break
		}
		positional = append(positional, fs.Arg(0))
		args = fs.Args()[1:]
	}
	c.Args = positional
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		if set[f.Name] || err != nil {
			return
		}
		if v, ok := os.LookupEnv(envName(f.Name)); ok {
			if e := fs.Set(f.Name, v); e != nil {
				err = fmt.Errorf("%s=%q: %v", envName(f.Name), v, e)
			}
			set[f.Name] = true
		}
	})
	if err != nil {
		return err
	}
	c.addrExplicit = set["addr"]
	c.mqttAddrExplicit = set["mqtt-addr"]
	c.WebhookSecret = os.Getenv("YINGJI_WEBHOOK_SECRET")
	c.AccountPasswords = map[string]string{}
	for _, f := range firstAccounts {
		c.AccountPasswords[f.Username] = os.Getenv(passwordEnv(f.Username))
	}
	c.TileKey = os.Getenv("YINGJI_TILE_KEY")
	c.Delivery.secrets()
	if c.DB == "" {
		c.DB = filepath.Join(c.Data, "yingji.db")
	}
	switch c.LogFormat {
	case "text", "json":
	default:
		return fmt.Errorf("--log-format %q: want text or json", c.LogFormat)
	}
	return nil
}

func usageFor(fs *flag.FlagSet, synopsis string) func() {
	return func() {
		fmt.Fprintf(fs.Output(), "usage: %s\n\nflags (each also as YINGJI_<NAME>, e.g. --no-demo as YINGJI_NO_DEMO):\n", synopsis)
		fs.PrintDefaults()
		fmt.Fprintln(fs.Output(), "\nenvironment only:\n  YINGJI_ADMIN_PASSWORD\tpassword of the first business administrator 'admin' (generated and printed once when unset)\n  YINGJI_SYSADMIN_PASSWORD, YINGJI_SECADMIN_PASSWORD, YINGJI_AUDITADMIN_PASSWORD\tlikewise for the system, security and audit administrators 'sysadmin', 'secadmin', 'auditadmin' (三员分立)\n  YINGJI_WEBHOOK_SECRET\tkey that signs webhook bodies (HMAC-SHA256)\n  YINGJI_TILE_KEY\tkey for {key} in --tile-wmts (天地图 tk)\n  YINGJI_DATA_KEY\tone key that seals personal data instead of --data-key-file (base64 or hex; 32 bytes for aes-gcm, 16 for sm4-gcm)")
	}
}

// parseCommand makes a command's flag set (the shared flags and those extra
// adds), parses args and, unless positional, refuses positional arguments.
func parseCommand(name, synopsis string, args []string, stderr io.Writer, positional bool, extra func(fs *flag.FlagSet)) (*Config, error) {
	fs, cfg := commonFlags(name, synopsis, stderr)
	if extra != nil {
		extra(fs)
	}
	if err := cfg.parse(fs, args); err != nil {
		return nil, err
	}
	if !positional {
		if err := cfg.noArgs(name); err != nil {
			return nil, err
		}
	}
	return cfg, nil
}
