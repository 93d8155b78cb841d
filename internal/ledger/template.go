package ledger

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"github.com/yingji/yingji/internal/creditcode"
	"github.com/yingji/yingji/internal/region"
	"github.com/yingji/yingji/internal/registry"
)

// The template's own sheets.
const (
	sheetInstructions = "填写说明"
	sheetOptions      = "选项"
	// templateRows is how far down the dropdowns and checks reach.
	templateRows  = 10000
	commentAuthor = "应急管理平台"
)

// example is the template's example row, as cell texts by column key. An
// import skips a row whose code and name are the example's.
func example(k *registry.Kind, divs Divisions) map[string]string {
	ex := map[string]string{
		keyCode: "SL-0001",
		keyName: "示例" + k.Label + "（示例）",
	}
	if k.ValidateCode != nil {
		// the only code validator is the unified social credit code.
		if c, err := creditcode.Complete("91530502MA6K0EXA1"); err == nil && k.ValidateCode(c) == nil {
			ex[keyCode] = c
		}
	}
	cat := k.Categories[0]
	ex[k.CategoryField] = cat.Label
	ex[keyStatus] = k.Statuses[0].Label
	ex[keyLon], ex[keyLat] = "99.1618", "25.1205"
	if divs != nil {
		for _, d := range divs.All() {
			if d.Level != region.County {
				continue
			}
			ex[keyDivision] = d.Code
			if p, ok := divs.Center(d.Code); ok {
				ex[keyLon], ex[keyLat] = fmt.Sprintf("%.6f", p[0]), fmt.Sprintf("%.6f", p[1])
			}
			break
		}
	}
	ex[keyCRS] = crsOptions[0].Label
	if len(k.Owners) > 0 {
		ok, _ := registry.KindNamed(k.Owners[0])
		ex[keyOwnerCode] = example(ok, divs)[keyCode]
		if len(k.Owners) > 1 {
			ex[keyOwnerKind] = ok.Label
		}
	}
	for _, f := range k.Fields {
		if !f.AppliesTo(cat.Value) {
			continue
		}
		ex[f.Name] = exampleValue(f)
	}
	return ex
}

func exampleValue(f registry.Field) string {
	switch f.Type {
	case registry.Int:
		if f.Min != nil && *f.Min > 10 {
			return fmt.Sprint(*f.Min + 10)
		}
		if f.Max != nil && *f.Max < 10 {
			return fmt.Sprint(*f.Max)
		}
		return "10"
	case registry.Float:
		return "12.5"
	case registry.Enum:
		if len(f.Options) > 0 {
			return f.Options[0].Label
		}
		return f.Enum[0]
	case registry.Date:
		return "2027-12-31"
	case registry.Phone:
		return "0875-2123456"
	case registry.Strings:
		if len(f.Options) > 1 {
			return f.Options[0].Label + "、" + f.Options[1].Label
		}
		return "示例一、示例二"
	case registry.Contacts:
		return "张三/安全负责人/13800000000；李四/13900000000"
	case registry.Substances:
		return "液氨/7664-41-7/20；汽油//50"
	case registry.Stock:
		return "帐篷/200/顶；折叠床/500/张"
	case registry.Bool:
		return "是"
	}
	if f.Name == "unit" {
		return "m"
	}
	return "示例" + f.Label
}

// styles are the template's and reports' cell styles.
type styles struct {
	header, required, second, example, text, date, bad int
}

func newStyles(f *excelize.File) (*styles, error) {
	border := []excelize.Border{{Type: "left", Color: "B7C4D6", Style: 1}, {Type: "right", Color: "B7C4D6", Style: 1},
		{Type: "top", Color: "B7C4D6", Style: 1}, {Type: "bottom", Color: "B7C4D6", Style: 1}}
	fill := excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DCE6F1"}}
	align := &excelize.Alignment{Vertical: "center", WrapText: true}
	var s styles
	var err error
	mk := func(st *excelize.Style) int {
		if err != nil {
			return 0
		}
		var id int
		id, err = f.NewStyle(st)
		return id
	}
	dateFmt := "yyyy-mm-dd"
	s.header = mk(&excelize.Style{Font: &excelize.Font{Bold: true}, Fill: fill, Border: border, Alignment: align})
	s.required = mk(&excelize.Style{Font: &excelize.Font{Bold: true, Color: "C00000"}, Fill: fill, Border: border, Alignment: align})
	s.second = mk(&excelize.Style{Font: &excelize.Font{Italic: true, Color: "595959", Size: 9}, Fill: fill, Border: border, Alignment: align})
	s.example = mk(&excelize.Style{Font: &excelize.Font{Italic: true, Color: "808080"}, NumFmt: 49})
	s.text = mk(&excelize.Style{NumFmt: 49})
	s.date = mk(&excelize.Style{CustomNumFmt: &dateFmt})
	s.bad = mk(&excelize.Style{Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"FFC7CE"}}, Font: &excelize.Font{Color: "9C0006"}, NumFmt: 49})
	return &s, err
}

