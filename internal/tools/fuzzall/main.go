// Command fuzzall runs every fuzz target of the module for a bounded time:
// bounded fuzzing in CI (a few seconds each) and longer runs by hand.
//
//	go run ./internal/tools/fuzzall -fuzztime 3s          # CI
//	go run ./internal/tools/fuzzall -fuzztime 5m          # a longer search
//	go run ./internal/tools/fuzzall -run 'CAP|Decode' ./internal/warning/...
//
// It finds the packages whose test files declare a func Fuzz…, builds each
// one's test binary once with the fuzzing instrumentation (`go test -c
// -fuzz`), asks it for its targets (`-test.list '^Fuzz'`), and runs each
// target alone, as `go test -run '^$' -fuzz '^Name$' -fuzztime T` would
// (same corpus cache under GOCACHE/fuzz, same testdata/fuzz). A failing target does
// not stop the others; at the end every failure is listed with the file of
// the failing input (under the package's testdata/fuzz/, the regression
// test to commit once the bug is fixed) and the command that replays it,
// and the exit status is 1.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"
)

type pkg struct {
	ImportPath   string
	Dir          string
	TestGoFiles  []string
	XTestGoFiles []string
	Binary       string // the instrumented test binary
}

type target struct {
	pkg  pkg
	name string
}

type failure struct {
	t       target
	crasher string // path of the failing input, "" when go test wrote none
	output  string
}

var fuzzFunc = regexp.MustCompile(`(?m)^func (Fuzz\w*)\(\w+ \*testing\.F\)`)

// crasherLine is how go test names a failing input it saved.
var crasherLine = regexp.MustCompile(`Failing input written to (\S+)`)

func main() {
	fuzztime := flag.String("fuzztime", "3s", "time (or NNx iterations) each target is fuzzed, go test's -fuzztime")
	run := flag.String("run", "", "only the targets whose name or package matches this regular expression")
	parallel := flag.Int("parallel", 0, "fuzzing workers per target (go test -parallel); 0 for GOMAXPROCS")
	timeout := flag.Duration("timeout", 0, "per-target go test -timeout; 0 for fuzztime + 10m")
	list := flag.Bool("list", false, "list the targets and exit")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: fuzzall [flags] [packages] (default ./...)\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	patterns := flag.Args()
	if len(patterns) == 0 {
		patterns = []string{"./..."}
	}
	var filter *regexp.Regexp
	if *run != "" {
		var err error
		if filter, err = regexp.Compile(*run); err != nil {
			fatalf("-run: %v", err)
		}
	}
	ctx := context.Background()
	bin, err := os.MkdirTemp("", "fuzzall")
	if err != nil {
		fatalf("%v", err)
	}
	defer os.RemoveAll(bin)
	cache, err := output(ctx, "", "go", "env", "GOCACHE")
	if err != nil {
		fatalf("%v", err)
	}
	start := time.Now()
	targets, err := findTargets(ctx, patterns, bin, filter)
	if err != nil {
		os.RemoveAll(bin)
		fatalf("%v", err)
	}
	var chosen []target
	for _, t := range targets {
		if filter == nil || filter.MatchString(t.name) || filter.MatchString(t.pkg.ImportPath) {
			chosen = append(chosen, t)
		}
	}
	if *list {
		for _, t := range chosen {
			fmt.Printf("%s %s\n", t.pkg.ImportPath, t.name)
		}
		return
	}
	if len(chosen) == 0 {
		os.RemoveAll(bin)
		fatalf("no fuzz targets found in %s", strings.Join(patterns, " "))
	}
	to := *timeout
	if to == 0 {
		to = 10 * time.Minute
		if d, err := time.ParseDuration(*fuzztime); err == nil {
			to += d
		}
	}
	var failures []failure
	flakes := 0
	for i, t := range chosen {
		began := time.Now()
		fmt.Printf("[%d/%d] %s %s ", i+1, len(chosen), t.pkg.ImportPath, t.name)
		f, err := fuzz(ctx, t, *fuzztime, *parallel, to, strings.TrimSpace(string(cache)))
		if err != nil && deadlineFlake(f) {
			// go1.26's coordinator may report its own -fuzztime deadline as
			// a failure (golang/go#75804, fixed in go1.27): no input failed.
			// Run the target once more; a second such report is a warning.
			f, err = fuzz(ctx, t, *fuzztime, *parallel, to, strings.TrimSpace(string(cache)))
			if err != nil && deadlineFlake(f) {
				fmt.Printf("ok, but the fuzzing engine reported its deadline twice (golang/go#75804) (%s)\n", time.Since(began).Round(time.Millisecond))
				flakes++
				continue
			}
		}
		if err != nil {
			fmt.Printf("FAIL (%s)\n", time.Since(began).Round(time.Millisecond))
			failures = append(failures, f)
			continue
		}
		fmt.Printf("ok (%s)\n", time.Since(began).Round(time.Millisecond))
	}
	fmt.Printf("%d targets in %d packages, %s\n", len(chosen), packages(chosen), time.Since(start).Round(time.Second))
	if flakes > 0 {
		fmt.Printf("%d targets ended twice with the engine's deadline report (golang/go#75804), no failing input\n", flakes)
	}
	if len(failures) == 0 {
		return
	}
	fmt.Printf("\n%d of %d fuzz targets FAILED:\n", len(failures), len(chosen))
	for _, f := range failures {
		fmt.Printf("\n--- FAIL %s %s\n%s\n", f.t.pkg.ImportPath, f.t.name, indent(tail(f.output, 60)))
		if f.crasher != "" {
			fmt.Printf("    failing input: %s\n", f.crasher)
			fmt.Printf("    replay:        go test -run '^%s/%s$' %s\n", f.t.name, filepath.Base(f.crasher), f.t.pkg.ImportPath)
			fmt.Printf("    commit it with the fix as the regression test.\n")
		}
	}
	os.RemoveAll(bin)
	os.Exit(1)
}

