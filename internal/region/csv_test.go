package region

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

// validCSV is a well-formed chain city → county → township → village; the
// cases below append one row to it, which lands on line 6.
const validCSV = "code,name,level,parent_code\n" +
	"530500,保山市,city,53\n" +
	"530502,隆阳区,county,530500\n" +
	"530502001,兰城街道,township,530502\n" +
	"530502001001,正阳社区,village,530502001\n"

func TestParseCSVValid(t *testing.T) {
	got, err := ParseCSV(strings.NewReader(validCSV))
	if err != nil {
		t.Fatal(err)
	}
	want := []Division{
		{Code: "530500", Name: "保山市", Level: City, ParentCode: "53"},
		{Code: "530502", Name: "隆阳区", Level: County, ParentCode: "530500"},
		{Code: "530502001", Name: "兰城街道", Level: Township, ParentCode: "530502"},
		{Code: "530502001001", Name: "正阳社区", Level: Village, ParentCode: "530502001"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ParseCSV = %+v, want %+v", got, want)
	}
}

func TestParseCSVHeader(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []Division
	}{
		{
			name: "columns reordered, extra column, BOM, spaces, CRLF",
			in: "\uFEFFlevel, Parent_Code ,note,name,code\r\n" +
				"city,53,top,保山市,530500\r\n" +
				"county,530500,, 隆阳区 ,530502\r\n",
			want: []Division{
				{Code: "530500", Name: "保山市", Level: City, ParentCode: "53"},
				{Code: "530502", Name: "隆阳区", Level: County, ParentCode: "530500"},
			},
		},
		{
			name: "header only",
			in:   "code,name,level,parent_code\n",
			want: nil,
		},
		{
			name: "several top-level rows under one absent parent",
			in:   "code,name,level,parent_code\n530500,保山市,city,53\n530100,昆明市,city,53\n",
			want: []Division{
				{Code: "530500", Name: "保山市", Level: City, ParentCode: "53"},
				{Code: "530100", Name: "昆明市", Level: City, ParentCode: "53"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseCSV(strings.NewReader(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ParseCSV = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestParseCSVErrors(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []RowError
	}{
		{"bad digits", validCSV + "53050x,X,county,530500\n",
			[]RowError{{6, "code", "53050x", "must be digits"}}},
		{"wrong length for level", validCSV + "5305021,X,county,530500\n",
			[]RowError{{6, "code", "5305021", "has 7 digits, a county code has 6"}}},
		{"township code on a county row", validCSV + "530502002,X,county,530502\n",
			[]RowError{
				{6, "code", "530502002", "has 9 digits, a county code has 6"},
				{6, "parent_code", "530502", "parent (line 3) is a county, which is not above a county"},
			}},
		{"county code ending in 00", validCSV + "530600,X,county,530500\n",
			[]RowError{
				{6, "code", "530600", `a county code must not end in "00"`},
				{6, "code", "530600", `does not start with "5305", the prefix of its parent 530500`},
			}},
		{"unknown level", validCSV + "530503,X,district,530500\n",
			[]RowError{{6, "level", "district", "unknown level, want province, city, county, township or village"}}},
		{"empty name", validCSV + "530503, ,county,530500\n",
			[]RowError{{6, "name", "", "must not be empty"}}},
		{"duplicate", validCSV + "530502,隆阳区,county,530500\n",
			[]RowError{{6, "code", "530502", "duplicate of line 3"}}},
		{"orphan parent", validCSV + "530599001,X,township,530599\n",
			[]RowError{{6, "parent_code", "530599",
				"no division has this code; only the top level (city) may have its parent outside the set"}}},
		{"child code not under parent", validCSV + "530521001,X,township,530502\n",
			[]RowError{{6, "code", "530521001", `does not start with "530502", the prefix of its parent 530502`}}},
		{"top-level row under the wrong province", validCSV + "540500,X,city,53\n",
			[]RowError{{6, "code", "540500", `does not start with "53", the prefix of its parent 53`}}},
		{"empty parent", validCSV + "530503,X,county,\n",
			[]RowError{{6, "parent_code", "", "must not be empty"}}},
		{"parent not digits", validCSV + "530503,X,county,5305OO\n",
			[]RowError{{6, "parent_code", "5305OO", "must be digits"}}},
		{"own parent", validCSV + "530503,X,county,530503\n",
			[]RowError{{6, "parent_code", "530503", "must differ from the division's own code"}}},
		{"short row", validCSV + "530503,X,county\n",
			[]RowError{{6, "", "", "has 3 fields, the header has 4"}}},
		{"long row", validCSV + "530503,X,county,530500,extra\n",
			[]RowError{{6, "", "", "has 5 fields, the header has 4"}}},
		{"mislabelled parent", strings.Replace(validCSV, "隆阳区,county", "隆阳区,village", 1),
			[]RowError{
				{3, "code", "530502", "has 6 digits, a village code has 12"},
				{4, "parent_code", "530502", "parent (line 3) is a village, which is not above a township"},
			}},
		{"missing column", "code,name,level\n530500,保山市,city\n",
			[]RowError{{1, "header", "parent_code", "required column is missing"}}},
		{"duplicate column", "code,name,level,parent_code,code\n",
			[]RowError{{1, "header", "code", "column appears twice"}}},
		{"empty input", "",
			[]RowError{{1, "", "", "empty input: a header row is required"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			divs, err := ParseCSV(strings.NewReader(tt.in))
			if divs != nil {
				t.Errorf("divisions = %v, want nil on error", divs)
			}
			var ce *CSVError
			if !errors.As(err, &ce) {
				t.Fatalf("err = %v (%T), want *CSVError", err, err)
			}
			if got := ce.Rows; !reflect.DeepEqual(got, tt.want) {
				t.Errorf("rows:\n got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestParseCSVSyntaxError(t *testing.T) {
	// The reader must carry on after a broken row so later rows are still
	// checked.
	in := validCSV + "530503,\"X\"y,county,530500\n" + "53050z,X,county,530500\n"
	_, err := ParseCSV(strings.NewReader(in))
	var ce *CSVError
	if !errors.As(err, &ce) {
		t.Fatalf("err = %v, want *CSVError", err)
	}
	if got, want := len(ce.Rows), 2; got != want {
		t.Fatalf("got %d problems, want %d: %v", got, want, err)
	}
	if got, want := ce.Rows[0].Line, 6; got != want {
		t.Errorf("syntax error line = %d, want %d", got, want)
	}
	if got, want := ce.Rows[0].Msg, `extraneous or missing " in quoted-field (line 6, column 10)`; got != want {
		t.Errorf("syntax error msg = %q, want %q", got, want)
	}
	if got, want := ce.Rows[1], (RowError{7, "code", "53050z", "must be digits"}); got != want {
		t.Errorf("next row = %+v, want %+v", got, want)
	}
}

func TestParseCSVReportsEveryBadRow(t *testing.T) {
	in := "code,name,level,parent_code\n" + // 1
		"530500,保山市,city,53\n" + // 2
		"53050x,A,county,530500\n" + // 3 bad digits
		"530502,隆阳区,county,530500\n" + // 4
		"530502,隆阳区,county,530500\n" + // 5 duplicate
		"530502001,,township,530502\n" + // 6 empty name
		"530502002,B,town,530502\n" + // 7 unknown level
		"530502003,C,township,530502\n" + // 8
		"530502009001,D,village,530502009\n" + // 9 orphan
		"\n" + // 10 blank lines are skipped
		"53052100100,E,village,530502003\n" // 11 wrong length and not under parent
	_, err := ParseCSV(strings.NewReader(in))
	var ce *CSVError
	if !errors.As(err, &ce) {
		t.Fatalf("err = %v, want *CSVError", err)
	}
	var got []int
	for _, r := range ce.Rows {
		got = append(got, r.Line)
	}
	want := []int{3, 5, 6, 7, 9, 11, 11}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("lines = %v, want %v\n%v", got, want, err)
	}
}

func TestCSVErrorMessage(t *testing.T) {
	tests := []struct {
		name string
		err  *CSVError
		want string
	}{
		{"one", &CSVError{Rows: []RowError{{7, "code", "53050x", "must be digits"}}},
			`line 7: code "53050x": must be digits`},
		{"row-level and several", &CSVError{Rows: []RowError{
			{3, "", "", "has 3 fields, the header has 4"},
			{5, "name", "", "must not be empty"},
		}}, "line 3: has 3 fields, the header has 4\nline 5: name \"\": must not be empty"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("%s: Error() = %q, want %q", tt.name, got, tt.want)
		}
	}
}
