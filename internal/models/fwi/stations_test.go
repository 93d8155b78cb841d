package fwi

import (
	"math"
	"testing"
	"time"
)

// 0.0009° of latitude is 100 m.
func TestStationsGrouping(t *testing.T) {
	s := []Sensor{
		// owner 7: all four kinds (and a second temperature point)
		{ID: 1, Code: "A-T2", Kind: KindTemp, OwnerID: 7, OwnerName: "示例气象站", Lon: 99, Lat: 25},
		{ID: 2, Code: "A-T1", Kind: KindTemp, OwnerID: 7, OwnerName: "示例气象站", Lon: 99, Lat: 25},
		{ID: 3, Code: "A-H", Kind: KindRH, OwnerID: 7, Lon: 99, Lat: 25},
		{ID: 4, Code: "A-W", Kind: KindWind, OwnerID: 7, OwnerName: "示例气象站", Lon: 99, Lat: 25},
		{ID: 5, Code: "A-R", Kind: KindRain, OwnerID: 7, Lon: 99, Lat: 25},
		// different owners, within 100 m of the wind sensor
		{ID: 10, Code: "B-W", Kind: KindWind, OwnerID: 20, Name: "B风速", Lon: 98, Lat: 24},
		{ID: 11, Code: "B-T", Kind: KindTemp, OwnerID: 21, Lon: 98, Lat: 24.0005},
		{ID: 12, Code: "B-H", Kind: KindRH, OwnerID: 22, Lon: 98.0005, Lat: 24},
		{ID: 13, Code: "B-R", Kind: KindRain, OwnerID: 23, Lon: 98, Lat: 23.9995},
		{ID: 14, Code: "B-R-far", Kind: KindRain, OwnerID: 23, Lon: 98, Lat: 23.998},
		// no rain within 100 m: not a station
		{ID: 20, Code: "C-W", Kind: KindWind, Lon: 97, Lat: 24},
		{ID: 21, Code: "C-T", Kind: KindTemp, Lon: 97, Lat: 24},
		{ID: 22, Code: "C-H", Kind: KindRH, Lon: 97, Lat: 24},
		{ID: 23, Code: "C-R", Kind: KindRain, Lon: 97, Lat: 24.0011},
		{ID: 30, Code: "X", Kind: "pressure", OwnerID: 7},
	}
	st := Stations(s, StationRadiusM)
	if len(st) != 2 {
		t.Fatalf("%d stations: %+v", len(st), st)
	}
	a, b := st[0], st[1]
	if a.Grouping != "owner" || a.Name != "示例气象站" || a.Temp.Code != "A-T1" || a.RH.ID != 3 || a.Wind.ID != 4 || a.Rain.ID != 5 {
		t.Errorf("owner station: %+v", a)
	}
	if b.Grouping != "distance" || b.Name != "B风速" || b.Temp.ID != 11 || b.RH.ID != 12 || b.Rain.ID != 13 {
		t.Errorf("distance station: %+v", b)
	}
	if d := metres(97, 24, 97, 24.0009); math.Abs(d-100.07) > 0.1 {
		t.Errorf("0.0009° of latitude = %.2f m", d)
	}
}

func TestRain24(t *testing.T) {
	loc := time.FixedZone("CST", 8*3600)
	noon := time.Date(2024, 3, 15, 12, 0, 0, 0, loc)
	h := func(hoursBefore int, max float64) Hour {
		return Hour{Start: noon.Add(-time.Duration(hoursBefore) * time.Hour), Max: max}
	}
	// running totals: 2.0 at the baseline hour, rising to 5.5, reset at
	// 20:00 (the meteorological day), then 1.5 and 4.0.
	hs := []Hour{h(25, 2), h(24, 3), h(20, 5.5), h(16, 1.5), h(3, 4), h(1, 4)}
	// 1 + 2.5 + 1.5 (after the reset) + 2.5 = 7.5
	if r, ok := Rain24(hs, noon); !ok || math.Abs(r-7.5) > 1e-12 {
		t.Errorf("rain %v %v, want 7.5", r, ok)
	}
	if _, ok := Rain24(hs[:1], noon); ok {
		t.Error("only the baseline hour gave a rain amount")
	}
	// no baseline: the first hour of the window only starts the count.
	if r, _ := Rain24(hs[2:], noon); math.Abs(r-4) > 1e-12 {
		t.Errorf("rain without a baseline %v, want 1.5+2.5", r)
	}
}

// A station's days equal Series over the same noon weather, wind
// converted from m/s; a day with a reading missing has no indices and the
// next day goes on from the last codes.
func TestRunStationMatchesSeries(t *testing.T) {
	loc := time.FixedZone("CST", 8*3600)
	first := time.Date(2024, 3, 1, 0, 0, 0, 0, loc)
	var s StationSeries
	var days []Day
	total := 0.0
	s.Rain = append(s.Rain, Hour{Start: first.Add(-13 * time.Hour), Max: 0})
	for i := 0; i < 10; i++ {
		day := first.AddDate(0, 0, i)
		noon := day.Add(12 * time.Hour)
		w := Weather{Temp: 15 + float64(i), RH: 60 - 3*float64(i), Wind: 3.6 * float64(1+i%4), Rain: 0}
		if i == 4 {
			w.Rain = 6
		}
		total += w.Rain
		s.Rain = append(s.Rain, Hour{Start: noon.Add(-2 * time.Hour), Max: total})
		if i == 6 { // no humidity at noon on day 7
			s.Temp = append(s.Temp, Hour{Start: noon, Mean: w.Temp})
			s.Wind = append(s.Wind, Hour{Start: noon, Mean: w.Wind / 3.6})
			continue
		}
		s.Temp = append(s.Temp, Hour{Start: noon, Mean: w.Temp})
		s.RH = append(s.RH, Hour{Start: noon, Mean: w.RH})
		s.Wind = append(s.Wind, Hour{Start: noon, Mean: w.Wind / 3.6})
		days = append(days, Day{Date: day, Weather: w})
	}
	got := RunStation(s, first, first.AddDate(0, 0, 9), loc, 12, DefaultCodes, Options{}, DefaultBreakpoints)
	want, err := Series(DefaultCodes, days, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 10 || got[6].Indices != nil || len(got[6].Missing) != 1 || got[6].Missing[0] != KindRH {
		t.Fatalf("days %+v", got)
	}
	j := 0
	for i, d := range got {
		if i == 6 {
			continue
		}
		if d.Indices == nil || *d.Indices != want[j] || d.Level != DefaultBreakpoints.Level(want[j].FWI) || d.Date != days[j].Date.Format(time.DateOnly) {
			t.Errorf("day %d: %+v, want %+v", i, d, want[j])
		}
		if d.Weather.Rain != days[j].Rain {
			t.Errorf("day %d: rain %v, want %v", i, d.Weather.Rain, days[j].Rain)
		}
		j++
	}
}
