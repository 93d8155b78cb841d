// Package captest validates CAP messages with libxml2's xmllint against
// the OASIS CAP 1.2 schema, for tests in every package that produces CAP.
package captest

import (
	"bytes"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
)

// SchemaPath is the CAP 1.2 XSD in the cap package's testdata.
func SchemaPath() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "testdata", "CAP-v1.2.xsd")
}

// Lint runs `xmllint --noout --schema CAP-v1.2.xsd -` on data and returns
// xmllint's verdict: nil when valid, else its output. It fails the test
// when xmllint is not installed (Debian: libxml2-utils) rather than skip.
func Lint(t testing.TB, data []byte) error {
	t.Helper()
	bin, err := exec.LookPath("xmllint")
	if err != nil {
		t.Fatalf("xmllint is required to validate CAP messages (apt-get install libxml2-utils): %v", err)
	}
	cmd := exec.Command(bin, "--noout", "--schema", SchemaPath(), "-")
	cmd.Stdin = bytes.NewReader(data)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return &LintError{Output: string(out)}
	}
	return nil
}

// Valid fails the test unless data is valid CAP 1.2.
func Valid(t testing.TB, data []byte) {
	t.Helper()
	if err := Lint(t, data); err != nil {
		t.Fatalf("xmllint rejects the CAP message: %v\n%s", err, data)
	}
}

// LintError is xmllint's complaint.
type LintError struct{ Output string }

func (e *LintError) Error() string { return e.Output }
