package demo

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/yingji/yingji/internal/registry"
)

// pointCodes are the code suffixes of monitoring points by kind, from the
// pinyin initials Chinese monitoring systems use (WY 位移, JRX 浸润线 …).
var pointCodes = map[string]string{
	"surface_displacement": "WY", "displacement": "WY", "settlement": "CJ",
	"phreatic_line": "JRX", "beach_length": "GT", "water_level": "SW", "rainfall": "JY",
	"pressure": "YL", "liquid_level": "YW", "temperature": "WD", "humidity": "SD",
	"combustible_gas": "KR", "toxic_gas": "YD", "smoke": "YG", "head_count": "RS",
}

// pointIntervals are the reporting periods (s) a point of each kind may
// have: gas detectors report every minute, slow movements every few.
var pointIntervals = map[string][]int64{
	"combustible_gas": {60}, "toxic_gas": {60},
	"pressure": {60, 120, 300}, "liquid_level": {60, 120, 300}, "temperature": {60, 120, 300},
	"humidity": {120, 300}, "smoke": {60}, "head_count": {60, 300},
	"surface_displacement": {300, 600}, "displacement": {300, 600}, "settlement": {300, 600},
	"phreatic_line": {300, 600}, "beach_length": {300, 600}, "water_level": {300, 600}, "rainfall": {60, 300},
}

// pointSet adds the monitoring points of one owner, numbering them per
// kind so that codes like WKK-530502-001-WY03 stay stable and readable.
type pointSet struct {
	g          *gen
	ownerKind  string
	owner      *Record
	county     *county
	minM, maxM float64
	seq        map[string]int
	err        error
}

func newPointSet(g *gen, ownerKind string, owner *Record, c *county, minM, maxM float64) *pointSet {
	return &pointSet{g: g, ownerKind: ownerKind, owner: owner, county: c, minM: minM, maxM: maxM, seq: map[string]int{}}
}

// add adds one point of the given kind and unit with its measuring range.
// The first error is kept and later calls do nothing, so that callers can
// list points without checking each one.
func (s *pointSet) add(kind, unit string, lo, hi float64, substance, note string) {
	s.addWith(kind, unit, lo, hi, substance, note, nil)
}

// addWith is add with design values the point's default alarm rules need
// (control_depth_m of a phreatic line, design_red of a displacement).
func (s *pointSet) addWith(kind, unit string, lo, hi float64, substance, note string, design map[string]any) {
	if s.err != nil {
		return
	}
	g := s.g
	if !slices.Contains(registry.PointUnits[kind], unit) {
		s.err = fmt.Errorf("demo: %s is not a unit of %s points", unit, kind)
		return
	}
	p, err := g.near(s.owner.Anchor(), s.county, s.minM, s.maxM)
	if err != nil {
		s.err = err
		return
	}
	suffix := pointCodes[kind]
	s.seq[suffix]++
	tag := fmt.Sprintf("%s%02d", suffix, s.seq[suffix])
	attrs := map[string]any{
		"unit":         unit,
		"interval_s":   pick(g, pointIntervals[kind]),
		"range_min":    lo,
		"range_max":    hi,
		"install_note": note,
	}
	if substance != "" {
		attrs["substance"] = substance
	}
	for k, v := range design {
		attrs[k] = v
	}
	g.add(registry.KMonitoringPoint, &Record{
		Code:     s.owner.Code + "-" + tag,
		Name:     g.unique(func() string { return baseName(s.owner) + pointLabel(kind) + "监测点" + tag }),
		Category: kind, Status: g.status("active", "maintenance", 0.03),
		Division: s.owner.Division, Owner: Ref{s.ownerKind, s.owner.Code}, Geometry: p, Attrs: attrs,
	})
}

func pointLabel(kind string) string {
	for _, o := range registry.PointKinds {
		if o.Value == kind {
			return o.Label
		}
	}
	return kind
}

// baseName is a record's name without Marker, for deriving names from it.
func baseName(r *Record) string { return strings.TrimSuffix(r.Name, Marker) }

