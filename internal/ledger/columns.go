// Package ledger is the enterprise ledger in Excel (企业台账): templates,
// imports and exports of registry records as .xlsx workbooks (and CSV), the
// way inspectors keep them today.
//
// Everything is driven by the registry kinds' metadata: a kind's columns,
// their Chinese and English headers, units, dropdowns and rules come from
// its fields, categories and statuses, so a field added to a kind appears
// in its template, import and export without code here. Imports go through
// registry.Service.Import, which validates, checks scope and stores in one
// transaction.
package ledger

import (
	"fmt"
	"slices"
	"strings"

	"github.com/yingji/yingji/internal/registry"
)

// Column keys besides the kind's category field and type-specific fields.
const (
	keyCode      = "code"
	keyName      = "name"
	keyStatus    = "status"
	keyDivision  = "division_code"
	keyDivName   = "division_name"
	keyOwnerKind = "owner_kind"
	keyOwnerCode = "owner_code"
	keyOwnerID   = "owner_id"
	keyLon       = "lon"
	keyLat       = "lat"
	keyCRS       = "crs"
	keyGeometry  = "geometry"
	keyVersion   = "version"
	keyID        = "id"
	keyUpdated   = "updated_at"
)

// Column is one column of a kind's sheet.
type Column struct {
	// Key is the record's JSON name ("code", "industry", "lon", an
	// attribute), or one of the ledger's own ("owner_code", "crs").
	Key     string
	Label   string // zh-CN header
	LabelEn string
	Unit    string
	// Type is the registry field type the cells are read as; common
	// columns use String, Float, Int or Enum.
	Type registry.FieldType
	// Options are the allowed values with their labels (Enum, and Strings
	// with a fixed set).
	Options []registry.Option
	// Required: a new record needs it (a Field required only for some
	// categories says so in Note).
	Required bool
	Min, Max *float64
	// Note is the rule shown in the header's comment and the instructions.
	Note string
	// ReadOnly columns are written by exports and ignored by imports.
	ReadOnly bool
	// Field is the registry field behind the column, if any.
	Field *registry.Field
}

// Header returns the column's header in lang ("en" or Chinese), with its
// unit: "设计安全超高(m)".
func (c Column) Header(lang string) string {
	h := c.Label
	if lang == "en" {
		h = c.LabelEn
	}
	if c.Unit != "" {
		h += "(" + c.Unit + ")"
	}
	return h
}

// crsOptions are the coordinate systems an import accepts.
var crsOptions = []registry.Option{
	{Value: "wgs84", Label: "WGS84（GPS/天地图）", LabelEn: "WGS84 (GPS)"},
	{Value: "gcj02", Label: "GCJ-02（高德/腾讯）", LabelEn: "GCJ-02 (Amap, Tencent)"},
	{Value: "bd09", Label: "BD-09（百度）", LabelEn: "BD-09 (Baidu)"},
}

