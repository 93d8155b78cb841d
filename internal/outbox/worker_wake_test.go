package outbox

import (
	"context"
	"testing"
	"time"
)

// claimStore answers claims with nothing; the first claim lets an enqueue
// commit while it runs (the notify an Enqueue makes).
type claimStore struct {
	Store
	svc   *Service
	calls chan int
	n     int
}

func (s *claimStore) ClaimJobs(context.Context, Channel, time.Time, time.Duration, int) ([]Job, error) {
	s.n++
	if s.n == 1 {
		s.svc.notify()
	}
	s.calls <- s.n
	return nil, nil
}

type nopSender struct{}

func (nopSender) Channel() Channel { return Webhook }
func (nopSender) Send(context.Context, *MessageBody, Contact, string) (bool, string, error) {
	return true, "", nil
}

// TestWorkerWakesForEnqueueDuringClaim: rows enqueued while a worker's
// claim runs (found empty) are claimed at once, not after the idle poll.
func TestWorkerWakesForEnqueueDuringClaim(t *testing.T) {
	svc := &Service{}
	st := &claimStore{svc: svc, calls: make(chan int, 10)}
	svc.Store = st
	w := &Worker{Service: svc, Sender: nopSender{}, Idle: time.Hour}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go w.Run(ctx)
	<-st.calls
	select {
	case <-st.calls:
	case <-time.After(10 * time.Second):
		t.Fatal("the enqueue during the claim did not wake the worker; it waits for its idle poll (1 h here)")
	}
}
