package ingest

import (
	"context"
	"fmt"
	"github.com/yingji/yingji/internal/alarm"
	"math"
	"time"

	"github.com/yingji/yingji/internal/rules"
	"github.com/yingji/yingji/internal/telemetry"
	"github.com/yingji/yingji/internal/wal"
)

// openChunk gathers one point's readings of one window until it is sealed.
type openChunk struct {
	start   int64
	samples []telemetry.Sample
	minLSN  wal.LSN
}

type chunkKey struct {
	point telemetry.PointID
	start int64
}

// state is the apply loop's memory, indexed by PointID.
type state struct {
	lastTS  []int64
	latest  []telemetry.Sample
	dirty   []bool
	open    []*openChunk
	late    map[chunkKey]*openChunk
	lastLSN wal.LSN
	trans   []rules.Transition
}

func newState() *state { return &state{late: map[chunkKey]*openChunk{}} }

func (s *state) grow(n int) {
	for len(s.lastTS) < n {
		s.lastTS = append(s.lastTS, math.MinInt64)
		s.latest = append(s.latest, telemetry.Sample{TS: math.MinInt64})
		s.dirty = append(s.dirty, false)
		s.open = append(s.open, nil)
	}
}

type writeBatch struct {
	chunks  []telemetry.Chunk
	rollups []telemetry.Rollup
	latest  []telemetry.Latest
	// safe is the journal position up to which everything is stored once
	// this batch (and those before it) is written.
	safe wal.LSN
}

// Start replays the journal, then runs the apply loop, the store writer,
// the dead-letter writer and the alarm worker until Stop.
func (p *Pipeline) Start(ctx context.Context, from wal.LSN) error {
	p.st.grow(p.dir.Len())
	var buf []journalReading
	n := 0
	err := p.journal.Replay(from, func(lsn wal.LSN, rec []byte) error {
		dev, rs, err := decodeRecord(rec, buf[:0])
		if err != nil {
			return fmt.Errorf("journal record %d: %w", lsn, err)
		}
		buf = rs
		p.apply(applyItem{lsn: lsn, device: dev, readings: append([]journalReading(nil), rs...)}, true)
		n++
		return nil
	})
	if err != nil {
		return fmt.Errorf("ingest: replay: %w", err)
	}
	if n > 0 && p.log != nil {
		p.log.Info("replayed the journal", "records", n)
	}
	ctx, p.cancel = context.WithCancel(ctx)
	p.wg.Add(4)
	go func() { defer p.wg.Done(); p.loop(ctx) }()
	go func() { defer p.wg.Done(); p.writer(ctx) }()
	go func() { defer p.wg.Done(); p.deadLetters(ctx) }()
	go func() { defer p.wg.Done(); p.alarmWorker(ctx) }()
	return nil
}

// Stop seals what is open, writes it, and stops the goroutines.
func (p *Pipeline) Stop() {
	if p.cancel != nil {
		p.cancel()
	}
	p.wg.Wait()
}