// Columns returns the columns of kind k's sheet in order. When export is
// set, the read-only columns an export adds are included.
func Columns(k *registry.Kind, export bool) []Column {
	cols := []Column{
		{Key: keyCode, Label: k.CodeLabel, LabelEn: "code", Type: registry.String, Required: true,
			Note: fmt.Sprintf("必填。%s在%s中唯一：已登记的%s更新原记录，未登记的新建一条。", k.CodeLabel, k.Label, k.CodeLabel)},
		{Key: keyName, Label: "名称", LabelEn: "name", Type: registry.String, Required: true, Note: "必填，不超过 200 字。"},
		{Key: k.CategoryField, Label: k.CategoryLabel, LabelEn: k.CategoryLabelEn, Type: registry.Enum, Options: k.Categories, Required: true,
			Note: "必填，从下拉列表选择。"},
		{Key: keyStatus, Label: "状态", LabelEn: "status", Type: registry.Enum, Options: k.Statuses,
			Note: fmt.Sprintf("从下拉列表选择；新记录留空为「%s」，已有记录留空不变。", k.Statuses[0].Label)},
		{Key: keyDivision, Label: "行政区划代码", LabelEn: "division code", Type: registry.String,
			Note: "GB/T 2260 区划代码（如 530502）或区划名称（如 隆阳区）；留空按经纬度所在区划确定。只能导入本人管辖范围内的记录。"},
	}
	if export {
		cols = append(cols, Column{Key: keyDivName, Label: "行政区划", LabelEn: "division", Type: registry.String, ReadOnly: true, Note: "导出时填写，导入时忽略。"})
	}
	if len(k.Owners) > 1 {
		var opts []registry.Option
		for _, name := range k.Owners {
			ok, _ := registry.KindNamed(name)
			opts = append(opts, registry.Option{Value: ok.Name, Label: ok.Label, LabelEn: ok.LabelEn})
		}
		cols = append(cols, Column{Key: keyOwnerKind, Label: "所属对象类型", LabelEn: "owner kind", Type: registry.Enum, Options: opts,
			Note: "所属编码在几类对象中重复时必填，否则可留空。"})
	}
	if len(k.Owners) > 0 {
		c := Column{Key: keyOwnerCode, Label: "所属对象编码", LabelEn: "owner code", Type: registry.String, Required: k.OwnerRequired}
		var labels []string
		for _, name := range k.Owners {
			ok, _ := registry.KindNamed(name)
			labels = append(labels, ok.Label+"的"+ok.CodeLabel)
		}
		if len(k.Owners) == 1 {
			ok, _ := registry.KindNamed(k.Owners[0])
			c.Label, c.LabelEn = "所属"+ok.Label+ok.CodeLabel, "owner "+strings.ToLower(ok.LabelEn)+" code"
		}
		c.Note = "填写" + strings.Join(labels, "或") + "，须是已登记且在本人管辖范围内的记录。"
		if k.OwnerRequired {
			c.Note = "新记录必填。" + c.Note
		}
		cols = append(cols, c)
	}
	lonlat := "十进制度（如 99.1618）或度分秒（如 99°09′42.5″）；坐标系见「坐标系」列。新记录必填；已有记录经纬度未改动时保留原有的线、面位置。"
	cols = append(cols,
		Column{Key: keyLon, Label: "经度", LabelEn: "longitude", Type: registry.Float, Required: true, Min: num(-180), Max: num(180), Note: lonlat},
		Column{Key: keyLat, Label: "纬度", LabelEn: "latitude", Type: registry.Float, Required: true, Min: num(-90), Max: num(90), Note: lonlat},
		Column{Key: keyCRS, Label: "坐标系", LabelEn: "coordinate system", Type: registry.Enum, Options: crsOptions,
			Note: "经纬度的坐标系：WGS84（GPS、天地图）、GCJ-02（高德、腾讯地图）或 BD-09（百度地图）；留空按导入时选择的坐标系（默认 WGS84）。保存时一律换算为 WGS84。"},
	)
	for i := range k.Fields {
		f := &k.Fields[i]
		cols = append(cols, fieldColumn(k, f))
	}
	if slices.ContainsFunc(k.Geometries, func(g string) bool { return g != "Point" }) {
		cols = append(cols, Column{Key: keyGeometry, Label: "几何(GeoJSON)", LabelEn: "geometry (GeoJSON)", Type: registry.String,
			Note: "可选：线、面位置的 GeoJSON 几何（" + strings.Join(k.Geometries, "、") + "），坐标系同「坐标系」列。填写时优先于经纬度。"})
	}
	cols = append(cols, Column{Key: keyVersion, Label: "版本", LabelEn: "version", Type: registry.Int, Min: num(1),
		Note: "导出时的记录版本，防止覆盖他人在此之后的修改；新记录留空。"})
	if export {
		cols = append(cols,
			Column{Key: keyID, Label: "记录ID", LabelEn: "record ID", Type: registry.Int, ReadOnly: true, Note: "导出时填写，导入时忽略。"},
			Column{Key: keyUpdated, Label: "更新时间", LabelEn: "updated at", Type: registry.String, ReadOnly: true, Note: "北京时间；导入时忽略。"},
		)
	}
	return cols
}

