package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/yingji/yingji/internal/alarm"
	"github.com/yingji/yingji/internal/audit"
	"github.com/yingji/yingji/internal/auth"
	"github.com/yingji/yingji/internal/core"
	"github.com/yingji/yingji/internal/duty"
	"github.com/yingji/yingji/internal/region"
	"github.com/yingji/yingji/internal/store"
)

// bj is a time in Beijing.
func dutyBJ(day, hour, minute int) time.Time {
	return time.Date(2026, 11, day, hour, minute, 0, 0, duty.Beijing).UTC()
}

type dutyFixture struct {
	svc                  *duty.Service
	now                  time.Time
	leader, o1, o2, tc   *auth.User
	disabled, enterprise *auth.User
}

func (f *dutyFixture) as(u *auth.User) context.Context {
	return core.WithActor(context.Background(), &core.Actor{UserID: u.ID, Username: u.Username, Role: u.Role, Division: u.Division, EnterpriseID: u.EnterpriseID})
}

func newDutyFixture(t *testing.T, db *store.DB, tree *region.Tree) *dutyFixture {
	f := &dutyFixture{now: dutyBJ(28, 10, 0)}
	f.svc = &duty.Service{Store: db, Alarms: db, Regions: func() *region.Tree { return tree }, Clock: func() time.Time { return f.now }}
	mk := func(name, display, role, div string, disabled bool) *auth.User {
		u := &auth.User{Username: name, DisplayName: display, PasswordHash: "x", Role: role, Division: div, Disabled: disabled,
			CreatedAt: f.now, UpdatedAt: f.now, PasswordChangedAt: f.now}
		if err := db.CreateUser(sysCtx, u); err != nil {
			t.Fatal(err)
		}
		return u
	}
	f.leader = mk("wang", "王局长", "commander", "530500", false)
	f.o1 = mk("li", "李值班", "duty_officer", longyang, false)
	f.o2 = mk("zhao", "", "duty_officer", longyang, false)
	f.tc = mk("tc", "腾冲值班员", "duty_officer", tengchong, false)
	f.disabled = mk("gone", "已停用", "duty_officer", longyang, true)
	return f
}

func dutyFields(err error) map[string]bool {
	out := map[string]bool{}
	for _, fe := range core.ErrorFields(err) {
		out[fe.Field] = true
	}
	return out
}

