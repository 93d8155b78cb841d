package sim

import (
	"hash/fnv"
	"math"
	"math/rand/v2"
	"sort"
	"time"
)

// Rain comes in events over a weather cell (a region): each event is a
// run of five-minute blocks of constant intensity, strongest in the
// middle, separated by dry spells. Events are drawn one after the other
// from the cell's own random stream, so they depend only on the seed, the
// region and the start of the run, never on who asked when.
const (
	blockMS = int64(5 * time.Minute / time.Millisecond)
	hourMS  = float64(time.Hour / time.Millisecond)
	// rainingAtStart is the share of cells where it rains as the run
	// begins, so that a short run already shows rain somewhere.
	rainingAtStart = 0.4
	// meanDrySpell is the mean time between two rain events of a cell.
	meanDrySpell = 6 * time.Hour
	// stormShare is the share of events that are storms (peak intensity
	// 15 to 40 mm/h) rather than showers (1 to 12 mm/h).
	stormShare = 0.1
)

// rainEvent is one shower or storm.
type rainEvent struct {
	start  int64     // Unix ms
	blocks []float64 // intensity of each block, mm/h
	before float64   // rain of all earlier events of the cell, mm
}

func (e *rainEvent) end() int64 { return e.start + int64(len(e.blocks))*blockMS }

// upto is the rain of the event until t, mm.
func (e *rainEvent) upto(t int64) float64 {
	sum := 0.0
	for k, r := range e.blocks {
		b0 := e.start + int64(k)*blockMS
		if t <= b0 {
			break
		}
		sum += r * float64(min(b0+blockMS, t)-b0) / hourMS
	}
	return sum
}

// cell is the weather of one region.
type cell struct {
	rng    *rand.Rand
	events []rainEvent
	next   int64 // start of the next event to draw
}

func newCell(seed uint64, region string, startMS int64) *cell {
	c := &cell{rng: newRand(seed, "rain/"+region)}
	if c.rng.Float64() < rainingAtStart {
		c.next = startMS - int64(c.rng.Float64()*float64(20*time.Minute/time.Millisecond))
	} else {
		c.next = startMS + int64(c.rng.ExpFloat64()*float64(meanDrySpell/time.Millisecond)/2)
	}
	return c
}

// extend draws events until every event starting at or before t is known.
func (c *cell) extend(t int64) {
	for c.next <= t {
		n := 4 + c.rng.IntN(9) // 20 to 60 minutes
		peak := uniform(c.rng, 1, 12)
		if c.rng.Float64() < stormShare {
			peak = uniform(c.rng, 15, 40)
		}
		blocks := make([]float64, n)
		for k := range blocks {
			shape := math.Sin(math.Pi * (float64(k) + 0.5) / float64(n))
			blocks[k] = math.Round(peak*shape*(0.6+0.8*c.rng.Float64())*10) / 10
		}
		before := 0.0
		if len(c.events) > 0 {
			last := &c.events[len(c.events)-1]
			before = last.before + last.upto(last.end())
		}
		c.events = append(c.events, rainEvent{start: c.next, blocks: blocks, before: before})
		c.next = c.events[len(c.events)-1].end() + int64(c.rng.ExpFloat64()*float64(meanDrySpell/time.Millisecond))
	}
}

// last returns the index of the last event starting before t, or -1.
func (c *cell) last(t int64) int {
	c.extend(t)
	return sort.Search(len(c.events), func(i int) bool { return c.events[i].start >= t }) - 1
}

// total is the rain fallen on the cell from its first event until t, mm.
func (c *cell) total(t int64) float64 {
	i := c.last(t)
	if i < 0 {
		return 0
	}
	return c.events[i].before + c.events[i].upto(t)
}

// recent is the rain until t with each millimetre weighted by
// exp(-age/tau): what a reservoir with that time constant still holds, mm.
func (c *cell) recent(t int64, tau time.Duration) float64 {
	tauMS := float64(tau / time.Millisecond)
	sum := 0.0
	for i := c.last(t); i >= 0; i-- {
		e := &c.events[i]
		if float64(t-e.end()) > 10*tauMS {
			break
		}
		for k, r := range e.blocks {
			b0 := e.start + int64(k)*blockMS
			if b0 >= t {
				break
			}
			b1 := min(b0+blockMS, t)
			sum += r / hourMS * tauMS * (math.Exp(-float64(t-b1)/tauMS) - math.Exp(-float64(t-b0)/tauMS))
		}
	}
	return sum
}

// rainDayStart is the beginning of the meteorological day (08:00 local)
// that t falls in.
func rainDayStart(t int64, loc *time.Location) int64 {
	lt := time.UnixMilli(t).In(loc)
	d := time.Date(lt.Year(), lt.Month(), lt.Day(), 8, 0, 0, 0, loc)
	if lt.Before(d) {
		d = d.AddDate(0, 0, -1)
	}
	return d.UnixMilli()
}

// hashKey mixes the seed with a key into 64 well-spread bits.
func hashKey(seed uint64, key string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(key))
	return splitmix(seed ^ splitmix(h.Sum64()))
}

// splitmix is the SplitMix64 finaliser: a bijection that spreads bits.
func splitmix(x uint64) uint64 {
	x += 0x9E3779B97F4A7C15
	x = (x ^ x>>30) * 0xBF58476D1CE4E5B9
	x = (x ^ x>>27) * 0x94D049BB133111EB
	return x ^ x>>31
}

// newRand returns a random stream for a key under the seed.
func newRand(seed uint64, key string) *rand.Rand {
	return rand.New(rand.NewPCG(seed, hashKey(seed, key)))
}

// noise is white noise in [-1, 1) for a stream and a time: the same
// arguments give the same number, whatever was asked before.
func noise(stream uint64, t int64) float64 {
	x := splitmix(stream ^ splitmix(uint64(t)))
	return float64(x>>11)/(1<<53)*2 - 1
}

// uniform maps a random stream's next number into [lo, hi).
func uniform(r *rand.Rand, lo, hi float64) float64 { return lo + (hi-lo)*r.Float64() }

// exponential draws a duration with the given mean.
func exponential(r *rand.Rand, mean time.Duration) int64 {
	return int64(r.ExpFloat64() * float64(mean/time.Millisecond))
}
