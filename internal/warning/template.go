package warning

import (
	"slices"
	"strings"
)

// Template is the starting text and CAP defaults for one hazard type.
// Templates are data: drafts copy them and people edit the copy.
type Template struct {
	Key           string `json:"key"`
	Event         string `json:"event"`
	EventEn       string `json:"event_en"`
	Category      string `json:"category"`
	Urgency       string `json:"urgency"`
	Certainty     string `json:"certainty"`
	ResponseType  string `json:"response_type"`
	Description   string `json:"description"`
	DescriptionEn string `json:"description_en"`
	Instruction   string `json:"instruction"`
	InstructionEn string `json:"instruction_en"`
	// PointKinds are the monitoring-point kinds whose alarms suggest this
	// template (drafting from an alarm).
	PointKinds []string `json:"point_kinds,omitempty"`
}

// Templates are the hazard types of the plan (forest fire, rainstorm,
// geological hazards, earthquakes, hazardous chemicals, floods, tailings
// ponds) and a general one. The instructions follow the public guidance
// the Ministry of Emergency Management publishes for each hazard.
var Templates = []Template{
	{Key: "forest_fire", Event: "森林火险", EventEn: "Forest fire danger", Category: "Fire", Urgency: "Expected", Certainty: "Likely", ResponseType: "Prepare",
		Description:   "受持续干旱少雨影响，预警区域内森林火险等级高，林内可燃物极易引燃，火势蔓延快。",
		DescriptionEn: "After a long dry spell the forest fire danger in the warning area is high: fuels ignite easily and fires spread fast.",
		Instruction:   "严禁一切野外用火；进山入林人员不得携带火种；发现火情立即拨打12119或119报告，不要自行扑救大火。",
		InstructionEn: "No outdoor fires of any kind; do not carry fire sources into forests; report any fire at once on 12119 or 119 and do not fight large fires yourself.",
		PointKinds:    []string{"smoke", "temperature", "humidity", "wind_speed"}},
	{Key: "rainstorm", Event: "暴雨", EventEn: "Rainstorm", Category: "Met", Urgency: "Expected", Certainty: "Likely", ResponseType: "Prepare",
		Description:   "预计预警区域内将出现强降雨，局地伴有短时强降水，城乡积涝、山洪和地质灾害风险高。",
		DescriptionEn: "Heavy rain is expected in the warning area, locally intense; urban flooding, flash floods and geological hazards are likely.",
		Instruction:   "避免在低洼地带、河道和山洪沟停留；不要涉水通行；危险地带人员及时转移；关注后续预警信息。",
		InstructionEn: "Keep away from low ground, river beds and flash-flood gullies; do not walk or drive through water; people in danger zones move to safety; follow further warnings.",
		PointKinds:    []string{"rainfall", "rain_intensity"}},
	{Key: "landslide", Event: "地质灾害（滑坡、泥石流）", EventEn: "Geological hazard (landslide, debris flow)", Category: "Geo", Urgency: "Expected", Certainty: "Likely", ResponseType: "Evacuate",
		Description:   "受降雨影响，预警区域内发生滑坡、崩塌、泥石流等地质灾害的风险高。",
		DescriptionEn: "After rainfall the risk of landslides, rockfalls and debris flows in the warning area is high.",
		Instruction:   "隐患点周边群众按预案立即撤离至安全地带；不要在沟谷、陡坡下停留；发现异常立即报告。",
		InstructionEn: "People near hazard points evacuate to safe ground at once as planned; do not stay in gullies or below steep slopes; report anything unusual.",
		PointKinds:    []string{"surface_displacement", "internal_displacement", "displacement", "settlement", "mud_level", "ground_sound", "earth_pressure", "water_content"}},
	{Key: "earthquake", Event: "地震", EventEn: "Earthquake", Category: "Geo", Urgency: "Immediate", Certainty: "Observed", ResponseType: "Avoid",
		Description:   "预警区域发生地震，可能造成房屋损坏并伴有余震。",
		DescriptionEn: "An earthquake struck the warning area; buildings may be damaged and aftershocks are likely.",
		Instruction:   "震后迅速撤离到空旷地带，远离危房、高墙和山体边坡；不要返回受损建筑；听从当地政府统一指挥。",
		InstructionEn: "Move to open ground, away from damaged buildings, high walls and slopes; do not go back into damaged buildings; follow the local authorities' instructions."},
	{Key: "chemical_leak", Event: "危险化学品泄漏", EventEn: "Hazardous chemical leak", Category: "CBRNE", Urgency: "Immediate", Certainty: "Observed", ResponseType: "Evacuate",
		Description:   "预警区域内发生危险化学品泄漏，下风向可能出现有毒有害气体。",
		DescriptionEn: "A hazardous chemical has leaked in the warning area; toxic gas may drift downwind.",
		Instruction:   "向上风向或侧风向迅速撤离；无法撤离时关闭门窗、关闭通风设备，用湿毛巾捂住口鼻；不要靠近现场。",
		InstructionEn: "Leave upwind or crosswind at once; if you cannot leave, close doors, windows and ventilation and cover nose and mouth with a wet cloth; keep away from the site.",
		PointKinds:    []string{"toxic_gas", "combustible_gas", "oxygen", "pressure", "liquid_level"}},
	{Key: "flood", Event: "洪水", EventEn: "Flood", Category: "Met", Urgency: "Expected", Certainty: "Likely", ResponseType: "Evacuate",
		Description:   "预警区域内河流水位持续上涨，可能超过警戒水位，沿河低洼地带有被淹风险。",
		DescriptionEn: "River levels in the warning area keep rising and may pass the warning level; low ground along the rivers may flood.",
		Instruction:   "沿河低洼地带人员及时转移；不要在河边逗留或涉水；注意防范山洪。",
		InstructionEn: "People on low ground along rivers move to safety; do not stay by rivers or wade; beware of flash floods.",
		PointKinds:    []string{"water_level"}},
	{Key: "tailings", Event: "尾矿库险情", EventEn: "Tailings dam danger", Category: "Safety", Urgency: "Expected", Certainty: "Possible", ResponseType: "Evacuate",
		Description:   "尾矿库监测数据超过预警值，坝体存在失稳风险。",
		DescriptionEn: "Monitoring of a tailings dam has passed its warning values; the dam may become unstable.",
		Instruction:   "尾矿库下游人员按预案撤离至安全地带；不要进入库区和下游河道。",
		InstructionEn: "People downstream of the tailings dam evacuate to safe ground as planned; do not enter the pond area or the river below it.",
		PointKinds:    []string{"freeboard", "beach_length", "phreatic_line"}},
	{Key: "general", Event: "突发事件", EventEn: "Emergency", Category: "Safety", Urgency: "Expected", Certainty: "Possible", ResponseType: "Monitor",
		Description:   "预警区域内发生或可能发生突发事件。",
		DescriptionEn: "An emergency has occurred or may occur in the warning area.",
		Instruction:   "请关注政府发布的信息，做好防范准备。",
		InstructionEn: "Follow official information and be prepared."},
}

// TemplateNamed returns the template with that key.
func TemplateNamed(key string) (Template, bool) {
	for _, t := range Templates {
		if t.Key == key {
			return t, true
		}
	}
	return Template{}, false
}

// TemplateForPoint picks the template for an alarm on a point of that
// kind; the general template when none matches.
func TemplateForPoint(kind string) Template {
	for _, t := range Templates {
		if slices.Contains(t.PointKinds, kind) {
			return t
		}
	}
	t, _ := TemplateNamed("general")
	return t
}

// Headline is the usual Chinese headline: 隆阳区暴雨橙色预警.
func Headline(area, event string, l Level) string {
	return area + event + l.Label() + "预警"
}

// HeadlineEn is the English one: Orange rainstorm warning for Longyang.
func HeadlineEn(area, event string, l Level) string {
	s := strings.ToUpper(string(l)[:1]) + string(l)[1:] + " " + strings.ToLower(event) + " warning"
	if area != "" {
		s += " for " + area
	}
	return s
}
