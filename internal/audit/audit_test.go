package audit

import (
	"encoding/json"
	"testing"
	"time"
)

func chain(n int) []Entry {
	var out []Entry
	prev := ""
	for i := 1; i <= n; i++ {
		e := Entry{Seq: int64(i), At: time.UnixMilli(int64(1700000000000 + i)), Actor: "admin", Action: "update",
			Entity: "enterprise", EntityID: "7", Before: json.RawMessage(`{"name":"a"}`), After: json.RawMessage(`{"name":"b"}`), PrevHash: prev}
		e.Hash = ComputeHash(&e)
		prev = e.Hash
		out = append(out, e)
	}
	return out
}

func TestVerify(t *testing.T) {
	t.Run("intact", func(t *testing.T) {
		if bad, err := Verify(0, "", chain(5)); err != nil {
			t.Fatalf("Verify = %d, %v; want no error", bad, err)
		}
	})
	tests := []struct {
		name   string
		break_ func([]Entry) []Entry
		want   int64
	}{
		{"edited", func(c []Entry) []Entry { c[2].After = json.RawMessage(`{"name":"x"}`); return c }, 3},
		{"deleted", func(c []Entry) []Entry { return append(c[:1], c[2:]...) }, 3},
		{"relinked", func(c []Entry) []Entry {
			c[3].PrevHash = c[1].Hash
			c[3].Hash = ComputeHash(&c[3])
			return c
		}, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bad, err := Verify(0, "", tt.break_(chain(5)))
			if err == nil || bad != tt.want {
				t.Fatalf("Verify = %d, %v; want entry %d reported", bad, err, tt.want)
			}
		})
	}
}

func TestHashCoversEveryField(t *testing.T) {
	base := chain(1)[0]
	mutations := map[string]func(*Entry){
		"actor":    func(e *Entry) { e.Actor = "eve" },
		"actor_id": func(e *Entry) { e.ActorID = 9 },
		"action":   func(e *Entry) { e.Action = "delete" },
		"entity":   func(e *Entry) { e.Entity = "user" },
		"id":       func(e *Entry) { e.EntityID = "8" },
		"division": func(e *Entry) { e.Division = "530502" },
		"before":   func(e *Entry) { e.Before = nil },
		"at":       func(e *Entry) { e.At = e.At.Add(time.Millisecond) },
		// moving bytes between adjacent fields must change the hash too.
		"shift": func(e *Entry) { e.Entity, e.EntityID = "enterprise7", "" },
	}
	for name, mutate := range mutations {
		e := base
		mutate(&e)
		if ComputeHash(&e) == base.Hash {
			t.Errorf("%s: hash unchanged", name)
		}
	}
}
