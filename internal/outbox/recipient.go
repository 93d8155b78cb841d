// Package outbox delivers public warnings: the recipients registry with
// its protected personal data, targeting of an area through a spatial
// index, the durable per-(message, recipient, channel) outbox with its
// channel workers, delivery receipts, and coverage against the population.
package outbox

import (
	"github.com/yingji/yingji/internal/registry"
	"math"
	"net/mail"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/yingji/yingji/internal/core"
	"github.com/yingji/yingji/internal/region"
)

// Kinds of recipient.
const (
	Staff             = "staff"              // 应急管理工作人员
	GridWorker        = "grid_worker"        // 网格员
	InfoOfficer       = "info_officer"       // 灾害信息员
	EnterpriseContact = "enterprise_contact" // 企业联系人
	Public            = "public"             // 注册公众
	Loudspeaker       = "loudspeaker"        // 应急广播 / 村村响 group
)

// Kinds lists every kind with its labels (zh-CN, en).
var Kinds = []struct{ Name, Label, LabelEn string }{
	{Staff, "工作人员", "staff"},
	{GridWorker, "网格员", "grid worker"},
	{InfoOfficer, "信息员", "information officer"},
	{EnterpriseContact, "企业联系人", "enterprise contact"},
	{Public, "注册公众", "registered public"},
	{Loudspeaker, "应急广播组", "loudspeaker group"},
}

// KindIndex returns the position of kind in Kinds, or -1.
func KindIndex(kind string) int {
	for i, k := range Kinds {
		if k.Name == kind {
			return i
		}
	}
	return -1
}

// Channel is a way a message reaches a recipient.
type Channel uint8

// Channels, as bits of a recipient's channel set.
const (
	SMS Channel = 1 << iota
	Email
	WebPush
	Webhook
	MQTT
	Inbox
)

const nChannels = 6

// AllChannels in a fixed order.
var AllChannels = []Channel{SMS, Email, WebPush, Webhook, MQTT, Inbox}

var channelNames = map[Channel]string{SMS: "sms", Email: "email", WebPush: "webpush", Webhook: "webhook", MQTT: "mqtt", Inbox: "inbox"}

func (c Channel) String() string { return channelNames[c] }

// ParseChannel returns the channel named s.
func ParseChannel(s string) (Channel, bool) {
	for c, n := range channelNames {
		if n == s {
			return c, true
		}
	}
	return 0, false
}

// PushSubscription is a browser's Web Push subscription (W3C Push API).
type PushSubscription struct {
	Endpoint string `json:"endpoint"`
	Keys     struct {
		P256dh string `json:"p256dh"`
		Auth   string `json:"auth"`
	} `json:"keys"`
}

// Recipient is a person or loudspeaker group warnings go to. Phone and
// Email hold plain text only between the API and the Protector; lists and
// reads carry the masked forms.
type Recipient struct {
	ID       int64    `json:"id"`
	Kind     string   `json:"kind"`
	Name     string   `json:"name"`
	Division string   `json:"division_code"`
	Lon      *float64 `json:"lon"`
	Lat      *float64 `json:"lat"`
	Follows  []string `json:"follows"`
	Phone    string   `json:"phone"`
	Email    string   `json:"email"`
	// Push is the Web Push subscription (its endpoint shown shortened).
	Push    *PushSubscription `json:"push,omitempty"`
	AppUser string            `json:"app_user"`
	Webhook string            `json:"webhook"`
	// Topic is a loudspeaker group's MQTT topic.
	Topic     string    `json:"topic"`
	Enabled   bool      `json:"enabled"`
	Channels  []string  `json:"channels"`
	Note      string    `json:"note"`
	Version   int       `json:"version"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	// rowNo is the file row an imported recipient came from.
	rowNo int
}

// Record is a recipient as stored: personal data sealed, hashed and masked.
type Record struct {
	ID                                  int64
	Kind, Name, Division                string
	Lon, Lat                            *float64
	Follows                             []string
	PhoneSealed, PhoneHash, PhoneMasked string
	EmailSealed, EmailHash, EmailMasked string
	PushSealed, PushMasked              string
	AppUser, Webhook, Topic, Note       string
	Enabled                             bool
	Channels                            Channel
	Version                             int
	CreatedAt, UpdatedAt                time.Time
}

// Public returns the recipient as lists show it: personal data masked.
func (r *Record) Public() *Recipient {
	out := &Recipient{ID: r.ID, Kind: r.Kind, Name: r.Name, Division: r.Division, Lon: r.Lon, Lat: r.Lat, Follows: r.Follows,
		Phone: r.PhoneMasked, Email: r.EmailMasked, AppUser: r.AppUser, Webhook: maskURL(r.Webhook), Topic: r.Topic, Note: r.Note,
		Enabled: r.Enabled, Version: r.Version, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
	if out.Follows == nil {
		out.Follows = []string{}
	}
	if r.PushMasked != "" {
		out.Push = &PushSubscription{Endpoint: r.PushMasked}
	}
	out.Channels = []string{}
	for _, c := range AllChannels {
		if r.Channels&c != 0 {
			out.Channels = append(out.Channels, c.String())
		}
	}
	return out
}

var (
	mobileRe = regexp.MustCompile(`^1[3-9][0-9]{9}$`)
	fixedRe  = regexp.MustCompile(`^0[1-9][0-9]{1,2}-?[0-9]{7,8}$`)
	topicRe  = regexp.MustCompile(`^[^#+\x00]+$`)
)

// NormalisePhone returns a mainland number in its plain form: spaces and
// dashes in mobiles dropped, +86/0086 removed. ok is false when it is not
// a mobile (11 digits, 13–19) or a fixed line (0 + area code + number).
func NormalisePhone(s string) (string, bool) {
	s = strings.TrimSpace(s)
	s = strings.NewReplacer(" ", "", "(", "", ")", "").Replace(s)
	for _, p := range []string{"+86", "0086"} {
		if rest, ok := strings.CutPrefix(s, p); ok {
			s = strings.TrimPrefix(rest, "-")
		}
	}
	if m := strings.ReplaceAll(s, "-", ""); mobileRe.MatchString(m) {
		return m, true
	}
	if fixedRe.MatchString(s) {
		return s, true
	}
	return "", false
}

// MaskPhone shows the first three and last four digits (138****1234), as
// the registry masks its phone numbers.
var MaskPhone = registry.MaskPhone

// NormaliseEmail lower-cases the domain and checks the address form.
func NormaliseEmail(s string) (string, bool) {
	s = strings.TrimSpace(s)
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" {
		return "", false
	}
	at := strings.LastIndexByte(s, '@')
	if at < 1 || at == len(s)-1 || !strings.Contains(s[at:], ".") {
		return "", false
	}
	return s[:at] + "@" + strings.ToLower(s[at+1:]), true
}

