package wal

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"os"
	"path/filepath"
	"testing"
)

// frameOffsets walks a segment file independently of the package's reader
// and returns the start offset of every frame.
func frameOffsets(t testing.TB, data []byte) []int64 {
	t.Helper()
	var offs []int64
	for off := segHeaderSize; off+frameHeaderSize <= len(data); {
		offs = append(offs, int64(off))
		off += frameHeaderSize + int(binary.LittleEndian.Uint32(data[off+4:]))
	}
	return offs
}

// writeSegments fills a fresh log in dir with n records and returns its
// segments.
func writeSegments(t testing.TB, dir string, opts Options, n int) []segment {
	t.Helper()
	l := mustOpen(t, dir, opts)
	appendAll(t, l, 0, n)
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	segs, err := listSegments(dir)
	if err != nil {
		t.Fatal(err)
	}
	return segs
}

func TestTornTail(t *testing.T) {
	garbage := bytes.Repeat([]byte{0xAB}, 37)
	cases := []struct {
		name string
		// tear damages the last segment and returns how many bytes Open
		// must truncate and how many records survive out of 100.
		tear func(data []byte, offs []int64) ([]byte, int64, LSN)
	}{
		{"mid-record plus garbage", func(data []byte, offs []int64) ([]byte, int64, LSN) {
			last := offs[len(offs)-1]
			cut := data[:len(data)-5]
			return append(cut, garbage...), int64(len(cut)) - last + int64(len(garbage)), 99
		}},
		{"zero-filled blocks", func(data []byte, _ []int64) ([]byte, int64, LSN) {
			return append(data, make([]byte, 4096)...), 4096, 100
		}},
		{"half a frame header", func(data []byte, _ []int64) ([]byte, int64, LSN) {
			return append(data, data[segHeaderSize:segHeaderSize+7]...), 7, 100
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			opts := Options{SegmentBytes: 2048, NoSync: true}
			segs := writeSegments(t, dir, opts, 100)
			last := segs[len(segs)-1].path
			data, _ := os.ReadFile(last)
			torn, wantTrunc, survivors := tc.tear(data, frameOffsets(t, data))
			if err := os.WriteFile(last, torn, 0o644); err != nil {
				t.Fatal(err)
			}

			l := mustOpen(t, dir, opts)
			if st := l.Stats(); st.TruncatedBytes != wantTrunc || st.TruncatedSegment != last {
				t.Errorf("truncated %d bytes of %q, want %d of %q", st.TruncatedBytes, st.TruncatedSegment, wantTrunc, last)
			}
			checkRange(t, replayAll(t, l, 0), 1, survivors)
			lsn, err := l.AppendSync(context.Background(), payload(int(survivors)))
			if err != nil || lsn != survivors+1 {
				t.Fatalf("AppendSync after truncation = %d, %v; want %d", lsn, err, survivors+1)
			}
			l.Close()
			l = mustOpen(t, dir, opts)
			defer l.Close()
			if st := l.Stats(); st.TruncatedBytes != 0 {
				t.Errorf("second open truncated %d more bytes", st.TruncatedBytes)
			}
			checkRange(t, replayAll(t, l, 0), 1, survivors+1)
		})
	}
}

// A crash while a new segment was being created leaves a short header; the
// segment held no acknowledged record, so Open starts it again.
func TestTornSegmentHeader(t *testing.T) {
	dir := t.TempDir()
	opts := Options{SegmentBytes: 2048, NoSync: true}
	writeSegments(t, dir, opts, 100)
	next := filepath.Join(dir, segmentName(101))
	if err := os.WriteFile(next, []byte(segMagic[:5]), 0o644); err != nil {
		t.Fatal(err)
	}
	l := mustOpen(t, dir, opts)
	defer l.Close()
	if st := l.Stats(); st.TruncatedBytes != 5 || st.TruncatedSegment != next {
		t.Errorf("truncated %d bytes of %q, want 5 of %q", st.TruncatedBytes, st.TruncatedSegment, next)
	}
	if lsn, err := l.AppendSync(context.Background(), payload(100)); err != nil || lsn != 101 {
		t.Fatalf("AppendSync = %d, %v; want 101", lsn, err)
	}
	checkRange(t, replayAll(t, l, 0), 1, 101)
}

