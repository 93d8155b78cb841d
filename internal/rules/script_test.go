package rules

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the expect lines of testdata/*.txt from the engine's output")

// TestScripts runs the golden scripts in testdata. A script is a list of
// commands; the engine's output after each command is a run of "expect"
// lines, and the script passes when its expect lines are exactly that
// output. With -update the expect lines are rewritten instead.
//
//	facility F1 type=tailings_pond dam_grade=3 pond_type=wet
//	point P1 interval=60s group=F1/phreatic_line rule=low red=2 orange=2.2 deadband=0.05 for=30s
//	point P2 kind=freeboard unit=m interval=60s facility=F1 defaults
//	at 10:00:05 P1 = 2.5
//	tick 10:05:00
//	remove P1
//
// Rule types are high, low, rate-high, rate-low and stale; their fields
// are red, orange, yellow, blue, deadband, for, window, intervals, level
// and name. Times are hh:mm:ss on one day (hours may pass 24).
func TestScripts(t *testing.T) {
	files, err := filepath.Glob("testdata/*.txt")
	if err != nil || len(files) == 0 {
		t.Fatalf("no scripts: %v", err)
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txt"), func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			got := runScript(t, file, string(data))
			if *update {
				if err := os.WriteFile(file, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			if diff := cmp.Diff(strings.Split(string(data), "\n"), strings.Split(got, "\n")); diff != "" {
				t.Errorf("%s: output differs (-script +engine); run go test -update to accept:\n%s", file, diff)
			}
		})
	}
}

var scriptDay = time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC).UnixMilli()

type script struct {
	t          *testing.T
	pos        string
	e          *Engine
	out        strings.Builder
	clock      int64
	points     map[string]PointID
	names      []string
	configs    []PointConfig
	facilities map[string]FacilityID
	facNames   []string
	facAttrs   []FacilityAttrs
	buf        []Transition
}

func runScript(t *testing.T, file, text string) string {
	s := &script{t: t, e: NewEngine(), clock: scriptDay,
		points: map[string]PointID{}, facilities: map[string]FacilityID{}}
	for i, line := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		s.pos = fmt.Sprintf("%s:%d", file, i+1)
		f := strings.Fields(line)
		if len(f) > 0 && f[0] == "expect" {
			continue // regenerated below
		}
		s.out.WriteString(line + "\n")
		if len(f) == 0 || strings.HasPrefix(f[0], "#") {
			continue
		}
		s.command(f)
	}
	return s.out.String()
}

func (s *script) fatalf(format string, args ...any) {
	s.t.Helper()
	s.t.Fatalf("%s: "+format, append([]any{s.pos}, args...)...)
}

func (s *script) expect(format string, args ...any) {
	fmt.Fprintf(&s.out, "expect "+format+"\n", args...)
}

func (s *script) command(f []string) {
	switch f[0] {
	case "facility":
		s.facility(f[1:])
	case "point":
		s.point(f[1:])
	case "at":
		if len(f) != 5 || f[3] != "=" {
			s.fatalf("want: at hh:mm:ss POINT = VALUE")
		}
		ts := s.time(f[1])
		id := s.id(f[2])
		v, err := strconv.ParseFloat(f[4], 64)
		if err != nil {
			s.fatalf("value: %v", err)
		}
		s.clock = max(s.clock, ts)
		var res Result
		s.buf, res = s.e.Eval(s.buf[:0], id, ts, v)
		if res != Evaluated {
			s.expect("%s %s", f[2], res)
		}
		s.report(s.buf, ts, s.configs)
	case "tick":
		if len(f) != 2 {
			s.fatalf("want: tick hh:mm:ss")
		}
		now := s.time(f[1])
		s.clock = max(s.clock, now)
		s.buf = s.e.Tick(s.buf[:0], now)
		s.report(s.buf, now, s.configs)
	case "remove":
		if len(f) != 2 {
			s.fatalf("want: remove POINT")
		}
		id := s.id(f[1])
		s.buf = s.e.RemovePoint(s.buf[:0], id, s.clock)
		s.report(s.buf, s.clock, s.configs)
	default:
		s.fatalf("unknown command %q", f[0])
	}
}

func (s *script) time(v string) int64 {
	parts := strings.Split(v, ":")
	if len(parts) != 3 {
		s.fatalf("time %q: want hh:mm:ss", v)
	}
	h, err1 := strconv.Atoi(parts[0])
	m, err2 := strconv.Atoi(parts[1])
	sec, err3 := strconv.ParseFloat(parts[2], 64)
	if err1 != nil || err2 != nil || err3 != nil {
		s.fatalf("time %q: want hh:mm:ss", v)
	}
	return scriptDay + int64(h)*3_600_000 + int64(m)*60_000 + int64(sec*1000)
}

func (s *script) id(name string) PointID {
	id, ok := s.points[name]
	if !ok {
		// An unknown name gets an ID the engine has never seen.
		return PointID(MaxPoints - 1)
	}
	return id
}

func (s *script) facility(f []string) {
	if len(f) < 1 {
		s.fatalf("want: facility NAME key=value…")
	}
	var a FacilityAttrs
	for _, kv := range f[1:] {
		k, v, _ := strings.Cut(kv, "=")
		switch k {
		case "type":
			a.Type = v
		case "dam_grade":
			a.DamGrade = int(s.num(v))
		case "pond_type":
			a.PondType = v
		case "design_freeboard_m":
			a.DesignFreeboard = s.num(v)
		case "design_beach_length_m":
			a.DesignBeachLength = s.num(v)
		default:
			s.fatalf("unknown facility attribute %q", k)
		}
	}
	s.facilities[f[0]] = FacilityID(len(s.facNames))
	s.facNames = append(s.facNames, f[0])
	s.facAttrs = append(s.facAttrs, a)
}

func (s *script) num(v string) float64 {
	x, err := strconv.ParseFloat(v, 64)
	if err != nil {
		s.fatalf("%q: %v", v, err)
	}
	return x
}

func (s *script) dur(v string) Duration {
	d, err := time.ParseDuration(v)
	if err != nil {
		s.fatalf("%q: %v", v, err)
	}
	return Duration(d)
}
