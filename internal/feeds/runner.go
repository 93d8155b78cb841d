package feeds

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/yingji/yingji/internal/core"
)

// Dedup remembers the events already seen, by Key, with the revision time
// each was seen at. It forgets the oldest keys beyond Max, so a feed that
// re-sends a week of events on every poll must fit in Max.
type Dedup struct {
	Max   int
	seen  map[string]time.Time
	order []string
}

// Fresh reports whether ev is new or a later revision of a known event,
// and remembers it.
func (d *Dedup) Fresh(ev Event) bool {
	if d.seen == nil {
		d.seen = map[string]time.Time{}
	}
	k := ev.Key()
	if prev, ok := d.seen[k]; ok {
		if ev.Updated.After(prev) {
			d.seen[k] = ev.Updated
			return true
		}
		return false
	}
	d.seen[k] = ev.Updated
	d.order = append(d.order, k)
	max := d.Max
	if max <= 0 {
		max = 100000
	}
	for len(d.order) > max {
		delete(d.seen, d.order[0])
		d.order = d.order[1:]
	}
	return true
}

// Source is one configured feed: a URL polled every Interval, or a
// directory where files are dropped (each is parsed once and moved to
// Dir/done, or Dir/failed with a .error note).
type Source struct {
	Name     string
	Kind     string
	URL      string
	Dir      string
	Interval time.Duration
}

// Status is a feed's state.
type Status struct {
	Name       string
	Kind       string
	Source     string
	LastPoll   time.Time
	LastError  string
	LastErrAt  time.Time
	EventsSeen int
	Duplicates int
}

// Handler is told of every fresh event.
type Handler func(ctx context.Context, ev Event)

// Runner polls the sources, accepts pushed documents, suppresses
// duplicates across all of them and hands fresh events to Handle.
type Runner struct {
	Sources []Source
	Client  *http.Client
	Clock   core.Clock
	Handle  Handler
	Logger  *slog.Logger
	// MaxBody bounds a fetched or pushed document (default 32 MiB).
	MaxBody int64

	mu     sync.Mutex
	dedup  Dedup
	status map[string]*Status
}

func (r *Runner) now() time.Time {
	if r.Clock != nil {
		return r.Clock()
	}
	return time.Now().UTC()
}

func (r *Runner) st(name, kind, src string) *Status {
	if r.status == nil {
		r.status = map[string]*Status{}
	}
	s, ok := r.status[name]
	if !ok {
		s = &Status{Name: name, Kind: kind, Source: src}
		r.status[name] = s
	}
	return s
}

// Statuses returns every feed's status, by name.
func (r *Runner) Statuses() []Status {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, s := range r.Sources {
		r.st(s.Name, s.Kind, sourceOf(s))
	}
	out := make([]Status, 0, len(r.status))
	for _, s := range r.status {
		out = append(out, *s)
	}
	slices.SortFunc(out, func(a, b Status) int { return strings.Compare(a.Name, b.Name) })
	return out
}

func sourceOf(s Source) string {
	if s.URL != "" {
		return s.URL
	}
	return "dir:" + s.Dir
}

// Ingest parses a document from the named feed and handles its fresh
// events; it records the outcome in the feed's status.
func (r *Runner) Ingest(ctx context.Context, name, kind, src string, data []byte) (events, fresh int, err error) {
	evs, err := Parse(kind, data)
	r.mu.Lock()
	st := r.st(name, kind, src)
	st.LastPoll = r.now()
	if err != nil {
		st.LastError, st.LastErrAt = err.Error(), st.LastPoll
		r.mu.Unlock()
		return 0, 0, err
	}
	st.LastError = ""
	var todo []Event
	for _, ev := range evs {
		if r.dedup.Fresh(ev) {
			todo = append(todo, ev)
		} else {
			st.Duplicates++
		}
	}
	st.EventsSeen += len(todo)
	r.mu.Unlock()
	for _, ev := range todo {
		if r.Handle != nil {
			r.Handle(ctx, ev)
		}
	}
	return len(evs), len(todo), nil
}

// Push accepts a document sent to the platform (HTTP POST).
func (r *Runner) Push(ctx context.Context, kind string, data []byte) (events, fresh int, err error) {
	if !slices.Contains(FeedKinds, kind) {
		return 0, 0, core.Invalid("kind", "%q is not one of %s", kind, strings.Join(FeedKinds, ", "))
	}
	events, fresh, err = r.Ingest(ctx, "push:"+kind, kind, "HTTP POST", data)
	if err != nil {
		return 0, 0, core.Invalid("body", "%s", err.Error())
	}
	return events, fresh, nil
}

// Run polls every source until ctx ends.
func (r *Runner) Run(ctx context.Context) {
	var wg sync.WaitGroup
	for _, s := range r.Sources {
		wg.Add(1)
		go func() {
			defer wg.Done()
			iv := s.Interval
			if iv <= 0 {
				iv = 5 * time.Minute
			}
			t := time.NewTicker(iv)
			defer t.Stop()
			for {
				r.PollOnce(ctx, s)
				select {
				case <-ctx.Done():
					return
				case <-t.C:
				}
			}
		}()
	}
	wg.Wait()
}