func TestCorruptionInEarlierSegment(t *testing.T) {
	dir := t.TempDir()
	opts := Options{SegmentBytes: 2048, NoSync: true}
	segs := writeSegments(t, dir, opts, 100)
	victim := segs[1].path
	data, _ := os.ReadFile(victim)
	offs := frameOffsets(t, data)
	frame := offs[len(offs)/2]
	data[frame+frameHeaderSize+3] ^= 0x10
	if err := os.WriteFile(victim, data, 0o644); err != nil {
		t.Fatal(err)
	}

	l := mustOpen(t, dir, opts)
	defer l.Close()
	if st := l.Stats(); st.TruncatedBytes != 0 {
		t.Fatalf("Open truncated %d bytes because of an earlier segment", st.TruncatedBytes)
	}
	var n int
	err := l.Replay(0, func(LSN, []byte) error { n++; return nil })
	var ce *CorruptionError
	if !errors.As(err, &ce) || ce.Segment != victim || ce.Offset != frame {
		t.Fatalf("Replay error = %v, want corruption in %s at offset %d", err, victim, frame)
	}
	if n == 0 || n >= 100 {
		t.Fatalf("replayed %d records before the corruption", n)
	}
}

// Damage in the last segment further from its end than one write can reach
// hit acknowledged records: Open must refuse instead of truncating them.
func TestCorruptionFarFromTail(t *testing.T) {
	dir := t.TempDir()
	opts := Options{NoSync: true}
	l := mustOpen(t, dir, opts)
	rec := bytes.Repeat([]byte{'x'}, 4000)
	for range (maxSyncBytes + 1<<20) / len(rec) {
		if err := l.Append(context.Background(), rec, nil); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	segs, _ := listSegments(dir)
	path := segs[len(segs)-1].path
	data, _ := os.ReadFile(path)
	offs := frameOffsets(t, data)
	data[offs[10]+100] ^= 1
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Open(dir, opts)
	var ce *CorruptionError
	if !errors.As(err, &ce) || ce.Segment != path || ce.Offset != offs[10] {
		t.Fatalf("Open error = %v, want corruption in %s at offset %d", err, path, offs[10])
	}
	if after, _ := os.ReadFile(path); !bytes.Equal(after, data) {
		t.Fatal("Open modified a corrupt segment")
	}
}

func FuzzOpenCorrupt(f *testing.F) {
	seedDir := f.TempDir()
	segs := writeSegments(f, seedDir, Options{NoSync: true}, 8)
	valid, _ := os.ReadFile(segs[0].path)
	f.Add(valid)
	f.Add(valid[:len(valid)-3])
	f.Add(valid[:segHeaderSize])
	f.Add(valid[:9])
	f.Add([]byte{})
	flipped := bytes.Clone(valid)
	flipped[segHeaderSize+20] ^= 0xFF
	f.Add(flipped)

	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		path := filepath.Join(dir, segmentName(1))
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		opts := Options{NoSync: true, MaxBatchDelay: -1}
		l, err := Open(dir, opts)
		if err != nil {
			var ce *CorruptionError
			if !errors.As(err, &ce) {
				t.Fatalf("Open failed without a CorruptionError: %v", err)
			}
			return
		}
		// Every record returned must be an intact frame at the place an
		// independent walk of the input expects it.
		off := segHeaderSize
		var n LSN
		err = l.Replay(0, func(lsn LSN, rec []byte) error {
			n++
			if lsn != n || off+frameHeaderSize+len(rec) > len(data) {
				t.Fatalf("record %d: LSN %d, %d bytes at offset %d of %d", n, lsn, len(rec), off, len(data))
			}
			fr := data[off : off+frameHeaderSize+len(rec)]
			if crc32.Checksum(fr[4:], castagnoli) != binary.LittleEndian.Uint32(fr) ||
				LSN(binary.LittleEndian.Uint64(fr[8:])) != lsn || !bytes.Equal(fr[frameHeaderSize:], rec) {
				t.Fatalf("record %d at offset %d is not an intact frame", lsn, off)
			}
			off += len(fr)
			return nil
		})
		if err != nil {
			t.Fatalf("Replay after a successful Open: %v", err)
		}
		wantTrunc := int64(len(data) - off)
		if n == 0 && (len(data) < segHeaderSize || headerProblem(data[:segHeaderSize], 1) != "") {
			wantTrunc = int64(len(data))
		}
		if st := l.Stats(); st.TruncatedBytes != wantTrunc {
			t.Fatalf("truncated %d bytes, want %d", st.TruncatedBytes, wantTrunc)
		}
		if lsn, err := l.AppendSync(context.Background(), []byte("after")); err != nil || lsn != n+1 {
			t.Fatalf("AppendSync = %d, %v; want %d", lsn, err, n+1)
		}
		l.Close()
		l = mustOpen(t, dir, opts)
		defer l.Close()
		r := replayAll(t, l, 0)
		if LSN(len(r.lsns)) != n+1 || string(r.recs[n]) != "after" {
			t.Fatalf("after reopen: %d records, want %d ending in \"after\"", len(r.lsns), n+1)
		}
	})
}
