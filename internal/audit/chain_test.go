package audit

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/emmansun/gmsm/sm3"
)

// chainAlg builds n entries, entry i hashed with algs[i % len(algs)].
func chainAlg(n int, algs ...string) []Entry {
	var out []Entry
	prev := ""
	for i := 1; i <= n; i++ {
		e := Entry{Seq: int64(i), At: time.UnixMilli(int64(1700000000000 + i)), Actor: "admin", Action: "update", Alg: algs[(i-1)%len(algs)],
			Entity: "enterprise", EntityID: fmt.Sprint(i), Before: json.RawMessage(`{"name":"a"}`), After: json.RawMessage(`{"name":"<b>"}`), PrevHash: prev}
		e.Hash = ComputeHash(&e)
		prev = e.Hash
		out = append(out, e)
	}
	return out
}

// TestSM3Vector: the SM3 used is the standard's (GB/T 32905-2016, A.1: "abc").
func TestSM3Vector(t *testing.T) {
	sum := sm3.Sum([]byte("abc"))
	if got := hex.EncodeToString(sum[:]); got != "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0" {
		t.Fatalf("SM3(abc) = %s", got)
	}
}

func TestVerifyAlgorithms(t *testing.T) {
	for _, algs := range [][]string{{SHA256}, {SM3}, {SHA256, SM3}, {SM3, SM3, SHA256}} {
		name := strings.Join(algs, "+")
		t.Run(name, func(t *testing.T) {
			if bad, err := Verify(0, "", chainAlg(6, algs...)); err != nil {
				t.Fatalf("intact chain: Verify = %d, %v", bad, err)
			}
			if c := chainAlg(1, algs...); len(c[0].Hash) != 64 {
				t.Fatalf("hash %q is not 256 bits of hex", c[0].Hash)
			}
			tests := []struct {
				name   string
				break_ func([]Entry) []Entry
				want   int64
			}{
				{"changed", func(c []Entry) []Entry { c[2].After = json.RawMessage(`{"name":"x"}`); return c }, 3},
				{"deleted", func(c []Entry) []Entry { return append(c[:2], c[3:]...) }, 4},
				{"reordered", func(c []Entry) []Entry { c[2], c[3] = c[3], c[2]; return c }, 4},
				{"renumbered", func(c []Entry) []Entry {
					c[2], c[3] = c[3], c[2]
					c[2].Seq, c[3].Seq = 3, 4
					return c
				}, 3},
				{"relabelled", func(c []Entry) []Entry {
					if c[2].Alg == SM3 {
						c[2].Alg = SHA256
					} else {
						c[2].Alg = SM3
					}
					return c
				}, 3},
				{"unknown algorithm", func(c []Entry) []Entry { c[1].Alg = "md5"; return c }, 2},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					bad, err := Verify(0, "", tt.break_(chainAlg(6, algs...)))
					if err == nil || bad != tt.want {
						t.Fatalf("Verify = %d, %v; want entry %d reported", bad, err, tt.want)
					}
				})
			}
		})
	}
}

// TestSHA256Unchanged: entries written before algorithms were selectable
// (no algorithm, SHA-256) hash as they did, so old chains still verify; an
// SM3 entry differs from the same entry under SHA-256.
func TestSHA256Unchanged(t *testing.T) {
	old, now := chain(1)[0], chain(1)[0]
	now.Alg = SHA256
	if ComputeHash(&now) != old.Hash {
		t.Fatal("an explicit sha256 entry hashes differently from an old one")
	}
	now.Alg = SM3
	if ComputeHash(&now) == old.Hash {
		t.Fatal("SM3 and SHA-256 hashes agree")
	}
	if _, err := CheckAlg("sha1"); err == nil || !strings.Contains(err.Error(), "sha256 or sm3") {
		t.Fatalf("CheckAlg(sha1) = %v", err)
	}
}

