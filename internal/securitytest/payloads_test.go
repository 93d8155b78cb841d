package securitytest

import (
	"strings"
	"testing"
)

// TestLists: both lists are long enough to cover their categories, hold no
// duplicate, and every XSS payload that could run calls the sentinel.
func TestLists(t *testing.T) {
	for name, l := range map[string][]string{"sql": SQL(), "xss": XSS()} {
		if len(l) < 40 {
			t.Errorf("%s: %d payloads", name, len(l))
		}
		seen := map[string]bool{}
		for _, p := range l {
			if seen[p] {
				t.Errorf("%s: %q twice", name, p)
			}
			seen[p] = true
		}
	}
	for _, p := range XSS() {
		if !strings.Contains(p, "__xss") && !strings.Contains(p, "alert(1)") && !strings.Contains(p, "7*7") && !strings.Contains(p, "PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg") {
			t.Errorf("xss payload %q calls no sentinel", p)
		}
	}
}
