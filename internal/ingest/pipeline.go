// Package ingest is the perception pipeline: a device message is decoded
// and validated, its accepted readings are written to the journal and only
// then acknowledged; one apply loop then evaluates them in order with the
// rule engine, keeps the latest value of every point, and gathers readings
// into per-minute chunks that are sealed into the store with their
// roll-ups, after which the journal is checkpointed.
package ingest

import (
	"context"
	"log/slog"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/yingji/yingji/internal/alarm"
	"github.com/yingji/yingji/internal/core"
	"github.com/yingji/yingji/internal/rules"
	"github.com/yingji/yingji/internal/telemetry"
	"github.com/yingji/yingji/internal/wal"
)

// Journal is the write-ahead log in front of the store.
type Journal interface {
	Append(ctx context.Context, rec []byte, done func(lsn wal.LSN, err error)) error
	Replay(from wal.LSN, fn func(lsn wal.LSN, rec []byte) error) error
	Checkpoint(upTo wal.LSN) error
}

// SeriesStore keeps sealed chunks, roll-ups, latest values and the
// dead-letter log.
type SeriesStore interface {
	WriteSeries(ctx context.Context, chunks []telemetry.Chunk, rollups []telemetry.Rollup, latest []telemetry.Latest) error
	AddRejections(ctx context.Context, recs []telemetry.RejectionRecord, keep int64) error
}

// Alarms takes the rule engine's decisions.
type Alarms interface {
	Apply(ctx context.Context, c alarm.Change) (*alarm.Alarm, error)
}

// Message is one device message from a transport.
type Message struct {
	Device    string
	Transport string // "mqtt" or "http"
	Payload   []byte
	Received  time.Time
}

// Options configure the pipeline.
type Options struct {
	// ChunkMS is the time window of a stored chunk (default one minute).
	ChunkMS int64
	// Grace is how long after its window a chunk stays open for late
	// readings before it is sealed.
	Grace time.Duration
	// FlushEvery is how often chunks are sealed and stale rules checked.
	FlushEvery time.Duration
	Limits     telemetry.Limits
	// KeepRejections bounds the dead-letter log.
	KeepRejections int64
	// Queue is the number of journaled messages waiting for the apply
	// loop; when it is full, acknowledgements wait, which slows publishers.
	Queue int
}

func (o *Options) defaults() {
	if o.ChunkMS <= 0 {
		o.ChunkMS = telemetry.Minute
	}
	if o.Grace <= 0 {
		o.Grace = 10 * time.Second
	}
	if o.FlushEvery <= 0 {
		o.FlushEvery = time.Second
	}
	if o.Limits == (telemetry.Limits{}) {
		o.Limits = telemetry.DefaultLimits
	}
	if o.KeepRejections <= 0 {
		o.KeepRejections = 100_000
	}
	if o.Queue <= 0 {
		o.Queue = 4096
	}
}

// Pipeline is the running perception pipeline.
type Pipeline struct {
	opts    Options
	dir     *telemetry.Directory
	engine  *rules.Engine
	journal Journal
	series  SeriesStore
	alarms  Alarms
	resolve func(ctx context.Context, code string) (telemetry.Device, error)
	clock   core.Clock
	log     *slog.Logger

	// OnLatest, if set, receives the points whose latest value changed
	// since the last flush (for the live feed); called on the apply loop.
	OnLatest func([]LatestValue)

	devices sync.Map // device code → cachedDevice
	applyq  chan applyItem
	control chan func()
	changes chan alarm.Change
	writes  chan writeBatch
	deadq   chan telemetry.RejectionRecord
	stats   Stats
	st      *state // owned by the apply loop
	gs      *groupState
	wg      sync.WaitGroup
	cancel  context.CancelFunc
	// confs are the rule configurations by PointID (apply loop only).
	confs    map[telemetry.PointID]rules.PointConfig
	groups   map[rules.FacilityID]*telemetry.Point
	industry map[int64]string
}

// LatestValue is a point's newest reading, for the live feed.
type LatestValue struct {
	Point    string  `json:"point"`
	PointID  int64   `json:"point_id"`
	Division string  `json:"division_code"`
	TS       int64   `json:"ts"`
	Value    float64 `json:"value"`
	Unit     string  `json:"unit"`
}

// Stats are the pipeline's counters, read by /metrics.
type Stats struct {
	Messages, Readings, Accepted, Evaluated, Late atomic.Int64
	Rejected                                      sync.Map // telemetry.Reason → *atomic.Int64
	ChunksSealed, Transitions, AlarmErrors        atomic.Int64
	QueueLen                                      func() int
}

// RejectedBy returns the count of one reason.
func (s *Stats) RejectedBy(r telemetry.Reason) int64 {
	if v, ok := s.Rejected.Load(r); ok {
		return v.(*atomic.Int64).Load()
	}
	return 0
}

func (s *Stats) reject(r telemetry.Reason, n int64) {
	v, _ := s.Rejected.LoadOrStore(r, new(atomic.Int64))
	v.(*atomic.Int64).Add(n)
}

type cachedDevice struct {
	dev     telemetry.Device
	expires time.Time
}

type applyItem struct {
	lsn      wal.LSN
	device   string
	readings []journalReading
}

