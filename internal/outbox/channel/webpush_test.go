package channel_test

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/yingji/yingji/internal/outbox"
	"github.com/yingji/yingji/internal/outbox/channel"
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
	auth := r.Header.Get("Authorization")
	rest, ok := strings.CutPrefix(auth, "vapid ")
	if !ok {
		return errors.New("no vapid authorization")
	}
	var tok, k string
	for _, part := range strings.Split(rest, ",") {
		part = strings.TrimSpace(part)
		if v, ok := strings.CutPrefix(part, "t="); ok {
			tok = v
		}
		if v, ok := strings.CutPrefix(part, "k="); ok {
			k = v
		}
	}
	if k != strings.TrimRight(p.vapidPub, "=") {
		return fmt.Errorf("k %q is not the application server key", k)
	}
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return errors.New("malformed JWT")
	}
	kb, _ := base64.RawURLEncoding.DecodeString(k)
	x, y := elliptic.Unmarshal(elliptic.P256(), kb)
	if x == nil {
		return errors.New("bad k")
	}
	sig, _ := base64.RawURLEncoding.DecodeString(parts[2])
	if len(sig) != 64 {
		return errors.New("ES256 signature must be 64 bytes")
	}
	h := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if !ecdsa.Verify(&ecdsa.PublicKey{Curve: elliptic.P256(), X: x, Y: y}, h[:], new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])) {
		return errors.New("JWT signature does not verify")
	}
	var hdr struct{ Alg string }
	hb, _ := base64.RawURLEncoding.DecodeString(parts[0])
	json.Unmarshal(hb, &hdr)
	var claims struct {
		Aud string
		Exp int64
		Sub string
	}
	cb, _ := base64.RawURLEncoding.DecodeString(parts[1])
	json.Unmarshal(cb, &claims)
	if hdr.Alg != "ES256" || claims.Aud != "http://"+r.Host || claims.Exp < time.Now().Unix() || claims.Exp > time.Now().Add(24*time.Hour).Unix() || !strings.HasPrefix(claims.Sub, "mailto:") {
		return fmt.Errorf("JWT claims %+v alg %s", claims, hdr.Alg)
	}
	if r.Header.Get("Content-Encoding") != "aes128gcm" || r.Header.Get("TTL") == "" {
		return errors.New("headers")
	}
	body, _ := io.ReadAll(r.Body)
	plain, err := p.decrypt(body)
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

func (p *pushService) decrypt(body []byte) ([]byte, error) {
	if len(body) < 21 {
		return nil, errors.New("short body")
	}
	salt, rs, idlen := body[:16], binary.BigEndian.Uint32(body[16:20]), int(body[20])
	if idlen != 65 || len(body) < 21+idlen {
		return nil, errors.New("keyid must be the 65-byte sender key")
	}
	asPub, err := ecdh.P256().NewPublicKey(body[21 : 21+idlen])
	if err != nil {
		return nil, err
	}
	ct := body[21+idlen:]
	if uint32(len(ct)) > rs {
		return nil, errors.New("more than one record")
	}
	secret, err := p.uaPriv.ECDH(asPub)
	if err != nil {
		return nil, err
	}
	info := append(append([]byte("WebPush: info\x00"), p.uaPriv.PublicKey().Bytes()...), asPub.Bytes()...)
	ikm, err := hkdf.Key(sha256.New, secret, p.auth, string(info), 32)
	if err != nil {
		return nil, err
	}
	prk, _ := hkdf.Extract(sha256.New, ikm, salt)
	cek, _ := hkdf.Expand(sha256.New, prk, "Content-Encoding: aes128gcm\x00", 16)
	nonce, _ := hkdf.Expand(sha256.New, prk, "Content-Encoding: nonce\x00", 12)
	block, _ := aes.NewCipher(cek)
	gcm, _ := cipher.NewGCM(block)
	padded, err := gcm.Open(nil, nonce, ct, nil)
	if err != nil {
		return nil, fmt.Errorf("decrypt: %w", err)
	}
	i := len(padded) - 1
	for i >= 0 && padded[i] == 0 {
		i--
	}
	if i < 0 || padded[i] != 2 {
		return nil, errors.New("last record must end with delimiter 2")
	}
	return padded[:i], nil
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
