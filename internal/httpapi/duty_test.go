package httpapi_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/yingji/yingji/internal/auth"
	"github.com/yingji/yingji/internal/core"
	"github.com/yingji/yingji/internal/duty"
	"github.com/yingji/yingji/internal/httpapi"
	"github.com/yingji/yingji/internal/httpapi/openapitest"
	"github.com/yingji/yingji/internal/region"
	"github.com/yingji/yingji/internal/store/storetest"
)

// dutyNow is the test's clock: 10:00 on 28 November 2026 in Beijing.
var dutyNow = time.Date(2026, 11, 28, 10, 0, 0, 0, duty.Beijing).UTC()

// withDuty serves the env's database again with the duty roster wired in,
// and adds duty staff.
func withDuty(t *testing.T, e *env) map[string]int64 {
	t.Helper()
	svc := &duty.Service{Store: e.db, Alarms: e.db, Regions: func() *region.Tree { return e.tree }, Clock: func() time.Time { return dutyNow }}
	api := &httpapi.Server{Registry: e.api.Registry, Auth: e.api.Auth, Regions: e.api.Regions, DB: e.db, Logger: e.api.Logger,
		Version: "test", Duty: &httpapi.Duty{Service: svc}}
	srv := httptest.NewServer(api.Handler())
	t.Cleanup(srv.Close)
	e.url, e.api = srv.URL, api
	e.v = openapitest.Load(t, e.url)
	ids := map[string]int64{}
	ctx := core.WithActor(context.Background(), core.SystemActor)
	for _, u := range []auth.UserInput{
		{Username: "ly-leader", DisplayName: "张局长", Role: "commander", Division: "530502"},
		{Username: "ly-duty1", DisplayName: "李值班", Role: "duty_officer", Division: "530502"},
		{Username: "ly-duty2", DisplayName: "赵值班", Role: "duty_officer", Division: "530502"},
		{Username: "tc-duty", DisplayName: "腾冲值班", Role: "duty_officer", Division: "530581"},
	} {
		u.Password = password
		created, err := e.api.Auth.CreateUser(ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		ids[u.Username] = created.ID
		e.login(u.Username)
	}
	return ids
}

func dutyBJTime(day, hour int) string {
	return time.Date(2026, 11, day, hour, 30, 0, 0, duty.Beijing).UTC().Format(time.RFC3339)
}

func TestDutyAPI(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		ids := withDuty(t, e)
		shift := map[string]any{"division_code": "530502", "name": "白班", "start": dutyBJTime(28, 8), "end": dutyBJTime(28, 20),
			"leader_id": ids["ly-leader"], "officer_ids": []int64{ids["ly-duty1"]}, "phone": "0875-2122110"}

		// only roster editors (duty.manage) add shifts.
		e.call("POST", "/api/v1/duty/shifts", "ly-duty1", shift, 403, nil)
		e.call("POST", "/api/v1/duty/shifts", "viewer", shift, 403, nil)
		e.call("POST", "/api/v1/duty/shifts", "", shift, 401, nil)
		var sh duty.Shift
		e.call("POST", "/api/v1/duty/shifts", "ly-leader", shift, 201, &sh)
		if sh.Date != "2026-11-28" || sh.Leader.Name != "张局长" || len(sh.Officers) != 1 || sh.Version != 1 {
			t.Fatalf("created %+v", sh)
		}

		bad := map[string]any{"division_code": "530502", "start": dutyBJTime(29, 8), "end": dutyBJTime(29, 7), "officer_ids": []int64{ids["tc-duty"]}}
		status, body, _ := e.do("POST", "/api/v1/duty/shifts", "ly-leader", bad, nil)
		p := problemOf(t, body)
		fields := map[string]bool{}
		for _, f := range p.Errors {
			fields[f.Field] = true
		}
		if status != 422 || !fields["end"] || !fields["leader_id"] || !fields["officer_ids"] {
			t.Errorf("invalid shift: %d %s", status, body)
		}
		e.call("POST", "/api/v1/duty/shifts", "ly-leader", map[string]any{"division_code": "530502", "colour": "red"}, 422, nil)

		// optimistic versioning through If-Match.
		id := strconv.FormatInt(sh.ID, 10)
		change := map[string]any{"name": "白班（延长）", "start": dutyBJTime(28, 8), "end": dutyBJTime(28, 21), "leader_id": ids["ly-leader"],
			"officer_ids": []int64{ids["ly-duty1"], ids["ly-duty2"]}}
		status, body, _ = e.do("PATCH", "/api/v1/duty/shifts/"+id, "ly-leader", change, http.Header{"If-Match": {"1"}})
		if status != 200 {
			t.Fatalf("patch: %d %s", status, body)
		}
		status, body, _ = e.do("PATCH", "/api/v1/duty/shifts/"+id, "ly-leader", change, http.Header{"If-Match": {"1"}})
		if status != 409 || problemOf(t, body).Code != "conflict" {
			t.Fatalf("stale patch: %d %s", status, body)
		}
		status, _, hdr := e.do("GET", "/api/v1/duty/shifts/"+id, "viewer", nil, nil)
		if status != 200 || hdr.Get("ETag") != "2" {
			t.Fatalf("get: %d, ETag %q", status, hdr.Get("ETag"))
		}

		var week httpapi.DutyShiftList
		e.call("GET", "/api/v1/duty/shifts", "viewer", nil, 200, &week)
		if week.From != "2026-11-23" || week.To != "2026-11-29" || week.Total != 1 || len(week.Items[0].Officers) != 2 {
			t.Fatalf("this week: %+v", week)
		}
		var now httpapi.DutyTeamList
		e.call("GET", "/api/v1/duty/now", "ly-duty2", nil, 200, &now)
		if now.Total != 1 || now.Items[0].Shift.ID != sh.ID || now.Items[0].DivisionName != "隆阳区" {
			t.Fatalf("now: %+v", now)
		}

		// another county sees none of it.
		e.call("GET", "/api/v1/duty/shifts/"+id, "tc-duty", nil, 404, nil)
		e.call("GET", "/api/v1/duty/shifts?division=530502", "tc-duty", nil, 403, nil)
		e.call("GET", "/api/v1/duty/now", "tc-duty", nil, 200, &now)
		if now.Total != 0 {
			t.Fatalf("腾冲 sees 隆阳's team: %+v", now)
		}

		var people struct{ Items []duty.Person }
		e.call("GET", "/api/v1/duty/people?division=530502", "ly-leader", nil, 200, &people)
		if len(people.Items) < 3 {
			t.Errorf("people: %+v", people)
		}

		// handover and acceptance.
		var ho duty.Handover
		e.call("POST", "/api/v1/duty/handovers", "viewer", map[string]any{"division_code": "530502", "incoming_id": ids["ly-duty2"]}, 403, nil)
		e.call("POST", "/api/v1/duty/handovers", "ly-duty1", map[string]any{"division_code": "530502", "shift_id": sh.ID, "incoming_id": ids["ly-duty2"],
			"open": "保山大道交通事故伤员转运中", "watch": "今夜大风蓝色预警"}, 201, &ho)
		if ho.Outgoing.Username != "ly-duty1" || ho.Incoming.Name != "赵值班" || ho.ShiftID != sh.ID || ho.Alarms == nil {
			t.Fatalf("handover %+v", ho)
		}
		hid := strconv.FormatInt(ho.ID, 10)
		e.call("POST", "/api/v1/duty/handovers/"+hid+"/accept", "ly-duty1", nil, 403, nil)
		e.call("POST", "/api/v1/duty/handovers/"+hid+"/accept", "ly-duty2", nil, 200, &ho)
		if ho.AcceptedAt == nil {
			t.Fatal("not accepted")
		}
		e.call("POST", "/api/v1/duty/handovers/"+hid+"/accept", "ly-duty2", nil, 409, nil)
		var log struct {
			Items []duty.Handover
			Total int
		}
		e.call("GET", "/api/v1/duty/handovers", "admin", nil, 200, &log)
		if log.Total != 1 || log.Items[0].Watch != "今夜大风蓝色预警" {
			t.Fatalf("log %+v", log)
		}

		// 报平安 once a day per division.
		var q duty.Quiet
		e.call("POST", "/api/v1/duty/quiet", "ly-duty1", map[string]any{"division_code": "530502", "note": "辖区平安"}, 201, &q)
		if q.Date != "2026-11-28" || q.Late {
			t.Fatalf("quiet %+v", q)
		}
		status, body, _ = e.do("POST", "/api/v1/duty/quiet", "ly-duty2", map[string]any{"division_code": "530502"}, nil)
		if status != 409 {
			t.Fatalf("second 报平安: %d %s", status, body)
		}
		e.call("POST", "/api/v1/duty/quiet", "ly-duty1", map[string]any{"division_code": "530502", "date": "2026-12-01"}, 422, nil)
		var ql httpapi.DutyQuietList
		e.call("GET", "/api/v1/duty/quiet?from=2026-11-28&to=2026-11-28", "admin", nil, 200, &ql)
		if ql.Total != 1 || len(ql.Missing) != len(e.tree.Children("530500")) {
			t.Fatalf("quiet list: %+v (want every county but 隆阳 and the city missing: %d)", ql, len(e.tree.Children("530500")))
		}
		e.call("GET", "/api/v1/duty/quiet?level=hamlet", "admin", nil, 422, nil)

		// copying a week: the 28th's shift lands on 5 December.
		copyIn := map[string]any{"division_code": "530502", "from": "2026-11-23", "to": "2026-11-30"}
		e.call("POST", "/api/v1/duty/shifts/copy", "ly-duty1", copyIn, 403, nil)
		var copied httpapi.DutyCopyResult
		e.call("POST", "/api/v1/duty/shifts/copy", "ly-leader", copyIn, 200, &copied)
		if len(copied.Created) != 1 || copied.Created[0].Date != "2026-12-05" || len(copied.Skipped) != 0 {
			t.Fatalf("copy: %+v", copied)
		}
		e.call("POST", "/api/v1/duty/shifts/copy", "ly-leader", copyIn, 200, &copied)
		if len(copied.Created) != 0 || len(copied.Skipped) != 1 || copied.Skipped[0].Reason == "" {
			t.Fatalf("second copy: %+v", copied)
		}
		e.call("POST", "/api/v1/duty/shifts/copy", "ly-leader", map[string]any{"division_code": "530502", "from": "2026-11-23"}, 422, nil)

		// deleting needs the version.
		e.call("DELETE", "/api/v1/duty/shifts/"+id, "ly-leader", nil, 422, nil)
		status, _, _ = e.do("DELETE", "/api/v1/duty/shifts/"+id, "ly-leader", nil, http.Header{"If-Match": {"2"}})
		if status != 204 {
			t.Fatalf("delete: %d", status)
		}
		if e.checked < 25 {
			t.Errorf("only %d responses were validated against the OpenAPI document", e.checked)
		}
	})
}

