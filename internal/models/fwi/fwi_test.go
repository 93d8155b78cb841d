package fwi

import (
	"errors"
	"fmt"
	"testing"
	"time"
)

// vanWagnerPickett1985 is the sample output of program F-32 printed in
// C.E. Van Wagner and T.L. Pickett (1985), "Equations and FORTRAN program for
// the Canadian Forest Fire Weather Index System", Canadian Forestry Service
// Forestry Technical Report 33, p. 17 (test input p. 16), started from
// FFMC 85, DMC 6, DC 15 with the standard day-length factors: 49 days,
// 13 April – 31 May. Transcribed from the digitization in
// github.com/AlaskaFireWeather/canadafire, test/VanWagner1985SampleOfOutput.csv.
// The same weather (with 11 °C instead of 11.5 °C on 10 May and without
// 31 May) is the test_fwi data set of the cffdrs R package. Codes and indices
// are printed to one decimal, the DSR to two; the wind is printed as whole
// km/h as the program read it.
var vanWagnerPickett1985 = []struct {
	month, day              int
	temp, rh, wind, rain    float64
	ffmc, dmc, dc, isi, bui string
	fwi, dsr                string
}{
	{4, 13, 17.0, 42, 25, 0.0, "87.7", "8.5", "19.0", "10.9", "8.5", "10.1", "1.63"},
	{4, 14, 20.0, 21, 25, 2.4, "86.2", "10.4", "23.6", "8.8", "10.4", "9.3", "1.40"},
	{4, 15, 8.5, 40, 17, 0.0, "87.0", "11.8", "26.1", "6.5", "11.7", "7.6", "0.98"},
	{4, 16, 6.5, 25, 6, 0.0, "88.8", "13.2", "28.2", "4.9", "13.1", "6.2", "0.68"},
	{4, 17, 13.0, 34, 24, 0.0, "89.1", "15.4", "31.5", "12.6", "15.3", "14.8", "3.22"},
	{4, 18, 6.0, 40, 22, 0.4, "88.7", "16.5", "33.5", "10.7", "16.4", "13.5", "2.71"},
	{4, 19, 5.5, 52, 6, 0.0, "87.4", "17.2", "35.4", "4.0", "17.1", "5.9", "0.62"},
	{4, 20, 8.5, 46, 16, 0.0, "87.4", "18.5", "37.9", "6.6", "18.4", "9.7", "1.50"},
	{4, 21, 9.5, 54, 20, 0.0, "86.8", "19.7", "40.6", "7.4", "19.6", "11.0", "1.89"},
	{4, 22, 7.0, 93, 14, 9.0, "29.9", "10.1", "29.5", "0.0", "10.9", "0.0", "0.00"},
	{4, 23, 6.5, 71, 17, 1.0, "49.4", "10.7", "31.6", "0.4", "11.6", "0.2", "0.00"},
	{4, 24, 6.0, 59, 17, 0.0, "67.3", "11.4", "33.7", "1.3", "12.3", "0.9", "0.02"},
	{4, 25, 13.0, 52, 4, 0.0, "77.8", "13.0", "37.0", "1.1", "13.9", "0.8", "0.02"},
	{4, 26, 15.5, 40, 11, 0.0, "85.5", "15.4", "40.7", "3.9", "15.9", "5.5", "0.56"},
	{4, 27, 23.0, 25, 9, 0.0, "91.5", "19.8", "45.8", "8.4", "19.8", "12.2", "2.27"},
	{4, 28, 19.0, 46, 16, 0.0, "89.9", "22.5", "50.2", "9.5", "22.4", "14.3", "3.02"},
	{4, 29, 18.0, 41, 20, 0.0, "90.0", "25.2", "54.4", "11.7", "25.1", "17.7", "4.40"},
	{4, 30, 14.5, 51, 16, 0.0, "88.4", "27.0", "57.9", "7.7", "27.0", "13.3", "2.65"},
	{5, 1, 14.5, 69, 11, 0.0, "85.7", "28.3", "63.0", "4.0", "28.2", "8.0", "1.08"},
	{5, 2, 15.5, 42, 8, 0.0, "87.4", "30.8", "68.2", "4.4", "30.8", "9.1", "1.35"},
	{5, 3, 21.0, 37, 8, 0.0, "89.4", "34.5", "74.3", "5.9", "34.4", "12.3", "2.30"},
	{5, 4, 23.0, 32, 16, 0.0, "91.0", "38.8", "80.9", "11.1", "38.7", "21.0", "5.96"},
	{5, 5, 23.0, 32, 14, 0.0, "91.2", "43.1", "87.4", "10.3", "43.0", "21.1", "5.99"},
	{5, 6, 27.0, 33, 12, 0.0, "91.7", "48.1", "94.7", "9.9", "47.9", "21.7", "6.30"},
	{5, 7, 28.0, 17, 27, 0.0, "95.2", "54.5", "102.1", "34.5", "54.3", "52.6", "30.20"},
	{5, 8, 23.5, 54, 20, 0.0, "89.7", "57.4", "108.8", "11.3", "57.2", "25.9", "8.61"},
	{5, 9, 16.0, 50, 22, 12.2, "62.2", "29.9", "91.8", "1.4", "33.0", "3.0", "0.19"},
	{5, 10, 11.5, 58, 20, 0.0, "76.7", "31.3", "96.3", "2.3", "34.5", "5.4", "0.55"},
	{5, 11, 16.0, 54, 16, 0.0, "83.5", "33.4", "101.6", "3.8", "36.7", "8.9", "1.31"},
	{5, 12, 21.5, 37, 9, 0.0, "88.7", "37.1", "107.8", "5.6", "39.9", "12.8", "2.46"},
	{5, 13, 14.0, 61, 22, 0.2, "86.7", "38.7", "112.8", "8.1", "41.6", "17.3", "4.24"},
	{5, 14, 15.0, 30, 27, 0.0, "89.6", "41.7", "117.9", "15.9", "44.2", "28.8", "10.44"},
	{5, 15, 20.0, 23, 11, 0.0, "92.1", "45.9", "123.9", "10.1", "47.7", "21.9", "6.40"},
	{5, 16, 14.0, 95, 3, 16.4, "21.3", "20.1", "97.0", "0.0", "26.5", "0.0", "0.00"},
	{5, 17, 20.0, 53, 4, 2.8, "51.0", "18.3", "103.0", "0.2", "25.3", "0.2", "0.00"},
	{5, 18, 19.5, 30, 16, 0.0, "82.3", "22.1", "108.9", "3.3", "29.3", "6.8", "0.81"},
	{5, 19, 25.5, 51, 20, 6.0, "75.4", "16.4", "106.4", "2.1", "23.7", "3.8", "0.29"},
	{5, 20, 10.0, 38, 24, 0.0, "84.3", "18.2", "110.6", "6.4", "25.8", "11.3", "1.99"},
	{5, 21, 19.0, 27, 16, 0.0, "90.3", "22.1", "116.4", "10.0", "29.9", "17.2", "4.19"},
	{5, 22, 26.0, 46, 11, 4.2, "77.6", "18.7", "117.7", "1.6", "26.8", "2.9", "0.18"},
	{5, 23, 30.0, 38, 22, 0.0, "90.2", "23.8", "125.5", "13.4", "32.3", "22.0", "6.49"},
	{5, 24, 25.5, 67, 19, 12.6, "65.3", "13.1", "108.5", "1.4", "20.2", "1.9", "0.08"},
	{5, 25, 12.0, 53, 28, 11.8, "55.4", "7.7", "91.6", "1.2", "12.8", "0.8", "0.02"},
	{5, 26, 21.0, 38, 8, 0.0, "80.8", "11.3", "97.8", "1.9", "17.6", "2.6", "0.14"},
	{5, 27, 13.0, 70, 20, 3.8, "61.7", "8.4", "97.9", "1.2", "13.8", "0.9", "0.02"},
	{5, 28, 9.0, 78, 24, 1.4, "64.5", "9.0", "101.9", "1.7", "14.7", "2.0", "0.09"},
	{5, 29, 11.0, 54, 16, 0.0, "77.6", "10.5", "106.3", "2.0", "16.8", "2.8", "0.17"},
	{5, 30, 15.5, 39, 9, 0.0, "85.4", "13.1", "111.5", "3.5", "20.3", "5.8", "0.61"},
	{5, 31, 18.0, 36, 5, 0.0, "88.5", "16.3", "117.1", "4.4", "24.2", "7.9", "1.06"},
}