func writeFile(t testing.TB, format string, h FileHeader, entries []Entry) []byte {
	var buf bytes.Buffer
	fw, err := NewFileWriter(&buf, format, h)
	if err != nil {
		t.Fatal(err)
	}
	for i := range entries {
		if err := fw.Write(&entries[i]); err != nil {
			t.Fatal(err)
		}
	}
	if err := fw.Flush(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestFileRoundTrip(t *testing.T) {
	for _, format := range []string{FormatJSONL, FormatCSV} {
		t.Run(format, func(t *testing.T) {
			c := chainAlg(5, SHA256, SM3)
			// Before and after with characters JSON escapes and CSV quotes.
			c[1].Before = json.RawMessage(`{"note":"a,\"b\"\n<c>&"}`)
			c[1].Hash = ComputeHash(&c[1])
			for i := 2; i < len(c); i++ {
				c[i].PrevHash = c[i-1].Hash
				c[i].Hash = ComputeHash(&c[i])
			}
			data := writeFile(t, format, FileHeader{Kind: "export", Complete: true}, c)
			rep, err := VerifyFile(bytes.NewReader(data))
			if err != nil {
				t.Fatalf("VerifyFile: %v\n%s", err, data)
			}
			if rep.Entries != 5 || rep.FirstSeq != 1 || rep.LastSeq != 5 || rep.LastHash != c[4].Hash || rep.Format != format || rep.Algs[SM3] != 2 {
				t.Fatalf("report = %+v", rep)
			}
			fr, _ := NewFileReader(bytes.NewReader(data))
			for i := range c {
				e, err := fr.Next()
				if err != nil || e.Seq != c[i].Seq || string(e.Before) != string(c[i].Before) || !e.At.Equal(c[i].At) {
					t.Fatalf("entry %d read back as %+v, %v", i+1, e, err)
				}
			}
			if _, err := fr.Next(); err != io.EOF {
				t.Fatalf("after the last entry: %v, want EOF", err)
			}
		})
	}
}

// TestVerifyFileTampered: a changed, deleted or reordered line of a file
// is found and its line named; a complete file's missing last entries too.
func TestVerifyFileTampered(t *testing.T) {
	for _, format := range []string{FormatJSONL, FormatCSV} {
		c := chainAlg(6, SM3, SHA256)
		data := writeFile(t, format, FileHeader{Kind: "archive", Complete: true, FromSeq: 1, ToSeq: 6, Count: 6}, c)
		lines := strings.SplitAfter(string(data), "\n")
		first := 1 // the header
		if format == FormatCSV {
			first = 2 // the column names and the header
		}
		row := func(i int) int { return first + i - 1 } // entry i's line index
		tests := []struct {
			name string
			edit func(l []string) []string
			want string
		}{
			{"changed", func(l []string) []string {
				l[row(3)] = strings.Replace(l[row(3)], "admin", "mallory", 1)
				return l
			}, fmt.Sprintf("line %d: entry 3 was altered", row(3)+1)},
			{"deleted", func(l []string) []string { return append(l[:row(3)], l[row(4):]...) }, "entry 4 follows 2"},
			{"reordered", func(l []string) []string { l[row(3)], l[row(4)] = l[row(4)], l[row(3)]; return l }, "entry 4 follows 2"},
			{"truncated", func(l []string) []string { return l[:row(5)] }, "announces 6 entries"},
		}
		for _, tt := range tests {
			t.Run(format+"/"+tt.name, func(t *testing.T) {
				l := tt.edit(append([]string(nil), lines...))
				_, err := VerifyFile(strings.NewReader(strings.Join(l, "")))
				if err == nil || !strings.Contains(err.Error(), tt.want) {
					t.Fatalf("VerifyFile = %v, want %q", err, tt.want)
				}
			})
		}
	}
}

// TestVerifyFileFiltered: a filtered export has gaps, which are counted,
// while each entry's hash and each consecutive link still verify.
func TestVerifyFileFiltered(t *testing.T) {
	c := chainAlg(8, SM3)
	picked := []Entry{c[1], c[2], c[5], c[7]}
	data := writeFile(t, FormatCSV, FileHeader{Kind: "export", Filters: map[string]string{"actor": "admin"}}, picked)
	rep, err := VerifyFile(bytes.NewReader(data))
	if err != nil || rep.Entries != 4 || rep.Gaps != 2 {
		t.Fatalf("VerifyFile = %+v, %v; want 4 entries, 2 gaps", rep, err)
	}
	picked[2].Actor = "mallory"
	data = writeFile(t, FormatCSV, FileHeader{Kind: "export"}, picked)
	if _, err := VerifyFile(bytes.NewReader(data)); err == nil || !strings.Contains(err.Error(), "entry 6 was altered") {
		t.Fatalf("VerifyFile of an altered filtered export = %v", err)
	}
}

func TestVerifyFileBadInput(t *testing.T) {
	good := string(writeFile(t, FormatJSONL, FileHeader{Kind: "export"}, chainAlg(2, SHA256)))
	head, _, _ := strings.Cut(good, "\n")
	tests := map[string]struct{ in, want string }{
		"empty":       {"", "line 1: no header"},
		"not a file":  {"id,at\n1,2\n", "line 1: the header is not"},
		"csv no head": {strings.Join(csvColumns, ",") + "\n1,x,sm3,0,a,b,c,d,e,f,g,h,i\n", "line 2: the first row must be the file header"},
		"version":     {`{"yingji_audit":2,"kind":"export"}` + "\n", "version 2"},
		"bad entry":   {head + "\n" + `{"seq":"one"}` + "\n", "line 2:"},
		"unknown alg": {head + "\n" + `{"seq":1,"at":"2026-01-01T00:00:00.000Z","alg":"md5"}` + "\n", `line 2: alg: unknown hash algorithm "md5"`},
		"bad time":    {head + "\n" + `{"seq":1,"at":"yesterday","alg":"sm3"}` + "\n", "line 2: at:"},
		"csv columns": {"seq,at\n", "line 1: "},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			if _, err := VerifyFile(strings.NewReader(tt.in)); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("VerifyFile = %v, want %q", err, tt.want)
			}
		})
	}
}

