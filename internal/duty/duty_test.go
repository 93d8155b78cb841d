package duty

import (
	"context"
	"testing"
	"time"

	"github.com/yingji/yingji/internal/core"
	"github.com/yingji/yingji/internal/region"
)

func TestShiftCovers(t *testing.T) {
	s := &Shift{Start: time.Date(2026, 11, 28, 0, 30, 0, 0, time.UTC), End: time.Date(2026, 11, 29, 0, 30, 0, 0, time.UTC)}
	for _, c := range []struct {
		at   time.Time
		want bool
	}{{s.Start, true}, {s.Start.Add(-time.Second), false}, {s.End.Add(-time.Second), true}, {s.End, false}} {
		if got := s.Covers(c.at); got != c.want {
			t.Errorf("Covers(%v) = %v, want %v (start inclusive, end exclusive)", c.at, got, c.want)
		}
	}
}

func TestParseDate(t *testing.T) {
	got, err := ParseDate("from", "2026-11-28")
	// Midnight in Beijing is 16:00 UTC the day before.
	if err != nil || !got.Equal(time.Date(2026, 11, 27, 16, 0, 0, 0, time.UTC)) {
		t.Fatalf("ParseDate = %v, %v", got, err)
	}
	for _, bad := range []string{"", "2026-13-01", "28.11.2026", "2026-11-28T00:00"} {
		if _, err := ParseDate("from", bad); core.ErrorCode(err) != core.EINVALID || core.ErrorFields(err)[0].Field != "from" {
			t.Errorf("ParseDate(%q): %v", bad, err)
		}
	}
}

func TestScopeOfRequests(t *testing.T) {
	tree, err := region.Baoshan()
	if err != nil {
		t.Fatal(err)
	}
	s := &Service{Regions: func() *region.Tree { return tree }}
	county := core.WithActor(context.Background(), &core.Actor{UserID: 1, Username: "ly", Role: "duty_officer", Division: "530502"})
	cases := []struct {
		ctx  context.Context
		code string
		want string
		err  string
	}{
		{county, "", "530502", ""},
		{county, "530502001", "530502001", ""},
		{county, "530581", "", core.EFORBIDDEN},
		{county, "530500", "", core.EFORBIDDEN},
		{county, "123456", "", core.EINVALID},
		{context.Background(), "", "", core.EUNAUTHORIZED},
		{core.WithActor(context.Background(), &core.Actor{UserID: 2, Role: "enterprise", Division: "530502", EnterpriseID: 9}), "", "", core.EFORBIDDEN},
		{core.WithActor(context.Background(), core.SystemActor), "", "530500", ""},
	}
	for i, c := range cases {
		got, err := s.scoped(c.ctx, "division", c.code)
		if got != c.want || core.ErrorCode(err) != c.err {
			t.Errorf("case %d (%q): %q, %v; want %q, %s", i, c.code, got, err, c.want, c.err)
		}
	}
}

func TestExpectedDivisions(t *testing.T) {
	tree, err := region.Baoshan()
	if err != nil {
		t.Fatal(err)
	}
	s := &Service{Regions: func() *region.Tree { return tree }}
	city := s.expected("530500", region.County)
	if len(city) != 6 || city[0].Code != "530500" {
		t.Fatalf("the city and its five counties file reports, got %d: %v", len(city), city)
	}
	for _, d := range city[1:] {
		if d.Level != region.County {
			t.Errorf("%s is %s, not a county", d.Code, d.Level)
		}
	}
	if got := s.expected("530502", region.County); len(got) != 1 {
		t.Errorf("a county alone: %d", len(got))
	}
	if got := s.expected("530502", region.Township); len(got) != 1+len(tree.Children("530502")) {
		t.Errorf("a county and its townships: %d", len(got))
	}
}

// FuzzParseDate: a date that parses is a Beijing midnight and formats back
// to itself; anything else is an EINVALID error naming the field.
func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"2026-11-28", "2026-02-29", "2024-02-29", "0000-01-01", "2026-1-2", "", "２０２６-11-28"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseDate("date", s)
		if err != nil {
			if core.ErrorCode(err) != core.EINVALID || core.ErrorFields(err)[0].Field != "date" {
				t.Fatalf("%q: %v", s, err)
			}
			return
		}
		bj := got.In(Beijing)
		if bj.Format(DateLayout) != s || bj.Hour() != 0 || bj.Minute() != 0 || got.Location() != time.UTC {
			t.Fatalf("%q parsed as %v", s, got)
		}
	})
}
