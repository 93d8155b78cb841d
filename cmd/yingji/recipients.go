package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/template"
	"time"

	"github.com/yingji/yingji/internal/core"
	"github.com/yingji/yingji/internal/httpapi"
	"github.com/yingji/yingji/internal/outbox"
	"github.com/yingji/yingji/internal/outbox/channel"
)

// deliveryConfig is the warning channels' configuration. Secrets come
// only from the environment.
type deliveryConfig struct {
	KeyFile                                string
	Key                                    string // YINGJI_RECIPIENT_KEY
	SMTPAddr, SMTPFrom, SMTPUser           string
	SMTPPassword                           string // YINGJI_SMTP_PASSWORD
	SMTPInsecure                           bool
	SMSURL, SMSTemplate, SMSRefField, Sign string
	SMSToken                               string // YINGJI_SMS_TOKEN
	ReceiptSecret                          string // YINGJI_SMS_RECEIPT_SECRET
	SMPPAddr, SMPPSystemID, SMPPSource     string
	SMPPPassword                           string // YINGJI_SMPP_PASSWORD
	LoudspeakerMQTT                        string
	MQTTUser                               string
	MQTTPassword                           string // YINGJI_LOUDSPEAKER_MQTT_PASSWORD
	Rates                                  string
	Lease                                  time.Duration
	VAPIDPublic, VAPIDSubject              string
	VAPIDPrivate                           string // YINGJI_VAPID_PRIVATE_KEY
	WebhookSecret                          string // YINGJI_WARNING_WEBHOOK_SECRET
}

func (d *deliveryConfig) register(fs *flag.FlagSet) {
	fs.StringVar(&d.KeyFile, "recipient-key-file", "", "file with the key that encrypts recipients' phone numbers and e-mail addresses (default DATA/recipient.key, created at first start); YINGJI_RECIPIENT_KEY overrides it")
	fs.StringVar(&d.SMTPAddr, "smtp-addr", "", "SMTP relay host:port for warning e-mail (empty: no e-mail channel)")
	fs.StringVar(&d.SMTPFrom, "smtp-from", "", "sender address of warning e-mail")
	fs.StringVar(&d.SMTPUser, "smtp-user", "", "SMTP user (password in YINGJI_SMTP_PASSWORD)")
	fs.BoolVar(&d.SMTPInsecure, "smtp-insecure", false, "accept the SMTP server's certificate without checking it")
	fs.StringVar(&d.SMSURL, "sms-url", "", "HTTP SMS gateway URL (JSON POST; token in YINGJI_SMS_TOKEN; empty: no SMS channel)")
	fs.StringVar(&d.SMSTemplate, "sms-template", channel.DefaultSMSTemplate, "JSON body template for the SMS gateway (.Phone, .Text, .Key, .Sign are JSON strings)")
	fs.StringVar(&d.SMSRefField, "sms-ref-field", "message_id", "field of the gateway's answer holding its message id")
	fs.StringVar(&d.Sign, "sms-sign", "【保山应急】", "SMS signature (短信签名)")
	fs.StringVar(&d.SMPPAddr, "smpp-addr", "", "SMPP 3.4 message centre host:port for SMS (password in YINGJI_SMPP_PASSWORD; instead of --sms-url)")
	fs.StringVar(&d.SMPPSystemID, "smpp-system-id", "", "SMPP system_id to bind as")
	fs.StringVar(&d.SMPPSource, "smpp-source", "", "SMPP source address (the service number)")
	fs.StringVar(&d.LoudspeakerMQTT, "loudspeaker-mqtt", "", "MQTT broker of the IP loudspeaker terminals, e.g. tcp://127.0.0.1:1883 (empty: no loudspeaker channel)")
	fs.StringVar(&d.MQTTUser, "loudspeaker-mqtt-user", "", "user at the loudspeaker broker (password in YINGJI_LOUDSPEAKER_MQTT_PASSWORD)")
	fs.StringVar(&d.VAPIDPublic, "vapid-public-key", "", "VAPID public key for Web Push (private key in YINGJI_VAPID_PRIVATE_KEY); default: a pair kept in DATA/vapid.json, created at first start")
	fs.StringVar(&d.VAPIDSubject, "vapid-subject", "yingji@localhost", "contact the push services see in the VAPID token (an e-mail address or https URL)")
	fs.StringVar(&d.Rates, "delivery-rates", "sms=200,email=50,webhook=500,mqtt=100", "messages per second per warning channel")
	fs.DurationVar(&d.Lease, "delivery-lease", time.Minute, "how long a delivery worker holds the messages it claimed; after a crash they are sent again once it has passed (keep it above the channels' 15 s send timeout)")
}

