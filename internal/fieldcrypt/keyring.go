// Package fieldcrypt seals personal data field by field with AES-256-GCM
// or SM4-GCM (GB/T 32907, through emmansun/gmsm) under a ring of keys.
//
// A ring holds several keys, each with an id, an algorithm and the time it
// was made; one of them is active and seals, every one of them opens. A
// sealed value names its algorithm and key:
//
//	yj1.<alg>.<key id>.<base64url(nonce ‖ ciphertext ‖ tag)>
//
// alg is "aes256gcm" or "sm4gcm". The additional authenticated data is the
// header ("yj1.<alg>.<key id>") and the caller's context string (for a
// registry field "registry/<kind>/<code>/<field>"), so a value copied to
// another field or record does not open.
//
// The key file is JSON (mode 0600):
//
//	{"active": "k20260301a1b2",
//	 "keys": [{"id": "k20260301a1b2", "algorithm": "sm4-gcm",
//	           "created": "2026-03-01T08:00:00Z", "key": "<base64>"}]}
//
// key is 32 bytes for aes-256-gcm and 16 for sm4-gcm.
package fieldcrypt

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/emmansun/gmsm/sm4"
)

// Algorithm is a field cipher.
type Algorithm string

// The ciphers.
const (
	AES256GCM Algorithm = "aes-256-gcm"
	SM4GCM    Algorithm = "sm4-gcm"
)

// ParseAlgorithm reads a --data-cipher value: aes-gcm, aes-256-gcm,
// sm4-gcm or sm4.
func ParseAlgorithm(s string) (Algorithm, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "aes-gcm", "aes-256-gcm", "aes256gcm", "aes":
		return AES256GCM, nil
	case "sm4-gcm", "sm4gcm", "sm4":
		return SM4GCM, nil
	}
	return "", fmt.Errorf("fieldcrypt: cipher %q is not aes-gcm or sm4-gcm", s)
}

// tag is the algorithm's name inside a sealed value.
func (a Algorithm) tag() string {
	switch a {
	case AES256GCM:
		return "aes256gcm"
	case SM4GCM:
		return "sm4gcm"
	}
	return ""
}

func algorithmOfTag(t string) (Algorithm, bool) {
	switch t {
	case "aes256gcm":
		return AES256GCM, true
	case "sm4gcm":
		return SM4GCM, true
	}
	return "", false
}

// KeySize is the key length of the algorithm in bytes.
func (a Algorithm) KeySize() int {
	if a == SM4GCM {
		return 16
	}
	return 32
}

// Key is one key of the ring as the key file holds it.
type Key struct {
	ID        string    `json:"id"`
	Algorithm Algorithm `json:"algorithm"`
	Created   time.Time `json:"created"`
	// Material is the key, base64.
	Material string `json:"key"`
}

// File is the key file.
type File struct {
	Active string `json:"active"`
	Keys   []Key  `json:"keys"`
}

type entry struct {
	key  Key
	aead cipher.AEAD
}

// Ring seals with its active key and opens with any of its keys. It is
// safe for concurrent use. A ring loaded from a file reads the file again
// when it meets a key it does not hold (another process rotated), at most
// once a second.
type Ring struct {
	mu     sync.RWMutex
	active string
	keys   map[string]entry
	order  []string

	path       string
	lastReload time.Time
}

// Prefix starts every value this package seals.
const Prefix = "yj1."

// IsSealed reports whether s looks like a sealed value (it may still fail
// to parse or open).
func IsSealed(s string) bool { return strings.HasPrefix(s, Prefix) }

