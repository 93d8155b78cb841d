package region

import (
	"encoding/json"
	"testing"

	"github.com/paulmach/orb"
)

func TestLevel(t *testing.T) {
	tests := []struct {
		level   Level
		valid   bool
		depth   int
		codeLen int
	}{
		{Province, true, 0, 6},
		{City, true, 1, 6},
		{County, true, 2, 6},
		{Township, true, 3, 9},
		{Village, true, 4, 12},
		{"", false, -1, 0},
		{"town", false, -1, 0},
		{"City", false, -1, 0},
	}
	for _, tt := range tests {
		if got, want := tt.level.Valid(), tt.valid; got != want {
			t.Errorf("Level(%q).Valid() = %v, want %v", tt.level, got, want)
		}
		if got, want := tt.level.Depth(), tt.depth; got != want {
			t.Errorf("Level(%q).Depth() = %d, want %d", tt.level, got, want)
		}
		if got, want := tt.level.CodeLen(), tt.codeLen; got != want {
			t.Errorf("Level(%q).CodeLen() = %d, want %d", tt.level, got, want)
		}
	}
}

func TestPrefix(t *testing.T) {
	tests := []struct {
		code, want string
	}{
		{"530000", "53"},
		{"530500", "5305"},
		{"530502", "530502"},
		{"530581", "530581"},
		{"110100", "1101"},
		{"441900", "4419"},
		{"530502001", "530502001"},
		{"530502100", "530502100"}, // nine digits keep their zeros
		{"530502001000", "530502001000"},
		{"530502001001", "530502001001"},
		{"000000", "00"}, // never shorter than a province
		{"53", "53"},
		{"", ""},
		{"53050x", "53050x"},
		{"5305000", "5305000"},
	}
	for _, tt := range tests {
		if got := Prefix(tt.code); got != tt.want {
			t.Errorf("Prefix(%q) = %q, want %q", tt.code, got, tt.want)
		}
	}
}

func TestWithin(t *testing.T) {
	tests := []struct {
		code, ancestor string
		want           bool
	}{
		{"530500", "530500", true}, // equal counts as within
		{"530502", "530500", true},
		{"530502001", "530500", true},
		{"530502001001", "530500", true},
		{"530502001001", "530502", true},
		{"530502001001", "530502001", true},
		{"530502001001", "530502001001", true},
		{"530500", "530000", true},
		{"530500", "53", true},
		{"530600", "530500", false},
		{"530521001", "530502", false},
		{"530502002001", "530502001", false},
		{"530500", "530502", false}, // a parent is not within its child
		{"540500", "530000", false},
		{"530502", "", false}, // an empty ancestor would match everything
		{"", "530500", false},
	}
	for _, tt := range tests {
		if got := Within(tt.code, tt.ancestor); got != tt.want {
			t.Errorf("Within(%q, %q) = %v, want %v", tt.code, tt.ancestor, got, tt.want)
		}
	}
}

func TestCodeLevel(t *testing.T) {
	tests := []struct {
		code   string
		want   Level
		wantOK bool
	}{
		{"530000", Province, true},
		{"530500", City, true},
		{"530502", County, true},
		{"530502001", Township, true},
		{"530502001001", Village, true},
		{"53", "", false},
		{"5305", "", false},
		{"53050x", "", false},
		{"５３０５００", "", false}, // full-width digits are not ASCII digits
		{"", "", false},
	}
	for _, tt := range tests {
		got, ok := CodeLevel(tt.code)
		if got != tt.want || ok != tt.wantOK {
			t.Errorf("CodeLevel(%q) = %q, %v, want %q, %v", tt.code, got, ok, tt.want, tt.wantOK)
		}
	}
}

func TestCheckCode(t *testing.T) {
	tests := []struct {
		code  string
		level Level
		want  string
	}{
		{"530000", Province, ""},
		{"530500", City, ""},
		{"530502", County, ""},
		{"530502001", Township, ""},
		{"530502001001", Village, ""},
		{"", County, "must not be empty"},
		{"53050x", County, "must be digits"},
		{"53050", County, "has 5 digits, a county code has 6"},
		{"530502001", County, "has 9 digits, a county code has 6"},
		{"530502", Township, "has 6 digits, a township code has 9"},
		{"530500", Province, `a province code must end in "0000"`},
		{"530502", City, `a city code must end in "00" but not in "0000"`},
		{"530000", City, `a city code must end in "00" but not in "0000"`},
		{"530500", County, `a county code must not end in "00"`},
		{"530502", "town", ""}, // the level itself is reported instead
		{"5305021", "town", "has 7 digits, want 6, 9 or 12"},
	}
	for _, tt := range tests {
		if got := checkCode(tt.code, tt.level); got != tt.want {
			t.Errorf("checkCode(%q, %q) = %q, want %q", tt.code, tt.level, got, tt.want)
		}
	}
}

func TestDivisionJSON(t *testing.T) {
	center := orb.Point{99.165607, 25.121154}
	tests := []struct {
		name string
		div  Division
		want string
	}{
		{
			name: "with center",
			div:  Division{Code: "530502", Name: "隆阳区", Level: County, ParentCode: "530500", Center: &center},
			want: `{"code":"530502","name":"隆阳区","level":"county","parent_code":"530500","center":[99.165607,25.121154]}`,
		},
		{
			name: "center omitted when nil",
			div:  Division{Code: "530502001", Name: "兰城街道", Level: Township, ParentCode: "530502"},
			want: `{"code":"530502001","name":"兰城街道","level":"township","parent_code":"530502"}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := json.Marshal(tt.div)
			if err != nil {
				t.Fatal(err)
			}
			if got := string(b); got != tt.want {
				t.Errorf("Marshal = %s, want %s", got, tt.want)
			}
			var back Division
			if err := json.Unmarshal(b, &back); err != nil {
				t.Fatal(err)
			}
			if got, want := back.Center == nil, tt.div.Center == nil; got != want {
				t.Fatalf("round trip: Center nil = %v, want %v", got, want)
			}
			if back.Center != nil && *back.Center != *tt.div.Center {
				t.Errorf("round trip: Center = %v, want %v", *back.Center, *tt.div.Center)
			}
		})
	}
}
