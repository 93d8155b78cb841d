package incident

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"
)

// Categories of public events (国家突发公共事件总体应急预案).
const (
	Natural  = "natural"  // 自然灾害
	Accident = "accident" // 事故灾难
	Health   = "health"   // 公共卫生事件
	Social   = "social"   // 社会安全事件
)

// Category is one of the four categories.
type Category struct {
	Code   string `json:"code"`
	Name   string `json:"name"`
	NameEn string `json:"name_en"`
}

// Categories lists the four categories with their names.
var Categories = []Category{
	{Natural, "自然灾害", "natural disaster"},
	{Accident, "事故灾难", "accident"},
	{Health, "公共卫生事件", "public health event"},
	{Social, "社会安全事件", "social security event"},
}

// ValidCategory reports whether c is one of the four.
func ValidCategory(c string) bool {
	for _, x := range Categories {
		if x.Code == c {
			return true
		}
	}
	return false
}

// EventType is one row of the hierarchical event-type table. Codes are
// dotted paths under a category ("accident.hazchem"); GB/T 35561-2017 gives
// classification codes whose values we have not read, so the table is data
// an administrator edits (Std holds such a code when known).
type EventType struct {
	Code     string `json:"code"`
	Parent   string `json:"parent,omitempty"`
	Category string `json:"category"`
	Name     string `json:"name"`
	NameEn   string `json:"name_en"`
	Std      string `json:"std_code,omitempty"`
	// Criteria and Deadlines, when set, override those inherited from the
	// parent and the category.
	Criteria  *Criteria       `json:"criteria,omitempty"`
	Deadlines *DeadlinePolicy `json:"deadlines,omitempty"`
	Sort      int             `json:"sort"`
	Version   int             `json:"version"`
	UpdatedAt time.Time       `json:"updated_at"`
}

var typeCodeRE = regexp.MustCompile(`^[a-z]+(\.[a-z0-9_]+){0,4}$`)

// Validate checks a type row on its own (Catalog checks the links).
func (t *EventType) Validate() error {
	var msgs []string
	add := func(f, m string, a ...any) { msgs = append(msgs, f+": "+fmt.Sprintf(m, a...)) }
	if !typeCodeRE.MatchString(t.Code) {
		add("code", "%q: want a dotted lower-case path such as accident.hazchem", t.Code)
	} else if cat := strings.SplitN(t.Code, ".", 2)[0]; !ValidCategory(cat) {
		add("code", "%q must start with a category: natural, accident, health or social", t.Code)
	} else {
		t.Category = cat
		if i := strings.LastIndex(t.Code, "."); i > 0 {
			t.Parent = t.Code[:i]
		} else {
			t.Parent = ""
		}
	}
	if strings.TrimSpace(t.Name) == "" {
		add("name", "is required")
	}
	if len(t.Name) > 200 || len(t.NameEn) > 200 {
		add("name", "is too long (at most 200 bytes)")
	}
	if t.Criteria != nil {
		if err := t.Criteria.Validate(); err != nil {
			add("criteria", "%v", err)
		}
	}
	if t.Deadlines != nil {
		if err := t.Deadlines.Validate(); err != nil {
			add("deadlines", "%v", err)
		}
	}
	if len(msgs) > 0 {
		return fmt.Errorf("%s", strings.Join(msgs, "; "))
	}
	return nil
}

// Catalog is the event-type table in memory, immutable; rebuild it when the
// table changes.
type Catalog struct {
	byCode map[string]*EventType
	list   []*EventType
}

// NewCatalog checks the rows and builds the table; a row whose parent is
// missing is an error.
func NewCatalog(types []EventType) (*Catalog, error) {
	c := &Catalog{byCode: map[string]*EventType{}}
	for i := range types {
		t := types[i]
		if err := t.Validate(); err != nil {
			return nil, fmt.Errorf("event type %q: %w", types[i].Code, err)
		}
		if _, dup := c.byCode[t.Code]; dup {
			return nil, fmt.Errorf("event type %q is listed twice", t.Code)
		}
		c.byCode[t.Code] = &t
		c.list = append(c.list, &t)
	}
	for _, t := range c.list {
		if t.Parent != "" && c.byCode[t.Parent] == nil {
			return nil, fmt.Errorf("event type %q: parent %q is not in the table", t.Code, t.Parent)
		}
	}
	sort.SliceStable(c.list, func(i, j int) bool {
		if c.list[i].Sort != c.list[j].Sort {
			return c.list[i].Sort < c.list[j].Sort
		}
		return c.list[i].Code < c.list[j].Code
	})
	return c, nil
}

