package ledger_test

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/yingji/yingji/internal/core"
	"github.com/yingji/yingji/internal/creditcode"
	"github.com/yingji/yingji/internal/geo"
	"github.com/yingji/yingji/internal/ledger"
	"github.com/yingji/yingji/internal/region"
	"github.com/yingji/yingji/internal/registry"
	"github.com/yingji/yingji/internal/store"
	"github.com/yingji/yingji/internal/store/storetest"
)

const (
	longyang  = "530502"
	tengchong = "530581"
)

var sysCtx = core.WithActor(context.Background(), core.SystemActor)

// inspector is a Longyang District inspector: the import's scope.
var inspector = core.WithActor(context.Background(), &core.Actor{UserID: 7, Username: "ly", Role: "inspector", Division: longyang})

type fixture struct {
	db   *store.DB
	tree *region.Tree
	reg  *registry.Service
	svc  *ledger.Service
}

func forEachBackend(t *testing.T, fn func(t *testing.T, fx *fixture)) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			db, tree := storetest.Open(t, b)
			reg := &registry.Service{Store: db, Regions: func() registry.Regions { return tree }}
			fn(t, &fixture{db: db, tree: tree, reg: reg, svc: &ledger.Service{Registry: reg, Divisions: func() ledger.Divisions { return tree }}})
		})
	}
}

