package demo

import (
	"fmt"

	"github.com/paulmach/orb"

	"github.com/yingji/yingji/internal/registry"
)

// industryPlan says how many enterprises of an industry each county gets
// (in countyFacts order) and how they are named. The totals are the plan's
// counts; the split follows where the mines, plants and people are: Longyang
// has the most of everything, retail points follow the population.
type industryPlan struct {
	industry  string
	perCounty []int // nil: apportion total by population
	total     int
	suffixes  []string
	employees [2]int
	special   []string
	role      string
	rural     bool // mines and heavy plants lie outside the street offices
}

var industryPlans = []industryPlan{
	{industry: "non_coal_mine", perCounty: []int{62, 38, 44, 40, 47}, employees: [2]int{20, 300}, role: "矿长", rural: true},
	{industry: "tailings_pond", perCounty: []int{10, 6, 9, 6, 8}, suffixes: []string{"选矿有限公司", "矿产品加工有限公司"}, employees: [2]int{20, 150}, role: "安全负责人", rural: true},
	// The plan's 84 industry-and-trade enterprises with dust explosion,
	// metallurgy, ammonia refrigeration or confined-space work.
	{industry: "metallurgy", perCounty: []int{6, 2, 3, 1, 2}, suffixes: []string{"硅业有限公司", "冶炼有限公司", "铸造有限公司"}, employees: [2]int{50, 600},
		special: []string{"hot_work", "confined_space"}, role: "安全负责人", rural: true},
	{industry: "dust_explosion", perCounty: []int{10, 4, 5, 5, 6}, suffixes: []string{"木业有限公司", "茶叶加工厂", "粮油加工有限公司", "饲料有限公司", "咖啡加工厂"}, employees: [2]int{10, 120},
		special: []string{"dust_explosion"}, role: "安全负责人"},
	{industry: "liquid_ammonia", perCounty: []int{5, 2, 1, 2, 2}, suffixes: []string{"冷链物流有限公司", "食品有限公司", "果蔬冷库有限公司"}, employees: [2]int{10, 150},
		special: []string{"liquid_ammonia"}, role: "安全负责人"},
	{industry: "confined_space", perCounty: []int{9, 4, 4, 5, 6}, suffixes: []string{"酿造有限公司", "污水处理有限公司", "糖业有限公司", "造纸有限公司"}, employees: [2]int{15, 200},
		special: []string{"confined_space"}, role: "安全负责人"},
	{industry: "hazchem_producer", perCounty: []int{5, 2, 3, 1, 2}, suffixes: []string{"化工有限公司", "气体有限公司", "精细化工有限公司"}, employees: [2]int{40, 500},
		special: []string{"hot_work", "confined_space", "high_altitude"}, role: "安全总监", rural: true},
	{industry: "hazchem_trader", perCounty: []int{80, 28, 27, 32, 58}, suffixes: []string{"化工贸易有限公司", "商贸有限公司", "石油经营部", "气体经营部"}, employees: [2]int{2, 30}, role: "负责人"},
	{industry: "fireworks_producer", perCounty: []int{1, 0, 0, 0, 0}, suffixes: []string{"烟花爆竹有限公司"}, employees: [2]int{60, 200}, role: "安全负责人", rural: true},
	{industry: "fireworks_wholesaler", perCounty: []int{4, 2, 2, 2, 2}, suffixes: []string{"烟花爆竹批发有限公司"}, employees: [2]int{5, 30}, role: "负责人"},
	{industry: "fireworks_retailer", total: 490, suffixes: []string{"烟花爆竹零售点"}, employees: [2]int{1, 3}, role: "经营者"},
	{industry: "oil_gas_pipeline", perCounty: []int{2, 0, 1, 0, 0}, employees: [2]int{30, 120}, role: "站长"},
}

// mineral is what a non-coal mine extracts and how.
type mineral struct {
	name   string
	method string // registry mine_type
	suffix string // company name suffix
}

