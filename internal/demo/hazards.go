package demo

import (
	"fmt"

	"github.com/paulmach/orb"

	"github.com/yingji/yingji/internal/registry"
)

// hazardSubstance is a GB 18218-2018 substance held by a hazard source,
// with its critical quantity Q (t) and correction factor β. Q and the β of
// the named toxic gases are from the standard's tables [verified]; β by
// hazard category for the others (flammable gas W2 1.5, flammable liquids
// 1, explosives W1.1 4 and W1.2 2) is marked [check] in domain.md.
type hazardSubstance struct {
	name     string
	cas      string // "" for mixtures without one
	quantity float64
	critical float64
	beta     float64
}

// storagePlan is the storage that the monitoring points watch (GB 18218's
// monitoring items of a storage unit): per tank a pressure, level and
// temperature point where the storage has them, and gas detectors around.
type storagePlan struct {
	unitLabel           string // what one unit is called in install notes
	units               int
	pressure            [2]float64 // MPa range; zero for atmospheric storage
	level               [2]float64 // m range; zero for none
	temp                [2]float64 // °C range
	combustible         int
	toxic               int
	toxicMax            float64 // ppm full scale of the toxic-gas detectors
	toxicName           string
	humidity, smoke     int // fireworks stores watch these instead
	headCount           bool
	temperaturePerStore bool // temperature per building rather than per tank
}

// hazardProfile is one of the seven major hazard sources of the plan.
type hazardProfile struct {
	suffix     string // the holder's company-name suffix
	unit       string
	sourceType string
	substances []hazardSubstance
	exposed    int // people within 500 m outside the plant
	storage    storagePlan
}

// hazardProfiles are the six hazardous-chemical sources and, last, the
// fireworks one. Quantities are chosen so that the grades computed by the
// GB 18218 formula cover 1 to 4.
var hazardProfiles = []hazardProfile{
	{suffix: "化肥有限公司", unit: "液氨罐区", sourceType: "storage_tank", exposed: 120,
		substances: []hazardSubstance{{"液氨", "7664-41-7", 300, 10, 2}},
		storage: storagePlan{unitLabel: "液氨球罐", units: 3, pressure: [2]float64{0, 2.5}, level: [2]float64{0, 12},
			temp: [2]float64{-40, 60}, combustible: 2, toxic: 4, toxicMax: 100, toxicName: "氨"}},
	{suffix: "氯碱化工有限公司", unit: "液氯钢瓶库", sourceType: "warehouse", exposed: 80,
		substances: []hazardSubstance{{"氯", "7782-50-5", 60, 5, 4}},
		storage: storagePlan{unitLabel: "液氯钢瓶库", units: 2, temp: [2]float64{-20, 60}, temperaturePerStore: true,
			toxic: 6, toxicMax: 20, toxicName: "氯气"}},
	{suffix: "甲醇有限公司", unit: "甲醇罐区", sourceType: "storage_tank", exposed: 150,
		substances: []hazardSubstance{{"甲醇", "67-56-1", 3000, 500, 1}},
		storage: storagePlan{unitLabel: "甲醇内浮顶储罐", units: 4, level: [2]float64{0, 16}, temp: [2]float64{-10, 60},
			combustible: 3, toxic: 1, toxicMax: 1000, toxicName: "甲醇"}},
	{suffix: "工业气体有限公司", unit: "制氢装置", sourceType: "production_unit", exposed: 20,
		substances: []hazardSubstance{{"氢", "1333-74-0", 8, 5, 1.5}},
		storage:    storagePlan{unitLabel: "氢气缓冲罐", units: 2, pressure: [2]float64{0, 4}, temp: [2]float64{-20, 80}, combustible: 3}},
	{suffix: "能源化工有限公司", unit: "液化石油气球罐区", sourceType: "storage_tank", exposed: 40,
		substances: []hazardSubstance{{"液化石油气", "68476-85-7", 150, 50, 1.5}},
		storage: storagePlan{unitLabel: "液化石油气球罐", units: 2, pressure: [2]float64{0, 2.5}, level: [2]float64{0, 12},
			temp: [2]float64{-20, 60}, combustible: 4}},
	{suffix: "石化有限公司", unit: "油品调和罐区", sourceType: "storage_tank", exposed: 110,
		substances: []hazardSubstance{{"汽油", "86290-81-5", 1500, 200, 1}, {"甲醇", "67-56-1", 300, 500, 1}},
		storage: storagePlan{unitLabel: "油品储罐", units: 3, level: [2]float64{0, 16}, temp: [2]float64{-10, 60},
			combustible: 3, toxic: 1, toxicMax: 1000, toxicName: "甲醇"}},
	{suffix: "烟花爆竹有限公司", unit: "成品仓库区", sourceType: "fireworks", exposed: 25,
		substances: []hazardSubstance{{"烟花爆竹成品（1.3G）", "", 40, 10, 2}, {"黑火药", "", 0.8, 1, 4}},
		storage: storagePlan{unitLabel: "成品库", units: 2, temp: [2]float64{-10, 60}, temperaturePerStore: true,
			humidity: 2, smoke: 2, headCount: true}},
}

