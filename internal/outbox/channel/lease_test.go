package channel_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/yingji/yingji/internal/core"
	"github.com/yingji/yingji/internal/outbox"
)

// slowSender takes longer per batch than the worker's lease and counts
// every send per key.
type slowSender struct {
	mu    sync.Mutex
	sends map[string]int
	total int
}

func (s *slowSender) Channel() outbox.Channel { return outbox.Webhook }
func (s *slowSender) Send(ctx context.Context, _ *outbox.MessageBody, _ outbox.Contact, key string) (bool, string, error) {
	time.Sleep(150 * time.Millisecond)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sends[key]++
	s.total++
	return true, "", nil
}

// TestSlowBatchIsNotSentTwice: a batch whose sending outlasts the lease is
// recorded before the worker claims again, so the worker does not claim
// (and send) its own unrecorded batch a second time.
func TestSlowBatchIsNotSentTwice(t *testing.T) {
	const n = 24
	svc, db := openService(t, filepath.Join(t.TempDir(), "lease.db"))
	defer db.Close()
	ctx := core.WithActor(context.Background(), core.SystemActor)
	var rs []outbox.Recipient
	for i := range n {
		rs = append(rs, outbox.Recipient{Kind: outbox.Staff, Name: fmt.Sprintf("人%d", i), Division: "530502", Webhook: "http://127.0.0.1:1/x", Enabled: true})
	}
	if _, err := svc.Import(ctx, rs); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Enqueue(ctx, outbox.Message{WarningID: 3, Identifier: "slow", Level: "red", Headline: "慢", Area: outbox.Area{Divisions: []string{"530502"}}}); err != nil {
		t.Fatal(err)
	}
	s := &slowSender{sends: map[string]int{}}
	w := &outbox.Worker{Service: svc, Sender: s, Batch: 4, Concurrency: 4, Lease: 100 * time.Millisecond, Idle: 20 * time.Millisecond}
	wctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { w.Run(wctx); close(done) }()
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		st, err := svc.Stats(ctx, 3)
		if err != nil {
			t.Fatal(err)
		}
		if len(st.Channels) == 1 && st.Channels[0].Delivered == n {
			break
		}
	}
	time.Sleep(300 * time.Millisecond) // a re-claim would be sending by now
	cancel()
	<-done
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.sends) != n || s.total != n {
		t.Fatalf("%d keys, %d sends for %d rows: a batch was claimed again while it was being recorded", len(s.sends), s.total, n)
	}
}
