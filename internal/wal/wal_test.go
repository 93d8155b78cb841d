package wal

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"testing"
)

// payload is the deterministic content of the i-th test record; sizes vary
// so that frames do not line up with segment boundaries.
func payload(i int) []byte {
	return fmt.Appendf(nil, "rec-%06d-%s", i, bytes.Repeat([]byte{'a' + byte(i%26)}, i%97))
}

func mustOpen(t testing.TB, dir string, opts Options) *Log {
	t.Helper()
	l, err := Open(dir, opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return l
}

// appendAll appends payload(from)…payload(to-1) and waits for all of them.
func appendAll(t testing.TB, l *Log, from, to int) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, 1)
	for i := from; i < to; i++ {
		wg.Add(1)
		err := l.Append(context.Background(), payload(i), func(_ LSN, err error) {
			if err != nil {
				select {
				case errs <- err:
				default:
				}
			}
			wg.Done()
		})
		if err != nil {
			t.Fatalf("Append %d: %v", i, err)
		}
	}
	wg.Wait()
	select {
	case err := <-errs:
		t.Fatalf("done: %v", err)
	default:
	}
}

type replayed struct {
	lsns []LSN
	recs [][]byte
}

func replayAll(t testing.TB, l *Log, from LSN) replayed {
	t.Helper()
	var r replayed
	err := l.Replay(from, func(lsn LSN, rec []byte) error {
		r.lsns = append(r.lsns, lsn)
		r.recs = append(r.recs, bytes.Clone(rec))
		return nil
	})
	if err != nil {
		t.Fatalf("Replay(%d): %v", from, err)
	}
	return r
}

// checkRange asserts that r holds exactly LSNs lo…hi with payload(lsn-1),
// which is what appendAll starting at 0 produces on a fresh log.
func checkRange(t testing.TB, r replayed, lo, hi LSN) {
	t.Helper()
	if want := int(hi - lo + 1); len(r.lsns) != want {
		t.Fatalf("replayed %d records, want %d (LSN %d…%d)", len(r.lsns), want, lo, hi)
	}
	for i, lsn := range r.lsns {
		if lsn != lo+LSN(i) {
			t.Fatalf("record %d has LSN %d, want %d", i, lsn, lo+LSN(i))
		}
		if want := payload(int(lsn) - 1); !bytes.Equal(r.recs[i], want) {
			t.Fatalf("LSN %d: got %q, want %q", lsn, r.recs[i], want)
		}
	}
}

