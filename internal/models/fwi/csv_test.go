package fwi

import (
	"bytes"
	"encoding/csv"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"
)

const goodCSV = "date,temp,rh,wind,rain\n" +
	"1985-04-13,17,42,25,0\n" +
	"1985-04-14,20,21,25,2.4\n" +
	"1985-04-15, 8.5 ,40,17,0\n"

func TestReadCSV(t *testing.T) {
	tab, err := ReadCSV(strings.NewReader(goodCSV))
	if err != nil {
		t.Fatal(err)
	}
	want := []Day{
		{Date: time.Date(1985, 4, 13, 0, 0, 0, 0, time.UTC), Weather: Weather{Temp: 17, RH: 42, Wind: 25, Rain: 0}},
		{Date: time.Date(1985, 4, 14, 0, 0, 0, 0, time.UTC), Weather: Weather{Temp: 20, RH: 21, Wind: 25, Rain: 2.4}},
		{Date: time.Date(1985, 4, 15, 0, 0, 0, 0, time.UTC), Weather: Weather{Temp: 8.5, RH: 40, Wind: 17, Rain: 0}},
	}
	got := tab.Days()
	if len(got) != len(want) {
		t.Fatalf("got %d days, want %d", len(got), len(want))
	}
	for i := range want {
		if !got[i].Date.Equal(want[i].Date) || got[i].Weather != want[i].Weather {
			t.Errorf("day %d: got %+v, want %+v", i, got[i], want[i])
		}
		if gotLine, wantLine := tab.Rows[i].Line, i+2; gotLine != wantLine {
			t.Errorf("day %d: got line %d, want %d", i, gotLine, wantLine)
		}
	}
}

func TestReadCSVOtherOrderAndExtraColumns(t *testing.T) {
	in := "\uFEFFstation, Rain ,date,temp,rh,wind\nS1,3,2024-03-01,12,55,8\n"
	tab, err := ReadCSV(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	got, want := tab.Rows[0].Weather, (Weather{Temp: 12, RH: 55, Wind: 8, Rain: 3})
	if got != want {
		t.Errorf("got %+v, want %+v", got, want)
	}
}

func TestReadCSVErrors(t *testing.T) {
	const h = "date,temp,rh,wind,rain\n"
	tests := []struct {
		name, in string
		line     int
		column   string
	}{
		{"empty input", "", 0, ""},
		{"missing column", "date,temp,rh,wind\n2024-01-01,1,2,3\n", 1, "rain"},
		{"duplicate column", "date,temp,rh,wind,rain,rh\n", 1, "rh"},
		{"output column in input", "date,temp,rh,wind,rain,fwi\n", 1, "fwi"},
		{"short row", h + "2024-01-01,1,50,3,0\n2024-01-02,1,50\n", 3, "wind"},
		{"long row", h + "2024-01-01,1,50,3,0,9\n", 2, ""},
		{"non-numeric temp", h + "2024-01-01,warm,50,3,0\n", 2, "temp"},
		{"empty rain", h + "2024-01-01,1,50,3,\n", 2, "rain"},
		{"NaN wind", h + "2024-01-01,1,50,NaN,0\n", 2, "wind"},
		{"RH above 100", h + "2024-01-01,1,100.5,3,0\n", 2, "rh"},
		{"negative RH", h + "2024-01-01,1,-1,3,0\n", 2, "rh"},
		{"negative rain", h + "2024-01-01,1,50,3,-0.1\n", 2, "rain"},
		{"negative wind", h + "2024-01-01,1,50,-3,0\n", 2, "wind"},
		{"bad date", h + "01/02/2024,1,50,3,0\n", 2, "date"},
		{"dates out of order", h + "2024-01-02,1,50,3,0\n2024-01-01,1,50,3,0\n", 3, "date"},
		{"date repeated", h + "2024-01-02,1,50,3,0\n2024-01-02,1,50,3,0\n", 3, "date"},
		{"bad quoting", h + "2024-01-01,\"1,50,3,0\n", 2, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadCSV(strings.NewReader(tt.in))
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("got %v, want a *ParseError", err)
			}
			if pe.Line != tt.line || pe.Column != tt.column {
				t.Errorf("got line %d column %q (%v), want line %d column %q", pe.Line, pe.Column, err, tt.line, tt.column)
			}
		})
	}
}