func validID(id string) bool {
	if id == "" || len(id) > 40 {
		return false
	}
	for _, c := range id {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

func newAEAD(alg Algorithm, material []byte) (cipher.AEAD, error) {
	if len(material) != alg.KeySize() {
		return nil, fmt.Errorf("an %s key must be %d bytes, got %d", alg, alg.KeySize(), len(material))
	}
	var block cipher.Block
	var err error
	switch alg {
	case AES256GCM:
		block, err = aes.NewCipher(material)
	case SM4GCM:
		block, err = sm4.NewCipher(material)
	default:
		return nil, fmt.Errorf("algorithm %q is not aes-256-gcm or sm4-gcm", alg)
	}
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// NewRing makes a ring of the file's keys. Every key is checked: id,
// algorithm, length; the active key must be one of them.
func NewRing(f File) (*Ring, error) {
	r := &Ring{}
	if err := r.set(f); err != nil {
		return nil, err
	}
	return r, nil
}

func (r *Ring) set(f File) error {
	keys := map[string]entry{}
	var order []string
	for i, k := range f.Keys {
		if !validID(k.ID) {
			return fmt.Errorf("fieldcrypt: keys[%d].id %q: want 1–40 of a-z, 0-9, - and _", i, k.ID)
		}
		if _, dup := keys[k.ID]; dup {
			return fmt.Errorf("fieldcrypt: keys[%d].id %q is repeated", i, k.ID)
		}
		raw, err := base64.StdEncoding.DecodeString(k.Material)
		if err != nil {
			return fmt.Errorf("fieldcrypt: keys[%d] (%s).key is not base64", i, k.ID)
		}
		aead, err := newAEAD(k.Algorithm, raw)
		if err != nil {
			return fmt.Errorf("fieldcrypt: keys[%d] (%s): %v", i, k.ID, err)
		}
		keys[k.ID] = entry{key: k, aead: aead}
		order = append(order, k.ID)
	}
	if _, ok := keys[f.Active]; !ok {
		return fmt.Errorf("fieldcrypt: the active key %q is not among the keys", f.Active)
	}
	r.mu.Lock()
	r.active, r.keys, r.order = f.Active, keys, order
	r.mu.Unlock()
	return nil
}

// NewKey makes a fresh random key of alg, its id from the date and its
// fingerprint.
func NewKey(alg Algorithm, now time.Time) (Key, error) {
	if alg.tag() == "" {
		return Key{}, fmt.Errorf("fieldcrypt: algorithm %q is not aes-256-gcm or sm4-gcm", alg)
	}
	raw := make([]byte, alg.KeySize())
	if _, err := rand.Read(raw); err != nil {
		return Key{}, err
	}
	return keyOf(alg, raw, now, "k"+now.UTC().Format("20060102")+"-"), nil
}

func keyOf(alg Algorithm, raw []byte, now time.Time, prefix string) Key {
	sum := sha256.Sum256(append([]byte("yingji field key id\x00"), raw...))
	return Key{ID: prefix + hex.EncodeToString(sum[:3]), Algorithm: alg, Created: now.UTC().Truncate(time.Second),
		Material: base64.StdEncoding.EncodeToString(raw)}
}

// FromKey makes a one-key ring from a configured key (base64 or hex; 32
// bytes for aes-256-gcm, 16 for sm4-gcm). Its id is "c" and the key's
// fingerprint, so the same key has the same id on every start.
func FromKey(value string, alg Algorithm) (*Ring, error) {
	value = strings.TrimSpace(value)
	raw, err := hex.DecodeString(value)
	if err != nil || len(raw) != alg.KeySize() {
		raw, err = base64.StdEncoding.DecodeString(value)
	}
	if err != nil || len(raw) != alg.KeySize() {
		return nil, fmt.Errorf("fieldcrypt: the configured data key must be %d bytes (%s) as base64 or hex", alg.KeySize(), alg)
	}
	k := keyOf(alg, raw, time.Unix(0, 0), "c")
	return NewRing(File{Active: k.ID, Keys: []Key{k}})
}

// ReadFile reads and checks a key file.
func ReadFile(path string) (File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return File{}, err
	}
	var f File
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return File{}, fmt.Errorf("fieldcrypt: key file %s: %w", path, err)
	}
	if _, err := NewRing(f); err != nil {
		return File{}, fmt.Errorf("key file %s: %w", path, err)
	}
	return f, nil
}

// WriteFile writes the key file atomically with mode 0600.
func WriteFile(path string, f File) error {
	if _, err := NewRing(f); err != nil {
		return err
	}
	data, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".datakey-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(append(data, '\n')); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// LoadFile opens the ring in the key file at path, creating the file with
// one fresh key of alg when it does not exist.
func LoadFile(path string, alg Algorithm) (*Ring, error) {
	f, err := ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		k, kerr := NewKey(alg, time.Now())
		if kerr != nil {
			return nil, kerr
		}
		f = File{Active: k.ID, Keys: []Key{k}}
		if err := WriteFile(path, f); err != nil {
			return nil, fmt.Errorf("fieldcrypt: create key file: %w", err)
		}
	} else if err != nil {
		return nil, err
	}
	r, err := NewRing(f)
	if err != nil {
		return nil, err
	}
	r.path = path
	return r, nil
}

// AddKey adds a fresh key of alg to the key file and makes it active; the
// old keys stay to open what they sealed. It returns the new key's id.
func AddKey(path string, alg Algorithm) (string, error) {
	f, err := ReadFile(path)
	if err != nil {
		return "", err
	}
	k, err := NewKey(alg, time.Now())
	if err != nil {
		return "", err
	}
	for slices.ContainsFunc(f.Keys, func(o Key) bool { return o.ID == k.ID }) {
		if k, err = NewKey(alg, time.Now()); err != nil {
			return "", err
		}
	}
	f.Keys = append(f.Keys, k)
	f.Active = k.ID
	return k.ID, WriteFile(path, f)
}

// RemoveKey drops a key that is not active from the key file. The caller
// checks first that nothing is sealed with it.
func RemoveKey(path, id string) error {
	f, err := ReadFile(path)
	if err != nil {
		return err
	}
	if f.Active == id {
		return fmt.Errorf("fieldcrypt: %s is the active key; rotate first", id)
	}
	i := slices.IndexFunc(f.Keys, func(k Key) bool { return k.ID == id })
	if i < 0 {
		return fmt.Errorf("fieldcrypt: no key %q in %s", id, path)
	}
	f.Keys = slices.Delete(f.Keys, i, i+1)
	return WriteFile(path, f)
}

// Path is the key file the ring was loaded from ("" for a configured key).
func (r *Ring) Path() string { return r.path }

// ActiveID is the id of the sealing key.
func (r *Ring) ActiveID() string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.active
}

