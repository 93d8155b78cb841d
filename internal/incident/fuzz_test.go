package incident

import (
	"encoding/json"
	"testing"
)

// FuzzGradeRequest: whatever JSON the calculator receives, it answers a
// grade from 1 to 4 or a field error, never a panic, and the grade never
// falls when a figure rises.
func FuzzGradeRequest(f *testing.F) {
	for _, s := range []string{
		`{"category":"accident","deaths":3,"serious_injuries":0,"direct_loss_cny":0}`,
		`{"type":"natural.forest_fire","extra":{"forest_area_ha":1000}}`,
		`{"category":"natural","deaths":-1}`,
		`{"type":"natural.earthquake","missing":400}`,
		`{"category":"accident","direct_loss_cny":1e300}`,
		`{"category":"social","serious_injuries":99}`,
		`{}`,
	} {
		f.Add([]byte(s))
	}
	s := &Service{}
	f.Fuzz(func(t *testing.T, data []byte) {
		var req GradeRequest
		if json.Unmarshal(data, &req) != nil {
			return
		}
		g, err := s.Grade(req)
		if err != nil {
			return
		}
		if !g.Level.Valid() || g.Grade != g.Level.Name() {
			t.Fatalf("grade %+v for %s", g, data)
		}
		more := req
		more.Deaths++
		if g2, err := s.Grade(more); err == nil && g2.Level > g.Level {
			t.Fatalf("one more death lowered the grade: %s → %s (%s)", g.Grade, g2.Grade, data)
		}
	})
}

// FuzzPolicyJSON: a deadline policy read from JSON is either refused or
// round-trips exactly.
func FuzzPolicyJSON(f *testing.F) {
	b, _ := json.Marshal(Decree493Policy)
	f.Add(b)
	f.Add([]byte(`{"initial":"30m","onward":"1h","follow_up":"12h","follow_up_major":"6h","casualty_window":"168h"}`))
	f.Add([]byte(`{"initial":"-1h"}`))
	f.Add([]byte(`{"initial":"1h","onward":"1e9h"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var p DeadlinePolicy
		if json.Unmarshal(data, &p) != nil {
			return
		}
		out, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		var q DeadlinePolicy
		if err := json.Unmarshal(out, &q); err != nil || q != p {
			t.Fatalf("round trip of %s: %+v → %s → %+v (%v)", data, p, out, q, err)
		}
	})
}