func (d *deliveryConfig) secrets() {
	d.Key = os.Getenv("YINGJI_RECIPIENT_KEY")
	d.SMTPPassword = os.Getenv("YINGJI_SMTP_PASSWORD")
	d.SMSToken = os.Getenv("YINGJI_SMS_TOKEN")
	d.SMPPPassword = os.Getenv("YINGJI_SMPP_PASSWORD")
	d.ReceiptSecret = os.Getenv("YINGJI_SMS_RECEIPT_SECRET")
	d.MQTTPassword = os.Getenv("YINGJI_LOUDSPEAKER_MQTT_PASSWORD")
	d.WebhookSecret = os.Getenv("YINGJI_WARNING_WEBHOOK_SECRET")
	d.VAPIDPrivate = os.Getenv("YINGJI_VAPID_PRIVATE_KEY")
}

// vapidKeys returns the configured VAPID pair, or the one in DATA/vapid.json
// (created 0600 at first start).
func (a *app) vapidKeys() (priv, pub string, err error) {
	d := a.cfg.Delivery
	if d.VAPIDPublic != "" || d.VAPIDPrivate != "" {
		if d.VAPIDPublic == "" || d.VAPIDPrivate == "" {
			return "", "", fmt.Errorf("Web Push needs both --vapid-public-key and YINGJI_VAPID_PRIVATE_KEY")
		}
		return d.VAPIDPrivate, d.VAPIDPublic, nil
	}
	path := filepath.Join(a.cfg.Data, "vapid.json")
	var kp struct{ Private, Public string }
	if data, err := os.ReadFile(path); err == nil {
		if err := json.Unmarshal(data, &kp); err != nil || kp.Private == "" || kp.Public == "" {
			return "", "", fmt.Errorf("%s is damaged: %v", path, err)
		}
		return kp.Private, kp.Public, nil
	}
	if kp.Private, kp.Public, err = channel.GenerateVAPIDKeys(); err != nil {
		return "", "", err
	}
	data, _ := json.Marshal(kp)
	if err := os.MkdirAll(a.cfg.Data, 0o750); err != nil {
		return "", "", err
	}
	if err := os.WriteFile(path, data, 0o600); err != nil {
		return "", "", fmt.Errorf("store the VAPID keys: %w", err)
	}
	return kp.Private, kp.Public, nil
}

func parseRates(s string) (map[string]float64, error) {
	out := map[string]float64{}
	for _, part := range strings.Split(s, ",") {
		if strings.TrimSpace(part) == "" {
			continue
		}
		name, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		f, err := strconv.ParseFloat(v, 64)
		if _, known := outbox.ParseChannel(name); !ok || err != nil || f < 0 || !known {
			return nil, fmt.Errorf("--delivery-rates %q: want channel=messages-per-second, e.g. sms=200", part)
		}
		out[name] = f
	}
	return out, nil
}

