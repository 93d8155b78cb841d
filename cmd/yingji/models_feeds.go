package main

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/yingji/yingji/internal/core"
	"github.com/yingji/yingji/internal/feeds"
	"github.com/yingji/yingji/internal/incident"
)

// quakeType is the event type a quake draft is recorded as.
const quakeType = "natural.earthquake"

// sameQuake says when an incident already describes a feed's quake: an
// earthquake incident whose time is this close and whose epicentre (when
// it has one) is this near. Agencies' solutions of one event differ by
// seconds and some kilometres; two damaging shocks this close in time and
// place are reported as one incident anyway.
var sameQuake = struct {
	Window   time.Duration
	RadiusKm float64
}{3 * time.Minute, 50}

// quakeIncidents records quake drafts through the incident service: one
// incident per feed event, found again by the event key kept as the
// incident's reporter, so a repeated, revised or re-polled event (also
// after a restart) adds nothing; an incident already describing the quake
// (another feed, a phone report) gets a timeline note instead.
//
// The incident model has no draft state: the draft is an open incident
// from source "feed", its description saying it was drafted automatically
// and awaits the duty officer's check.
type quakeIncidents struct {
	svc *incident.Service
	mu  sync.Mutex
}

// DraftQuake implements feeds.IncidentDrafter.
func (q *quakeIncidents) DraftQuake(ctx context.Context, d feeds.QuakeDraft) (string, bool, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	sys := core.WithActor(ctx, core.SystemActor)
	// the event itself, however late a revision comes
	mine, err := q.svc.Store.Candidates(sys, quakeType, d.Time.Add(-24*time.Hour), d.Time.Add(24*time.Hour))
	if err != nil {
		return "", false, err
	}
	for _, c := range mine {
		if c.Source == "feed" && c.Reporter == reporterOf(d.Key) {
			return c.Number, false, nil
		}
	}
	for _, c := range mine {
		gap := c.OccurredAt.Sub(d.Time)
		if gap < 0 {
			gap = -gap
		}
		if gap > sameQuake.Window || c.Status != incident.Open {
			continue
		}
		if c.Lon != nil && c.Lat != nil && incident.DistanceKm(*c.Lon, *c.Lat, d.Lon, d.Lat) > sameQuake.RadiusKm {
			continue
		}
		note := fmt.Sprintf("外部数据源 %s 报告同一地震（M%.1f，%s）：\n%s", reporterOf(d.Key), d.Magnitude,
			d.Time.In(incident.Shanghai).Format("2006-01-02 15:04:05"), d.Description)
		if len(note) > 5000 {
			note = strings.ToValidUTF8(note[:4990], "") + "…"
		}
		if _, err := q.svc.Note(sys, c.ID, note); err != nil {
			return "", false, err
		}
		return c.Number, false, nil
	}
	title, typ, src, rep, desc, div := d.Title, quakeType, "feed", reporterOf(d.Key), d.Description, d.Division
	lon, lat, at := d.Lon, d.Lat, d.Time
	in, err := q.svc.Create(sys, &incident.Input{Title: &title, Type: &typ, OccurredAt: &at, Lon: &lon, Lat: &lat, Division: &div,
		Source: &src, Reporter: &rep, Description: &desc, Confirm: true})
	if err != nil {
		return "", false, err
	}
	return in.Number, true, nil
}

// reporterOf is the incident's reporter for a feed event: the event key,
// clipped to the reporter field's 100 bytes (QuakeML public IDs are long;
// their tail is the distinctive part).
func reporterOf(key string) string {
	if len(key) <= 100 {
		return key
	}
	return key[len(key)-100:]
}
