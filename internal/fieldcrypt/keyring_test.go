package fieldcrypt

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestSealOpenBothCiphers(t *testing.T) {
	for _, alg := range []Algorithm{AES256GCM, SM4GCM} {
		t.Run(string(alg), func(t *testing.T) {
			k, err := NewKey(alg, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			r, err := NewRing(File{Active: k.ID, Keys: []Key{k}})
			if err != nil {
				t.Fatal(err)
			}
			s, err := r.Seal("registry/expert/E1/phone", []byte("13812341234"))
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(s, "yj1."+alg.tag()+"."+k.ID+".") {
				t.Fatalf("sealed value %q does not name %s and %s", s, alg, k.ID)
			}
			if strings.Contains(s, "1234") {
				t.Fatalf("sealed value shows the clear text: %s", s)
			}
			got, err := r.Open("registry/expert/E1/phone", s)
			if err != nil || string(got) != "13812341234" {
				t.Fatalf("open = %q, %v", got, err)
			}
			// another field or record does not open it
			if _, err := r.Open("registry/expert/E2/phone", s); err == nil {
				t.Fatal("a value copied to another record opened")
			}
			// a changed algorithm tag does not open it
			other := "aes256gcm"
			if alg == AES256GCM {
				other = "sm4gcm"
			}
			if _, err := r.Open("registry/expert/E1/phone", strings.Replace(s, alg.tag(), other, 1)); err == nil {
				t.Fatal("a value with its algorithm changed opened")
			}
			// two seals of one value differ (random nonce)
			s2, _ := r.Seal("registry/expert/E1/phone", []byte("13812341234"))
			if s2 == s {
				t.Fatal("sealing twice gave the same text")
			}
		})
	}
}

func TestRingOpensOldKeysAndSealsWithActive(t *testing.T) {
	path := filepath.Join(t.TempDir(), "data.key")
	r, err := LoadFile(path, AES256GCM)
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode: %v %v", fi, err)
	}
	old := r.ActiveID()
	s1, _ := r.Seal("f", []byte("one"))
	id2, err := AddKey(path, SM4GCM)
	if err != nil {
		t.Fatal(err)
	}
	// the loaded ring does not know id2 until it meets it or reloads
	if r.Has(id2) {
		t.Fatal("ring knew a key before reading the file")
	}
	r2, err := LoadFile(path, AES256GCM)
	if err != nil {
		t.Fatal(err)
	}
	if id, alg := r2.Active(); id != id2 || alg != SM4GCM {
		t.Fatalf("active = %s %s, want %s sm4-gcm", id, alg, id2)
	}
	s2, _ := r2.Seal("f", []byte("two"))
	if k, _ := KeyOf(s2); k != id2 {
		t.Fatalf("sealed with %s, want %s", k, id2)
	}
	if p, err := r2.Open("f", s1); err != nil || string(p) != "one" {
		t.Fatalf("old key value: %q %v", p, err)
	}
	// the first ring reloads when it meets the new key
	if p, err := r.Open("f", s2); err != nil || string(p) != "two" {
		t.Fatalf("first ring did not reload: %q %v", p, err)
	}
	if r.ActiveID() != id2 {
		t.Fatal("reloaded ring kept the old active key")
	}
	if err := RemoveKey(path, id2); err == nil {
		t.Fatal("removed the active key")
	}
	if err := RemoveKey(path, old); err != nil {
		t.Fatal(err)
	}
	r3, _ := LoadFile(path, AES256GCM)
	if _, err := r3.Open("f", s1); err == nil || !strings.Contains(err.Error(), old) {
		t.Fatalf("retired key still opens, or the error does not name it: %v", err)
	}
	if len(r3.Keys()) != 1 || r3.Keys()[0].Material != "" {
		t.Fatalf("Keys() = %+v", r3.Keys())
	}
}

