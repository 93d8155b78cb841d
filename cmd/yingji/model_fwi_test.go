package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"strconv"
	"strings"
	"testing"

	"github.com/yingji/yingji/internal/models/fwi"
)

// The first week of the Van Wagner and Pickett (1985) sample input, p. 16.
const fwiWeatherCSV = `date,temp,rh,wind,rain
1985-04-13,17,42,25,0
1985-04-14,20,21,25,2.4
1985-04-15,8.5,40,17,0
1985-04-16,6.5,25,6,0
1985-04-17,13,34,24,0
1985-04-18,6,40,22,0.4
1985-04-19,5.5,52,6,0
`

// runModelFWI runs the command and returns its parsed output.
func runModelFWI(t *testing.T, args []string, in string) [][]string {
	t.Helper()
	var stdout, stderr bytes.Buffer
	if err := modelFWI(context.Background(), args, strings.NewReader(in), &stdout, &stderr); err != nil {
		t.Fatalf("modelFWI %v: %v (stderr %s)", args, err, stderr.String())
	}
	recs, err := csv.NewReader(&stdout).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

func TestModelFWIMatchesPackage(t *testing.T) {
	tests := []struct {
		name  string
		args  []string
		start fwi.Codes
		opt   fwi.Options
	}{
		{"defaults", nil, fwi.DefaultCodes, fwi.Options{}},
		{"start-up values", []string{"--ffmc0", "90", "--dmc0", "30", "--dc0", "300"}, fwi.Codes{FFMC: 90, DMC: 30, DC: 300}, fwi.Options{}},
		{"latitude", []string{"--lat", "25.1"}, fwi.DefaultCodes, fwi.Options{LatAdjust: true, Latitude: 25.1}},
		{"southern latitude", []string{"--lat=-35"}, fwi.DefaultCodes, fwi.Options{LatAdjust: true, Latitude: -35}},
	}
	tab, err := fwi.ReadCSV(strings.NewReader(fwiWeatherCSV))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			recs := runModelFWI(t, tt.args, fwiWeatherCSV)
			if got, want := strings.Join(recs[0], ","), "date,temp,rh,wind,rain,ffmc,dmc,dc,isi,bui,fwi,dsr"; got != want {
				t.Fatalf("header: got %s, want %s", got, want)
			}
			want, err := fwi.Series(tt.start, tab.Days(), tt.opt)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := len(recs)-1, len(want); got != want {
				t.Fatalf("got %d rows, want %d", got, want)
			}
			in := strings.Split(strings.TrimSpace(fwiWeatherCSV), "\n")
			for i, x := range want {
				row := recs[i+1]
				if got, want := strings.Join(row[:5], ","), in[i+1]; got != want {
					t.Errorf("row %d input: got %s, want %s", i+1, got, want)
				}
				for j, w := range []float64{x.FFMC, x.DMC, x.DC, x.ISI, x.BUI, x.FWI, x.DSR} {
					got, err := strconv.ParseFloat(row[5+j], 64)
					if err != nil || got != w {
						t.Errorf("row %d %s: got %q, want %v", i+1, recs[0][5+j], row[5+j], w)
					}
				}
			}
		})
	}
}

// TestModelFWIPublishedDay: the first day printed by Van Wagner and Pickett
// (1985), p. 17: FFMC 87.7, DMC 8.5, DC 19.0, ISI 10.9, BUI 8.5, FWI 10.1,
// DSR 1.63.
func TestModelFWIPublishedDay(t *testing.T) {
	recs := runModelFWI(t, nil, fwiWeatherCSV)
	want := []string{"87.7", "8.5", "19.0", "10.9", "8.5", "10.1", "1.63"}
	for j, w := range want {
		v, err := strconv.ParseFloat(recs[1][5+j], 64)
		if err != nil {
			t.Fatal(err)
		}
		prec := 1
		if j == 6 {
			prec = 2
		}
		if got := strconv.FormatFloat(v, 'f', prec, 64); got != w {
			t.Errorf("%s: got %s, want %s", recs[0][5+j], got, w)
		}
	}
}

func TestModelFWIErrors(t *testing.T) {
	const h = "date,temp,rh,wind,rain\n"
	good := "2024-05-01,20,40,10,0\n"
	tests := []struct {
		name, in string
		args     []string
		want     string
	}{
		{"missing column", "date,temp,rh,wind\n", nil, "column rain"},
		{"non-numeric", h + good + "2024-05-02,hot,40,10,0\n", nil, "line 3, column temp"},
		{"rh above 100", h + good + "2024-05-02,20,140,10,0\n", nil, "line 3, column rh"},
		{"negative rain", h + good + "2024-05-02,20,40,10,-2\n", nil, "line 3, column rain"},
		{"negative wind", h + good + "2024-05-02,20,40,-1,0\n", nil, "line 3, column wind"},
		{"out of order", h + good + "2024-04-30,20,40,10,0\n", nil, "line 3, column date"},
		{"bad ffmc0", h + good, []string{"--ffmc0", "120"}, "ffmc"},
		{"bad dc0", h + good, []string{"--dc0", "-1"}, "dc"},
		{"bad lat", h + good, []string{"--lat", "91"}, "--lat"},
		{"argument", h + good, []string{"weather.csv"}, "no arguments"},
		{"unknown flag", h + good, []string{"--latitude", "25"}, "flag provided but not defined"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := modelFWI(context.Background(), tt.args, strings.NewReader(tt.in), &stdout, &stderr)
			if err == nil {
				t.Fatal("got no error")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got error %q, want it to mention %q", err, tt.want)
			}
			if stdout.Len() != 0 {
				t.Errorf("got output %q, want none for a bad input", stdout.String())
			}
		})
	}
}
