// Package audit is the audit trail: who changed what, when, with the record
// before and after. Entries form a hash chain (each entry's hash covers the
// previous entry's hash), so a deleted or edited entry breaks the chain and
// Verify finds it.
package audit

import (
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
	// Alg is the hash algorithm of this entry's link (SHA256 or SM3); a
	// chain may switch algorithms from one entry to the next.
	Alg string `json:"alg"`
}

// ComputeHash returns the chain hash of e given its PrevHash, with e's
// algorithm (SHA-256 when Alg is empty). Every field is length-prefixed so
// that no two different entries hash the same input. An SM3 entry also
// hashes its algorithm's name, so that relabelling it cannot go unseen;
// SHA-256 entries hash exactly what they did before algorithms were
// selectable, so older chains still verify.
func ComputeHash(e *Entry) string {
	h := newHash(e.Alg)
	if h == nil {
		return ""
	}
	// The fields are gathered in one buffer and hashed with one write.
	buf := make([]byte, 0, 256+len(e.Before)+len(e.After))
	field := func(s string) {
		buf = strconv.AppendInt(buf, int64(len(s)), 10)
		buf = append(buf, ':')
		buf = append(buf, s...)
	}
	if e.Alg != "" && e.Alg != SHA256 {
		field(e.Alg)
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
	h.Write(buf)
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
		case newHash(e.Alg) == nil:
			return e.Seq, fmt.Errorf("audit: entry %d names an unknown hash algorithm %q", e.Seq, e.Alg)
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
	Action   string
	// Actions, when set, keeps only these actions (the situation page).
	Actions []string
	// Text finds entries whose before or after contains it (any case).
	Text     string
	From, To time.Time
	// BeforeSeq, when set, keeps entries older than it; with Desc the
	// newest come first (paging backwards through the trail).
	BeforeSeq int64
	Desc      bool
	AfterSeq  int64
	Limit     int
	// DivisionPrefix limits the entries to one area (see region.Prefix);
	// entries without a division are then left out.
	DivisionPrefix string
	// Unattributed keeps, beside DivisionPrefix's entries, those without a
	// division (failed sign-ins of unknown names).
	Unattributed bool
}

// ChainStatus is the result of verifying the stored chain.
type ChainStatus struct {
	OK bool `json:"ok"`
	// Checked entries, from FirstSeq to LastSeq; the chain starts after
	// AnchorSeq (0 when nothing was archived), whose hash is AnchorHash.
	Checked    int64  `json:"checked"`
	FirstSeq   int64  `json:"first_seq"`
	LastSeq    int64  `json:"last_seq"`
	HeadSeq    int64  `json:"head_seq"`
	HeadHash   string `json:"head_hash"`
	AnchorSeq  int64  `json:"anchor_seq"`
	AnchorHash string `json:"anchor_hash"`
	// BrokenSeq is the first broken entry, Error what is wrong with it.
	BrokenSeq int64            `json:"broken_seq,omitempty"`
	Error     string           `json:"error,omitempty"`
	Err       error            `json:"-"`
	Algs      map[string]int64 `json:"algorithms"`
	CheckedAt time.Time        `json:"checked_at"`
}
