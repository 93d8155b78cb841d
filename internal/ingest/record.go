package ingest

import (
	"encoding/binary"
	"errors"
	"math"

	"github.com/yingji/yingji/internal/telemetry"
)

// A journal record holds one message's accepted readings with the points'
// registry IDs (stable across restarts, unlike the dense PointIDs):
//
//	byte     version (1)
//	uvarint  device code length, then the code
//	uvarint  count
//	count ×  uvarint point record ID, varint Unix ms, 8-byte value, 1-byte quality
const recordVersion = 1

// journalReading is a reading as journaled.
type journalReading struct {
	ObjectID int64
	telemetry.Sample
}

func encodeRecord(buf []byte, device string, rs []journalReading) []byte {
	buf = append(buf, recordVersion)
	buf = binary.AppendUvarint(buf, uint64(len(device)))
	buf = append(buf, device...)
	buf = binary.AppendUvarint(buf, uint64(len(rs)))
	for _, r := range rs {
		buf = binary.AppendUvarint(buf, uint64(r.ObjectID))
		buf = binary.AppendVarint(buf, r.TS)
		buf = binary.LittleEndian.AppendUint64(buf, math.Float64bits(r.Value))
		buf = append(buf, byte(r.Quality))
	}
	return buf
}

var errRecord = errors.New("ingest: malformed journal record")

func decodeRecord(p []byte, dst []journalReading) (string, []journalReading, error) {
	if len(p) < 1 || p[0] != recordVersion {
		return "", dst, errRecord
	}
	p = p[1:]
	n, k := binary.Uvarint(p)
	if k <= 0 || n > uint64(len(p)-k) {
		return "", dst, errRecord
	}
	device := string(p[k : k+int(n)])
	p = p[k+int(n):]
	count, k := binary.Uvarint(p)
	if k <= 0 || count > uint64(len(p)) {
		return "", dst, errRecord
	}
	p = p[k:]
	for i := uint64(0); i < count; i++ {
		id, k := binary.Uvarint(p)
		if k <= 0 {
			return "", dst, errRecord
		}
		p = p[k:]
		ts, k := binary.Varint(p)
		if k <= 0 || len(p[k:]) < 9 {
			return "", dst, errRecord
		}
		p = p[k:]
		r := journalReading{ObjectID: int64(id)}
		r.TS = ts
		r.Value = math.Float64frombits(binary.LittleEndian.Uint64(p))
		r.Quality = telemetry.Quality(p[8])
		p = p[9:]
		dst = append(dst, r)
	}
	if len(p) != 0 {
		return "", dst, errRecord
	}
	return device, dst, nil
}
