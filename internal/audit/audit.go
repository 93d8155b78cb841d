// Package audit is the audit trail: who changed what, when, with the record
// before and after. Entries form a hash chain (each entry's hash covers the
// previous entry's hash), so a deleted or edited entry breaks the chain and
// Verify finds it.
package audit

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"time"
)

// Entry is one audited change.
type Entry struct {
	Seq      int64           `json:"seq"`
	At       time.Time       `json:"at"`
	ActorID  int64           `json:"actor_id,omitempty"`
	Actor    string          `json:"actor"`
	Action   string          `json:"action"` // create, update, delete, login, …
	Entity   string          `json:"entity"` // enterprise, user, division, …
	EntityID string          `json:"entity_id"`
	Division string          `json:"division_code,omitempty"`
	Before   json.RawMessage `json:"before,omitempty"`
	After    json.RawMessage `json:"after,omitempty"`
	PrevHash string          `json:"prev_hash"`
	Hash     string          `json:"hash"`
}

// ComputeHash returns the chain hash of e given its PrevHash. Every field is
// length-prefixed so that no two different entries hash the same input.
func ComputeHash(e *Entry) string {
	h := sha256.New()
	field := func(s string) {
		h.Write([]byte(strconv.Itoa(len(s))))
		h.Write([]byte{':'})
		h.Write([]byte(s))
	}
	field(e.PrevHash)
	field(strconv.FormatInt(e.Seq, 10))
	field(strconv.FormatInt(e.At.UnixMilli(), 10))
	field(strconv.FormatInt(e.ActorID, 10))
	field(e.Actor)
	field(e.Action)
	field(e.Entity)
	field(e.EntityID)
	field(e.Division)
	field(string(e.Before))
	field(string(e.After))
	return hex.EncodeToString(h.Sum(nil))
}

// Verify checks a run of consecutive entries, starting after an entry with
// hash prev and sequence prevSeq. It returns the first broken entry's
// sequence number and what is wrong with it.
func Verify(prevSeq int64, prev string, entries []Entry) (bad int64, err error) {
	for i := range entries {
		e := &entries[i]
		switch {
		case e.Seq != prevSeq+1:
			return e.Seq, fmt.Errorf("audit: entry %d follows %d: entries are missing", e.Seq, prevSeq)
		case e.PrevHash != prev:
			return e.Seq, fmt.Errorf("audit: entry %d does not link to entry %d", e.Seq, prevSeq)
		case ComputeHash(e) != e.Hash:
			return e.Seq, fmt.Errorf("audit: entry %d was altered (its hash does not match its content)", e.Seq)
		}
		prevSeq, prev = e.Seq, e.Hash
	}
	return 0, nil
}

// Filter selects audit entries.
type Filter struct {
	Entity   string
	EntityID string
	Actor    string
	From, To time.Time
	AfterSeq int64
	Limit    int
	// DivisionPrefix limits the entries to one area (see region.Prefix);
	// entries without a division are then left out.
	DivisionPrefix string
}
