package dispatch

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"
	orbgeo "github.com/paulmach/orb/geo"
)

func sameMatches(t *testing.T, label string, got, want []Match) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: got %d matches, want %d\n got: %v\nwant: %v", label, len(got), len(want), ids(got), ids(want))
	}
	for i := range got {
		g, w := got[i], want[i]
		if g.Resource.Kind != w.Resource.Kind || g.Resource.ID != w.Resource.ID || g.Resource.Code != w.Resource.Code {
			t.Fatalf("%s: match %d is %s, want %s\n got: %v\nwant: %v", label, i, ids(got[i:i+1]), ids(want[i:i+1]), ids(got), ids(want))
		}
		if !close(g.DistanceKm, w.DistanceKm) || !close(g.TravelMin, w.TravelMin) {
			t.Fatalf("%s: match %d: distance %v km / %v min, want %v / %v", label, i, g.DistanceKm, g.TravelMin, w.DistanceKm, w.TravelMin)
		}
		if len(g.Covers) != len(w.Covers) {
			t.Fatalf("%s: match %d covers %v, want %v", label, i, g.Covers, w.Covers)
		}
		for item, c := range w.Covers {
			if g.Covers[item] != c {
				t.Fatalf("%s: match %d covers %v, want %v", label, i, g.Covers, w.Covers)
			}
		}
	}
}

func close(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b)) }

func ids(ms []Match) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = fmt.Sprintf("%s#%d/%s(%.6fkm)", m.Resource.Kind, m.Resource.ID, m.Resource.Code, m.DistanceKm)
	}
	return out
}

func TestNearestAgreesWithBruteForce(t *testing.T) {
	boxes := []struct {
		name             string
		lon0, lat0, w, h float64
	}{
		{"baoshan", 98.4, 24.1, 1.6, 1.8},
		{"city", 99.1, 25.05, 0.1, 0.1},
		{"north pole", -180, 85, 360, 5},
		{"south pole", -180, -90, 360, 4},
		{"antimeridian", 179, -10, 2, 20}, // positions past 180 are clamped onto it
		{"world", -180, -90, 360, 180},
	}
	for _, b := range boxes {
		t.Run(b.name, func(t *testing.T) {
			for seed := range uint64(60) {
				rng := rand.New(rand.NewPCG(seed, 7))
				rs := randomResources(rng, rng.IntN(600), b.lon0, b.lat0, b.w, b.h)
				tr := Travel{SpeedKmh: testSpeedKmh, DefaultKmh: float64(rng.IntN(3) * 20), Detour: float64(rng.IntN(3)) * 0.7}
				ix := NewIndex(rs, tr)
				if ix.Len() != len(rs) {
					t.Fatalf("seed %d: Len %d, want %d", seed, ix.Len(), len(rs))
				}
				for j := range 40 {
					q := randomQuery(rng, b.lon0-0.2, b.lat0-0.2, b.w+0.4, b.h+0.4)
					sameMatches(t, fmt.Sprintf("seed %d query %d %+v", seed, j, q), ix.Nearest(q), bruteNearest(rs, tr, q))
				}
			}
		})
	}
}

// The distance from Nashville (36.12° N, 86.67° W) to Los Angeles
// (33.94° N, 118.40° W) is the worked haversine example of Rosetta Code:
// 2887.2599506071106 km on a sphere of radius 6372.8 km. Scaled to the
// radius used here it must agree to the metre.
func TestHaversineWorkedExample(t *testing.T) {
	got := HaversineKm(-86.67, 36.12, -118.40, 33.94) * 6372.8 / earthRadiusKm
	if math.Abs(got-2887.2599506071106) > 0.001 {
		t.Fatalf("Nashville–LAX = %.6f km (at R = 6372.8 km), want 2887.259951", got)
	}
	if d := HaversineKm(10, 90, -170, 90); d > 1e-9 {
		t.Errorf("two longitudes at the pole: %v km apart, want 0", d)
	}
	if d := HaversineKm(0, 0, 180, 0); math.Abs(d-math.Pi*earthRadiusKm) > 1e-6 {
		t.Errorf("antipodes: %v km, want half the circumference %v", d, math.Pi*earthRadiusKm)
	}
}