func creditCode(t testing.TB, div string, n int) string {
	t.Helper()
	c, err := creditcode.Complete(fmt.Sprintf("91%s%09d", div, n))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (fx *fixture) center(t testing.TB, div string) orb.Point {
	p, ok := fx.tree.Center(div)
	if !ok {
		t.Fatalf("no center for %s", div)
	}
	return p
}

func (fx *fixture) enterprises(t *testing.T, n int) []*registry.Object {
	var ins []*registry.Input
	for i := 1; i <= n; i++ {
		ins = append(ins, &registry.Input{Object: registry.Object{Code: creditCode(t, longyang, i), Name: fmt.Sprintf("台账测试企业%d", i),
			Category: "metallurgy", Geometry: fx.center(t, longyang), Attrs: map[string]any{
				"address": fmt.Sprintf("隆阳区测试路%d号", i), "employees": int64(10 * i), "licence_expires": "2027-06-30",
				"special_work": []string{"hot_work", "confined_space"},
				"contacts":     []registry.Contact{{Name: "张三", Role: "安全员", Phone: "13800000000"}},
			}}})
	}
	objs, err := fx.reg.Create(sysCtx, registry.Enterprise, ins)
	if err != nil {
		t.Fatal(err)
	}
	return objs
}

func export(t *testing.T, fx *fixture, ctx context.Context, f registry.Filter) *excelize.File {
	t.Helper()
	var buf bytes.Buffer
	if _, err := fx.svc.Export(ctx, &buf, registry.Enterprise, f, "zh"); err != nil {
		t.Fatal(err)
	}
	x, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	return x
}

// columnOf finds a header in row 1.
func columnOf(t *testing.T, x *excelize.File, sheet, header string) string {
	t.Helper()
	rows, _ := x.GetRows(sheet)
	for j, h := range rows[0] {
		if h == header {
			n, _ := excelize.ColumnNumberToName(j + 1)
			return n
		}
	}
	t.Fatalf("no column %q in %v", header, rows[0])
	return ""
}

func save(t *testing.T, x *excelize.File) []byte {
	t.Helper()
	var buf bytes.Buffer
	if _, err := x.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func importFile(t *testing.T, fx *fixture, ctx context.Context, data []byte, opt ledger.Options) (*ledger.Report, error) {
	t.Helper()
	tbl, err := ledger.Read(data, registry.Enterprise.Label)
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	return fx.svc.Import(ctx, registry.Enterprise, tbl, opt)
}

func count(t *testing.T, fx *fixture) int {
	_, n, err := fx.reg.List(sysCtx, registry.Filter{Kind: registry.KEnterprise, Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// Export → edit in Excel → import: one changed value updates its record,
// a broken cell is reported at its row and column and stops an
// all-or-nothing import, valid-only stores the rest, a new row is created
// and an untouched row is left alone.
func TestRoundTrip(t *testing.T) {
	forEachBackend(t, func(t *testing.T, fx *fixture) {
		objs := fx.enterprises(t, 3)
		x := export(t, fx, inspector, registry.Filter{})
		sheet := registry.Enterprise.Label
		rows, err := x.GetRows(sheet)
		if err != nil || len(rows) != 4 {
			t.Fatalf("exported %d rows (%v), want a header and 3 records", len(rows), err)
		}
		// what the export promises: Chinese headers and labels, typed cells,
		// a frozen header and an autofilter.
		if rows[0][0] != "统一社会信用代码" || rows[0][2] != "行业类别" || rows[1][2] != "冶金" {
			t.Errorf("header/labels = %q %q %q", rows[0][0], rows[0][2], rows[1][2])
		}
		emp := columnOf(t, x, sheet, "从业人数")
		if typ, _ := x.GetCellType(sheet, emp+"2"); typ != excelize.CellTypeNumber && typ != excelize.CellTypeUnset {
			t.Errorf("从业人数 is a %v cell, want a number", typ)
		}
		if v, _ := x.GetCellValue(sheet, emp+"3", excelize.Options{RawCellValue: true}); v != "20" {
			t.Errorf("从业人数 raw value %q, want 20", v)
		}
		lic := columnOf(t, x, sheet, "许可证有效期至")
		raw, _ := x.GetCellValue(sheet, lic+"2", excelize.Options{RawCellValue: true})
		shown, _ := x.GetCellValue(sheet, lic+"2")
		// Excel day 46388 is 2027-01-01; June 30 is 180 days later.
		if raw != "46568" || shown != "2027-06-30" {
			t.Errorf("licence date cell raw %q shown %q, want the serial 46568 shown as 2027-06-30", raw, shown)
		}
		if p, err := x.GetPanes(sheet); err != nil || !p.Freeze || p.YSplit != 1 {
			t.Errorf("panes = %+v, %v; want the header frozen", p, err)
		}
		if names := x.GetDefinedName(); len(names) == 0 || names[0].Name != "_xlnm._FilterDatabase" {
			t.Errorf("defined names %+v, want the autofilter", names)
		}

		// the edits.
		nameCol, codeCol := columnOf(t, x, sheet, "名称"), columnOf(t, x, sheet, "统一社会信用代码")
		x.SetCellStr(sheet, nameCol+"2", "台账测试企业1（已改名）")
		x.SetCellStr(sheet, emp+"3", "二十")
		for j, v := range rows[3] {
			cell, _ := excelize.CoordinatesToCellName(j+1, 5)
			x.SetCellStr(sheet, cell, v)
		}
		newCode := creditCode(t, longyang, 99)
		x.SetCellStr(sheet, codeCol+"5", newCode)
		x.SetCellStr(sheet, nameCol+"5", "新增企业")
		x.SetCellStr(sheet, columnOf(t, x, sheet, "版本")+"5", "")
		// the export masks phone numbers (issue 9); a new record needs the full one.
		x.SetCellStr(sheet, columnOf(t, x, sheet, "联系人")+"5", "张三/安全员/13800000000")
		data := save(t, x)

		rep, err := importFile(t, fx, inspector, data, ledger.Options{})
		if core.ErrorCode(err) != core.EINVALID || rep == nil || len(rep.Errors) != 1 {
			t.Fatalf("all-or-nothing import: %v, report %+v; want one problem", err, rep)
		}
		if e := rep.Errors[0]; e.Row != 3 || e.Column != emp || e.Header != "从业人数" || e.Field != "employees" {
			t.Errorf("problem = %+v, want row 3 column %s 从业人数", e, emp)
		}
		if n := count(t, fx); n != 3 {
			t.Errorf("after the refused import %d enterprises, want 3", n)
		}
		if o, _ := fx.reg.Get(sysCtx, registry.KEnterprise, objs[0].ID); o.Name != "台账测试企业1" || o.Version != 1 {
			t.Errorf("after the refused import record 1 = %q v%d, want it untouched", o.Name, o.Version)
		}

		rep, err = importFile(t, fx, inspector, data, ledger.Options{Mode: ledger.ModeValidOnly})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Created != 1 || rep.Updated != 1 || rep.Unchanged != 1 || rep.Rejected != 1 || !rep.Stored {
			t.Fatalf("valid-only report = %+v", rep)
		}
		want := map[int]string{2: registry.ActionUpdate, 4: registry.ActionUnchanged, 5: registry.ActionCreate}
		for _, r := range rep.Results {
			if want[r.Row] != r.Action {
				t.Errorf("row %d: %s, want %s", r.Row, r.Action, want[r.Row])
			}
			if r.Row == 2 && (r.ID != objs[0].ID || r.FromVersion != 1) {
				t.Errorf("row 2 updated %d from v%d, want record %d from v1", r.ID, r.FromVersion, objs[0].ID)
			}
		}
		o, _ := fx.reg.Get(sysCtx, registry.KEnterprise, objs[0].ID)
		if o.Name != "台账测试企业1（已改名）" || o.Version != 2 || o.Attrs["licence_expires"] != "2027-06-30" ||
			len(o.Attrs["contacts"].([]registry.Contact)) != 1 || len(o.Attrs["special_work"].([]string)) != 2 {
			t.Errorf("updated record = %q v%d %v", o.Name, o.Version, o.Attrs)
		}
		if o, _ := fx.reg.Get(sysCtx, registry.KEnterprise, objs[1].ID); o.Attrs["employees"] != int64(20) || o.Version != 1 {
			t.Errorf("the broken row's record = %v v%d, want it untouched", o.Attrs["employees"], o.Version)
		}
		found, _ := fx.reg.FindByCodes(sysCtx, registry.KEnterprise, []string{newCode})
		if n := found[newCode]; n == nil || n.Name != "新增企业" || n.Attrs["address"] != "隆阳区测试路3号" {
			t.Errorf("new record = %+v", n)
		}

		// the same file again: row 2 now carries a stale version.
		rep, err = importFile(t, fx, inspector, data, ledger.Options{Mode: ledger.ModeValidOnly, DryRun: true})
		if err != nil {
			t.Fatal(err)
		}
		if len(rep.Errors) != 2 || rep.Errors[0].Row != 2 || rep.Errors[0].Field != "version" {
			t.Errorf("re-import errors = %+v, want the stale version at row 2 and the broken row 3", rep.Errors)
		}
	})
}

// A workbook made from the template with one mistake in each bad row gets
// exactly one precise error per bad row.
func TestBadRows(t *testing.T) {
	forEachBackend(t, func(t *testing.T, fx *fixture) {
		var buf bytes.Buffer
		if err := fx.svc.Template(&buf, registry.Enterprise, "zh"); err != nil {
			t.Fatal(err)
		}
		x, err := excelize.OpenReader(&buf)
		if err != nil {
			t.Fatal(err)
		}
		sheet := registry.Enterprise.Label
		col := func(h string) string { return columnOf(t, x, sheet, h) }
		ly, tc := fx.center(t, longyang), fx.center(t, tengchong)
		type row struct{ code, name, industry, lon, lat, division string }
		good := func(n int) row {
			return row{creditCode(t, longyang, n), fmt.Sprintf("企业%d", n), "冶金", fmt.Sprint(ly[0]), fmt.Sprint(ly[1]), ""}
		}
		wrongCheck := good(2)
		wrongCheck.code = wrongCheck.code[:17] + map[bool]string{true: "1", false: "0"}[wrongCheck.code[17] == '0']
		unknownEnum := good(3)
		unknownEnum.industry = "养猪场"
		badCoord := good(4)
		badCoord.lon = "99.1x"
		noName := good(5)
		noName.name = ""
		dup := good(1)
		dup.name = "重复企业"
		outside := row{creditCode(t, tengchong, 7), "腾冲企业", "冶金", fmt.Sprint(tc[0]), fmt.Sprint(tc[1]), tengchong}
		rows := []row{good(1), wrongCheck, unknownEnum, badCoord, noName, dup, outside, good(8)}
		for i, r := range rows {
			n := i + 3
			for h, v := range map[string]string{"统一社会信用代码": r.code, "名称": r.name, "行业类别": r.industry, "经度": r.lon, "纬度": r.lat,
				"行政区划代码": r.division} {
				x.SetCellStr(sheet, fmt.Sprintf("%s%d", col(h), n), v)
			}
			// the example row's other cells are cleared.
			for _, h := range []string{"状态", "地址", "从业人数", "联系人", "安全生产许可证号", "许可证有效期至", "涉及特殊作业", "坐标系", "法定代表人"} {
				x.SetCellStr(sheet, fmt.Sprintf("%s%d", col(h), n), "")
			}
		}
		data := save(t, x)
		want := []struct {
			row    int
			header string
			field  string
			msg    string
		}{
			{4, "统一社会信用代码", "code", "check character"},
			{5, "行业类别", "industry", "养猪场"},
			{6, "经度", "lon", "not a coordinate"},
			{7, "名称", "name", "required"},
			{8, "统一社会信用代码", "code", "repeated (first at row 3)"},
			{9, "行政区划代码", "division_code", "outside your area"},
		}
		check := func(rep *ledger.Report) {
			t.Helper()
			if len(rep.Errors) != len(want) {
				t.Fatalf("errors = %+v, want %d", rep.Errors, len(want))
			}
			for i, w := range want {
				e := rep.Errors[i]
				if e.Row != w.row || e.Header != w.header || e.Column != col(w.header) || e.Field != w.field || !strings.Contains(e.Message, w.msg) {
					t.Errorf("error %d = %+v, want row %d column %s %s (%s) containing %q", i, e, w.row, col(w.header), w.header, w.field, w.msg)
				}
			}
		}
		rep, err := importFile(t, fx, inspector, data, ledger.Options{})
		if core.ErrorCode(err) != core.EINVALID {
			t.Fatalf("all-or-nothing: %v", err)
		}
		check(rep)
		if len(core.ErrorFields(err)) != len(want) || !strings.Contains(core.ErrorFields(err)[0].Message, "column A (统一社会信用代码)") {
			t.Errorf("problem fields = %+v", core.ErrorFields(err))
		}
		if n := count(t, fx); n != 0 {
			t.Fatalf("the refused import stored %d records", n)
		}
		rep, err = importFile(t, fx, inspector, data, ledger.Options{Mode: ledger.ModeValidOnly})
		if err != nil {
			t.Fatal(err)
		}
		check(rep)
		if rep.Created != 2 || rep.Rejected != 6 || rep.Rows != 8 {
			t.Errorf("valid-only: created %d rejected %d of %d, want 2, 6 of 8", rep.Created, rep.Rejected, rep.Rows)
		}
		if n := count(t, fx); n != 2 {
			t.Errorf("valid-only stored %d records, want 2", n)
		}

		// the error report: the file's rows with an error column and the
		// bad cells marked.
		tbl, _ := ledger.Read(data, sheet)
		rep, _ = fx.svc.Import(inspector, registry.Enterprise, tbl, ledger.Options{Mode: ledger.ModeValidOnly, DryRun: true})
		var out bytes.Buffer
		if err := ledger.ErrorReport(&out, registry.Enterprise, tbl, rep, false); err != nil {
			t.Fatal(err)
		}
		rx, err := excelize.OpenReader(&out)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := rx.GetRows(sheet)
		last := len(got[0]) - 1
		if got[0][last] != "错误说明" || len(got) != 10 {
			t.Fatalf("report header %v, %d rows", got[0], len(got))
		}
		if msg := got[4][last]; !strings.HasPrefix(msg, "C列「行业类别」：") {
			t.Errorf("row 5 error cell = %q", msg)
		}
		if len(got[9]) > last {
			t.Errorf("the good row 10 has an error %q", got[9][last])
		}
		comments, _ := rx.GetComments(sheet)
		if len(comments) != 6 {
			t.Errorf("%d comments on bad cells, want 6", len(comments))
		}
	})
}

// CSV as Chinese Excel saves it (GBK), English headers in another order, a
// GCJ-02 coordinate and labels or values for choices.
func TestCSV(t *testing.T) {
	forEachBackend(t, func(t *testing.T, fx *fixture) {
		ly := fx.center(t, longyang)
		glon, glat := geo.FromWGS84(geo.GCJ02, ly[0], ly[1])
		text := "name,code,industry,longitude,latitude,crs,employees,licence expires,special_work\r\n" +
			fmt.Sprintf("甲企业,%s,危化品经营,%.7f,%.7f,GCJ-02（高德/腾讯）,\"1,200\",2028/1/15,动火作业、confined_space\r\n", creditCode(t, longyang, 1), glon, glat) +
			"\r\n" +
			fmt.Sprintf("乙企业,%s,metallurgy,%.6f,%.6f,,12,20280115,\r\n", creditCode(t, longyang, 2), ly[0], ly[1])
		gbk, err := simplifiedchinese.GBK.NewEncoder().String(text)
		if err != nil {
			t.Fatal(err)
		}
		// the same rows in UTF-8 with a BOM, read again, change nothing: the
		// GCJ-02 point does not drift.
		for i, data := range [][]byte{[]byte(gbk), append([]byte("\ufeff"), text...)} {
			tbl, err := ledger.Read(data, "")
			if err != nil {
				t.Fatal(err)
			}
			rep, err := fx.svc.Import(inspector, registry.Enterprise, tbl, ledger.Options{})
			if err != nil {
				t.Fatalf("file %d: %v", i, err)
			}
			if rep.Rows != 2 || (i == 0 && rep.Created != 2) || (i == 1 && rep.Unchanged != 2) || rep.Encoding != []string{"GB18030", "UTF-8 (BOM)"}[i] {
				t.Fatalf("file %d: %+v", i, rep)
			}
		}
		found, _ := fx.reg.FindByCodes(sysCtx, registry.KEnterprise, []string{creditCode(t, longyang, 1)})
		o := found[creditCode(t, longyang, 1)]
		p := o.Geometry.(orb.Point)
		if math.Abs(p[0]-ly[0]) > 1e-5 || math.Abs(p[1]-ly[1]) > 1e-5 {
			t.Errorf("GCJ-02 point stored at %v, want %v", p, ly)
		}
		if o.Category != "hazchem_trader" || o.Attrs["employees"] != int64(1200) || o.Attrs["licence_expires"] != "2028-01-15" ||
			strings.Join(o.Attrs["special_work"].([]string), ",") != "hot_work,confined_space" || o.Division != longyang {
			t.Errorf("stored %s %v %s", o.Category, o.Attrs, o.Division)
		}
	})
}

func TestWriteTable(t *testing.T) {
	var buf bytes.Buffer
	rows := [][]any{{"甲", 3, 2.5, ledger.Date(mustDate(t, "2026-03-31"))}, {"=1+1", int64(4), nil, nil}}
	if err := ledger.WriteTable(&buf, "清单", []string{"名称", "数量", "面积", "日期"}, rows); err != nil {
		t.Fatal(err)
	}
	x, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := x.GetRows("清单")
	if len(got) != 3 || got[0][0] != "名称" || got[1][3] != "2026-03-31" || got[2][0] != "=1+1" {
		t.Fatalf("rows = %q", got)
	}
	if f, _ := x.GetCellFormula("清单", "A3"); f != "" {
		t.Errorf("a text cell became the formula %q", f)
	}
	if typ, _ := x.GetCellType("清单", "C2"); typ != excelize.CellTypeNumber && typ != excelize.CellTypeUnset {
		t.Errorf("C2 type %v, want a number", typ)
	}
	if p, err := x.GetPanes("清单"); err != nil || !p.Freeze || p.YSplit != 1 {
		t.Errorf("panes = %+v, %v; want the header frozen", p, err)
	}
	if names := x.GetDefinedName(); len(names) != 1 || names[0].RefersTo != "'清单'!$A$1:$D$3" {
		t.Errorf("defined names %+v, want the autofilter over A1:D3", names)
	}
}

func mustDate(t *testing.T, s string) time.Time {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// Owners are written as codes and found in the owner kinds; the template's
// example row and English header row are skipped; a polygon survives an
// export and re-import.
func TestOwnersAndGeometry(t *testing.T) {
	forEachBackend(t, func(t *testing.T, fx *fixture) {
		c := fx.center(t, longyang)
		poly := orb.Polygon{{{c[0] - 0.001, c[1] - 0.001}, {c[0] + 0.001, c[1] - 0.001}, {c[0] + 0.001, c[1] + 0.001}, {c[0] - 0.001, c[1] - 0.001}}}
		ents, err := fx.reg.Create(sysCtx, registry.Enterprise, []*registry.Input{{Object: registry.Object{Code: creditCode(t, longyang, 1),
			Name: "尾矿企业", Category: "tailings_pond", Geometry: poly, Attrs: map[string]any{}}}})
		if err != nil {
			t.Fatal(err)
		}
		ent := ents[0]

		var buf bytes.Buffer
		if err := fx.svc.Template(&buf, registry.Facility, "zh"); err != nil {
			t.Fatal(err)
		}
		x, err := excelize.OpenReader(&buf)
		if err != nil {
			t.Fatal(err)
		}
		sheet := registry.Facility.Label
		col := func(h string) string { return columnOf(t, x, sheet, h) }
		for n, vals := range map[int]map[string]string{
			4: {"所属企业统一社会信用代码": ent.Code, "设施编码": "WKK-001"},
			5: {"所属企业统一社会信用代码": "91530502MA6K9999X0", "设施编码": "WKK-002"},
		} {
			base := map[string]string{"名称": "一号尾矿库", "设施类型": "尾矿库", "坝等别": "3", "干湿类型": "湿式", "经度": fmt.Sprint(c[0]), "纬度": fmt.Sprint(c[1])}
			for h, v := range vals {
				base[h] = v
			}
			for h, v := range base {
				x.SetCellStr(sheet, fmt.Sprintf("%s%d", col(h), n), v)
			}
		}
		rep, err := importFile2(t, fx, registry.Facility, save(t, x), ledger.Options{Mode: ledger.ModeValidOnly})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Created != 1 || len(rep.Errors) != 1 || rep.Errors[0].Row != 5 || rep.Errors[0].Column != col("所属企业统一社会信用代码") ||
			!strings.Contains(rep.Errors[0].Message, "no enterprise") || len(rep.Notes) != 1 || !strings.Contains(rep.Notes[0], "row 3") {
			t.Fatalf("facility import = %+v", rep)
		}
		pond, err := fx.reg.Get(sysCtx, registry.KFacility, rep.Results[0].ID)
		if err != nil || pond.OwnerID != ent.ID || pond.EnterpriseID != ent.ID || pond.Attrs["pond_type"] != "wet" {
			t.Fatalf("pond = %+v, %v", pond, err)
		}

		// the registry's own CSV (field names, the owner by ID, lists as JSON).
		regCSV := "id,code,name,facility_type,status,division_code,owner_id,enterprise_id,lon,lat,dam_grade,pond_type,updated_at\n" +
			fmt.Sprintf("7,WKK-003,三号尾矿库,tailings_pond,active,530502,%d,%d,%f,%f,2,dry,2026-01-01T00:00:00Z\n", ent.ID, ent.ID, c[0], c[1])
		tbl, err := ledger.Read([]byte(regCSV), "")
		if err != nil {
			t.Fatal(err)
		}
		if rep, err = fx.svc.Import(inspector, registry.Facility, tbl, ledger.Options{}); err != nil || rep.Created != 1 || len(rep.UnknownColumns) != 0 {
			t.Fatalf("registry CSV = %+v, %v", rep, err)
		}
		if p3, _ := fx.reg.Get(sysCtx, registry.KFacility, rep.Results[0].ID); p3.OwnerID != ent.ID || p3.Attrs["pond_type"] != "dry" {
			t.Errorf("from the registry CSV: %+v", p3)
		}

		// a hazard source may be owned by an enterprise or a facility: the
		// code says which.
		csv := "危险源编码,名称,危险源类型,危险源等级,所属对象编码,经度,纬度,危险物质\n" +
			fmt.Sprintf("WXY-1,一号罐区,储罐区,2,WKK-001,%f,%f,液氨/7664-41-7/20；汽油//50\n", c[0], c[1])
		tbl, err = ledger.Read([]byte(csv), "")
		if err != nil {
			t.Fatal(err)
		}
		rep, err = fx.svc.Import(inspector, registry.HazardSource, tbl, ledger.Options{})
		if err != nil {
			t.Fatal(err)
		}
		hs, _ := fx.reg.Get(sysCtx, registry.KHazardSource, rep.Results[0].ID)
		if subs := hs.Attrs["substances"].([]registry.Substance); hs.OwnerID != pond.ID || len(subs) != 2 || subs[0].CAS != "7664-41-7" || subs[1].QuantityT != 50 {
			t.Errorf("hazard source = %+v", hs)
		}

		// the enterprise's polygon survives export and re-import.
		ex := export(t, fx, inspector, registry.Filter{})
		rep, err = importFile(t, fx, inspector, save(t, ex), ledger.Options{})
		if err != nil || rep.Unchanged != 1 {
			t.Fatalf("re-import = %+v, %v", rep, err)
		}
		ex.SetCellStr(registry.Enterprise.Label, columnOf(t, ex, registry.Enterprise.Label, "名称")+"2", "尾矿企业（改）")
		if rep, err = importFile(t, fx, inspector, save(t, ex), ledger.Options{}); err != nil || rep.Updated != 1 {
			t.Fatalf("rename = %+v, %v", rep, err)
		}
		got, _ := fx.reg.Get(sysCtx, registry.KEnterprise, ent.ID)
		if got.Name != "尾矿企业（改）" || got.Geometry.GeoJSONType() != "Polygon" {
			t.Errorf("after the rename: %q %s, want the polygon kept", got.Name, got.Geometry.GeoJSONType())
		}
	})
}

func importFile2(t *testing.T, fx *fixture, k *registry.Kind, data []byte, opt ledger.Options) (*ledger.Report, error) {
	t.Helper()
	tbl, err := ledger.Read(data, k.Label)
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	return fx.svc.Import(inspector, k, tbl, opt)
}
