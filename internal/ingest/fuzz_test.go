package ingest

import (
	"strings"
	"testing"
	"time"

	"github.com/yingji/yingji/internal/telemetry"
)

// FuzzSubmit sends what a device could publish — the last level of its
// MQTT topic as the device code, and any payload — through the real
// pipeline (directory, rules, journal, store). Whatever arrives, the
// message is acknowledged exactly once; a message from a device the
// platform does not know is refused with an error and nothing else;
// otherwise every reading is either accepted or rejected with a reason and
// a detail (naming the reading or field), never lost in between, and a
// payload that is not a message is one "malformed" rejection.
func FuzzSubmit(f *testing.F) {
	fx := newFixture(f)
	now := fx.clock()
	f.Add("yingji/v1/readings/DEV-T", fx.reading(fx.points[0], now, 12.5))
	f.Add("yingji/v1/readings/DEV-T", `{"ts":`+strings.Repeat("9", 20)+`,"readings":[{"point":"WKK-T-WY02","value":1,"unit":"mm"},{"point":"nope","value":2}]}`)
	f.Add("yingji/v1/readings/DEV-T", `{"point":"WKK-T-WY03","value":1e400,"unit":"m"}`)
	f.Add("yingji/v1/readings/DEV-T", `not json`)
	f.Add("yingji/v1/readings/DEV-X", `{"point":"WKK-T-WY01","value":1}`)
	f.Add("yingji/v1/readings/", `{}`)
	f.Fuzz(func(t *testing.T, topic, payload string) {
		device := topic[strings.LastIndexByte(topic, '/')+1:]
		acks := make(chan error, 2)
		out := fx.pipe.Submit(sys, Message{Device: device, Transport: "fuzz", Payload: []byte(payload), Received: now}, func(err error) { acks <- err })
		var ackErr error
		select {
		case ackErr = <-acks:
		case <-time.After(time.Minute):
			t.Fatalf("device %q payload %q: no acknowledgement", device, payload)
		}
		if device != "DEV-T" {
			if ackErr == nil || out.Accepted != 0 || len(out.Rejected) != 0 {
				t.Fatalf("unknown device %q: ack %v, outcome %+v", device, ackErr, out)
			}
			return
		}
		if ackErr != nil {
			t.Fatalf("payload %q: ack error %v", payload, ackErr)
		}
		raws, perr := telemetry.ParsePayload([]byte(payload))
		switch {
		case perr != nil:
			if out.Accepted != 0 || len(out.Rejected) != 1 || out.Rejected[0].Reason != telemetry.Malformed {
				t.Fatalf("payload %q (%v): outcome %+v, want one malformed rejection", payload, perr, out)
			}
		case out.Accepted+len(out.Rejected) != len(raws):
			t.Fatalf("payload %q: %d readings, %d accepted + %d rejected", payload, len(raws), out.Accepted, len(out.Rejected))
		}
		for _, r := range out.Rejected {
			if r.Reason == "" || r.Detail == "" {
				t.Fatalf("payload %q: rejection without a reason or detail: %+v", payload, r)
			}
		}
		select {
		case err := <-acks:
			t.Fatalf("payload %q: acknowledged twice (%v)", payload, err)
		default:
		}
	})
}
