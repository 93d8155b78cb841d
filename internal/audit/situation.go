package audit

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// The security events the situation page counts (the audit entries every
// part of Yingji writes for them).
const (
	ActLoginFailed = "login_failed" // entity login
	ActLockout     = "lockout"      // entity login
	ActDenied      = "denied"       // entity permission
	ActLimited     = "limited"      // entity ratelimit
	ActReveal      = "reveal"       // entity: the revealed record's
)

// SituationActions are the actions a situation is built from.
var SituationActions = []string{ActLoginFailed, ActLockout, ActDenied, ActLimited, ActReveal}

// Count is one address or account and how often it appeared.
type Count struct {
	Key   string `json:"key"`
	Count int64  `json:"count"`
}

// Event is one recent security event, shortened for the page.
type Event struct {
	Seq      int64     `json:"seq"`
	At       time.Time `json:"at"`
	Action   string    `json:"action"`
	Entity   string    `json:"entity"`
	EntityID string    `json:"entity_id,omitempty"`
	Actor    string    `json:"actor"`
	// Subject is the account or address concerned; Detail the reason,
	// route, rate-limit scope or revealed fields.
	Subject string `json:"subject,omitempty"`
	Detail  string `json:"detail,omitempty"`
}

// Situation is the security picture over a window of time.
type Situation struct {
	From         time.Time `json:"from"`
	To           time.Time `json:"to"`
	FailedLogins int64     `json:"failed_logins"`
	Lockouts     int64     `json:"lockouts"`
	Denials      int64     `json:"denials"`
	// RateLimited counts rate-limit entries (one per key and minute at
	// most); RateLimitedRequests sums the refused requests they report.
	RateLimited         int64   `json:"rate_limited"`
	RateLimitedRequests int64   `json:"rate_limited_requests"`
	Reveals             int64   `json:"reveals"`
	TopAddresses        []Count `json:"top_addresses"`
	TopAccounts         []Count `json:"top_accounts"`
	RecentReveals       []Event `json:"recent_reveals"`
	Recent              []Event `json:"recent"`
}

// Tally builds a Situation from entries, fed in any order.
type Tally struct {
	s         Situation
	addresses map[string]int64
	accounts  map[string]int64
	// Keep is how many top addresses, accounts and recent events to keep.
	Keep int
}

// NewTally starts a situation over [from, to).
func NewTally(from, to time.Time) *Tally {
	return &Tally{s: Situation{From: from, To: to}, addresses: map[string]int64{}, accounts: map[string]int64{}, Keep: 10}
}

// detail is the union of the security events' after documents.
type detail struct {
	Username string   `json:"username"`
	IP       string   `json:"ip"`
	Reason   string   `json:"reason"`
	Route    string   `json:"route"`
	Method   string   `json:"method"`
	Subject  string   `json:"subject"`
	Scope    string   `json:"scope"`
	Key      string   `json:"key"`
	Count    int64    `json:"count"`
	Fields   []string `json:"fields"`
	Failures int64    `json:"failures"`
}

