package ingest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"

	"github.com/yingji/yingji/internal/core"
	"github.com/yingji/yingji/internal/registry"
	"github.com/yingji/yingji/internal/telemetry"
)

// DeviceStore keeps device records.
type DeviceStore interface {
	CreateDevice(ctx context.Context, d *telemetry.DeviceRecord) error
	UpdateDevice(ctx context.Context, d *telemetry.DeviceRecord) error
	// ListDevices and GetDevice apply the actor's scope.
	ListDevices(ctx context.Context) ([]*telemetry.DeviceRecord, error)
	GetDevice(ctx context.Context, id int64) (*telemetry.DeviceRecord, error)
	// DeviceByCode is for authentication and ignores scope.
	DeviceByCode(ctx context.Context, code string) (*telemetry.DeviceRecord, error)
}

// Devices issues and checks device credentials. A device belongs to a
// registry record (an enterprise, a facility, a geohazard point or another
// station) and may report for that record's monitoring points.
type Devices struct {
	Store    DeviceStore
	Registry *registry.Service
	Clock    core.Clock
	// Revoked, when set, is called after a device is disabled or its secret
	// rotated, to end its open connections at once (the embedded MQTT
	// broker's DisconnectDevice).
	Revoked func(code string)
}

// DeviceInput creates or changes a device.
type DeviceInput struct {
	Code     string `json:"code"`
	Name     string `json:"name"`
	OwnerID  int64  `json:"owner_id"`
	Disabled *bool  `json:"disabled"`
	// RotateSecret issues a new secret; the old one stops working at once.
	RotateSecret bool `json:"rotate_secret"`
}

// newSecret returns a random device secret and its stored hash. Secrets are
// 256 random bits, so a fast hash is enough: nothing to brute-force.
func newSecret() (string, string) {
	b := make([]byte, 32)
	rand.Read(b)
	s := base64.RawURLEncoding.EncodeToString(b)
	return s, hashSecret(s)
}

func hashSecret(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// Issue registers a device and returns its secret, shown this once.
func (d *Devices) Issue(ctx context.Context, in DeviceInput) (*telemetry.DeviceRecord, string, error) {
	rec := &telemetry.DeviceRecord{Code: in.Code, Name: in.Name, OwnerID: in.OwnerID}
	if err := rec.Validate(); err != nil {
		return nil, "", err
	}
	owner, err := d.Registry.Get(ctx, "", in.OwnerID)
	if err != nil {
		return nil, "", core.Invalid("owner_id", "no record %d that you may see", in.OwnerID)
	}
	if err := registry.CheckScope(core.ActorFrom(ctx), owner); err != nil {
		return nil, "", err
	}
	rec.Division, rec.EnterpriseID = owner.Division, owner.EnterpriseID
	secret, hash := newSecret()
	rec.SecretHash = hash
	rec.CreatedAt = d.Clock()
	rec.UpdatedAt = rec.CreatedAt
	if in.Disabled != nil {
		rec.Disabled = *in.Disabled
	}
	if err := d.Store.CreateDevice(ctx, rec); err != nil {
		return nil, "", err
	}
	return rec, secret, nil
}

// Update renames, disables or re-enables a device, or rotates its secret
// (returned when rotated).
func (d *Devices) Update(ctx context.Context, id int64, in DeviceInput) (*telemetry.DeviceRecord, string, error) {
	rec, err := d.Store.GetDevice(ctx, id)
	if err != nil {
		return nil, "", err
	}
	if in.Code != "" && in.Code != rec.Code {
		return nil, "", core.Invalid("code", "cannot be changed; register a new device")
	}
	if in.OwnerID != 0 && in.OwnerID != rec.OwnerID {
		return nil, "", core.Invalid("owner_id", "cannot be changed; register a new device")
	}
	if in.Name != "" {
		rec.Name = in.Name
	}
	wasDisabled := rec.Disabled
	if in.Disabled != nil {
		rec.Disabled = *in.Disabled
	}
	secret := ""
	if in.RotateSecret {
		secret, rec.SecretHash = newSecret()
	}
	if err := rec.Validate(); err != nil {
		return nil, "", err
	}
	rec.UpdatedAt = d.Clock()
	if err := d.Store.UpdateDevice(ctx, rec); err != nil {
		return nil, "", err
	}
	// after the store: a device that reconnects at once meets the new state.
	if d.Revoked != nil && (in.RotateSecret || rec.Disabled && !wasDisabled) {
		d.Revoked(rec.Code)
	}
	return rec, secret, nil
}

// List returns the devices in the actor's area.
func (d *Devices) List(ctx context.Context) ([]*telemetry.DeviceRecord, error) {
	return d.Store.ListDevices(ctx)
}

// errBadDevice is the one answer to any failed device login.
var errBadDevice = core.Errorf(core.EUNAUTHORIZED, "unknown device or wrong secret")

// Authenticate checks a device's code and secret. A disabled device is
// refused at once: nothing is cached.
func (d *Devices) Authenticate(ctx context.Context, code, secret string) (telemetry.Device, error) {
	rec, err := d.Store.DeviceByCode(ctx, code)
	if err != nil {
		hashSecret(secret) // same work either way
		return telemetry.Device{}, errBadDevice
	}
	if subtle.ConstantTimeCompare([]byte(hashSecret(secret)), []byte(rec.SecretHash)) != 1 || rec.Disabled {
		return telemetry.Device{}, errBadDevice
	}
	return telemetry.Device{Code: rec.Code, OwnerID: rec.OwnerID}, nil
}

// AuthenticateDevice adapts Authenticate to the MQTT broker's interface.
func (d *Devices) AuthenticateDevice(ctx context.Context, username, password string) (string, error) {
	dev, err := d.Authenticate(ctx, username, password)
	return dev.Code, err
}

// Resolve returns an authenticated device by code (the MQTT layer has
// checked its credentials at CONNECT).
func (d *Devices) Resolve(ctx context.Context, code string) (telemetry.Device, error) {
	rec, err := d.Store.DeviceByCode(ctx, code)
	if err != nil || rec.Disabled {
		return telemetry.Device{}, errBadDevice
	}
	return telemetry.Device{Code: rec.Code, OwnerID: rec.OwnerID}, nil
}