// Get returns a type by code.
func (c *Catalog) Get(code string) (*EventType, bool) {
	t, ok := c.byCode[code]
	return t, ok
}

// List returns every type in display order.
func (c *Catalog) List() []*EventType { return c.list }

// Criteria returns the grading criteria that apply to events of a type: the
// type's own, else its nearest ancestor's, else its category's.
func (c *Catalog) Criteria(code string) Criteria {
	for t, ok := c.byCode[code]; ok; t, ok = c.byCode[t.Parent] {
		if t.Criteria != nil {
			return *t.Criteria
		}
	}
	return CategoryCriteria(strings.SplitN(code, ".", 2)[0])
}

// Policy returns the reporting deadlines of a type, inherited the same way.
func (c *Catalog) Policy(code string) DeadlinePolicy {
	for t, ok := c.byCode[code]; ok; t, ok = c.byCode[t.Parent] {
		if t.Deadlines != nil {
			return *t.Deadlines
		}
	}
	return CategoryPolicy(strings.SplitN(code, ".", 2)[0])
}

// Path returns the names from the category down to the type, for display.
func (c *Catalog) Path(code string) string {
	var parts []string
	for t, ok := c.byCode[code]; ok; t, ok = c.byCode[t.Parent] {
		parts = append([]string{t.Name}, parts...)
	}
	return strings.Join(parts, " / ")
}

// genericCriteria are used for events whose plan gives no figures of its
// own. They follow the shape of Decree 493 and are marked unverified: the
// special plans (专项预案) set their own, and an administrator should enter
// them on the event type.
var genericCriteria = Criteria{
	Basis:    "通用分级标准（参照国务院令第493号的人员伤亡和经济损失分级，以专项预案为准，可配置）",
	Verified: false,
	Bands:    Decree493.Bands,
}

// CategoryCriteria returns the default grading of a category: Decree 493
// for accidents, the generic criteria otherwise.
func CategoryCriteria(category string) Criteria {
	if category == Accident {
		return Decree493
	}
	return genericCriteria
}

