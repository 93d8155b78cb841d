package registry

import "github.com/yingji/yingji/internal/creditcode"

// Kind names.
const (
	KEnterprise      = "enterprise"
	KFacility        = "facility"
	KHazardSource    = "hazard_source"
	KMonitoringPoint = "monitoring_point"
	KGeohazardPoint  = "geohazard_point"
	KLifelineAsset   = "lifeline_asset"
	KRescueTeam      = "rescue_team"
	KWarehouse       = "warehouse"
	KExpert          = "expert"
	KShelter         = "shelter"
	KVehicle         = "vehicle"
)

var activeStatuses = []Option{
	{"active", "在用", "active"},
	{"suspended", "停用", "suspended"},
	{"closed", "注销", "closed"},
}

// Industries covers the plan's list of supervised industries.
var Industries = []Option{
	{"non_coal_mine", "非煤矿山", "non-coal mine"},
	{"tailings_pond", "尾矿库运营", "tailings pond operator"},
	{"hazchem_producer", "危化品生产", "hazardous-chemical producer"},
	{"hazchem_trader", "危化品经营", "hazardous-chemical trader"},
	{"hazchem_user", "危化品使用", "hazardous-chemical user"},
	{"fireworks_producer", "烟花爆竹生产", "fireworks producer"},
	{"fireworks_wholesaler", "烟花爆竹批发", "fireworks wholesaler"},
	{"fireworks_retailer", "烟花爆竹零售", "fireworks retailer"},
	{"metallurgy", "冶金", "metallurgy"},
	{"dust_explosion", "粉尘涉爆", "dust-explosion work"},
	{"liquid_ammonia", "涉氨制冷", "liquid-ammonia refrigeration"},
	{"confined_space", "有限空间作业", "confined-space work"},
	{"other_industry_trade", "其他工贸", "other industry and trade"},
	{"oil_gas_pipeline", "油气输送管道", "oil and gas pipeline"},
}

// Enterprise is the supervised enterprise kind.
var Enterprise = register(&Kind{
	Name: KEnterprise, Path: "enterprises", Label: "企业", LabelEn: "Enterprise",
	CodeLabel: "统一社会信用代码", CategoryField: "industry", CategoryLabel: "行业类别", CategoryLabelEn: "industry", Categories: Industries,
	Statuses: []Option{
		{"operating", "正常生产", "operating"},
		{"suspended", "停产", "suspended"},
		{"closed", "关闭", "closed"},
	},
	Fields: []Field{
		{Name: "legal_representative", Type: String, Label: "法定代表人", LabelEn: "legal representative"},
		{Name: "address", Type: String, Label: "地址", LabelEn: "address"},
		{Name: "employees", Type: Int, Label: "从业人数", LabelEn: "employees", Min: num(0)},
		{Name: "contacts", Type: Contacts, Label: "联系人", LabelEn: "contacts", Personal: PersonalContacts},
		{Name: "safety_licence", Type: String, Label: "安全生产许可证号", LabelEn: "safety licence no."},
		{Name: "licence_expires", Type: Date, Label: "许可证有效期至", LabelEn: "licence expires"},
		{Name: "special_work", Type: Strings, Label: "涉及特殊作业", LabelEn: "special work",
			Options: []Option{{"dust_explosion", "粉尘涉爆", "dust explosion"}, {"liquid_ammonia", "涉氨制冷", "liquid ammonia"}, {"confined_space", "有限空间作业", "confined space"}, {"hot_work", "动火作业", "hot work"}, {"high_altitude", "高处作业", "work at height"}}},
	},
	Geometries:   []string{"Point", "Polygon", "MultiPolygon"},
	ValidateCode: creditcode.Validate,
})

