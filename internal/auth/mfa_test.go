package auth

import (
	"strings"
	"testing"
	"time"
)

// rfc6238Secret is the SHA-1 key of RFC 6238 appendix B ("12345678901234567890") in base32.
const rfc6238Secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"

// TestCodeStepRFC6238 checks the published SHA-1 test vectors of RFC 6238
// appendix B (8 digits there; a 6-digit code is the last six, RFC 4226 §5.3).
func TestCodeStepRFC6238(t *testing.T) {
	for _, v := range []struct {
		unix int64
		code string
	}{
		{59, "94287082"}, {1111111109, "07081804"}, {1111111111, "14050471"},
		{1234567890, "89005924"}, {2000000000, "69279037"}, {20000000000, "65353130"},
	} {
		code := v.code[2:]
		step, ok := codeStep(rfc6238Secret, code, time.Unix(v.unix, 0), 0)
		if !ok || step != v.unix/30 {
			t.Errorf("T=%d code %s: step %d, %v; want step %d", v.unix, code, step, ok, v.unix/30)
		}
	}
}

func TestCodeStepDriftAndReplay(t *testing.T) {
	at := time.Unix(1111111109, 0) // code 081804 at step 37037036
	step := int64(1111111109 / 30)
	for _, d := range []time.Duration{-30 * time.Second, 0, 30 * time.Second} {
		if got, ok := codeStep(rfc6238Secret, "081804", at.Add(d), 0); !ok || got != step {
			t.Errorf("drift %v: step %d, %v", d, got, ok)
		}
	}
	for _, d := range []time.Duration{-61 * time.Second, 61 * time.Second} {
		if _, ok := codeStep(rfc6238Secret, "081804", at.Add(d), 0); ok {
			t.Errorf("drift %v accepted", d)
		}
	}
	if _, ok := codeStep(rfc6238Secret, "081804", at, step); ok {
		t.Error("a code of an already used step was accepted")
	}
	for _, bad := range []string{"", "08180", "0818045", "abcdef", "081805"} {
		if _, ok := codeStep(rfc6238Secret, bad, at, 0); ok {
			t.Errorf("code %q accepted", bad)
		}
	}
	if _, ok := codeStep(rfc6238Secret, " 081 804 ", at, 0); !ok {
		t.Error("spaces in a typed code should be ignored")
	}
}

func TestRecoveryCodes(t *testing.T) {
	codes, hashes := newRecoveryCodes()
	if len(codes) != RecoveryCodeCount || len(hashes) != RecoveryCodeCount {
		t.Fatalf("%d codes, %d hashes", len(codes), len(hashes))
	}
	seen := map[string]bool{}
	for i, c := range codes {
		if len(c) != 19 || strings.Count(c, "-") != 3 {
			t.Errorf("code %q is not xxxx-xxxx-xxxx-xxxx", c)
		}
		if seen[c] {
			t.Errorf("code %q twice", c)
		}
		seen[c] = true
		if strings.Contains(hashes[i], strings.ReplaceAll(c, "-", "")) {
			t.Error("the stored form holds the code")
		}
		if HashToken(normRecovery(strings.ToUpper(c))) != hashes[i] || HashToken(normRecovery(strings.ReplaceAll(c, "-", " "))) != hashes[i] {
			t.Errorf("code %q typed in capitals or with spaces does not match its hash", c)
		}
	}
}

func TestLockDelay(t *testing.T) {
	for _, c := range []struct {
		n    int
		want time.Duration
	}{{0, 0}, {4, 0}, {5, time.Minute}, {6, 2 * time.Minute}, {7, 4 * time.Minute}, {11, 60 * time.Minute}, {12, 60 * time.Minute}, {100, 60 * time.Minute}} {
		if got := LockDelay(c.n, 5, time.Minute, time.Hour); got != c.want {
			t.Errorf("failure %d: %v, want %v", c.n, got, c.want)
		}
	}
}

func TestPasswordPolicyConfigured(t *testing.T) {
	p := PasswordPolicy{MinLength: 12, MinClasses: 4}
	for pw, ok := range map[string]bool{"Abcdefgh1!xy": true, "Abcdefgh1!x": false, "Abcdefgh1xyz": false, "应急管理Abc1!xyz": true} {
		if err := p.Check(pw); (err == nil) != ok {
			t.Errorf("%q: %v", pw, err)
		}
	}
}
