package demo

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/yingji/yingji/internal/core"
	"github.com/yingji/yingji/internal/region"
	"github.com/yingji/yingji/internal/registry"
	"github.com/yingji/yingji/internal/store"
)

// fakeCreator hands out IDs like a store and checks what a store would:
// owners must be records it created before, of a kind allowed to own.
type fakeCreator struct {
	t       *testing.T
	next    int64
	kindOf  map[int64]string
	batches []int
	failAt  int // fail the call with this 1-based number; 0 never
}

func (f *fakeCreator) Create(_ context.Context, k *registry.Kind, inputs []*registry.Input) ([]*registry.Object, error) {
	f.batches = append(f.batches, len(inputs))
	if len(f.batches) == f.failAt {
		return nil, errors.New("disk full")
	}
	out := make([]*registry.Object, len(inputs))
	for i, in := range inputs {
		if in.OwnerID != 0 && !slices.Contains(k.Owners, f.kindOf[in.OwnerID]) {
			f.t.Errorf("%s %s: owner %d is a %q", k.Name, in.Code, in.OwnerID, f.kindOf[in.OwnerID])
		}
		o := in.Object
		f.next++
		o.ID = f.next
		f.kindOf[o.ID] = k.Name
		out[i] = &o
	}
	return out, nil
}

func TestLoadResolvesOwnersInBatches(t *testing.T) {
	tree, ds := testData(t)
	f := &fakeCreator{t: t, kindOf: map[int64]string{}}
	sum, err := Load(context.Background(), f, tree, DefaultSeed)
	if err != nil {
		t.Fatal(err)
	}
	if want := ds.Summary(); !maps.Equal(sum.Kinds, want.Kinds) || !maps.Equal(sum.Industries, want.Industries) {
		t.Errorf("Load summary %v, want %v", sum, want)
	}
	if int(f.next) != sumKinds(ds) {
		t.Errorf("created %d records, want %d", f.next, sumKinds(ds))
	}
	for i, n := range f.batches {
		if n < 1 || n > batchSize {
			t.Errorf("batch %d has %d records, want 1–%d", i+1, n, batchSize)
		}
	}
	// 1,098 enterprises and 1,596 geohazard points need two batches each.
	if len(f.batches) != len(ds.Stages)+2 {
		t.Errorf("%d batches %v, want %d", len(f.batches), f.batches, len(ds.Stages)+2)
	}
}

func TestLoadStopsAtTheFirstError(t *testing.T) {
	tree, _ := testData(t)
	f := &fakeCreator{t: t, kindOf: map[int64]string{}, failAt: 3}
	sum, err := Load(context.Background(), f, tree, DefaultSeed)
	if err == nil || !strings.Contains(err.Error(), "disk full") || !strings.Contains(err.Error(), registry.KFacility) {
		t.Fatalf("Load error = %v, want the creator's error naming the facility stage", err)
	}
	// Both enterprise batches went through; nothing after the failure.
	if sum.Kinds[registry.KEnterprise] != 1098 || sum.Kinds[registry.KFacility] != 0 || len(f.batches) != 3 {
		t.Errorf("after the failure: summary %v, %d calls", sum, len(f.batches))
	}
}

