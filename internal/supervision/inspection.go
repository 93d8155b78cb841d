package supervision

import (
	"crypto/sha256"
	"encoding/binary"
	"slices"
	"strings"
	"time"

	"github.com/yingji/yingji/internal/core"
)

// Draw picks k distinct IDs from pool, reproducibly from seed, for "double
// random" inspections (双随机一公开). The algorithm is public so that anyone
// can re-run a published draw:
//
//  1. sort the pool's IDs ascending;
//  2. for i = 0 … k−1, take a uniform j in [i, n) and swap positions i and j
//     (a partial Fisher–Yates shuffle); the first k are the draw;
//  3. the uniform numbers come from SHA-256: block c is SHA-256 of
//     "yingji-draw/" + stream + "/" + seed (8 bytes, big-endian) + c (8 bytes,
//     big-endian), read as a big-endian uint64 from its first 8 bytes; a
//     value v maps to v mod m when v < 2⁶⁴ − (2⁶⁴ mod m), otherwise the next
//     block is taken (rejection, so every j is equally likely).
//
// stream separates the enterprise draw from the inspector draws.
func Draw(seed int64, stream string, pool []int64, k int) []int64 {
	ids := slices.Clone(pool)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	k = min(k, len(ids))
	src := &drawSource{seed: seed, stream: stream}
	for i := 0; i < k; i++ {
		j := i + int(src.uniform(uint64(len(ids)-i)))
		ids[i], ids[j] = ids[j], ids[i]
	}
	return ids[:k]
}

type drawSource struct {
	seed    int64
	stream  string
	counter uint64
}

func (s *drawSource) next() uint64 {
	h := sha256.New()
	h.Write([]byte("yingji-draw/" + s.stream + "/"))
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], uint64(s.seed))
	binary.BigEndian.PutUint64(b[8:], s.counter)
	h.Write(b[:])
	s.counter++
	return binary.BigEndian.Uint64(h.Sum(nil)[:8])
}

// uniform returns a uniform number in [0, m), m > 0.
func (s *drawSource) uniform(m uint64) uint64 {
	limit := -(-m % m) // 2⁶⁴ − (2⁶⁴ mod m), wrapping to 0 when m divides 2⁶⁴
	for {
		v := s.next()
		if limit == 0 || v < limit {
			return v % m
		}
	}
}

// Plan states.
const (
	PlanDraft     = "draft"
	PlanDrawn     = "drawn"
	PlanPublished = "published"
)

// PoolFilter selects the enterprises a plan draws from.
type PoolFilter struct {
	Division   string   `json:"division_code"`
	Industries []string `json:"industries"`
	// RiskColors keeps only enterprises currently graded these colours.
	RiskColors []string `json:"risk_colors"`
}

// Assignment is one drawn enterprise with its inspectors and result.
type Assignment struct {
	EnterpriseID int64    `json:"enterprise_id"`
	Enterprise   string   `json:"enterprise_name"`
	CreditCode   string   `json:"credit_code"`
	Industry     string   `json:"industry"`
	Inspectors   []Person `json:"inspectors"`
	// RecordID and Result fill in when the inspection is recorded.
	RecordID int64  `json:"record_id,omitempty"`
	Result   string `json:"result,omitempty"`
}

// Person is an inspector on the roster.
type Person struct {
	ID       int64  `json:"id"`
	Name     string `json:"name"`
	Division string `json:"division_code,omitempty"`
}

// Plan is an inspection plan drawn by double random selection.
type Plan struct {
	ID          int64        `json:"id"`
	Name        string       `json:"name"`
	Division    string       `json:"division_code"`
	Matter      string       `json:"matter"` // 抽查事项
	Filter      PoolFilter   `json:"filter"`
	EnterpriseN int          `json:"enterprise_count"`
	TeamSize    int          `json:"team_size"`
	Seed        int64        `json:"seed"`
	Pool        []int64      `json:"pool"`
	Roster      []Person     `json:"roster"`
	Assignments []Assignment `json:"assignments"`
	State       string       `json:"state"`
	DueDate     *time.Time   `json:"due_date,omitempty"`
	CreatedBy   string       `json:"created_by"`
	CreatedAt   time.Time    `json:"created_at"`
	PublishedAt *time.Time   `json:"published_at,omitempty"`
	UpdatedAt   time.Time    `json:"updated_at"`
	Version     int          `json:"version"`
}

// PlanInput creates a plan.
type PlanInput struct {
	Name        string     `json:"name"`
	Matter      string     `json:"matter"`
	Filter      PoolFilter `json:"filter"`
	EnterpriseN int        `json:"enterprise_count"`
	TeamSize    int        `json:"team_size"`
	// InspectorIDs narrows the roster; empty means every inspector in the
	// plan's area.
	InspectorIDs []int64 `json:"inspector_ids"`
	// Seed, when set, replays a draw; otherwise a fresh random seed is
	// recorded.
	Seed    *int64     `json:"seed"`
	DueDate *time.Time `json:"due_date"`
}