func TestFromKeyAndBadFiles(t *testing.T) {
	r, err := FromKey(strings.Repeat("ab", 16), SM4GCM)
	if err != nil {
		t.Fatal(err)
	}
	r2, _ := FromKey(strings.Repeat("ab", 16), SM4GCM)
	if r.ActiveID() != r2.ActiveID() {
		t.Fatal("the same configured key got two ids")
	}
	if _, err := FromKey(strings.Repeat("ab", 16), AES256GCM); err == nil || !strings.Contains(err.Error(), "32 bytes") {
		t.Fatalf("16-byte AES key: %v", err)
	}
	dir := t.TempDir()
	for name, body := range map[string]string{
		"not json":      "{",
		"unknown field": `{"active":"a","keys":[],"extra":1}`,
		"no active":     `{"active":"a","keys":[{"id":"b","algorithm":"sm4-gcm","created":"2026-01-01T00:00:00Z","key":"AAAAAAAAAAAAAAAAAAAAAA=="}]}`,
		"short key":     `{"active":"a","keys":[{"id":"a","algorithm":"aes-256-gcm","created":"2026-01-01T00:00:00Z","key":"AAAAAAAAAAAAAAAAAAAAAA=="}]}`,
		"bad algorithm": `{"active":"a","keys":[{"id":"a","algorithm":"des","created":"2026-01-01T00:00:00Z","key":"AAAAAAAAAAAAAAAAAAAAAA=="}]}`,
		"bad id":        `{"active":"A.B","keys":[{"id":"A.B","algorithm":"sm4-gcm","created":"2026-01-01T00:00:00Z","key":"AAAAAAAAAAAAAAAAAAAAAA=="}]}`,
	} {
		p := filepath.Join(dir, strings.ReplaceAll(name, " ", "_"))
		os.WriteFile(p, []byte(body), 0o600)
		if _, err := LoadFile(p, AES256GCM); err == nil {
			t.Errorf("%s: loaded", name)
		}
	}
	if _, err := ParseAlgorithm("des"); err == nil {
		t.Error("des accepted")
	}
}

func FuzzParse(f *testing.F) {
	k, _ := NewKey(SM4GCM, time.Now())
	r, _ := NewRing(File{Active: k.ID, Keys: []Key{k}})
	s, _ := r.Seal("ctx", []byte("13800001234"))
	f.Add(s)
	f.Add("yj1.aes256gcm.k1.AAAA")
	f.Add("yj1...")
	f.Add("v1.abcd.xyz")
	f.Add("")
	f.Fuzz(func(t *testing.T, in string) {
		p, err := Parse(in)
		if err != nil {
			return
		}
		if p.Algorithm.tag() == "" || !validID(p.KeyID) || len(p.Box) < 28 {
			t.Fatalf("Parse(%q) accepted %+v", in, p)
		}
		// opening never panics, and only the genuine value opens
		if plain, err := r.Open("ctx", in); err == nil && string(plain) != "13800001234" {
			t.Fatalf("forged value opened to %q", plain)
		}
	})
}

// BenchmarkOpen opens one sealed phone number: the per-value cost of
// reading a sealed field.
func BenchmarkOpen(b *testing.B) {
	for _, alg := range []Algorithm{AES256GCM, SM4GCM} {
		b.Run(string(alg), func(b *testing.B) {
			k, _ := NewKey(alg, time.Now())
			r, _ := NewRing(File{Active: k.ID, Keys: []Key{k}})
			s, _ := r.Seal("registry/expert/E-1/phone", []byte(`"13812341234"`))
			for b.Loop() {
				if _, err := r.Open("registry/expert/E-1/phone", s); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestForeignRingNamesKeyAndFile: a node whose key ring is not the
// installation's (its own file, made at its first start) cannot open what
// the others sealed, and the error names the missing key, this node's file
// and what to do.
func TestForeignRingNamesKeyAndFile(t *testing.T) {
	dir := t.TempDir()
	a, err := LoadFile(filepath.Join(dir, "a.key"), AES256GCM)
	if err != nil {
		t.Fatal(err)
	}
	bPath := filepath.Join(dir, "b.key")
	b, err := LoadFile(bPath, AES256GCM)
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := a.Seal("registry/expert/E1/phone", []byte("13800001234"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = b.Open("registry/expert/E1/phone", sealed)
	if err == nil {
		t.Fatal("another node's ring opened the value")
	}
	for _, want := range []string{a.ActiveID(), bPath, "--data-key-file"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %q", err, want)
		}
	}
}
