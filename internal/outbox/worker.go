package outbox

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"strconv"
	"sync"
	"time"
)

// Sender sends one message to one recipient on one channel.
type Sender interface {
	Channel() Channel
	// Send delivers m to c. key is stable for this (message, recipient,
	// channel) across retries and restarts: channels that support
	// idempotency pass it on (webhook header, SMTP Message-ID, SMS
	// client reference). delivered reports that the channel's answer is
	// itself a delivery confirmation; ref is the channel's id for later
	// receipts.
	Send(ctx context.Context, m *MessageBody, c Contact, key string) (delivered bool, ref string, err error)
}

// Permanent marks an error retrying cannot fix (a refused address, a
// 4xx answer): the row fails at once with the reason.
type Permanent struct{ Err error }

func (p *Permanent) Error() string { return p.Err.Error() }
func (p *Permanent) Unwrap() error { return p.Err }

// IdempotencyKey is the key of an outbox row: the same for every attempt.
func IdempotencyKey(rowID int64) string { return "yj-" + strconv.FormatInt(rowID, 10) }

// Worker drains one channel's outbox rows.
type Worker struct {
	Service *Service
	Sender  Sender
	// Rate is messages per second (0: unlimited); Burst the bucket size.
	Rate  float64
	Burst int
	// Batch is how many rows a claim leases; Concurrency how many sends
	// run at once.
	Batch, Concurrency int
	// Lease is how long claimed rows stay reserved; after a crash they are
	// claimed again when it has passed.
	Lease time.Duration
	// MaxAttempts before giving up; BaseBackoff doubles each retry up to
	// MaxBackoff, with full jitter.
	MaxAttempts             int
	BaseBackoff, MaxBackoff time.Duration
	// Idle is the pause when nothing is due.
	Idle   time.Duration
	Logger *slog.Logger

	msgMu sync.Mutex
	msgs  map[int64]*MessageBody
	lim   *limiter
}

func (w *Worker) defaults() {
	if w.Batch <= 0 {
		w.Batch = 256
	}
	if w.Concurrency <= 0 {
		w.Concurrency = 16
	}
	if w.Lease <= 0 {
		w.Lease = time.Minute
	}
	if w.MaxAttempts <= 0 {
		w.MaxAttempts = 8
	}
	if w.BaseBackoff <= 0 {
		w.BaseBackoff = 5 * time.Second
	}
	if w.MaxBackoff <= 0 {
		w.MaxBackoff = 30 * time.Minute
	}
	if w.Idle <= 0 {
		w.Idle = 500 * time.Millisecond
	}
	if w.Logger == nil {
		w.Logger = slog.Default()
	}
	if w.msgs == nil {
		w.msgs = map[int64]*MessageBody{}
	}
	if w.lim == nil {
		w.lim = newLimiter(w.Rate, w.Burst)
	}
}

// Backoff is the delay before attempt n+1 after n failed attempts: a
// uniformly random duration up to min(max, base·2^(n-1)) ("full jitter").
func Backoff(n int, base, max time.Duration, rnd func() float64) time.Duration {
	d := float64(base) * math.Pow(2, float64(n-1))
	if d > float64(max) {
		d = float64(max)
	}
	return time.Duration(d * rnd())
}

// Run works until ctx ends. While one batch's outcomes are being
// recorded, the next batch is claimed and sent.
func (w *Worker) Run(ctx context.Context) {
	w.defaults()
	var finishing chan error
	settle := func() {
		if finishing != nil {
			if err := <-finishing; err != nil {
				w.Logger.Warn("outbox worker", "channel", w.Sender.Channel().String(), "err", err)
			}
			finishing = nil
		}
	}
	defer settle()
	var heldUntil time.Time // lease end of the batch being recorded
	for ctx.Err() == nil {
		// the batch being recorded is still leased in the store; once its
		// lease has run out (a slow send) the claim would take it again and
		// send it twice, so it is recorded first
		now := w.Service.now()
		if finishing != nil && !now.Before(heldUntil) {
			settle()
			now = w.Service.now()
		}
		// taken before the claim: an enqueue that commits while the claim
		// runs wakes the worker instead of leaving its rows for the next poll
		wake := w.Service.Wakeup()
		jobs, err := w.Service.Store.ClaimJobs(ctx, w.Sender.Channel(), now, w.Lease, w.Batch)
		if err != nil || len(jobs) == 0 {
			settle()
			if err != nil && ctx.Err() == nil {
				w.Logger.Warn("outbox worker", "channel", w.Sender.Channel().String(), "err", err)
			}
			select {
			case <-ctx.Done():
			case <-time.After(w.Idle):
			case <-wake:
			}
			continue
		}
		outs, err := w.sendAll(ctx, jobs)
		settle()
		if err != nil {
			return // ctx ended: the rows stay leased and are retried after the lease
		}
		finishing, heldUntil = make(chan error, 1), now.Add(w.Lease)
		go func() { finishing <- w.Service.Store.FinishJobs(context.WithoutCancel(ctx), outs) }()
	}
}