// Facility covers an enterprise's ponds, mines, stores and pipelines.
var Facility = register(&Kind{
	Name: KFacility, Path: "facilities", Label: "设施", LabelEn: "Facility",
	CodeLabel: "设施编码", CategoryField: "facility_type", CategoryLabel: "设施类型", CategoryLabelEn: "facility type",
	Categories: []Option{
		{"tailings_pond", "尾矿库", "tailings pond"},
		{"mine", "矿山", "mine"},
		{"tank_farm", "储罐区", "tank farm"},
		{"chemical_warehouse", "危化品仓库", "chemical warehouse"},
		{"pipeline_segment", "管道段", "pipeline segment"},
	},
	Statuses: activeStatuses,
	Fields: []Field{
		{Name: "dam_grade", Type: Int, Label: "坝等别", LabelEn: "dam grade", Min: num(1), Max: num(5), Required: true, Categories: []string{"tailings_pond"}},
		{Name: "pond_type", Type: Enum, Label: "干湿类型", LabelEn: "wet or dry", Options: []Option{{"wet", "湿式", "wet"}, {"dry", "干式", "dry"}}, Required: true, Categories: []string{"tailings_pond"}},
		{Name: "design_freeboard_m", Type: Float, Label: "设计安全超高", LabelEn: "design freeboard", Unit: "m", Min: num(0), Categories: []string{"tailings_pond"}},
		{Name: "design_beach_length_m", Type: Float, Label: "设计干滩长度", LabelEn: "design dry-beach length", Unit: "m", Min: num(0), Categories: []string{"tailings_pond"}},
		{Name: "dam_height_m", Type: Float, Label: "坝高", LabelEn: "dam height", Unit: "m", Min: num(0), Categories: []string{"tailings_pond"}},
		{Name: "capacity_m3", Type: Float, Label: "库容", LabelEn: "capacity", Unit: "m3", Min: num(0), Categories: []string{"tailings_pond", "tank_farm"}},
		{Name: "mine_type", Type: Enum, Label: "开采方式", LabelEn: "mining method", Options: []Option{{"underground", "地下开采", "underground"}, {"open_pit", "露天开采", "open pit"}}, Categories: []string{"mine"}},
		{Name: "mineral", Type: String, Label: "矿种", LabelEn: "mineral", Categories: []string{"mine"}},
		{Name: "tanks", Type: Int, Label: "储罐数", LabelEn: "tanks", Min: num(0), Categories: []string{"tank_farm"}},
		{Name: "medium", Type: Enum, Label: "输送介质", LabelEn: "medium", Options: []Option{{"crude_oil", "原油", "crude oil"}, {"refined_oil", "成品油", "refined oil"}, {"natural_gas", "天然气", "natural gas"}}, Categories: []string{"pipeline_segment"}},
		{Name: "length_km", Type: Float, Label: "长度", LabelEn: "length", Unit: "km", Min: num(0), Categories: []string{"pipeline_segment"}},
		{Name: "hca_grade", Type: Enum, Label: "高后果区等级", LabelEn: "high-consequence area grade", Options: []Option{{"I", "Ⅰ级", "grade I"}, {"II", "Ⅱ级", "grade II"}, {"III", "Ⅲ级", "grade III"}}, Categories: []string{"pipeline_segment"}},
	},
	Owners: []string{KEnterprise}, OwnerRequired: true,
	Geometries: []string{"Point", "Polygon", "MultiPolygon", "LineString", "MultiLineString"},
})

// HazardSource is a major hazard source (GB 18218-2018).
var HazardSource = register(&Kind{
	Name: KHazardSource, Path: "hazard-sources", Label: "重大危险源", LabelEn: "Major hazard source",
	CodeLabel: "危险源编码", CategoryField: "source_type", CategoryLabel: "危险源类型", CategoryLabelEn: "source type",
	Categories: []Option{
		{"storage_tank", "储罐区", "storage tank area"},
		{"warehouse", "库区", "warehouse area"},
		{"production_unit", "生产装置", "production unit"},
		{"fireworks", "烟花爆竹", "fireworks"},
	},
	Statuses: activeStatuses,
	Fields: []Field{
		{Name: "grade", Type: Int, Label: "危险源等级", LabelEn: "grade", Min: num(1), Max: num(4), Required: true},
		{Name: "substances", Type: Substances, Label: "危险物质", LabelEn: "substances"},
		{Name: "exposed_people", Type: Int, Label: "500米内暴露人数", LabelEn: "people within 500 m", Min: num(0)},
		{Name: "r_value", Type: Float, Label: "R值", LabelEn: "R value", Min: num(0)},
	},
	Owners: []string{KEnterprise, KFacility}, OwnerRequired: true,
	Geometries: []string{"Point", "Polygon"},
})