// pondPoints equips every tailings pond as GB 39496-2020 5.5.2 requires:
// a wet pond has dam surface displacement, phreatic line, dry-beach length,
// pond water level and rainfall; a dry pond displacement, phreatic line and
// rainfall. Video is not a registry point kind and is left out.
func (g *gen) pondPoints() error {
	for _, f := range g.ponds {
		height := f.rec.Attrs["dam_height_m"].(float64)
		beach := f.rec.Attrs["design_beach_length_m"].(float64)
		wet := f.rec.Attrs["pond_type"] == "wet"
		pts := newPointSet(g, registry.KFacility, f.rec, f.county, 40, 300)
		for i := 1; i <= 4; i++ {
			pts.addWith("surface_displacement", "mm", -500, 500, "", fmt.Sprintf("坝体第%d排GNSS监测墩", (i+1)/2),
				map[string]any{"design_red": float64(80 + 10*g.rng.IntN(8))})
		}
		sections := 2
		if wet {
			sections = 3
		}
		for i := 1; i <= sections; i++ {
			// the control burial depth grows with the dam (GB 50863 gives
			// it by dam height and grade); a designer's value is used here.
			depth := math.Round(math.Min(8, math.Max(4, 0.15*height))*10) / 10
			pts.addWith("phreatic_line", "m", 0, math.Ceil(height), "", fmt.Sprintf("第%d监测断面浸润线孔", i),
				map[string]any{"control_depth_m": depth})
		}
		if wet {
			pts.add("beach_length", "m", 0, math.Max(300, 4*beach), "", "库内干滩激光测距仪")
			pts.add("water_level", "m", 0, math.Ceil(height+10), "", "库内浮标水位计")
		}
		pts.add("rainfall", "mm", 0, 300, "", "坝顶翻斗式雨量计")
		if pts.err != nil {
			return pts.err
		}
	}
	return nil
}

// monitoredShare is the share of geological hazard points with automatic
// monitoring; the rest rely on the village monitors (群测群防).
const monitoredShare = 0.10

// geohazardPoints puts a displacement gauge and a rain gauge on a random
// tenth of the geological hazard points.
func (g *gen) geohazardPoints() error {
	all := g.stage(registry.KGeohazardPoint).Records
	n := int(math.Round(monitoredShare * float64(len(all))))
	chosen := g.rng.Perm(len(all))[:n]
	slices.Sort(chosen)
	for _, i := range chosen {
		r := all[i]
		pts := newPointSet(g, registry.KGeohazardPoint, r, g.byCode[r.Division[:6]], 10, 80)
		pts.addWith("displacement", "mm", 0, 1000, "", "后缘拉线式位移计", map[string]any{"design_red": 200.0})
		pts.add("rainfall", "mm", 0, 300, "", "坡顶翻斗式雨量计")
		if pts.err != nil {
			return pts.err
		}
	}
	return nil
}

// lifelinePoints watches the city lifelines: bridges for displacement and
// settlement, gas stations for leaks, water mains for pressure.
func (g *gen) lifelinePoints() error {
	for _, l := range g.lifelines {
		pts := newPointSet(g, registry.KLifelineAsset, l.rec, l.county, 5, 150)
		switch l.rec.Category {
		case "bridge":
			for i := 1; i <= 2; i++ {
				pts.addWith("displacement", "mm", -200, 200, "", fmt.Sprintf("%d号桥墩墩顶位移计", i), map[string]any{"design_red": 50.0})
				pts.addWith("settlement", "mm", -100, 100, "", fmt.Sprintf("%d号桥墩静力水准仪", i), map[string]any{"design_red": 30.0})
			}
		case "gas_station":
			for i := 1; i <= 2; i++ {
				pts.add("combustible_gas", "%LEL", 0, 100, "甲烷", fmt.Sprintf("调压计量区%d号可燃气体探测器", i))
			}
		case "water_main":
			for i := 1; i <= 2; i++ {
				pts.add("pressure", "MPa", 0, 1.6, "", fmt.Sprintf("%d号阀门井压力计", i))
			}
		}
		if pts.err != nil {
			return pts.err
		}
	}
	return nil
}
