package channel_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
	"github.com/emersion/go-smtp"

	"github.com/yingji/yingji/internal/outbox"
	"github.com/yingji/yingji/internal/outbox/channel"
)

var msg = &outbox.MessageBody{WarningID: 9, Identifier: "530500-20261128-1", MsgType: "Alert", Level: "orange", Event: "暴雨",
	Headline: "保山市气象台发布暴雨橙色预警", Description: "预计未来6小时隆阳区降雨量将达50毫米以上。", Instruction: "请远离河道和地质灾害隐患点。",
	Sent: time.Date(2026, 11, 28, 8, 0, 0, 0, time.UTC), Expires: time.Date(2026, 11, 28, 20, 0, 0, 0, time.UTC)}

func TestWebhookSignedAndVerified(t *testing.T) {
	secret := []byte("s3cret")
	var got []channel.WebhookPayload
	var keys []string
	status := http.StatusOK
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if err := channel.Verify(secret, r.Header, body, time.Now(), 5*time.Minute); err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		var p channel.WebhookPayload
		json.Unmarshal(body, &p)
		got = append(got, p)
		keys = append(keys, r.Header.Get(channel.HeaderIdempotency))
		w.WriteHeader(status)
	}))
	defer srv.Close()
	s := &channel.WebhookSender{Secret: secret}
	c := outbox.Contact{RecipientID: 5, Webhook: srv.URL}
	delivered, _, err := s.Send(context.Background(), msg, c, "yj-77")
	if err != nil || !delivered || len(got) != 1 || got[0].Warning.Headline != msg.Headline || keys[0] != "yj-77" || got[0].RecipientID != 5 {
		t.Fatalf("send: %v %v %+v %v", delivered, err, got, keys)
	}
	// a wrong secret is refused by the peer: permanent (401)
	bad := &channel.WebhookSender{Secret: []byte("other")}
	_, _, err = bad.Send(context.Background(), msg, c, "yj-78")
	var perm *outbox.Permanent
	if !errors.As(err, &perm) {
		t.Fatalf("wrong secret: %v", err)
	}
	// an old timestamp (replay) fails verification
	old := &channel.WebhookSender{Secret: secret, Clock: func() time.Time { return time.Now().Add(-10 * time.Minute) }}
	if _, _, err := old.Send(context.Background(), msg, c, "yj-79"); !errors.As(err, &perm) {
		t.Fatalf("replayed: %v", err)
	}
	// 503 is retried, not permanent
	status = http.StatusServiceUnavailable
	if _, _, err := s.Send(context.Background(), msg, c, "yj-80"); err == nil || errors.As(err, &perm) {
		t.Fatalf("503: %v", err)
	}
}

// smtpPeer is an in-test SMTP server (github.com/emersion/go-smtp).
type smtpPeer struct {
	mu    sync.Mutex
	mails []*mail.Message
	to    []string
	n     int
}

func (p *smtpPeer) NewSession(c *smtp.Conn) (smtp.Session, error) { return &smtpSession{p: p}, nil }

// count is how many messages the peer accepted.
func (p *smtpPeer) count() int64 { p.mu.Lock(); defer p.mu.Unlock(); return int64(p.n) }

type smtpSession struct {
	p  *smtpPeer
	to string
}

func (s *smtpSession) Reset()        {}
func (s *smtpSession) Logout() error { return nil }
func (s *smtpSession) Mail(from string, _ *smtp.MailOptions) error {
	return nil
}
func (s *smtpSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	if strings.HasPrefix(to, "nobody@") {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user"}
	}
	s.to = to
	return nil
}
func (s *smtpSession) Data(r io.Reader) error {
	data, _ := io.ReadAll(r)
	m, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		return err
	}
	s.p.mu.Lock()
	defer s.p.mu.Unlock()
	s.p.n++
	if s.p.mails != nil || s.p.n < 100 {
		s.p.mails = append(s.p.mails, m)
		s.p.to = append(s.p.to, s.to)
	}
	return nil
}

func startSMTP(t testing.TB) (*smtpPeer, string) {
	peer := &smtpPeer{}
	srv := smtp.NewServer(peer)
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return peer, ln.Addr().String()
}

