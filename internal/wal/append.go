package wal

import (
	"context"
	"encoding/binary"
	"os"
	"path/filepath"
	"time"
)

// batch is a group of records committed with one write and one fsync.
type batch struct {
	buf   []byte // framed records
	fns   []func(LSN, error)
	first LSN
	start time.Time // arrival of the first record, for MaxBatchDelay
	err   error
}

// Append copies rec into the current batch (the caller may reuse rec at
// once) and returns; done is called exactly once when the record is durable
// (err == nil) or can no longer become durable (lsn == 0, err != nil). If
// Append itself returns an error the record was not accepted and done is
// never called.
//
// done runs on the log's single callback goroutine, in LSN order, after the
// fsync that covers the record. It must be cheap and must not block (e.g.
// queue an MQTT PUBACK): the next batch's callbacks wait for it, and while
// they wait the writer gets at most two batches ahead, then stops. done may
// be nil.
//
// ctx is consulted only while Append blocks because MaxPending bytes await
// fsync; a record accepted before ctx is done is written regardless.
//
// A failed write or fsync fails the log for good: the page cache can no
// longer be trusted to match the disk, so every later Append returns the
// error and the platform must restart and Open the log again.
func (l *Log) Append(ctx context.Context, rec []byte, done func(lsn LSN, err error)) error {
	if len(rec) > MaxRecordBytes {
		return ErrRecordTooLarge
	}
	n := int64(frameHeaderSize + len(rec))
	l.mu.Lock()
	blocked := false
	for {
		if l.closing {
			l.mu.Unlock()
			return ErrClosed
		}
		if l.err != nil {
			err := l.err
			l.mu.Unlock()
			return err
		}
		// A record bigger than MaxPending is let through alone, or it
		// could never be written.
		if l.stats.PendingBytes == 0 || l.stats.PendingBytes+n <= l.opts.MaxPending {
			break
		}
		if !blocked {
			blocked = true
			l.stats.BlockedAppends++
		}
		ch := l.space
		l.waiters++
		l.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			l.mu.Lock()
			l.waiters--
			l.mu.Unlock()
			return ctx.Err()
		}
		l.mu.Lock()
		l.waiters--
	}
	b := l.cur
	first := len(b.fns) == 0
	if first {
		b.first, b.start = l.next, time.Now()
	}
	b.buf = appendFrame(b.buf, l.next, rec)
	b.fns = append(b.fns, done)
	l.next++
	l.stats.PendingBytes += n
	l.stats.AppendedRecords++
	l.stats.AppendedBytes += uint64(n)
	// Wake the writer only on the two changes it waits for, so that a busy
	// log does not pay a channel operation per record.
	full := len(b.buf) >= l.flushSize && len(b.buf)-int(n) < l.flushSize
	l.mu.Unlock()
	if first || full {
		l.signal()
	}
	return nil
}