// recipientsAPI wires recipients, targeting, the outbox and its channel
// workers into the API; nil leaves it out. Workers stop when ctx ends.
func (a *app) recipientsAPI(ctx context.Context, per *perception) (*httpapi.Recipients, error) {
	svc, err := a.outboxService()
	if err != nil {
		return nil, err
	}
	a.outbox = svc
	d := a.cfg.Delivery
	rates, err := parseRates(d.Rates)
	if err != nil {
		return nil, err
	}
	secret := d.WebhookSecret
	if secret == "" {
		secret = a.cfg.WebhookSecret
	}
	senders := []outbox.Sender{&channel.WebhookSender{Secret: []byte(secret), Client: &http.Client{Timeout: 15 * time.Second}}}
	if d.SMTPAddr != "" {
		if d.SMTPFrom == "" {
			return nil, fmt.Errorf("--smtp-addr needs --smtp-from")
		}
		senders = append(senders, &channel.SMTPSender{Addr: d.SMTPAddr, From: d.SMTPFrom, Username: d.SMTPUser, Password: d.SMTPPassword, Insecure: d.SMTPInsecure})
	}
	if d.SMSURL != "" {
		tpl, err := template.New("sms").Parse(d.SMSTemplate)
		if err != nil {
			return nil, fmt.Errorf("--sms-template: %w", err)
		}
		senders = append(senders, &channel.HTTPSMSSender{URL: d.SMSURL, Token: d.SMSToken, Template: tpl, RefField: d.SMSRefField, Sign: d.Sign,
			Client: &http.Client{Timeout: 15 * time.Second}})
	}
	if d.SMPPAddr != "" {
		if d.SMSURL != "" {
			return nil, fmt.Errorf("give either --smpp-addr or --sms-url for SMS, not both")
		}
		sys := core.WithActor(ctx, core.SystemActor)
		sm := &channel.SMPPSender{Addr: d.SMPPAddr, SystemID: d.SMPPSystemID, Password: d.SMPPPassword, SourceAddr: d.SMPPSource, Sign: d.Sign,
			Receipt: func(ref string, ok bool, reason string) error { return svc.Receipt(sys, outbox.SMS, ref, ok, reason) }}
		go func() { <-ctx.Done(); sm.Close() }()
		senders = append(senders, sm)
	}
	if d.LoudspeakerMQTT != "" {
		ms, err := channel.NewMQTTSender(d.LoudspeakerMQTT, a.cfg.MQTTClientID+"-loudspeakers", d.MQTTUser, d.MQTTPassword)
		if err != nil {
			return nil, err
		}
		go func() { <-ctx.Done(); ms.Close() }()
		senders = append(senders, ms)
	}
	vPriv, vPub, err := a.vapidKeys()
	if err != nil {
		return nil, err
	}
	senders = append(senders, &channel.InboxSender{Store: a.db}, &channel.WebPushSender{PublicKey: vPub, PrivateKey: vPriv, Subscriber: d.VAPIDSubject, Client: &http.Client{Timeout: 15 * time.Second}})
	for _, s := range senders {
		w := &outbox.Worker{Service: svc, Sender: s, Rate: rates[s.Channel().String()], Lease: d.Lease, Logger: a.log}
		go w.Run(ctx)
	}
	go func() {
		if err := svc.Refresh(ctx); err != nil {
			a.log.Warn("recipients index", "err", err)
		}
		svc.KeepFresh(ctx, 5*time.Second)
	}()
	return &httpapi.Recipients{Service: svc, ReceiptSecret: d.ReceiptSecret, VAPIDPublicKey: vPub}, nil
}

// outboxService builds the outbox service over the store.
func (a *app) outboxService() (*outbox.Service, error) {
	p, err := a.cfg.protector() // the recipient key for hashes, the data key ring for sealing (keys.go)
	if err != nil {
		return nil, err
	}
	land, err := outbox.NewLand(a.tree.Load(), outbox.Census2020())
	if err != nil {
		return nil, err
	}
	return &outbox.Service{Store: a.db, Protect: p, Land: land}, nil
}
