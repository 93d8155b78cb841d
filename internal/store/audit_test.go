package store_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/yingji/yingji/internal/audit"
	"github.com/yingji/yingji/internal/core"
	"github.com/yingji/yingji/internal/region"
	"github.com/yingji/yingji/internal/store"
	"github.com/yingji/yingji/internal/store/storetest"
)

// auditEvents appends n events through the store's audit path and returns
// the head's sequence number.
func auditEvents(t *testing.T, db *store.DB, n int, div string) int64 {
	t.Helper()
	ctx := core.WithActor(context.Background(), &core.Actor{UserID: 7, Username: "auditor-test", Role: "admin", Division: div})
	for i := 0; i < n; i++ {
		if err := db.AuditEvent(ctx, "update", "enterprise", int64(100+i), div, map[string]any{"name": fmt.Sprintf("企业 <%d>", i)}); err != nil {
			t.Fatal(err)
		}
	}
	st := db.AuditStatus(sysCtx)
	if !st.OK {
		t.Fatalf("chain after writing: %v", st.Err)
	}
	return st.HeadSeq
}

func mustExec(t *testing.T, db *store.DB, q string) {
	t.Helper()
	if _, err := db.SQL().Exec(q); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

// TestAuditChainAlgorithms: with SHA-256, SM3 and a chain that switches
// from one to the other, a changed, deleted, reordered or relabelled row
// in the database is reported with its sequence number.
func TestAuditChainAlgorithms(t *testing.T) {
	for _, b := range storetest.Backends() {
		for _, algs := range [][]string{{audit.SHA256}, {audit.SM3}, {audit.SHA256, audit.SM3}} {
			name := b.Name + "/" + strings.Join(algs, "+")
			open := func(t *testing.T) (*store.DB, int64) {
				db, _ := storetest.Open(t, b)
				var head int64
				for _, alg := range algs {
					if err := db.SetAuditHash(alg); err != nil {
						t.Fatal(err)
					}
					head = auditEvents(t, db, 3, longyang)
				}
				return db, head
			}
			t.Run(name+"/intact", func(t *testing.T) {
				db, head := open(t)
				st := db.AuditStatus(sysCtx)
				if !st.OK || st.Checked != head || st.LastSeq != head || st.Algs[algs[len(algs)-1]] < 3 {
					t.Fatalf("status = %+v", st)
				}
				if n, err := db.VerifyAudit(sysCtx); err != nil || n != head {
					t.Fatalf("VerifyAudit = %d, %v; want %d", n, err, head)
				}
			})
			tampers := []struct {
				name  string
				do    func(t *testing.T, db *store.DB, s int64)
				broke func(s int64) int64
			}{
				{"changed", func(t *testing.T, db *store.DB, s int64) {
					mustExec(t, db, fmt.Sprintf(`UPDATE audit_log SET after_json = '{"name":"x"}' WHERE seq = %d`, s))
				}, func(s int64) int64 { return s }},
				{"deleted", func(t *testing.T, db *store.DB, s int64) {
					mustExec(t, db, fmt.Sprintf(`DELETE FROM audit_log WHERE seq = %d`, s))
				}, func(s int64) int64 { return s + 1 }},
				{"reordered", func(t *testing.T, db *store.DB, s int64) {
					mustExec(t, db, fmt.Sprintf(`UPDATE audit_log SET seq = -1 WHERE seq = %d`, s))
					mustExec(t, db, fmt.Sprintf(`UPDATE audit_log SET seq = %d WHERE seq = %d`, s, s+1))
					mustExec(t, db, fmt.Sprintf(`UPDATE audit_log SET seq = %d WHERE seq = -1`, s+1))
				}, func(s int64) int64 { return s }},
				{"relabelled", func(t *testing.T, db *store.DB, s int64) {
					mustExec(t, db, fmt.Sprintf(`UPDATE audit_log SET hash_alg = CASE hash_alg WHEN 'sm3' THEN 'sha256' ELSE 'sm3' END WHERE seq = %d`, s))
				}, func(s int64) int64 { return s }},
				{"last removed", func(t *testing.T, db *store.DB, s int64) {
					mustExec(t, db, `DELETE FROM audit_log WHERE seq = (SELECT MAX(seq) FROM audit_log)`)
				}, func(s int64) int64 { return s + 3 }},
			}
			for _, tt := range tampers {
				t.Run(name+"/"+tt.name, func(t *testing.T) {
					db, head := open(t)
					s := head - 1 // the last of the first algorithm's entries when mixed
					if len(algs) > 1 {
						s = head - 3
					}
					tt.do(t, db, s)
					st := db.AuditStatus(sysCtx)
					want := tt.broke(s)
					if tt.name == "last removed" {
						want = head
					}
					if st.OK || st.BrokenSeq != want || st.Error == "" {
						t.Fatalf("status = OK %v broken %d (%s); want entry %d reported", st.OK, st.BrokenSeq, st.Error, want)
					}
					if _, err := db.VerifyAudit(sysCtx); err == nil {
						t.Fatal("VerifyAudit passed a tampered chain")
					}
				})
			}
		}
	}
	if err := (&store.DB{}).SetAuditHash("md5"); err == nil || !strings.Contains(err.Error(), "sha256 or sm3") {
		t.Fatalf("SetAuditHash(md5) = %v", err)
	}
}

// TestAuditArchive: archiving moves old entries to a file that verifies on
// its own, leaves an anchor where verification starts, and chains the next
// archive to the last; a cut-off under 180 days is refused; rows deleted
// other than by archiving are still found.
func TestAuditArchive(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *store.DB, _ *region.Tree) {
		auditEvents(t, db, 4, longyang)
		db.SetAuditHash(audit.SM3)
		head := auditEvents(t, db, 3, longyang)
		// The entries are minutes old; "now" half a year on makes them old
		// enough, as they will be.
		now := time.Now().Add(audit.MinRetention + time.Hour)
		if _, err := db.ArchiveAudit(sysCtx, time.Now().Add(2*time.Hour), now, &bytes.Buffer{}, ""); err == nil || !strings.Contains(err.Error(), "Art. 21") {
			t.Fatalf("archive of entries younger than 180 days = %v, want a refusal naming Art. 21", err)
		}
		var f1 bytes.Buffer
		res, err := db.ArchiveAudit(sysCtx, time.Now().Add(time.Second), now, &f1, "audit-1.jsonl")
		if err != nil {
			t.Fatal(err)
		}
		if res.FromSeq != 1 || res.ToSeq != head || res.Count != head {
			t.Fatalf("archive = %+v, want entries 1–%d", res, head)
		}
		rep, err := audit.VerifyFile(bytes.NewReader(f1.Bytes()))
		if err != nil || rep.Entries != head || rep.LastHash != res.LastHash || rep.Algs[audit.SM3] != 3 {
			t.Fatalf("archive file: %+v, %v", rep, err)
		}
		st := db.AuditStatus(sysCtx)
		if !st.OK || st.AnchorSeq != head || st.AnchorHash != res.LastHash || st.FirstSeq != head+1 || st.Checked != 1 {
			t.Fatalf("after archiving: %+v", st)
		}
		arch, _ := db.ListAudit(sysCtx, audit.Filter{Entity: "audit", Action: "archive"})
		if len(arch) != 1 || !strings.Contains(string(arch[0].After), `"through_seq":`+fmt.Sprint(head)) || !strings.Contains(string(arch[0].After), "audit-1.jsonl") {
			t.Fatalf("archive entry = %+v", arch)
		}

		// A second archive continues from the first's last hash.
		head2 := auditEvents(t, db, 2, longyang)
		var f2 bytes.Buffer
		res2, err := db.ArchiveAudit(sysCtx, time.Now().Add(time.Second), now, &f2, "audit-2.jsonl")
		if err != nil || res2.FromSeq != head+1 || res2.ToSeq != head2 || res2.PrevHash != res.LastHash {
			t.Fatalf("second archive = %+v, %v", res2, err)
		}
		rep2, err := audit.VerifyFile(bytes.NewReader(f2.Bytes()))
		if err != nil || rep2.FirstPrev != rep.LastHash || rep2.Header.PrevSeq != head {
			t.Fatalf("second file: %+v, %v", rep2, err)
		}
		if res, err := db.ArchiveAudit(sysCtx, time.Now().Add(-24*time.Hour), now, &bytes.Buffer{}, ""); err != nil || res.Count != 0 {
			t.Fatalf("archive with nothing old enough = %+v, %v", res, err)
		}
		auditEvents(t, db, 3, longyang)
		if st := db.AuditStatus(sysCtx); !st.OK || st.AnchorSeq != head2 {
			t.Fatalf("after the second archive: %+v", st)
		}

		t.Run("first row deleted", func(t *testing.T) {
			mustExec(t, db, fmt.Sprintf(`DELETE FROM audit_log WHERE seq = %d`, head2+1))
			st := db.AuditStatus(sysCtx)
			if st.OK || st.BrokenSeq != head2+2 || !strings.Contains(st.Error, "missing") {
				t.Fatalf("status = %+v", st)
			}
		})
		t.Run("anchor moved over deleted rows", func(t *testing.T) {
			// Delete the oldest rows and move the anchor as if archived: the
			// chain's archive entry contradicts it.
			rows, _ := db.ListAudit(sysCtx, audit.Filter{AfterSeq: head2, Limit: 3})
			last := rows[len(rows)-1]
			mustExec(t, db, fmt.Sprintf(`DELETE FROM audit_log WHERE seq <= %d`, last.Seq))
			mustExec(t, db, fmt.Sprintf(`UPDATE audit_head SET anchor_seq = %d, anchor_hash = '%s'`, last.Seq, last.Hash))
			st := db.AuditStatus(sysCtx)
			if st.OK || !strings.Contains(st.Error, "other than by `yingji audit archive`") {
				t.Fatalf("status = %+v", st)
			}
		})
	})
}

