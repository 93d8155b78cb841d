package main

// Protocol peers for the warning end-to-end tests: each channel's far end,
// run in the test, recording every arrival with what identifies its
// recipient and its idempotency key.

import (
	"bufio"
	"bytes"
	"crypto/ecdh"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"mime"
	"net"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
	"github.com/emersion/go-smtp"

	"github.com/yingji/yingji/internal/outbox/channel"
	"github.com/yingji/yingji/internal/outbox/channel/channeltest"
)

// arrival is one message as a peer received it.
type arrival struct {
	Channel string
	Who     string // the address on that channel: recipient id, e-mail, phone, topic, push endpoint
	Key     string // idempotency key ("" where the channel carries none: SMPP)
	Ident   string // CAP identifier, where the channel carries it
	MsgType string // Alert, Update, Cancel
	CAP     []byte // webhook only
}

// arrivals collects what every peer received.
type arrivals struct {
	mu  sync.Mutex
	all []arrival
	// first is closed at the first arrival after arm (benchmark).
	first chan time.Time
}

func (a *arrivals) add(x arrival) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.all = append(a.all, x)
	if a.first != nil {
		select {
		case a.first <- time.Now():
		default:
		}
	}
}

func (a *arrivals) snapshot() []arrival {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]arrival(nil), a.all...)
}

func (a *arrivals) count(ch string) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	n := 0
	for _, x := range a.all {
		if x.Channel == ch {
			n++
		}
	}
	return n
}

// webhookPeer verifies the HMAC signature and replay window as a receiver
// must (channel.Verify) and records the payload. delay slows it down.
func webhookPeer(t testing.TB, secret []byte, rec *arrivals, delay time.Duration) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if err := channel.Verify(secret, r.Header, body, time.Now(), 5*time.Minute); err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		var p channel.WebhookPayload
		if err := json.Unmarshal(body, &p); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if delay > 0 {
			time.Sleep(delay)
		}
		if r.Header.Get(channel.HeaderIdempotency) != p.Key {
			http.Error(w, "the Idempotency-Key header and the payload's key differ", http.StatusBadRequest)
			return
		}
		rec.add(arrival{Channel: "webhook", Who: fmt.Sprint(p.RecipientID), Key: p.Key, Ident: p.Warning.Identifier, MsgType: p.Warning.MsgType, CAP: p.Warning.CAP})
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// smtpBackend is an SMTP server (github.com/emersion/go-smtp).
type smtpBackend struct{ rec *arrivals }

func (b *smtpBackend) NewSession(*smtp.Conn) (smtp.Session, error) { return &smtpSess{b: b}, nil }

type smtpSess struct {
	b  *smtpBackend
	to []string
}

func (s *smtpSess) Reset()                                    { s.to = nil }
func (s *smtpSess) Logout() error                             { return nil }
func (s *smtpSess) Mail(string, *smtp.MailOptions) error      { return nil }
func (s *smtpSess) Rcpt(to string, _ *smtp.RcptOptions) error { s.to = append(s.to, to); return nil }
func (s *smtpSess) Data(r io.Reader) error {
	data, _ := io.ReadAll(r)
	m, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		return err
	}
	key := strings.TrimSuffix(strings.TrimPrefix(m.Header.Get("Message-Id"), "<"), ">")
	key, _, _ = strings.Cut(key, "@")
	_, ident, _ := strings.Cut(m.Header.Get("X-Yingji-Warning"), " ")
	subj, _ := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	for _, to := range s.to {
		s.b.rec.add(arrival{Channel: "email", Who: to, Key: key, Ident: ident, MsgType: msgTypeOfText(subj)})
	}
	return nil
}

func startSMTPPeer(t testing.TB, rec *arrivals) string {
	srv := smtp.NewServer(&smtpBackend{rec: rec})
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	srv.ErrorLog = log.New(io.Discard, "", 0) // connections of a killed server end abruptly
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String()
}

// msgTypeOfText reads the message type from the subject prefix the
// channels put on updates and cancellations (channel.Subject).
func msgTypeOfText(s string) string {
	switch {
	case strings.Contains(s, "【解除】"):
		return "Cancel"
	case strings.Contains(s, "【更新】"):
		return "Update"
	}
	return "Alert"
}

// smsGateway is an HTTP SMS gateway: bearer token, JSON body of the
// default template, a message id in the answer.
func smsGateway(t testing.TB, token string, rec *arrivals) *httptest.Server {
	var mu sync.Mutex
	n := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+token {
			http.Error(w, "bad token", http.StatusUnauthorized)
			return
		}
		var b struct{ Phone, Text, ClientRef string }
		dec := json.NewDecoder(r.Body)
		var raw map[string]string
		if err := dec.Decode(&raw); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		b.Phone, b.Text, b.ClientRef = raw["phone"], raw["text"], raw["client_ref"]
		mu.Lock()
		n++
		id := fmt.Sprintf("gw-%d", n)
		mu.Unlock()
		rec.add(arrival{Channel: "sms", Who: b.Phone, Key: b.ClientRef, MsgType: msgTypeOfText(b.Text)})
		json.NewEncoder(w).Encode(map[string]string{"message_id": id, "status": "accepted"})
	}))
	t.Cleanup(srv.Close)
	return srv
}