// findTargets lists the fuzz targets of the packages matched by patterns:
// only packages whose test files declare one are built, and what the test
// binary lists with -test.list '^Fuzz' is what counts.
func findTargets(ctx context.Context, patterns []string, bin string, filter *regexp.Regexp) ([]target, error) {
	out, err := output(ctx, "", "go", append([]string{"list", "-json=ImportPath,Dir,TestGoFiles,XTestGoFiles"}, patterns...)...)
	if err != nil {
		return nil, err
	}
	var targets []target
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p pkg
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return nil, fmt.Errorf("go list: %v", err)
		}
		declared, err := declaredTargets(p)
		if err != nil {
			return nil, err
		}
		if len(declared) == 0 || filter != nil && !filter.MatchString(p.ImportPath) && !slices.ContainsFunc(declared, filter.MatchString) {
			continue
		}
		began := time.Now()
		p.Binary = filepath.Join(bin, strings.ReplaceAll(p.ImportPath, "/", "_")+".test")
		if _, err := output(ctx, "", "go", "test", "-c", "-fuzz", "^Fuzz", "-o", p.Binary, p.ImportPath); err != nil {
			return nil, err
		}
		listed, err := output(ctx, p.Dir, p.Binary, "-test.list", "^Fuzz")
		if err != nil {
			return nil, err
		}
		var names []string
		sc := bufio.NewScanner(bytes.NewReader(listed))
		for sc.Scan() {
			if name := strings.TrimSpace(sc.Text()); strings.HasPrefix(name, "Fuzz") {
				names = append(names, name)
			}
		}
		sort.Strings(names)
		fmt.Printf("built %s: %d targets (%s)\n", p.ImportPath, len(names), time.Since(began).Round(time.Millisecond))
		for _, name := range names {
			targets = append(targets, target{pkg: p, name: name})
		}
	}
	return targets, nil
}

// declaredTargets reads the package's test files for func Fuzz….
func declaredTargets(p pkg) ([]string, error) {
	var names []string
	for _, f := range append(append([]string{}, p.TestGoFiles...), p.XTestGoFiles...) {
		b, err := os.ReadFile(filepath.Join(p.Dir, f))
		if err != nil {
			return nil, err
		}
		for _, m := range fuzzFunc.FindAllSubmatch(b, -1) {
			names = append(names, string(m[1]))
		}
	}
	return names, nil
}

// fuzz runs one target; the error is non-nil when it failed.
func fuzz(ctx context.Context, t target, fuzztime string, parallel int, timeout time.Duration, cache string) (failure, error) {
	args := []string{"-test.run", "^$", "-test.fuzz", "^" + t.name + "$", "-test.fuzztime", fuzztime, "-test.timeout", timeout.String(),
		"-test.fuzzcachedir", filepath.Join(cache, "fuzz", t.pkg.ImportPath)}
	if parallel > 0 {
		args = append(args, "-test.parallel", fmt.Sprint(parallel))
	}
	cmd := exec.CommandContext(ctx, t.pkg.Binary, args...)
	cmd.Dir = t.pkg.Dir // testdata/fuzz is read and written there
	var buf bytes.Buffer
	cmd.Stdout, cmd.Stderr = &buf, &buf
	err := cmd.Run()
	f := failure{t: t, output: buf.String()}
	if err == nil {
		return f, nil
	}
	if m := crasherLine.FindStringSubmatch(f.output); m != nil {
		f.crasher = m[1]
		if !filepath.IsAbs(f.crasher) {
			f.crasher = filepath.Join(t.pkg.Dir, f.crasher)
		}
	}
	return f, err
}

// deadlineFlake reports whether a failed run is only the fuzzing engine's
// own deadline (golang/go#75804): "context deadline exceeded" as the sole
// failure, no failing input written, no panic and no message of the target.
func deadlineFlake(f failure) bool {
	if f.crasher != "" || !strings.Contains(f.output, "context deadline exceeded") {
		return false
	}
	for _, line := range strings.Split(f.output, "\n") {
		l := strings.TrimSpace(line)
		switch {
		case l == "", l == "FAIL", l == "context deadline exceeded", strings.HasPrefix(l, "fuzz: elapsed:"),
			strings.HasPrefix(l, "--- FAIL: "+f.t.name+" "), strings.HasPrefix(l, "exit status "):
		default:
			return false
		}
	}
	return true
}

func output(ctx context.Context, dir, name string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("%s %s: %v\n%s%s", name, strings.Join(args, " "), err, out, stderr.Bytes())
	}
	return out, nil
}

func packages(ts []target) int {
	seen := map[string]bool{}
	for _, t := range ts {
		seen[t.pkg.ImportPath] = true
	}
	return len(seen)
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

func indent(s string) string { return "    " + strings.ReplaceAll(s, "\n", "\n    ") }

func fatalf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "fuzzall: "+format+"\n", args...)
	os.Exit(2)
}
