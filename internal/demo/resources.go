package demo

import (
	"fmt"
	"slices"

	"github.com/paulmach/orb"

	"github.com/yingji/yingji/internal/registry"
)

// teamTypes describes each rescue team type: how its teams are named
// (%s is the county), how many members it has, what it may carry, and
// whether it is based in the county seat rather than out in the field.
var teamTypes = []struct {
	value, name string
	members     [2]int
	equipment   []string
	atSeat      bool
}{
	{"comprehensive", "%s消防救援大队", [2]int{40, 120}, []string{"水罐消防车", "抢险救援车", "液压破拆工具组", "生命探测仪", "救援三脚架", "照明车"}, true},
	{"forest_fire", "%s森林消防专业扑火队", [2]int{30, 100}, []string{"风力灭火机", "高压细水雾灭火机", "二号扑火工具", "便携式水泵", "卫星电话", "无人机"}, false},
	{"mine_rescue", "%s矿山救护队", [2]int{15, 40}, []string{"正压氧气呼吸器", "多功能气体检测仪", "矿山救护车", "液压起重气垫", "井下通信系统"}, false},
	{"hazchem_rescue", "%s危化品应急救援队", [2]int{15, 50}, []string{"重型防化服", "有毒气体检测仪", "堵漏器材", "洗消帐篷", "泡沫消防车"}, true},
	{"geohazard_rescue", "%s地质灾害应急救援队", [2]int{20, 60}, []string{"雷达生命探测仪", "挖掘机", "无人机", "液压破拆工具组", "应急照明灯"}, false},
	{"medical", "%s人民医院医疗救护队", [2]int{10, 30}, []string{"救护车", "铲式担架", "除颤仪", "急救箱", "移动手术方舱"}, true},
	{"volunteer", "%s示例志愿救援队", [2]int{20, 80}, []string{"冲锋舟", "救生衣", "应急照明灯", "对讲机", "绳索救援装备"}, true},
}

// resources adds every county's rescue teams, supply warehouses, experts,
// shelters and vehicles, and the city's central warehouse.
func (g *gen) resources() error {
	steps := []func() error{g.teams, g.warehouses, g.experts, g.shelters, g.vehicles}
	for _, step := range steps {
		if err := step(); err != nil {
			return err
		}
	}
	return nil
}

// teams gives every county its fire brigade and forest firefighters plus
// up to four more, between 2 and 6 in all, and then makes sure that every
// team type exists somewhere in the city.
func (g *gen) teams() error {
	plan := make([][]int, len(g.counties))
	for ci := range g.counties {
		plan[ci] = []int{0, 1}
		// The city's own teams are based in Longyang, the first county.
		lo := 0
		if ci == 0 {
			lo = 2
		}
		extra := g.rng.Perm(len(teamTypes) - 2)[:g.between(lo, 4)]
		for _, e := range extra {
			plan[ci] = append(plan[ci], e+2)
		}
		slices.Sort(plan[ci])
	}
	for t := range teamTypes {
		found := false
		for _, p := range plan {
			found = found || slices.Contains(p, t)
		}
		if found {
			continue
		}
		fewest := 0
		for ci, p := range plan {
			if len(p) < len(plan[fewest]) {
				fewest = ci
			}
		}
		plan[fewest] = append(plan[fewest], t)
		slices.Sort(plan[fewest])
	}
	for ci, c := range g.counties {
		for i, t := range plan[ci] {
			tt := teamTypes[t]
			p, tw, err := g.resourceSite(c, tt.atSeat)
			if err != nil {
				return err
			}
			kit := append([]string(nil), tt.equipment...)
			g.rng.Shuffle(len(kit), func(i, j int) { kit[i], kit[j] = kit[j], kit[i] })
			kit = kit[:g.between(3, len(kit))]
			rec := g.add(registry.KRescueTeam, &Record{
				Code: fmt.Sprintf("DW-%s-%02d", c.div.Code, i+1), Category: tt.value,
				Name:   g.unique(func() string { return fmt.Sprintf(tt.name, c.div.Name) }),
				Status: g.status("standby", "deployed", 0.05), Division: tw.div.Code, Geometry: p,
				Attrs: map[string]any{
					"members": int64(g.between(tt.members[0], tt.members[1])), "equipment": kit,
					"base": c.div.Name + tw.div.Name, "contacts": g.contacts("队长", true),
				},
			})
			g.teamCodes[c.div.Code+tt.value] = rec.Code
		}
	}
	return nil
}

// resourceSite places a resource in the county seat's urban area or, for
// field resources, anywhere in the county with a township for its address.
func (g *gen) resourceSite(c *county, atSeat bool) (orb.Point, *town, error) {
	if atSeat {
		p, err := g.nearSeat(c, 4000)
		return p, c.seatTown(), err
	}
	p, err := g.point(c)
	return p, g.town(c), err
}

