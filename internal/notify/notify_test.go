package notify_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/yingji/yingji/internal/alarm"
	"github.com/yingji/yingji/internal/core"
	"github.com/yingji/yingji/internal/notify"
	"github.com/yingji/yingji/internal/store/storetest"
)

// verify checks a signature the way a receiver would.
func verify(secret, header string, body []byte) bool {
	var ts, sig string
	for _, part := range strings.Split(header, ",") {
		k, v, _ := strings.Cut(part, "=")
		switch k {
		case "t":
			ts = v
		case "sha256":
			sig = v
		}
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(ts + "."))
	mac.Write(body)
	return hmac.Equal([]byte(hex.EncodeToString(mac.Sum(nil))), []byte(sig))
}

func TestWebhookDeliveryWithRetries(t *testing.T) {
	db, _ := storetest.Open(t, storetest.Backends()[0])
	var mu sync.Mutex
	calls, failFirst := 0, 2
	var got []byte
	var signed bool
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		calls++
		if calls <= failFirst {
			http.Error(w, "busy", http.StatusServiceUnavailable)
			return
		}
		got, _ = io.ReadAll(r.Body)
		signed = verify("s3cret", r.Header.Get("X-Yingji-Signature"), got)
	}))
	defer hook.Close()
	now := time.Date(2026, 11, 28, 2, 0, 0, 0, time.UTC)
	n := &notify.Notifier{Store: db, Webhooks: []string{hook.URL}, Secret: "s3cret", Clock: func() time.Time { return now }}
	a := &alarm.Alarm{ID: 0, Point: "P1", PointName: "浸润线1", Level: alarm.Red, Division: "530502001", EnterpriseID: 0, Message: "超红色阈值"}
	ctx := core.WithActor(context.Background(), core.SystemActor)
	if err := n.Notify(ctx, alarm.Notification{Alarm: a, Event: alarm.Event{Action: "raise"}, Tier: "county"}); err != nil {
		t.Fatal(err)
	}
	// the inbox message goes to the county containing the alarm.
	msgs, err := db.ListMessages(ctx, 10)
	if err != nil || len(msgs) != 1 || msgs[0].Division != "530502" || !strings.Contains(msgs[0].Title, "红色") {
		t.Fatalf("inbox = %+v, %v", msgs, err)
	}
	// first attempt fails, the retry is not due before its backoff.
	if ok, _ := n.DeliverDue(ctx); ok != 0 {
		t.Fatalf("delivered %d on a failing receiver", ok)
	}
	if ok, _ := n.DeliverDue(ctx); ok != 0 || calls != 1 {
		t.Fatalf("retried before the backoff: %d calls", calls)
	}
	now = now.Add(11 * time.Second)
	n.DeliverDue(ctx) // second failure
	now = now.Add(time.Minute)
	if ok, _ := n.DeliverDue(ctx); ok != 1 {
		t.Fatalf("third attempt did not deliver (%d calls)", calls)
	}
	if !signed {
		t.Error("the signature does not verify")
	}
	var body struct {
		Type  string
		Alarm struct{ Point string }
	}
	if json.Unmarshal(got, &body); body.Type != "alarm.raise" || body.Alarm.Point != "P1" {
		t.Errorf("body = %s", got)
	}
	now = now.Add(time.Hour)
	if ok, _ := n.DeliverDue(ctx); ok != 0 || calls != 3 {
		t.Errorf("a delivered webhook was sent again (%d calls)", calls)
	}
}
