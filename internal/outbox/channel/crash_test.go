package channel_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/yingji/yingji/internal/core"
	"github.com/yingji/yingji/internal/outbox"
	"github.com/yingji/yingji/internal/outbox/channel"
	"github.com/yingji/yingji/internal/region"
	"github.com/yingji/yingji/internal/store"
)

var testKey = []byte("0123456789abcdef0123456789abcdef")

func openService(t testing.TB, dsn string) (*outbox.Service, *store.DB) {
	ctx := core.WithActor(context.Background(), core.SystemActor)
	db, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	tree, err := region.Baoshan()
	if err != nil {
		t.Fatal(err)
	}
	if n, _, _ := db.LoadDivisions(ctx); len(n) == 0 {
		if _, _, err := db.ImportDivisions(ctx, tree.All(), nil); err != nil {
			t.Fatal(err)
		}
	}
	p, _ := outbox.NewProtector(testKey)
	land, err := outbox.NewLand(tree, outbox.Census2020())
	if err != nil {
		t.Fatal(err)
	}
	return &outbox.Service{Store: db, Protect: p, Land: land}, db
}

// TestMain lets the crash test re-run this binary as the worker process.
func TestMain(m *testing.M) {
	if dsn := os.Getenv("YJ_OUTBOX_CHILD_DB"); dsn != "" {
		svc, _ := openService(&testing.T{}, dsn)
		w := &outbox.Worker{Service: svc, Sender: &channel.WebhookSender{Secret: []byte("k")}, Batch: 40, Concurrency: 8,
			Lease: 2 * time.Second, Idle: 50 * time.Millisecond, Rate: 400, Burst: 40}
		w.Run(context.Background()) // until killed
		return
	}
	os.Exit(m.Run())
}

// peer is a webhook receiver that verifies signatures and counts every
// arrival per idempotency key.
type peer struct {
	mu       sync.Mutex
	byKey    map[string]int
	byRecip  map[int64]map[string]bool
	arrivals int
}

func (p *peer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	if err := channel.Verify([]byte("k"), r.Header, body, time.Now(), 5*time.Minute); err != nil {
		http.Error(w, err.Error(), 401)
		return
	}
	var pl channel.WebhookPayload
	json.Unmarshal(body, &pl)
	p.mu.Lock()
	defer p.mu.Unlock()
	p.arrivals++
	key := r.Header.Get(channel.HeaderIdempotency)
	p.byKey[key]++
	if p.byRecip[pl.RecipientID] == nil {
		p.byRecip[pl.RecipientID] = map[string]bool{}
	}
	p.byRecip[pl.RecipientID][key] = true
	w.WriteHeader(http.StatusNoContent)
}

func (p *peer) count() int { p.mu.Lock(); defer p.mu.Unlock(); return p.arrivals }

