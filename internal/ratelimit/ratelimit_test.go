package ratelimit

import (
	"flag"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type report struct {
	scope, key string
	count      int
}

func TestLimiterPerKeyAndReports(t *testing.T) {
	c := &clock{t: time.Date(2026, 11, 28, 8, 0, 0, 0, time.UTC)}
	var reps []report
	l := New("login", Spec{Burst: 3, Per: time.Minute}, func(s, k string, n int) { reps = append(reps, report{s, k, n}) })
	l.Now = c.now
	for i := range 3 {
		if ok, _ := l.Allow("ip:10.0.0.1"); !ok {
			t.Fatalf("request %d refused within the burst", i+1)
		}
	}
	ok, wait := l.Allow("ip:10.0.0.1")
	if ok || wait <= 0 || wait > 20*time.Second {
		t.Fatalf("4th request: ok=%v wait=%v, want refused with a wait up to 20s (3 a minute)", ok, wait)
	}
	if RetryAfter(wait) != 20 {
		t.Errorf("Retry-After = %d, want 20", RetryAfter(wait))
	}
	if ok, _ := l.Allow("ip:10.0.0.2"); !ok {
		t.Fatal("another key is limited by the first one's use")
	}
	for range 50 {
		l.Allow("ip:10.0.0.1")
	}
	if len(reps) != 1 || reps[0] != (report{"login", "ip:10.0.0.1", 1}) {
		t.Fatalf("reports after 51 refusals in a minute = %+v, want one", reps)
	}
	// refused requests take no token: after 20 s one passes again
	c.add(20 * time.Second)
	if ok, _ := l.Allow("ip:10.0.0.1"); !ok {
		t.Fatal("no token after the refill time")
	}
	c.add(41 * time.Second)
	for range 4 {
		l.Allow("ip:10.0.0.1")
	}
	if len(reps) != 2 || reps[1].count != 51 {
		t.Fatalf("reports a minute later = %+v, want a second one counting the 50 unreported refusals and this one", reps)
	}
}

func TestLimiterBoundedMemory(t *testing.T) {
	c := &clock{t: time.Date(2026, 11, 28, 8, 0, 0, 0, time.UTC)}
	l := New("api", Spec{Burst: 2, Per: time.Second}, nil)
	l.Now, l.MaxKeys = c.now, 100
	for i := range 1000 {
		l.Allow(fmt.Sprintf("ip:%d", i))
	}
	if n := l.Len(); n > 100 {
		t.Fatalf("%d keys remembered, want at most 100", n)
	}
	// idle keys (bucket full again) go at the next sweep
	c.add(2 * time.Minute)
	l.Allow("ip:new")
	if n := l.Len(); n != 1 {
		t.Fatalf("%d keys after the idle sweep, want 1", n)
	}
}

func TestNilAndOffAllow(t *testing.T) {
	var l *Limiter
	if ok, _ := l.Allow("x"); !ok {
		t.Fatal("nil limiter refused")
	}
	if New("api", Spec{}, nil) != nil {
		t.Fatal("an off spec makes a limiter")
	}
}

func TestSpecFlag(t *testing.T) {
	for in, want := range map[string]Spec{"30/1m": {30, time.Minute}, "0": {}, " 5 / 2s ": {5, 2 * time.Second}} {
		var s Spec
		if err := s.Set(in); err != nil || s != want {
			t.Errorf("Set(%q) = %+v, %v; want %+v", in, s, err, want)
		}
	}
	for _, bad := range []string{"30", "x/1m", "-1/1m", "3/0s", "3/soon"} {
		var s Spec
		if err := s.Set(bad); err == nil {
			t.Errorf("Set(%q) accepted", bad)
		}
	}
	var _ flag.Value = &Spec{}
	if (Spec{30, time.Minute}).String() != "30/1m0s" {
		t.Errorf("String = %s", Spec{30, time.Minute})
	}
}

func FuzzSpecSet(f *testing.F) {
	for _, s := range []string{"30/1m", "0", "1/1ns", "x/y", "9999999999999999999/1h"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		var s Spec
		if err := s.Set(in); err != nil {
			return
		}
		var again Spec
		if err := again.Set(s.String()); err != nil || again != s {
			t.Fatalf("%q → %+v → %q → %+v, %v", in, s, s.String(), again, err)
		}
	})
}

// BenchmarkAllow is the cost of one check of a remembered key.
func BenchmarkAllow(b *testing.B) {
	l := New("api", Spec{Burst: 1 << 30, Per: time.Second}, nil)
	for b.Loop() {
		l.Allow("user:admin")
	}
}

// BenchmarkAllowNewKeys is a flood of distinct keys against a full map
// (eviction amortised).
func BenchmarkAllowNewKeys(b *testing.B) {
	l := New("login", Spec{Burst: 5, Per: time.Minute}, nil)
	l.MaxKeys = 10_000
	i := 0
	for b.Loop() {
		l.Allow("ip:" + strconv.Itoa(i))
		i++
	}
	if l.Len() > 10_000 {
		b.Fatalf("%d keys", l.Len())
	}
}
