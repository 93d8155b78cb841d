package demo

import (
	"testing"

	"github.com/yingji/yingji/internal/models/fwi"
	"github.com/yingji/yingji/internal/registry"
)

// Every county has one weather station the FWI layer finds: four sensors
// of one owner (a bridge of the county seat).
func TestWeatherStations(t *testing.T) {
	_, ds := testData(t)
	ids := map[string]int64{}
	var sensors []fwi.Sensor
	for i, p := range ds.Records(registry.KMonitoringPoint) {
		owner, ok := ids[p.Owner.Code]
		if !ok {
			owner = int64(len(ids) + 1)
			ids[p.Owner.Code] = owner
		}
		a := p.Anchor()
		sensors = append(sensors, fwi.Sensor{ID: int64(i + 1), Code: p.Code, Kind: p.Category, OwnerID: owner, Division: p.Division, Lon: a[0], Lat: a[1]})
	}
	st := fwi.Stations(sensors, fwi.StationRadiusM)
	counties := map[string]bool{}
	for _, s := range st {
		counties[s.Division[:6]] = true
		if s.Grouping != "owner" || s.Rain.Code[:3] != "QL-" {
			t.Errorf("station %+v", s)
		}
	}
	if len(st) != 5 || len(counties) != 5 {
		t.Errorf("%d stations in %d counties, want one in each of 5", len(st), len(counties))
	}
}
