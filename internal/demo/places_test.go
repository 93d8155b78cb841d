package demo

import (
	"maps"
	"math"
	"slices"
	"testing"

	"github.com/paulmach/orb"

	"github.com/yingji/yingji/internal/geo"
	"github.com/yingji/yingji/internal/region"
	"github.com/yingji/yingji/internal/registry"
)

// TestEveryRecordLiesInItsCounty checks what the map and the division
// filters rely on: a record's anchor is inside the county its division
// code belongs to (city-level records anywhere in the city).
func TestEveryRecordLiesInItsCounty(t *testing.T) {
	tree, ds := testData(t)
	root := tree.Root().Code
	for _, st := range ds.Stages {
		for _, r := range st.Records {
			if _, ok := tree.Get(r.Division); !ok {
				t.Errorf("%s %s: division %q is not in the tree", st.Kind.Name, r.Code, r.Division)
				continue
			}
			d, ok := tree.Locate(r.Anchor())
			switch {
			case !ok:
				t.Errorf("%s %s: anchor %v is outside the city", st.Kind.Name, r.Code, r.Anchor())
			case r.Division == root:
			case d.Code != r.Division[:6]:
				t.Errorf("%s %s: division %s but anchor %v lies in %s", st.Kind.Name, r.Code, r.Division, r.Anchor(), d.Code)
			}
		}
	}
}

// TestThingsStayNearTheirOwners: facilities and hazard sources a few
// hundred metres from their enterprise, sensors next to what they watch.
func TestThingsStayNearTheirOwners(t *testing.T) {
	_, ds := testData(t)
	anchors := map[Ref]orb.Point{}
	for _, st := range ds.Stages {
		for _, r := range st.Records {
			anchors[Ref{st.Kind.Name, r.Code}] = r.Anchor()
		}
	}
	limits := map[string]float64{registry.KFacility: 1200, registry.KHazardSource: 500, registry.KMonitoringPoint: 300}
	for kind, limit := range limits {
		for _, r := range ds.Records(kind) {
			if r.Category == "pipeline_segment" {
				continue
			}
			if d := geo.Distance(anchors[r.Owner], r.Anchor()); d > limit+1 {
				t.Errorf("%s %s is %.0f m from its owner %s, want at most %.0f", kind, r.Code, d, r.Owner.Code, limit)
			}
		}
	}
}

func TestPipeline(t *testing.T) {
	tree, ds := testData(t)
	km := map[string]float64{}
	counties := map[string]map[string]bool{}
	for _, f := range ds.Records(registry.KFacility) {
		if f.Category != "pipeline_segment" {
			continue
		}
		ls, ok := f.Geometry.(orb.LineString)
		if !ok || len(ls) < 2 {
			t.Fatalf("segment %s has geometry %T", f.Code, f.Geometry)
		}
		for _, p := range ls {
			if _, ok := tree.Locate(p); !ok {
				t.Errorf("segment %s: vertex %v is outside the city", f.Code, p)
			}
		}
		medium := f.Attrs["medium"].(string)
		length := f.Attrs["length_km"].(float64)
		if got := lineKm(ls); math.Abs(got-length) > 0.01 {
			t.Errorf("segment %s: length_km %.3f but the line is %.3f km", f.Code, length, got)
		}
		km[medium] += length
		if counties[medium] == nil {
			counties[medium] = map[string]bool{}
		}
		counties[medium][f.Division] = true
	}
	for _, m := range pipelineMedia {
		if math.Abs(km[m.medium]-134) > 0.5 {
			t.Errorf("%s: %.2f km in the city, want 134", m.line, km[m.medium])
		}
		if want := map[string]bool{"530523": true, "530502": true}; !maps.Equal(counties[m.medium], want) {
			t.Errorf("%s runs through %v, want Longling and Longyang", m.line, counties[m.medium])
		}
	}
	// It enters in Longling from the south-west and leaves Longyang to the
	// east, towards Dali.
	line, err := (&gen{tree: tree}).clip(meander(pipelineRoute))
	if err != nil {
		t.Fatal(err)
	}
	first, last := line[0], line[len(line)-1]
	if d, _ := tree.Locate(first); d.Code != "530523" {
		t.Errorf("the line enters the city in %s, want Longling 530523", d.Code)
	}
	if d, _ := tree.Locate(last); d.Code != "530502" {
		t.Errorf("the line leaves the city from %s, want Longyang 530502", d.Code)
	}
	if !(last[0] > first[0]+0.5 && last[1] > first[1]+0.5) {
		t.Errorf("the line runs from %v to %v, want south-west to north-east", first, last)
	}
}

