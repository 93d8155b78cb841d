package demo

import (
	"fmt"
	"math"

	"github.com/paulmach/orb"

	"github.com/yingji/yingji/internal/geo"
	"github.com/yingji/yingji/internal/registry"
)

// geohazardKinds are the registered hazard types with their share of
// Baoshan's points (landslides dominate in its deep valleys) and the volume
// bands (m³) of the four scales small, medium, large, huge; collapses and
// fissures are measured by area, so they get no volume.
var geohazardKinds = []struct {
	value, label string
	weight       float64
	volumes      [][2]float64
}{
	{"landslide", "滑坡", 0.62, [][2]float64{{1e3, 1e5}, {1e5, 1e6}, {1e6, 1e7}, {1e7, 5e7}}},
	{"debris_flow", "泥石流", 0.17, [][2]float64{{2e3, 2e4}, {2e4, 2e5}, {2e5, 5e5}, {5e5, 2e6}}},
	{"rockfall", "崩塌", 0.15, [][2]float64{{1e2, 1e4}, {1e4, 1e5}, {1e5, 1e6}, {1e6, 3e6}}},
	{"ground_collapse", "地面塌陷", 0.04, nil},
	{"ground_fissure", "地裂缝", 0.02, nil},
}

// geohazardScales are the scales with their shares and the range of people
// a point of that scale threatens.
var geohazardScales = []struct {
	value  string
	weight float64
	people [2]float64
}{
	{"small", 0.80, [2]float64{0, 60}},
	{"medium", 0.15, [2]float64{20, 200}},
	{"large", 0.04, [2]float64{100, 400}},
	{"huge", 0.01, [2]float64{200, 500}},
}

// geohazardTotal is the number of registered points in 2020.
const geohazardTotal = 1596

// geohazards spreads the registered geological hazard points over the
// counties by area.
func (g *gen) geohazards() error {
	areas := make([]float64, len(g.counties))
	for i, c := range g.counties {
		areas[i] = c.area
	}
	kindW := make([]float64, len(geohazardKinds))
	for i, k := range geohazardKinds {
		kindW[i] = k.weight
	}
	scaleW := make([]float64, len(geohazardScales))
	for i, s := range geohazardScales {
		scaleW[i] = s.weight
	}
	for ci, n := range apportion(geohazardTotal, areas) {
		c := g.counties[ci]
		for i := 1; i <= n; i++ {
			p, err := g.point(c)
			if err != nil {
				return err
			}
			k := geohazardKinds[g.weighted(kindW)]
			si := g.weighted(scaleW)
			s := geohazardScales[si]
			t := g.town(c)
			name := g.unique(func() string { return c.div.Name + t.div.Name + pick(g, t.villages) + "示例" + k.label })
			u := g.rng.Float64()
			people := int64(s.people[0] + (s.people[1]-s.people[0])*u*u)
			attrs := map[string]any{
				"scale":                   s.value,
				"threatened_people":       people,
				"threatened_property_wan": round(float64(people)*g.uniform(3, 10)+g.uniform(5, 60), 1),
				"monitor_person":          g.person(),
				"monitor_phone":           g.mobile(),
			}
			if k.volumes != nil {
				v := k.volumes[si]
				attrs["volume_m3"] = round(g.uniform(v[0], v[1]), -2)
			}
			g.add(registry.KGeohazardPoint, &Record{
				Code: fmt.Sprintf("DZ-%s-%04d", c.div.Code, i), Name: name, Category: k.value,
				Status: g.status("active", "mitigated", 0.04), Division: t.div.Code, Geometry: p, Attrs: attrs,
			})
		}
	}
	return nil
}

// lifeline is a lifeline asset record with its county.
type lifeline struct {
	rec    *Record
	county *county
}

// seatTown is the township of the county seat: the first child in code
// order (兰城街道, 甸阳镇, 龙山镇, 田园镇, 腾越街道).
func (c *county) seatTown() *town { return c.towns[0] }

// nearSeat draws a point in the county seat's urban area.
func (g *gen) nearSeat(c *county, maxM float64) (orb.Point, error) {
	return g.near(c.seat, c, 0, maxM)
}

// lifelineAssets adds the monitored city lifelines of every county seat: two
// bridges, the natural-gas gate station and a water main.
func (g *gen) lifelineAssets() error {
	for _, c := range g.counties {
		town := c.seatTown()
		for i := 1; i <= 2; i++ {
			p, err := g.nearSeat(c, 6000)
			if err != nil {
				return err
			}
			g.lifeline(c, &Record{
				Code: fmt.Sprintf("QL-%s-%02d", c.div.Code, i), Category: "bridge",
				Name:     g.unique(func() string { return c.div.Name + pick(g, town.villages) + "示例大桥" }),
				Geometry: p, Division: town.div.Code,
				Attrs: map[string]any{"operator": c.div.Name + "交通运输局", "length_km": round(g.uniform(0.15, 1.2), 2),
					"built_year": int64(g.between(1995, 2020))},
			})
		}
		p, err := g.nearSeat(c, 5000)
		if err != nil {
			return err
		}
		g.lifeline(c, &Record{
			Code: fmt.Sprintf("RQ-%s-01", c.div.Code), Category: "gas_station",
			Name: g.unique(func() string { return c.div.Name + "示例天然气门站" }), Geometry: p, Division: town.div.Code,
			Attrs: map[string]any{"operator": c.div.Name + "示例燃气有限公司", "built_year": int64(g.between(2010, 2022))},
		})
		line, err := g.waterMain(c)
		if err != nil {
			return err
		}
		g.lifeline(c, &Record{
			Code: fmt.Sprintf("GS-%s-01", c.div.Code), Category: "water_main",
			Name: g.unique(func() string { return c.div.Name + "城区示例供水主管" }), Geometry: line, Division: town.div.Code,
			Attrs: map[string]any{"operator": c.div.Name + "示例自来水有限公司", "length_km": round(lineKm(line), 2),
				"built_year": int64(g.between(2000, 2020))},
		})
	}
	return nil
}

func (g *gen) lifeline(c *county, r *Record) {
	r.Status = "active"
	r.Attrs["contacts"] = g.contacts("运维负责人", true)
	g.lifelines = append(g.lifelines, &lifeline{rec: g.add(registry.KLifelineAsset, r), county: c})
}

// waterMain draws a main of five to seven straight runs of 400–900 m that
// wander out from near the seat without leaving the county.
func (g *gen) waterMain(c *county) (orb.LineString, error) {
	start, err := g.nearSeat(c, 2000)
	if err != nil {
		return nil, err
	}
	line := orb.LineString{start}
	bearing := g.rng.Float64() * 2 * math.Pi
	n := g.between(6, 8)
	for len(line) < n {
		ok := false
		for range maxDraws {
			b := bearing + g.uniform(-0.6, 0.6)
			q := round6(offset(line[len(line)-1], g.uniform(400, 900), b))
			if g.in(q, c.div.Code) {
				line, bearing, ok = append(line, q), b, true
				break
			}
		}
		if !ok {
			return nil, fmt.Errorf("demo: no room for a water main in %s", c.div.Name)
		}
	}
	return line, nil
}

// lineKm is the geodesic length of a line in kilometres.
func lineKm(ls orb.LineString) float64 {
	m := 0.0
	for i := 1; i < len(ls); i++ {
		m += geo.Distance(ls[i-1], ls[i])
	}
	return m / 1000
}