// startSMPPPeer runs internal/outbox/channel's SMPP 3.4 test peer
// (node-smpp, an independent implementation): bind as yingji/secret, every
// submit_sm answered and receipted with DELIVRD after 20 ms.
func startSMPPPeer(t testing.TB, rec *arrivals) string {
	dir, _ := filepath.Abs("../../internal/outbox/channel/testdata/smpp-peer")
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "smpp")); err != nil {
		t.Fatalf("the SMPP peer needs node and the npm package smpp: run `npm ci` in %s (%v)", dir, err)
	}
	cmd := exec.Command("node", "peer.js")
	cmd.Dir = dir
	stdin, _ := cmd.StdinPipe()
	out, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("node: %v", err)
	}
	t.Cleanup(func() { stdin.Close(); cmd.Process.Kill(); cmd.Wait() })
	sc := bufio.NewScanner(out)
	if !sc.Scan() || !strings.HasPrefix(sc.Text(), "LISTEN ") {
		t.Fatalf("the SMPP peer did not start: %q", sc.Text())
	}
	addr := "127.0.0.1:" + strings.TrimPrefix(sc.Text(), "LISTEN ")
	go func() {
		for sc.Scan() {
			var m struct{ Dest, Text string }
			if json.Unmarshal(sc.Bytes(), &m) == nil {
				rec.add(arrival{Channel: "sms", Who: m.Dest, MsgType: msgTypeOfText(m.Text)})
			}
		}
	}()
	return addr
}

// loudspeakers subscribes to prefix/# at Mosquitto as the terminals do.
func loudspeakers(t testing.TB, prefix string, rec *arrivals) {
	const broker = "tcp://127.0.0.1:1883"
	sub := paho.NewClient(paho.NewClientOptions().AddBroker(broker).SetClientID("yj-e2e-" + strings.ReplaceAll(prefix, "/", "-")))
	if tk := sub.Connect(); !tk.WaitTimeout(5*time.Second) || tk.Error() != nil {
		t.Fatalf("the loudspeaker channel's tests need Mosquitto at %s: %v", broker, tk.Error())
	}
	t.Cleanup(func() { sub.Disconnect(100) })
	tk := sub.Subscribe(prefix+"/#", 1, func(_ paho.Client, m paho.Message) {
		var p channel.LoudspeakerPayload
		if json.Unmarshal(m.Payload(), &p) == nil {
			rec.add(arrival{Channel: "mqtt", Who: m.Topic(), Key: p.Key, Ident: p.Identifier, MsgType: p.MsgType})
		}
	})
	if !tk.WaitTimeout(5*time.Second) || tk.Error() != nil {
		t.Fatalf("subscribe: %v", tk.Error())
	}
}

// pushService is a Web Push service (RFC 8030) holding several browsers'
// subscriptions: it checks the VAPID token (RFC 8292) against the
// application server key and decrypts the aes128gcm body (RFC 8291) with
// the subscription's private key, as internal/outbox/channel's test
// service does.
type pushService struct {
	vapidPub string
	rec      *arrivals
	mu       sync.Mutex
	subs     map[string]*pushSub // by endpoint path
	errs     []error
}

type pushSub struct {
	priv *ecdh.PrivateKey
	auth []byte
}

// subscribe makes a browser subscription at the service.
func (p *pushService) subscribe(base, name string) map[string]any {
	priv, _ := ecdh.P256().GenerateKey(rand.Reader)
	auth := make([]byte, 16)
	rand.Read(auth)
	p.mu.Lock()
	p.subs["/push/"+name] = &pushSub{priv: priv, auth: auth}
	p.mu.Unlock()
	return map[string]any{"endpoint": base + "/push/" + name, "keys": map[string]string{
		"p256dh": base64.RawURLEncoding.EncodeToString(priv.PublicKey().Bytes()), "auth": base64.RawURLEncoding.EncodeToString(auth)}}
}

func (p *pushService) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	pl, err := p.check(r)
	if err != nil {
		p.mu.Lock()
		p.errs = append(p.errs, err)
		p.mu.Unlock()
		http.Error(w, err.Error(), http.StatusForbidden)
		return
	}
	p.rec.add(arrival{Channel: "webpush", Who: r.URL.Path, Key: pl.Key, Ident: pl.Identifier, MsgType: msgTypeOfText(pl.Title)})
	w.WriteHeader(http.StatusCreated)
}

func (p *pushService) check(r *http.Request) (*channel.PushPayload, error) {
	p.mu.Lock()
	sub := p.subs[r.URL.Path]
	p.mu.Unlock()
	if sub == nil {
		return nil, fmt.Errorf("no subscription at %s", r.URL.Path)
	}
	claims, err := channeltest.VerifyVAPID(r, p.vapidPub)
	if err != nil {
		return nil, err
	}
	if claims.Aud != "http://"+r.Host || claims.Exp < time.Now().Unix() {
		return nil, fmt.Errorf("JWT claims %+v", claims)
	}
	body, _ := io.ReadAll(r.Body)
	plain, err := channeltest.DecryptWebPush(sub.priv, sub.auth, body)
	if err != nil {
		return nil, err
	}
	var pl channel.PushPayload
	if err := json.Unmarshal(plain, &pl); err != nil {
		return nil, err
	}
	return &pl, nil
}
