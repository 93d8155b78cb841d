package fwi

import (
	"math"
	"slices"
	"strings"
	"time"
)

// Weather stations assembled from monitoring points.
//
// The registry has no weather-station kind: a station is a set of four
// monitoring points — temperature (°C), humidity (%RH), wind speed (m/s)
// and rainfall (mm, the meteorological day's running total, as the
// platform's rain gauges report) — that either share one owner record (a
// facility such as an automatic weather station) or, failing that, lie
// within StationRadiusM of each other. Each day's FWI comes from the
// readings at local noon (the hourly roll-up starting at NoonHour, in
// Asia/Shanghai standard time, as the FWI System asks for noon standard
// time) and the rain of the 24 hours to that noon.

// Station point kinds (registry monitoring-point categories).
const (
	KindTemp = "temperature"
	KindRH   = "humidity"
	KindWind = "wind_speed"
	KindRain = "rainfall"
)

// StationRadiusM is how close the four points of a station without a
// common owner must lie to the wind sensor.
const StationRadiusM = 100.0

// Sensor is a monitoring point that may belong to a station.
type Sensor struct {
	ID        int64
	Code      string
	Name      string
	Kind      string
	OwnerID   int64
	OwnerName string
	Division  string
	Lon, Lat  float64
}

// Station is four sensors measuring one place's weather.
type Station struct {
	Code     string  `json:"code"`
	Name     string  `json:"name"`
	Division string  `json:"division_code"`
	Lon      float64 `json:"lon"`
	Lat      float64 `json:"lat"`
	// Grouping says how the sensors were put together: "owner" or
	// "distance".
	Grouping             string `json:"grouping"`
	Temp, RH, Wind, Rain Sensor
}

// Sensors returns the station's sensors by kind.
func (s Station) Sensors() map[string]Sensor {
	return map[string]Sensor{KindTemp: s.Temp, KindRH: s.RH, KindWind: s.Wind, KindRain: s.Rain}
}

func isStationKind(k string) bool {
	return k == KindTemp || k == KindRH || k == KindWind || k == KindRain
}

// metres between two WGS84 points (equirectangular; fine at 100 m).
func metres(lon1, lat1, lon2, lat2 float64) float64 {
	const r = 6371008.8
	rad := math.Pi / 180
	x := (lon2 - lon1) * rad * math.Cos((lat1+lat2)/2*rad)
	y := (lat2 - lat1) * rad
	return r * math.Hypot(x, y)
}

// Stations groups sensors into stations: first every owner with at least
// one sensor of each of the four kinds (the one with the lowest code when
// it has several), then, among the rest, each wind sensor with the
// nearest unused temperature, humidity and rainfall sensors within
// radiusM. Stations are ordered by code.
func Stations(sensors []Sensor, radiusM float64) []Station {
	var cand []Sensor
	for _, s := range sensors {
		if isStationKind(s.Kind) {
			cand = append(cand, s)
		}
	}
	slices.SortFunc(cand, func(a, b Sensor) int { return strings.Compare(a.Code, b.Code) })
	used := map[int64]bool{}
	var out []Station

	byOwner := map[int64][]Sensor{}
	var owners []int64
	for _, s := range cand {
		if s.OwnerID == 0 {
			continue
		}
		if _, ok := byOwner[s.OwnerID]; !ok {
			owners = append(owners, s.OwnerID)
		}
		byOwner[s.OwnerID] = append(byOwner[s.OwnerID], s)
	}
	for _, o := range owners {
		pick := map[string]Sensor{}
		for _, s := range byOwner[o] {
			if _, ok := pick[s.Kind]; !ok {
				pick[s.Kind] = s
			}
		}
		if len(pick) < 4 {
			continue
		}
		st := station(pick, "owner")
		for _, s := range pick {
			used[s.ID] = true
		}
		out = append(out, st)
	}

	for _, w := range cand {
		if w.Kind != KindWind || used[w.ID] {
			continue
		}
		pick := map[string]Sensor{KindWind: w}
		best := map[string]float64{}
		for _, s := range cand {
			if used[s.ID] || s.Kind == KindWind {
				continue
			}
			d := metres(w.Lon, w.Lat, s.Lon, s.Lat)
			if d > radiusM {
				continue
			}
			if b, ok := best[s.Kind]; !ok || d < b {
				best[s.Kind], pick[s.Kind] = d, s
			}
		}
		if len(pick) < 4 {
			continue
		}
		for _, s := range pick {
			used[s.ID] = true
		}
		out = append(out, station(pick, "distance"))
	}
	slices.SortFunc(out, func(a, b Station) int { return strings.Compare(a.Code, b.Code) })
	return out
}

