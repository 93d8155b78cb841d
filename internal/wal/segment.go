package wal

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// Frame layout, little endian:
//
//	0  uint32 CRC-32C of bytes [4, 16+length): length, LSN and payload
//	4  uint32 payload length
//	8  uint64 LSN
//	16 payload
//
// The CRC also covers length and LSN so that a damaged header cannot pass
// as a shorter record or one from elsewhere in the log.
const frameHeaderSize = 16

// A segment starts with magic and the LSN of its first record, so a file
// renamed or copied into the wrong place is caught.
const (
	segHeaderSize = 16
	segMagic      = "YJWAL\x00v1"
	segSuffix     = ".wal"
)

// maxSyncBytes bounds one write: the writer never has more than this on
// disk beyond the last completed fsync. A crash can therefore damage only
// the last maxSyncBytes of the last segment; damage further from the end
// hit acknowledged records and is reported instead of truncated away.
const maxSyncBytes = 4 << 20

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// appendFrame frames rec as record lsn at the end of dst.
func appendFrame(dst []byte, lsn LSN, rec []byte) []byte {
	start := len(dst)
	dst = binary.LittleEndian.AppendUint32(dst, 0)
	dst = binary.LittleEndian.AppendUint32(dst, uint32(len(rec)))
	dst = binary.LittleEndian.AppendUint64(dst, uint64(lsn))
	dst = append(dst, rec...)
	binary.LittleEndian.PutUint32(dst[start:], crc32.Checksum(dst[start+4:], castagnoli))
	return dst
}

func encodeHeader(first LSN) []byte {
	return binary.LittleEndian.AppendUint64([]byte(segMagic), uint64(first))
}

func segmentName(first LSN) string {
	return fmt.Sprintf("%020d%s", uint64(first), segSuffix)
}

// listSegments returns the segment files in dir ordered by first LSN.
// Other files are ignored so that operators can leave notes or backups.
func listSegments(dir string) ([]segment, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var segs []segment
	for _, e := range ents {
		name := e.Name()
		digits, ok := strings.CutSuffix(name, segSuffix)
		if !ok || len(digits) != 20 || !e.Type().IsRegular() {
			continue
		}
		n, err := strconv.ParseUint(digits, 10, 64)
		if err != nil || n == 0 {
			continue
		}
		segs = append(segs, segment{first: LSN(n), path: filepath.Join(dir, name)})
	}
	slices.SortFunc(segs, func(a, b segment) int { return compareLSN(a.first, b.first) })
	return segs, nil
}

func compareLSN(a, b LSN) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func headerProblem(h []byte, first LSN) string {
	if string(h[:8]) != segMagic {
		return "bad segment magic"
	}
	if got := LSN(binary.LittleEndian.Uint64(h[8:])); got != first {
		return fmt.Sprintf("header says first LSN %d, file name says %d", got, first)
	}
	return ""
}

func checkHeader(s segment) error {
	f, err := os.Open(s.path)
	if err != nil {
		return err
	}
	defer f.Close()
	h := make([]byte, segHeaderSize)
	if _, err := io.ReadFull(f, h); err != nil {
		return &CorruptionError{Segment: s.path, Reason: "short segment header"}
	}
	if p := headerProblem(h, s.first); p != "" {
		return &CorruptionError{Segment: s.path, Reason: p}
	}
	return nil
}

// badFrame is a frame that fails its checks; the caller decides whether it
// is a torn tail or corruption.
type badFrame struct {
	off    int64
	reason string
}

func (e *badFrame) Error() string { return e.reason }

// frameReader reads consecutive frames of one segment.
type frameReader struct {
	r   *bufio.Reader
	off int64 // offset of the next frame
	hdr [frameHeaderSize]byte
	buf []byte
}

// newFrameReader reads f with a buffer sized to the file, up to 1 MiB, so
// that the many small segments of tests and fresh logs stay cheap to open.
// It also returns the file size.
func newFrameReader(f *os.File) (*frameReader, int64, error) {
	st, err := f.Stat()
	if err != nil {
		return nil, 0, err
	}
	bufSize := int(min(max(st.Size(), 4096), 1<<20))
	return &frameReader{r: bufio.NewReaderSize(f, bufSize), off: segHeaderSize}, st.Size(), nil
}

// next returns the payload of the frame expected to carry LSN want, valid
// until the following call. It returns io.EOF at a clean end of file and a
// *badFrame for anything else that is not a whole, intact frame.
func (fr *frameReader) next(want LSN) ([]byte, error) {
	_, err := io.ReadFull(fr.r, fr.hdr[:])
	if err == io.EOF {
		return nil, io.EOF
	}
	if err != nil {
		return nil, fr.bad(err, "incomplete frame header")
	}
	size := binary.LittleEndian.Uint32(fr.hdr[4:])
	if size > MaxRecordBytes {
		return nil, &badFrame{fr.off, fmt.Sprintf("record length %d exceeds maximum", size)}
	}
	if cap(fr.buf) < int(size) {
		fr.buf = make([]byte, size)
	}
	fr.buf = fr.buf[:size]
	if _, err := io.ReadFull(fr.r, fr.buf); err != nil {
		return nil, fr.bad(err, "incomplete record")
	}
	crc := crc32.Update(crc32.Checksum(fr.hdr[4:], castagnoli), castagnoli, fr.buf)
	if crc != binary.LittleEndian.Uint32(fr.hdr[:]) {
		return nil, &badFrame{fr.off, "checksum mismatch"}
	}
	if got := LSN(binary.LittleEndian.Uint64(fr.hdr[8:])); got != want {
		return nil, &badFrame{fr.off, fmt.Sprintf("LSN %d where %d was expected", got, want)}
	}
	fr.off += frameHeaderSize + int64(size)
	return fr.buf, nil
}

// bad turns a short read into a badFrame but keeps real I/O errors, which
// say nothing about the data and must not cause truncation.
func (fr *frameReader) bad(err error, reason string) error {
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return &badFrame{fr.off, reason}
	}
	return err
}

// scanLast validates the last segment. It returns the offset after the last
// intact frame, the LSN that follows it, and how many bytes after it form a
// torn tail (0 if the segment ends cleanly). A bad frame further than
// maxSyncBytes from the end of the file is corruption, not a torn write.
func scanLast(s segment) (end int64, next LSN, torn int64, err error) {
	f, err := os.Open(s.path)
	if err != nil {
		return 0, 0, 0, err
	}
	defer f.Close()
	fr, size, err := newFrameReader(f)
	if err != nil {
		return 0, 0, 0, err
	}
	h := make([]byte, segHeaderSize)
	var bad *badFrame
	if _, err := io.ReadFull(fr.r, h); errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		bad = &badFrame{0, "short segment header"}
	} else if err != nil {
		return 0, 0, 0, fmt.Errorf("wal: reading %s: %w", s.path, err)
	} else if p := headerProblem(h, s.first); p != "" {
		bad = &badFrame{0, p}
	}
	next = s.first
	for bad == nil {
		_, err := fr.next(next)
		switch {
		case err == nil:
			next++
		case err == io.EOF:
			return fr.off, next, 0, nil
		case !errors.As(err, &bad):
			return 0, 0, 0, fmt.Errorf("wal: reading %s: %w", s.path, err)
		}
	}
	if size-bad.off > maxSyncBytes {
		return 0, 0, 0, &CorruptionError{Segment: s.path, Offset: bad.off, Reason: bad.reason}
	}
	return bad.off, next, size - bad.off, nil
}