// Config wires a pipeline.
type Config struct {
	Directory *telemetry.Directory
	Engine    *rules.Engine
	Journal   Journal
	Series    SeriesStore
	Alarms    Alarms
	// Resolve finds an authenticated device by code.
	Resolve func(ctx context.Context, code string) (telemetry.Device, error)
	Clock   core.Clock
	Logger  *slog.Logger
	Options Options
}

// New builds a pipeline; Start runs it.
func New(c Config) *Pipeline {
	c.Options.defaults()
	p := &Pipeline{opts: c.Options, dir: c.Directory, engine: c.Engine, journal: c.Journal, series: c.Series, alarms: c.Alarms,
		resolve: c.Resolve, clock: c.Clock, log: c.Logger,
		applyq: make(chan applyItem, c.Options.Queue), control: make(chan func()), changes: make(chan alarm.Change, 4096),
		writes: make(chan writeBatch, 4), deadq: make(chan telemetry.RejectionRecord, 8192),
		confs: map[telemetry.PointID]rules.PointConfig{}, groups: map[rules.FacilityID]*telemetry.Point{}, industry: map[int64]string{}}
	p.st = newState()
	p.gs = newGroupState()
	p.stats.QueueLen = func() int { return len(p.applyq) }
	return p
}

// Stats returns the counters.
func (p *Pipeline) Stats() *Stats { return &p.stats }

// Directory returns the point directory.
func (p *Pipeline) Directory() *telemetry.Directory { return p.dir }

// device resolves a device code, caching for a few seconds: messages
// arrive on connections whose credentials were checked at CONNECT.
func (p *Pipeline) device(ctx context.Context, code string) (telemetry.Device, error) {
	now := p.clock()
	if v, ok := p.devices.Load(code); ok && now.Before(v.(cachedDevice).expires) {
		return v.(cachedDevice).dev, nil
	}
	d, err := p.resolve(ctx, code)
	if err != nil {
		return d, err
	}
	p.devices.Store(code, cachedDevice{dev: d, expires: now.Add(5 * time.Second)})
	return d, nil
}

// Outcome is what Submit decided about a message before journaling it.
type Outcome struct {
	Accepted int                   `json:"accepted"`
	Rejected []telemetry.Rejection `json:"rejected"`
}

// Submit validates a message and journals its accepted readings; ack is
// called once they are durable (or with an error when they cannot be). A
// message whose readings were all refused is acknowledged after the refusal
// is recorded: sending it again would not help.
func (p *Pipeline) Submit(ctx context.Context, m Message, ack func(error)) Outcome {
	p.stats.Messages.Add(1)
	dev, err := p.device(ctx, m.Device)
	if err != nil {
		ack(err)
		return Outcome{}
	}
	raws, err := telemetry.ParsePayload(m.Payload)
	if err != nil {
		rej := []telemetry.Rejection{{Reason: telemetry.Malformed, Detail: err.Error()}}
		p.deadLetter(m, rej)
		ack(nil)
		return Outcome{Rejected: rej}
	}
	p.stats.Readings.Add(int64(len(raws)))
	acc, rej := p.dir.Check(dev, raws, m.Received.UnixMilli(), p.opts.Limits, make([]telemetry.Reading, 0, len(raws)), nil)
	if len(rej) > 0 {
		p.deadLetter(m, rej)
	}
	out := Outcome{Accepted: len(acc), Rejected: rej}
	if len(acc) == 0 {
		ack(nil)
		return out
	}
	jr := make([]journalReading, len(acc))
	for i, r := range acc {
		pt, _ := p.dir.Get(r.Point)
		jr[i] = journalReading{ObjectID: pt.ObjectID, Sample: telemetry.Sample{TS: r.TS, Value: r.Value, Quality: r.Quality}}
	}
	rec := encodeRecord(make([]byte, 0, 16+len(jr)*24), dev.Code, jr)
	err = p.journal.Append(ctx, rec, func(lsn wal.LSN, err error) {
		if err != nil {
			ack(err)
			return
		}
		p.stats.Accepted.Add(int64(len(jr)))
		// the journal calls back in LSN order; queueing here keeps it.
		p.applyq <- applyItem{lsn: lsn, device: dev.Code, readings: jr}
		ack(nil)
	})
	if err != nil {
		p.stats.reject(telemetry.Overloaded, int64(len(acc)))
		ack(err)
		return Outcome{Rejected: append(rej, telemetry.Rejection{Reason: telemetry.Overloaded, Detail: err.Error()})}
	}
	return out
}

// deadLetter counts refusals and queues them for the dead-letter log.
func (p *Pipeline) deadLetter(m Message, rej []telemetry.Rejection) {
	raw := string(m.Payload)
	for _, r := range rej {
		p.stats.reject(r.Reason, 1)
		rec := telemetry.RejectionRecord{At: m.Received, Device: m.Device, Transport: m.Transport, Reason: string(r.Reason), Point: r.Point, Detail: r.Detail, Raw: raw}
		select {
		case p.deadq <- rec:
		default:
			// the log's writer is behind; the count above still shows it.
			p.stats.reject("dead_letter_dropped", 1)
		}
	}
}

// sortReadings orders a message's readings by time so that they are
// evaluated in time order.
func sortReadings(rs []journalReading) {
	if !sort.SliceIsSorted(rs, func(i, j int) bool { return rs[i].TS < rs[j].TS }) {
		sort.SliceStable(rs, func(i, j int) bool { return rs[i].TS < rs[j].TS })
	}
}