// textColumn: codes, phones and the like are kept as text so Excel does not
// turn them into numbers and drop leading zeros.
func textColumn(c Column) bool {
	switch c.Type {
	case registry.String, registry.Phone, registry.Strings, registry.Contacts, registry.Substances, registry.Stock:
		return true
	}
	return false
}

// displayWidth counts a CJK character as two.
func displayWidth(s string) int {
	n := 0
	for _, r := range s {
		if utf8.RuneLen(r) > 1 {
			n += 2
		} else {
			n++
		}
	}
	return n
}

// Template writes the import template of kind k: headers in Chinese and
// English (lang "en" puts English first), a comment on every header with
// its unit and rules, dropdowns with the Chinese labels for choices, range
// checks for numbers, a frozen header, an example row marked 示例 and an
// instructions sheet.
func (s *Service) Template(w io.Writer, k *registry.Kind, lang string) error {
	f := excelize.NewFile()
	defer f.Close()
	sheet := k.Label
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return err
	}
	st, err := newStyles(f)
	if err != nil {
		return err
	}
	cols := Columns(k, false)
	other := "en"
	if lang == "en" {
		other = "zh"
	}
	if _, err := f.NewSheet(sheetOptions); err != nil {
		return err
	}
	optCol := 0
	ex := example(k, s.divisions())
	for j, c := range cols {
		cell := colName(j)
		h1 := cell + "1"
		if err := f.SetCellStr(sheet, h1, c.Header(lang)); err != nil {
			return err
		}
		f.SetCellStr(sheet, cell+"2", c.Header(other))
		style := st.header
		if c.Required {
			style = st.required
		}
		f.SetCellStyle(sheet, h1, h1, style)
		f.SetCellStyle(sheet, cell+"2", cell+"2", st.second)
		note := c.Label + " / " + c.LabelEn + "\n" + c.Note
		if err := f.AddComment(sheet, excelize.Comment{Cell: h1, Author: commentAuthor, Text: note, Width: 320, Height: 160}); err != nil {
			return err
		}
		width := max(displayWidth(c.Header("zh")), displayWidth(c.Header("en")), displayWidth(ex[c.Key])) + 2
		f.SetColWidth(sheet, cell, cell, float64(min(max(width, 10), 48)))
		rng := fmt.Sprintf("%s3:%s%d", cell, cell, templateRows+2)
		switch {
		case textColumn(c):
			f.SetColStyle(sheet, cell, st.text)
		case c.Type == registry.Date:
			f.SetColStyle(sheet, cell, st.date)
		}
		if err := addValidation(f, c, rng, &optCol); err != nil {
			return err
		}
		if v := ex[c.Key]; v != "" {
			f.SetCellStr(sheet, cell+"3", v)
			f.SetCellStyle(sheet, cell+"3", cell+"3", st.example)
		}
	}
	f.AddComment(sheet, excelize.Comment{Cell: "A3", Author: commentAuthor, Text: "示例行：导入时自动跳过，不会保存。可删除，或直接改写为真实数据。", Width: 240, Height: 80})
	f.SetSheetVisible(sheetOptions, false)
	if err := f.SetPanes(sheet, &excelize.Panes{Freeze: true, YSplit: 2, XSplit: 2, TopLeftCell: "C3", ActivePane: "bottomRight"}); err != nil {
		return err
	}
	f.SetRowHeight(sheet, 1, 30)
	if err := s.instructions(f, k, cols); err != nil {
		return err
	}
	idx, _ := f.GetSheetIndex(sheet)
	f.SetActiveSheet(idx)
	_, err = f.WriteTo(w)
	return err
}

// addValidation adds the column's dropdown (its choices listed on the
// hidden options sheet, so there is no length limit) or number range.
func addValidation(f *excelize.File, c Column, rng string, optCol *int) error {
	switch {
	case c.Type == registry.Enum && len(c.Options) > 0:
		oc := colName(*optCol)
		*optCol++
		f.SetCellStr(sheetOptions, oc+"1", c.Label)
		for i, o := range c.Options {
			f.SetCellStr(sheetOptions, fmt.Sprintf("%s%d", oc, i+2), o.Label)
		}
		dv := excelize.NewDataValidation(true)
		dv.Sqref = rng
		dv.SetSqrefDropList(fmt.Sprintf("'%s'!$%s$2:$%s$%d", sheetOptions, oc, oc, len(c.Options)+1))
		msg := "请从下拉列表中选择：" + strings.Join(labelsOf(c.Options), "、")
		if utf8.RuneCountInString(msg) > 250 { // Excel's limit is 255
			msg = "请从下拉列表中选择。"
		}
		dv.SetError(excelize.DataValidationErrorStyleStop, c.Label, msg)
		return f.AddDataValidation(f.GetSheetName(0), dv)
	case (c.Type == registry.Int || c.Type == registry.Float) && c.Key != keyLon && c.Key != keyLat && (c.Min != nil || c.Max != nil):
		t := excelize.DataValidationTypeDecimal
		what := "数值"
		if c.Type == registry.Int {
			t, what = excelize.DataValidationTypeWhole, "整数"
		}
		dv := excelize.NewDataValidation(true)
		dv.Sqref = rng
		var err error
		switch {
		case c.Min != nil && c.Max != nil:
			err = dv.SetRange(*c.Min, *c.Max, t, excelize.DataValidationOperatorBetween)
		case c.Min != nil:
			err = dv.SetRange(*c.Min, 0, t, excelize.DataValidationOperatorGreaterThanOrEqual)
		default:
			err = dv.SetRange(*c.Max, 0, t, excelize.DataValidationOperatorLessThanOrEqual)
		}
		if err != nil {
			return err
		}
		dv.SetError(excelize.DataValidationErrorStyleStop, c.Label, "请填写"+what+strings.TrimPrefix(rangeNote(c.Min, c.Max), "，")+"。")
		return f.AddDataValidation(f.GetSheetName(0), dv)
	}
	return nil
}

