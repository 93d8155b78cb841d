// Package notify delivers alarm notifications: to the in-app inbox of the
// tier that must act, and to signed webhooks through a durable outbox with
// retries. The public-warning channels plug in here later.
package notify

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/yingji/yingji/internal/alarm"
	"github.com/yingji/yingji/internal/core"
)

// Message is an inbox entry for the people of one tier in one area.
type Message struct {
	ID           int64     `json:"id"`
	At           time.Time `json:"at"`
	Tier         string    `json:"tier"`
	Division     string    `json:"division_code"`
	EnterpriseID int64     `json:"enterprise_id,omitempty"`
	AlarmID      int64     `json:"alarm_id,omitempty"`
	Title        string    `json:"title"`
	Body         string    `json:"body"`
}

// Delivery is one webhook call waiting in the outbox.
type Delivery struct {
	ID       int64
	URL      string
	Body     []byte
	Attempts int
}

// Store keeps the inbox and the webhook outbox.
type Store interface {
	AddMessage(ctx context.Context, m *Message) error
	EnqueueWebhooks(ctx context.Context, urls []string, body []byte, now time.Time) error
	DueWebhooks(ctx context.Context, now time.Time, limit int) ([]Delivery, error)
	MarkWebhook(ctx context.Context, id int64, delivered bool, errText string, next time.Time) error
}

// Notifier implements alarm.Notifier.
type Notifier struct {
	Store    Store
	Webhooks []string
	// Secret signs webhook bodies (HMAC-SHA256 in X-Yingji-Signature).
	Secret string
	Clock  core.Clock
	Client *http.Client
	Logger *slog.Logger
}

// audience is the division an inbox message is addressed to: the
// enterprise tier keeps the alarm's own division (and enterprise), the
// county tier the county containing it, the city tier the city.
func audience(a *alarm.Alarm, tier string) (string, int64) {
	code := a.Division
	switch tier {
	case "enterprise":
		return code, a.EnterpriseID
	case "county":
		if len(code) >= 6 {
			return code[:6], 0
		}
	case "city":
		if len(code) >= 4 {
			return code[:4] + "00", 0
		}
	}
	return code, 0
}

// Notify implements alarm.Notifier: an inbox message now, webhooks queued.
func (n *Notifier) Notify(ctx context.Context, note alarm.Notification) error {
	a := note.Alarm
	div, ent := audience(a, note.Tier)
	title := fmt.Sprintf("[%s] %s %s", levelZh(a.Level), a.PointName, actionZh(note.Event.Action))
	m := &Message{At: n.Clock(), Tier: note.Tier, Division: div, EnterpriseID: ent, AlarmID: a.ID, Title: title, Body: a.Message}
	if err := n.Store.AddMessage(ctx, m); err != nil {
		return fmt.Errorf("notify: inbox: %w", err)
	}
	if len(n.Webhooks) == 0 {
		return nil
	}
	body, err := json.Marshal(map[string]any{"type": "alarm." + note.Event.Action, "tier": note.Tier, "audience_division": div, "alarm": a, "event": note.Event})
	if err != nil {
		return err
	}
	return n.Store.EnqueueWebhooks(ctx, n.Webhooks, body, n.Clock())
}

// Sign returns the signature header value of a body.
func Sign(secret string, body []byte, ts int64) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(strconv.FormatInt(ts, 10)))
	mac.Write([]byte{'.'})
	mac.Write(body)
	return "t=" + strconv.FormatInt(ts, 10) + ",sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// Run delivers due webhooks until ctx ends, retrying failures with growing
// delays (up to a day).
func (n *Notifier) Run(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if _, err := n.DeliverDue(ctx); err != nil && n.Logger != nil && !errors.Is(err, context.Canceled) {
			n.Logger.Error("webhook delivery", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// DeliverDue sends every due webhook once and returns how many succeeded.
func (n *Notifier) DeliverDue(ctx context.Context) (int, error) {
	now := n.Clock()
	due, err := n.Store.DueWebhooks(ctx, now, 100)
	if err != nil {
		return 0, err
	}
	ok := 0
	for _, d := range due {
		err := n.send(ctx, d, now)
		if err == nil {
			ok++
			if err := n.Store.MarkWebhook(ctx, d.ID, true, "", now); err != nil {
				return ok, err
			}
			continue
		}
		backoff := min(time.Duration(1<<min(d.Attempts, 16))*5*time.Second, 24*time.Hour)
		if err := n.Store.MarkWebhook(ctx, d.ID, false, err.Error(), now.Add(backoff)); err != nil {
			return ok, err
		}
	}
	return ok, nil
}

func (n *Notifier) send(ctx context.Context, d Delivery, now time.Time) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.URL, bytes.NewReader(d.Body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Yingji-Delivery", strconv.FormatInt(d.ID, 10))
	if n.Secret != "" {
		req.Header.Set("X-Yingji-Signature", Sign(n.Secret, d.Body, now.Unix()))
	}
	client := n.Client
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode >= 300 {
		return fmt.Errorf("%s answered %s", d.URL, resp.Status)
	}
	return nil
}

func levelZh(l alarm.Level) string {
	switch l {
	case alarm.Red:
		return "红色"
	case alarm.Orange:
		return "橙色"
	case alarm.Yellow:
		return "黄色"
	case alarm.Blue:
		return "蓝色"
	}
	return ""
}

func actionZh(action string) string {
	switch action {
	case "raise":
		return "报警"
	case "level":
		return "报警升级"
	case "relapse":
		return "再次报警"
	case "escalate":
		return "超时未确认，已上报"
	}
	return action
}
