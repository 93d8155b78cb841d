package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/yingji/yingji/internal/alarm"
	"github.com/yingji/yingji/internal/ingest"
)

// LiveFeed fans the live events of one node out to its SSE clients. The
// node subscribes to the bus once and hands every event to Deliver; the
// subjects carry the division and enterprise
// (alarm.<division>.<enterprise>.<action>, latest.<division>.0) so that
// the SSE handler filters by scope without decoding. The subject format is
// built and read only here.
type LiveFeed struct {
	mu   sync.Mutex
	subs map[int]func(LiveEvent)
	next int
}

// NewLiveFeed returns a feed with no clients.
func NewLiveFeed() *LiveFeed { return &LiveFeed{subs: map[int]func(LiveEvent){}} }

// Message is one event to publish on the bus.
type Message struct {
	Subject string
	Data    []byte
}

func token(s string) string {
	if s == "" {
		return "_"
	}
	return s
}

// AlarmMessage is the bus message of an alarm change.
func AlarmMessage(a *alarm.Alarm, ev alarm.Event) (Message, error) {
	data, err := json.Marshal(map[string]any{"alarm": a, "event": ev})
	if err != nil {
		return Message{}, err
	}
	return Message{Subject: fmt.Sprintf("alarm.%s.%d.%s", token(a.Division), a.EnterpriseID, ev.Action), Data: data}, nil
}

// LatestMessages are the bus messages of changed latest values, one per
// division.
func LatestMessages(vs []ingest.LatestValue) []Message {
	byDiv := map[string][]ingest.LatestValue{}
	for _, v := range vs {
		byDiv[v.Division] = append(byDiv[v.Division], v)
	}
	out := make([]Message, 0, len(byDiv))
	for div, list := range byDiv {
		if data, err := json.Marshal(list); err == nil {
			out = append(out, Message{Subject: "latest." + token(div) + ".0", Data: data})
		}
	}
	return out
}

// Deliver hands one bus event to every client.
func (f *LiveFeed) Deliver(subject string, data []byte) {
	parts := strings.Split(subject, ".")
	if len(parts) < 3 {
		return
	}
	ent, _ := strconv.ParseInt(parts[2], 10, 64)
	ev := LiveEvent{Type: parts[0], Division: parts[1], EnterpriseID: ent, Data: data}
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, fn := range f.subs {
		fn(ev)
	}
}

// Subscribe feeds one SSE client until ctx ends (Perception.Subscribe).
// fn must not block: the handler queues and drops the oldest when its
// client is slow.
func (f *LiveFeed) Subscribe(ctx context.Context, fn func(LiveEvent)) error {
	f.mu.Lock()
	f.next++
	id := f.next
	f.subs[id] = fn
	f.mu.Unlock()
	<-ctx.Done()
	f.mu.Lock()
	delete(f.subs, id)
	f.mu.Unlock()
	return nil
}

// Clients is the number of SSE clients connected.
func (f *LiveFeed) Clients() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.subs)
}