func TestDutyRoster(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *store.DB, tree *region.Tree) {
		f := newDutyFixture(t, db, tree)
		ctx := f.as(f.leader)
		day, err := f.svc.CreateShift(ctx, duty.ShiftInput{Division: longyang, Name: "白班", Start: dutyBJ(28, 8, 30), End: dutyBJ(28, 20, 30),
			LeaderID: f.leader.ID, OfficerIDs: []int64{f.o1.ID, f.o2.ID}, Phone: "0875-2222110"})
		if err != nil {
			t.Fatal(err)
		}
		if day.Date != "2026-11-28" || day.Version != 1 || day.Leader.Name != "王局长" || len(day.Officers) != 2 || day.Officers[1].Name != "zhao" {
			t.Fatalf("created %+v", day)
		}
		got, err := f.svc.Shift(ctx, day.ID)
		if err != nil || got.Leader.Username != "wang" || len(got.Officers) != 2 || got.Officers[0].Username != "li" || got.Officers[1].Name != "zhao" {
			t.Fatalf("read back %+v, %v", got, err)
		}

		t.Run("overlap refused", func(t *testing.T) {
			_, err := f.svc.CreateShift(ctx, duty.ShiftInput{Division: longyang, Name: "夜班", Start: dutyBJ(28, 20, 0), End: dutyBJ(29, 8, 30), LeaderID: f.leader.ID, OfficerIDs: []int64{f.o2.ID}})
			if core.ErrorCode(err) != core.EINVALID || !dutyFields(err)["start"] {
				t.Fatalf("overlapping shift: %v", err)
			}
		})
		night, err := f.svc.CreateShift(ctx, duty.ShiftInput{Division: longyang, Name: "夜班", Start: dutyBJ(28, 20, 30), End: dutyBJ(29, 8, 30), LeaderID: f.leader.ID, OfficerIDs: []int64{f.o2.ID}})
		if err != nil {
			t.Fatal(err)
		}
		// another division may have a shift at the same time.
		if _, err := f.svc.CreateShift(ctx, duty.ShiftInput{Division: tengchong, Start: dutyBJ(28, 8, 30), End: dutyBJ(29, 8, 30), LeaderID: f.leader.ID, OfficerIDs: []int64{f.tc.ID}}); err != nil {
			t.Fatal(err)
		}

		t.Run("validation names every field", func(t *testing.T) {
			_, err := f.svc.CreateShift(ctx, duty.ShiftInput{Division: "999999", Start: dutyBJ(30, 8, 0), End: dutyBJ(30, 7, 0), OfficerIDs: []int64{f.o1.ID, f.o1.ID}})
			want := []string{"division_code", "end", "leader_id", "officer_ids"}
			for _, w := range want {
				if !dutyFields(err)[w] {
					t.Errorf("missing field %s in %v", w, err)
				}
			}
			_, err = f.svc.CreateShift(ctx, duty.ShiftInput{Division: longyang, Start: dutyBJ(30, 8, 0), End: dutyBJ(31, 9, 0), LeaderID: f.o1.ID,
				OfficerIDs: []int64{f.o1.ID, f.tc.ID, f.disabled.ID, 987654}})
			fs := dutyFields(err)
			if !fs["end"] || !fs["officer_ids"] || len(core.ErrorFields(err)) != 5 {
				t.Errorf("too long, leader as officer, outsider, disabled, unknown: %v", err)
			}
		})

		t.Run("optimistic versioning", func(t *testing.T) {
			in := duty.ShiftInput{Name: "白班（调整）", Start: dutyBJ(28, 8, 0), End: dutyBJ(28, 20, 30), LeaderID: f.leader.ID, OfficerIDs: []int64{f.o2.ID, f.o1.ID}, Version: 1}
			up, err := f.svc.UpdateShift(ctx, day.ID, in)
			if err != nil {
				t.Fatal(err)
			}
			if up.Version != 2 || up.Division != longyang || up.Officers[0].UserID != f.o2.ID {
				t.Fatalf("updated %+v", up)
			}
			if _, err := f.svc.UpdateShift(ctx, day.ID, in); core.ErrorCode(err) != core.ECONFLICT {
				t.Fatalf("stale update: %v, want conflict", err)
			}
			in.Version = 0
			if _, err := f.svc.UpdateShift(ctx, day.ID, in); !dutyFields(err)["version"] {
				t.Fatalf("update without version: %v", err)
			}
			if err := f.svc.DeleteShift(ctx, night.ID, 7); core.ErrorCode(err) != core.ECONFLICT {
				t.Fatalf("stale delete: %v", err)
			}
		})

		t.Run("week view and scope", func(t *testing.T) {
			all, err := f.svc.Shifts(ctx, "", "2026-11-23", "2026-11-29")
			if err != nil || len(all) != 3 {
				t.Fatalf("city view: %d shifts, %v", len(all), err)
			}
			ly, err := f.svc.Shifts(ctx, longyang, "2026-11-28", "2026-11-28")
			if err != nil || len(ly) != 2 || ly[0].ID != day.ID || ly[1].ID != night.ID {
				t.Fatalf("隆阳 on the 28th: %+v, %v", ly, err)
			}
			tcCtx := f.as(f.tc)
			if _, err := f.svc.Shift(tcCtx, day.ID); core.ErrorCode(err) != core.ENOTFOUND {
				t.Errorf("腾冲 reads 隆阳's shift: %v", err)
			}
			if _, err := f.svc.Shifts(tcCtx, longyang, "2026-11-28", "2026-11-28"); core.ErrorCode(err) != core.EFORBIDDEN {
				t.Errorf("腾冲 lists 隆阳: %v", err)
			}
			own, err := f.svc.Shifts(tcCtx, "", "2026-11-28", "2026-11-28")
			if err != nil || len(own) != 1 || own[0].Division != tengchong {
				t.Errorf("腾冲's own view: %+v, %v", own, err)
			}
			if _, err := f.svc.CreateShift(tcCtx, duty.ShiftInput{Division: longyang, Start: dutyBJ(30, 8, 0), End: dutyBJ(30, 20, 0), LeaderID: f.tc.ID, OfficerIDs: []int64{f.o1.ID}}); core.ErrorCode(err) != core.EFORBIDDEN {
				t.Errorf("腾冲 creates a 隆阳 shift: %v", err)
			}
			if _, err := f.svc.Shifts(ctx, "", "2026-11-29", "2026-11-28"); !dutyFields(err)["to"] {
				t.Errorf("reversed range: %v", err)
			}
			if _, err := f.svc.Shifts(ctx, "", "28/11/2026", ""); !dutyFields(err)["from"] || !dutyFields(err)["to"] {
				t.Errorf("bad dates: %v", err)
			}
		})

		t.Run("team on duty now", func(t *testing.T) {
			teams, err := f.svc.Now(ctx, "")
			if err != nil || len(teams) != 2 || teams[0].Division != longyang || teams[0].Shift.ID != day.ID || teams[0].DivisionName != "隆阳区" || teams[1].Division != tengchong {
				t.Fatalf("at 10:00: %+v, %v", teams, err)
			}
			f.now = dutyBJ(28, 20, 30) // the night shift begins exactly now
			teams, err = f.svc.Now(ctx, longyang)
			if err != nil || len(teams) != 1 || teams[0].Shift.ID != night.ID {
				t.Fatalf("at 20:30: %+v, %v", teams, err)
			}
			f.now = dutyBJ(29, 9, 0)
			teams, _ = f.svc.Now(ctx, longyang)
			if len(teams) != 0 {
				t.Fatalf("nobody is on duty at 09:00 on the 29th, got %+v", teams)
			}
			f.now = dutyBJ(28, 10, 0)
		})

		t.Run("people", func(t *testing.T) {
			ps, err := f.svc.People(ctx, longyang)
			if err != nil {
				t.Fatal(err)
			}
			names := map[string]bool{}
			for _, p := range ps {
				names[p.Username] = true
			}
			if !names["wang"] || !names["li"] || !names["zhao"] || names["tc"] || names["gone"] {
				t.Fatalf("people of 隆阳: %v", names)
			}
		})

		entries, err := db.ListAudit(sysCtx, audit.Filter{Entity: "duty_shift"})
		if err != nil || len(entries) != 4 {
			t.Fatalf("audit: %d duty_shift entries (3 creates, 1 update), %v", len(entries), err)
		}
	})
}