// 10 km straight-line at the default detour 1.3 is 13 km of road; at the
// default 40 km/h that takes 19.5 minutes, at 60 km/h 13 minutes.
func TestHaversineAgreesWithOrb(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for range 10000 {
		a := orb.Point{rng.Float64()*360 - 180, rng.Float64()*180 - 90}
		b := orb.Point{rng.Float64()*360 - 180, rng.Float64()*180 - 90}
		if rng.IntN(2) == 0 {
			b = orb.Point{a[0] + rng.Float64()*0.1, math.Max(-90, math.Min(90, a[1]+rng.Float64()*0.1))}
		}
		got, want := HaversineKm(a[0], a[1], b[0], b[1]), orbgeo.DistanceHaversine(a, b)/1000
		if math.Abs(got-want) > 1e-9*math.Max(1, want) {
			t.Fatalf("%v–%v: %v km, orb says %v", a, b, got, want)
		}
	}
}

func TestTravelModel(t *testing.T) {
	tr := Travel{SpeedKmh: map[string]float64{"national": 60, "bad": -5}}
	for _, c := range []struct {
		class string
		want  float64
	}{{"", 19.5}, {"national", 13}, {"rural", 19.5}, {"bad", 19.5}} {
		if got := tr.Minutes(10, c.class); math.Abs(got-c.want) > 1e-9 {
			t.Errorf("10 km on %q: %v min, want %v", c.class, got, c.want)
		}
	}
	if got := (Travel{DefaultKmh: 30, Detour: 1.5}).Minutes(10, ""); math.Abs(got-30) > 1e-9 {
		t.Errorf("10 km × 1.5 at 30 km/h: %v min, want 30", got)
	}
}

