package dispatch

import (
	"math"
	"math/rand/v2"
	"sort"
	"strconv"
)

// bruteNearest is the reference the index is checked and benchmarked
// against: filter every resource, score it, sort, cut. It shares no code
// with the index but the rules written in the package documentation.
func bruteNearest(rs []Resource, tr Travel, q Query) []Match {
	if !(q.Lon >= -180 && q.Lon <= 180 && q.Lat >= -90 && q.Lat <= 90) || math.IsNaN(q.MaxKm) || q.MaxKm < 0 {
		return nil
	}
	detour, def := tr.Detour, tr.DefaultKmh
	if !(detour > 0) || math.IsInf(detour, 0) {
		detour = 1.3
	}
	if !(def > 0) || math.IsInf(def, 0) {
		def = 40
	}
	var names []string
	for name, qty := range q.Needs {
		if qty > 0 && !math.IsInf(qty, 0) {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	type cand struct {
		m   Match
		cov float64
	}
	var cs []cand
	for _, r := range rs {
		if !(r.Lon >= -180 && r.Lon <= 180 && r.Lat >= -90 && r.Lat <= 90) {
			continue
		}
		if q.Kind != "" && r.Kind != q.Kind {
			continue
		}
		if len(q.Tags) > 0 && !anyTag(r.Tags, q.Tags) {
			continue
		}
		if q.FreeCapacity > 0 && r.Capacity-r.Occupied < q.FreeCapacity {
			continue
		}
		var cov float64
		var covers map[string]float64
		if len(names) > 0 {
			covers = map[string]float64{}
			for _, name := range names {
				has := r.Stock[name]
				if !(has > 0) || math.IsInf(has, 0) {
					has = 0
				}
				c := math.Min(has, q.Needs[name])
				covers[name] = c
				cov += c / q.Needs[name]
			}
			cov /= float64(len(names))
			if cov <= 0 {
				continue
			}
		}
		// HaversineKm itself is checked against orb's haversine and a worked
		// example; using it here keeps equal distances exactly equal, so
		// ties come out in the same order in both.
		d := HaversineKm(q.Lon, q.Lat, r.Lon, r.Lat)
		if q.MaxKm > 0 && d > q.MaxKm {
			continue
		}
		speed := def
		if v, ok := tr.SpeedKmh[r.RoadClass]; ok && r.RoadClass != "" && v > 0 && !math.IsInf(v, 0) {
			speed = v
		}
		cs = append(cs, cand{m: Match{Resource: r, DistanceKm: d, TravelMin: d * detour / speed * 60, Covers: covers}, cov: cov})
	}
	sort.SliceStable(cs, func(i, j int) bool {
		a, b := cs[i], cs[j]
		switch {
		case a.cov != b.cov:
			return a.cov > b.cov
		case a.m.TravelMin != b.m.TravelMin:
			return a.m.TravelMin < b.m.TravelMin
		case a.m.DistanceKm != b.m.DistanceKm:
			return a.m.DistanceKm < b.m.DistanceKm
		case a.m.Resource.Kind != b.m.Resource.Kind:
			return a.m.Resource.Kind < b.m.Resource.Kind
		case a.m.Resource.ID != b.m.Resource.ID:
			return a.m.Resource.ID < b.m.Resource.ID
		}
		return a.m.Resource.Code < b.m.Resource.Code
	})
	limit := q.Limit
	if limit <= 0 {
		limit = 10
	}
	out := []Match{}
	for i := 0; i < len(cs) && i < limit; i++ {
		out = append(out, cs[i].m)
	}
	return out
}

func anyTag(have, want []string) bool {
	for _, w := range want {
		for _, h := range have {
			if w != "" && h == w {
				return true
			}
		}
	}
	return false
}

var (
	testKinds    = []string{KindTeam, KindWarehouse, KindExpert, KindShelter}
	testTags     = []string{"森林消防", "矿山救护", "危化救援", "水域救援", "地震救援", "医疗", "通信"}
	testItems    = []string{"帐篷", "棉被", "折叠床", "矿泉水", "方便面", "发电机"}
	testClasses  = []string{"", "expressway", "national", "provincial", "county", "rural", "unknown"}
	testSpeedKmh = map[string]float64{"expressway": 80, "national": 60, "provincial": 50, "county": 40, "rural": 25}
)

// randomResources spreads n resources over the box [lon0, lon0+w] × [lat0,
// lat0+h]. Positions are snapped to a coarse grid part of the time so that
// equal positions (and so ties) happen.
func randomResources(rng *rand.Rand, n int, lon0, lat0, w, h float64) []Resource {
	rs := make([]Resource, n)
	for i := range rs {
		lon, lat := lon0+rng.Float64()*w, lat0+rng.Float64()*h
		if rng.IntN(4) == 0 {
			lon = lon0 + math.Round((lon-lon0)/w*8)/8*w
			lat = lat0 + math.Round((lat-lat0)/h*8)/8*h
		}
		r := Resource{
			Kind: testKinds[rng.IntN(len(testKinds))], ID: int64(rng.IntN(n*2) + 1),
			Code: "R" + strconv.Itoa(i), Lon: math.Max(-180, math.Min(180, lon)), Lat: math.Max(-90, math.Min(90, lat)),
			RoadClass: testClasses[rng.IntN(len(testClasses))],
		}
		for range rng.IntN(3) {
			r.Tags = append(r.Tags, testTags[rng.IntN(len(testTags))])
		}
		if r.Kind == KindWarehouse || rng.IntN(10) == 0 {
			r.Stock = map[string]float64{}
			for range rng.IntN(4) {
				r.Stock[testItems[rng.IntN(len(testItems))]] = float64(rng.IntN(5) * 50)
			}
		}
		if r.Kind == KindShelter || rng.IntN(10) == 0 {
			r.Capacity = rng.IntN(500)
			r.Occupied = rng.IntN(r.Capacity + 50)
		}
		rs[i] = r
	}
	return rs
}

func randomQuery(rng *rand.Rand, lon0, lat0, w, h float64) Query {
	q := Query{Lon: lon0 + rng.Float64()*w, Lat: lat0 + rng.Float64()*h, Limit: rng.IntN(15)}
	q.Lon, q.Lat = math.Max(-180, math.Min(180, q.Lon)), math.Max(-90, math.Min(90, q.Lat))
	if rng.IntN(5) > 0 {
		q.Kind = testKinds[rng.IntN(len(testKinds))]
	}
	if rng.IntN(3) == 0 {
		for range rng.IntN(3) + 1 {
			q.Tags = append(q.Tags, testTags[rng.IntN(len(testTags))])
		}
	}
	if rng.IntN(3) == 0 {
		q.Needs = map[string]float64{}
		for range rng.IntN(3) + 1 {
			q.Needs[testItems[rng.IntN(len(testItems))]] = float64(rng.IntN(4)*60 + 10)
		}
	}
	if rng.IntN(4) == 0 {
		q.FreeCapacity = rng.IntN(300)
	}
	if rng.IntN(4) == 0 {
		q.MaxKm = rng.Float64() * 100
	}
	return q
}