func (in *PlanInput) validate() core.Problems {
	var p core.Problems
	in.Name = strings.TrimSpace(in.Name)
	if in.Name == "" {
		p.Add(0, "name", "is required")
	}
	if in.EnterpriseN < 1 || in.EnterpriseN > 10000 {
		p.Add(0, "enterprise_count", "want 1 to 10,000")
	}
	if in.TeamSize == 0 {
		in.TeamSize = 2
	}
	// 行政执法 needs at least two officers on site.
	if in.TeamSize < 2 || in.TeamSize > 10 {
		p.Add(0, "team_size", "want 2 to 10 (an inspection needs at least two officers)")
	}
	if in.Seed != nil && (*in.Seed < 0 || *in.Seed > 1<<53) {
		p.Add(0, "seed", "want 0 to 2^53")
	}
	if in.Filter.Division == "" {
		p.Add(0, "filter.division_code", "is required")
	}
	return p
}

// assign draws the enterprises and, for each, a team from the roster.
func assign(seed int64, pool []Assignment, roster []Person, n, team int) []Assignment {
	ids := make([]int64, len(pool))
	byID := map[int64]Assignment{}
	for i, a := range pool {
		ids[i] = a.EnterpriseID
		byID[a.EnterpriseID] = a
	}
	people := map[int64]Person{}
	rids := make([]int64, len(roster))
	for i, p := range roster {
		rids[i] = p.ID
		people[p.ID] = p
	}
	var out []Assignment
	for _, id := range Draw(seed, "enterprises", ids, n) {
		a := byID[id]
		a.Inspectors = []Person{}
		for _, pid := range Draw(seed, "inspectors/"+itoa(id), rids, team) {
			a.Inspectors = append(a.Inspectors, people[pid])
		}
		out = append(out, a)
	}
	return out
}

func itoa(n int64) string {
	var b [20]byte
	i := len(b)
	neg := n < 0
	if neg {
		n = -n
	}
	for {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			break
		}
	}
	if neg {
		i--
		b[i] = '-'
	}
	return string(b[i:])
}

// Check results of an inspection record item.
var CheckResults = []string{"pass", "fail", "na"}

// CheckResult is one checklist item as inspected.
type CheckResult struct {
	Code   string `json:"code"`
	Item   string `json:"item"`
	Result string `json:"result"`
	Note   string `json:"note,omitempty"`
	// Hazard, for a failed item, reports it as a hidden danger.
	Hazard *FindingHazard `json:"hazard,omitempty"`
}

// FindingHazard is what an inspector says of a failed item's hidden danger.
type FindingHazard struct {
	Level       string     `json:"level"`
	Criterion   string     `json:"criterion,omitempty"`
	Deadline    *time.Time `json:"deadline,omitempty"`
	Responsible string     `json:"responsible,omitempty"`
	Measures    string     `json:"measures,omitempty"`
	// HazardID is set once the hidden danger is created.
	HazardID int64 `json:"hidden_danger_id,omitempty"`
}