func TestDutyRoutesNeedTheirPermissions(t *testing.T) {
	e := newEnv(t, storetest.Backends()[0])
	withDuty(t, e)
	want := map[string]auth.Permission{
		"GET /api/v1/duty/shifts": auth.IncidentsRead, "POST /api/v1/duty/shifts": auth.DutyManage, "PATCH /api/v1/duty/shifts/{id}": auth.DutyManage,
		"DELETE /api/v1/duty/shifts/{id}": auth.DutyManage, "POST /api/v1/duty/handovers": auth.IncidentsWrite, "POST /api/v1/duty/quiet": auth.IncidentsWrite,
		"GET /api/v1/duty/now": auth.IncidentsRead, "POST /api/v1/duty/shifts/copy": auth.DutyManage, "GET /api/v1/duty/quiet": auth.IncidentsRead,
	}
	for _, rt := range e.api.Routes() {
		if p, ok := want[rt.Method+" "+rt.Pattern]; ok {
			if rt.Permission != p {
				t.Errorf("%s %s needs %s, want %s", rt.Method, rt.Pattern, rt.Permission, p)
			}
			delete(want, rt.Method+" "+rt.Pattern)
		}
	}
	if len(want) > 0 {
		t.Errorf("routes missing: %v", want)
	}
}
