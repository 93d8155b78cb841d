package incident

import (
	"testing"
	"time"
)

func find(ds []Deadline, kind string) Deadline {
	for _, d := range ds {
		if d.Kind == kind {
			return d
		}
	}
	return Deadline{}
}

func TestDeadlinesDecree493(t *testing.T) {
	occurred := time.Date(2026, 11, 28, 1, 0, 0, 0, time.UTC)
	received := occurred.Add(20 * time.Minute)
	c := Clocks{OccurredAt: occurred, ReceivedAt: received, Level: Large, Open: true}

	// 50 minutes after the event: the 1-hour clock has 10 minutes left.
	now := occurred.Add(50 * time.Minute)
	ds := Deadlines(c, Decree493Policy, now)
	ini := find(ds, DInitial)
	if !ini.Due.Equal(occurred.Add(time.Hour)) || ini.Overdue || ini.Remaining != 600 {
		t.Errorf("initial: due %v overdue %v remaining %d", ini.Due, ini.Overdue, ini.Remaining)
	}
	if on := find(ds, DOnward); !on.Due.Equal(received.Add(2 * time.Hour)) {
		t.Errorf("onward due %v", on.Due)
	}
	if NextDue(ds) != occurred.Add(time.Hour) {
		t.Errorf("next due %v", NextDue(ds))
	}

	// 61 minutes: overdue.
	now = occurred.Add(61 * time.Minute)
	if ini := find(Deadlines(c, Decree493Policy, now), DInitial); !ini.Overdue || ini.Remaining != -60 {
		t.Errorf("at 61 min: overdue %v remaining %d", ini.Overdue, ini.Remaining)
	}
	// made at 55 minutes: done, never overdue.
	at := occurred.Add(55 * time.Minute)
	c.InitialAt = &at
	ini = find(Deadlines(c, Decree493Policy, now), DInitial)
	if !ini.Done || ini.Overdue {
		t.Errorf("reported initial: done %v overdue %v", ini.Done, ini.Overdue)
	}
	// the next running clock is the onward report.
	if NextDue(Deadlines(c, Decree493Policy, now)) != received.Add(2*time.Hour) {
		t.Error("next due does not move on to the onward report")
	}

	// the casualty window: 30 days, a window that closes, never overdue.
	w := find(Deadlines(c, Decree493Policy, occurred.Add(31*24*time.Hour)), DCasualty)
	if !w.Due.Equal(occurred.Add(30*24*time.Hour)) || w.Overdue || !w.Done {
		t.Errorf("casualty window %+v", w)
	}
}

func TestFollowUpInterval(t *testing.T) {
	occurred := time.Date(2026, 11, 28, 1, 0, 0, 0, time.UTC)
	c := Clocks{OccurredAt: occurred, ReceivedAt: occurred, Level: Large, Open: true}
	if f := find(Deadlines(c, Decree493Policy, occurred), DFollowUp); !f.Due.Equal(occurred.Add(24 * time.Hour)) {
		t.Errorf("较大 follow-up due %v", f.Due)
	}
	c.Level = Major
	last := occurred.Add(3 * time.Hour)
	c.LastReportAt = &last
	if f := find(Deadlines(c, Decree493Policy, occurred), DFollowUp); !f.Due.Equal(last.Add(12 * time.Hour)) {
		t.Errorf("重大 follow-up due %v, want 12 h after the last report", f.Due)
	}
	c.Open = false
	ds := Deadlines(c, Decree493Policy, occurred.Add(100*time.Hour))
	if find(ds, DFollowUp).Kind != "" {
		t.Error("a closed incident still has a follow-up clock")
	}
	for _, d := range ds {
		if d.Overdue {
			t.Errorf("closed incident: %s overdue", d.Kind)
		}
	}
}

func TestSevenDayWindowForRoadAndFire(t *testing.T) {
	c, err := NewCatalog(SeedTypes())
	if err != nil {
		t.Fatal(err)
	}
	for code, days := range map[string]int{"accident.road_traffic": 7, "accident.fire": 7, "accident.hazchem.leak": 30, "natural.geohazard": 30} {
		if got := c.Policy(code).CasualtyWindow; got != time.Duration(days)*24*time.Hour {
			t.Errorf("%s: window %v, want %d days", code, got, days)
		}
	}
}

func TestPolicyJSON(t *testing.T) {
	p := Decree493Policy
	b, err := p.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	var q DeadlinePolicy
	if err := q.UnmarshalJSON(b); err != nil {
		t.Fatal(err)
	}
	if q != p {
		t.Errorf("round trip: %+v", q)
	}
	if err := q.UnmarshalJSON([]byte(`{"initial":"soon"}`)); err == nil {
		t.Error("bad duration accepted")
	}
}
