package store_test

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/yingji/yingji/internal/audit"
	"github.com/yingji/yingji/internal/store"
	"github.com/yingji/yingji/internal/store/storetest"
)

// seedAudit appends n entries hashed with alg straight into the tables (in
// batches, one transaction), as record would have written them.
func seedAudit(b *testing.B, db *store.DB, n int, alg string) {
	b.Helper()
	st := db.AuditStatus(sysCtx)
	if !st.OK {
		b.Fatal(st.Err)
	}
	prev, seq := "", st.HeadSeq
	if last, _ := db.ListAudit(sysCtx, audit.Filter{Desc: true, Limit: 1}); len(last) == 1 {
		prev = last[0].Hash
	}
	tx, err := db.SQL().Begin()
	if err != nil {
		b.Fatal(err)
	}
	const batch = 500
	at := time.Now().Add(-time.Hour).UTC()
	for done := 0; done < n; done += batch {
		var q strings.Builder
		q.WriteString(`INSERT INTO audit_log (seq, at, actor_id, actor, action, entity, entity_id, division_code, before_json, after_json, prev_hash, hash, hash_alg) VALUES `)
		var args []any
		for i := 0; i < batch && done+i < n; i++ {
			seq++
			e := audit.Entry{Seq: seq, At: at.Add(time.Duration(seq) * time.Millisecond), ActorID: 7, Actor: "bench", Action: "update", Entity: "enterprise",
				EntityID: fmt.Sprint(seq % 5000), Division: "530502", Alg: alg, PrevHash: prev,
				Before: json.RawMessage(fmt.Sprintf(`{"name":"企业%d","status":"active","contact":"张三","address":"隆阳区测试路%d号"}`, seq, seq)),
				After:  json.RawMessage(fmt.Sprintf(`{"name":"企业%d","status":"suspended","contact":"张三","address":"隆阳区测试路%d号"}`, seq, seq))}
			e.Hash = audit.ComputeHash(&e)
			prev = e.Hash
			if i > 0 {
				q.WriteString(", ")
			}
			q.WriteString("(")
			for c := 0; c < 13; c++ {
				if c > 0 {
					q.WriteString(", ")
				}
				if db.Dialect() == "postgres" {
					fmt.Fprintf(&q, "$%d", len(args)+c+1)
				} else {
					q.WriteString("?")
				}
			}
			q.WriteString(")")
			args = append(args, e.Seq, e.At.UnixMilli(), e.ActorID, e.Actor, e.Action, e.Entity, e.EntityID, e.Division, string(e.Before), string(e.After), e.PrevHash, e.Hash, e.Alg)
		}
		if _, err := tx.Exec(q.String(), args...); err != nil {
			b.Fatal(err)
		}
	}
	upd := `UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1`
	if db.Dialect() == "postgres" {
		upd = `UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1`
	}
	if _, err := tx.Exec(upd, seq, prev); err != nil {
		b.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
}

const benchRows = 100000

// BenchmarkAuditVerify: `yingji audit verify` of 100,000 entries hashed
// with SHA-256 and with SM3, on both stores (read, hash, compare).
func BenchmarkAuditVerify(b *testing.B) {
	for _, be := range storetest.Backends() {
		for _, alg := range audit.Algorithms {
			b.Run(be.Name+"/"+alg, func(b *testing.B) {
				db, _ := storetest.Open(b, be)
				seedAudit(b, db, benchRows, alg)
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					if st := db.AuditStatus(sysCtx); !st.OK || st.Checked < benchRows {
						b.Fatalf("status = %+v", st)
					}
				}
				b.ReportMetric(float64(benchRows)*float64(b.N)/b.Elapsed().Seconds(), "entries/s")
			})
		}
	}
}

type countWriter struct{ n int64 }

func (w *countWriter) Write(p []byte) (int, error) { w.n += int64(len(p)); return len(p), nil }

// BenchmarkAuditExport: the export's throughput (paged scan, JSON Lines or
// CSV written to a discarding writer) beside a plain scan of the same rows
// (one query, the columns scanned, nothing written).
func BenchmarkAuditExport(b *testing.B) {
	for _, be := range storetest.Backends() {
		db, _ := storetest.Open(b, be)
		seedAudit(b, db, benchRows, audit.SHA256)
		b.Run(be.Name+"/plain-scan", func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				rows, err := db.SQL().Query(`SELECT seq, at, actor_id, actor, action, entity, entity_id, division_code, before_json, after_json, prev_hash, hash, hash_alg FROM audit_log ORDER BY seq`)
				if err != nil {
					b.Fatal(err)
				}
				n := 0
				for rows.Next() {
					var seq, at int64
					var actorID sql.NullInt64
					var actor, action, entity, id, div, prev, hash, alg string
					var before, after sql.NullString
					if err := rows.Scan(&seq, &at, &actorID, &actor, &action, &entity, &id, &div, &before, &after, &prev, &hash, &alg); err != nil {
						b.Fatal(err)
					}
					n++
				}
				rows.Close()
				if n < benchRows {
					b.Fatalf("scanned %d", n)
				}
			}
			b.ReportMetric(float64(benchRows)*float64(b.N)/b.Elapsed().Seconds(), "entries/s")
		})
		for _, format := range []string{audit.FormatJSONL, audit.FormatCSV} {
			b.Run(be.Name+"/export-"+format, func(b *testing.B) {
				var w countWriter
				for i := 0; i < b.N; i++ {
					fw, err := audit.NewFileWriter(&w, format, audit.FileHeader{Kind: "export"})
					if err != nil {
						b.Fatal(err)
					}
					if err := db.ScanAudit(sysCtx, audit.Filter{}, fw.Write); err != nil {
						b.Fatal(err)
					}
					fw.Flush()
				}
				b.ReportMetric(float64(benchRows)*float64(b.N)/b.Elapsed().Seconds(), "entries/s")
				b.ReportMetric(float64(w.n)/float64(b.N)/1e6, "MB/export")
			})
		}
	}
}
