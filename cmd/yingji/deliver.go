package main

import (
	"context"

	"github.com/yingji/yingji/internal/outbox"
	"github.com/yingji/yingji/internal/warning"
)

// outboxDeliverer hands published warning messages to the outbox: the seam
// between internal/warning (which does not know the outbox) and
// internal/outbox (which does not know CAP warnings).
type outboxDeliverer struct{ o *outbox.Service }

// Deliver enqueues one message for every recipient in its area; the outbox
// makes it idempotent per (warning, identifier).
func (d outboxDeliverer) Deliver(ctx context.Context, m warning.Delivery) error {
	circles := make([]outbox.Circle, len(m.Area.Circles))
	for i, c := range m.Area.Circles {
		circles[i] = outbox.Circle{Lon: c.Lon, Lat: c.Lat, RadiusM: c.RadiusM}
	}
	_, err := d.o.Enqueue(ctx, outbox.Message{
		WarningID: m.WarningID, Identifier: m.Identifier, MsgType: m.MsgType, Level: m.Level,
		Event: m.Event, Headline: m.Headline, Description: m.Description, Instruction: m.Instruction, Lang: m.Lang,
		Sent: m.Sent, Expires: m.Expires, CAP: m.CAP,
		Area: outbox.Area{Polygons: m.Area.Polygons, Circles: circles, Divisions: m.Area.Divisions},
	})
	return err
}