// TestCrashRestartDeliversOnce kills the worker process with SIGKILL in
// the middle of a delivery, restarts it, and checks that every recipient
// got the warning, that repeats all carry the key of the first try and
// are no more than the two batches a worker holds unrecorded (one being
// recorded while the next is sent).
func TestCrashRestartDeliversOnce(t *testing.T) {
	const n = 600
	pr := &peer{byKey: map[string]int{}, byRecip: map[int64]map[string]bool{}}
	srv := httptest.NewServer(pr)
	defer srv.Close()
	dsn := filepath.Join(t.TempDir(), "crash.db")
	svc, db := openService(t, dsn)
	ctx := core.WithActor(context.Background(), core.SystemActor)
	var rs []outbox.Recipient
	for i := range n {
		rs = append(rs, outbox.Recipient{Kind: outbox.EnterpriseContact, Name: fmt.Sprintf("企业%d", i), Division: "530502", Webhook: srv.URL + "/hook", Enabled: true})
	}
	if _, err := svc.Import(ctx, rs); err != nil {
		t.Fatal(err)
	}
	tg, err := svc.Enqueue(ctx, outbox.Message{WarningID: 1, Identifier: "crash-1", Level: "red", Headline: "测试", Area: outbox.Area{Divisions: []string{"530502"}}})
	if err != nil || tg.Messages != n {
		t.Fatalf("enqueue %+v %v", tg, err)
	}
	db.Close()

	start := func() *exec.Cmd {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), "YJ_OUTBOX_CHILD_DB="+dsn)
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		return cmd
	}
	child := start()
	deadline := time.Now().Add(30 * time.Second)
	for pr.count() < n/3 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	child.Process.Signal(syscall.SIGKILL)
	child.Wait()
	atKill := pr.count()
	if atKill >= n {
		t.Fatalf("the worker finished before it was killed (%d arrivals)", atKill)
	}
	child = start()
	defer func() { child.Process.Signal(syscall.SIGKILL); child.Wait() }()
	_, db = openService(t, dsn)
	defer db.Close()
	for time.Now().Before(deadline.Add(30 * time.Second)) {
		rows, err := db.OutboxRows(ctx, 1)
		if err != nil {
			t.Fatal(err)
		}
		done := 0
		for _, r := range rows {
			if r.State == outbox.StateDelivered {
				done++
			}
		}
		if done == n {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	rows, _ := db.OutboxRows(ctx, 1)
	pr.mu.Lock()
	defer pr.mu.Unlock()
	dups := 0
	for _, r := range rows {
		if r.State != outbox.StateDelivered {
			t.Fatalf("row %d is %s after restart", r.ID, r.State)
		}
		keys := pr.byRecip[r.RecipientID]
		if len(keys) != 1 || !keys[outbox.IdempotencyKey(r.ID)] {
			t.Fatalf("recipient %d got keys %v", r.RecipientID, keys)
		}
		dups += pr.byKey[outbox.IdempotencyKey(r.ID)] - 1
	}
	if len(pr.byRecip) != n {
		t.Fatalf("%d of %d recipients reached", len(pr.byRecip), n)
	}
	// repeats: only rows of the batches unrecorded at the kill — the one
	// whose outcomes were being written and the one being sent — same key
	if dups > 2*40 {
		t.Fatalf("%d repeats, more than two leased batches (2×40)", dups)
	}
	t.Logf("killed after %d arrivals; %d recipients each reached once by key, %d repeat arrivals (bound 2×40), all with the first try's key", atKill, n, dups)
}

// TestWorkerRetriesAndGivesUp: a peer failing twice then answering is
// delivered on the third try; a refusing peer fails at once with the
// reason; a peer always failing is given up after MaxAttempts.
func TestWorkerRetriesAndGivesUp(t *testing.T) {
	var mu sync.Mutex
	calls := map[string]int{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		calls[r.URL.Path]++
		c := calls[r.URL.Path]
		mu.Unlock()
		switch {
		case r.URL.Path == "/flaky" && c <= 2, r.URL.Path == "/down":
			w.WriteHeader(503)
		case r.URL.Path == "/gone":
			w.WriteHeader(410)
		default:
			w.WriteHeader(200)
		}
	}))
	defer srv.Close()
	svc, db := openService(t, filepath.Join(t.TempDir(), "retry.db"))
	defer db.Close()
	now := time.Date(2026, 11, 28, 8, 0, 0, 0, time.UTC)
	svc.Clock = func() time.Time { return now }
	ctx := core.WithActor(context.Background(), core.SystemActor)
	svc.Import(ctx, []outbox.Recipient{
		{Kind: outbox.Staff, Name: "a", Division: "530502", Webhook: srv.URL + "/flaky", Enabled: true},
		{Kind: outbox.Staff, Name: "b", Division: "530502", Webhook: srv.URL + "/gone", Enabled: true},
		{Kind: outbox.Staff, Name: "c", Division: "530502", Webhook: srv.URL + "/down", Enabled: true},
	})
	if _, err := svc.Enqueue(ctx, outbox.Message{WarningID: 2, Identifier: "r", Area: outbox.Area{Divisions: []string{"530502"}}}); err != nil {
		t.Fatal(err)
	}
	w := &outbox.Worker{Service: svc, Sender: &channel.WebhookSender{Secret: []byte("k")}, MaxAttempts: 4, BaseBackoff: time.Second, MaxBackoff: 8 * time.Second}
	for range 6 {
		w.Once(ctx)
		now = now.Add(10 * time.Second) // past any back-off
	}
	rows, _ := db.OutboxRows(ctx, 1)
	want := map[string]struct {
		state    string
		attempts int
		err      string
	}{"/flaky": {"delivered", 3, ""}, "/gone": {"failed", 1, "webhook refused with 410"}, "/down": {"failed", 4, "gave up after 4 attempts: webhook answered 503"}}
	for i, r := range rows {
		path := []string{"/flaky", "/gone", "/down"}[i]
		wt := want[path]
		if r.State != wt.state || r.Attempts != wt.attempts || (wt.err != "" && r.Error != wt.err) {
			t.Errorf("%s: %s after %d attempts (%q), want %s after %d (%q)", path, r.State, r.Attempts, r.Error, wt.state, wt.attempts, wt.err)
		}
	}
	// back-off: full jitter below base·2^(n-1), capped
	if d := outbox.Backoff(3, time.Second, 8*time.Second, func() float64 { return 0.999 }); d < 3900*time.Millisecond || d > 4*time.Second {
		t.Errorf("backoff(3) = %v", d)
	}
	if d := outbox.Backoff(10, time.Second, 8*time.Second, func() float64 { return 1 }); d != 8*time.Second {
		t.Errorf("backoff cap = %v", d)
	}
}