// SeedTypes is the initial event-type table: the four categories and the
// event types Baoshan's plans deal with, with the grading criteria of the
// national special plans where they give figures. Criteria marked
// Verified=false come from secondary sources [check].
func SeedTypes() []EventType {
	geohazard := &Criteria{
		Basis: "《国家突发地质灾害应急预案》灾情分级（特大型/大型/中型/小型）", Verified: false,
		Bands: [3]Band{{MDeaths: 30, MLoss: 10_000_000}, {MDeaths: 10, MLoss: 5_000_000}, {MDeaths: 3, MLoss: 1_000_000}},
	}
	forestFire := &Criteria{
		Basis: "《森林防火条例》第四十条（受害森林面积、死亡、重伤）", Verified: false,
		Bands: [3]Band{{"forest_area_ha": 1000, MDeaths: 30, MSeriousInjuries: 100}, {"forest_area_ha": 100, MDeaths: 10, MSeriousInjuries: 50},
			{"forest_area_ha": 1, MDeaths: 3, MSeriousInjuries: 10}},
	}
	quake := &Criteria{
		Basis: "《国家地震应急预案》地震灾害分级（死亡含失踪、震级初判）", Verified: false,
		Bands: [3]Band{{MDeathsMissing: 300, "magnitude": 7.0}, {MDeathsMissing: 50, "magnitude": 6.0}, {MDeathsMissing: 10, "magnitude": 5.0}},
	}
	seven := CategoryPolicy(Accident)
	seven.CasualtyWindow = 7 * 24 * time.Hour
	seven.Basis = Decree493Policy.Basis + "；第十三条：道路交通事故、火灾事故自发生之日起7日内"
	rows := []EventType{
		{Code: Natural, Name: "自然灾害", NameEn: "natural disaster"},
		{Code: "natural.flood", Name: "水旱灾害", NameEn: "flood and drought"},
		{Code: "natural.flood.flood", Name: "洪涝", NameEn: "flood"},
		{Code: "natural.flood.drought", Name: "干旱", NameEn: "drought"},
		{Code: "natural.weather", Name: "气象灾害", NameEn: "meteorological disaster"},
		{Code: "natural.weather.rainstorm", Name: "暴雨", NameEn: "rainstorm"},
		{Code: "natural.weather.hail", Name: "冰雹", NameEn: "hail"},
		{Code: "natural.weather.freeze", Name: "低温雨雪冰冻", NameEn: "cold, snow and ice"},
		{Code: "natural.weather.wind", Name: "大风", NameEn: "gale"},
		{Code: "natural.earthquake", Name: "地震灾害", NameEn: "earthquake", Criteria: quake},
		{Code: "natural.geohazard", Name: "地质灾害", NameEn: "geological hazard", Criteria: geohazard},
		{Code: "natural.geohazard.landslide", Name: "滑坡", NameEn: "landslide"},
		{Code: "natural.geohazard.debris_flow", Name: "泥石流", NameEn: "debris flow"},
		{Code: "natural.geohazard.collapse", Name: "崩塌", NameEn: "rockfall"},
		{Code: "natural.geohazard.subsidence", Name: "地面塌陷", NameEn: "ground subsidence"},
		{Code: "natural.forest_fire", Name: "森林草原火灾", NameEn: "forest and grassland fire", Criteria: forestFire},
		{Code: Accident, Name: "事故灾难", NameEn: "accident"},
		{Code: "accident.mining", Name: "矿山事故", NameEn: "mining accident"},
		{Code: "accident.mining.tailings", Name: "尾矿库事故", NameEn: "tailings pond accident"},
		{Code: "accident.hazchem", Name: "危险化学品事故", NameEn: "hazardous-chemical accident"},
		{Code: "accident.hazchem.leak", Name: "泄漏", NameEn: "leak"},
		{Code: "accident.hazchem.explosion", Name: "火灾爆炸", NameEn: "fire or explosion"},
		{Code: "accident.fireworks", Name: "烟花爆竹事故", NameEn: "fireworks accident"},
		{Code: "accident.industrial", Name: "工贸事故", NameEn: "industrial and trade accident"},
		{Code: "accident.construction", Name: "建筑施工事故", NameEn: "construction accident"},
		{Code: "accident.road_traffic", Name: "道路交通事故", NameEn: "road traffic accident", Deadlines: &seven},
		{Code: "accident.fire", Name: "火灾事故", NameEn: "fire", Deadlines: &seven},
		{Code: "accident.special_equipment", Name: "特种设备事故", NameEn: "special equipment accident"},
		{Code: "accident.infrastructure", Name: "公共设施和设备事故", NameEn: "public utility accident"},
		{Code: "accident.environment", Name: "环境污染和生态破坏事件", NameEn: "environmental pollution"},
		{Code: Health, Name: "公共卫生事件", NameEn: "public health event"},
		{Code: "health.infectious", Name: "传染病疫情", NameEn: "infectious disease outbreak"},
		{Code: "health.unknown_disease", Name: "群体性不明原因疾病", NameEn: "cluster of unexplained illness"},
		{Code: "health.food", Name: "食品安全事件", NameEn: "food safety event"},
		{Code: "health.occupational", Name: "职业中毒", NameEn: "occupational poisoning"},
		{Code: "health.animal", Name: "动物疫情", NameEn: "animal epidemic"},
		{Code: Social, Name: "社会安全事件", NameEn: "social security event"},
		{Code: "social.terrorism", Name: "恐怖袭击事件", NameEn: "terrorist attack"},
		{Code: "social.mass", Name: "群体性事件", NameEn: "mass incident"},
		{Code: "social.criminal", Name: "重大刑事案件", NameEn: "major criminal case"},
		{Code: "social.economic", Name: "经济安全事件", NameEn: "economic security event"},
		{Code: "social.foreign", Name: "涉外突发事件", NameEn: "foreign-related emergency"},
	}
	for i := range rows {
		rows[i].Sort = i + 1
		rows[i].Version = 1
	}
	return rows
}