func TestSMTP(t *testing.T) {
	peer, addr := startSMTP(t)
	s := &channel.SMTPSender{Addr: addr, From: "yujing@yj.example.cn"}
	defer s.Close()
	for i, to := range []string{"a@x.cn", "b@x.cn"} {
		delivered, _, err := s.Send(context.Background(), msg, outbox.Contact{Email: to}, "yj-"+string(rune('1'+i)))
		if err != nil || !delivered {
			t.Fatalf("send %s: %v", to, err)
		}
	}
	if len(peer.mails) != 2 || peer.to[1] != "b@x.cn" {
		t.Fatalf("peer got %d", len(peer.mails))
	}
	m := peer.mails[0]
	if m.Header.Get("Message-Id") != "<yj-1@yj.example.cn>" {
		t.Fatalf("Message-ID %q", m.Header.Get("Message-Id"))
	}
	subj, _ := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	if subj != "橙色预警 保山市气象台发布暴雨橙色预警" {
		t.Fatalf("subject %q", subj)
	}
	_, _, err := s.Send(context.Background(), msg, outbox.Contact{Email: "nobody@x.cn"}, "yj-9")
	var perm *outbox.Permanent
	if !errors.As(err, &perm) || !strings.Contains(err.Error(), "550") {
		t.Fatalf("550 should be permanent: %v", err)
	}
}

func TestHTTPSMS(t *testing.T) {
	var bodies []map[string]string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer tok" {
			http.Error(w, "no", http.StatusUnauthorized)
			return
		}
		var b map[string]string
		if err := json.NewDecoder(r.Body).Decode(&b); err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		bodies = append(bodies, b)
		json.NewEncoder(w).Encode(map[string]any{"message_id": "gw-" + b["client_ref"], "status": "accepted"})
	}))
	defer srv.Close()
	s := &channel.HTTPSMSSender{URL: srv.URL, Token: "tok", Sign: "【保山应急】"}
	delivered, ref, err := s.Send(context.Background(), msg, outbox.Contact{Phone: "13800001234"}, "yj-5")
	if err != nil || delivered || ref != "gw-yj-5" {
		t.Fatalf("sms: %v %q %v", delivered, ref, err)
	}
	if bodies[0]["phone"] != "13800001234" || !strings.HasPrefix(bodies[0]["text"], "【保山应急】橙色预警") || bodies[0]["client_ref"] != "yj-5" {
		t.Fatalf("gateway got %+v", bodies[0])
	}
	s.Token = "wrong"
	_, _, err = s.Send(context.Background(), msg, outbox.Contact{Phone: "13800001234"}, "yj-6")
	var perm *outbox.Permanent
	if !errors.As(err, &perm) {
		t.Fatalf("401 should be permanent: %v", err)
	}
}

func TestMQTTLoudspeaker(t *testing.T) {
	const broker = "tcp://127.0.0.1:1883"
	topic := "yingji-test/loudspeaker/" + time.Now().Format("150405.000000")
	got := make(chan []byte, 1)
	sub := paho.NewClient(paho.NewClientOptions().AddBroker(broker).SetClientID("yj-test-sub-" + topic[len(topic)-6:]))
	if tk := sub.Connect(); !tk.WaitTimeout(5*time.Second) || tk.Error() != nil {
		t.Fatalf("Mosquitto at %s is needed: %v", broker, tk.Error())
	}
	defer sub.Disconnect(100)
	if tk := sub.Subscribe(topic, 1, func(_ paho.Client, m paho.Message) { got <- m.Payload() }); !tk.WaitTimeout(5*time.Second) || tk.Error() != nil {
		t.Fatal(tk.Error())
	}
	s, err := channel.NewMQTTSender(broker, "yj-test-pub-"+topic[len(topic)-6:], "", "")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	delivered, _, err := s.Send(context.Background(), msg, outbox.Contact{Topic: topic}, "yj-11")
	if err != nil || !delivered {
		t.Fatal(err)
	}
	select {
	case p := <-got:
		var lp channel.LoudspeakerPayload
		if err := json.Unmarshal(p, &lp); err != nil || lp.Key != "yj-11" || lp.Repeat != 3 || !strings.Contains(lp.Text, "请远离河道") {
			t.Fatalf("terminal got %s", p)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the terminal received nothing")
	}
}