// stockItems are the standard emergency supplies with the quantity a
// county warehouse holds; the city one holds about three times as much and
// a township point a fifth of the household items.
var stockItems = []struct {
	item, unit string
	county     float64
	township   bool
}{
	{"帐篷", "顶", 200, true}, {"棉被", "床", 1000, true}, {"折叠床", "张", 500, true},
	{"发电机", "台", 10, false}, {"救生衣", "件", 300, true}, {"冲锋舟", "艘", 4, false},
	{"应急照明灯", "盏", 100, true}, {"风力灭火机", "台", 20, false}, {"编织袋", "条", 5000, true},
	{"铁锹", "把", 300, true},
}

// warehouses adds the city's central warehouse in Longyang, and in every
// county a county warehouse at the seat and one or two township points.
func (g *gen) warehouses() error {
	city := g.counties[0]
	root := g.tree.Root()
	p, err := g.nearSeat(city, 5000)
	if err != nil {
		return err
	}
	g.warehouse(Record{Code: fmt.Sprintf("WZK-%s-01", root.Code), Category: "city", Division: root.Code, Geometry: p,
		Name: g.unique(func() string { return root.Name + "示例市级应急物资储备库" })}, 3, [2]float64{3000, 5000})
	for _, c := range g.counties {
		p, err := g.nearSeat(c, 4000)
		if err != nil {
			return err
		}
		g.warehouse(Record{Code: fmt.Sprintf("WZK-%s-01", c.div.Code), Category: "county", Division: c.seatTown().div.Code, Geometry: p,
			Name: g.unique(func() string { return c.div.Name + "示例应急物资储备库" })}, 1, [2]float64{800, 2000})
		for i := range g.between(1, 2) {
			p, tw, err := g.resourceSite(c, false)
			if err != nil {
				return err
			}
			g.warehouse(Record{Code: fmt.Sprintf("WZK-%s-%02d", c.div.Code, i+2), Category: "township", Division: tw.div.Code, Geometry: p,
				Name: g.unique(func() string { return c.div.Name + tw.div.Name + "示例应急物资储备点" })}, 0.2, [2]float64{100, 400})
		}
	}
	return nil
}

func (g *gen) warehouse(r Record, factor float64, area [2]float64) {
	var stock []registry.StockLine
	for _, s := range stockItems {
		if factor < 1 && !s.township {
			continue
		}
		q := max(1, round(s.county*factor*g.uniform(0.7, 1.3), 0))
		stock = append(stock, registry.StockLine{Item: s.item, Quantity: q, Unit: s.unit})
	}
	r.Status = "active"
	r.Attrs = map[string]any{"stock": stock, "area_m2": round(g.uniform(area[0], area[1]), 0), "contacts": g.contacts("库管员", true)}
	g.add(registry.KWarehouse, &r)
}

// expertOrgs are where experts of each specialty work (%s is the county).
var expertOrgs = map[string]string{
	"hazchem": "%s应急管理局危化品监管股", "mining": "%s应急管理局非煤矿山监管股",
	"geology": "%s自然资源局地质环境监测站", "forest_fire": "%s林业和草原局",
	"earthquake": "%s地震局", "flood": "%s水务局", "medical": "%s人民医院", "fireworks": "%s应急管理局",
}

// expertsPerCounty, with the specialties dealt round-robin over the
// counties, puts every specialty on the roster twice or three times.
const expertsPerCounty = 4

func (g *gen) experts() error {
	specs := registry.Values(registry.Expert.Categories)
	for ci, c := range g.counties {
		for j := range expertsPerCounty {
			spec := specs[(ci*expertsPerCounty+j)%len(specs)]
			p, err := g.nearSeat(c, 3000)
			if err != nil {
				return err
			}
			titles := []string{"高级工程师", "正高级工程师", "工程师"}
			if spec == "medical" {
				titles = []string{"主任医师", "副主任医师"}
			}
			g.add(registry.KExpert, &Record{
				Code: fmt.Sprintf("ZJ-%s-%02d", c.div.Code, j+1), Category: spec,
				Name:   g.unique(g.person),
				Status: g.status("available", "unavailable", 0.05), Division: c.seatTown().div.Code, Geometry: p,
				Attrs: map[string]any{"organization": fmt.Sprintf(expertOrgs[spec], c.div.Name), "title": pick(g, titles), "phone": g.mobile(),
					"id_number": demoIDNumber(c.div.Code, j), "home_address": fmt.Sprintf("云南省保山市%s%s小区%d栋%d单元", c.div.Name, c.seatTown().div.Name, j%9+1, j%4+1)},
			})
		}
	}
	return nil
}

// demoIDNumber makes a fictitious resident identity card number of the
// county with a valid GB 11643 check digit (no random draw, so the rest
// of the demo data does not shift).
func demoIDNumber(county string, j int) string {
	body := fmt.Sprintf("%s%04d%02d%02d%03d", county, 1962+j*7%35, j%12+1, j*3%28+1, 100+j*37%900)
	weights := []int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i, w := range weights {
		sum += int(body[i]-'0') * w
	}
	return body + string("10X98765432"[sum%11])
}