// PointKinds are the kinds of sensor the plan lists, with their units.
var PointKinds = []Option{
	{"water_level", "库水位", "water level"},
	{"freeboard", "安全超高", "freeboard"},
	{"beach_length", "干滩长度", "dry-beach length"},
	{"phreatic_line", "浸润线埋深", "phreatic line depth"},
	{"surface_displacement", "表面位移", "surface displacement"},
	{"internal_displacement", "内部位移", "internal displacement"},
	{"displacement", "位移", "displacement"},
	{"settlement", "沉降", "settlement"},
	{"rainfall", "雨量", "rainfall"},
	{"rain_intensity", "雨强", "rain intensity"},
	{"pressure", "压力", "pressure"},
	{"liquid_level", "液位", "liquid level"},
	{"temperature", "温度", "temperature"},
	{"humidity", "湿度", "humidity"},
	{"combustible_gas", "可燃气体浓度", "combustible gas"},
	{"toxic_gas", "有毒气体浓度", "toxic gas"},
	{"oxygen", "氧气浓度", "oxygen"},
	{"dust", "粉尘浓度", "dust concentration"},
	{"smoke", "烟雾", "smoke"},
	{"water_content", "含水率", "water content"},
	{"mud_level", "泥位", "mud level"},
	{"ground_sound", "地声", "ground sound"},
	{"earth_pressure", "土压力", "earth pressure"},
	{"wind_speed", "风速", "wind speed"},
	{"head_count", "作业人数", "head count"},
}

// PointUnits lists, per point kind, the units a point of that kind may be
// configured in; the first is the default.
var PointUnits = map[string][]string{
	"water_level":           {"m"},
	"freeboard":             {"m"},
	"beach_length":          {"m"},
	"phreatic_line":         {"m"},
	"surface_displacement":  {"mm", "m"},
	"internal_displacement": {"mm", "m"},
	"displacement":          {"mm", "m"},
	"settlement":            {"mm", "m"},
	"rainfall":              {"mm"},
	"rain_intensity":        {"mm/h"},
	"pressure":              {"MPa", "kPa"},
	"liquid_level":          {"m", "%"},
	"temperature":           {"°C"},
	"humidity":              {"%RH"},
	"combustible_gas":       {"%LEL"},
	"toxic_gas":             {"ppm", "mg/m3"},
	"oxygen":                {"%VOL"},
	"dust":                  {"mg/m3"},
	"smoke":                 {"dB/m", "%obs/m"},
	"water_content":         {"%"},
	"mud_level":             {"m"},
	"ground_sound":          {"dB"},
	"earth_pressure":        {"kPa", "MPa"},
	"wind_speed":            {"m/s"},
	"head_count":            {"persons"},
}

// MonitoringPoint is a sensor.
var MonitoringPoint = register(&Kind{
	Name: KMonitoringPoint, Path: "monitoring-points", Label: "监测点", LabelEn: "Monitoring point",
	CodeLabel: "监测点编码", CategoryField: "kind", CategoryLabel: "监测类型", CategoryLabelEn: "measured quantity", Categories: PointKinds,
	Statuses: []Option{
		{"active", "在线运行", "active"},
		{"maintenance", "维护中", "maintenance"},
		{"disabled", "停用", "disabled"},
	},
	Fields: []Field{
		{Name: "unit", Type: String, Label: "单位", LabelEn: "unit", Required: true},
		{Name: "interval_s", Type: Int, Label: "上报周期(秒)", LabelEn: "reporting interval (s)", Min: num(1), Max: num(86400), Required: true},
		{Name: "range_min", Type: Float, Label: "量程下限", LabelEn: "range min"},
		{Name: "range_max", Type: Float, Label: "量程上限", LabelEn: "range max"},
		{Name: "substance", Type: String, Label: "监测物质", LabelEn: "substance"},
		{Name: "control_depth_m", Type: Float, Label: "浸润线控制埋深", LabelEn: "phreatic line control depth", Unit: "m", Min: num(0),
			Categories: []string{"phreatic_line"}},
		{Name: "design_red", Type: Float, Label: "设计红色阈值", LabelEn: "designer's red threshold", Categories: []string{"surface_displacement", "internal_displacement", "displacement", "settlement"}},
		{Name: "install_note", Type: String, Label: "安装位置说明", LabelEn: "installation note"},
	},
	Owners:        []string{KFacility, KEnterprise, KHazardSource, KGeohazardPoint, KLifelineAsset},
	OwnerRequired: true,
})