// countyMinerals are the typical non-coal deposits of each county: lead-zinc
// and iron underground, limestone, silica and aggregate in open pits.
var countyMinerals = [][]mineral{
	{{"铅锌矿", "underground", "矿业有限公司"}, {"铁矿", "underground", "矿业有限公司"}, {"石灰石矿", "open_pit", "建材有限公司"}, {"建筑用砂石矿", "open_pit", "建材有限公司"}},
	{{"石灰石矿", "open_pit", "建材有限公司"}, {"铅锌矿", "underground", "矿业有限公司"}, {"建筑用砂石矿", "open_pit", "建材有限公司"}},
	{{"铁矿", "underground", "矿业有限公司"}, {"硅石矿", "open_pit", "硅业有限公司"}, {"铅锌矿", "underground", "矿业有限公司"}, {"建筑用砂石矿", "open_pit", "建材有限公司"}},
	{{"铅锌矿", "underground", "矿业有限公司"}, {"铜矿", "underground", "矿业有限公司"}, {"石灰石矿", "open_pit", "建材有限公司"}, {"建筑用砂石矿", "open_pit", "建材有限公司"}},
	{{"锡矿", "underground", "矿业有限公司"}, {"铁矿", "underground", "矿业有限公司"}, {"硅藻土矿", "open_pit", "矿业有限公司"}, {"建筑用砂石矿", "open_pit", "建材有限公司"}},
}

// pipelineOperators name the three pipeline enterprises, in the order of
// pipelineMedia.
var pipelineOperators = []string{"中缅原油管道运营有限公司", "中缅天然气管道运营有限公司", "成品油管道运营有限公司"}

// ent is a generated enterprise with what later stages need of it.
type ent struct {
	rec     *Record
	county  *county
	town    *town
	trade   string
	mineral mineral
	hazard  int // index into hazardProfiles, -1 for none
}

// enterprises generates every enterprise, and the mine or tailings pond
// each mining enterprise owns.
func (g *gen) enterprises() error {
	// Which hazardous-chemical producers hold the six major hazard sources
	// is decided first, because it decides what they are called.
	var producers int
	for _, p := range industryPlans {
		if p.industry == "hazchem_producer" {
			producers = sum(p.perCounty)
		}
	}
	holder := make([]int, producers)
	for i := range holder {
		holder[i] = -1
	}
	for k, i := range g.rng.Perm(producers)[:len(hazardProfiles)-1] {
		holder[i] = k
	}
	pipelines, produced := 0, 0
	for _, plan := range industryPlans {
		perCounty := plan.perCounty
		if perCounty == nil {
			w := make([]float64, len(g.counties))
			for i, c := range g.counties {
				w[i] = c.pop10k
			}
			perCounty = apportion(plan.total, w)
		}
		for ci, c := range g.counties {
			for range perCounty[ci] {
				e := &ent{county: c, hazard: -1}
				if plan.rural {
					e.town = g.ruralTown(c)
				} else {
					e.town = g.town(c)
				}
				suffix := ""
				switch plan.industry {
				case "non_coal_mine":
					e.mineral = pick(g, countyMinerals[c.idx])
					suffix = e.mineral.suffix
				case "hazchem_producer":
					e.hazard = holder[produced]
					produced++
					if e.hazard >= 0 {
						suffix = hazardProfiles[e.hazard].suffix
					}
				case "fireworks_producer":
					e.hazard = len(hazardProfiles) - 1
				case "oil_gas_pipeline":
					suffix = pipelineOperators[pipelines]
					pipelines++
				}
				if suffix == "" {
					suffix = pick(g, plan.suffixes)
				}
				if err := g.enterprise(e, plan, suffix); err != nil {
					return err
				}
				g.ents[plan.industry] = append(g.ents[plan.industry], e)
			}
		}
	}
	return g.miningFacilities()
}

func sum(xs []int) int {
	n := 0
	for _, x := range xs {
		n += x
	}
	return n
}

// enterprise fills in and adds one enterprise record.
func (g *gen) enterprise(e *ent, plan industryPlan, suffix string) error {
	c := e.county
	code, err := g.creditCode(c.div.Code)
	if err != nil {
		return err
	}
	p, err := g.point(c)
	if err != nil {
		return err
	}
	name := g.unique(func() string {
		e.trade = pick(g, tradeNames)
		switch plan.industry {
		case "oil_gas_pipeline":
			// Few enough to need no trade name, and they run the real lines.
			return c.div.Name + "示例" + suffix
		case "fireworks_retailer", "hazchem_trader":
			// Shops are known by their township.
			return c.div.Name + e.town.div.Name + "示例" + e.trade + suffix
		}
		return c.div.Name + "示例" + e.trade + suffix
	})
	village := pick(g, e.town.villages)
	attrs := map[string]any{
		"legal_representative": g.person(),
		"address":              fmt.Sprintf("云南省保山市%s%s%s%d号", c.div.Name, e.town.div.Name, village, g.between(1, 199)),
		"employees":            int64(g.between(plan.employees[0], plan.employees[1])),
		"contacts":             g.contacts(plan.role, plan.employees[1] >= 30),
	}
	if no, exp := g.licence(plan.industry); no != "" {
		attrs["safety_licence"], attrs["licence_expires"] = no, exp
	}
	if len(plan.special) > 0 {
		attrs["special_work"] = append([]string(nil), plan.special...)
	}
	e.rec = g.add(registry.KEnterprise, &Record{
		Code: code, Name: name, Category: plan.industry,
		Status:   g.status("operating", "suspended", 0.03),
		Division: e.town.div.Code, Geometry: p, Attrs: attrs,
	})
	return nil
}

