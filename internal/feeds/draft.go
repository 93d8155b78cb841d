package feeds

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/yingji/yingji/internal/models/quake"
)

// QuakeDraft is the incident to put before the duty officer when a quake's
// modelled intensity VI or more reaches the region (issue 7: "a drafted
// incident for intensity ≥ VI in the region").
type QuakeDraft struct {
	// Key is the feed event's identity (source|id): one incident per event,
	// however often the feed repeats or revises it.
	Key  string
	Time time.Time
	// Lon, Lat is the epicentre.
	Lon, Lat float64
	// Division is the county of the epicentre, or, for an epicentre
	// outside the region, the county reached by the highest intensity.
	Division    string
	Magnitude   float64
	Title       string
	Description string
	Level       string
}

// IncidentDrafter records a QuakeDraft as an incident. It must record one
// incident per Key, and may instead attach the draft to an incident that
// already describes the same quake (reported by another feed or by phone).
// ref names the incident (its number); created is false when the draft
// went to an existing incident.
type IncidentDrafter interface {
	DraftQuake(ctx context.Context, d QuakeDraft) (ref string, created bool, err error)
}

// Draft builds the incident draft for an assessment that calls for one.
func (a *Assessor) Draft(as Assessment) (QuakeDraft, bool) {
	if !as.DraftIncident || as.Event.Type != Quake {
		return QuakeDraft{}, false
	}
	ev := as.Event
	m := 0.0
	if ev.Magnitude != nil {
		m = *ev.Magnitude
	}
	t := a.Tree()
	name := func(code string) string {
		if d, ok := t.Get(code); ok {
			return d.Name
		}
		return code
	}
	d := QuakeDraft{Key: ev.Key(), Time: ev.Time, Lon: ev.Lon, Lat: ev.Lat, Division: as.Division, Magnitude: m, Level: as.Level}
	// The most strongly shaken county stands for an epicentre outside.
	top := 0
	for _, b := range as.Bands {
		if len(b.Counties) > 0 && b.Intensity > top {
			top = b.Intensity
			if d.Division == "" {
				d.Division = b.Counties[0]
			}
		}
	}
	where := ev.Place
	if where == "" && as.InRegion {
		where = name(as.Division)
	}
	if where == "" {
		where = fmt.Sprintf("%.2f°N %.2f°E", ev.Lat, ev.Lon)
	}
	d.Title = fmt.Sprintf("%s M%.1f 地震（外部数据源，本区最高烈度 %s 度）", where, m, quake.Roman(top))

	var b strings.Builder
	loc := shanghai()
	fmt.Fprintf(&b, "由外部地震数据源自动起草，待值班员核实。\n")
	fmt.Fprintf(&b, "来源：%s，事件号 %s", ev.Source, ev.ID)
	if ev.Automatic {
		b.WriteString("（自动测定，未经人工复核）")
	}
	if ev.URL != "" {
		fmt.Fprintf(&b, "，%s", ev.URL)
	}
	b.WriteString("\n")
	fmt.Fprintf(&b, "发震时刻：%s（北京时间）\n", ev.Time.In(loc).Format("2006-01-02 15:04:05"))
	mt := ev.MagType
	if mt == "" {
		mt = "M"
	}
	fmt.Fprintf(&b, "震级：%.1f（%s）\n", m, mt)
	if ev.DepthKm != nil {
		fmt.Fprintf(&b, "震源深度：%.0f km\n", *ev.DepthKm)
	} else {
		b.WriteString("震源深度：未给出\n")
	}
	fmt.Fprintf(&b, "震中：%.4f°N %.4f°E", ev.Lat, ev.Lon)
	if ev.Place != "" {
		fmt.Fprintf(&b, "（%s）", ev.Place)
	}
	if as.InRegion {
		fmt.Fprintf(&b, "，位于%s\n", name(as.Division))
	} else {
		fmt.Fprintf(&b, "，区外，距本区边界 %.0f km\n", as.DistanceKm)
	}
	fmt.Fprintf(&b, "模型：%s 椭圆烈度衰减，震中烈度 %.1f；以下为模型估算，非实测烈度。\n", a.Relation.Name, as.Epicentral)
	bands := slices.Clone(as.Bands)
	slices.SortFunc(bands, func(x, y BandSummary) int { return y.Intensity - x.Intensity })
	for _, bs := range bands {
		fmt.Fprintf(&b, "烈度 %s 度（长轴 %.1f km，短轴 %.1f km）：", bs.Roman, bs.MajorKm, bs.MinorKm)
		if len(bs.Counties) == 0 {
			b.WriteString("未波及本区\n")
			continue
		}
		names := make([]string, len(bs.Counties))
		for i, c := range bs.Counties {
			names[i] = name(c)
		}
		fmt.Fprintf(&b, "波及 %s；估算人口 %d 人（按面积比例）", strings.Join(names, "、"), bs.Population)
		if len(bs.Objects) > 0 {
			kinds := make([]string, 0, len(bs.Objects))
			for k := range bs.Objects {
				kinds = append(kinds, k)
			}
			slices.Sort(kinds)
			parts := make([]string, len(kinds))
			for i, k := range kinds {
				parts[i] = fmt.Sprintf("%s %d", k, bs.Objects[k])
			}
			fmt.Fprintf(&b, "；登记对象：%s", strings.Join(parts, "，"))
		}
		b.WriteString("\n")
	}
	d.Description = strings.TrimRight(b.String(), "\n")
	return d, d.Division != ""
}

func shanghai() *time.Location {
	if loc, err := time.LoadLocation("Asia/Shanghai"); err == nil {
		return loc
	}
	return time.FixedZone("CST", 8*3600)
}
