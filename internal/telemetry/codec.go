package telemetry

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"sort"
)

// A chunk holds one point's readings of one time window, sorted by time,
// encoded compactly the way time-series databases do: times as varint
// deltas from the previous reading, values as 8 bytes each, qualities only
// when some reading is not good.
//
//	byte      version (1)
//	byte      flags: 1 = qualities follow the values
//	uvarint   count
//	varint    first time (Unix ms)
//	uvarint…  count-1 time deltas
//	8 bytes…  count values, little-endian IEEE 754
//	byte…     count qualities (when flagged)

const codecVersion = 1

// Sample is one reading inside a chunk.
type Sample struct {
	TS      int64
	Value   float64
	Quality Quality
}

// EncodeChunk encodes samples, which it sorts by time; samples with an equal
// time keep the last one given (a resent reading replaces the earlier one).
func EncodeChunk(samples []Sample) []byte {
	s := dedupe(samples)
	flags := byte(0)
	for _, x := range s {
		if x.Quality != Good {
			flags = 1
			break
		}
	}
	buf := make([]byte, 0, 2+binary.MaxVarintLen64*2+len(s)*(2+8+int(flags)))
	buf = append(buf, codecVersion, flags)
	buf = binary.AppendUvarint(buf, uint64(len(s)))
	if len(s) == 0 {
		return buf
	}
	buf = binary.AppendVarint(buf, s[0].TS)
	for i := 1; i < len(s); i++ {
		buf = binary.AppendUvarint(buf, uint64(s[i].TS-s[i-1].TS))
	}
	for _, x := range s {
		buf = binary.LittleEndian.AppendUint64(buf, math.Float64bits(x.Value))
	}
	if flags&1 != 0 {
		for _, x := range s {
			buf = append(buf, byte(x.Quality))
		}
	}
	return buf
}

func dedupe(samples []Sample) []Sample {
	s := make([]Sample, len(samples))
	copy(s, samples)
	sort.SliceStable(s, func(i, j int) bool { return s[i].TS < s[j].TS })
	out := s[:0]
	for i, x := range s {
		if i+1 < len(s) && s[i+1].TS == x.TS {
			continue
		}
		out = append(out, x)
	}
	return out
}

var errShort = errors.New("chunk: truncated")

// DecodeChunk appends a chunk's samples to dst.
func DecodeChunk(dst []Sample, data []byte) ([]Sample, error) {
	if len(data) < 2 {
		return dst, errShort
	}
	if data[0] != codecVersion {
		return dst, fmt.Errorf("chunk: unknown version %d", data[0])
	}
	flags := data[1]
	p := data[2:]
	n, k := binary.Uvarint(p)
	if k <= 0 {
		return dst, errShort
	}
	p = p[k:]
	if n == 0 {
		return dst, nil
	}
	if n > uint64(len(p)) { // every sample needs at least 8 bytes
		return dst, fmt.Errorf("chunk: count %d does not fit in %d bytes", n, len(p))
	}
	first, k := binary.Varint(p)
	if k <= 0 {
		return dst, errShort
	}
	p = p[k:]
	start := len(dst)
	ts := first
	dst = append(dst, Sample{TS: ts})
	for i := uint64(1); i < n; i++ {
		d, k := binary.Uvarint(p)
		if k <= 0 || d > math.MaxInt64/2 {
			return dst[:start], errShort
		}
		p = p[k:]
		ts += int64(d)
		dst = append(dst, Sample{TS: ts})
	}
	need := int(n) * 8
	if flags&1 != 0 {
		need += int(n)
	}
	if len(p) != need {
		return dst[:start], fmt.Errorf("chunk: %d value bytes, want %d", len(p), need)
	}
	for i := 0; i < int(n); i++ {
		dst[start+i].Value = math.Float64frombits(binary.LittleEndian.Uint64(p[i*8:]))
	}
	if flags&1 != 0 {
		q := p[int(n)*8:]
		for i := 0; i < int(n); i++ {
			if q[i] > byte(Bad) {
				return dst[:start], fmt.Errorf("chunk: quality %d", q[i])
			}
			dst[start+i].Quality = Quality(q[i])
		}
	}
	return dst, nil
}

// Summary is a roll-up of readings: min, max, sum and count (mean = sum/count).
type Summary struct {
	Min, Max, Sum float64
	Count         int64
}

// Add folds one value in.
func (s *Summary) Add(v float64) {
	if s.Count == 0 || v < s.Min {
		s.Min = v
	}
	if s.Count == 0 || v > s.Max {
		s.Max = v
	}
	s.Sum += v
	s.Count++
}

// Merge folds another summary in.
func (s *Summary) Merge(o Summary) {
	if o.Count == 0 {
		return
	}
	if s.Count == 0 || o.Min < s.Min {
		s.Min = o.Min
	}
	if s.Count == 0 || o.Max > s.Max {
		s.Max = o.Max
	}
	s.Sum += o.Sum
	s.Count += o.Count
}

// Mean is the average, NaN for an empty summary.
func (s Summary) Mean() float64 {
	if s.Count == 0 {
		return math.NaN()
	}
	return s.Sum / float64(s.Count)
}

// Merge returns the samples of a and b in time order, a time present in
// both taken from b (the newer copy).
func Merge(a, b []Sample) []Sample {
	if len(b) == 0 {
		return a
	}
	return dedupe(append(append([]Sample(nil), a...), b...))
}