// TestLoadIntoSQLite loads the data set through the registry service into
// a real SQLite file, as the platform does on first start.
func TestLoadIntoSQLite(t *testing.T) {
	if testing.Short() {
		t.Skip("loads about 4,000 records into SQLite")
	}
	tree, ds := testData(t)
	ctx := core.WithActor(context.Background(), core.SystemActor)
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "y.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	bounds, _, err := region.ParseBoundaries(region.BaoshanBoundaries())
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := db.ImportDivisions(ctx, tree.All(), bounds); err != nil {
		t.Fatal(err)
	}
	svc := &registry.Service{Store: db, Regions: func() registry.Regions { return tree }}

	start := time.Now()
	sum, err := Load(ctx, svc, tree, DefaultSeed)
	took := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("Load took %v: %v", took.Round(time.Millisecond), sum)

	count := func(f registry.Filter) int {
		t.Helper()
		_, n, err := db.ListObjects(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	want := ds.Summary()
	for _, k := range kindOrder {
		if got := count(registry.Filter{Kind: k}); got != want.Kinds[k] {
			t.Errorf("%d %s records stored, want %d", got, k, want.Kinds[k])
		}
	}
	checks := []struct {
		f    registry.Filter
		want int
	}{
		{registry.Filter{Kind: registry.KEnterprise, Categories: []string{"non_coal_mine"}}, 231},
		{registry.Filter{Kind: registry.KEnterprise, Categories: []string{"fireworks_retailer"}}, 490},
		{registry.Filter{Kind: registry.KFacility, Categories: []string{"tailings_pond"}}, 39},
		{registry.Filter{Kind: registry.KHazardSource}, 7},
		{registry.Filter{Kind: registry.KGeohazardPoint}, 1596},
		{registry.Filter{Kind: registry.KGeohazardPoint, Division: "530581"}, 475},
		{registry.Filter{Kind: registry.KRescueTeam, Division: "530523"}, len(inCounty(ds, registry.KRescueTeam, "530523"))},
	}
	for _, c := range checks {
		if got := count(c.f); got != c.want {
			t.Errorf("%+v: %d records, want %d", c.f, got, c.want)
		}
	}

	// Monitoring points reach their enterprise through their owner.
	ponds, _, err := db.ListObjects(ctx, registry.Filter{Kind: registry.KFacility, Categories: []string{"tailings_pond"}, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	pondOwner := map[int64]int64{}
	for _, p := range ponds {
		pondOwner[p.ID] = p.OwnerID
	}
	points, n, err := db.ListObjects(ctx, registry.Filter{Kind: registry.KMonitoringPoint, Limit: 10000})
	if err != nil {
		t.Fatal(err)
	}
	if n != len(points) || n != want.Kinds[registry.KMonitoringPoint] {
		t.Fatalf("listed %d of %d monitoring points, want %d", len(points), n, want.Kinds[registry.KMonitoringPoint])
	}
	onPonds := 0
	for _, p := range points {
		if p.OwnerID == 0 {
			t.Errorf("monitoring point %s has no owner", p.Code)
		}
		if ent, ok := pondOwner[p.OwnerID]; ok {
			onPonds++
			if p.EnterpriseID != ent {
				t.Errorf("pond point %s belongs to enterprise %d, its pond to %d", p.Code, p.EnterpriseID, ent)
			}
		}
	}
	if onPonds != 26*10+13*7 {
		t.Errorf("%d points on tailings ponds, want %d", onPonds, 26*10+13*7)
	}

	// Loading again stores nothing: the codes are taken.
	if _, err := Load(ctx, svc, tree, DefaultSeed); core.ErrorCode(err) != core.ECONFLICT {
		t.Errorf("second Load: %v, want a conflict", err)
	}
	if got := count(registry.Filter{Kind: registry.KEnterprise}); got != 1098 {
		t.Errorf("%d enterprises after the second Load, want 1098", got)
	}
}

func inCounty(ds *Dataset, kind, county string) []*Record {
	var out []*Record
	for _, r := range ds.Records(kind) {
		if strings.HasPrefix(r.Division, county) {
			out = append(out, r)
		}
	}
	return out
}

// TestCountsPerCounty logs the split the data set uses, for the record.
func TestCountsPerCounty(t *testing.T) {
	tree, ds := testData(t)
	total := 0
	for _, c := range tree.List(region.County) {
		total += len(inCounty(ds, registry.KEnterprise, c.Code))
		var parts []string
		for _, k := range kindOrder {
			parts = append(parts, fmt.Sprintf("%s %d", k, len(inCounty(ds, k, c.Code))))
		}
		ind := map[string]int{}
		for _, e := range inCounty(ds, registry.KEnterprise, c.Code) {
			ind[e.Category]++
		}
		var inds []string
		for _, o := range registry.Industries {
			if ind[o.Value] > 0 {
				inds = append(inds, fmt.Sprintf("%s %d", o.Value, ind[o.Value]))
			}
		}
		t.Logf("%s %s: %s; %s", c.Code, c.Name, strings.Join(parts, ", "), strings.Join(inds, ", "))
	}
	if total != 1098 {
		t.Errorf("the counties hold %d enterprises, want all 1098", total)
	}
}
