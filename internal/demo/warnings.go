package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/paulmach/orb"

	"github.com/yingji/yingji/internal/core"
	"github.com/yingji/yingji/internal/warning"
	"github.com/yingji/yingji/internal/warning/cap"
)

// Warnings stores the demo warnings: an active orange rainstorm warning
// for Longyang (bilingual), a Tengchong forest-fire warning that was
// published and cancelled, and a Longling landslide draft. Their text is
// fixed; their times are relative to now, so that one is active whenever
// the demo is loaded. They are written as the system (the audit trail says
// so); drafter and approver name demo roles, not accounts.
func Warnings(ctx context.Context, svc *warning.Service, now time.Time) (int, error) {
	ctx = core.WithActor(ctx, core.SystemActor)
	now = now.UTC().Truncate(time.Minute)
	mk := func(tpl string, l warning.Level, div, headline string, onset time.Time, d time.Duration, area warning.Area) *warning.Warning {
		t, _ := warning.TemplateNamed(tpl)
		w := &warning.Warning{MsgType: warning.MsgAlert, Status: warning.Draft, Template: tpl, Level: l, Severity: l.Severity(),
			Category: t.Category, Urgency: t.Urgency, Certainty: t.Certainty, ResponseType: t.ResponseType,
			Text:  warning.Text{Event: t.Event, Headline: headline + Marker, Description: t.Description, Instruction: t.Instruction},
			Onset: onset, Expires: onset.Add(d), Area: area, Division: div, Scope: "Public", Source: "local",
			Drafter: "示例值班员", CreatedAt: onset.Add(-20 * time.Minute), UpdatedAt: onset}
		return w
	}
	publish := func(w *warning.Warning, at time.Time, refs []cap.Reference) error {
		id, err := svc.Issuer.Identifier(at, 0)
		if err != nil {
			return err
		}
		w.Status, w.Identifier, w.Sender, w.Sent, w.Approver, w.ApprovedAt, w.Publisher = warning.Published, id, svc.Sender, &at, "示例指挥长", &at, "示例指挥长"
		w.References = cap.FormatReferences(refs)
		// demo messages are never handed to delivery: real channels may be
		// configured.
		w.DeliveredAt = &at
		w.CAP, err = cap.Encode(svc.Alert(w))
		return err
	}
	rain := mk("rainstorm", warning.Orange, "530502", "隆阳区暴雨橙色预警", now.Add(-time.Hour), 24*time.Hour, warning.Area{Divisions: []string{"530502"}})
	rain.English = &warning.Text{Event: "Rainstorm", Headline: "Orange rainstorm warning for Longyang (demo)", Description: "Heavy rain is expected in Longyang district in the next 24 hours.",
		Instruction: "Keep away from rivers and gullies; do not drive through water."}
	rain.Text.Description = "预计未来24小时隆阳区大部将出现暴雨，局地大暴雨，累计降雨量50～100毫米，山洪、地质灾害风险高。"
	fire := mk("forest_fire", warning.Yellow, "530581", "腾冲市森林火险黄色预警", now.Add(-72*time.Hour), 48*time.Hour,
		warning.Area{Polygons: demoSquare(98.45, 25.0, 0.12), Desc: "腾冲市高黎贡山西坡林区"})
	slide := mk("landslide", warning.Blue, "530523", "龙陵县地质灾害蓝色预警", now, 12*time.Hour,
		warning.Area{Circles: []warning.Circle{{Lon: 98.69, Lat: 24.59, RadiusM: 2000}}})
	if err := publish(rain, rain.Onset, nil); err != nil {
		return 0, fmt.Errorf("demo: warnings: %w", err)
	}
	if err := publish(fire, fire.Onset, nil); err != nil {
		return 0, fmt.Errorf("demo: warnings: %w", err)
	}
	for _, w := range []*warning.Warning{rain, fire, slide} {
		if err := svc.Store.CreateWarning(ctx, w, "demo"); err != nil {
			return 0, fmt.Errorf("demo: warning %s: %w", w.Text.Headline, err)
		}
	}
	cancelAt := fire.Onset.Add(30 * time.Hour)
	cn := *fire
	cn.ID, cn.MsgType, cn.Text.Headline, cn.Text.Description, cn.Text.Instruction, cn.ResponseType = 0, warning.MsgCancel, "解除"+fire.Text.Headline, "腾冲市出现有效降雨，森林火险等级降低，解除预警。", "", "AllClear"
	cn.Note, cn.Version = cn.Text.Description, 0
	if err := publish(&cn, cancelAt, []cap.Reference{{Sender: fire.Sender, Identifier: fire.Identifier, Sent: *fire.Sent}}); err != nil {
		return 0, fmt.Errorf("demo: warnings: %w", err)
	}
	fire.Status = warning.Cancelled
	if err := svc.Store.CreateWarning(ctx, &cn, "demo", fire); err != nil {
		return 0, fmt.Errorf("demo: warning %s: %w", cn.Text.Headline, err)
	}
	return 4, nil
}

func demoSquare(lon, lat, d float64) orb.MultiPolygon {
	return orb.MultiPolygon{{{{lon, lat}, {lon + d, lat}, {lon + d, lat + d}, {lon, lat + d}, {lon, lat}}}}
}
