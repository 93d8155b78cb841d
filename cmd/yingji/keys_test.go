package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/yingji/yingji/internal/audit"
	"github.com/yingji/yingji/internal/core"
	"github.com/yingji/yingji/internal/fieldcrypt"
	"github.com/yingji/yingji/internal/outbox"
	"github.com/yingji/yingji/internal/registry"
	"github.com/yingji/yingji/internal/store"
	"github.com/yingji/yingji/internal/store/storetest"
)

// The demo registry loads sealed with the configured cipher; 'keys rotate'
// that stops between batches leaves everything readable, 'keys reseal'
// finishes, 'keys retire' drops the old key, and then the new key alone
// opens every record. Both stores.
func TestKeysRotateDemoRegistry(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			dir := t.TempDir()
			base := []string{"--data", dir, "--db", b.DSN(t), "--data-cipher", "sm4-gcm"}
			args := func(a ...string) []string { return append(a, base...) }
			if err := run(ctx, args("demo"), io.Discard, io.Discard); err != nil {
				t.Fatalf("demo: %v", err)
			}
			keyFile := filepath.Join(dir, "data.key")
			f, err := fieldcrypt.ReadFile(keyFile)
			if err != nil || len(f.Keys) != 1 || f.Keys[0].Algorithm != fieldcrypt.SM4GCM {
				t.Fatalf("key file: %+v %v", f, err)
			}
			old := f.Active
			db, err := store.Open(ctx, base[3])
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			sys := core.WithActor(ctx, core.SystemActor)
			u, err := db.FieldKeyUsage(sys)
			if err != nil || u.Clear != 0 || u.ByKey[old] == 0 || len(u.ByKey) != 1 {
				t.Fatalf("demo registry not sealed: %+v %v", u, err)
			}
			var raw string
			if err := db.SQL().QueryRow(`SELECT attrs FROM registry_objects WHERE kind = 'expert' LIMIT 1`).Scan(&raw); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(raw, `"phone":"yj1.sm4gcm.`+old+`.`) || !strings.Contains(raw, `"id_number":"yj1.`) {
				t.Fatalf("an expert is stored as %s", raw)
			}
			// a command started with the other cipher goes on with the
			// active key and is told how to switch
			var logs bytes.Buffer
			if err := run(ctx, append(args("migrate"), "--data-cipher", "aes-gcm"), io.Discard, &logs); err != nil || !strings.Contains(logs.String(), "keys rotate") {
				t.Fatalf("cipher mismatch: %v %s", err, logs.String())
			}
			// a TOTP secret sealed with the recipient key before the ring existed
			t.Setenv("YINGJI_PASSWORD", "Correct-horse-7x")
			if err := run(ctx, append(args("user", "add", "otp1"), "--role", "viewer", "--division", "530502"), io.Discard, io.Discard); err != nil {
				t.Fatal(err)
			}
			var uid int64
			if err := db.SQL().QueryRow(`SELECT id FROM users WHERE username = 'otp1'`).Scan(&uid); err != nil {
				t.Fatal(err)
			}
			rkey, err := outbox.LoadKey("", filepath.Join(dir, "recipient.key"))
			if err != nil {
				t.Fatal(err)
			}
			legacy, _ := outbox.NewProtector(rkey)
			secretField := fmt.Sprintf("totp_secret:%d", uid)
			if err := db.BeginMFA(sys, uid, legacy.Seal(secretField, "JBSWY3DPEHPK3PXP"), time.Now()); err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			if err := run(ctx, args("keys", "list"), &out, io.Discard); err != nil || !strings.Contains(out.String(), old) || !strings.Contains(out.String(), "sm4-gcm") ||
				!strings.Contains(out.String(), "1 recipient contact(s) or TOTP secret(s) still sealed with the recipient key") {
				t.Fatalf("keys list: %v\n%s", err, out.String())
			}
			// rotate to AES, crashing after the second batch
			crash := errors.New("simulated crash")
			resealHook = func(s store.ResealStats) error {
				if s.Batches == 2 {
					return crash
				}
				return nil
			}
			defer func() { resealHook = nil }()
			out.Reset()
			err = run(ctx, append(args("keys", "rotate", "--batch", "50"), "--data-cipher", "aes-gcm"), &out, io.Discard)
			if !errors.Is(err, crash) || !strings.Contains(out.String(), "keys reseal") {
				t.Fatalf("rotate with a crash: %v\n%s", err, out.String())
			}
			resealHook = nil
			f, _ = fieldcrypt.ReadFile(keyFile)
			newID := f.Active
			if newID == old || len(f.Keys) != 2 {
				t.Fatalf("key file after rotate: %+v", f)
			}
			ring, _ := fieldcrypt.LoadFile(keyFile, fieldcrypt.AES256GCM)
			db.SetSealer(ring)
			countAll := func() int {
				n := 0
				for _, k := range registry.Kinds() {
					objs, _, err := db.ListObjects(sys, registry.Filter{Kind: k.Name})
					if err != nil {
						t.Fatalf("list %s: %v", k.Name, err)
					}
					n += len(objs)
				}
				return n
			}
			total := countAll() // everything reads half-way
			u, _ = db.FieldKeyUsage(sys)
			if u.ByKey[old] == 0 || u.ByKey[newID] == 0 {
				t.Fatalf("half-way usage %+v", u)
			}
			if err := run(ctx, append(args("keys", "retire"), old), io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), "still sealed") {
				t.Fatalf("retire of a key in use: %v", err)
			}
			if err := run(ctx, append(args("keys", "reseal"), "--data-cipher", "aes-gcm"), io.Discard, io.Discard); err != nil {
				t.Fatalf("reseal: %v", err)
			}
			if err := run(ctx, append(append(args("keys", "retire"), "--data-cipher", "aes-gcm"), old), io.Discard, io.Discard); err != nil {
				t.Fatalf("retire: %v", err)
			}
			only, err := fieldcrypt.LoadFile(keyFile, fieldcrypt.AES256GCM)
			if err != nil || len(only.Keys()) != 1 || only.Has(old) {
				t.Fatalf("ring after retire: %v %v", only.Keys(), err)
			}
			db.SetSealer(only)
			if n := countAll(); n != total {
				t.Fatalf("%d records read with the new key only, want %d", n, total)
			}
			mfa, err := db.GetMFA(sys, uid)
			if err != nil || !strings.HasPrefix(mfa.Secret, "yj1.aes256gcm."+newID+".") {
				t.Fatalf("TOTP secret after the rotation: %v %v", mfa, err)
			}
			if p, err := only.Open(secretField, mfa.Secret); err != nil || string(p) != "JBSWY3DPEHPK3PXP" {
				t.Fatalf("TOTP secret with the new key only: %q %v", p, err)
			}
			entries, err := db.ListAudit(sys, audit.Filter{Entity: "key"})
			if err != nil {
				t.Fatal(err)
			}
			var actions []string
			for _, e := range entries {
				actions = append(actions, e.Action)
			}
			for _, want := range []string{"rotate", "reseal", "retire"} {
				if !strings.Contains(strings.Join(actions, ","), want) {
					t.Errorf("no %s audit entry for the key: %v", want, actions)
				}
			}
			out.Reset()
			if err := run(ctx, args("audit", "verify"), &out, io.Discard); err != nil {
				t.Fatalf("audit verify: %v %s", err, out.String())
			}
		})
	}
}