func TestDutyHandover(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *store.DB, tree *region.Tree) {
		f := newDutyFixture(t, db, tree)
		asvc := &alarm.Service{Store: db, Policy: alarm.DefaultPolicy()}
		if _, err := asvc.Apply(sysCtx, alarm.Change{Point: testPoint(0), Rule: "threshold", Kind: "threshold", Level: alarm.Orange, At: f.now.Add(-time.Hour), Value: 2.5}); err != nil {
			t.Fatal(err)
		}
		ctx := f.as(f.o1)
		if _, err := f.svc.Handover(ctx, duty.HandoverInput{Division: longyang, IncomingID: f.o1.ID}); !dutyFields(err)["incoming_id"] {
			t.Fatalf("handover to oneself: %v", err)
		}
		if _, err := f.svc.Handover(ctx, duty.HandoverInput{Division: longyang, IncomingID: f.tc.ID, ShiftID: 999}); !dutyFields(err)["incoming_id"] || !dutyFields(err)["shift_id"] {
			t.Fatalf("handover to an outsider, unknown shift: %v", err)
		}
		h, err := f.svc.Handover(ctx, duty.HandoverInput{Division: longyang, IncomingID: f.o2.ID, Open: "化工园区泄漏事件仍在处置", Watch: "夜间有暴雨预警，注意地灾隐患点"})
		if err != nil {
			t.Fatal(err)
		}
		if h.OpenAlarms != 1 || len(h.Alarms) != 1 || h.Alarms[0].Level != "orange" || h.Outgoing.Name != "李值班" || h.Incoming.Username != "zhao" {
			t.Fatalf("handover %+v", h)
		}
		// the snapshot does not change when the alarm does.
		as, _, _ := db.ListAlarms(sysCtx, alarm.Filter{})
		if _, err := asvc.Act(sysCtx, as[0].ID, alarm.Action{Kind: "acknowledge"}, f.now); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.AcceptHandover(ctx, h.ID); core.ErrorCode(err) != core.EFORBIDDEN {
			t.Fatalf("accepted by the outgoing officer: %v", err)
		}
		f.now = f.now.Add(5 * time.Minute)
		acc, err := f.svc.AcceptHandover(f.as(f.o2), h.ID)
		if err != nil || acc.AcceptedAt == nil || !acc.AcceptedAt.Equal(f.now) {
			t.Fatalf("accept: %+v, %v", acc, err)
		}
		if _, err := f.svc.AcceptHandover(f.as(f.o2), h.ID); core.ErrorCode(err) != core.ECONFLICT {
			t.Fatalf("second accept: %v", err)
		}
		log, total, err := f.svc.Handovers(f.as(f.leader), "", 10, 0)
		if err != nil || total != 1 || log[0].Alarms[0].State != "raised" || log[0].AcceptedAt == nil || log[0].Watch != "夜间有暴雨预警，注意地灾隐患点" {
			t.Fatalf("log: %+v, %d, %v", log, total, err)
		}
		if log, total, _ := f.svc.Handovers(f.as(f.tc), "", 10, 0); total != 0 || len(log) != 0 {
			t.Fatalf("腾冲 sees 隆阳's handovers: %d", total)
		}
	})
}