// Active is the sealing key's id and algorithm.
func (r *Ring) Active() (string, Algorithm) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.active, r.keys[r.active].key.Algorithm
}

// Keys lists the ring's keys without their material, in file order.
func (r *Ring) Keys() []Key {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]Key, 0, len(r.order))
	for _, id := range r.order {
		k := r.keys[id].key
		k.Material = ""
		out = append(out, k)
	}
	return out
}

// Has reports whether the ring holds key id.
func (r *Ring) Has(id string) bool {
	r.mu.RLock()
	defer r.mu.RUnlock()
	_, ok := r.keys[id]
	return ok
}

// Reload reads the key file again (a ring from a file only).
func (r *Ring) Reload() error {
	if r.path == "" {
		return nil
	}
	f, err := ReadFile(r.path)
	if err != nil {
		return err
	}
	return r.set(f)
}

func header(alg Algorithm, kid string) string { return Prefix + alg.tag() + "." + kid }

// Seal encrypts plain under the active key, bound to context.
func (r *Ring) Seal(context string, plain []byte) (string, error) {
	r.mu.RLock()
	e := r.keys[r.active]
	r.mu.RUnlock()
	hdr := header(e.key.Algorithm, e.key.ID)
	nonce := make([]byte, e.aead.NonceSize(), e.aead.NonceSize()+len(plain)+e.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return "", fmt.Errorf("fieldcrypt: no randomness: %w", err)
	}
	out := e.aead.Seal(nonce, nonce, plain, aad(hdr, context))
	return hdr + "." + base64.RawURLEncoding.EncodeToString(out), nil
}

func aad(hdr, context string) []byte { return []byte(hdr + "|" + context) }

// Sealed is a parsed sealed value.
type Sealed struct {
	Algorithm Algorithm
	KeyID     string
	// Box is nonce ‖ ciphertext ‖ tag.
	Box []byte
}

// Parse reads a sealed value's parts without opening it.
func Parse(s string) (Sealed, error) {
	if !IsSealed(s) {
		return Sealed{}, errors.New("fieldcrypt: not a sealed value (want yj1.<alg>.<key>.<data>)")
	}
	parts := strings.Split(s[len(Prefix):], ".")
	if len(parts) != 3 {
		return Sealed{}, errors.New("fieldcrypt: a sealed value has four dot-separated parts")
	}
	alg, ok := algorithmOfTag(parts[0])
	if !ok {
		return Sealed{}, fmt.Errorf("fieldcrypt: unknown algorithm %q in a sealed value", parts[0])
	}
	if !validID(parts[1]) {
		return Sealed{}, fmt.Errorf("fieldcrypt: bad key id %q in a sealed value", parts[1])
	}
	box, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return Sealed{}, errors.New("fieldcrypt: the data of a sealed value is not base64url")
	}
	if len(box) < 12+16 {
		return Sealed{}, errors.New("fieldcrypt: a sealed value is too short")
	}
	return Sealed{Algorithm: alg, KeyID: parts[1], Box: box}, nil
}

// KeyOf returns the id of the key that sealed s.
func KeyOf(s string) (string, error) {
	p, err := Parse(s)
	return p.KeyID, err
}

// Open decrypts a value sealed for context with any key of the ring.
func (r *Ring) Open(context, sealed string) ([]byte, error) {
	p, err := Parse(sealed)
	if err != nil {
		return nil, err
	}
	e, ok := r.entry(p.KeyID)
	if !ok {
		where := "YINGJI_DATA_KEY"
		if r.path != "" {
			where = r.path
		}
		return nil, fmt.Errorf("fieldcrypt: sealed with key %s, which is not in the key ring (%s): every node of an installation needs its key ring (--data-key-file or YINGJI_DATA_KEY)", p.KeyID, where)
	}
	if e.key.Algorithm != p.Algorithm {
		return nil, fmt.Errorf("fieldcrypt: sealed value names %s but key %s is %s", p.Algorithm, p.KeyID, e.key.Algorithm)
	}
	n := e.aead.NonceSize()
	plain, err := e.aead.Open(nil, p.Box[:n], p.Box[n:], aad(header(p.Algorithm, p.KeyID), context))
	if err != nil {
		return nil, fmt.Errorf("fieldcrypt: %s does not authenticate (altered, or copied from another field)", context)
	}
	return plain, nil
}

func (r *Ring) entry(id string) (entry, bool) {
	r.mu.RLock()
	e, ok := r.keys[id]
	r.mu.RUnlock()
	if ok || r.path == "" {
		return e, ok
	}
	r.mu.Lock()
	due := time.Since(r.lastReload) > time.Second
	if due {
		r.lastReload = time.Now()
	}
	r.mu.Unlock()
	if due && r.Reload() == nil {
		r.mu.RLock()
		e, ok = r.keys[id]
		r.mu.RUnlock()
	}
	return e, ok
}
