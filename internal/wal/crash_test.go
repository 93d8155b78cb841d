package wal

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// crashDirEnv tells a re-executed test binary to act as the crashing
// platform instead of running tests.
const crashDirEnv = "YINGJI_WAL_CRASH_DIR"

// crashPayload is deterministic, so the parent can tell an intact record
// from a damaged one even when the record was never acknowledged.
func crashPayload(writer, seq int) string {
	return fmt.Sprintf("w%d-%d-%s", writer, seq, strings.Repeat(string(rune('a'+(writer+seq)%26)), (writer*7+seq)%120))
}

func wellFormed(rec string) bool {
	parts := strings.SplitN(rec, "-", 3)
	if len(parts) != 3 || !strings.HasPrefix(parts[0], "w") {
		return false
	}
	w, err1 := strconv.Atoi(parts[0][1:])
	seq, err2 := strconv.Atoi(parts[1])
	return err1 == nil && err2 == nil && crashPayload(w, seq) == rec
}

// TestHelperProcess is not a test: TestCrashKill9 runs the test binary
// with crashDirEnv set and this function becomes the child that appends as
// fast as it can until it is killed. It prints a line for a record only
// from the record's done callback, i.e. only once the log acknowledged it.
func TestHelperProcess(t *testing.T) {
	dir := os.Getenv(crashDirEnv)
	if dir == "" {
		return
	}
	l, err := Open(dir, Options{SegmentBytes: 256 << 10})
	if err != nil {
		fmt.Fprintln(os.Stderr, "helper:", err)
		os.Exit(2)
	}
	// Each writer keeps a bounded window of records in flight, as an MQTT
	// client does with its receive maximum, so the acknowledged records
	// stay close to what is on disk when the kill lands.
	for w := range 8 {
		go func() {
			window := make(chan struct{}, 64)
			for seq := 0; ; seq++ {
				rec := crashPayload(w, seq)
				window <- struct{}{}
				err := l.Append(context.Background(), []byte(rec), func(lsn LSN, err error) {
					if err == nil {
						fmt.Fprintf(os.Stdout, "ack %d %s\n", lsn, rec)
					}
					<-window
				})
				if err != nil {
					fmt.Fprintln(os.Stderr, "helper:", err)
					os.Exit(2)
				}
			}
		}()
	}
	// The parent kills us long before; exiting keeps a lost parent from
	// leaving this process behind.
	time.Sleep(time.Minute)
	os.Exit(3)
}

// TestCrashKill9 kills a process that is appending at full speed with
// SIGKILL, three times over the same directory, and checks after each kill
// that every record the process had acknowledged replays intact and that
// nothing damaged is ever replayed.
func TestCrashKill9(t *testing.T) {
	dir := t.TempDir()
	acked := map[LSN]string{}
	for round := range 3 {
		killAfter := 2000 + 4000*round
		cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$")
		cmd.Env = append(os.Environ(), crashDirEnv+"="+dir)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		n := 0
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			fields := strings.SplitN(sc.Text(), " ", 3)
			if len(fields) != 3 || fields[0] != "ack" {
				continue
			}
			lsn, err := strconv.ParseUint(fields[1], 10, 64)
			if err != nil {
				t.Fatalf("bad ack line %q", sc.Text())
			}
			if prev, dup := acked[LSN(lsn)]; dup {
				t.Fatalf("LSN %d acknowledged twice: %q and %q", lsn, prev, fields[2])
			}
			acked[LSN(lsn)] = fields[2]
			// Keep reading after the kill: lines already in the pipe
			// were acknowledged before the process died.
			if n++; n == killAfter {
				if err := cmd.Process.Kill(); err != nil {
					t.Fatal(err)
				}
			}
		}
		err = cmd.Wait()
		if n < killAfter {
			t.Fatalf("round %d: child ended after %d acknowledgements: %v\n%s", round, n, err, stderr.String())
		}

		l, err := Open(dir, Options{})
		if err != nil {
			t.Fatalf("round %d: reopening after kill -9: %v", round, err)
		}
		found, total := 0, 0
		err = l.Replay(0, func(lsn LSN, rec []byte) error {
			total++
			if !wellFormed(string(rec)) {
				return fmt.Errorf("LSN %d replayed damaged: %q", lsn, rec)
			}
			if want, ok := acked[lsn]; ok {
				if want != string(rec) {
					return fmt.Errorf("LSN %d acknowledged as %q, replayed as %q", lsn, want, rec)
				}
				found++
			}
			return nil
		})
		st := l.Stats()
		if cerr := l.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		if found != len(acked) {
			t.Fatalf("round %d: %d of %d acknowledged records lost", round, len(acked)-found, len(acked))
		}
		t.Logf("round %d: %d acknowledged in total, %d replayed, torn tail %d bytes, %d segments",
			round, len(acked), total, st.TruncatedBytes, st.Segments)
	}
}
