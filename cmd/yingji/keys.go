package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"text/tabwriter"

	"github.com/yingji/yingji/internal/core"
	"github.com/yingji/yingji/internal/fieldcrypt"
	"github.com/yingji/yingji/internal/outbox"
	"github.com/yingji/yingji/internal/store"
)

// fieldsConfig is the field encryption of personal data (issue 9).
type fieldsConfig struct {
	// Cipher is aes-gcm or sm4-gcm: the algorithm of new keys.
	Cipher string
	// KeyFile holds the key ring (default DATA/data.key).
	KeyFile string
	// loaded is the ring once opened: it also seals the recipients'
	// contacts and the TOTP secrets (protector).
	loaded *fieldcrypt.Ring
}

// protector is the sealer of the recipients' contacts and the TOTP
// secrets: the recipient key (YINGJI_RECIPIENT_KEY or
// --recipient-key-file) for look-up hashes and values sealed before the
// key ring, the key ring for sealing.
func (c *Config) protector() (*outbox.Protector, error) {
	path := c.Delivery.KeyFile
	if path == "" {
		path = filepath.Join(c.Data, "recipient.key")
	}
	key, err := outbox.LoadKey(c.Delivery.Key, path)
	if err != nil {
		return nil, err
	}
	p, err := outbox.NewProtector(key)
	if err != nil {
		return nil, err
	}
	if c.Fields.loaded != nil {
		p.Ring = c.Fields.loaded
	}
	return p, nil
}

// secretSealer re-seals recipients and TOTP secrets with the ring
// (store.SecretSealer); the recipient key is read only when a value sealed
// with it is met.
type secretSealer struct {
	cfg  *Config
	ring *fieldcrypt.Ring
	p    *outbox.Protector
}

func (s *secretSealer) Open(field, sealed string) (string, error) {
	if fieldcrypt.IsSealed(sealed) {
		b, err := s.ring.Open(field, sealed)
		return string(b), err
	}
	if s.p == nil {
		p, err := s.cfg.protector()
		if err != nil {
			return "", fmt.Errorf("the recipient key, to open %s: %w", field, err)
		}
		s.p = p
	}
	return s.p.Open(field, sealed)
}

func (s *secretSealer) Seal(field, plain string) (string, error) {
	return s.ring.Seal(field, []byte(plain))
}

func (s *secretSealer) Current(sealed string) bool {
	kid, err := fieldcrypt.KeyOf(sealed)
	return err == nil && kid == s.ring.ActiveID()
}

func (c *fieldsConfig) register(fs *flag.FlagSet) {
	fs.StringVar(&c.Cipher, "data-cipher", "aes-gcm", "cipher that seals personal data in registry records: aes-gcm (AES-256-GCM) or sm4-gcm (SM4-GCM, GB/T 32907); applies to new keys, switch with 'yingji keys rotate'")
	fs.StringVar(&c.KeyFile, "data-key-file", "", "key ring that seals personal data (default DATA/data.key, created 0600 at first start; see docs/security.md); YINGJI_DATA_KEY (one key, base64 or hex) overrides it")
}

func (c *fieldsConfig) path(cfg *Config) string {
	if c.KeyFile != "" {
		return c.KeyFile
	}
	return filepath.Join(cfg.Data, "data.key")
}

func (c *fieldsConfig) algorithm() (fieldcrypt.Algorithm, error) {
	if c.Cipher == "" {
		return fieldcrypt.AES256GCM, nil
	}
	alg, err := fieldcrypt.ParseAlgorithm(c.Cipher)
	if err != nil {
		return "", fmt.Errorf("--data-cipher: %q is not aes-gcm or sm4-gcm", c.Cipher)
	}
	return alg, nil
}

// ring opens the configured key ring: YINGJI_DATA_KEY when set, else the
// key file (created with one key of --data-cipher when missing). When the
// active key is not of --data-cipher it seals on with it and warns, when
// log is set: only 'yingji keys rotate' switches.
func (c *fieldsConfig) ring(cfg *Config, log *slog.Logger) (*fieldcrypt.Ring, error) {
	alg, err := c.algorithm()
	if err != nil {
		return nil, err
	}
	if v := os.Getenv("YINGJI_DATA_KEY"); v != "" {
		r, err := fieldcrypt.FromKey(v, alg)
		if err != nil {
			return nil, fmt.Errorf("YINGJI_DATA_KEY: %w", err)
		}
		c.loaded = r
		return r, nil
	}
	path := c.path(cfg)
	r, err := fieldcrypt.LoadFile(path, alg)
	if err != nil {
		return nil, fmt.Errorf("the data key ring: %w", err)
	}
	c.loaded = r
	if id, have := r.Active(); log != nil && have != alg {
		log.Warn(fmt.Sprintf("--data-cipher is %s but the active key %s is %s, which goes on sealing: run 'yingji keys rotate --data-cipher %s' to switch (it re-seals every value)", alg, id, have, c.Cipher),
			"key_file", path)
	}
	return r, nil
}

