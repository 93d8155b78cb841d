package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/yingji/yingji/internal/audit"
	"github.com/yingji/yingji/internal/core"
	"github.com/yingji/yingji/internal/store"
)

// auditConfig is the audit trail's settings (issue 9).
type auditConfig struct {
	// Hash is the chain hash of new entries: sha256 or sm3.
	Hash string
	// Retention, when set, archives entries older than it (at least 180
	// days) into ArchiveDir once a day.
	Retention  string
	ArchiveDir string
	retention  time.Duration
}

func (c *auditConfig) register(fs *flag.FlagSet) {
	fs.StringVar(&c.Hash, "audit-hash", audit.SHA256, "hash of the audit chain for new entries: sha256 or sm3 (GB/T 32905); entries keep theirs, so a switch still verifies")
	fs.StringVar(&c.Retention, "audit-retention", "", `archive audit entries older than this once a day into --audit-archive-dir, e.g. 180d, 26w or 4320h; at least 180 days (Cybersecurity Law Art. 21); "" keeps them all in the database`)
	fs.StringVar(&c.ArchiveDir, "audit-archive-dir", "", "folder for the audit archives --audit-retention writes (default DATA/audit-archive)")
}

// apply checks the settings and selects the chain hash.
func (c *auditConfig) apply(db *store.DB) error {
	if c.Hash == "" {
		c.Hash = audit.SHA256
	}
	if err := db.SetAuditHash(c.Hash); err != nil {
		return fmt.Errorf("--audit-hash: %w", err)
	}
	d, err := audit.ParseRetention(c.Retention)
	if err != nil {
		return fmt.Errorf("--audit-retention: %w", err)
	}
	c.retention = d
	return nil
}

// auditNow is the retention's clock (a test moves it half a year on).
var auditNow = time.Now

