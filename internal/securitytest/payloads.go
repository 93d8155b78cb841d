// Package securitytest holds the injection payload lists the security tests
// store in every text field (payloads/sql.txt, payloads/xss.txt; each file
// says where its categories come from).
package securitytest

import (
	"embed"
	"strings"
)

//go:embed payloads/*.txt
var files embed.FS

// SQL is the list of SQL injection strings.
func SQL() []string { return read("payloads/sql.txt") }

// XSS is the list of HTML/JavaScript injection strings; each one that could
// run sets window.__xss or calls alert (the base64 one decodes to
// <script>alert(1)</script>; the template ones would show 49).
func XSS() []string { return read("payloads/xss.txt") }

// read returns the file's lines, without comments ("#" first) and blank lines.
func read(name string) []string {
	b, err := files.ReadFile(name)
	if err != nil {
		panic(err)
	}
	var out []string
	for _, l := range strings.Split(string(b), "\n") {
		if l == "" || strings.HasPrefix(l, "# ") || l == "#" {
			continue
		}
		out = append(out, l)
	}
	return out
}
