package ledger

import (
	"math"
	"strings"
	"testing"

	"github.com/yingji/yingji/internal/registry"
)

// FuzzParseCell: no cell text makes the parsers panic, and what they
// return is what the column's type promises.
func FuzzParseCell(f *testing.F) {
	for _, s := range []string{"", "1,200", "１２００", "12.5m", "-3e2", "99°09′42.5″", "东经99度9分42.5秒", "25°7'N", "W120.5",
		"2026-03-31", "2026年3月31日", "45678", "20260231", "危化品经营", "metallurgy", "动火作业、confined_space",
		"张三/安全员/13800000000；李四/13900000000", "液氨/7664-41-7/20；汽油//50", "帐篷/200顶/顶", `[{"name":"x","phone":"110"}]`,
		"NaN", "Inf", `["hot_work","动火作业"]`, `["x"`, "1e400", "°", "/", "；；", "\x00", "\xff\xfe"} {
		f.Add(s)
	}
	cols := Columns(registry.Enterprise, false)
	cols = append(cols, Columns(registry.Warehouse, false)...)
	cols = append(cols, Columns(registry.HazardSource, false)...)
	f.Fuzz(func(t *testing.T, s string) {
		for _, c := range cols {
			v, err := ParseCell(c, s, false)
			if err != nil {
				if v != nil {
					t.Fatalf("%s: error %v with value %v", c.Key, err, v)
				}
				continue
			}
			if strings.TrimSpace(s) == "" {
				if v != nil {
					t.Fatalf("%s: empty cell gave %v", c.Key, v)
				}
				continue
			}
			switch c.Type {
			case registry.Float:
				if x, ok := v.(float64); !ok || math.IsNaN(x) || math.IsInf(x, 0) {
					t.Fatalf("%s %q: %v is not a finite number", c.Key, s, v)
				}
			case registry.Int:
				if _, ok := v.(int64); !ok {
					t.Fatalf("%s %q: %v is not an integer", c.Key, s, v)
				}
			case registry.Enum:
				if _, ok := MatchOption(c.Options, v.(string)); !ok {
					t.Fatalf("%s %q: %v is not an option", c.Key, s, v)
				}
			case registry.Date:
				if _, err := ParseDate(v.(string), false); err != nil {
					t.Fatalf("%s %q: %v does not read back: %v", c.Key, s, v, err)
				}
			}
		}
		if x, err := ParseDegrees(s); err == nil && (math.IsNaN(x) || math.IsInf(x, 0)) {
			t.Fatalf("ParseDegrees(%q) = %v", s, x)
		}
	})
}

// FuzzRead: any bytes are read as a table or refused with an error.
func FuzzRead(f *testing.F) {
	f.Add([]byte("code,name\r\n1,甲\r\n"))
	f.Add([]byte("\ufeffa;b;c\n1;2;3"))
	f.Add([]byte{0xFF, 0xFE, 'a', 0, ',', 0, 'b', 0})
	f.Add([]byte{0xC0, 0xE0, 0xD3, 0xD0, ',', 0xB5, 0xD8})
	f.Add([]byte("PK\x03\x04garbage"))
	f.Add([]byte("\"unterminated,x\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		tbl, err := Read(data, "")
		if err == nil && tbl == nil {
			t.Fatal("no table and no error")
		}
	})
}

func TestParseDegrees(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want float64
	}{
		{"99.1618", 99.1618}, {"99°09′36″", 99.16}, {"东经99度9分36秒", 99.16}, {"25°06'N", 25.1}, {"S25.5", -25.5},
		{"１２０.５", 120.5}, {"99°30′", 99.5},
	} {
		got, err := ParseDegrees(tt.in)
		if err != nil || math.Abs(got-tt.want) > 1e-9 {
			t.Errorf("ParseDegrees(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{"99.1x", "99°61′", "abc", "99°09′60″"} {
		if _, err := ParseDegrees(bad); err == nil {
			t.Errorf("ParseDegrees(%q) accepted", bad)
		}
	}
}

func TestParseDate(t *testing.T) {
	for in, want := range map[string]string{"2026-03-31": "2026-03-31", "2026/3/1": "2026-03-01", "2026年3月31日": "2026-03-31",
		"20260331": "2026-03-31", "46112": "2026-03-31", "2026.12.1": "2026-12-01"} {
		if got, err := ParseDate(in, false); err != nil || got != want {
			t.Errorf("ParseDate(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"2026-02-30", "31/03/2026", "0", "abc"} {
		if _, err := ParseDate(bad, false); err == nil {
			t.Errorf("ParseDate(%q) accepted", bad)
		}
	}
}

func TestHeadersUnique(t *testing.T) {
	for _, k := range registry.Kinds() {
		cols := Columns(k, true)
		m := newMatcher(cols)
		for i, c := range cols {
			for _, h := range []string{c.Header("zh"), c.Header("en"), c.Key, c.Label} {
				if j, ok := m.match(h); !ok || j != i {
					t.Errorf("%s: header %q matches column %d, want %d (%s)", k.Name, h, j, i, c.Key)
				}
			}
		}
	}
}