// startAuditRetention archives old audit entries now and once a day while
// the server runs (with --audit-retention); the returned func stops it.
func (a *app) startAuditRetention(ctx context.Context) func() {
	c := a.cfg.Audit
	if c.retention == 0 {
		return func() {}
	}
	dir := c.ArchiveDir
	if dir == "" {
		dir = filepath.Join(a.cfg.Data, "audit-archive")
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(24 * time.Hour)
		defer t.Stop()
		for {
			now := auditNow().UTC()
			out := filepath.Join(dir, "audit-"+now.Format("20060102T150405Z")+".jsonl")
			if err := os.MkdirAll(dir, 0o750); err != nil {
				a.log.Error("audit archive", "err", err)
			} else if res, err := archiveAudit(ctx, a.db, now.Add(-c.retention), now, out); err != nil {
				a.log.Error("audit archive", "file", out, "err", err)
			} else if res.Count > 0 {
				a.log.Info("audit archived", "file", out, "from_seq", res.FromSeq, "to_seq", res.ToSeq, "entries", res.Count)
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	return func() { cancel(); <-done }
}

// archiveAudit writes the archive to a temporary file beside out, moves the
// entries out of the database and then renames the file into place; with
// nothing to archive no file is left.
func archiveAudit(ctx context.Context, db *store.DB, before, now time.Time, out string) (store.ArchiveResult, error) {
	if _, err := os.Stat(out); err == nil {
		return store.ArchiveResult{}, fmt.Errorf("--out %s exists; archives are never overwritten", out)
	}
	tmp := out + ".partial"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o640)
	if err != nil {
		return store.ArchiveResult{}, err
	}
	sys := core.WithActor(ctx, core.SystemActor)
	// The file is complete and on disk before the transaction that deletes
	// the entries commits: ArchiveAudit flushes it inside, and every write
	// is synced.
	res, err := db.ArchiveAudit(sys, before, now, syncWriter{f}, filepath.Base(out))
	cerr := f.Close()
	if err == nil && cerr != nil {
		err = cerr
	}
	if err != nil || res.Count == 0 {
		os.Remove(tmp)
		return res, err
	}
	return res, os.Rename(tmp, out)
}

// syncWriter syncs the file after each (64 KiB, buffered) write.
type syncWriter struct{ f *os.File }

func (w syncWriter) Write(p []byte) (int, error) {
	n, err := w.f.Write(p)
	if err == nil {
		err = w.f.Sync()
	}
	return n, err
}

type fileList []string

func (l *fileList) String() string     { return strings.Join(*l, ",") }
func (l *fileList) Set(s string) error { *l = append(*l, s); return nil }

func cmdAudit(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	usage := errors.New("usage: yingji audit verify [--file FILE ...] [flags] | yingji audit archive --before DATE --out FILE [flags]")
	if len(args) == 0 {
		return usage
	}
	switch args[0] {
	case "verify":
		var files fileList
		cfg, err := parseCommand("audit verify", "yingji audit verify [--file FILE ...] [flags]", args[1:], stderr, false, func(fs *flag.FlagSet) {
			fs.Var(&files, "file", "verify an audit export or archive file instead of the database (repeat for archives that follow one another)")
		})
		if err != nil {
			return err
		}
		if len(files) > 0 {
			return verifyFiles(files, stdout)
		}
		a, err := openApp(ctx, cfg, newLogger(cfg))
		if err != nil {
			return err
		}
		defer a.close()
		st := a.db.AuditStatus(ctx)
		if !st.OK {
			return fmt.Errorf("audit trail BROKEN at entry %d after %d good entries: %w", st.BrokenSeq, st.Checked, st.Err)
		}
		fmt.Fprintf(stdout, "audit trail intact: %d entries\n", st.Checked)
		if st.HeadSeq > 0 {
			fmt.Fprintf(stdout, "head: entry %d, hash %s (keep a copy elsewhere to detect a rewritten chain)\n", st.HeadSeq, st.HeadHash)
		}
		if st.AnchorSeq > 0 {
			fmt.Fprintf(stdout, "it starts after archived entry %d (hash %s): verify the archives with --file\n", st.AnchorSeq, st.AnchorHash)
		}
		return nil
	case "archive":
		var before, out string
		cfg, err := parseCommand("audit archive", "yingji audit archive --before DATE --out FILE [flags]", args[1:], stderr, false, func(fs *flag.FlagSet) {
			fs.StringVar(&before, "before", "", "archive the entries older than this date (YYYY-MM-DD, UTC, or RFC 3339); at least 180 days ago")
			fs.StringVar(&out, "out", "", "the archive file to write (JSON Lines; must not exist)")
		})
		if err != nil {
			return err
		}
		if before == "" || out == "" {
			return errors.New("audit archive: --before and --out are required")
		}
		cut, err := audit.ParseDate(before)
		if err != nil {
			return fmt.Errorf("--before: %w", err)
		}
		a, err := openApp(ctx, cfg, newLogger(cfg))
		if err != nil {
			return err
		}
		defer a.close()
		res, err := archiveAudit(ctx, a.db, cut, time.Now(), out)
		if err != nil {
			return fmt.Errorf("audit archive: %w", err)
		}
		if res.Count == 0 {
			fmt.Fprintf(stdout, "nothing to archive before %s\n", cut.Format(time.RFC3339))
			return nil
		}
		fmt.Fprintf(stdout, "archived entries %d–%d (%d) to %s\nthe chain now starts after entry %d (hash %s)\n", res.FromSeq, res.ToSeq, res.Count, out, res.ToSeq, res.LastHash)
		return nil
	}
	return usage
}

// verifyFiles verifies audit files, and that each follows the one before.
func verifyFiles(files []string, stdout io.Writer) error {
	var total int64
	var last *audit.FileReport
	for _, name := range files {
		f, err := os.Open(name)
		if err != nil {
			return err
		}
		rep, err := audit.VerifyFile(f)
		f.Close()
		if err != nil {
			return fmt.Errorf("%s: BROKEN: %w", name, err)
		}
		if last != nil && (rep.Header.PrevSeq != last.LastSeq || rep.FirstPrev != last.LastHash) {
			return fmt.Errorf("%s: BROKEN: it starts after entry %d but the file before ends at entry %d: the files do not follow one another", name, rep.Header.PrevSeq, last.LastSeq)
		}
		kind := "complete"
		if !rep.Header.Complete {
			kind = fmt.Sprintf("filtered, %d gaps", rep.Gaps)
		}
		fmt.Fprintf(stdout, "%s: intact: %d entries %d–%d (%s; sha256 %d, sm3 %d); first links to hash %q, last hash %s\n",
			name, rep.Entries, rep.FirstSeq, rep.LastSeq, kind, rep.Algs[audit.SHA256], rep.Algs[audit.SM3], rep.FirstPrev, rep.LastHash)
		total += rep.Entries
		last = &rep
	}
	fmt.Fprintf(stdout, "audit files intact: %d entries\n", total)
	return nil
}
