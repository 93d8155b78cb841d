package channel

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"

	webpush "github.com/SherClockHolmes/webpush-go"

	"github.com/yingji/yingji/internal/outbox"
)

// WebPushSender sends Web Push notifications (RFC 8030) with VAPID
// (RFC 8292) and the aes128gcm payload encryption (RFC 8291), through
// github.com/SherClockHolmes/webpush-go.
type WebPushSender struct {
	PublicKey, PrivateKey string // VAPID keys, base64url
	Subscriber            string // contact: an e-mail address or https URL
	TTL                   int    // seconds the push service keeps an undelivered message
	Client                *http.Client
}

// PushPayload is what the page's service worker receives.
type PushPayload struct {
	Key        string `json:"key"`
	WarningID  int64  `json:"warning_id"`
	Identifier string `json:"identifier"`
	Level      string `json:"level"`
	Title      string `json:"title"`
	Body       string `json:"body"`
}

func (s *WebPushSender) Channel() outbox.Channel { return outbox.WebPush }

func (s *WebPushSender) Send(ctx context.Context, m *outbox.MessageBody, c outbox.Contact, key string) (bool, string, error) {
	if c.Push == nil {
		return false, "", &outbox.Permanent{Err: fmt.Errorf("recipient %d has no push subscription", c.RecipientID)}
	}
	body, _ := json.Marshal(PushPayload{Key: key, WarningID: m.WarningID, Identifier: m.Identifier, Level: m.Level, Title: Subject(m), Body: m.Instruction})
	urgency := webpush.UrgencyNormal
	if m.Level == "red" || m.Level == "orange" {
		urgency = webpush.UrgencyHigh
	}
	ttl := s.TTL
	if ttl == 0 {
		ttl = 12 * 3600
	}
	sub := &webpush.Subscription{Endpoint: c.Push.Endpoint, Keys: webpush.Keys{P256dh: c.Push.Keys.P256dh, Auth: c.Push.Keys.Auth}}
	opts := &webpush.Options{Subscriber: s.Subscriber, VAPIDPublicKey: s.PublicKey, VAPIDPrivateKey: s.PrivateKey, TTL: ttl, Urgency: urgency,
		Topic: fmt.Sprintf("w%d", m.WarningID)}
	if s.Client != nil {
		opts.HTTPClient = s.Client
	}
	resp, err := webpush.SendNotificationWithContext(ctx, body, sub, opts)
	if err != nil {
		return false, "", err
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	if resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusGone {
		return false, "", &outbox.Permanent{Err: fmt.Errorf("push subscription expired (%d)", resp.StatusCode)}
	}
	// 201 Created: the push service accepted it for the browser.
	return classify(resp.StatusCode, "push service")
}

// GenerateVAPIDKeys makes a VAPID key pair (private, public; base64url).
func GenerateVAPIDKeys() (string, string, error) { return webpush.GenerateVAPIDKeys() }