// GeohazardPoint is a registered geological hazard point.
var GeohazardPoint = register(&Kind{
	Name: KGeohazardPoint, Path: "geohazard-points", Label: "地质灾害隐患点", LabelEn: "Geological hazard point",
	CodeLabel: "隐患点编号", CategoryField: "hazard_type", CategoryLabel: "灾害类型", CategoryLabelEn: "hazard type",
	Categories: []Option{
		{"landslide", "滑坡", "landslide"},
		{"rockfall", "崩塌", "rockfall"},
		{"debris_flow", "泥石流", "debris flow"},
		{"ground_collapse", "地面塌陷", "ground collapse"},
		{"ground_fissure", "地裂缝", "ground fissure"},
	},
	Statuses: []Option{
		{"active", "在册", "registered"},
		{"mitigated", "已治理", "mitigated"},
		{"removed", "已销号", "removed"},
	},
	Fields: []Field{
		{Name: "scale", Type: Enum, Label: "规模等级", LabelEn: "scale", Options: []Option{{"small", "小型", "small"}, {"medium", "中型", "medium"}, {"large", "大型", "large"}, {"huge", "特大型", "huge"}}, Required: true},
		{Name: "volume_m3", Type: Float, Label: "体积", LabelEn: "volume", Unit: "m3", Min: num(0)},
		{Name: "threatened_people", Type: Int, Label: "威胁人数", LabelEn: "threatened people", Min: num(0)},
		{Name: "threatened_property_wan", Type: Float, Label: "威胁财产(万元)", LabelEn: "threatened property (10k CNY)", Min: num(0)},
		{Name: "monitor_person", Type: String, Label: "群测群防员", LabelEn: "monitor"},
		{Name: "monitor_phone", Type: Phone, Label: "监测员电话", LabelEn: "monitor phone", Personal: PersonalPhone},
	},
})

// LifelineAsset is a city lifeline asset.
var LifelineAsset = register(&Kind{
	Name: KLifelineAsset, Path: "lifeline-assets", Label: "城市生命线设施", LabelEn: "Lifeline asset",
	CodeLabel: "设施编码", CategoryField: "asset_type", CategoryLabel: "设施类型", CategoryLabelEn: "asset type",
	Categories: []Option{
		{"bridge", "桥梁", "bridge"},
		{"gas_station", "燃气场站", "gas station"},
		{"gas_pipeline", "燃气管网", "gas pipeline"},
		{"water_main", "供水管网", "water main"},
		{"sewer", "排水管网", "sewer"},
		{"fire_hydrant", "消防供水", "fire water"},
		{"complex", "大型综合体", "large complex"},
	},
	Statuses: activeStatuses,
	Fields: []Field{
		{Name: "operator", Type: String, Label: "运营单位", LabelEn: "operator"},
		{Name: "length_km", Type: Float, Label: "长度", LabelEn: "length", Unit: "km", Min: num(0)},
		{Name: "built_year", Type: Int, Label: "建成年份", LabelEn: "year built", Min: num(1900), Max: num(2100)},
		{Name: "contacts", Type: Contacts, Label: "联系人", LabelEn: "contacts", Personal: PersonalContacts},
	},
	Geometries: []string{"Point", "LineString", "MultiLineString", "Polygon"},
})

// RescueTeam is an emergency rescue team.
var RescueTeam = register(&Kind{
	Name: KRescueTeam, Path: "rescue-teams", Label: "救援队伍", LabelEn: "Rescue team",
	CodeLabel: "队伍编码", CategoryField: "team_type", CategoryLabel: "队伍类型", CategoryLabelEn: "team type",
	Categories: []Option{
		{"comprehensive", "综合性消防救援", "comprehensive fire and rescue"},
		{"forest_fire", "森林消防", "forest firefighting"},
		{"mine_rescue", "矿山救护", "mine rescue"},
		{"hazchem_rescue", "危化品救援", "hazardous-chemical rescue"},
		{"geohazard_rescue", "地质灾害救援", "geological-hazard rescue"},
		{"medical", "医疗救护", "medical"},
		{"volunteer", "社会救援力量", "volunteer"},
	},
	Statuses: []Option{
		{"standby", "待命", "standby"},
		{"deployed", "出动", "deployed"},
		{"unavailable", "不可用", "unavailable"},
	},
	Fields: []Field{
		{Name: "members", Type: Int, Label: "人数", LabelEn: "members", Min: num(0), Required: true},
		{Name: "equipment", Type: Strings, Label: "主要装备", LabelEn: "equipment"},
		{Name: "base", Type: String, Label: "驻地", LabelEn: "base"},
		{Name: "contacts", Type: Contacts, Label: "联系人", LabelEn: "contacts", Personal: PersonalContacts},
	},
})