// alpha is GB 18218's correction for the people exposed outside the plant.
func alpha(exposed int) float64 {
	switch {
	case exposed >= 100:
		return 2.0
	case exposed >= 50:
		return 1.5
	case exposed >= 30:
		return 1.2
	case exposed >= 1:
		return 1.0
	}
	return 0.5
}

// rValue computes R = α Σ βᵢ qᵢ/Qᵢ and the grade it gives.
func (h hazardProfile) rValue() (r float64, grade int) {
	for _, s := range h.substances {
		r += s.beta * s.quantity / s.critical
	}
	r *= alpha(h.exposed)
	switch {
	case r >= 100:
		grade = 1
	case r >= 50:
		grade = 2
	case r >= 10:
		grade = 3
	default:
		grade = 4
	}
	return r, grade
}

// hazardHolder is a hazard source record with the profile it was made from.
type hazardHolder struct {
	rec     *Record
	county  *county
	profile hazardProfile
}

// hazardSources adds the seven major hazard sources next to their holders.
func (g *gen) hazardSources() error {
	holders := append(append([]*ent(nil), g.ents["hazchem_producer"]...), g.ents["fireworks_producer"]...)
	seq := map[string]int{}
	for _, e := range holders {
		if e.hazard < 0 {
			continue
		}
		h := hazardProfiles[e.hazard]
		c := e.county
		p, err := g.near(e.rec.Geometry.(orb.Point), c, 100, 500)
		if err != nil {
			return err
		}
		seq[c.div.Code]++
		r, grade := h.rValue()
		subs := make([]registry.Substance, len(h.substances))
		for i, s := range h.substances {
			subs[i] = registry.Substance{Name: s.name, CAS: s.cas, QuantityT: s.quantity}
		}
		rec := g.add(registry.KHazardSource, &Record{
			Code: fmt.Sprintf("WXY-%s-%03d", c.div.Code, seq[c.div.Code]),
			Name: g.unique(func() string { return baseName(e.rec) + h.unit }), Category: h.sourceType,
			Status: "active", Division: e.rec.Division, Owner: Ref{registry.KEnterprise, e.rec.Code}, Geometry: p,
			Attrs: map[string]any{"grade": int64(grade), "substances": subs, "exposed_people": int64(h.exposed), "r_value": round(r, 1)},
		})
		g.hazards = append(g.hazards, &hazardHolder{rec: rec, county: c, profile: h})
	}
	if len(g.hazards) != len(hazardProfiles) {
		return fmt.Errorf("demo: made %d major hazard sources, want %d", len(g.hazards), len(hazardProfiles))
	}
	return nil
}

// hazardPoints adds the monitoring points of every hazard source's storage.
func (g *gen) hazardPoints() error {
	for _, h := range g.hazards {
		s := h.profile.storage
		pts := newPointSet(g, registry.KHazardSource, h.rec, h.county, 15, 120)
		for u := 1; u <= s.units; u++ {
			where := fmt.Sprintf("%d#%s", u, s.unitLabel)
			if s.pressure[1] > 0 {
				pts.add("pressure", "MPa", s.pressure[0], s.pressure[1], "", where+"罐顶压力变送器")
			}
			if s.level[1] > 0 {
				pts.add("liquid_level", "m", s.level[0], s.level[1], "", where+"雷达液位计")
			}
			note := where + "温度变送器"
			if s.temperaturePerStore {
				note = where + "温湿度一体探头"
			}
			pts.add("temperature", "°C", s.temp[0], s.temp[1], "", note)
		}
		for i := 1; i <= s.combustible; i++ {
			pts.add("combustible_gas", "%LEL", 0, 100, "", fmt.Sprintf("%s四周%d号可燃气体探测器", h.profile.unit, i))
		}
		for i := 1; i <= s.toxic; i++ {
			pts.add("toxic_gas", "ppm", 0, s.toxicMax, s.toxicName, fmt.Sprintf("%s四周%d号有毒气体探测器", h.profile.unit, i))
		}
		for i := 1; i <= s.humidity; i++ {
			pts.add("humidity", "%RH", 0, 100, "", fmt.Sprintf("%d#%s湿度探头", i, s.unitLabel))
		}
		for i := 1; i <= s.smoke; i++ {
			pts.add("smoke", "%obs/m", 0, 20, "", fmt.Sprintf("%d#%s感烟探测器", i, s.unitLabel))
		}
		if s.headCount {
			pts.add("head_count", "persons", 0, 50, "", "库区出入口人员定位基站")
		}
		if err := pts.err; err != nil {
			return err
		}
	}
	return nil
}