// pond is a tailings pond record with its county.
type pond struct {
	rec    *Record
	county *county
}

// pondGrades lists the dam grades (GB 50863) of the 39 ponds: most
// Baoshan ponds are small grade 4 and 5 valley ponds.
var pondGrades = append(append(append([]int{2}, repeat(3, 4)...), repeat(4, 14)...), repeat(5, 20)...)

func repeat(v, n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = v
	}
	return out
}

// gradeDesign holds, per dam grade, the GB 50863 minimum freeboard (m) and
// dry-beach length (m) used as design values, and the dam height range (m)
// that defines the grade.
var gradeDesign = map[int]struct{ freeboard, beach, hMin, hMax float64 }{
	2: {1.0, 100, 100, 160},
	3: {0.7, 70, 60, 100},
	4: {0.5, 50, 30, 60},
	5: {0.4, 40, 8, 30},
}

// pondCapacity is the total storage range (m³) of each grade, GB 50863.
var pondCapacity = map[int][2]float64{2: {1e8, 3e8}, 3: {1e7, 1e8}, 4: {1e6, 1e7}, 5: {1e5, 1e6}}

// miningFacilities adds the mine of every non-coal mine enterprise and the
// tailings pond of every pond operator, a few hundred metres away.
func (g *gen) miningFacilities() error {
	seq := map[string]int{}
	for _, e := range g.ents["non_coal_mine"] {
		c := e.county
		p, err := g.near(e.rec.Geometry.(orb.Point), c, 200, 900)
		if err != nil {
			return err
		}
		seq["KS"+c.div.Code]++
		code := fmt.Sprintf("KS-%s-%03d", c.div.Code, seq["KS"+c.div.Code])
		name := g.unique(func() string { return c.div.Name + e.town.div.Name + e.trade + e.mineral.name })
		g.add(registry.KFacility, &Record{
			Code: code, Name: name, Category: "mine", Status: g.status("active", "suspended", 0.05),
			Division: e.town.div.Code, Owner: Ref{registry.KEnterprise, e.rec.Code}, Geometry: p,
			Attrs: map[string]any{"mine_type": e.mineral.method, "mineral": e.mineral.name},
		})
	}
	ponds := g.ents["tailings_pond"]
	grades := append([]int(nil), pondGrades...)
	g.rng.Shuffle(len(grades), func(i, j int) { grades[i], grades[j] = grades[j], grades[i] })
	for i, e := range ponds {
		c := e.county
		p, err := g.near(e.rec.Geometry.(orb.Point), c, 300, 1200)
		if err != nil {
			return err
		}
		seq["WKK"+c.div.Code]++
		code := fmt.Sprintf("WKK-%s-%03d", c.div.Code, seq["WKK"+c.div.Code])
		grade := grades[i%len(grades)]
		d := gradeDesign[grade]
		// Every third pond is a dry-stack pond, as GB 39496 distinguishes.
		pondType := "wet"
		if i%3 == 2 {
			pondType = "dry"
		}
		capRange := pondCapacity[grade]
		name := g.unique(func() string { return c.div.Name + e.town.div.Name + e.trade + "尾矿库" })
		rec := g.add(registry.KFacility, &Record{
			Code: code, Name: name, Category: "tailings_pond", Status: "active",
			Division: e.town.div.Code, Owner: Ref{registry.KEnterprise, e.rec.Code}, Geometry: p,
			Attrs: map[string]any{
				"dam_grade": int64(grade), "pond_type": pondType,
				"design_freeboard_m": d.freeboard, "design_beach_length_m": d.beach,
				"dam_height_m": round(g.uniform(d.hMin, d.hMax), 1),
				"capacity_m3":  round(g.uniform(capRange[0], capRange[1]), -3),
			},
		})
		g.ponds = append(g.ponds, &pond{rec: rec, county: c})
	}
	return nil
}
