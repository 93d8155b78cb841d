package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/yingji/yingji/internal/incident"
	"github.com/yingji/yingji/internal/region"
)

// IncidentCreator is what the demo incidents need of incident command.
type IncidentCreator interface {
	Create(ctx context.Context, in *incident.Input) (*incident.Incident, error)
}

// demoIncidents are typical events of Baoshan's hazards, one or two per
// county, with figures that give each grade; times are before now.
var demoIncidents = []struct {
	county, typ, title, address, source, reporter, desc string
	ago                                                 time.Duration
	deaths, missing, injured, trapped                   int
	lossWan                                             float64
	extra                                               map[string]float64
}{
	{"530502", "accident.hazchem.leak", "隆阳区某化工企业液氨储罐泄漏", "隆阳区工业园区", "phone", "企业安全员",
		"液氨储罐出料阀法兰垫片破损，少量氨气外泄，企业已启动现场处置方案。", 40 * time.Minute, 0, 0, 2, 0, 15, nil},
	{"530581", "natural.forest_fire", "腾冲市某林区森林火灾", "腾冲市林区", "partner", "林草局值班室",
		"护林员发现山火，过火面积约3公顷，风力较大，火势向东北蔓延。", 3 * time.Hour, 0, 0, 0, 0, 40, map[string]float64{"forest_area_ha": 3}},
	{"530523", "natural.geohazard.landslide", "龙陵县某村滑坡", "龙陵县某村", "field", "网格员",
		"连续降雨后村后山体滑坡，冲毁民房2间，1人被困，已组织群众撤离。", 5 * time.Hour, 0, 0, 0, 1, 80, nil},
	{"530524", "accident.road_traffic", "昌宁县某国道货车侧翻", "昌宁县国道", "phone", "过往司机",
		"一辆重型货车在长下坡路段侧翻，3人死亡，道路单向通行。", 26 * time.Hour, 3, 0, 1, 0, 60, nil},
	{"530521", "accident.mining.tailings", "施甸县某尾矿库浸润线超限", "施甸县某尾矿库", "alarm", "在线监测",
		"在线监测浸润线埋深小于控制值，企业已降低库水位并加密巡查。", 50 * time.Hour, 0, 0, 0, 0, 0, nil},
	{"530581", "natural.earthquake", "腾冲市4.8级地震", "腾冲市", "feed", "地震台网",
		"腾冲市发生4.8级地震，震源深度10公里，部分民房墙体开裂，暂无人员伤亡报告。", 80 * time.Hour, 0, 0, 0, 0, 300, map[string]float64{"magnitude": 4.8}},
}

// Incidents records the demo incidents (their titles end with Marker) in
// the counties of tree, placed at seeded points inside them.
func Incidents(ctx context.Context, c IncidentCreator, tree *region.Tree, seed int64, now time.Time) (int, error) {
	rng := rand.New(rand.NewPCG(uint64(seed), 0x494e43))
	n := 0
	for _, d := range demoIncidents {
		p, err := tree.RandomPoint(rng, d.county)
		if err != nil {
			return n, fmt.Errorf("demo: incident %s: %w", d.title, err)
		}
		occurred := now.Add(-d.ago).Truncate(time.Minute)
		loss := d.lossWan * 10000
		title, addr, src, rep, desc := d.title+Marker, d.address, d.source, d.reporter, d.desc
		lon, lat := p[0], p[1]
		typ := d.typ
		in := &incident.Input{Title: &title, Type: &typ, OccurredAt: &occurred, Lon: &lon, Lat: &lat, Address: &addr, Source: &src, Reporter: &rep,
			Description: &desc, Deaths: &d.deaths, Missing: &d.missing, SeriousInjuries: &d.injured, Trapped: &d.trapped, LossCNY: &loss,
			Extra: d.extra, Confirm: true}
		if _, err := c.Create(ctx, in); err != nil {
			return n, fmt.Errorf("demo: incident %s: %w", d.title, err)
		}
		n++
	}
	return n, nil
}