// Add counts one entry; entries of other actions are ignored.
func (t *Tally) Add(e *Entry) {
	var d detail
	if len(e.After) > 0 {
		// An entry whose after is not the expected document still counts;
		// only its address and account are unknown.
		_ = json.Unmarshal(e.After, &d)
	}
	ev := Event{Seq: e.Seq, At: e.At, Action: e.Action, Entity: e.Entity, EntityID: e.EntityID, Actor: e.Actor}
	subject := func(key string) {
		switch {
		case strings.HasPrefix(key, "ip:"):
			t.addresses[strings.TrimPrefix(key, "ip:")]++
		case strings.HasPrefix(key, "user:"):
			t.accounts[strings.TrimPrefix(key, "user:")]++
		}
	}
	switch {
	case e.Entity == "login" && e.Action == ActLoginFailed:
		t.s.FailedLogins++
		if d.IP != "" {
			t.addresses[d.IP]++
		}
		if d.Username != "" {
			t.accounts[d.Username]++
		}
		ev.Subject, ev.Detail = d.Username, strings.TrimSpace(d.Reason+" "+d.IP)
	case e.Entity == "login" && e.Action == ActLockout:
		t.s.Lockouts++
		ev.Subject, ev.Detail = d.Subject, strconv.FormatInt(d.Failures, 10)
	case e.Entity == "permission" && e.Action == ActDenied:
		t.s.Denials++
		if d.Username != "" {
			t.accounts[d.Username]++
		}
		ev.Subject, ev.Detail = d.Username, d.Route
	case e.Entity == "ratelimit" && e.Action == ActLimited:
		t.s.RateLimited++
		t.s.RateLimitedRequests += d.Count
		subject(d.Key)
		ev.Subject, ev.Detail = d.Key, fmt.Sprintf("%s ×%d", d.Scope, d.Count)
	case e.Action == ActReveal:
		t.s.Reveals++
		ev.Subject, ev.Detail = e.Actor, strings.Join(d.Fields, ",")
		t.s.RecentReveals = keepRecent(t.s.RecentReveals, ev, t.Keep)
		return
	default:
		return
	}
	t.s.Recent = keepRecent(t.s.Recent, ev, t.Keep*2)
}

// keepRecent keeps the newest n events, newest first.
func keepRecent(list []Event, ev Event, n int) []Event {
	i := sort.Search(len(list), func(i int) bool { return list[i].Seq < ev.Seq })
	list = append(list, Event{})
	copy(list[i+1:], list[i:])
	list[i] = ev
	if len(list) > n {
		list = list[:n]
	}
	return list
}

func top(m map[string]int64, n int) []Count {
	out := make([]Count, 0, len(m))
	for k, v := range m {
		out = append(out, Count{k, v})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return out[i].Key < out[j].Key
	})
	if len(out) > n {
		out = out[:n]
	}
	return out
}

// Result returns the situation.
func (t *Tally) Result() Situation {
	s := t.s
	s.TopAddresses, s.TopAccounts = top(t.addresses, t.Keep), top(t.accounts, t.Keep)
	if s.RecentReveals == nil {
		s.RecentReveals = []Event{}
	}
	if s.Recent == nil {
		s.Recent = []Event{}
	}
	return s
}

// MinRetention is the shortest retention of the audit trail: the
// Cybersecurity Law of the PRC, Art. 21(3), asks network operators to keep
// the logs of network operations for at least six months.
const MinRetention = 180 * 24 * time.Hour

// ParseRetention reads a retention period: a number of days ("180d"), of
// weeks ("26w") or a Go duration ("4320h"); "" or "0" keep the trail for
// ever. A period shorter than MinRetention is refused.
func ParseRetention(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" || s == "0" {
		return 0, nil
	}
	var d time.Duration
	unit := map[byte]time.Duration{'d': 24 * time.Hour, 'w': 7 * 24 * time.Hour}[s[len(s)-1]]
	if unit > 0 {
		n, err := strconv.ParseInt(s[:len(s)-1], 10, 32)
		if err != nil || n < 0 || n > int64(1<<62)/int64(unit) {
			return 0, fmt.Errorf("audit retention %q: want a number of days such as 180d, weeks such as 26w, or a duration such as 4320h", s)
		}
		d = time.Duration(n) * unit
	} else {
		var err error
		if d, err = time.ParseDuration(s); err != nil || d < 0 {
			return 0, fmt.Errorf("audit retention %q: want a number of days such as 180d, weeks such as 26w, or a duration such as 4320h", s)
		}
	}
	if d < MinRetention {
		return 0, fmt.Errorf("audit retention %q is shorter than 180 days: the Cybersecurity Law (Art. 21) requires keeping network logs at least six months", s)
	}
	return d, nil
}

// ParseDate reads an archive's cut-off: a date (2026-05-01, midnight UTC)
// or an RFC 3339 time.
func ParseDate(s string) (time.Time, error) {
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return t, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("date %q: want YYYY-MM-DD or an RFC 3339 time", s)
	}
	return t.UTC(), nil
}
