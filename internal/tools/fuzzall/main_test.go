package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestFuzzallReportsCrasher runs fuzzall on a module of its own with two
// targets, one that holds and one that fails on any input of three bytes or
// more: it exits 1, says which target failed, names the failing input's
// file under the package's testdata/fuzz (and the file is there), prints
// the replay command, and runs the other target too.
func TestFuzzallReportsCrasher(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "fuzzall")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build fuzzall: %v\n%s", err, out)
	}
	mod := filepath.Join(dir, "mod")
	write := func(name, text string) {
		p := filepath.Join(mod, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("go.mod", "module example.com/crash\n\ngo 1.26\n")
	write("crash/crash.go", "package crash\n\nfunc Len(s string) int { return len(s) }\n")
	// (the fuzz functions are written "func "+"Fuzz…" so that fuzzall, run on
	// this module, does not take this file for one declaring targets.)
	write("crash/crash_test.go", `package crash

import "testing"

`+"func "+`FuzzHolds(f *testing.F) {
	f.Add("a")
	f.Fuzz(func(t *testing.T, s string) {
		if Len(s) < 0 {
			t.Fatal("negative")
		}
	})
}

`+"func "+`FuzzCrash(f *testing.F) {
	f.Add("a")
	f.Fuzz(func(t *testing.T, s string) {
		if Len(s) >= 3 {
			t.Fatalf("three bytes: %q", s)
		}
	})
}
`)
	cmd := exec.Command(bin, "-fuzztime", "5s")
	cmd.Dir = mod
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod")
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Fatalf("fuzzall exited with %v, want status 1:\n%s", err, out)
	}
	text := string(out)
	for _, want := range []string{"2 targets in 1 packages", "1 of 2 fuzz targets FAILED", "--- FAIL example.com/crash/crash FuzzCrash", "FuzzHolds ok"} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q:\n%s", want, text)
		}
	}
	m := regexp.MustCompile(`failing input: (\S+)`).FindStringSubmatch(text)
	if m == nil {
		t.Fatalf("no failing input named:\n%s", text)
	}
	if want := filepath.Join(mod, "crash", "testdata", "fuzz", "FuzzCrash") + string(filepath.Separator); !strings.HasPrefix(m[1], want) {
		t.Errorf("failing input %s is not under %s", m[1], want)
	}
	if _, err := os.Stat(m[1]); err != nil {
		t.Errorf("failing input: %v", err)
	}
	if !strings.Contains(text, "replay:        go test -run '^FuzzCrash/"+filepath.Base(m[1])+"$' example.com/crash/crash") {
		t.Errorf("no replay command:\n%s", text)
	}
}

// TestDeadlineFlake: only the engine's bare deadline report is taken for
// golang/go#75804; a failing input, a panic or a message of the target is a
// failure.
func TestDeadlineFlake(t *testing.T) {
	tg := target{name: "FuzzWrap"}
	flake := "fuzz: elapsed: 0s, gathering baseline coverage: 4/4 completed, now fuzzing with 2 workers\nfuzz: elapsed: 3s, execs: 81919 (27304/sec), new interesting: 58 (total: 62)\n--- FAIL: FuzzWrap (4.01s)\n    context deadline exceeded\nFAIL\nexit status 1\n"
	if !deadlineFlake(failure{t: tg, output: flake}) {
		t.Error("the bare deadline report is not taken for the engine's")
	}
	for name, f := range map[string]failure{
		"failing input": {t: tg, output: flake, crasher: "/x/testdata/fuzz/FuzzWrap/abc"},
		"message":       {t: tg, output: strings.Replace(flake, "    context deadline exceeded\n", "    context deadline exceeded\n    wrap_test.go:12: line too long\n", 1)},
		"panic":         {t: tg, output: strings.Replace(flake, "FAIL\n", "panic: runtime error\nFAIL\n", 1)},
		"no deadline":   {t: tg, output: strings.Replace(flake, "context deadline exceeded", "fuzzing process hung or terminated unexpectedly", 1)},
	} {
		if deadlineFlake(f) {
			t.Errorf("%s: taken for the engine's deadline report", name)
		}
	}
}
