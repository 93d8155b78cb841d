// Package dispatch finds the resources nearest to an incident — rescue
// teams, warehouses holding the needed supplies, experts by specialty,
// shelters with free places — and ranks them by estimated travel time.
//
// # Distance
//
// Distances are great-circle distances on a sphere of radius
// orb.EarthRadius (6,378,137 m) computed with the haversine formula
// (R. W. Sinnott, "Virtues of the Haversine", Sky and Telescope 68(2), 1984):
//
//	h = sin²(Δφ/2) + cos φ₁ · cos φ₂ · sin²(Δλ/2)
//	d = 2R · asin(√h)
//
// At Baoshan's latitude (about 25° N) the spherical model differs from the
// WGS84 ellipsoid by well under 0.5 %, far less than the uncertainty of the
// travel model below.
//
// # Travel model
//
// Until a routing engine is plugged in, travel time is estimated from the
// straight-line distance:
//
//	minutes = distance_km × detour / speed_kmh × 60
//
// where detour is the ratio of road distance to straight-line distance
// (default 1.3, a common value for rural road networks; mountainous Baoshan
// can configure more) and speed_kmh is the speed for the resource's access
// road class from Travel.SpeedKmh, or Travel.DefaultKmh (default 40 km/h)
// when the class is unknown. Both are configuration, not facts: show them
// with the estimate.
//
// # Index
//
// NewIndex builds, per resource kind, a k-d tree over the resources'
// positions as unit vectors in three dimensions. Euclidean (chord) distance
// between unit vectors grows monotonically with great-circle distance, so the
// distance from the query to a node's bounding box is an exact lower bound of
// the great-circle distance to anything inside it — with no special cases at
// the poles or the antimeridian, which a lon/lat grid would need. Each node
// also keeps what its subtree can offer (the union of its tags, the highest
// free shelter capacity, the most of each stock item, the fastest road
// class), so Nearest runs a best-first branch-and-bound search and visits
// only nodes that could still beat the k-th result found so far.
package dispatch

import (
	"math"
	"slices"
	"strings"

	"github.com/paulmach/orb"

	"github.com/yingji/yingji/internal/geo"
)

// Resource kinds.
const (
	KindTeam      = "team"
	KindWarehouse = "warehouse"
	KindExpert    = "expert"
	KindShelter   = "shelter"
)

// Resource is something that can be sent or used: a rescue team, a warehouse, an expert, a shelter.
type Resource struct {
	Kind      string // "team", "warehouse", "expert", "shelter"
	ID        int64  // registry id
	Code      string
	Name      string
	Division  string
	Lon, Lat  float64            // WGS84
	Tags      []string           // team types, expert specialties (registry category/fields)
	Stock     map[string]float64 // warehouse: item -> quantity on hand
	Capacity  int                // shelter: places
	Occupied  int                // shelter: places taken
	RoadClass string             // optional: road class of the access road, for the speed table
}

// Free returns the shelter's free places (never negative).
func (r Resource) Free() int { return max(0, r.Capacity-r.Occupied) }

// Travel is the travel-time model: distance × Detour / speed.
type Travel struct {
	SpeedKmh   map[string]float64 // by road class
	DefaultKmh float64            // when the class is unknown (default 40)
	Detour     float64            // road distance / straight-line distance (default 1.3)
}

// Defaults of the travel model.
const (
	DefaultSpeedKmh = 40
	DefaultDetour   = 1.3
	DefaultLimit    = 10
)

// normalized returns a copy with defaults filled in and unusable speeds
// (zero, negative, NaN, infinite) dropped.
func (t Travel) normalized() Travel {
	out := Travel{DefaultKmh: t.DefaultKmh, Detour: t.Detour, SpeedKmh: map[string]float64{}}
	if !(out.DefaultKmh > 0) || math.IsInf(out.DefaultKmh, 0) {
		out.DefaultKmh = DefaultSpeedKmh
	}
	if !(out.Detour > 0) || math.IsInf(out.Detour, 0) {
		out.Detour = DefaultDetour
	}
	for class, v := range t.SpeedKmh {
		if v > 0 && !math.IsInf(v, 0) {
			out.SpeedKmh[class] = v
		}
	}
	return out
}

// Speed returns the speed in km/h used for a road class.
func (t Travel) Speed(roadClass string) float64 {
	n := t.normalized()
	return n.speed(roadClass)
}

func (t Travel) speed(roadClass string) float64 {
	if v, ok := t.SpeedKmh[roadClass]; ok && roadClass != "" {
		return v
	}
	return t.DefaultKmh
}

// Minutes returns the estimated travel time in minutes over a straight-line
// distance for a road class.
func (t Travel) Minutes(distanceKm float64, roadClass string) float64 {
	n := t.normalized()
	return distanceKm * n.Detour / n.speed(roadClass) * 60
}

// Query asks for the resources of one kind nearest to a point.
type Query struct {
	Lon, Lat     float64
	Kind         string
	Tags         []string           // any of (empty: all)
	Needs        map[string]float64 // warehouses: items needed
	FreeCapacity int                // shelters: at least this many free places
	MaxKm        float64            // 0: no limit
	Limit        int                // 0: 10
}

// Match is one ranked result.
type Match struct {
	Resource   Resource
	DistanceKm float64            // great-circle
	TravelMin  float64            // estimated
	Covers     map[string]float64 // warehouses: how much of each needed item this one can give
}

// Coverage returns the share of the need this match covers, from 0 to 1:
// the mean over the needed items of covered / needed. Items are weighed
// equally because their quantities are in different units (tonnes of rice,
// tents, boxes of water) and cannot be added up.
func (m Match) Coverage(needs map[string]float64) float64 {
	return coverage(needs, func(item string) float64 { return m.Covers[item] })
}

func coverage(needs map[string]float64, has func(string) float64) float64 {
	ns := cleanNeeds(needs)
	if len(ns) == 0 {
		return 0
	}
	sum := 0.0
	for _, n := range ns {
		sum += math.Min(math.Max(has(n.name), 0), n.qty) / n.qty
	}
	return sum / float64(len(ns))
}

// HaversineKm returns the great-circle distance in kilometres between two
// WGS84 positions (see the package documentation): geo.Distance in km.
func HaversineKm(lon1, lat1, lon2, lat2 float64) float64 {
	return geo.Distance(orb.Point{lon1, lat1}, orb.Point{lon2, lat2}) / 1000
}

// earthRadiusKm is orb.EarthRadius in kilometres.
const earthRadiusKm = 6378.137

func validLonLat(lon, lat float64) bool {
	return lon >= -180 && lon <= 180 && lat >= -90 && lat <= 90
}

// cleanTags trims, drops empty and duplicate tags.
func cleanTags(tags []string) []string {
	var out []string
	for _, t := range tags {
		t = strings.TrimSpace(t)
		if t != "" && !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return out
}
