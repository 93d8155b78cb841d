package demo

import (
	"github.com/paulmach/orb"

	"github.com/yingji/yingji/internal/registry"
)

// weatherStations gives the first bridge of every county seat the
// environment sensors of a bridge health-monitoring system (桥梁结构健康监测
// 环境监测): air temperature, humidity, wind speed and a rain gauge, a few
// metres apart at the bridge. The four points of one owner make a weather
// station for the daily Fire Weather Index (internal/models/fwi). It draws
// nothing from the random stream, so the rest of the data set stays as it
// was; it runs last.
func (g *gen) weatherStations() error {
	seen := map[string]bool{}
	for _, l := range g.lifelines {
		if l.rec.Category != "bridge" || seen[l.county.div.Code] {
			continue
		}
		seen[l.county.div.Code] = true
		at := l.rec.Anchor()
		for i, s := range []struct {
			kind, unit, tag, note string
			lo, hi                float64
		}{
			{"temperature", "°C", "QX-WD01", "桥头环境监测站百叶箱温度计", -20, 50},
			{"humidity", "%RH", "QX-SD01", "桥头环境监测站百叶箱湿度计", 0, 100},
			{"wind_speed", "m/s", "QX-FS01", "桥头环境监测站10米风杆风速仪", 0, 60},
			{"rainfall", "mm", "QX-JY01", "桥头环境监测站翻斗式雨量计", 0, 300},
		} {
			// 0.00003° apart: about 3 m.
			p := round6(orb.Point{at[0] + 0.00003*float64(i), at[1]})
			g.add(registry.KMonitoringPoint, &Record{
				Code:     l.rec.Code + "-" + s.tag,
				Name:     g.unique(func() string { return baseName(l.rec) + "气象站" + pointLabel(s.kind) + "监测点" }),
				Category: s.kind, Status: "active", Division: l.rec.Division,
				Owner: Ref{registry.KLifelineAsset, l.rec.Code}, Geometry: p,
				Attrs: map[string]any{"unit": s.unit, "interval_s": int64(300), "range_min": s.lo, "range_max": s.hi, "install_note": s.note},
			})
		}
	}
	return nil
}