func FuzzVerifyFile(f *testing.F) {
	c := chainAlg(3, SHA256, SM3)
	f.Add(writeFile(f, FormatJSONL, FileHeader{Kind: "archive", Complete: true, Count: 3, FromSeq: 1, ToSeq: 3}, c))
	f.Add(writeFile(f, FormatCSV, FileHeader{Kind: "export"}, c))
	f.Add([]byte(strings.Join(csvColumns, ",") + "\n0,x,,0,,file_header,audit,,,,\"{\"\"yingji_audit\"\":1}\",,\n1,x,sm3,0,a,b,c,d,e,f,g,h,i\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		rep, err := VerifyFile(bytes.NewReader(data))
		if err != nil {
			if !strings.HasPrefix(err.Error(), "audit file:") {
				t.Fatalf("error %q does not say it is about the audit file", err)
			}
			return
		}
		// What verifies is a real chain: every entry's hash matches.
		fr, _ := NewFileReader(bytes.NewReader(data))
		var n int64
		for {
			e, err := fr.Next()
			if err != nil {
				break
			}
			if ComputeHash(&e) != e.Hash {
				t.Fatalf("entry %d verified with a wrong hash", e.Seq)
			}
			n++
		}
		if n != rep.Entries {
			t.Fatalf("verified %d entries, read %d", rep.Entries, n)
		}
	})
}

func TestParseRetention(t *testing.T) {
	good := map[string]time.Duration{"": 0, "0": 0, "180d": MinRetention, "26w": 182 * 24 * time.Hour, "4320h": MinRetention, "365d": 365 * 24 * time.Hour}
	for in, want := range good {
		if d, err := ParseRetention(in); err != nil || d != want {
			t.Errorf("ParseRetention(%q) = %v, %v; want %v", in, d, err, want)
		}
	}
	for _, in := range []string{"179d", "90d", "4319h", "1w", "30m"} {
		if _, err := ParseRetention(in); err == nil || !strings.Contains(err.Error(), "Art. 21") {
			t.Errorf("ParseRetention(%q) = %v, want a refusal naming Art. 21", in, err)
		}
	}
	for _, in := range []string{"d", "-5d", "x", "180 days", "99999999999999999d"} {
		if _, err := ParseRetention(in); err == nil || !strings.Contains(err.Error(), "want a number of days") {
			t.Errorf("ParseRetention(%q) = %v, want a format error", in, err)
		}
	}
}

func FuzzParseRetention(f *testing.F) {
	for _, s := range []string{"180d", "26w", "4320h", "0", "-1d", "9223372036854775807d"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseRetention(s)
		if err == nil && d != 0 && d < MinRetention {
			t.Fatalf("ParseRetention(%q) = %v, shorter than the minimum", s, d)
		}
	})
}

func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"2026-05-01", "2026-05-01T08:00:00+08:00", "2026-13-01", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDate(s)
		if err == nil && d.Location() != time.UTC {
			t.Fatalf("ParseDate(%q) = %v, not UTC", s, d)
		}
	})
}