// shelterTypes are the GB 21734 shelter classes with their capacities,
// floor area per person (m²) and amenities.
var shelterTypes = []struct {
	value     string
	count     [2]int
	capacity  [2]int
	perPerson float64
	place     string
	amenities []string
}{
	{"type_1", [2]int{1, 1}, [2]int{8000, 20000}, 3.0, "示例中心体育场应急避难场所", []string{"应急供水", "应急供电", "应急厕所", "医疗救护点", "应急广播", "物资储备点", "消防设施"}},
	{"type_2", [2]int{2, 2}, [2]int{2000, 6000}, 2.0, "示例中学应急避难场所", []string{"应急供水", "应急供电", "应急厕所", "医疗救护点", "应急广播"}},
	{"type_3", [2]int{2, 3}, [2]int{300, 1500}, 1.5, "示例广场紧急避难场所", []string{"应急供水", "应急厕所", "应急广播"}},
}

func (g *gen) shelters() error {
	for _, c := range g.counties {
		seq := 0
		for _, st := range shelterTypes {
			for range g.between(st.count[0], st.count[1]) {
				seq++
				p, tw, err := g.resourceSite(c, st.value != "type_3")
				if err != nil {
					return err
				}
				capacity := g.between(st.capacity[0], st.capacity[1]) / 100 * 100
				g.add(registry.KShelter, &Record{
					Code: fmt.Sprintf("BN-%s-%02d", c.div.Code, seq), Category: st.value, Status: "active",
					Name:     g.unique(func() string { return c.div.Name + tw.div.Name + st.place }),
					Division: tw.div.Code, Geometry: p,
					Attrs: map[string]any{
						"capacity": int64(capacity), "area_m2": round(float64(capacity)*st.perPerson*g.uniform(1, 1.3), 0),
						"facilities": append([]string(nil), st.amenities...), "contacts": g.contacts("管理员", false),
					},
				})
			}
		}
	}
	return nil
}

// vehicleTypes describe the vehicles: name (%s is the county), the team
// type that crews it, seats and load (t), and whether it carries an
// emergency (应急) plate, which fire and rescue vehicles do.
var vehicleTypes = map[string]struct {
	name      string
	team      string
	seats     [2]int
	load      [2]float64
	emergency bool
}{
	"command":       {"%s应急管理局应急指挥车", "", [2]int{5, 7}, [2]float64{0.5, 1}, true},
	"fire_engine":   {"%s消防救援大队水罐消防车", "comprehensive", [2]int{6, 6}, [2]float64{5, 12}, true},
	"ambulance":     {"%s人民医院救护车", "medical", [2]int{4, 6}, [2]float64{0.8, 1.2}, false},
	"transport":     {"%s应急物资运输车", "", [2]int{2, 3}, [2]float64{5, 20}, false},
	"engineering":   {"%s应急抢险挖掘机", "geohazard_rescue", [2]int{1, 1}, [2]float64{20, 30}, false},
	"communication": {"%s应急通信保障车", "", [2]int{4, 5}, [2]float64{2, 3}, true},
}

// plateLetters are the letters Baoshan's 云M plates use after the city code.
const plateLetters = "ABCDEFGHJKLMNPQRSTUVWXYZ"

// vehicles gives every county a command vehicle and one or two fire
// engines, plus one or two more from the other types.
func (g *gen) vehicles() error {
	others := []string{"ambulance", "transport", "engineering", "communication"}
	for _, c := range g.counties {
		types := []string{"command", "fire_engine"}
		if g.rng.IntN(2) == 1 {
			types = append(types, "fire_engine")
		}
		for _, i := range g.rng.Perm(len(others))[:g.between(1, 2)] {
			types = append(types, others[i])
		}
		for _, t := range types {
			vt := vehicleTypes[t]
			p, err := g.nearSeat(c, 4000)
			if err != nil {
				return err
			}
			attrs := map[string]any{"seats": int64(g.between(vt.seats[0], vt.seats[1])), "load_t": round(g.uniform(vt.load[0], vt.load[1]), 1)}
			if code := g.teamCodes[c.div.Code+vt.team]; vt.team != "" && code != "" {
				attrs["team_code"] = code
			}
			g.add(registry.KVehicle, &Record{
				Code: g.plate(vt.emergency), Category: t, Status: g.status("standby", "maintenance", 0.05),
				Name:     g.unique(func() string { return fmt.Sprintf(vt.name, c.div.Name) }),
				Division: c.seatTown().div.Code, Geometry: p, Attrs: attrs,
			})
		}
	}
	return nil
}

// plate returns an unused Baoshan licence plate: 云M1234应急 for emergency
// vehicles, 云MA1234 for others.
func (g *gen) plate(emergency bool) string {
	for {
		var p string
		if emergency {
			p = fmt.Sprintf("云M%04d应急", g.rng.IntN(10000))
		} else {
			p = fmt.Sprintf("云M%c%04d", plateLetters[g.rng.IntN(len(plateLetters))], g.rng.IntN(10000))
		}
		if !g.plates[p] {
			g.plates[p] = true
			return p
		}
	}
}
