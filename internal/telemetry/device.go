package telemetry

import (
	"strings"
	"time"
	"unicode"

	"github.com/yingji/yingji/internal/core"
)

// DeviceRecord is a registered device and its credentials' metadata; the
// secret itself is shown once when issued and stored only as a hash.
type DeviceRecord struct {
	ID           int64     `json:"id"`
	Code         string    `json:"code"`
	Name         string    `json:"name"`
	OwnerID      int64     `json:"owner_id"`
	Division     string    `json:"division_code"`
	EnterpriseID int64     `json:"enterprise_id,omitempty"`
	Disabled     bool      `json:"disabled"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
	SecretHash   string    `json:"-"`
}

// Validate checks the code and name. The code is the MQTT username and the
// last topic level, so it may not contain MQTT wildcards or separators.
func (d *DeviceRecord) Validate() error {
	var p core.Problems
	d.Code, d.Name = strings.TrimSpace(d.Code), strings.TrimSpace(d.Name)
	if d.Code == "" || len(d.Code) > 64 || strings.IndexFunc(d.Code, func(r rune) bool {
		return r > unicode.MaxASCII || !(unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-' || r == '_' || r == '.')
	}) >= 0 {
		p.Add(0, "code", "%q must be 1–64 characters of A–Z, a–z, 0–9, '-', '_', '.'", d.Code)
	}
	if d.Name == "" {
		p.Add(0, "name", "is required")
	}
	if d.OwnerID <= 0 {
		p.Add(0, "owner_id", "is required: the enterprise, facility or station the device belongs to")
	}
	return p.Err("")
}
