// Package ratelimit keeps token buckets (golang.org/x/time/rate) per key —
// a client address, an account, a device — in bounded memory, and reports
// each limited key at most once a minute so that a flood leaves one audit
// entry, not one per refused request.
package ratelimit

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Spec is a limit: Burst requests at once, refilled at Burst per Per. The
// zero Spec is no limit.
type Spec struct {
	Burst int
	Per   time.Duration
}

// Off reports whether the spec limits nothing.
func (s Spec) Off() bool { return s.Burst <= 0 || s.Per <= 0 }

// String is the flag form, "N/DURATION" ("0" when off).
func (s Spec) String() string {
	if s.Off() {
		return "0"
	}
	return strconv.Itoa(s.Burst) + "/" + s.Per.String()
}

// Set parses "N/DURATION" (e.g. "30/1m": 30 at once, refilled at 30 a
// minute) or "0" for no limit; it makes Spec a flag.Value.
func (s *Spec) Set(v string) error {
	v = strings.TrimSpace(v)
	if v == "0" || v == "" || v == "off" {
		*s = Spec{}
		return nil
	}
	n, d, ok := strings.Cut(v, "/")
	if !ok {
		return fmt.Errorf("%q: want N/DURATION such as 30/1m, or 0 for no limit", v)
	}
	burst, err := strconv.Atoi(strings.TrimSpace(n))
	if err != nil || burst < 1 {
		return fmt.Errorf("%q: %q is not a positive count", v, n)
	}
	per, err := time.ParseDuration(strings.TrimSpace(d))
	if err != nil || per <= 0 {
		return fmt.Errorf("%q: %q is not a positive duration such as 1m", v, d)
	}
	*s = Spec{Burst: burst, Per: per}
	return nil
}

// ReportEvery is how often a key that stays limited is reported again.
const ReportEvery = time.Minute

// DefaultMaxKeys bounds the keys a Limiter remembers.
const DefaultMaxKeys = 100_000

// Limiter is a set of token buckets of one Spec, one per key. A nil
// *Limiter (or one with an Off spec) allows everything.
type Limiter struct {
	// Scope names the limit in reports and problems: login, ingest, api, mqtt.
	Scope string
	// Flag is the setting that configures it, named in problems.
	Flag string
	Spec Spec
	// MaxKeys bounds memory (default DefaultMaxKeys); keys whose bucket
	// is full again are forgotten first, then arbitrary ones.
	MaxKeys int
	// Now is the clock (default time.Now).
	Now func() time.Time
	// OnLimited is called, outside the lock, the first time a key is
	// refused and then at most once per ReportEvery while it keeps being
	// refused, with the refusals since the previous call (this one
	// included).
	OnLimited func(scope, key string, count int)
	// Refused, when set, counts every refusal (a prometheus.Counter).
	Refused interface{ Inc() }

	mu    sync.Mutex
	keys  map[string]*entry
	sweep time.Time
}

type entry struct {
	lim      *rate.Limiter
	reported time.Time // last OnLimited call; zero when never
	refused  int       // refusals not yet reported
}

// New makes a limiter; it returns nil (allow everything) for an Off spec.
func New(scope string, spec Spec, onLimited func(scope, key string, count int)) *Limiter {
	if spec.Off() {
		return nil
	}
	return &Limiter{Scope: scope, Spec: spec, OnLimited: onLimited}
}

func (l *Limiter) now() time.Time {
	if l.Now != nil {
		return l.Now()
	}
	return time.Now()
}

// Allow takes a token for key. When none is left it returns false and how
// long until one is.
func (l *Limiter) Allow(key string) (bool, time.Duration) {
	if l == nil || l.Spec.Off() {
		return true, 0
	}
	now := l.now()
	l.mu.Lock()
	if l.keys == nil {
		l.keys = map[string]*entry{}
	}
	e := l.keys[key]
	if e == nil {
		l.evict(now)
		e = &entry{lim: rate.NewLimiter(l.limit(), l.Spec.Burst)}
		l.keys[key] = e
	}
	r := e.lim.ReserveN(now, 1)
	wait := r.DelayFrom(now)
	if wait == 0 {
		l.mu.Unlock()
		return true, 0
	}
	r.CancelAt(now) // a refused request takes no token
	if l.Refused != nil {
		l.Refused.Inc()
	}
	e.refused++
	report, count := false, 0
	if e.reported.IsZero() || now.Sub(e.reported) >= ReportEvery {
		report, count = true, e.refused
		e.reported, e.refused = now, 0
	}
	l.mu.Unlock()
	if report && l.OnLimited != nil {
		l.OnLimited(l.Scope, key, count)
	}
	return false, wait
}

func (l *Limiter) limit() rate.Limit {
	return rate.Limit(float64(l.Spec.Burst) / l.Spec.Per.Seconds())
}

// evict makes room for a new key: every minute, and whenever the map is
// full, keys whose bucket has refilled (they would start afresh anyway) and
// that were not reported in the last ReportEvery are dropped; if that is
// not enough, arbitrary unreported keys, and last any keys (a flood of new
// keys costs others only their partly used buckets, never unbounded memory).
func (l *Limiter) evict(now time.Time) {
	max := l.MaxKeys
	if max <= 0 {
		max = DefaultMaxKeys
	}
	full := len(l.keys) >= max
	if !full && now.Sub(l.sweep) < time.Minute {
		return
	}
	l.sweep = now
	for k, e := range l.keys {
		if e.lim.TokensAt(now) >= float64(l.Spec.Burst) && (e.reported.IsZero() || now.Sub(e.reported) >= ReportEvery) {
			delete(l.keys, k)
		}
	}
	// a full map is brought down to 90 % so that new keys do not scan it
	// each (were only a few refilled, the next new key would be full again):
	// then keys not reported in the last minute (forgetting one that was
	// could report it twice in a minute), then any
	target := max - max/10
	if !full || len(l.keys) <= target {
		return
	}
	for _, recentToo := range []bool{false, true} {
		for k, e := range l.keys {
			if len(l.keys) <= target {
				return
			}
			if recentToo || e.reported.IsZero() || now.Sub(e.reported) >= ReportEvery {
				delete(l.keys, k)
			}
		}
	}
}

// Len is the number of keys remembered.
func (l *Limiter) Len() int {
	if l == nil {
		return 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.keys)
}

// RetryAfter is the whole seconds to put in a Retry-After header (at least 1).
func RetryAfter(wait time.Duration) int {
	s := int((wait + time.Second - 1) / time.Second)
	return max(s, 1)
}
