package channel_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/yingji/yingji/internal/core"
	"github.com/yingji/yingji/internal/outbox"
	"github.com/yingji/yingji/internal/outbox/channel"
)

type smscMessage struct {
	ID, Source, Dest, Text string
	DataCoding             int `json:"data_coding"`
	RegisteredDelivery     int `json:"registered_delivery"`
}

// startSMSC runs the SMPP server of testdata/smpp-peer (node-smpp, a
// separate SMPP implementation) and returns its address and what it got.
func startSMSC(t *testing.T) (string, func() []smscMessage) {
	dir, _ := filepath.Abs("testdata/smpp-peer")
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "smpp")); err != nil {
		t.Fatalf("the SMPP tests need node and the npm package smpp: run `npm ci` in %s (%v)", dir, err)
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
	var mu sync.Mutex
	var got []smscMessage
	go func() {
		for sc.Scan() {
			var m smscMessage
			if json.Unmarshal(sc.Bytes(), &m) == nil {
				mu.Lock()
				got = append(got, m)
				mu.Unlock()
			}
		}
	}()
	return addr, func() []smscMessage { mu.Lock(); defer mu.Unlock(); return append([]smscMessage(nil), got...) }
}

func TestSMPP(t *testing.T) {
	addr, got := startSMSC(t)
	var mu sync.Mutex
	receipts := map[string]bool{}
	s := &channel.SMPPSender{Addr: addr, SystemID: "yingji", Password: "secret", SourceAddr: "12379", Sign: "【保山应急】",
		Receipt: func(ref string, delivered bool, reason string) error {
			mu.Lock()
			defer mu.Unlock()
			receipts[ref] = delivered
			return nil
		}}
	defer s.Close()
	ctx := context.Background()
	_, ref, err := s.Send(ctx, msg, outbox.Contact{Phone: "13700001111"}, "yj-1")
	if err != nil || ref == "" {
		t.Fatalf("submit: %q %v", ref, err)
	}
	long := *msg
	long.Instruction = strings.Repeat("请立即转移到安全地带。", 12)
	_, ref2, err := s.Send(ctx, &long, outbox.Contact{Phone: "13800000000"}, "yj-2")
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = s.Send(ctx, msg, outbox.Contact{Phone: "13900000000"}, "yj-3")
	var perm *outbox.Permanent
	if !errors.As(err, &perm) {
		t.Fatalf("invalid destination should be permanent: %v", err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		mu.Lock()
		n := len(receipts)
		mu.Unlock()
		if n == 2 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	mu.Lock()
	if d, ok := receipts[ref]; !ok || !d {
		t.Errorf("receipt for %s: %v %v", ref, d, ok)
	}
	if d, ok := receipts[ref2]; !ok || d {
		t.Errorf("UNDELIV receipt for %s: %v %v", ref2, d, ok)
	}
	mu.Unlock()
	ms := got()
	if len(ms) != 3 || ms[0].Dest != "13700001111" || ms[0].Source != "12379" || ms[0].DataCoding != 8 || ms[0].RegisteredDelivery != 1 ||
		ms[0].Text != "【保山应急】橙色预警 保山市气象台发布暴雨橙色预警。请远离河道和地质灾害隐患点。" {
		t.Fatalf("the SMSC got %+v", ms)
	}
	if ms[1].Text != "【保山应急】"+channel.Subject(&long)+"。"+long.Instruction {
		t.Fatalf("long text (message_payload) arrived as %q", ms[1].Text)
	}
	bad := &channel.SMPPSender{Addr: addr, SystemID: "yingji", Password: "wrong"}
	if _, _, err := bad.Send(ctx, msg, outbox.Contact{Phone: "13700001111"}, "yj-4"); !errors.As(err, &perm) {
		t.Fatalf("wrong password: %v", err)
	}
}

// Through the outbox: the worker submits, the receipt arrives before the
// row's reference is stored and is placed once it is.
func TestSMPPThroughOutbox(t *testing.T) {
	addr, _ := startSMSC(t)
	svc, db := openService(t, filepath.Join(t.TempDir(), "smpp.db"))
	defer db.Close()
	ctx := core.WithActor(context.Background(), core.SystemActor)
	if _, err := svc.Import(ctx, []outbox.Recipient{
		{Kind: outbox.Public, Name: "甲", Division: "530502", Phone: "13700001111", Enabled: true},
		{Kind: outbox.Public, Name: "乙", Division: "530502", Phone: "13800000000", Enabled: true},
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Enqueue(ctx, outbox.Message{WarningID: 5, Identifier: "s", Level: "orange", Headline: "暴雨", Area: outbox.Area{Divisions: []string{"530502"}}}); err != nil {
		t.Fatal(err)
	}
	s := &channel.SMPPSender{Addr: addr, SystemID: "yingji", Password: "secret", SourceAddr: "12379",
		Receipt: func(ref string, ok bool, reason string) error { return svc.Receipt(ctx, outbox.SMS, ref, ok, reason) }}
	defer s.Close()
	w := &outbox.Worker{Service: svc, Sender: s}
	if n, err := w.Once(ctx); err != nil || n != 2 {
		t.Fatalf("worker: %d %v", n, err)
	}
	// the receipts come after the submit_sm_resp, possibly before the
	// worker has stored the references; they are placed when they can be
	var st outbox.Stats
	var err error
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if st, err = svc.Stats(ctx, 5); err != nil {
			t.Fatal(err)
		}
		if len(st.Channels) == 1 && st.Channels[0].Sent == 0 && s.PendingReceipts() == 0 {
			break
		}
	}
	if len(st.Channels) != 1 || st.Channels[0].Delivered != 1 || st.Channels[0].Failed != 1 || st.PeopleReached != 1 {
		t.Fatalf("stats %+v", st)
	}
	rows, _ := db.OutboxRows(ctx, 1)
	for _, r := range rows {
		if r.State == outbox.StateFailed && !strings.Contains(r.Error, "UNDELIV") {
			t.Errorf("failure reason %q", r.Error)
		}
	}
}