func TestSituation(t *testing.T) {
	at := time.Date(2026, 11, 28, 8, 0, 0, 0, time.UTC)
	var seq int64
	add := func(tl *Tally, action, entity string, after string) {
		seq++
		tl.Add(&Entry{Seq: seq, At: at, Action: action, Entity: entity, EntityID: "1", Actor: "x", After: json.RawMessage(after)})
	}
	tl := NewTally(at.Add(-time.Hour), at)
	tl.Keep = 2
	add(tl, "login_failed", "login", `{"username":"eve","ip":"10.0.0.9","reason":"wrong username or password"}`)
	add(tl, "login_failed", "login", `{"username":"eve","ip":"10.0.0.9"}`)
	add(tl, "login_failed", "login", `{"username":"bob","ip":"10.0.0.7"}`)
	add(tl, "lockout", "login", `{"subject":"user:eve","failures":5}`)
	add(tl, "denied", "permission", `{"username":"viewer1","route":"GET /api/v1/users"}`)
	add(tl, "limited", "ratelimit", `{"scope":"login","key":"ip:10.0.0.9","count":40}`)
	add(tl, "limited", "ratelimit", `{"scope":"api","key":"user:eve","count":3}`)
	add(tl, "reveal", "contact", `{"fields":["phone"]}`)
	add(tl, "update", "enterprise", `{}`)
	add(tl, "login_failed", "login", `not json`)
	s := tl.Result()
	if s.FailedLogins != 4 || s.Lockouts != 1 || s.Denials != 1 || s.RateLimited != 2 || s.RateLimitedRequests != 43 || s.Reveals != 1 {
		t.Fatalf("counts = %+v", s)
	}
	if len(s.TopAddresses) != 2 || s.TopAddresses[0] != (Count{"10.0.0.9", 3}) || s.TopAddresses[1] != (Count{"10.0.0.7", 1}) {
		t.Errorf("top addresses = %v", s.TopAddresses)
	}
	if len(s.TopAccounts) != 2 || s.TopAccounts[0] != (Count{"eve", 3}) {
		t.Errorf("top accounts = %v", s.TopAccounts)
	}
	if len(s.RecentReveals) != 1 || s.RecentReveals[0].Detail != "phone" || s.RecentReveals[0].Entity != "contact" {
		t.Errorf("reveals = %+v", s.RecentReveals)
	}
	if len(s.Recent) != 4 || s.Recent[0].Seq != 10 || s.Recent[3].Seq != 5 {
		t.Errorf("recent = %+v, want the 4 newest security events, newest first", s.Recent)
	}
}

// BenchmarkChainHash: one entry's chain hash, SHA-256 beside SM3 (the
// hashing alone; BenchmarkAuditVerify in internal/store adds the reading).
func BenchmarkChainHash(b *testing.B) {
	for _, alg := range Algorithms {
		b.Run(alg, func(b *testing.B) {
			e := chainAlg(1, alg)[0]
			e.Before = json.RawMessage(`{"name":"企业1","status":"active","contact":"张三","address":"隆阳区测试路1号"}`)
			e.After = json.RawMessage(`{"name":"企业1","status":"suspended","contact":"张三","address":"隆阳区测试路1号"}`)
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				e.Hash = ComputeHash(&e)
			}
		})
	}
}

// BenchmarkVerify100k: Verify over 100,000 entries in memory.
func BenchmarkVerify100k(b *testing.B) {
	for _, alg := range Algorithms {
		b.Run(alg, func(b *testing.B) {
			c := chainAlg(100000, alg)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := Verify(0, "", c); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestHashGolden: the SHA-256 chain hash is the one entries were written
// with before algorithms became selectable: length-prefixed fields, here
// rebuilt by hand.
func TestHashGolden(t *testing.T) {
	e := Entry{Seq: 12, At: time.UnixMilli(1700000000123), ActorID: 3, Actor: "admin", Action: "update", Entity: "enterprise", EntityID: "7",
		Division: "530502", Before: json.RawMessage(`{"a":1}`), PrevHash: "ab"}
	in := "2:ab" + "2:12" + "13:1700000000123" + "1:3" + "5:admin" + "6:update" + "10:enterprise" + "1:7" + "6:530502" + `7:{"a":1}` + "0:"
	sum := sha256.Sum256([]byte(in))
	if got := ComputeHash(&e); got != hex.EncodeToString(sum[:]) {
		t.Fatalf("SHA-256 chain hash = %s, want %x", got, sum)
	}
	e.Alg = SM3
	s := sm3.Sum([]byte("3:sm3" + in))
	if got := ComputeHash(&e); got != hex.EncodeToString(s[:]) {
		t.Fatalf("SM3 chain hash = %s, want %x", got, s)
	}
}
