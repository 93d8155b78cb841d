package warning

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/yingji/yingji/internal/core"
)

// Poller imports the CAP messages an Atom or RSS feed points to (a
// meteorological bureau's or an alert hub's), on an interval. Each CAP
// link is fetched once per feed "updated" value; Import drops messages
// already held (same sender, identifier and sent).
type Poller struct {
	Service  *Service
	URL      string
	Interval time.Duration
	Client   *http.Client

	mu   sync.Mutex
	seen map[string]bool
}

// maxFeedBytes and maxCAPBytes bound what a remote server can make us read.
const (
	maxFeedBytes = 8 << 20
	maxCAPBytes  = 2 << 20
)

// PollResult counts one poll's outcome.
type PollResult struct {
	Items, Imported, Duplicates, Rejected int
}

func (p *Poller) client() *http.Client {
	if p.Client != nil {
		return p.Client
	}
	return &http.Client{Timeout: 30 * time.Second}
}

func (p *Poller) get(ctx context.Context, u string, max int64) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/atom+xml, application/rss+xml, application/cap+xml, application/xml;q=0.9, */*;q=0.1")
	resp, err := p.client().Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", u, resp.Status)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, max+1))
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", u, err)
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("GET %s: larger than %d bytes", u, max)
	}
	return data, nil
}

// Poll reads the feed once and imports what is new.
func (p *Poller) Poll(ctx context.Context) (PollResult, error) {
	var r PollResult
	base, err := url.Parse(p.URL)
	if err != nil {
		return r, fmt.Errorf("warning: feed URL %q: %w", p.URL, err)
	}
	data, err := p.get(ctx, p.URL, maxFeedBytes)
	if err != nil {
		return r, fmt.Errorf("warning: poll feed: %w", err)
	}
	items, err := ParseFeed(data, base)
	if err != nil {
		return r, fmt.Errorf("warning: poll %s: %w", p.URL, err)
	}
	// seen keeps only what the feed still lists, so it does not grow.
	next := map[string]bool{}
	defer func() {
		p.mu.Lock()
		p.seen = next
		p.mu.Unlock()
	}()
	ctx = core.WithActor(ctx, core.SystemActor)
	for _, it := range items {
		r.Items++
		key := it.URL + "|" + it.Updated
		p.mu.Lock()
		done := p.seen[key]
		p.mu.Unlock()
		if done {
			next[key] = true
			r.Duplicates++
			continue
		}
		msg, err := p.get(ctx, it.URL, maxCAPBytes)
		if err != nil {
			p.Service.logger().Warn("warning feed: fetch CAP", "url", it.URL, "err", err)
			continue // retried next poll
		}
		_, created, err := p.Service.Import(ctx, msg)
		switch {
		case err != nil && core.ErrorCode(err) != core.EINVALID && core.ErrorCode(err) != core.ECONFLICT:
			p.Service.logger().Error("warning feed: import", "url", it.URL, "err", err)
			continue // our fault; retried next poll
		case err != nil:
			r.Rejected++
			p.Service.logger().Warn("warning feed: message rejected", "url", it.URL, "err", err)
		case created:
			r.Imported++
		default:
			r.Duplicates++
		}
		next[key] = true
	}
	return r, nil
}

// Run polls every Interval until ctx ends.
func (p *Poller) Run(ctx context.Context) {
	iv := p.Interval
	if iv <= 0 {
		iv = 5 * time.Minute
	}
	t := time.NewTicker(iv)
	defer t.Stop()
	for {
		if r, err := p.Poll(ctx); err != nil {
			p.Service.logger().Warn("warning feed poll failed", "url", p.URL, "err", err)
		} else if r.Imported > 0 || r.Rejected > 0 {
			p.Service.logger().Info("warning feed polled", "url", p.URL, "imported", r.Imported, "rejected", r.Rejected)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