func (w *Worker) message(ctx context.Context, id int64) (*MessageBody, error) {
	w.msgMu.Lock()
	defer w.msgMu.Unlock()
	if m, ok := w.msgs[id]; ok {
		return m, nil
	}
	sm, err := w.Service.Store.GetMessage(ctx, id)
	if err != nil {
		return nil, err
	}
	if len(w.msgs) > 1000 {
		clear(w.msgs)
	}
	w.msgs[id] = &sm.Body
	return &sm.Body, nil
}

// Once claims one batch, sends it and records the outcomes; it returns
// how many rows it handled.
func (w *Worker) Once(ctx context.Context) (int, error) {
	w.defaults()
	jobs, err := w.Service.Store.ClaimJobs(ctx, w.Sender.Channel(), w.Service.now(), w.Lease, w.Batch)
	if err != nil || len(jobs) == 0 {
		return 0, err
	}
	outs, err := w.sendAll(ctx, jobs)
	if err != nil {
		return 0, err
	}
	return len(jobs), w.Service.Store.FinishJobs(context.WithoutCancel(ctx), outs)
}

// sendAll sends a claimed batch, Concurrency at a time, within the rate.
func (w *Worker) sendAll(ctx context.Context, jobs []Job) ([]Outcome, error) {
	outs := make([]Outcome, len(jobs))
	var wg sync.WaitGroup
	sem := make(chan struct{}, w.Concurrency)
	for i := range jobs {
		if err := w.lim.wait(ctx); err != nil {
			wg.Wait()
			return nil, err
		}
		sem <- struct{}{}
		wg.Add(1)
		go func(i int) {
			defer func() { <-sem; wg.Done() }()
			outs[i] = w.send(ctx, &jobs[i])
		}(i)
	}
	wg.Wait()
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	return outs, nil
}

func (w *Worker) send(ctx context.Context, j *Job) Outcome {
	now := func() time.Time { return w.Service.now() }
	o := Outcome{ID: j.ID}
	m, err := w.message(ctx, j.MessageID)
	if err == nil {
		var c Contact
		if c, err = w.Service.OpenContact(j); err == nil {
			var delivered bool
			delivered, o.Ref, err = w.Sender.Send(ctx, m, c, IdempotencyKey(j.ID))
			if err == nil {
				o.State, o.At = StateSent, now()
				if delivered {
					o.State = StateDelivered
				}
				return o
			}
		} else {
			err = &Permanent{err}
		}
	}
	o.Error = trimErr(err)
	var perm *Permanent
	switch {
	case errors.As(err, &perm):
		o.State, o.At = StateFailed, now()
	case j.Attempts >= w.MaxAttempts:
		o.State, o.At = StateFailed, now()
		o.Error = fmt.Sprintf("gave up after %d attempts: %s", j.Attempts, o.Error)
	default:
		o.State = StateQueued
		o.Due = now().Add(Backoff(j.Attempts, w.BaseBackoff, w.MaxBackoff, rand.Float64))
	}
	return o
}

func trimErr(err error) string {
	s := err.Error()
	if len(s) > 500 {
		s = s[:500]
	}
	return s
}

// limiter is a token bucket.
type limiter struct {
	rate   float64
	burst  float64
	tokens float64
	last   time.Time
}

func newLimiter(rate float64, burst int) *limiter {
	if burst <= 0 {
		burst = max(1, int(rate/10))
	}
	return &limiter{rate: rate, burst: float64(burst), tokens: float64(burst), last: time.Now()}
}

func (l *limiter) wait(ctx context.Context) error {
	if l.rate <= 0 {
		return nil
	}
	for {
		now := time.Now()
		l.tokens = math.Min(l.burst, l.tokens+now.Sub(l.last).Seconds()*l.rate)
		l.last = now
		if l.tokens >= 1 {
			l.tokens--
			return nil
		}
		d := time.Duration((1 - l.tokens) / l.rate * float64(time.Second))
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(d):
		}
	}
}