// TestAuditSearch: the filters of the audit search and export.
func TestAuditSearch(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *store.DB, _ *region.Tree) {
		base := db.AuditStatus(sysCtx).HeadSeq
		auditEvents(t, db, 3, longyang)
		auditEvents(t, db, 2, tengchong)
		ctx := core.WithActor(context.Background(), &core.Actor{Username: "eve"})
		db.AuditEvent(ctx, "login_failed", "login", 0, "", map[string]string{"username": "eve", "ip": "10.1.2.3"})
		count := func(f audit.Filter) int {
			t.Helper()
			f.AfterSeq = base
			n := 0
			if err := db.ScanAudit(sysCtx, f, func(*audit.Entry) error { n++; return nil }); err != nil {
				t.Fatal(err)
			}
			return n
		}
		for name, tt := range map[string]struct {
			f    audit.Filter
			want int
		}{
			"all":            {audit.Filter{}, 6},
			"actor":          {audit.Filter{Actor: "eve"}, 1},
			"action":         {audit.Filter{Action: "update"}, 5},
			"actions":        {audit.Filter{Actions: []string{"login_failed", "lockout"}}, 1},
			"entity id":      {audit.Filter{Entity: "enterprise", EntityID: "101"}, 2},
			"text":           {audit.Filter{Text: "企业 <2"}, 1},
			"text any case":  {audit.Filter{Text: "10.1.2"}, 1},
			"text wildcard":  {audit.Filter{Text: "%"}, 0},
			"division":       {audit.Filter{DivisionPrefix: tengchong}, 2},
			"unattributed":   {audit.Filter{DivisionPrefix: tengchong, Unattributed: true}, 3},
			"time range":     {audit.Filter{From: time.Now().Add(-time.Hour), To: time.Now().Add(time.Hour)}, 6},
			"time range out": {audit.Filter{To: time.Now().Add(-time.Hour)}, 0},
			"limit":          {audit.Filter{Limit: 4}, 4},
		} {
			if got := count(tt.f); got != tt.want {
				t.Errorf("%s: %d entries, want %d", name, got, tt.want)
			}
		}
		if n, err := db.CountAudit(sysCtx, audit.Filter{Action: "update", DivisionPrefix: longyang}); err != nil || n != 3 {
			t.Errorf("CountAudit = %d, %v", n, err)
		}
		// Newest first, paged backwards.
		page, _ := db.ListAudit(sysCtx, audit.Filter{Desc: true, Limit: 2})
		older, _ := db.ListAudit(sysCtx, audit.Filter{Desc: true, Limit: 2, BeforeSeq: page[1].Seq})
		if len(page) != 2 || page[0].Seq != base+6 || page[1].Seq != base+5 || len(older) != 2 || older[0].Seq != base+4 {
			t.Fatalf("desc pages: %v then %v", seqs(page), seqs(older))
		}
		var desc []int64
		db.ScanAudit(sysCtx, audit.Filter{Desc: true, AfterSeq: base}, func(e *audit.Entry) error { desc = append(desc, e.Seq); return nil })
		if len(desc) != 6 || desc[0] != base+6 || desc[5] != base+1 {
			t.Fatalf("desc scan = %v", desc)
		}
	})
}

func seqs(es []audit.Entry) []int64 {
	var out []int64
	for _, e := range es {
		out = append(out, e.Seq)
	}
	return out
}
