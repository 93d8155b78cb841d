package channel

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/yingji/yingji/internal/outbox"
)

// MQTTSender publishes to IP loudspeaker terminals (应急广播 / 村村响) at a
// broker, QoS 1 so the broker acknowledges each message (PUBACK); the
// payload carries the idempotency key for terminals to drop repeats.
type MQTTSender struct {
	client paho.Client
}

// LoudspeakerPayload is what a terminal receives.
type LoudspeakerPayload struct {
	Key        string `json:"key"`
	WarningID  int64  `json:"warning_id"`
	Identifier string `json:"identifier"`
	MsgType    string `json:"msg_type"`
	Level      string `json:"level"`
	Text       string `json:"text"`
	Repeat     int    `json:"repeat"`
}

// NewMQTTSender connects to url (tcp://host:port) as clientID.
func NewMQTTSender(url, clientID, username, password string) (*MQTTSender, error) {
	o := paho.NewClientOptions().AddBroker(url).SetClientID(clientID).SetUsername(username).SetPassword(password).
		SetAutoReconnect(true).SetConnectRetry(true).SetConnectTimeout(10 * time.Second).SetCleanSession(false)
	c := paho.NewClient(o)
	t := c.Connect()
	if !t.WaitTimeout(15*time.Second) || t.Error() != nil {
		return nil, fmt.Errorf("mqtt %s: %v", url, t.Error())
	}
	return &MQTTSender{client: c}, nil
}

func (s *MQTTSender) Channel() outbox.Channel { return outbox.MQTT }

// Close disconnects.
func (s *MQTTSender) Close() { s.client.Disconnect(250) }

func (s *MQTTSender) Send(ctx context.Context, m *outbox.MessageBody, c outbox.Contact, key string) (bool, string, error) {
	repeat := map[string]int{"red": 3, "orange": 3, "yellow": 2}[m.Level]
	if repeat == 0 {
		repeat = 1
	}
	body, _ := json.Marshal(LoudspeakerPayload{Key: key, WarningID: m.WarningID, Identifier: m.Identifier, MsgType: m.MsgType, Level: m.Level, Text: Text(m), Repeat: repeat})
	t := s.client.Publish(c.Topic, 1, false, body)
	select {
	case <-t.Done():
	case <-ctx.Done():
		return false, "", ctx.Err()
	}
	if err := t.Error(); err != nil {
		return false, "", err
	}
	// PUBACK: the broker holds it for the terminal's persistent session.
	return true, "", nil
}