func TestTailingsPonds(t *testing.T) {
	_, ds := testData(t)
	points := pointsByOwner(ds)
	dry := 0
	for _, f := range ds.Records(registry.KFacility) {
		if f.Category != "tailings_pond" {
			continue
		}
		grade := f.Attrs["dam_grade"].(int64)
		want, ok := gradeDesign[int(grade)]
		if !ok {
			t.Errorf("pond %s: dam grade %d, want 2–5", f.Code, grade)
			continue
		}
		if f.Attrs["design_freeboard_m"] != want.freeboard || f.Attrs["design_beach_length_m"] != want.beach {
			t.Errorf("pond %s grade %d: design %v m / %v m, want %v / %v", f.Code, grade,
				f.Attrs["design_freeboard_m"], f.Attrs["design_beach_length_m"], want.freeboard, want.beach)
		}
		// GB 39496-2020 5.5.2.
		wantPoints := map[string]int{"surface_displacement": 4, "phreatic_line": 3, "beach_length": 1, "water_level": 1, "rainfall": 1}
		if f.Attrs["pond_type"] == "dry" {
			dry++
			wantPoints = map[string]int{"surface_displacement": 4, "phreatic_line": 2, "rainfall": 1}
		}
		if got := points[Ref{registry.KFacility, f.Code}]; !maps.Equal(got, wantPoints) {
			t.Errorf("%s pond %s has points %v, want %v", f.Attrs["pond_type"], f.Code, got, wantPoints)
		}
	}
	if dry != 13 {
		t.Errorf("%d dry ponds, want 13 (a third of 39)", dry)
	}
}

func TestHazardSources(t *testing.T) {
	_, ds := testData(t)
	points := pointsByOwner(ds)
	grades := map[int64]bool{}
	for _, h := range ds.Records(registry.KHazardSource) {
		subs := h.Attrs["substances"].([]registry.Substance)
		toxic := false
		for _, s := range subs {
			if s.CAS != "" && !registry.ValidCAS(s.CAS) {
				t.Errorf("%s: %s has an invalid CAS number %s", h.Code, s.Name, s.CAS)
			}
			toxic = toxic || s.CAS == "7664-41-7" || s.CAS == "7782-50-5" || s.CAS == "67-56-1"
		}
		var prof hazardProfile
		for _, p := range hazardProfiles {
			if p.substances[0].name == subs[0].Name {
				prof = p
			}
		}
		s := 0.0
		for _, sub := range prof.substances {
			s += sub.quantity / sub.critical
		}
		if s < 1 {
			t.Errorf("%s: S = %.2f is below 1, so it is no major hazard source", h.Code, s)
		}
		r, grade := prof.rValue()
		if h.Attrs["grade"] != int64(grade) || h.Attrs["r_value"] != round(r, 1) {
			t.Errorf("%s: grade %v R %v, want %d and %.1f", h.Code, h.Attrs["grade"], h.Attrs["r_value"], grade, r)
		}
		grades[int64(grade)] = true
		got := points[Ref{registry.KHazardSource, h.Code}]
		if got["temperature"] == 0 {
			t.Errorf("%s: no temperature points: %v", h.Code, got)
		}
		if toxic != (got["toxic_gas"] > 0) {
			t.Errorf("%s: toxic %v but toxic-gas points %v", h.Code, toxic, got)
		}
		if h.Category != "fireworks" && got["combustible_gas"]+got["toxic_gas"] == 0 {
			t.Errorf("%s: no gas detectors: %v", h.Code, got)
		}
	}
	if len(grades) != 4 {
		t.Errorf("grades %v, want all of 1–4", grades)
	}
}