// TestPublishedTable reproduces every printed value of the 1985 sample
// output, carrying the codes from day to day.
func TestPublishedTable(t *testing.T) {
	days := make([]Day, len(vanWagnerPickett1985))
	for i, r := range vanWagnerPickett1985 {
		days[i] = Day{
			Date:    time.Date(1985, time.Month(r.month), r.day, 12, 0, 0, 0, time.UTC),
			Weather: Weather{Temp: r.temp, RH: r.rh, Wind: r.wind, Rain: r.rain},
		}
	}
	out, err := Series(DefaultCodes, days, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != len(days) {
		t.Fatalf("got %d days, want %d", len(out), len(days))
	}
	for i, r := range vanWagnerPickett1985 {
		x := out[i]
		for _, c := range []struct {
			name, got, want string
		}{
			{"FFMC", fmt.Sprintf("%.1f", x.FFMC), r.ffmc},
			{"DMC", fmt.Sprintf("%.1f", x.DMC), r.dmc},
			{"DC", fmt.Sprintf("%.1f", x.DC), r.dc},
			{"ISI", fmt.Sprintf("%.1f", x.ISI), r.isi},
			{"BUI", fmt.Sprintf("%.1f", x.BUI), r.bui},
			{"FWI", fmt.Sprintf("%.1f", x.FWI), r.fwi},
			{"DSR", fmt.Sprintf("%.2f", x.DSR), r.dsr},
		} {
			if c.got != c.want {
				t.Errorf("%d/%d %s: got %s, want %s", r.month, r.day, c.name, c.got, c.want)
			}
		}
	}
}

// TestSeriesMatchesDaily checks that Series carries each day's codes into
// the next day and nothing else.
func TestSeriesMatchesDaily(t *testing.T) {
	opt := Options{LatAdjust: true, Latitude: -35}
	start := Codes{FFMC: 80, DMC: 20, DC: 200}
	d0 := time.Date(2024, time.January, 30, 0, 0, 0, 0, time.UTC)
	days := []Day{
		{Date: d0, Weather: Weather{Temp: 25, RH: 30, Wind: 15, Rain: 0}},
		{Date: d0.AddDate(0, 0, 1), Weather: Weather{Temp: 18, RH: 80, Wind: 5, Rain: 12}},
		{Date: d0.AddDate(0, 0, 3), Weather: Weather{Temp: 30, RH: 20, Wind: 30, Rain: 0}},
	}
	got, err := Series(start, days, opt)
	if err != nil {
		t.Fatal(err)
	}
	prev := start
	for i, d := range days {
		want := Daily(prev, d.Date.Month(), d.Weather, opt)
		if got[i] != want {
			t.Errorf("day %d: got %+v, want %+v", i, got[i], want)
		}
		prev = want.Codes()
	}
}

func TestSeriesRejects(t *testing.T) {
	d := time.Date(2024, time.May, 1, 0, 0, 0, 0, time.UTC)
	ok := Weather{Temp: 20, RH: 40, Wind: 10}
	tests := []struct {
		name  string
		start Codes
		days  []Day
		want  error
	}{
		{"ffmc above 101", Codes{FFMC: 102, DMC: 6, DC: 15}, nil, nil},
		{"negative dmc", Codes{FFMC: 85, DMC: -1, DC: 15}, nil, nil},
		{"rh above 100", DefaultCodes, []Day{{Date: d, Weather: Weather{Temp: 20, RH: 101}}}, nil},
		{"negative rain", DefaultCodes, []Day{{Date: d, Weather: Weather{Temp: 20, RH: 50, Rain: -1}}}, nil},
		{"same date twice", DefaultCodes, []Day{{Date: d, Weather: ok}, {Date: d, Weather: ok}}, ErrOrder},
		{"backwards", DefaultCodes, []Day{{Date: d, Weather: ok}, {Date: d.AddDate(0, 0, -1), Weather: ok}}, ErrOrder},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Series(tt.start, tt.days, Options{})
			if err == nil {
				t.Fatal("got no error")
			}
			if tt.want != nil && !errors.Is(err, tt.want) {
				t.Errorf("got %v, want %v", err, tt.want)
			}
		})
	}
}
