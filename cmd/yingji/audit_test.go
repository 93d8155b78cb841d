package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/yingji/yingji/internal/audit"
	"github.com/yingji/yingji/internal/core"
	"github.com/yingji/yingji/internal/store"
)

// TestAuditCommands: --audit-hash sm3 writes SM3 entries after SHA-256
// ones and `audit verify` passes the mixed chain; a retention or cut-off
// under 180 days is refused naming Art. 21; an archive file verifies with
// --file, and a changed line in it is reported with the line.
func TestAuditCommands(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	var out bytes.Buffer
	t.Setenv("YINGJI_PASSWORD", "Second-password-2")
	if err := run(ctx, []string{"user", "add", "a1", "--role", "viewer", "--division", "530523", "--data", dir}, &out, io.Discard); err != nil {
		t.Fatalf("user add: %v", err)
	}
	if err := run(ctx, []string{"user", "add", "a2", "--role", "viewer", "--division", "530523", "--data", dir, "--audit-hash", "sm3"}, &out, io.Discard); err != nil {
		t.Fatalf("user add with sm3: %v", err)
	}
	err := run(ctx, []string{"user", "add", "a3", "--role", "viewer", "--division", "530523", "--data", dir, "--audit-hash", "md5"}, &out, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "--audit-hash") {
		t.Fatalf("--audit-hash md5 = %v", err)
	}
	out.Reset()
	if err := run(ctx, []string{"audit", "verify", "--data", dir}, &out, io.Discard); err != nil || !strings.Contains(out.String(), "audit trail intact:") {
		t.Fatalf("audit verify: %v %s", err, out.String())
	}
	db, err := store.Open(ctx, filepath.Join(dir, "yingji.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if st := db.AuditStatus(ctx); st.Algs[audit.SM3] == 0 || st.Algs[audit.SHA256] == 0 {
		t.Fatalf("algorithms in the chain: %v, want both", st.Algs)
	}

	err = run(ctx, []string{"serve", "--data", dir, "--audit-retention", "90d"}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "Art. 21") {
		t.Fatalf("--audit-retention 90d = %v, want a refusal naming Art. 21", err)
	}
	err = run(ctx, []string{"audit", "archive", "--data", dir, "--before", time.Now().AddDate(0, -3, 0).Format("2006-01-02"), "--out", filepath.Join(dir, "a.jsonl")}, &out, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "Art. 21") {
		t.Fatalf("archive of 3 months = %v, want a refusal naming Art. 21", err)
	}
	if err := run(ctx, []string{"audit", "archive", "--data", dir, "--before", "yesterday", "--out", "x"}, &out, io.Discard); err == nil || !strings.Contains(err.Error(), "--before") {
		t.Fatalf("--before yesterday = %v", err)
	}
	out.Reset()
	if err := run(ctx, []string{"audit", "archive", "--data", dir, "--before", "2020-01-01", "--out", filepath.Join(dir, "a.jsonl")}, &out, io.Discard); err != nil || !strings.Contains(out.String(), "nothing to archive") {
		t.Fatalf("archive of nothing: %v %s", err, out.String())
	}

	// The entries are minutes old: archive them as the store would in half
	// a year, then verify the file and the rest of the chain.
	file := filepath.Join(dir, "audit-1.jsonl")
	res, err := archiveAudit(core.WithActor(ctx, core.SystemActor), db, time.Now().Add(time.Second), time.Now().Add(audit.MinRetention+time.Hour), file)
	if err != nil || res.Count == 0 {
		t.Fatalf("archive: %+v, %v", res, err)
	}
	if _, err := os.Stat(file + ".partial"); !os.IsNotExist(err) {
		t.Fatalf("the partial file is left: %v", err)
	}
	out.Reset()
	if err := run(ctx, []string{"audit", "verify", "--file", file}, &out, io.Discard); err != nil || !strings.Contains(out.String(), "audit files intact:") {
		t.Fatalf("verify --file: %v %s", err, out.String())
	}
	out.Reset()
	if err := run(ctx, []string{"audit", "verify", "--data", dir}, &out, io.Discard); err != nil || !strings.Contains(out.String(), "starts after archived entry") {
		t.Fatalf("verify after archiving: %v %s", err, out.String())
	}
	data, _ := os.ReadFile(file)
	bad := filepath.Join(dir, "bad.jsonl")
	os.WriteFile(bad, []byte(strings.Replace(string(data), `"actor":"system"`, `"actor":"mallory"`, 1)), 0o600)
	err = run(ctx, []string{"audit", "verify", "--file", bad}, &out, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "line 2: entry 1 was altered") {
		t.Fatalf("verify of a changed file = %v", err)
	}
	// An archive written by hand against the rules breaks the chain.
	if _, err := db.SQL().Exec(`DELETE FROM audit_log WHERE seq = (SELECT MIN(seq) FROM audit_log)`); err != nil {
		t.Fatal(err)
	}
	err = run(ctx, []string{"audit", "verify", "--data", dir}, &out, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "BROKEN at entry") {
		t.Fatalf("verify after a deletion = %v", err)
	}
}

// TestAuditRetention: with --audit-retention 180d the server archives the
// entries older than that at start into --audit-archive-dir (the clock set
// half a year on), the file verifies and the chain starts after it; a
// second archive continues from the first and `verify --file` checks both
// in order and refuses them reversed.
func TestAuditRetention(t *testing.T) {
	dir := t.TempDir()
	archives := filepath.Join(dir, "archives")
	ctx := context.Background()
	t.Setenv("YINGJI_PASSWORD", "Second-password-2")
	if err := run(ctx, []string{"user", "add", "r1", "--role", "viewer", "--division", "530523", "--data", dir}, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	start := func() {
		t.Helper()
		cfg, err := parseCommand("serve", "", []string{"--data", dir, "--audit-retention", "180d", "--audit-archive-dir", archives, "--audit-hash", "sm3"}, io.Discard, false, nil)
		if err != nil {
			t.Fatal(err)
		}
		a, err := openApp(ctx, cfg, newLogger(cfg))
		if err != nil {
			t.Fatal(err)
		}
		defer a.close()
		before := countFiles(t, archives)
		stop := a.startAuditRetention(ctx)
		for i := 0; countFiles(t, archives) == before; i++ {
			if i > 500 {
				t.Fatal("no archive written")
			}
			time.Sleep(20 * time.Millisecond)
		}
		stop()
		if st := a.db.AuditStatus(ctx); !st.OK || st.AnchorSeq == 0 || st.Algs[audit.SM3] == 0 {
			t.Fatalf("after the retention ran: %+v", st)
		}
	}
	auditNow = func() time.Time { return time.Now().Add(audit.MinRetention + time.Hour) }
	defer func() { auditNow = time.Now }()
	start()
	time.Sleep(1100 * time.Millisecond) // the next archive's name has the next second
	start()
	entries, _ := os.ReadDir(archives)
	var files []string
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".jsonl") {
			files = append(files, filepath.Join(archives, e.Name()))
		}
	}
	if len(files) != 2 {
		t.Fatalf("archives = %v", files)
	}
	var out bytes.Buffer
	if err := run(ctx, []string{"audit", "verify", "--file", files[0], "--file", files[1]}, &out, io.Discard); err != nil || !strings.Contains(out.String(), "audit files intact") {
		t.Fatalf("verify of both archives: %v %s", err, out.String())
	}
	err := run(ctx, []string{"audit", "verify", "--file", files[1], "--file", files[0]}, &out, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "do not follow one another") {
		t.Fatalf("verify of the archives reversed = %v", err)
	}
}

func countFiles(t *testing.T, dir string) int {
	entries, err := os.ReadDir(dir)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	n := 0
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".jsonl") { // not a .partial one
			n++
		}
	}
	return n
}