// Do runs fn on the apply loop, which owns the engine and the state, after
// every message acknowledged before the call, and waits for it
// (reconfiguration, queries of in-memory state).
func (p *Pipeline) Do(ctx context.Context, fn func()) error {
	done := make(chan struct{})
	select {
	case p.control <- func() { fn(); close(done) }:
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (p *Pipeline) loop(ctx context.Context) {
	tick := time.NewTicker(p.opts.FlushEvery)
	defer tick.Stop()
	for {
		select {
		case it := <-p.applyq:
			p.apply(it, false)
		case fn := <-p.control:
			// what was acknowledged before the call is applied first, so
			// that Do (and Recent) see it.
			for n := len(p.applyq); n > 0; n-- {
				p.apply(<-p.applyq, false)
			}
			fn()
		case <-tick.C:
			p.flush(p.clock(), false)
		case <-ctx.Done():
			// drain what was acknowledged, then seal everything.
			for {
				select {
				case it := <-p.applyq:
					p.apply(it, false)
					continue
				default:
				}
				break
			}
			p.flush(p.clock(), true)
			close(p.writes)
			return
		}
	}
}

// apply evaluates and gathers one journaled message.
func (p *Pipeline) apply(it applyItem, replay bool) {
	s := p.st
	s.grow(p.dir.Len())
	sortReadings(it.readings)
	for _, r := range it.readings {
		pt, ok := p.dir.ByObject(r.ObjectID)
		if !ok {
			continue // the point was deleted since
		}
		id := pt.ID
		if r.TS == s.lastTS[id] {
			p.deadLetter(Message{Device: it.device, Transport: "journal", Received: time.UnixMilli(r.TS)},
				[]telemetry.Rejection{{Reason: telemetry.Duplicate, Point: pt.Code, Detail: fmt.Sprintf("a reading at %d was already received", r.TS)}})
			continue
		}
		p.gather(id, r.Sample, it.lsn)
		if r.TS < s.lastTS[id] {
			// stored, but too late to change the point's present state.
			p.stats.Late.Add(1)
			continue
		}
		s.lastTS[id] = r.TS
		if r.TS >= s.latest[id].TS {
			s.latest[id] = r.Sample
			s.dirty[id] = true
		}
		var res rules.Result
		s.trans, res = p.engine.Eval(s.trans[:0], rules.PointID(id), r.TS, r.Value)
		if res == rules.Evaluated {
			p.stats.Evaluated.Add(1)
		}
		p.emit(s.trans)
	}
	if it.lsn > s.lastLSN {
		s.lastLSN = it.lsn
	}
}

// maxChunkSamples caps an open chunk: a point reporting many times a
// second has its window sealed in parts (the store merges them), so memory
// does not grow with the reporting rate.
const maxChunkSamples = 1024

// gather adds a sample to its point's chunk of the right window.
func (p *Pipeline) gather(id telemetry.PointID, x telemetry.Sample, lsn wal.LSN) {
	s := p.st
	start := x.TS - mod(x.TS, p.opts.ChunkMS)
	c := s.open[id]
	if c != nil && c.start == start && len(c.samples) >= maxChunkSamples {
		s.retire(id, c)
		c = &openChunk{start: start, minLSN: lsn}
		s.open[id] = c
	}
	switch {
	case c != nil && c.start == start:
	case c == nil || start > c.start:
		if c != nil {
			s.retire(id, c) // window moved on: seal at next flush
		}
		c = &openChunk{start: start, minLSN: lsn}
		s.open[id] = c
	default:
		k := chunkKey{id, start}
		if c = s.late[k]; c == nil {
			c = &openChunk{start: start, minLSN: lsn}
			s.late[k] = c
		}
	}
	if lsn < c.minLSN {
		c.minLSN = lsn
	}
	c.samples = append(c.samples, x)
}

// retire moves an open chunk to those sealed at the next flush, merging it
// with a part of the same window already waiting there.
func (s *state) retire(id telemetry.PointID, c *openChunk) {
	k := chunkKey{id, c.start}
	if prev := s.late[k]; prev != nil {
		prev.samples = append(prev.samples, c.samples...)
		prev.minLSN = min(prev.minLSN, c.minLSN)
		return
	}
	s.late[k] = c
}

func mod(a, b int64) int64 {
	m := a % b
	if m < 0 {
		m += b
	}
	return m
}

// flush seals the chunks whose window is over (all of them when final),
// stale-checks the rules and hands the batch to the writer.
func (p *Pipeline) flush(now time.Time, final bool) {
	s := p.st
	// the engine moves a point's clock to the tick's time, so ticks run a
	// grace period behind the wall clock: readings that arrive a little late
	// are still evaluated.
	s.trans = p.engine.Tick(s.trans[:0], now.Add(-p.opts.Grace).UnixMilli())
	p.emit(s.trans)
	var b writeBatch
	cut := now.Add(-p.opts.Grace).UnixMilli() - p.opts.ChunkMS
	safe := s.lastLSN
	for id, c := range s.open {
		if c == nil {
			continue
		}
		if final || c.start <= cut {
			p.seal(&b, telemetry.PointID(id), c)
			s.open[id] = nil
		} else if c.minLSN > 0 && c.minLSN-1 < safe {
			safe = c.minLSN - 1
		}
	}
	for k, c := range s.late {
		p.seal(&b, k.point, c)
		delete(s.late, k)
	}
	var changed []LatestValue
	for id, d := range s.dirty {
		if !d {
			continue
		}
		s.dirty[id] = false
		pt, ok := p.dir.Get(telemetry.PointID(id))
		if !ok {
			continue
		}
		b.latest = append(b.latest, telemetry.Latest{PointID: pt.ObjectID, Sample: s.latest[id]})
		changed = append(changed, LatestValue{Point: pt.Code, PointID: pt.ObjectID, Division: pt.Division, TS: s.latest[id].TS, Value: s.latest[id].Value, Unit: pt.Unit})
	}
	if len(changed) > 0 && p.OnLatest != nil {
		p.OnLatest(changed)
	}
	if len(b.chunks) == 0 && len(b.latest) == 0 && safe == 0 {
		return
	}
	b.safe = safe
	p.writes <- b
}

// seal turns an open chunk into a stored chunk and its roll-ups.
func (p *Pipeline) seal(b *writeBatch, id telemetry.PointID, c *openChunk) {
	pt, ok := p.dir.Get(id)
	if !ok {
		return
	}
	b.chunks = append(b.chunks, telemetry.Chunk{PointID: pt.ObjectID, StartMS: c.start, Samples: c.samples})
	buckets := map[[2]int64]*telemetry.Summary{}
	var order [][2]int64
	for _, x := range c.samples {
		for _, res := range []int64{telemetry.Minute, telemetry.Hour} {
			k := [2]int64{res, x.TS - mod(x.TS, res)}
			sum, ok := buckets[k]
			if !ok {
				sum = &telemetry.Summary{}
				buckets[k] = sum
				order = append(order, k)
			}
			sum.Add(x.Value)
		}
	}
	for _, k := range order {
		b.rollups = append(b.rollups, telemetry.Rollup{PointID: pt.ObjectID, Resolution: k[0], BucketMS: k[1], Summary: *buckets[k]})
	}
	p.stats.ChunksSealed.Add(1)
}

// writer stores batches in order and checkpoints the journal after each.
func (p *Pipeline) writer(ctx context.Context) {
	for b := range p.writes {
		for attempt := 0; ; attempt++ {
			err := p.series.WriteSeries(context.Background(), b.chunks, b.rollups, b.latest)
			if err == nil {
				break
			}
			if p.log != nil {
				p.log.Error("storing readings failed; retrying (they stay in the journal)", "err", err, "attempt", attempt)
			}
			time.Sleep(min(time.Duration(attempt+1)*time.Second, 10*time.Second))
		}
		if b.safe > 0 {
			if err := p.journal.Checkpoint(b.safe); err != nil && p.log != nil {
				p.log.Error("journal checkpoint failed", "err", err)
			}
		}
	}
}

// deadLetters writes refusals in batches.
func (p *Pipeline) deadLetters(ctx context.Context) {
	tick := time.NewTicker(500 * time.Millisecond)
	defer tick.Stop()
	var buf []telemetry.RejectionRecord
	write := func() {
		if len(buf) == 0 {
			return
		}
		if err := p.series.AddRejections(context.Background(), buf, p.opts.KeepRejections); err != nil && p.log != nil {
			p.log.Error("dead-letter log write failed", "err", err, "lost", len(buf))
		}
		buf = buf[:0]
	}
	for {
		select {
		case r := <-p.deadq:
			buf = append(buf, r)
			if len(buf) >= 1000 {
				write()
			}
		case <-tick.C:
			write()
		case <-ctx.Done():
			for {
				select {
				case r := <-p.deadq:
					buf = append(buf, r)
					continue
				default:
				}
				break
			}
			write()
			return
		}
	}
}

// alarmWorker applies rule decisions to alarms in order.
func (p *Pipeline) alarmWorker(ctx context.Context) {
	for {
		select {
		case c := <-p.changes:
			if _, err := p.alarms.Apply(context.Background(), c); err != nil {
				p.stats.AlarmErrors.Add(1)
				if p.log != nil {
					p.log.Error("alarm change failed", "point", c.Point.Code, "rule", c.Rule, "err", err)
				}
			}
		case <-ctx.Done():
			for {
				select {
				case c := <-p.changes:
					p.alarms.Apply(context.Background(), c)
					continue
				default:
				}
				return
			}
		}
	}
}

// emit turns firing and resolved transitions into alarm changes (pending
// conditions are not alarms yet) and re-decides the combined alarms of the
// ponds the changed points belong to; the engine's own group transitions
// only tell that something changed.
func (p *Pipeline) emit(ts []rules.Transition) {
	var groups []alarm.Change
	for _, t := range ts {
		p.stats.Transitions.Add(1)
		if t.Kind == rules.Group {
			continue
		}
		p.gs.note(t)
		if c, ok := p.change(t); ok {
			p.changes <- c
		}
		groups = p.regroup(telemetry.PointID(t.Point), t.At, t.Value, groups[:0])
		for _, c := range groups {
			p.changes <- c
		}
	}
}

func timeOf(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

// Recent returns a point's readings with from ≤ ts < to that are not yet
// sealed into the store, and its latest reading (nil if none since start).
func (p *Pipeline) Recent(ctx context.Context, objectID, from, to int64) ([]telemetry.Sample, *telemetry.Sample, error) {
	var out []telemetry.Sample
	var latest *telemetry.Sample
	err := p.Do(ctx, func() {
		pt, ok := p.dir.ByObject(objectID)
		if !ok || int(pt.ID) >= len(p.st.open) {
			return
		}
		keep := func(c *openChunk) {
			if c == nil {
				return
			}
			for _, x := range c.samples {
				if x.TS >= from && x.TS < to {
					out = append(out, x)
				}
			}
		}
		keep(p.st.open[pt.ID])
		for k, c := range p.st.late {
			if k.point == pt.ID {
				keep(c)
			}
		}
		if l := p.st.latest[pt.ID]; l.TS != math.MinInt64 {
			latest = &l
		}
	})
	return out, latest, err
}