// cmdKeys is 'yingji keys list|rotate|reseal|retire'.
func cmdKeys(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	const synopsis = `yingji keys list   [--data DIR | --db URL]
       yingji keys rotate [--data-cipher aes-gcm|sm4-gcm] [--batch N] [--data DIR | --db URL]
       yingji keys reseal [--batch N] [--data DIR | --db URL]
       yingji keys retire KEY-ID [--data DIR | --db URL]
rotate adds a new active key to the key file and re-seals every sealed registry field with it, in
batches of N records, one transaction each; reseal finishes a rotation that stopped (and seals values
stored in clear); retire removes an old key once nothing is sealed with it.`
	if len(args) == 0 {
		fmt.Fprintln(stderr, "usage:", synopsis)
		return errors.New("keys: say list, rotate, reseal or retire")
	}
	sub := args[0]
	var batch *int
	cfg, err := parseCommand("keys "+sub, synopsis, args[1:], stderr, sub == "retire", func(fs *flag.FlagSet) {
		batch = fs.Int("batch", 500, "records per transaction when re-sealing")
	})
	if err != nil {
		return err
	}
	if os.Getenv("YINGJI_DATA_KEY") != "" && sub != "list" {
		return errors.New("keys: YINGJI_DATA_KEY is set; a configured key is changed by its owner, not here (unset it to use the key file)")
	}
	log := newLogger(cfg)
	a, err := openAppWith(ctx, cfg, log, nil)
	if err != nil {
		return err
	}
	defer a.close()
	sys := core.WithActor(ctx, core.SystemActor)
	path := cfg.Fields.path(cfg)
	switch sub {
	case "list":
		u, err := a.db.FieldKeyUsage(sys)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "KEY\tALGORITHM\tCREATED\tACTIVE\tSEALED VALUES")
		for _, k := range a.fields.Keys() {
			active := ""
			if k.ID == a.fields.ActiveID() {
				active = "yes"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\n", k.ID, k.Algorithm, k.Created.Format("2006-01-02 15:04:05Z"), active, u.ByKey[k.ID])
		}
		tw.Flush()
		for id, n := range u.ByKey {
			if !a.fields.Has(id) {
				fmt.Fprintf(stdout, "WARNING: %d value(s) sealed with key %s, which is not in the ring: they cannot be read\n", n, id)
			}
		}
		fmt.Fprintf(stdout, "%d personal value(s) still stored in clear (run 'yingji keys reseal')\n", u.Clear)
		if u.Legacy > 0 {
			fmt.Fprintf(stdout, "%d recipient contact(s) or TOTP secret(s) still sealed with the recipient key (run 'yingji keys reseal')\n", u.Legacy)
		}
		return nil
	case "rotate":
		if err := cfg.noArgs("keys rotate"); err != nil {
			return err
		}
		alg, err := cfg.Fields.algorithm()
		if err != nil {
			return err
		}
		old := a.fields.ActiveID()
		id, err := fieldcrypt.AddKey(path, alg)
		if err != nil {
			return err
		}
		if err := a.fields.Reload(); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "new active key %s (%s) in %s; %s kept for opening\n", id, alg, path, old)
		st, err := reseal(sys, a, *batch, stdout)
		detail := map[string]any{"key": id, "algorithm": alg, "previous": old, "scanned": st.Scanned, "resealed": st.Resealed, "complete": err == nil}
		if aerr := a.db.AuditKeyEvent(sys, "rotate", detail); aerr != nil && err == nil {
			err = aerr
		}
		return err
	case "reseal":
		if err := cfg.noArgs("keys reseal"); err != nil {
			return err
		}
		st, err := reseal(sys, a, *batch, stdout)
		detail := map[string]any{"key": a.fields.ActiveID(), "scanned": st.Scanned, "resealed": st.Resealed, "complete": err == nil}
		if aerr := a.db.AuditKeyEvent(sys, "reseal", detail); aerr != nil && err == nil {
			err = aerr
		}
		return err
	case "retire":
		if len(cfg.Args) != 1 {
			return errors.New("keys retire: name one key id (see 'yingji keys list')")
		}
		id := cfg.Args[0]
		if !a.fields.Has(id) {
			return fmt.Errorf("keys retire: no key %q in %s", id, path)
		}
		if id == a.fields.ActiveID() {
			return fmt.Errorf("keys retire: %s is the active key; rotate first", id)
		}
		u, err := a.db.FieldKeyUsage(sys)
		if err != nil {
			return err
		}
		if n := u.ByKey[id]; n > 0 {
			return fmt.Errorf("keys retire: %d value(s) are still sealed with %s; run 'yingji keys reseal' first", n, id)
		}
		if err := fieldcrypt.RemoveKey(path, id); err != nil {
			return err
		}
		if err := a.db.AuditKeyEvent(sys, "retire", map[string]any{"key": id}); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "retired key %s\n", id)
		return nil
	}
	return fmt.Errorf("keys: %q is not list, rotate, reseal or retire", sub)
}

// reseal re-seals the registry, the recipients' contacts and the TOTP
// secrets under the active key, reporting progress.
func reseal(ctx context.Context, a *app, batch int, stdout io.Writer) (store.ResealStats, error) {
	st, err := a.db.ResealRegistry(ctx, a.fields, batch, resealHook)
	if err == nil {
		var st2 store.ResealStats
		st2, err = a.db.ResealSecrets(ctx, &secretSealer{cfg: a.cfg, ring: a.fields}, batch, resealHook)
		st.Scanned, st.Resealed, st.Batches = st.Scanned+st2.Scanned, st.Resealed+st2.Resealed, st.Batches+st2.Batches
	}
	if err != nil {
		fmt.Fprintf(stdout, "stopped after %d record(s) (%d re-sealed); every value is still readable, run 'yingji keys reseal' to finish: %v\n", st.Scanned, st.Resealed, err)
		return st, err
	}
	fmt.Fprintf(stdout, "re-sealed %d of %d record(s) (registry, recipients, TOTP secrets) in %d batch(es) under %s\n", st.Resealed, st.Scanned, st.Batches, a.fields.ActiveID())
	return st, nil
}

// resealHook is called between batches; tests set it to simulate a crash.
var resealHook func(store.ResealStats) error
