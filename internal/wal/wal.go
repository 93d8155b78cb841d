// Package wal is the append journal in front of the time-series store.
//
// A reading is acknowledged (MQTT PUBACK, HTTP 2xx) only once its record is
// in this journal and fsynced, so it survives kill -9 and power loss. The
// store later seals readings into per-minute chunks and calls Checkpoint, so
// the journal only holds the last minutes and start-up replay stays short.
//
// fsync costs about 340 µs on the target disk while the platform must take
// 50,000 messages a second, so every record cannot have its own fsync: a
// single writer goroutine commits records in groups. Records arriving while
// one fsync runs gather in memory for the next, and MaxBatchDelay lets a
// batch grow a little longer so that the number of fsyncs a second (and the
// CPU spent on them) stays bounded at any load.
//
// On disk the journal is a directory of segment files named by the LSN of
// their first record, plus a "checkpoint" file. The writer never puts more
// than maxSyncBytes on disk beyond the last fsync, which is what lets Open
// tell a torn tail (truncated and counted) from corruption of data that had
// been acknowledged (an error naming segment and offset).
package wal

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// LSN is a log sequence number: records are numbered 1, 2, 3, … without gaps
// across segments and restarts. Zero means "no record".
type LSN uint64

// Defaults applied by Open to zero Options fields.
const (
	DefaultSegmentBytes  = 64 << 20
	DefaultMaxBatchDelay = time.Millisecond
	DefaultMaxPending    = 16 << 20
)

// MaxRecordBytes is the largest payload Append accepts. It is well below
// maxSyncBytes so that a single record always fits in one bounded write.
const MaxRecordBytes = 1 << 20

var (
	// ErrClosed is returned by Append and Checkpoint after Close.
	ErrClosed = errors.New("wal: log closed")
	// ErrRecordTooLarge is returned by Append for records over
	// MaxRecordBytes; split such input into several records.
	ErrRecordTooLarge = fmt.Errorf("wal: record larger than %d bytes", MaxRecordBytes)
)

// Options tunes a Log. The zero value gives the defaults above.
type Options struct {
	// SegmentBytes caps a segment: the writer starts a new one rather than
	// let a write take the current one past it (a record larger than that
	// gets a segment of its own). Smaller segments let Checkpoint free
	// space sooner; larger ones mean fewer files and rotations.
	SegmentBytes int64
	// MaxBatchDelay is how long the writer lets the oldest waiting record
	// wait for company before it writes and fsyncs the batch; negative
	// means no extra wait, so batches form only while the previous fsync
	// runs. Each fsync costs about 100 µs of CPU on the target machines,
	// and the default 1 ms keeps them to about one a millisecond however
	// records arrive (BenchmarkAppendPaced: a third fewer fsyncs than -1
	// at 50,000 records/s in 1 ms bursts, more with smoother arrivals),
	// for about 1 ms more latency. Callers that wait for each record with
	// N in flight get at most N / (delay + fsync) records/s and may prefer
	// -1. Go timers round waits below 1 ms up to about 1 ms.
	MaxBatchDelay time.Duration
	// NoSync skips fsync. Only for tests and benchmarks: acknowledged
	// records survive kill -9 (they are in the page cache) but not power loss.
	NoSync bool
	// MaxPending bounds the bytes accepted but not yet fsynced. Append
	// blocks while it is reached, which is how a slow disk slows down
	// QoS 1 publishers instead of growing memory.
	MaxPending int64
}

func (o *Options) fill() {
	if o.SegmentBytes <= 0 {
		o.SegmentBytes = DefaultSegmentBytes
	}
	if o.MaxBatchDelay == 0 {
		o.MaxBatchDelay = DefaultMaxBatchDelay
	}
	if o.MaxPending <= 0 {
		o.MaxPending = DefaultMaxPending
	}
}

// CorruptionError reports a record or segment header that fails its checks
// where a crash cannot explain it: in a segment other than the last, or in
// the last one further from its end than a torn write can reach.
type CorruptionError struct {
	Segment string // file path
	Offset  int64  // byte offset of the first bad frame or header
	Reason  string
}

// Error names the segment and offset, which is what an operator needs to
// inspect or move the damaged file.
func (e *CorruptionError) Error() string {
	return fmt.Sprintf("wal: corrupt segment %s at offset %d: %s", e.Segment, e.Offset, e.Reason)
}

// Stats are counters for Prometheus, cumulative since Open.
type Stats struct {
	// AppendedRecords and AppendedBytes count accepted records; bytes are
	// framed, header included, so they match what reaches the disk.
	AppendedRecords uint64
	AppendedBytes   uint64
	// SyncedRecords and SyncedBytes count records covered by an fsync.
	SyncedRecords uint64
	SyncedBytes   uint64
	// Batches counts write calls and Fsyncs fsync calls (segment creation
	// included); SyncedRecords/Fsyncs is the group-commit factor.
	Batches uint64
	Fsyncs  uint64
	// PendingBytes are accepted but not yet fsynced; at MaxPending, Append
	// blocks.
	PendingBytes int64
	// BlockedAppends counts Append calls that had to wait for MaxPending:
	// the disk was the bottleneck.
	BlockedAppends uint64
	// TruncatedBytes and TruncatedSegment describe the torn tail removed
	// by Open, if any.
	TruncatedBytes   int64
	TruncatedSegment string
	// Segments is the number of segment files, the active one included.
	Segments int
	// LastLSN was assigned last, SyncedLSN is the last durable record and
	// CheckpointLSN the last one the store declared safe.
	LastLSN       LSN
	SyncedLSN     LSN
	CheckpointLSN LSN
}