func TestNearestEdgeCases(t *testing.T) {
	tr := Travel{}
	t.Run("empty index", func(t *testing.T) {
		if got := NewIndex(nil, tr).Nearest(Query{Lon: 99, Lat: 25}); len(got) != 0 {
			t.Fatalf("got %v", ids(got))
		}
	})
	rs := []Resource{
		{Kind: KindTeam, ID: 3, Lon: 99.16, Lat: 25.12, Tags: []string{"森林消防"}},
		{Kind: KindTeam, ID: 1, Lon: 99.16, Lat: 25.12, Tags: []string{"森林消防"}},
		{Kind: KindTeam, ID: 2, Lon: 99.16, Lat: 25.12, Tags: []string{"矿山救护"}},
		{Kind: KindTeam, ID: 9, Lon: 99.20, Lat: 25.12, RoadClass: "expressway"},
		{Kind: KindTeam, ID: 8, Lon: math.NaN(), Lat: 25},
		{Kind: KindTeam, ID: 7, Lon: 200, Lat: 25},
	}
	ix := NewIndex(rs, Travel{SpeedKmh: map[string]float64{"expressway": 100}})
	if ix.Len() != 4 {
		t.Fatalf("Len = %d, want 4 (two have no valid position)", ix.Len())
	}
	t.Run("no match", func(t *testing.T) {
		for _, q := range []Query{
			{Lon: 99.16, Lat: 25.12, Kind: KindShelter},
			{Lon: 99.16, Lat: 25.12, Kind: KindTeam, Tags: []string{"潜水"}},
			{Lon: 99.16, Lat: 25.12, Kind: KindTeam, Needs: map[string]float64{"帐篷": 10}},
			{Lon: 99.16, Lat: 25.12, Kind: KindTeam, FreeCapacity: 1},
			{Lon: 98, Lat: 25.12, Kind: KindTeam, MaxKm: 5},
			{Lon: math.NaN(), Lat: 25.12},
			{Lon: 99, Lat: 91},
		} {
			if got := ix.Nearest(q); len(got) != 0 {
				t.Errorf("%+v: got %v, want nothing", q, ids(got))
			}
		}
	})
	t.Run("ties at one point go by id", func(t *testing.T) {
		got := ix.Nearest(Query{Lon: 99.16, Lat: 25.12, Kind: KindTeam, Tags: []string{"森林消防", "矿山救护"}})
		want := []int64{1, 2, 3}
		if len(got) != len(want) {
			t.Fatalf("got %v", ids(got))
		}
		for i, m := range got {
			if m.Resource.ID != want[i] || m.DistanceKm != 0 || m.TravelMin != 0 {
				t.Errorf("match %d: %v, want id %d at 0 km", i, ids(got[i:i+1]), want[i])
			}
		}
	})
	t.Run("travel time ranks before distance", func(t *testing.T) {
		// 4 km away on an expressway at 100 km/h beats nothing at the same
		// point, but from 3 km west of the cluster the expressway team
		// (7 km, 100 km/h) arrives before the cluster (3 km at 40 km/h)?
		// 7×1.3/100×60 = 5.46 min against 3×1.3/40×60 = 5.85 min.
		q := Query{Lon: 99.16 - 3/(111.32*math.Cos(25.12*math.Pi/180)), Lat: 25.12, Kind: KindTeam, Limit: 1}
		got := ix.Nearest(q)
		if len(got) != 1 || got[0].Resource.ID != 9 {
			t.Fatalf("got %v, want the expressway team 9", ids(got))
		}
	})
	t.Run("limit", func(t *testing.T) {
		var many []Resource
		for i := range 25 {
			many = append(many, Resource{Kind: KindExpert, ID: int64(i + 1), Lon: 99 + float64(i)*0.01, Lat: 25})
		}
		ix := NewIndex(many, tr)
		if got := ix.Nearest(Query{Lon: 99, Lat: 25}); len(got) != DefaultLimit {
			t.Errorf("default limit: %d matches, want %d", len(got), DefaultLimit)
		}
		if got := ix.Nearest(Query{Lon: 99, Lat: 25, Limit: 100}); len(got) != 25 {
			t.Errorf("limit 100: %d matches, want 25", len(got))
		}
	})
	t.Run("poles", func(t *testing.T) {
		polar := []Resource{
			{Kind: KindTeam, ID: 1, Lon: -120, Lat: 90},
			{Kind: KindTeam, ID: 2, Lon: 60, Lat: 89.99},
			{Kind: KindTeam, ID: 3, Lon: 0, Lat: 90},
			{Kind: KindTeam, ID: 4, Lon: 60, Lat: -90},
		}
		got := NewIndex(polar, tr).Nearest(Query{Lon: 170, Lat: 90})
		if len(got) != 4 || got[0].Resource.ID+got[1].Resource.ID != 4 || got[2].Resource.ID != 2 || got[3].Resource.ID != 4 {
			t.Fatalf("from the north pole: %v, want 1 and 3 (both at the pole), 2, 4", ids(got))
		}
		if got[1].DistanceKm > 1e-9 || math.Abs(got[2].DistanceKm-1.1132) > 0.001 || math.Abs(got[3].DistanceKm-math.Pi*earthRadiusKm) > 1e-6 {
			t.Errorf("distances %v", ids(got))
		}
	})
	t.Run("results are copies", func(t *testing.T) {
		got := ix.Nearest(Query{Lon: 99.16, Lat: 25.12, Tags: []string{"森林消防"}})
		got[0].Resource.Tags[0] = "changed"
		again := ix.Nearest(Query{Lon: 99.16, Lat: 25.12, Tags: []string{"森林消防"}})
		if len(again) == 0 || again[0].Resource.Tags[0] != "森林消防" {
			t.Fatalf("changing a result changed the index: %v", again)
		}
	})
}

