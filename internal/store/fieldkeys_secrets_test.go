package store_test

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/yingji/yingji/internal/auth"
	"github.com/yingji/yingji/internal/core"
	"github.com/yingji/yingji/internal/fieldcrypt"
	"github.com/yingji/yingji/internal/outbox"
	"github.com/yingji/yingji/internal/store"
	"github.com/yingji/yingji/internal/store/storetest"
)

// ringSealer is cmd/yingji's secretSealer in small: the outbox Protector
// (old "v1." values) with the ring.
type ringSealer struct {
	p    *outbox.Protector
	ring *fieldcrypt.Ring
}

func (s ringSealer) Open(field, sealed string) (string, error) { return s.p.Open(field, sealed) }
func (s ringSealer) Seal(field, plain string) (string, error) {
	return s.ring.Seal(field, []byte(plain))
}
func (s ringSealer) Current(sealed string) bool {
	k, err := fieldcrypt.KeyOf(sealed)
	return err == nil && k == s.ring.ActiveID()
}

// Recipients' contacts and TOTP secrets sealed with the recipient key
// ("v1.") move to the key ring; a run stopped between batches leaves both
// readable; afterwards the ring alone opens them, and the Protector with
// the ring seals new values with it.
func TestResealSecrets(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			svc, db := newOutbox(t, b)
			sys := sysCtx
			r, err := svc.Create(sys, outbox.Recipient{Kind: outbox.Public, Name: "张三", Division: longyang, Phone: "13800001234", Email: "zs@example.cn", Enabled: true})
			if err != nil {
				t.Fatal(err)
			}
			users := &auth.Service{Store: db, Clock: core.SystemClock, SessionTTL: time.Hour, Divisions: func(string) bool { return true }}
			u, err := users.CreateUser(sys, auth.UserInput{Username: "otp1", Password: "Correct-horse-7", Role: "viewer", Division: longyang})
			if err != nil {
				t.Fatal(err)
			}
			field := fmt.Sprintf("totp_secret:%d", u.ID)
			if err := db.BeginMFA(sys, u.ID, svc.Protect.Seal(field, "JBSWY3DPEHPK3PXP"), time.Now()); err != nil {
				t.Fatal(err)
			}
			ring, err := fieldcrypt.LoadFile(filepath.Join(t.TempDir(), "data.key"), fieldcrypt.SM4GCM)
			if err != nil {
				t.Fatal(err)
			}
			u0, err := db.FieldKeyUsage(sys)
			if err != nil || u0.Legacy != 3 {
				t.Fatalf("usage before = %+v %v", u0, err)
			}
			svc.Protect.Ring = ring
			s := ringSealer{svc.Protect, ring}
			crash := errors.New("simulated crash")
			st, err := db.ResealSecrets(sys, s, 1, func(st store.ResealStats) error {
				if st.Batches == 1 {
					return crash
				}
				return nil
			})
			if !errors.Is(err, crash) {
				t.Fatalf("first run = %+v %v", st, err)
			}
			rec, _ := db.GetRecipient(sys, r.ID)
			mfa, _ := db.GetMFA(sys, u.ID)
			if !strings.HasPrefix(rec.PhoneSealed, "yj1.sm4gcm.") || !strings.HasPrefix(mfa.Secret, "v1.") {
				t.Fatalf("half-way: %q %q", rec.PhoneSealed, mfa.Secret)
			}
			for _, c := range [][2]string{{"phone", rec.PhoneSealed}, {field, mfa.Secret}} {
				if _, err := svc.Protect.Open(c[0], c[1]); err != nil {
					t.Fatalf("half-way %s unreadable: %v", c[0], err)
				}
			}
			if _, err := db.ResealSecrets(sys, s, 1, nil); err != nil {
				t.Fatal(err)
			}
			u1, _ := db.FieldKeyUsage(sys)
			if u1.Legacy != 0 || u1.ByKey[ring.ActiveID()] != 3 {
				t.Fatalf("usage after = %+v", u1)
			}
			rec, _ = db.GetRecipient(sys, r.ID)
			mfa, _ = db.GetMFA(sys, u.ID)
			for _, c := range [][3]string{{"phone", rec.PhoneSealed, "13800001234"}, {"email", rec.EmailSealed, "zs@example.cn"}, {field, mfa.Secret, "JBSWY3DPEHPK3PXP"}} {
				if p, err := ring.Open(c[0], c[1]); err != nil || string(p) != c[2] {
					t.Fatalf("%s with the ring alone: %q %v", c[0], p, err)
				}
			}
			// the recipient's look-up hash is unchanged: the same phone is still a duplicate
			if _, err := svc.Create(sys, outbox.Recipient{Kind: outbox.Public, Name: "王五", Division: longyang, Phone: "13800001234", Enabled: true}); core.ErrorCode(err) != core.ECONFLICT {
				t.Fatalf("duplicate phone after the re-seal: %v", err)
			}
			if s := svc.Protect.Seal("phone", "13900002222"); !strings.HasPrefix(s, "yj1.sm4gcm."+ring.ActiveID()) {
				t.Fatalf("new values sealed as %q", s)
			}
		})
	}
}
