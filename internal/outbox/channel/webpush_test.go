package channel_test

import (
	"bytes"
	"context"
	"crypto/ecdh"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/yingji/yingji/internal/outbox"
	"github.com/yingji/yingji/internal/outbox/channel"
	"github.com/yingji/yingji/internal/outbox/channel/channeltest"
)

// pushService is a Web Push service as browsers' vendors run it: it checks
// the VAPID JWT (RFC 8292) against the key in the header and the
// application server key the browser subscribed with, and decrypts the
// aes128gcm body (RFC 8291, RFC 8188) with the subscription's private key.
type pushService struct {
	t         *testing.T
	uaPriv    *ecdh.PrivateKey
	auth      []byte
	vapidPub  string
	received  []channel.PushPayload
	lastError error
}

func (p *pushService) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if err := p.check(r); err != nil {
		p.lastError = err
		http.Error(w, err.Error(), http.StatusForbidden)
		return
	}
	w.WriteHeader(http.StatusCreated)
}

func (p *pushService) check(r *http.Request) error {
	claims, err := channeltest.VerifyVAPID(r, p.vapidPub)
	if err != nil {
		return err
	}
	if claims.Alg != "ES256" || claims.Aud != "http://"+r.Host || claims.Exp < time.Now().Unix() || claims.Exp > time.Now().Add(24*time.Hour).Unix() || !strings.HasPrefix(claims.Sub, "mailto:") {
		return fmt.Errorf("JWT claims %+v alg %s", claims, claims.Alg)
	}
	if r.Header.Get("Content-Encoding") != "aes128gcm" || r.Header.Get("TTL") == "" {
		return errors.New("headers")
	}
	body, _ := io.ReadAll(r.Body)
	plain, err := channeltest.DecryptWebPush(p.uaPriv, p.auth, body)
	if err != nil {
		return err
	}
	var pl channel.PushPayload
	if err := json.Unmarshal(plain, &pl); err != nil {
		return err
	}
	p.received = append(p.received, pl)
	return nil
}

func TestWebPushVAPID(t *testing.T) {
	uaPriv, _ := ecdh.P256().GenerateKey(rand.Reader)
	auth := make([]byte, 16)
	rand.Read(auth)
	priv, pub, err := channel.GenerateVAPIDKeys()
	if err != nil {
		t.Fatal(err)
	}
	ps := &pushService{t: t, uaPriv: uaPriv, auth: auth, vapidPub: pub}
	srv := httptest.NewServer(ps)
	defer srv.Close()
	sub := &outbox.PushSubscription{Endpoint: srv.URL + "/push/abc"}
	sub.Keys.P256dh = base64.RawURLEncoding.EncodeToString(uaPriv.PublicKey().Bytes())
	sub.Keys.Auth = base64.RawURLEncoding.EncodeToString(auth)
	s := &channel.WebPushSender{PublicKey: pub, PrivateKey: priv, Subscriber: "ops@yj.example.cn"}
	delivered, _, err := s.Send(context.Background(), msg, outbox.Contact{Push: sub}, "yj-31")
	if err != nil || !delivered {
		t.Fatalf("push: %v (peer: %v)", err, ps.lastError)
	}
	if len(ps.received) != 1 || ps.received[0].Key != "yj-31" || ps.received[0].Title != "橙色预警 保山市气象台发布暴雨橙色预警" {
		t.Fatalf("push service decrypted %+v", ps.received)
	}
	// another application server's key is refused by the push service
	priv2, pub2, _ := channel.GenerateVAPIDKeys()
	bad := &channel.WebPushSender{PublicKey: pub2, PrivateKey: priv2, Subscriber: "ops@yj.example.cn"}
	_, _, err = bad.Send(context.Background(), msg, outbox.Contact{Push: sub}, "yj-32")
	var perm *outbox.Permanent
	if !errors.As(err, &perm) || len(ps.received) != 1 {
		t.Fatalf("wrong VAPID key: %v", err)
	}
	_ = bytes.MinRead
}
