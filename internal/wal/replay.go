package wal

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"slices"
)

const checkpointFile = "checkpoint"

// Replay calls fn for every durable record with LSN ≥ from and above the
// checkpoint, in LSN order. Records already covered by Checkpoint are
// skipped even if their segment still exists, because the store has them.
// rec is only valid during the call. A record that fails its checks stops
// replay with a *CorruptionError; an error from fn stops it and is
// returned as is.
//
// Replay reads what was durable when it was called, so it can run while
// appends continue, but it is meant for start-up, before the first Append.
func (l *Log) Replay(from LSN, fn func(lsn LSN, rec []byte) error) error {
	l.replayMu.RLock()
	defer l.replayMu.RUnlock()
	l.mu.Lock()
	segs := slices.Clone(l.segs)
	end, start := l.synced, max(from, l.ckpt+1)
	l.mu.Unlock()
	if start > end {
		return nil
	}
	i := 0
	for i+1 < len(segs) && segs[i+1].first <= start {
		i++
	}
	want := segs[i].first
	if want > start {
		return &CorruptionError{Segment: segs[i].path, Reason: fmt.Sprintf(
			"records %d to %d are missing: the oldest segment starts at %d", start, want-1, want)}
	}
	for ; i < len(segs) && want <= end; i++ {
		if segs[i].first != want {
			return &CorruptionError{Segment: segs[i].path, Reason: fmt.Sprintf(
				"segment starts at LSN %d but the previous one ended before %d", segs[i].first, want)}
		}
		var err error
		if want, err = replaySegment(segs[i], start, end, fn); err != nil {
			return err
		}
	}
	if want <= end {
		return fmt.Errorf("wal: records %d to %d are missing from %s", want, end, l.dir)
	}
	return nil
}

// replaySegment reads s up to LSN end and returns the LSN after its last
// record. Every frame is checked, also those below start, since a damaged
// frame would make the rest of the segment unreadable anyway.
func replaySegment(s segment, start, end LSN, fn func(LSN, []byte) error) (LSN, error) {
	f, err := os.Open(s.path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	fr, _, err := newFrameReader(f)
	if err != nil {
		return 0, err
	}
	h := make([]byte, segHeaderSize)
	if _, err := io.ReadFull(fr.r, h); errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return 0, &CorruptionError{Segment: s.path, Reason: "short segment header"}
	} else if err != nil {
		return 0, fmt.Errorf("wal: reading %s: %w", s.path, err)
	}
	if p := headerProblem(h, s.first); p != "" {
		return 0, &CorruptionError{Segment: s.path, Reason: p}
	}
	want := s.first
	for ; want <= end; want++ {
		rec, err := fr.next(want)
		if err == io.EOF {
			return want, nil
		}
		var bad *badFrame
		if errors.As(err, &bad) {
			return 0, &CorruptionError{Segment: s.path, Offset: bad.off, Reason: bad.reason}
		}
		if err != nil {
			return 0, fmt.Errorf("wal: reading %s: %w", s.path, err)
		}
		if want >= start {
			if err := fn(want, rec); err != nil {
				return 0, err
			}
		}
	}
	return want, nil
}

// Checkpoint records that every record ≤ upTo is stored elsewhere. The
// checkpoint is made durable first; then the segments whose records are
// all ≤ upTo are deleted, except the one being appended to. A crash in
// between only leaves segments that replay skips and the next checkpoint
// deletes. upTo must be durable (acknowledged); a lower checkpoint than the
// current one is ignored.
func (l *Log) Checkpoint(upTo LSN) error {
	l.replayMu.Lock()
	defer l.replayMu.Unlock()
	l.mu.Lock()
	closing, synced, ckpt := l.closing, l.synced, l.ckpt
	l.mu.Unlock()
	switch {
	case closing:
		return ErrClosed
	case upTo > synced:
		return fmt.Errorf("wal: checkpoint %d is beyond the last durable record %d", upTo, synced)
	case upTo <= ckpt:
		return nil
	}
	if err := writeCheckpoint(l.dir, upTo, !l.opts.NoSync); err != nil {
		return err
	}
	l.mu.Lock()
	l.ckpt = upTo
	var drop []segment
	for len(l.segs) > 1 && l.segs[1].first <= upTo+1 {
		drop = append(drop, l.segs[0])
		l.segs = l.segs[1:]
	}
	l.mu.Unlock()
	var errs []error
	for _, s := range drop {
		if err := os.Remove(s.path); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// writeCheckpoint replaces the checkpoint file atomically: a reader sees
// the old or the new value, never a mix, whatever the crash.
func writeCheckpoint(dir string, lsn LSN, sync bool) error {
	b := binary.LittleEndian.AppendUint64(nil, uint64(lsn))
	b = binary.LittleEndian.AppendUint32(b, crc32.Checksum(b, castagnoli))
	tmp := filepath.Join(dir, checkpointFile+".tmp")
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	_, err = f.Write(b)
	if err == nil && sync {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, filepath.Join(dir, checkpointFile))
	}
	if err == nil && sync {
		err = syncDir(dir)
	}
	if err != nil {
		return fmt.Errorf("wal: writing checkpoint: %w", err)
	}
	return nil
}

// readCheckpoint returns 0 when there is no checkpoint yet. The file is
// replaced atomically, so a bad one is real damage, not a crash artefact.
func readCheckpoint(dir string) (LSN, error) {
	path := filepath.Join(dir, checkpointFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	if len(b) != 12 || crc32.Checksum(b[:8], castagnoli) != binary.LittleEndian.Uint32(b[8:]) {
		return 0, &CorruptionError{Segment: path, Reason: "bad checkpoint file"}
	}
	return LSN(binary.LittleEndian.Uint64(b)), nil
}