func TestDutyQuietReports(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *store.DB, tree *region.Tree) {
		f := newDutyFixture(t, db, tree)
		ctx := f.as(f.o1)
		q, err := f.svc.FileQuiet(ctx, duty.QuietInput{Division: longyang, Note: "辖区平安，无突发事件"})
		if err != nil || q.Date != "2026-11-28" || q.Late || q.ReportedBy.Name != "李值班" {
			t.Fatalf("today: %+v, %v", q, err)
		}
		if _, err := f.svc.FileQuiet(ctx, duty.QuietInput{Division: longyang}); core.ErrorCode(err) != core.ECONFLICT {
			t.Fatalf("second report of the day: %v", err)
		}
		if _, err := f.svc.FileQuiet(ctx, duty.QuietInput{Division: longyang, Date: "2026-11-29"}); !dutyFields(err)["date"] {
			t.Fatalf("tomorrow: %v", err)
		}
		late, err := f.svc.FileQuiet(ctx, duty.QuietInput{Division: longyang, Date: "2026-11-27"})
		if err != nil || !late.Late {
			t.Fatalf("yesterday's report is late: %+v, %v", late, err)
		}
		if _, err := f.svc.FileQuiet(ctx, duty.QuietInput{Division: tengchong}); core.ErrorCode(err) != core.EFORBIDDEN {
			t.Fatalf("filing for another county: %v", err)
		}

		reports, missing, err := f.svc.QuietReports(f.as(f.leader), "", "2026-11-26", "2026-11-30", "")
		if err != nil {
			t.Fatal(err)
		}
		// The city and its county-level divisions must file each day up to
		// today (26, 27, 28); 隆阳 filed on the 27th and 28th.
		expected := 1 + len(tree.Children("530500"))
		if len(reports) != 2 || len(missing) != expected*3-2 {
			t.Fatalf("%d reports, %d missing; want 2 and %d", len(reports), len(missing), expected*3-2)
		}
		for _, m := range missing {
			if m.Division == longyang && m.Date != "2026-11-26" || m.Date > "2026-11-28" || m.DivisionName == "" {
				t.Errorf("wrongly missing: %+v", m)
			}
		}
		_, missing, _ = f.svc.QuietReports(ctx, "", "2026-11-28", "2026-11-28", region.Township)
		if want := len(tree.Children(longyang)); len(missing) != want {
			t.Errorf("隆阳 and its townships on the 28th: %d missing, want %d (the townships)", len(missing), want)
		}
		if _, _, err := f.svc.QuietReports(ctx, "", "2026-11-28", "2026-11-20", "street"); !dutyFields(err)["level"] || !dutyFields(err)["to"] && len(core.ErrorFields(err)) < 1 {
			t.Errorf("bad level: %v", err)
		}
	})
}