// Record is an inspection on site.
type Record struct {
	ID           int64         `json:"id"`
	PlanID       int64         `json:"plan_id,omitempty"`
	EnterpriseID int64         `json:"enterprise_id"`
	Enterprise   string        `json:"enterprise_name"`
	Division     string        `json:"division_code"`
	Industry     string        `json:"industry"`
	Inspectors   []string      `json:"inspectors"`
	InspectedAt  time.Time     `json:"inspected_at"`
	Items        []CheckResult `json:"items"`
	Conclusion   string        `json:"conclusion"`
	// Result is "pass" when no item failed, else "findings".
	Result    string    `json:"result"`
	CreatedBy string    `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
}

// RecordInput records an inspection.
type RecordInput struct {
	PlanID       int64         `json:"plan_id"`
	EnterpriseID int64         `json:"enterprise_id"`
	Inspectors   []string      `json:"inspectors"`
	InspectedAt  time.Time     `json:"inspected_at"`
	Items        []CheckResult `json:"items"`
	Conclusion   string        `json:"conclusion"`
}

// validate checks a record against the industry's checklist.
func (in *RecordInput) validate(list []CheckItem, criteria []Criterion, now time.Time) core.Problems {
	var p core.Problems
	if in.EnterpriseID <= 0 {
		p.Add(0, "enterprise_id", "is required")
	}
	if len(in.Inspectors) < 2 {
		p.Add(0, "inspectors", "name at least two inspectors")
	}
	if in.InspectedAt.IsZero() || in.InspectedAt.After(now.Add(time.Hour)) {
		p.Add(0, "inspected_at", "is required and may not be in the future")
	}
	known := map[string]CheckItem{}
	for _, c := range list {
		known[c.Code] = c
	}
	if len(in.Items) == 0 {
		p.Add(0, "items", "record the checklist results")
	}
	seen := map[string]bool{}
	for i, it := range in.Items {
		row := i + 1
		c, ok := known[it.Code]
		if !ok {
			p.Add(row, "items.code", "%q is not on this industry's checklist", it.Code)
			continue
		}
		if seen[it.Code] {
			p.Add(row, "items.code", "%s is listed twice", it.Code)
		}
		seen[it.Code] = true
		in.Items[i].Item = c.Item
		if !slices.Contains(CheckResults, it.Result) {
			p.Add(row, "items.result", "%q: want pass, fail or na", it.Result)
		}
		if it.Hazard != nil {
			if it.Result != "fail" {
				p.Add(row, "items.hazard", "only a failed item becomes a hidden danger")
			}
			h := it.Hazard
			if h.Level != General && h.Level != Major {
				p.Add(row, "items.hazard.level", "%q: want general or major", h.Level)
			}
			if h.Level == Major {
				if _, ok := findCriterion(criteria, h.Criterion); !ok {
					p.Add(row, "items.hazard.criterion", "a major hidden danger names a known criterion")
				}
			}
		}
	}
	return p
}

// Case states of an enforcement case (行政处罚案件).
var CaseStates = []string{"filed", "investigating", "notified", "decided", "executed", "closed"}

// Penalty kinds.
var PenaltyKinds = []string{"warning", "fine", "confiscation", "suspension", "licence_revoked", "closure", "none"}

// Document is a document of a case (a notice, a decision).
type Document struct {
	Kind   string    `json:"kind"`
	Number string    `json:"number"`
	Date   time.Time `json:"date"`
	Title  string    `json:"title,omitempty"`
}

// Case is an enforcement case.
type Case struct {
	ID           int64      `json:"id"`
	EnterpriseID int64      `json:"enterprise_id"`
	Enterprise   string     `json:"enterprise_name"`
	Division     string     `json:"division_code"`
	Industry     string     `json:"industry"`
	RecordID     int64      `json:"record_id,omitempty"`
	Violation    string     `json:"violation"`
	LegalBasis   string     `json:"legal_basis"`
	PenaltyKind  string     `json:"penalty_kind"`
	FineCNY      float64    `json:"fine_cny"`
	Documents    []Document `json:"documents"`
	State        string     `json:"state"`
	FiledAt      time.Time  `json:"filed_at"`
	ClosedAt     *time.Time `json:"closed_at,omitempty"`
	CreatedBy    string     `json:"created_by"`
	UpdatedAt    time.Time  `json:"updated_at"`
	Version      int        `json:"version"`
}

// CaseInput creates or changes a case; a change sends Version.
type CaseInput struct {
	EnterpriseID int64      `json:"enterprise_id"`
	RecordID     int64      `json:"record_id"`
	Violation    string     `json:"violation"`
	LegalBasis   string     `json:"legal_basis"`
	PenaltyKind  string     `json:"penalty_kind"`
	FineCNY      float64    `json:"fine_cny"`
	Documents    []Document `json:"documents"`
	State        string     `json:"state"`
	Version      int        `json:"version"`
}

func (in *CaseInput) validate() core.Problems {
	var p core.Problems
	if strings.TrimSpace(in.Violation) == "" {
		p.Add(0, "violation", "describe the violation")
	}
	if strings.TrimSpace(in.LegalBasis) == "" {
		p.Add(0, "legal_basis", "cite the provision violated and the one the penalty rests on")
	}
	if in.PenaltyKind == "" {
		in.PenaltyKind = "none"
	}
	if !slices.Contains(PenaltyKinds, in.PenaltyKind) {
		p.Add(0, "penalty_kind", "%q: want one of %s", in.PenaltyKind, strings.Join(PenaltyKinds, ", "))
	}
	if !(in.FineCNY >= 0) || in.FineCNY > 1e9 {
		p.Add(0, "fine_cny", "want an amount from 0")
	}
	if in.PenaltyKind == "fine" && in.FineCNY <= 0 {
		p.Add(0, "fine_cny", "a fine needs its amount")
	}
	if in.State != "" && !slices.Contains(CaseStates, in.State) {
		p.Add(0, "state", "%q: want one of %s", in.State, strings.Join(CaseStates, ", "))
	}
	for i, d := range in.Documents {
		if strings.TrimSpace(d.Kind) == "" || strings.TrimSpace(d.Number) == "" || d.Date.IsZero() {
			p.Add(i+1, "documents", "each document needs kind, number and date")
		}
	}
	return p
}