func TestRoundTripAcrossSegments(t *testing.T) {
	dir := t.TempDir()
	opts := Options{SegmentBytes: 4096, NoSync: true}
	l := mustOpen(t, dir, opts)
	appendAll(t, l, 0, 1000)
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	segs, err := listSegments(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(segs) < 10 {
		t.Fatalf("%d segments, want rotation into at least 10", len(segs))
	}
	for _, s := range segs {
		if st, _ := os.Stat(s.path); st.Size() > opts.SegmentBytes {
			t.Errorf("%s is %d bytes, over SegmentBytes", s.path, st.Size())
		}
	}

	l = mustOpen(t, dir, opts)
	defer l.Close()
	checkRange(t, replayAll(t, l, 0), 1, 1000)
	checkRange(t, replayAll(t, l, 777), 777, 1000)
	// The file name of every segment must be the LSN of its first record,
	// since Replay seeks by name.
	for _, s := range segs {
		var first LSN
		_ = l.Replay(s.first, func(lsn LSN, _ []byte) error { first = lsn; return errStop })
		if first != s.first {
			t.Errorf("segment %s: first record has LSN %d", s.path, first)
		}
	}
	lsn, err := l.AppendSync(context.Background(), payload(1000))
	if err != nil || lsn != 1001 {
		t.Fatalf("AppendSync after reopen = %d, %v; want 1001", lsn, err)
	}
	checkRange(t, replayAll(t, l, 1000), 1000, 1001)
}

var errStop = errors.New("stop")

func TestCheckpoint(t *testing.T) {
	dir := t.TempDir()
	opts := Options{SegmentBytes: 4096, NoSync: true}
	l := mustOpen(t, dir, opts)
	appendAll(t, l, 0, 1000)
	before, _ := listSegments(dir)
	if err := l.Checkpoint(1001); err == nil {
		t.Fatal("Checkpoint beyond the last durable record succeeded")
	}
	if err := l.Checkpoint(600); err != nil {
		t.Fatal(err)
	}
	after, _ := listSegments(dir)
	if len(after) >= len(before) {
		t.Fatalf("Checkpoint deleted nothing (%d segments before, %d after)", len(before), len(after))
	}
	// Only whole segments at or below the checkpoint may go: the oldest
	// survivor must still hold record 601, and nothing older may remain.
	if after[0].first > 601 || len(after) > 1 && after[1].first <= 601 {
		t.Fatalf("after Checkpoint(600) the oldest segments start at %d, %d", after[0].first, after[1].first)
	}
	checkRange(t, replayAll(t, l, 0), 601, 1000)
	checkRange(t, replayAll(t, l, 900), 900, 1000)
	if err := l.Checkpoint(500); err != nil {
		t.Fatalf("lower checkpoint: %v", err)
	}

	// At a boundary: the segment holding upTo+1 must stay until the
	// checkpoint covers its last record, then go.
	prev, mid := after[len(after)/2-1], after[len(after)/2]
	for _, step := range []struct {
		upTo   LSN
		oldest LSN
	}{{mid.first - 2, prev.first}, {mid.first - 1, mid.first}} {
		if err := l.Checkpoint(step.upTo); err != nil {
			t.Fatal(err)
		}
		if segs, _ := listSegments(dir); segs[0].first != step.oldest {
			t.Fatalf("after Checkpoint(%d) the oldest segment starts at %d, want %d", step.upTo, segs[0].first, step.oldest)
		}
		checkRange(t, replayAll(t, l, 0), step.upTo+1, 1000)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}

	l = mustOpen(t, dir, opts)
	if got := l.Stats().CheckpointLSN; got != mid.first-1 {
		t.Fatalf("checkpoint after reopen = %d, want %d", got, mid.first-1)
	}
	checkRange(t, replayAll(t, l, 0), mid.first, 1000)
	// Checkpointing everything must keep the active segment and the LSN
	// sequence.
	if err := l.Checkpoint(1000); err != nil {
		t.Fatal(err)
	}
	if segs, _ := listSegments(dir); len(segs) != 1 {
		t.Fatalf("%d segments after checkpointing everything, want the active one", len(segs))
	}
	if r := replayAll(t, l, 0); len(r.lsns) != 0 {
		t.Fatalf("replayed %d records after a full checkpoint", len(r.lsns))
	}
	appendAll(t, l, 1000, 1010)
	l.Close()
	l = mustOpen(t, dir, opts)
	defer l.Close()
	checkRange(t, replayAll(t, l, 0), 1001, 1010)
}

func TestConcurrentAppenders(t *testing.T) {
	dir := t.TempDir()
	l := mustOpen(t, dir, Options{SegmentBytes: 64 << 10}) // real fsync: group commit
	const writers, each = 16, 300
	var mu sync.Mutex
	var last LSN
	byLSN := map[LSN]string{}
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			var mine sync.WaitGroup
			for i := range each {
				rec := fmt.Sprintf("w%02d-%04d", w, i)
				mine.Add(1)
				err := l.Append(context.Background(), []byte(rec), func(lsn LSN, err error) {
					mu.Lock()
					defer mu.Unlock()
					if err != nil || lsn != last+1 {
						t.Errorf("done(%d, %v) after %d", lsn, err, last)
					}
					last = lsn
					byLSN[lsn] = rec
					mine.Done()
				})
				if err != nil {
					t.Error(err)
					mine.Done()
				}
			}
			mine.Wait()
		})
	}
	wg.Wait()
	st := l.Stats()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if st.SyncedRecords != writers*each || st.Fsyncs >= writers*each {
		t.Fatalf("%d records synced with %d fsyncs: no group commit", st.SyncedRecords, st.Fsyncs)
	}

	l = mustOpen(t, dir, Options{})
	defer l.Close()
	seen := map[string]bool{}
	err := l.Replay(0, func(lsn LSN, rec []byte) error {
		if byLSN[lsn] != string(rec) || seen[string(rec)] {
			return fmt.Errorf("LSN %d: %q (acknowledged as %q, seen before: %v)", lsn, rec, byLSN[lsn], seen[string(rec)])
		}
		seen[string(rec)] = true
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(seen) != writers*each {
		t.Fatalf("replayed %d records, want %d", len(seen), writers*each)
	}
}

func TestBackPressure(t *testing.T) {
	l := mustOpen(t, t.TempDir(), Options{NoSync: true, MaxPending: 4096, MaxBatchDelay: -1})
	// A callback that does not return stalls the callback goroutine, then
	// the writer, so pending bytes can only grow until Append blocks.
	release := make(chan struct{})
	if err := l.Append(context.Background(), payload(0), func(LSN, error) { <-release }); err != nil {
		t.Fatal(err)
	}
	expired, cancel := context.WithCancel(context.Background())
	cancel()
	var accepted int
	var err error
	for accepted = 0; accepted < 10000; accepted++ {
		if err = l.Append(expired, payload(1), nil); err != nil {
			break
		}
	}
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("after %d appends with a stalled writer: err = %v, want context.Canceled", accepted, err)
	}
	if st := l.Stats(); st.PendingBytes > 4096 || st.BlockedAppends != 1 {
		t.Fatalf("pending %d bytes, %d blocked appends", st.PendingBytes, st.BlockedAppends)
	}
	got := make(chan error, 1)
	go func() { _, err := l.AppendSync(context.Background(), payload(2)); got <- err }()
	close(release)
	if err := <-got; err != nil {
		t.Fatalf("blocked AppendSync after release: %v", err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if err := l.Append(context.Background(), payload(3), nil); !errors.Is(err, ErrClosed) {
		t.Fatalf("Append after Close: %v", err)
	}
}

func TestCloseFlushesWaitingBatch(t *testing.T) {
	dir := t.TempDir()
	// With an hour of batching delay only Close can write the records.
	l := mustOpen(t, dir, Options{MaxBatchDelay: 1 << 62})
	var acked int
	for i := range 50 {
		err := l.Append(context.Background(), payload(i), func(_ LSN, err error) {
			if err == nil {
				acked++ // callbacks run on one goroutine
			}
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Append(context.Background(), make([]byte, MaxRecordBytes+1), nil); !errors.Is(err, ErrRecordTooLarge) {
		t.Fatalf("oversized record: %v", err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if acked != 50 {
		t.Fatalf("%d callbacks succeeded by Close, want 50", acked)
	}
	l = mustOpen(t, dir, Options{})
	defer l.Close()
	checkRange(t, replayAll(t, l, 0), 1, 50)
}