func TestMonitoringPoints(t *testing.T) {
	_, ds := testData(t)
	for _, p := range ds.Records(registry.KMonitoringPoint) {
		unit, _ := p.Attrs["unit"].(string)
		if !slices.Contains(registry.PointUnits[p.Category], unit) {
			t.Errorf("%s: unit %q is not allowed for %s", p.Code, unit, p.Category)
		}
		if iv := p.Attrs["interval_s"].(int64); iv < 60 || iv > 600 {
			t.Errorf("%s: interval %d s, want 60–600", p.Code, iv)
		}
		if lo, hi := p.Attrs["range_min"].(float64), p.Attrs["range_max"].(float64); lo >= hi {
			t.Errorf("%s: range %g–%g", p.Code, lo, hi)
		}
	}
	monitored := 0
	for owner, kinds := range pointsByOwner(ds) {
		if owner.Kind != registry.KGeohazardPoint {
			continue
		}
		monitored++
		if !maps.Equal(kinds, map[string]int{"displacement": 1, "rainfall": 1}) {
			t.Errorf("geohazard point %s has points %v", owner.Code, kinds)
		}
	}
	if want := 160; monitored != want {
		t.Errorf("%d geohazard points are monitored, want %d (10 %% of 1596)", monitored, want)
	}
}

// pointsByOwner counts the monitoring points of each owner by kind.
func pointsByOwner(ds *Dataset) map[Ref]map[string]int {
	out := map[Ref]map[string]int{}
	for _, p := range ds.Records(registry.KMonitoringPoint) {
		if out[p.Owner] == nil {
			out[p.Owner] = map[string]int{}
		}
		out[p.Owner][p.Category]++
	}
	return out
}

func TestGeohazardSpread(t *testing.T) {
	_, ds := testData(t)
	perCounty := map[string]int{}
	for _, g := range ds.Records(registry.KGeohazardPoint) {
		perCounty[g.Division[:6]]++
		if n := g.Attrs["threatened_people"].(int64); n < 0 || n > 500 {
			t.Errorf("%s threatens %d people, want 0–500", g.Code, n)
		}
	}
	// By area: Tengchong, Longyang, Changning, Longling, Shidian.
	order := []string{"530581", "530502", "530524", "530523", "530521"}
	for i := 1; i < len(order); i++ {
		if perCounty[order[i-1]] <= perCounty[order[i]] {
			t.Errorf("geohazard points per county %v are not in the order of area %v", perCounty, order)
		}
	}
}

func TestEveryCountyHasEveryResource(t *testing.T) {
	tree, ds := testData(t)
	kinds := []string{registry.KRescueTeam, registry.KWarehouse, registry.KExpert, registry.KShelter, registry.KVehicle}
	types := map[string]map[string]bool{}
	for _, k := range kinds {
		types[k] = map[string]bool{}
		for _, c := range tree.List(region.County) {
			n := 0
			for _, r := range ds.Records(k) {
				if r.Division[:min(6, len(r.Division))] == c.Code {
					n++
					types[k][r.Category] = true
				}
			}
			if n == 0 {
				t.Errorf("%s %s has no %s", c.Code, c.Name, k)
			}
			if k == registry.KRescueTeam && (n < 2 || n > 6) {
				t.Errorf("%s %s has %d rescue teams, want 2–6", c.Code, c.Name, n)
			}
		}
	}
	for _, k := range []*registry.Kind{registry.RescueTeam, registry.Expert, registry.Shelter} {
		for _, o := range k.Categories {
			if !types[k.Name][o.Value] {
				t.Errorf("no %s of type %s anywhere", k.Name, o.Value)
			}
		}
	}
	city := 0
	for _, w := range ds.Records(registry.KWarehouse) {
		if w.Category == "city" && w.Division == "530500" {
			city++
		}
		stock := w.Attrs["stock"].([]registry.StockLine)
		if len(stock) < 5 {
			t.Errorf("warehouse %s holds only %v", w.Code, stock)
		}
	}
	if city != 1 {
		t.Errorf("%d city warehouses, want 1", city)
	}
}
