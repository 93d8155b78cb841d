package main

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/yingji/yingji/internal/mqtt"
	"github.com/yingji/yingji/internal/store/storetest"
)

// TestTwoNodesShareAlarmsOverNATS runs two platform nodes on one
// PostgreSQL database and one JetStream stream (the real servers on this
// machine): an alarm raised from a reading sent to node A appears on the
// live feed of node B.
func TestTwoNodesShareAlarmsOverNATS(t *testing.T) {
	dsn := storetest.PostgresSchema(t)
	stream := fmt.Sprintf("YJTEST%d", time.Now().UnixNano())
	nc, err := nats.Connect("nats://127.0.0.1:4222")
	if err != nil {
		t.Fatalf("NATS at 127.0.0.1:4222 is needed by this test: %v", err)
	}
	defer nc.Close()
	t.Cleanup(func() {
		if js, err := jetstream.New(nc); err == nil {
			js.DeleteStream(context.Background(), stream)
		}
	})
	// the nodes of one installation share its data key ring (docs/security.md).
	common := []string{"--db", dsn, "--nats", "nats://127.0.0.1:4222", "--nats-stream", stream, "--data-key-file", filepath.Join(t.TempDir(), "data.key")}
	urlA, _ := server(t, append([]string{"--data", t.TempDir(), "--mqtt-addr", "127.0.0.1:0"}, common...)...)
	urlB, _ := server(t, append([]string{"--data", t.TempDir(), "--mqtt-addr", ""}, common...)...)
	a := login(t, urlA, "admin", adminPassword)
	b := login(t, urlB, "admin", adminPassword)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	feedB := b.sse(ctx)

	var ver struct{ MQTT string }
	a.get("/api/v1/version", &ver)
	p := phreaticPoints(a, 1)[0]
	var dev struct{ Code, Secret string }
	a.do("POST", "/api/v1/devices", map[string]any{"code": "DEV-NATS", "name": "多节点测试", "owner_id": p.OwnerID}, 201, &dev)
	pub, err := mqtt.Dial(ctx, "tcp://"+ver.MQTT, "nats-test", dev.Code, dev.Secret, 5)
	if err != nil {
		t.Fatal(err)
	}
	defer pub.Close()
	payload := fmt.Sprintf(`{"point":%q,"ts":%d,"value":%g,"unit":"m"}`, p.Code, time.Now().UnixMilli(), p.Depth*0.9)
	if err := pub.Publish(ctx, "yingji/v1/readings/"+dev.Code, []byte(payload), 1); err != nil {
		t.Fatal(err)
	}
	if err := pub.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	live := waitAlarm(t, feedB, p.Code)
	if live["level"] != "red" {
		t.Errorf("node B saw %v", live)
	}
	// node B reads the same alarm from the shared database and can act on it.
	id := int64(live["id"].(float64))
	var got struct{ State string }
	b.do("POST", fmt.Sprintf("/api/v1/alarms/%d/actions", id), map[string]any{"action": "acknowledge", "note": "B 节点确认"}, 200, &got)
	if got.State != "acknowledged" {
		t.Errorf("state = %s", got.State)
	}
}