// fieldColumn is the column of a type-specific field.
func fieldColumn(k *registry.Kind, f *registry.Field) Column {
	c := Column{Key: f.Name, Label: f.Label, LabelEn: f.LabelEn, Unit: f.Unit, Type: f.Type, Min: f.Min, Max: f.Max, Field: f}
	c.Options = f.Options
	if len(c.Options) == 0 && len(f.Enum) > 0 {
		for _, v := range f.Enum {
			c.Options = append(c.Options, registry.Option{Value: v, Label: v, LabelEn: v})
		}
	}
	var notes []string
	if len(f.Categories) > 0 {
		var labels []string
		for _, cat := range f.Categories {
			labels = append(labels, optionLabel(k.Categories, cat))
		}
		notes = append(notes, "仅适用于"+strings.Join(labels, "、")+"。")
		if f.Required {
			notes = append(notes, "对这些类别必填。")
		}
	} else if f.Required {
		c.Required = true
		notes = append(notes, "必填。")
	}
	switch f.Type {
	case registry.Int:
		notes = append(notes, "整数"+rangeNote(f.Min, f.Max)+"。")
	case registry.Float:
		notes = append(notes, "数值"+rangeNote(f.Min, f.Max)+"。")
	case registry.Enum:
		notes = append(notes, "从下拉列表选择。")
	case registry.Date:
		notes = append(notes, "日期，如 2026-03-31（也可用 Excel 日期格式）。")
	case registry.Phone:
		notes = append(notes, "手机号（如 13800000000）或带区号的固定电话（如 0875-2123456）。")
	case registry.Strings:
		if len(c.Options) > 0 {
			notes = append(notes, "可填多项，用顿号「、」分隔，可选："+strings.Join(labelsOf(c.Options), "、")+"。")
		} else {
			notes = append(notes, "可填多项，用顿号「、」分隔。")
		}
	case registry.Contacts:
		notes = append(notes, "每人一项「姓名/职务/电话」，职务可省略（「姓名/电话」）；多人用分号「；」或换行分隔。")
	case registry.Substances:
		notes = append(notes, "每种物质一项「名称/CAS号/最大存量(t)」，CAS号可省略；多项用分号「；」或换行分隔。")
	case registry.Stock:
		notes = append(notes, "每种物资一项「物资名称/数量/单位」；多项用分号「；」或换行分隔。")
	}
	if f.Unit != "" {
		notes = append(notes, "单位："+f.Unit+"。")
	}
	c.Note = strings.Join(notes, "")
	return c
}

func rangeNote(lo, hi *float64) string {
	switch {
	case lo != nil && hi != nil:
		return fmt.Sprintf("，%g～%g", *lo, *hi)
	case lo != nil:
		return fmt.Sprintf("，不小于 %g", *lo)
	case hi != nil:
		return fmt.Sprintf("，不大于 %g", *hi)
	}
	return ""
}

func labelsOf(opts []registry.Option) []string {
	out := make([]string, len(opts))
	for i, o := range opts {
		out[i] = o.Label
	}
	return out
}

func optionLabel(opts []registry.Option, v string) string {
	for _, o := range opts {
		if o.Value == v {
			return o.Label
		}
	}
	return v
}

func num(f float64) *float64 { return &f }

// normHeader folds a header cell for matching: no spaces or required marks,
// half-width, lower case.
func normHeader(s string) string {
	s = strings.ToLower(narrow(s))
	s = strings.Map(func(r rune) rune {
		switch r {
		case ' ', '\t', '\n', '\r', '*', '\u3000':
			return -1
		}
		return r
	}, s)
	return s
}

// stripUnit removes a trailing "(unit)" from a folded header.
func stripUnit(s string) string {
	if strings.HasSuffix(s, ")") {
		if i := strings.LastIndex(s, "("); i > 0 {
			return s[:i]
		}
	}
	return s
}

// matcher finds the column a header names: its Chinese label, English label
// or key, with or without the unit.
type matcher map[string]int

func newMatcher(cols []Column) matcher {
	m := matcher{}
	for i, c := range cols {
		for _, name := range []string{c.Label, c.LabelEn, c.Key, c.Header("zh"), c.Header("en")} {
			if name != "" {
				m[normHeader(name)] = i
			}
		}
	}
	return m
}

func (m matcher) match(header string) (int, bool) {
	h := normHeader(header)
	if h == "" {
		return 0, false
	}
	if i, ok := m[h]; ok {
		return i, true
	}
	i, ok := m[stripUnit(h)]
	return i, ok
}