// PollOnce fetches a URL source, or reads the files dropped in a
// directory source.
func (r *Runner) PollOnce(ctx context.Context, s Source) {
	var err error
	if s.URL != "" {
		err = r.fetch(ctx, s)
	} else {
		err = r.scanDir(ctx, s)
	}
	if err != nil && r.Logger != nil {
		r.Logger.Warn("feed poll failed", "feed", s.Name, "err", err)
	}
}

func (r *Runner) maxBody() int64 {
	if r.MaxBody > 0 {
		return r.MaxBody
	}
	return 32 << 20
}

func (r *Runner) fail(s Source, err error) error {
	r.mu.Lock()
	st := r.st(s.Name, s.Kind, sourceOf(s))
	st.LastPoll = r.now()
	st.LastError, st.LastErrAt = err.Error(), st.LastPoll
	r.mu.Unlock()
	return err
}

func (r *Runner) fetch(ctx context.Context, s Source) error {
	client := r.Client
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.URL, nil)
	if err != nil {
		return r.fail(s, err)
	}
	resp, err := client.Do(req)
	if err != nil {
		return r.fail(s, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return r.fail(s, fmt.Errorf("GET %s: %s", s.URL, resp.Status))
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, r.maxBody()+1))
	if err != nil {
		return r.fail(s, err)
	}
	if int64(len(data)) > r.maxBody() {
		return r.fail(s, fmt.Errorf("GET %s: larger than %d bytes", s.URL, r.maxBody()))
	}
	_, _, err = r.Ingest(ctx, s.Name, s.Kind, s.URL, data)
	return err
}

// scanDir parses each regular file in the directory once, oldest first,
// and moves it to done/ or failed/ (with the error in NAME.error), so a
// file is never read twice and a bad one is kept for a person to look at.
func (r *Runner) scanDir(ctx context.Context, s Source) error {
	entries, err := os.ReadDir(s.Dir)
	if err != nil {
		return r.fail(s, err)
	}
	var firstErr error
	for _, e := range entries {
		if !e.Type().IsRegular() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		path := filepath.Join(s.Dir, e.Name())
		data, err := os.ReadFile(path)
		if err != nil {
			firstErr = errors.Join(firstErr, err)
			continue
		}
		_, _, perr := r.Ingest(ctx, s.Name, s.Kind, "dir:"+s.Dir, data)
		sub := "done"
		if perr != nil {
			sub = "failed"
			firstErr = errors.Join(firstErr, fmt.Errorf("%s: %w", e.Name(), perr))
		}
		if err := os.MkdirAll(filepath.Join(s.Dir, sub), 0o755); err != nil {
			return r.fail(s, err)
		}
		if err := os.Rename(path, filepath.Join(s.Dir, sub, e.Name())); err != nil {
			return r.fail(s, err)
		}
		if perr != nil {
			os.WriteFile(filepath.Join(s.Dir, sub, e.Name()+".error"), []byte(perr.Error()+"\n"), 0o644)
		}
	}
	if firstErr == nil {
		r.mu.Lock()
		st := r.st(s.Name, s.Kind, sourceOf(s))
		st.LastPoll = r.now()
		r.mu.Unlock()
	}
	return firstErr
}

// ParseSource reads a source given as NAME=KIND@URL or NAME=KIND@dir:PATH,
// with an optional ,every=DURATION.
func ParseSource(s string) (Source, error) {
	name, rest, ok := strings.Cut(s, "=")
	if !ok || name == "" {
		return Source{}, fmt.Errorf("feed %q: want NAME=KIND@URL or NAME=KIND@dir:PATH[,every=5m]", s)
	}
	kind, where, ok := strings.Cut(rest, "@")
	if !ok || !slices.Contains(FeedKinds, kind) {
		return Source{}, fmt.Errorf("feed %q: kind must be one of %s", s, strings.Join(FeedKinds, ", "))
	}
	src := Source{Name: name, Kind: kind, Interval: 5 * time.Minute}
	if loc, opt, ok := strings.Cut(where, ",every="); ok {
		d, err := time.ParseDuration(opt)
		if err != nil || d < 10*time.Second {
			return Source{}, fmt.Errorf("feed %q: every=%q must be a duration ≥ 10s", s, opt)
		}
		src.Interval, where = d, loc
	}
	switch {
	case strings.HasPrefix(where, "dir:"):
		src.Dir = strings.TrimPrefix(where, "dir:")
	case strings.HasPrefix(where, "http://") || strings.HasPrefix(where, "https://"):
		src.URL = where
	default:
		return Source{}, fmt.Errorf("feed %q: %q is neither an http(s) URL nor dir:PATH", s, where)
	}
	return src, nil
}