func station(pick map[string]Sensor, grouping string) Station {
	w := pick[KindWind]
	st := Station{Code: w.Code, Name: w.OwnerName, Division: w.Division, Lon: w.Lon, Lat: w.Lat, Grouping: grouping,
		Temp: pick[KindTemp], RH: pick[KindRH], Wind: w, Rain: pick[KindRain]}
	if grouping == "owner" && w.OwnerName != "" {
		st.Name = w.OwnerName
	}
	if st.Name == "" {
		st.Name = w.Name
	}
	return st
}

// Hour is one hourly roll-up of a sensor: the hour starting at Start,
// the mean and the largest reading in it.
type Hour struct {
	Start     time.Time
	Mean, Max float64
}

// StationSeries is a station's hourly roll-ups, each in time order.
type StationSeries struct {
	Temp, RH, Wind, Rain []Hour
}

// StationDay is one day of a station: the noon weather (nil when a
// reading is missing, with what is missing), and the day's indices and
// danger level when the weather is complete.
type StationDay struct {
	Date    string   `json:"date"`
	Weather *Weather `json:"-"`
	Missing []string `json:"missing,omitempty"`
	Indices *Indices `json:"-"`
	Level   Level    `json:"level"`
}

func hourAt(hs []Hour, t time.Time) (Hour, bool) {
	i, ok := slices.BinarySearchFunc(hs, t, func(h Hour, t time.Time) int { return h.Start.Compare(t) })
	if !ok {
		return Hour{}, false
	}
	return hs[i], true
}

// Rain24 is the rain of the 24 hours to noon from a gauge's running
// daily totals: the sum of the rises of the hourly largest total over the
// hours starting from noon−24 h to noon−1 h, each against the hour before
// (the baseline is the last hour before the window, if it is less than a
// day older); a fall is the daily reset, and the new total counts from
// zero. Without a baseline the window's first hour only starts the count.
// ok is false when no hour of the window has a reading.
func Rain24(hs []Hour, noon time.Time) (float64, bool) {
	from := noon.Add(-24 * time.Hour)
	i, _ := slices.BinarySearchFunc(hs, from, func(h Hour, t time.Time) int { return h.Start.Compare(t) })
	prev, have := 0.0, false
	if i > 0 && !hs[i-1].Start.Before(from.Add(-24*time.Hour)) {
		prev, have = hs[i-1].Max, true
	}
	sum, seen := 0.0, false
	for ; i < len(hs) && hs[i].Start.Before(noon); i++ {
		h := hs[i]
		seen = true
		switch {
		case !have:
		case h.Max >= prev:
			sum += h.Max - prev
		default:
			sum += h.Max
		}
		prev, have = h.Max, true
	}
	return sum, seen
}

// RunStation computes the station's days from first to last (dates in
// loc) at noonHour, carrying the codes from start day to day. A day with
// a missing reading has no indices; the next day starts from the last
// computed codes (as Series does). Wind is converted from m/s to km/h.
func RunStation(s StationSeries, first, last time.Time, loc *time.Location, noonHour int, start Codes, opt Options, bp Breakpoints) []StationDay {
	var out []StationDay
	prev := start
	y, m, d := first.In(loc).Date()
	ly, lm, ld := last.In(loc).Date()
	end := time.Date(ly, lm, ld, 0, 0, 0, 0, loc)
	for day := time.Date(y, m, d, 0, 0, 0, 0, loc); !day.After(end); day = day.AddDate(0, 0, 1) {
		noon := time.Date(day.Year(), day.Month(), day.Day(), noonHour, 0, 0, 0, loc)
		sd := StationDay{Date: day.Format(time.DateOnly)}
		var w Weather
		if h, ok := hourAt(s.Temp, noon); ok {
			w.Temp = h.Mean
		} else {
			sd.Missing = append(sd.Missing, KindTemp)
		}
		if h, ok := hourAt(s.RH, noon); ok {
			w.RH = math.Max(0, math.Min(100, h.Mean))
		} else {
			sd.Missing = append(sd.Missing, KindRH)
		}
		if h, ok := hourAt(s.Wind, noon); ok {
			w.Wind = math.Max(0, h.Mean*3.6)
		} else {
			sd.Missing = append(sd.Missing, KindWind)
		}
		if r, ok := Rain24(s.Rain, noon); ok {
			w.Rain = r
		} else {
			sd.Missing = append(sd.Missing, KindRain)
		}
		if len(sd.Missing) == 0 && w.Validate() == nil {
			x := Daily(prev, day.Month(), w, opt)
			prev = x.Codes()
			sd.Weather, sd.Indices, sd.Level = &w, &x, bp.Level(x.FWI)
		}
		out = append(out, sd)
	}
	return out
}
