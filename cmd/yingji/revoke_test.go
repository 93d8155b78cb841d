package main

import (
	"fmt"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
)

// TestDeviceRevocationOverMQTT: rotating a device's secret or disabling it
// through PATCH /api/v1/devices/{id} disconnects its MQTT client from the
// embedded broker at once (an Eclipse paho client), and the old secret, or
// the disabled device, cannot connect again.
func TestDeviceRevocationOverMQTT(t *testing.T) {
	t.Setenv("YINGJI_ADMIN_PASSWORD", adminPassword)
	url, _ := server(t, "--data", t.TempDir(), "--mqtt-addr", "127.0.0.1:0")
	c := login(t, url, "admin", adminPassword)
	var ver struct{ MQTT string }
	c.get("/api/v1/version", &ver)
	p := phreaticPoints(c, 1)[0]
	var dev struct {
		ID           int64
		Code, Secret string
	}
	c.do("POST", "/api/v1/devices", map[string]any{"code": "DEV-REVOKE", "name": "撤销测试", "owner_id": p.OwnerID}, 201, &dev)

	connect := func(secret string) (paho.Client, <-chan error, error) {
		lost := make(chan error, 1)
		cl := paho.NewClient(paho.NewClientOptions().AddBroker("tcp://" + ver.MQTT).SetClientID(fmt.Sprintf("revoke-%d", time.Now().UnixNano())).
			SetUsername(dev.Code).SetPassword(secret).SetProtocolVersion(4).SetAutoReconnect(false).SetConnectTimeout(20 * time.Second).
			SetConnectionLostHandler(func(_ paho.Client, err error) { lost <- err }))
		tok := cl.Connect()
		if !tok.WaitTimeout(20 * time.Second) {
			return nil, nil, fmt.Errorf("no CONNACK")
		}
		return cl, lost, tok.Error()
	}
	publish := func(cl paho.Client) error {
		payload := fmt.Sprintf(`{"point":%q,"ts":%d,"value":%g,"unit":"m"}`, p.Code, time.Now().UnixMilli(), p.Depth*2)
		tok := cl.Publish("yingji/v1/readings/"+dev.Code, 1, false, payload)
		if !tok.WaitTimeout(20 * time.Second) {
			return fmt.Errorf("no PUBACK")
		}
		return tok.Error()
	}
	waitLost := func(lost <-chan error, what string) {
		t.Helper()
		select {
		case <-lost:
		case <-time.After(20 * time.Second):
			t.Fatalf("%s: the connected client was not disconnected", what)
		}
	}

	cl, lost, err := connect(dev.Secret)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	if err := publish(cl); err != nil {
		t.Fatalf("publish: %v", err)
	}
	// rotation: the connection ends, the old secret is refused, the new one works.
	var rotated struct{ Secret string }
	c.do("PATCH", fmt.Sprintf("/api/v1/devices/%d", dev.ID), map[string]any{"rotate_secret": true}, 200, &rotated)
	waitLost(lost, "rotation")
	if publish(cl) == nil {
		t.Error("published after the secret was rotated")
	}
	if _, _, err := connect(dev.Secret); err == nil {
		t.Error("the old secret connects after rotation")
	}
	cl, lost, err = connect(rotated.Secret)
	if err != nil {
		t.Fatalf("the new secret: %v", err)
	}
	if err := publish(cl); err != nil {
		t.Fatalf("publish with the new secret: %v", err)
	}
	// disabling: the connection ends and the device cannot come back.
	c.do("PATCH", fmt.Sprintf("/api/v1/devices/%d", dev.ID), map[string]any{"disabled": true}, 200, nil)
	waitLost(lost, "disabling")
	if publish(cl) == nil {
		t.Error("published after the device was disabled")
	}
	if _, _, err := connect(rotated.Secret); err == nil {
		t.Error("a disabled device connects")
	}
}