// MaskEmail keeps the first letter and the domain: a***@x.cn.
func MaskEmail(e string) string {
	at := strings.LastIndexByte(e, '@')
	if at < 1 {
		return "***"
	}
	return e[:1] + "***" + e[at:]
}

func maskURL(s string) string {
	if s == "" {
		return ""
	}
	u, err := url.Parse(s)
	if err != nil {
		return "***"
	}
	return u.Scheme + "://" + u.Host + "/…"
}

// checkInput validates a recipient at row (0 for a single record) against
// the division tree, collecting every problem. kept are stored channels an
// update leaves as they are.
func checkInput(r *Recipient, tree *region.Tree, row int, ps *core.Problems, kept Channel) {
	r.Name = strings.TrimSpace(r.Name)
	if KindIndex(r.Kind) < 0 {
		names := make([]string, len(Kinds))
		for i, k := range Kinds {
			names[i] = k.Name
		}
		ps.Add(row, "kind", "%q is not one of %s", r.Kind, strings.Join(names, ", "))
	}
	if r.Name == "" {
		ps.Add(row, "name", "is required")
	} else if len([]rune(r.Name)) > 100 {
		ps.Add(row, "name", "is longer than 100 characters")
	}
	if (r.Lon == nil) != (r.Lat == nil) {
		ps.Add(row, "lon", "lon and lat go together")
	}
	if r.Lon != nil && r.Lat != nil {
		if math.IsNaN(*r.Lon) || math.IsNaN(*r.Lat) || *r.Lon < -180 || *r.Lon > 180 || *r.Lat < -90 || *r.Lat > 90 {
			ps.Add(row, "lon", "%v, %v is not a WGS84 longitude and latitude", *r.Lon, *r.Lat)
		} else if r.Division == "" {
			if d, ok := tree.Locate([2]float64{*r.Lon, *r.Lat}); ok {
				r.Division = d.Code
			} else {
				ps.Add(row, "lon", "%v, %v lies outside every known division; give division_code", *r.Lon, *r.Lat)
			}
		}
	}
	for i, f := range r.Follows {
		if _, ok := tree.Get(f); !ok {
			ps.Add(row, "follows", "%q (item %d) is not a known division", f, i+1)
		}
	}
	if r.Division == "" && len(r.Follows) > 0 {
		r.Division = r.Follows[0]
	}
	if r.Division == "" {
		ps.Add(row, "division_code", "is required: give a location, the division, or divisions to follow")
	} else if _, ok := tree.Get(r.Division); !ok {
		ps.Add(row, "division_code", "%q is not a known division", r.Division)
	}
	if r.Phone != "" {
		if p, ok := NormalisePhone(r.Phone); ok {
			r.Phone = p
		} else {
			ps.Add(row, "phone", "%q is not a mainland mobile (11 digits) or fixed-line number", r.Phone)
		}
	}
	if r.Email != "" {
		if e, ok := NormaliseEmail(r.Email); ok {
			r.Email = e
		} else {
			ps.Add(row, "email", "%q is not an e-mail address", r.Email)
		}
	}
	if r.Push != nil {
		u, err := url.Parse(r.Push.Endpoint)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			ps.Add(row, "push", "endpoint %q is not an http(s) URL", r.Push.Endpoint)
		}
		if r.Push.Keys.P256dh == "" || r.Push.Keys.Auth == "" {
			ps.Add(row, "push", "keys.p256dh and keys.auth are required")
		}
	}
	if r.Webhook != "" {
		u, err := url.Parse(r.Webhook)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			ps.Add(row, "webhook", "%q is not an http(s) URL", r.Webhook)
		}
	}
	if r.Kind == Loudspeaker {
		if r.Topic == "" {
			ps.Add(row, "topic", "a loudspeaker group needs its MQTT topic")
		}
	} else if r.Topic != "" {
		ps.Add(row, "topic", "only loudspeaker groups have an MQTT topic")
	}
	if r.Topic != "" && (!topicRe.MatchString(r.Topic) || len(r.Topic) > 200) {
		ps.Add(row, "topic", "%q is not an MQTT topic name (no wildcards)", r.Topic)
	}
	if len([]rune(r.Note)) > 500 {
		ps.Add(row, "note", "is longer than 500 characters")
	}
	if r.Kind != Loudspeaker && kept == 0 && r.Phone == "" && r.Email == "" && r.Push == nil && r.AppUser == "" && r.Webhook == "" {
		ps.Add(row, "phone", "give at least one channel: phone, email, push, app_user or webhook")
	}
}