// Warehouse is an emergency supply warehouse with stock lines.
var Warehouse = register(&Kind{
	Name: KWarehouse, Path: "warehouses", Label: "应急物资库", LabelEn: "Supply warehouse",
	CodeLabel: "物资库编码", CategoryField: "warehouse_level", CategoryLabel: "物资库级别", CategoryLabelEn: "level",
	Categories: []Option{
		{"city", "市级", "city"},
		{"county", "县级", "county"},
		{"township", "乡镇级", "township"},
		{"enterprise", "企业", "enterprise"},
	},
	Statuses: activeStatuses,
	Fields: []Field{
		{Name: "stock", Type: Stock, Label: "库存", LabelEn: "stock"},
		{Name: "area_m2", Type: Float, Label: "面积", LabelEn: "floor area", Unit: "m2", Min: num(0)},
		{Name: "contacts", Type: Contacts, Label: "联系人", LabelEn: "contacts", Personal: PersonalContacts},
	},
})

// Expert is an expert on the emergency expert roster.
var Expert = register(&Kind{
	Name: KExpert, Path: "experts", Label: "应急专家", LabelEn: "Expert",
	CodeLabel: "专家编号", CategoryField: "specialty", CategoryLabel: "专业领域", CategoryLabelEn: "specialty",
	Categories: []Option{
		{"hazchem", "危险化学品", "hazardous chemicals"},
		{"mining", "非煤矿山", "mining"},
		{"geology", "地质灾害", "geology"},
		{"forest_fire", "森林防火", "forest fire"},
		{"earthquake", "地震", "earthquake"},
		{"flood", "防汛抗旱", "flood and drought"},
		{"medical", "医疗卫生", "medical"},
		{"fireworks", "烟花爆竹", "fireworks"},
	},
	Statuses: []Option{
		{"available", "可调用", "available"},
		{"unavailable", "不可调用", "unavailable"},
	},
	Fields: []Field{
		{Name: "organization", Type: String, Label: "工作单位", LabelEn: "organization"},
		{Name: "title", Type: String, Label: "职称", LabelEn: "title"},
		{Name: "phone", Type: Phone, Label: "电话", LabelEn: "phone", Personal: PersonalPhone},
		{Name: "id_number", Type: String, Label: "身份证号", LabelEn: "ID card number", Personal: PersonalIDNumber},
		{Name: "home_address", Type: String, Label: "家庭住址", LabelEn: "home address", Personal: PersonalAddress},
	},
})

// Shelter is an emergency shelter.
var Shelter = register(&Kind{
	Name: KShelter, Path: "shelters", Label: "避难场所", LabelEn: "Shelter",
	CodeLabel: "场所编码", CategoryField: "shelter_type", CategoryLabel: "场所类型", CategoryLabelEn: "shelter type",
	Categories: []Option{
		{"type_1", "Ⅰ类(长期)", "type I (long term)"},
		{"type_2", "Ⅱ类(中期)", "type II (medium term)"},
		{"type_3", "Ⅲ类(紧急)", "type III (immediate)"},
	},
	Statuses: activeStatuses,
	Fields: []Field{
		{Name: "capacity", Type: Int, Label: "容纳人数", LabelEn: "capacity", Min: num(0), Required: true},
		{Name: "area_m2", Type: Float, Label: "面积", LabelEn: "area", Unit: "m2", Min: num(0)},
		{Name: "facilities", Type: Strings, Label: "配套设施", LabelEn: "amenities"},
		{Name: "contacts", Type: Contacts, Label: "联系人", LabelEn: "contacts", Personal: PersonalContacts},
	},
	Geometries: []string{"Point", "Polygon"},
})

// Vehicle is an emergency vehicle.
var Vehicle = register(&Kind{
	Name: KVehicle, Path: "vehicles", Label: "应急车辆", LabelEn: "Vehicle",
	CodeLabel: "车牌号", CategoryField: "vehicle_type", CategoryLabel: "车辆类型", CategoryLabelEn: "vehicle type",
	Categories: []Option{
		{"command", "指挥车", "command vehicle"},
		{"fire_engine", "消防车", "fire engine"},
		{"ambulance", "救护车", "ambulance"},
		{"transport", "运输车", "transport"},
		{"engineering", "工程机械", "engineering machinery"},
		{"communication", "通信保障车", "communication vehicle"},
	},
	Statuses: []Option{
		{"standby", "待命", "standby"},
		{"deployed", "出动", "deployed"},
		{"maintenance", "维修", "maintenance"},
	},
	Fields: []Field{
		{Name: "team_code", Type: String, Label: "所属队伍编码", LabelEn: "team code"},
		{Name: "seats", Type: Int, Label: "座位数", LabelEn: "seats", Min: num(0)},
		{Name: "load_t", Type: Float, Label: "载重", LabelEn: "load", Unit: "t", Min: num(0)},
	},
})