// instructions writes the instructions sheet: the rules and every column.
func (s *Service) instructions(f *excelize.File, k *registry.Kind, cols []Column) error {
	sh := sheetInstructions
	if _, err := f.NewSheet(sh); err != nil {
		return err
	}
	title := fmt.Sprintf("%s台账导入模板 填写说明（%s import template）", k.Label, k.LabelEn)
	lines := []string{
		title,
		"1. 在「" + k.Label + "」工作表第 3 行起每行填写一条记录；第 1、2 行为中英文表头，请勿修改表头文字（列的顺序可以调整，多余的列会被忽略并提示）。",
		"2. 红色表头为新增记录的必填列；鼠标移到表头上可查看单位和填写规则；有下拉箭头的列请从列表中选择。",
		"3. " + k.CodeLabel + "已登记的行会更新原记录（只改表中给出的列），未登记的行新建记录；同一文件中" + k.CodeLabel + "不能重复。",
		"4. 经纬度可填十进制度或度分秒；来自高德、腾讯地图的坐标请在「坐标系」列选 GCJ-02，来自百度地图的选 BD-09，系统会换算为 WGS84。",
		"5. 默认「全部成功才导入」：任何一行有错都不保存，并列出每个错误的行号、列和原因，可下载错误报告（原表加错误说明列）修改后重新导入；也可选择「仅导入正确的行」。",
		"6. 只能导入本人管辖区划内的记录；第 3 行灰色斜体的示例行导入时会自动跳过。",
		"7. 也可上传 CSV 文件（UTF-8 或 Excel 另存的 GBK 编码均可），表头与本模板相同。",
	}
	for i, l := range lines {
		f.SetCellStr(sh, fmt.Sprintf("A%d", i+1), l)
	}
	f.MergeCell(sh, "A1", "F1")
	st, _ := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true, Size: 14}})
	f.SetCellStyle(sh, "A1", "A1", st)
	start := len(lines) + 2
	head := []string{"列", "表头", "English header", "类型", "必填", "说明与可选值"}
	for j, h := range head {
		f.SetCellStr(sh, fmt.Sprintf("%s%d", colName(j), start), h)
	}
	hs, _ := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DCE6F1"}}})
	f.SetCellStyle(sh, fmt.Sprintf("A%d", start), fmt.Sprintf("F%d", start), hs)
	wrap, _ := f.NewStyle(&excelize.Style{Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}})
	for i, c := range cols {
		r := start + 1 + i
		req := ""
		if c.Required {
			req = "是"
		}
		note := c.Note
		if len(c.Options) > 0 && c.Type == registry.Enum {
			note += "可选：" + strings.Join(labelsOf(c.Options), "、") + "。"
		}
		vals := []string{colName(i), c.Header("zh"), c.Header("en"), typeLabel(c.Type), req, note}
		for j, v := range vals {
			f.SetCellStr(sh, fmt.Sprintf("%s%d", colName(j), r), v)
		}
		f.SetCellStyle(sh, fmt.Sprintf("F%d", r), fmt.Sprintf("F%d", r), wrap)
	}
	for j, wdt := range []float64{6, 24, 28, 10, 6, 90} {
		f.SetColWidth(sh, colName(j), colName(j), wdt)
	}
	return nil
}

var typeLabels = map[registry.FieldType]string{
	registry.String: "文本", registry.Int: "整数", registry.Float: "数值", registry.Bool: "是/否", registry.Enum: "选项",
	registry.Phone: "电话", registry.Date: "日期", registry.Strings: "多项文本", registry.Contacts: "联系人",
	registry.Substances: "危险物质", registry.Stock: "库存",
}

func typeLabel(t registry.FieldType) string {
	if l, ok := typeLabels[t]; ok {
		return l
	}
	return string(t)
}
