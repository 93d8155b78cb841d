package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/yingji/yingji/internal/alarm"
	"github.com/yingji/yingji/internal/core"
	"github.com/yingji/yingji/internal/incident"
	"github.com/yingji/yingji/internal/registry"
	"github.com/yingji/yingji/internal/store/storetest"
)

// TestIncidentFromAlarm: one call raises an incident from an alarm; the
// incident takes the alarm's place and kind, and the alarm's history
// records the escalation.
func TestIncidentFromAlarm(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			db, tree := storetest.Open(t, b)
			sys := core.WithActor(context.Background(), core.SystemActor)
			reg := &registry.Service{Store: db, Regions: func() registry.Regions { return tree }}
			raised := time.Date(2026, 11, 28, 1, 0, 0, 0, time.UTC)
			al := &alarm.Alarm{PointID: 1, Point: "P-1", PointName: "1号储罐液位", PointKind: "level", Rule: "threshold", Kind: "threshold",
				Level: alarm.Red, MaxLevel: alarm.Red, State: alarm.Raised, Unit: "m", Message: "液位超上限", Division: "530502001",
				Industry: "hazchem_producer", Tier: 1, AckDeadline: raised.Add(5 * time.Minute), RaisedAt: raised, UpdatedAt: raised}
			if err := db.CreateAlarm(sys, al, alarm.Event{At: raised, Action: "raise", Actor: "system", ToLevel: alarm.Red, ToState: alarm.Raised}); err != nil {
				t.Fatal(err)
			}
			svc := &incident.Service{Store: db, Regions: func() incident.Regions { return tree }, Alarms: &alarmLink{db: db, reg: reg},
				Clock: func() time.Time { return raised.Add(10 * time.Minute) }}
			if err := svc.LoadTypes(sys); err != nil {
				t.Fatal(err)
			}
			officer := core.WithActor(context.Background(), &core.Actor{UserID: 1, Username: "duty", Role: "duty_officer", Division: "530502"})
			in, err := svc.Create(officer, &incident.Input{AlarmID: al.ID})
			if err != nil {
				t.Fatal(err)
			}
			if in.Source != "alarm" || in.AlarmID != al.ID || in.Division != "530502001" || in.Type != "accident.hazchem" || !in.OccurredAt.Equal(raised) ||
				!strings.Contains(in.Title, "液位超上限") {
				t.Fatalf("incident from alarm: %+v", in)
			}
			got, err := db.GetAlarm(sys, al.ID)
			if err != nil {
				t.Fatal(err)
			}
			last := got.Events[len(got.Events)-1]
			if last.Action != "incident" || last.Actor != "duty" || !strings.Contains(last.Note, in.Number) || got.State != alarm.Raised {
				t.Errorf("alarm history: %+v, state %s", last, got.State)
			}
			// an officer of another county cannot raise it.
			other := core.WithActor(context.Background(), &core.Actor{UserID: 2, Username: "tc", Role: "duty_officer", Division: "530581"})
			if _, err := svc.Create(other, &incident.Input{AlarmID: al.ID, Confirm: true}); core.ErrorCode(err) != core.EINVALID {
				t.Errorf("out-of-area alarm: %v", err)
			}
		})
	}
}