type segment struct {
	first LSN
	path  string
}

// Log is an open journal. Its methods are safe for concurrent use.
type Log struct {
	dir  string
	opts Options

	mu        sync.Mutex
	cur       *batch // gathering records, owned by mu
	next      LSN    // next LSN to assign
	synced    LSN
	ckpt      LSN
	segs      []segment // the last one is being appended to
	err       error     // sticky write/fsync failure
	closing   bool
	space     chan struct{} // closed when pending bytes drop
	waiters   int           // Appends blocked on space
	stats     Stats
	flushSize int // a batch this large is written without waiting

	wake     chan struct{} // cap 1: writer has something to look at
	done     chan *batch   // written batches, to the callback goroutine
	free     chan *batch
	wg       sync.WaitGroup
	closeErr error
	once     sync.Once

	// Owned by the writer goroutine.
	f        *os.File
	fileSize int64

	// replayMu keeps Checkpoint from deleting segments Replay is reading.
	replayMu sync.RWMutex
}

// Open opens or creates the journal in dir. A torn tail left by a crash in
// the last segment is truncated (see Stats.TruncatedBytes); any other damage
// is returned as a *CorruptionError and nothing is modified.
func Open(dir string, opts Options) (*Log, error) {
	opts.fill()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	_ = os.Remove(filepath.Join(dir, checkpointFile+".tmp"))
	ckpt, err := readCheckpoint(dir)
	if err != nil {
		return nil, err
	}
	segs, err := listSegments(dir)
	if err != nil {
		return nil, err
	}
	l := &Log{dir: dir, opts: opts, ckpt: ckpt, segs: segs,
		space: make(chan struct{}), wake: make(chan struct{}, 1),
		done: make(chan *batch, 1), free: make(chan *batch, 4)}
	l.flushSize = int(min(opts.MaxPending/2, maxSyncBytes))
	if len(segs) == 0 {
		if err := l.createSegment(ckpt + 1); err != nil {
			return nil, err
		}
		l.next = ckpt + 1
	} else {
		if err := l.recoverLast(); err != nil {
			return nil, err
		}
	}
	l.synced = l.next - 1
	if ckpt > l.synced {
		l.f.Close()
		return nil, fmt.Errorf("wal: checkpoint %d is beyond the last record %d in %s", ckpt, l.synced, dir)
	}
	l.cur = l.newBatch(0, 0)
	l.wg.Add(2)
	go l.writer()
	go l.callbacks()
	return l, nil
}

// recoverLast checks every segment header, scans the last segment to find
// the next LSN and truncates a torn tail, then opens it for appending.
func (l *Log) recoverLast() error {
	for _, s := range l.segs[:len(l.segs)-1] {
		if err := checkHeader(s); err != nil {
			return err
		}
	}
	last := l.segs[len(l.segs)-1]
	end, next, tornBytes, err := scanLast(last)
	if err != nil {
		return err
	}
	f, err := os.OpenFile(last.path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	if tornBytes > 0 || end == 0 {
		if tornBytes > 0 {
			l.stats.TruncatedBytes, l.stats.TruncatedSegment = tornBytes, last.path
		}
		err = f.Truncate(end)
		if err == nil && end == 0 {
			_, err = f.Write(encodeHeader(last.first))
			end = segHeaderSize
		}
		if err == nil && !l.opts.NoSync {
			err = f.Sync()
		}
		if err != nil {
			f.Close()
			return fmt.Errorf("wal: truncating torn tail of %s: %w", last.path, err)
		}
	}
	if _, err := f.Seek(end, 0); err != nil {
		f.Close()
		return err
	}
	l.f, l.fileSize, l.next = f, end, next
	return nil
}

// Stats returns a snapshot of the counters.
func (l *Log) Stats() Stats {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := l.stats
	s.Segments = len(l.segs)
	s.LastLSN, s.SyncedLSN, s.CheckpointLSN = l.next-1, l.synced, l.ckpt
	return s
}

// Close writes and fsyncs every accepted record, runs their callbacks and
// closes the files. Appends blocked on MaxPending fail with ErrClosed. It
// must not be called from a done callback, which Close waits for.
func (l *Log) Close() error {
	l.once.Do(func() {
		l.mu.Lock()
		l.closing = true
		close(l.space)
		l.space = make(chan struct{})
		l.mu.Unlock()
		l.signal()
		l.wg.Wait()
		l.mu.Lock()
		l.closeErr = l.err
		l.mu.Unlock()
		if err := l.f.Close(); err != nil && l.closeErr == nil {
			l.closeErr = err
		}
	})
	return l.closeErr
}