func TestWarehouseCoverage(t *testing.T) {
	// Need 100 tents and 200 quilts. A (far) holds all of both; B (near)
	// holds 100 tents only (coverage (1+0)/2 = ½); C (nearest) holds 50 quilts
	// (coverage (0+¼)/2 = ⅛);
	// D holds neither and must not match.
	rs := []Resource{
		{Kind: KindWarehouse, ID: 1, Code: "A", Lon: 99.5, Lat: 25.5, Stock: map[string]float64{"帐篷": 300, "棉被": 500}},
		{Kind: KindWarehouse, ID: 2, Code: "B", Lon: 99.2, Lat: 25.1, Stock: map[string]float64{"帐篷": 100}},
		{Kind: KindWarehouse, ID: 3, Code: "C", Lon: 99.16, Lat: 25.12, Stock: map[string]float64{"棉被": 50, "矿泉水": 1000}},
		{Kind: KindWarehouse, ID: 4, Code: "D", Lon: 99.16, Lat: 25.12, Stock: map[string]float64{"矿泉水": 1000}},
	}
	needs := map[string]float64{"帐篷": 100, "棉被": 200}
	got := NewIndex(rs, Travel{}).Nearest(Query{Lon: 99.16, Lat: 25.12, Kind: KindWarehouse, Needs: needs})
	wantCodes := []string{"A", "B", "C"}
	wantCov := []float64{1, 0.5, 0.125}
	wantCovers := []map[string]float64{{"帐篷": 100, "棉被": 200}, {"帐篷": 100, "棉被": 0}, {"帐篷": 0, "棉被": 50}}
	if len(got) != 3 {
		t.Fatalf("got %v, want A, B, C", ids(got))
	}
	for i, m := range got {
		if m.Resource.Code != wantCodes[i] || m.Coverage(needs) != wantCov[i] {
			t.Errorf("match %d: %s covering %v, want %s covering %v", i, m.Resource.Code, m.Coverage(needs), wantCodes[i], wantCov[i])
		}
		for item, c := range wantCovers[i] {
			if m.Covers[item] != c {
				t.Errorf("match %d (%s): covers %v, want %v", i, m.Resource.Code, m.Covers, wantCovers[i])
			}
		}
	}
}

func TestShelterFreeCapacity(t *testing.T) {
	rs := []Resource{
		{Kind: KindShelter, ID: 1, Lon: 99.16, Lat: 25.12, Capacity: 500, Occupied: 450},
		{Kind: KindShelter, ID: 2, Lon: 99.3, Lat: 25.2, Capacity: 800, Occupied: 100},
		{Kind: KindShelter, ID: 3, Lon: 99.17, Lat: 25.12, Capacity: 100, Occupied: 120},
	}
	got := NewIndex(rs, Travel{}).Nearest(Query{Lon: 99.16, Lat: 25.12, Kind: KindShelter, FreeCapacity: 100})
	if len(got) != 1 || got[0].Resource.ID != 2 || got[0].Resource.Free() != 700 {
		t.Fatalf("got %v, want only shelter 2 with 700 free places", ids(got))
	}
}

// FuzzNearest decodes a query from the fuzzer's numbers and checks the index
// against the brute force on a fixed random data set, including at invalid
// and extreme positions.
func FuzzNearest(f *testing.F) {
	f.Add(99.16, 25.12, uint8(0), uint8(0), 0.0, int16(0), int8(0), uint8(0))
	f.Add(99.5, 24.9, uint8(1), uint8(3), 50.0, int16(100), int8(5), uint8(7))
	f.Add(-180.0, 90.0, uint8(2), uint8(255), 1e9, int16(-1), int8(-3), uint8(1))
	f.Add(math.NaN(), math.Inf(1), uint8(4), uint8(9), math.NaN(), int16(1), int8(1), uint8(2))
	rng := rand.New(rand.NewPCG(1, 2))
	rs := randomResources(rng, 800, 98.4, 24.1, 1.6, 1.8)
	tr := Travel{SpeedKmh: testSpeedKmh}
	ix := NewIndex(rs, tr)
	f.Fuzz(func(t *testing.T, lon, lat float64, kind, tagMask uint8, maxKm float64, free int16, limit int8, needMask uint8) {
		q := Query{Lon: lon, Lat: lat, MaxKm: maxKm, FreeCapacity: int(free), Limit: int(limit)}
		if int(kind) < len(testKinds) {
			q.Kind = testKinds[kind]
		} else if kind%2 == 0 {
			q.Kind = "unknown"
		}
		for i, tag := range testTags {
			if tagMask&(1<<i) != 0 {
				q.Tags = append(q.Tags, tag)
			}
		}
		if needMask != 0 {
			q.Needs = map[string]float64{}
			for i, item := range testItems {
				if needMask&(1<<i) != 0 {
					q.Needs[item] = float64(i*40 + 20)
				}
			}
			if needMask&0x80 != 0 {
				q.Needs["负数"] = -1
			}
		}
		sameMatches(t, fmt.Sprintf("%+v", q), ix.Nearest(q), bruteNearest(rs, tr, q))
	})
}