func TestWriteCSV(t *testing.T) {
	tab, err := ReadCSV(strings.NewReader(goodCSV))
	if err != nil {
		t.Fatal(err)
	}
	out, err := Series(DefaultCodes, tab.Days(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := WriteCSV(&buf, tab, out); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(recs[0], ","), "date,temp,rh,wind,rain,ffmc,dmc,dc,isi,bui,fwi,dsr"; got != want {
		t.Errorf("header: got %s, want %s", got, want)
	}
	if got, want := recs[3][1], " 8.5 "; got != want {
		t.Errorf("input field: got %q, want %q unchanged", got, want)
	}
	for i, x := range out {
		for j, want := range []float64{x.FFMC, x.DMC, x.DC, x.ISI, x.BUI, x.FWI, x.DSR} {
			got, err := strconv.ParseFloat(recs[i+1][5+j], 64)
			if err != nil || got != want {
				t.Errorf("row %d %s: got %q, want %v exactly", i+1, OutputColumns[j], recs[i+1][5+j], want)
			}
		}
	}
	if err := WriteCSV(&buf, tab, out[:1]); err == nil {
		t.Error("got no error for too few results")
	}
}

func TestLevels(t *testing.T) {
	tests := []struct {
		fwi  float64
		b    Breakpoints
		want Level
	}{
		{0, DefaultBreakpoints, None},
		{4.99, DefaultBreakpoints, None},
		{5, DefaultBreakpoints, Blue},
		{10, DefaultBreakpoints, Yellow},
		{19.9, DefaultBreakpoints, Yellow},
		{20, DefaultBreakpoints, Orange},
		{30, DefaultBreakpoints, Red},
		{120, DefaultBreakpoints, Red},
		{21.3, EFFISBreakpoints, Yellow},
		{49.9, EFFISBreakpoints, Orange},
	}
	for _, tt := range tests {
		if got := tt.b.Level(tt.fwi); got != tt.want {
			t.Errorf("%v.Level(%v): got %q, want %q", tt.b, tt.fwi, got, tt.want)
		}
	}
	for want, l := range []Level{None, Blue, Yellow, Orange, Red, "purple"} {
		if want == 5 {
			want = 0 // unknown names rank as None
		}
		if got := l.Rank(); got != want {
			t.Errorf("%q.Rank(): got %d, want %d", l, got, want)
		}
	}
}

func TestParseBreakpoints(t *testing.T) {
	tests := []struct {
		in      string
		want    Breakpoints
		wantErr bool
	}{
		{"5,10,20,30", DefaultBreakpoints, false},
		{" 11.2, 21.3,38,50", EFFISBreakpoints, false},
		{"5,10,20", Breakpoints{}, true},
		{"5,10,x,30", Breakpoints{}, true},
		{"5,10,10,30", Breakpoints{Blue: 5, Yellow: 10, Orange: 10, Red: 30}, true},
		{"-1,10,20,30", Breakpoints{Blue: -1, Yellow: 10, Orange: 20, Red: 30}, true},
	}
	for _, tt := range tests {
		got, err := ParseBreakpoints(tt.in)
		if got != tt.want || (err != nil) != tt.wantErr {
			t.Errorf("ParseBreakpoints(%q): got %v, %v; want %v, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
		if err == nil && got.String() != strings.ReplaceAll(tt.in, " ", "") {
			t.Errorf("String: got %q, want %q", got.String(), tt.in)
		}
	}
}

// FuzzReadCSV: the parser never panics, and what it accepts is valid input
// for Series and writes back with the same rows.
func FuzzReadCSV(f *testing.F) {
	f.Add(goodCSV)
	f.Add("date,temp,rh,wind,rain\n2024-01-01,-40,0,0,0\n2024-02-29,45,100,200,300\n")
	f.Add("rain,wind,rh,temp,date\n1,2,3,4,2024-01-01\n")
	f.Add("date,temp,rh,wind,rain\n\"2024-01-01\",1e3,5,0x10,1_0\n")
	f.Fuzz(func(t *testing.T, in string) {
		tab, err := ReadCSV(strings.NewReader(in))
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %v is not a *ParseError", err)
			}
			return
		}
		out, err := Series(DefaultCodes, tab.Days(), Options{})
		if err != nil {
			t.Fatalf("accepted input fails Series: %v", err)
		}
		var buf bytes.Buffer
		if err := WriteCSV(&buf, tab, out); err != nil {
			t.Fatal(err)
		}
		recs, err := csv.NewReader(&buf).ReadAll()
		if err != nil {
			t.Fatalf("output does not parse: %v", err)
		}
		if got, want := len(recs), len(tab.Rows)+1; got != want {
			t.Errorf("got %d records, want %d", got, want)
		}
	})
}