func TestDutyCopyWeek(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *store.DB, tree *region.Tree) {
		f := newDutyFixture(t, db, tree)
		ctx := f.as(f.leader)
		mk := func(div string, start, end time.Time, name string, officers ...int64) *duty.Shift {
			t.Helper()
			s, err := f.svc.CreateShift(ctx, duty.ShiftInput{Division: div, Name: name, Start: start, End: end, LeaderID: f.leader.ID, OfficerIDs: officers, Phone: "0875-1"})
			if err != nil {
				t.Fatal(err)
			}
			return s
		}
		mk(longyang, dutyBJ(23, 8, 30), dutyBJ(23, 20, 30), "白班", f.o1.ID)
		mk(longyang, dutyBJ(23, 20, 30), dutyBJ(24, 8, 30), "夜班", f.o2.ID, f.o1.ID)
		mk(longyang, dutyBJ(29, 8, 30), dutyBJ(29, 20, 30), "白班", f.o1.ID) // Sunday
		mk(longyang, dutyBJ(22, 20, 30), dutyBJ(23, 8, 30), "夜班", f.o2.ID) // the Sunday before: not copied
		mk(tengchong, dutyBJ(24, 8, 30), dutyBJ(25, 8, 30), "全天", f.tc.ID) // another county: not copied
		mk(longyang, dutyBJ(30, 8, 0), dutyBJ(30, 12, 0), "加班", f.o2.ID)   // in the way of Monday's day shift

		created, skipped, err := f.svc.CopyWeek(ctx, duty.CopyInput{Division: longyang, From: "2026-11-23", To: "2026-11-30"})
		if err != nil {
			t.Fatal(err)
		}
		if len(created) != 2 || len(skipped) != 1 || skipped[0].Date != "2026-11-30" || skipped[0].Name != "白班" {
			t.Fatalf("created %d, skipped %+v; want the night of the 30th and the 6th, the day of the 30th skipped", len(created), skipped)
		}
		night := created[0]
		if night.Date != "2026-11-30" || !night.Start.Equal(dutyBJ(30, 20, 30)) || !night.End.Equal(dutyBJ(1+30, 8, 30)) ||
			len(night.Officers) != 2 || night.Officers[0].UserID != f.o2.ID || night.Phone != "0875-1" {
			t.Errorf("copied night shift %+v", night)
		}
		if created[1].Date != "2026-12-06" {
			t.Errorf("Sunday's shift copied to %s", created[1].Date)
		}
		// Copying again creates nothing: every shift is in the way of itself.
		created, skipped, err = f.svc.CopyWeek(ctx, duty.CopyInput{Division: longyang, From: "2026-11-23", To: "2026-11-30"})
		if err != nil || len(created) != 0 || len(skipped) != 3 {
			t.Fatalf("second copy: %d created, %d skipped, %v", len(created), len(skipped), err)
		}
		if _, _, err := f.svc.CopyWeek(ctx, duty.CopyInput{Division: longyang, From: "2026-11-23", To: "2026-11-23"}); !dutyFields(err)["to"] {
			t.Errorf("copy onto itself: %v", err)
		}
		if _, _, err := f.svc.CopyWeek(f.as(f.tc), duty.CopyInput{Division: longyang, From: "2026-11-23", To: "2026-11-30"}); core.ErrorCode(err) != core.EFORBIDDEN {
			t.Errorf("腾冲 copies 隆阳's roster: %v", err)
		}
	})
}