// AppendSync appends rec and waits until it is durable. If ctx ends first
// it returns ctx.Err(), but the record may still be written and replayed.
func (l *Log) AppendSync(ctx context.Context, rec []byte) (LSN, error) {
	type result struct {
		lsn LSN
		err error
	}
	ch := make(chan result, 1)
	err := l.Append(ctx, rec, func(lsn LSN, err error) { ch <- result{lsn, err} })
	if err != nil {
		return 0, err
	}
	select {
	case r := <-ch:
		return r.lsn, r.err
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

func (l *Log) signal() {
	select {
	case l.wake <- struct{}{}:
	default:
	}
}

// newBatch returns an empty batch with room for about as much as the last
// one held: under load batches reach megabytes, and growing each one by
// doubling from a small buffer would cost more than writing it.
func (l *Log) newBatch(bytes, records int) *batch {
	select {
	case b := <-l.free:
		if cap(b.buf) >= bytes && cap(b.fns) >= records {
			return b
		}
	default:
	}
	return &batch{buf: make([]byte, 0, max(bytes+bytes/4, 64<<10)), fns: make([]func(LSN, error), 0, records+records/4)}
}

// writer is the only goroutine that writes segment files.
func (l *Log) writer() {
	defer l.wg.Done()
	defer close(l.done)
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		b := l.nextBatch(timer)
		if b == nil {
			return
		}
		var writes, syncs uint64
		if b.err == nil {
			writes, syncs, b.err = l.commit(b)
		}
		l.mu.Lock()
		if b.err != nil && l.err == nil {
			l.err = b.err
		}
		if b.err == nil {
			l.synced = b.first + LSN(len(b.fns)) - 1
			l.stats.SyncedRecords += uint64(len(b.fns))
			l.stats.SyncedBytes += uint64(len(b.buf))
		}
		l.stats.Batches += writes
		l.stats.Fsyncs += syncs
		l.stats.PendingBytes -= int64(len(b.buf))
		if l.waiters > 0 {
			close(l.space)
			l.space = make(chan struct{})
		}
		l.mu.Unlock()
		l.done <- b
	}
}

// nextBatch waits until the current batch should be committed and swaps in
// an empty one. It returns nil once the log is closing and drained.
func (l *Log) nextBatch(timer *time.Timer) *batch {
	l.mu.Lock()
	for {
		b := l.cur
		if len(b.fns) > 0 {
			if l.closing || l.err != nil || l.opts.MaxBatchDelay < 0 || len(b.buf) >= l.flushSize {
				break
			}
			wait := time.Until(b.start.Add(l.opts.MaxBatchDelay))
			if wait <= 0 {
				break
			}
			l.mu.Unlock()
			timer.Reset(wait)
			select {
			case <-timer.C:
			case <-l.wake:
				timer.Stop()
			}
			l.mu.Lock()
			continue
		}
		if l.closing {
			l.mu.Unlock()
			return nil
		}
		l.mu.Unlock()
		<-l.wake
		l.mu.Lock()
	}
	b := l.cur
	l.cur = l.newBatch(len(b.buf), len(b.fns))
	b.err = l.err
	l.mu.Unlock()
	return b
}

// commit writes b in chunks of whole records, each at most maxSyncBytes
// and fitting the current segment, and fsyncs after each chunk. Chunking
// keeps the on-disk invariant that lets Open bound a torn tail.
func (l *Log) commit(b *batch) (writes, syncs uint64, err error) {
	buf := b.buf
	lsn := b.first
	for len(buf) > 0 {
		room := l.opts.SegmentBytes - l.fileSize
		n, count := 0, LSN(0)
		for n < len(buf) {
			size := frameHeaderSize + int(binary.LittleEndian.Uint32(buf[n+4:]))
			if count > 0 && (n+size > maxSyncBytes || int64(n+size) > room) {
				break
			}
			n += size
			count++
		}
		if int64(n) > room && l.fileSize > segHeaderSize {
			if err := l.f.Close(); err != nil {
				return writes, syncs, err
			}
			if err := l.createSegment(lsn); err != nil {
				return writes, syncs, err
			}
			if !l.opts.NoSync {
				syncs += 2
			}
			continue
		}
		if _, err := l.f.Write(buf[:n]); err != nil {
			return writes, syncs, err
		}
		writes++
		l.fileSize += int64(n)
		if !l.opts.NoSync {
			if err := l.f.Sync(); err != nil {
				return writes, syncs, err
			}
			syncs++
		}
		buf, lsn = buf[n:], lsn+count
	}
	return writes, syncs, nil
}

// callbacks runs done functions in LSN order, off the writer goroutine so
// the next write and fsync overlap with them.
func (l *Log) callbacks() {
	defer l.wg.Done()
	for b := range l.done {
		for i, fn := range b.fns {
			if fn == nil {
				continue
			}
			if b.err != nil {
				fn(0, b.err)
			} else {
				fn(b.first+LSN(i), nil)
			}
		}
		// Reuse buffers up to what a busy log needs, so that a full batch
		// is not grown from scratch each time, but let a burst's larger
		// ones go rather than keep them for good.
		if cap(b.buf) > 2*l.flushSize {
			continue
		}
		clear(b.fns)
		b.buf, b.fns, b.err = b.buf[:0], b.fns[:0], nil
		select {
		case l.free <- b:
		default:
		}
	}
}

// createSegment starts the segment whose first record is first and makes
// it the one appended to. The header and the directory entry are synced
// before any record goes in, so a crash cannot lose a segment that holds
// acknowledged records.
func (l *Log) createSegment(first LSN) error {
	path := filepath.Join(l.dir, segmentName(first))
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	_, err = f.Write(encodeHeader(first))
	if err == nil && !l.opts.NoSync {
		err = f.Sync()
	}
	if err == nil && !l.opts.NoSync {
		err = syncDir(l.dir)
	}
	if err != nil {
		f.Close()
		return err
	}
	l.mu.Lock()
	l.segs = append(l.segs, segment{first: first, path: path})
	l.mu.Unlock()
	l.f, l.fileSize = f, segHeaderSize
	return nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}
