// Package channel holds the outbox's senders: signed webhooks, e-mail over
// SMTP, SMS through an HTTP gateway, MQTT to IP loudspeaker terminals and
// the in-app inbox. Each takes its endpoint and credentials from
// configuration.
package channel

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/yingji/yingji/internal/outbox"
)

// Webhook headers.
const (
	HeaderTimestamp   = "X-Yingji-Timestamp"
	HeaderSignature   = "X-Yingji-Signature"
	HeaderIdempotency = "Idempotency-Key"
)

// Sign returns the signature of a webhook body sent at ts (Unix seconds):
// "sha256=" + hex HMAC-SHA256(secret, ts + "." + body).
func Sign(secret []byte, ts int64, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(strconv.FormatInt(ts, 10)))
	m.Write([]byte{'.'})
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// Verify checks a signed webhook as a receiver should: the signature over
// timestamp and body, and the timestamp within window of now (replay).
func Verify(secret []byte, h http.Header, body []byte, now time.Time, window time.Duration) error {
	ts, err := strconv.ParseInt(h.Get(HeaderTimestamp), 10, 64)
	if err != nil {
		return fmt.Errorf("webhook: missing or bad %s", HeaderTimestamp)
	}
	if d := now.Sub(time.Unix(ts, 0)); d > window || d < -window {
		return fmt.Errorf("webhook: timestamp %d outside the %s replay window", ts, window)
	}
	if !hmac.Equal([]byte(h.Get(HeaderSignature)), []byte(Sign(secret, ts, body))) {
		return fmt.Errorf("webhook: signature does not match")
	}
	return nil
}

// WebhookPayload is the JSON a webhook receives.
type WebhookPayload struct {
	Warning     outbox.MessageBody `json:"warning"`
	RecipientID int64              `json:"recipient_id"`
	Key         string             `json:"idempotency_key"`
}

// WebhookSender posts signed JSON to the recipient's webhook URL.
type WebhookSender struct {
	Secret []byte
	Client *http.Client
	Clock  func() time.Time
}

func (w *WebhookSender) Channel() outbox.Channel { return outbox.Webhook }

func (w *WebhookSender) Send(ctx context.Context, m *outbox.MessageBody, c outbox.Contact, key string) (bool, string, error) {
	body, err := json.Marshal(WebhookPayload{Warning: *m, RecipientID: c.RecipientID, Key: key})
	if err != nil {
		return false, "", &outbox.Permanent{Err: err}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.Webhook, bytes.NewReader(body))
	if err != nil {
		return false, "", &outbox.Permanent{Err: err}
	}
	now := time.Now
	if w.Clock != nil {
		now = w.Clock
	}
	ts := now().Unix()
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(HeaderTimestamp, strconv.FormatInt(ts, 10))
	req.Header.Set(HeaderSignature, Sign(w.Secret, ts, body))
	req.Header.Set(HeaderIdempotency, key)
	cl := w.Client
	if cl == nil {
		cl = http.DefaultClient
	}
	resp, err := cl.Do(req)
	if err != nil {
		return false, "", err
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	return classify(resp.StatusCode, "webhook")
}

// classify maps an HTTP answer: 2xx delivered, 408/429/5xx retried,
// other 4xx permanent.
func classify(status int, what string) (bool, string, error) {
	switch {
	case status >= 200 && status < 300:
		return true, "", nil
	case status == 408 || status == 429 || status >= 500:
		return false, "", fmt.Errorf("%s answered %d", what, status)
	default:
		return false, "", &outbox.Permanent{Err: fmt.Errorf("%s refused with %d", what, status)}
	}
}
