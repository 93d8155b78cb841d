package mqtt

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"
)

// benchPayload is a message of three readings, the size the issue's
// end-to-end target is stated in.
var benchPayload = []byte(`{"ts":1767225600000,"readings":[` +
	`{"point":"WK-0001-LV","value":12.31,"unit":"m"},` +
	`{"point":"WK-0001-PS","value":101.3,"unit":"kPa"},` +
	`{"point":"WK-0001-DP","value":0.12,"unit":"mm"}]}`)

// BenchmarkIngest measures messages/s from one Publisher (MQTT 3.1.1) into a
// Handler that acks at once, through the embedded broker, beside the relay
// baseline: the same publisher, at the same QoS, through Mosquitto to one
// plain subscriber. The subscriber takes QoS 0 in both cases: Mosquitto
// acknowledges a QoS 1 publish on receipt, so nothing slows the publisher to
// the subscriber's pace, and a QoS 1 subscription overflows Mosquitto's queue
// (max_queued_messages, 1000) and drops messages. Compare the msgs/s of the
// pairs as ratios; absolute figures depend on the machine.
//
//	go test ./internal/mqtt/ -run '^$' -bench Ingest -benchtime 200000x -count 5
func BenchmarkIngest(b *testing.B) {
	for _, qos := range []byte{0, 1} {
		b.Run(fmt.Sprintf("qos%d/embedded", qos), func(b *testing.B) { benchEmbedded(b, qos) })
		b.Run(fmt.Sprintf("qos%d/mosquitto-relay", qos), func(b *testing.B) { benchMosquittoRelay(b, qos) })
	}
}

// countTo returns a function that counts calls and a channel closed at the nth.
func countTo(n int) (func(), <-chan struct{}) {
	var got atomic.Int64
	all := make(chan struct{})
	return func() {
		if got.Add(1) == int64(n) {
			close(all)
		}
	}, all
}

func benchEmbedded(b *testing.B, qos byte) {
	count, all := countTo(b.N)
	broker := startBroker(b, func(_ Message, ack func(error)) {
		ack(nil)
		count()
	}, 0)
	p := dial(b, broker.Addr(), "bench", "dev-a", "secret-a", 4)
	publishAll(b, p, ReadingsTopic("DEV-A"), qos, all)
	st := broker.Stats()
	if st.MessagesIn != uint64(b.N) || (qos == 1 && st.AcksSent != uint64(b.N)) {
		b.Fatalf("stats = %+v after %d messages", st, b.N)
	}
}

func benchMosquittoRelay(b *testing.B, qos byte) {
	requireMosquitto(b)
	name := unique(b)
	topic := name + "/readings/dev"
	c, err := Count(mosquittoAddr, name+"-sub", topic)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { c.Close() })
	p := dial(b, mosquittoAddr, name+"-pub", "", "", 4)
	publishAll(b, p, topic, qos, c.Reached(int64(b.N)))
}

// publishAll times b.N publishes until the last one reached the receiving
// end and, at QoS 1, every PUBACK came back.
func publishAll(b *testing.B, p *Publisher, topic string, qos byte, all <-chan struct{}) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for range b.N {
		if err := p.Publish(ctx, topic, benchPayload, qos); err != nil {
			b.Fatal(err)
		}
	}
	if err := p.Flush(ctx); err != nil {
		b.Fatal(err)
	}
	select {
	case <-all:
	case <-time.After(patience):
		b.Fatal("not every message arrived; Mosquitto drops messages for a subscriber that falls behind (its log says so)")
	}
	elapsed := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "msgs/s")
}
