package outbox

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/yingji/yingji/internal/core"
	"github.com/yingji/yingji/internal/region"
)

// Message is one published CAP message (alert, update or cancel) to
// deliver.
type Message struct {
	WarningID                                                       int64
	Identifier                                                      string
	MsgType, Level, Event, Headline, Description, Instruction, Lang string
	Sent, Expires                                                   time.Time
	Area                                                            Area
	CAP                                                             []byte
}

// StoredMessage is a message in the outbox: its text and the population
// per county of its area (the coverage denominator).
type StoredMessage struct {
	ID         int64
	WarningID  int64
	Identifier string
	Body       MessageBody
	Population map[string]int64
	CreatedAt  time.Time
}

// MessageBody is what channels render.
type MessageBody struct {
	WarningID   int64     `json:"warning_id"`
	Identifier  string    `json:"identifier"`
	MsgType     string    `json:"msg_type"`
	Level       string    `json:"level"`
	Event       string    `json:"event"`
	Headline    string    `json:"headline"`
	Description string    `json:"description"`
	Instruction string    `json:"instruction"`
	Lang        string    `json:"lang"`
	Sent        time.Time `json:"sent"`
	Expires     time.Time `json:"expires"`
	CAP         []byte    `json:"cap,omitempty"`
}

// Row is one outbox row to insert.
type Row struct {
	RecipientID int64
	Channel     Channel
	County      int32 // the recipient's county-level code as a number, 0 if none
}

// Job is a claimed outbox row with what sending needs.
type Job struct {
	ID, MessageID, RecipientID int64
	Channel                    Channel
	Attempts                   int // including this one
	County                     int32
	Name, Division             string
	PhoneSealed, EmailSealed   string
	PushSealed                 string
	AppUser, Webhook, Topic    string
}

// Outcome is what became of a job.
type Outcome struct {
	ID    int64
	State string // sent, delivered, queued (retry), failed
	Error string
	Ref   string // the channel's message id, for receipts
	At    time.Time
	Due   time.Time // next try (queued)
}

// Outbox states.
const (
	StateQueued    = "queued"
	StateSending   = "sending"
	StateSent      = "sent"
	StateDelivered = "delivered"
	StateFailed    = "failed"
)

// Filter selects recipients.
type Filter struct {
	Division string
	Kind     string
	Channel  Channel
	Query    string // name
	Phone    string // exact number, matched by its keyed hash
	AppUser  string // exact in-app user name
	Limit    int
	Offset   int
}

// Count is one cell of the delivery roll-up.
type Count struct {
	Channel Channel
	County  int32
	State   string
	N       int64
}

// Store keeps recipients and the outbox.
type Store interface {
	CreateRecipient(ctx context.Context, r *Record) error
	UpdateRecipient(ctx context.Context, r *Record) error
	DeleteRecipient(ctx context.Context, id int64) error
	GetRecipient(ctx context.Context, id int64) (*Record, error)
	ListRecipients(ctx context.Context, f Filter, phoneHash string) ([]*Record, int, error)
	ImportRecipients(ctx context.Context, rs []*Record) error
	LoadTargets(ctx context.Context, fn func(Target)) error

	EnqueueMessage(ctx context.Context, m *StoredMessage, rows []Row, now time.Time) (bool, error)
	GetMessage(ctx context.Context, id int64) (*StoredMessage, error)
	ClaimJobs(ctx context.Context, ch Channel, now time.Time, lease time.Duration, limit int) ([]Job, error)
	FinishJobs(ctx context.Context, os []Outcome) error
	RecordReceipt(ctx context.Context, ch Channel, ref string, delivered bool, reason string, at time.Time) (bool, error)
	DeliveryCounts(ctx context.Context, warningID int64) ([]Count, error)
	Reached(ctx context.Context, warningID int64) (persons map[int32]int64, loudspeakerDivisions []string, err error)
	WarningPopulation(ctx context.Context, warningID int64) (map[string]int64, error)
}

// Service is the recipients registry, targeting and the outbox.
type Service struct {
	Store   Store
	Protect *Protector
	Land    *Land
	Clock   core.Clock

	mu    sync.Mutex // serialises index rebuilds
	index atomic.Pointer[Index]
	dirty atomic.Bool // recipients changed since the index was built

	wakeMu sync.Mutex
	wake   chan struct{} // closed when new rows are enqueued
}

// Wakeup returns a channel closed at the next enqueue, so idle workers
// start at once instead of at their next poll.
func (s *Service) Wakeup() <-chan struct{} {
	s.wakeMu.Lock()
	defer s.wakeMu.Unlock()
	if s.wake == nil {
		s.wake = make(chan struct{})
	}
	return s.wake
}

func (s *Service) notify() {
	s.wakeMu.Lock()
	defer s.wakeMu.Unlock()
	if s.wake != nil {
		close(s.wake)
		s.wake = nil
	}
}

// Refresh rebuilds the targeting index from the store.
func (s *Service) Refresh(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dirty.Store(false) // changes from now on mark it again
	var ts []Target
	if err := s.Store.LoadTargets(ctx, func(t Target) { ts = append(ts, t) }); err != nil {
		return err
	}
	s.index.Store(NewIndex(s.Land, ts))
	return nil
}

// SetIndex installs an index built elsewhere (benchmarks).
func (s *Service) SetIndex(ix *Index) { s.index.Store(ix) }

// changed marks the index stale: it is rebuilt before the next targeting
// (or by KeepFresh), once for any number of changes.
func (s *Service) changed() { s.dirty.Store(true) }

// KeepFresh rebuilds a stale index every interval, so that targeting
// rarely waits for a rebuild; it returns when ctx ends.
func (s *Service) KeepFresh(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if s.dirty.Load() {
				s.Refresh(ctx)
			}
		}
	}
}

func (s *Service) idx(ctx context.Context) (*Index, error) {
	if ix := s.index.Load(); ix != nil && !s.dirty.Load() {
		return ix, nil
	}
	if err := s.Refresh(ctx); err != nil {
		return nil, err
	}
	return s.index.Load(), nil
}

func (s *Service) now() time.Time {
	if s.Clock == nil {
		return time.Now().UTC()
	}
	return s.Clock().UTC()
}

// inScope reports whether the actor in ctx may see or change division.
func inScope(ctx context.Context, division string) bool {
	a := core.ActorFrom(ctx)
	switch {
	case a == nil:
		return false
	case a.System:
		return true
	case a.Division == "":
		return false
	}
	return region.Within(division, a.Division)
}

func scopeErr(division string) error {
	return core.Errorf(core.EFORBIDDEN, "division %s is outside your area", division)
}

// seal turns a checked recipient into a record.
func (s *Service) seal(r *Recipient) (*Record, error) {
	rec := &Record{ID: r.ID, Kind: r.Kind, Name: r.Name, Division: r.Division, Lon: r.Lon, Lat: r.Lat, Follows: r.Follows,
		AppUser: r.AppUser, Webhook: r.Webhook, Topic: r.Topic, Note: r.Note, Enabled: r.Enabled, Version: r.Version}
	if r.Phone != "" {
		rec.PhoneSealed, rec.PhoneHash, rec.PhoneMasked = s.Protect.Seal("phone", r.Phone), s.Protect.Hash("phone", r.Phone), MaskPhone(r.Phone)
		rec.Channels |= SMS
	}
	if r.Email != "" {
		rec.EmailSealed, rec.EmailHash, rec.EmailMasked = s.Protect.Seal("email", r.Email), s.Protect.Hash("email", r.Email), MaskEmail(r.Email)
		rec.Channels |= Email
	}
	if r.Push != nil {
		b, err := json.Marshal(r.Push)
		if err != nil {
			return nil, err
		}
		rec.PushSealed, rec.PushMasked = s.Protect.Seal("push", string(b)), maskURL(r.Push.Endpoint)
		rec.Channels |= WebPush
	}
	if r.Webhook != "" {
		rec.Channels |= Webhook
	}
	if r.AppUser != "" {
		rec.Channels |= Inbox
	}
	if r.Topic != "" {
		rec.Channels |= MQTT
	}
	return rec, nil
}

func (s *Service) check(ctx context.Context, r *Recipient, row int, ps *core.Problems, kept Channel) {
	checkInput(r, s.Land.tree, row, ps, kept)
	if r.Division != "" && !inScope(ctx, r.Division) {
		ps.Add(row, "division_code", "%s is outside your area", r.Division)
	}
}

// Create adds a recipient.
func (s *Service) Create(ctx context.Context, in Recipient) (*Recipient, error) {
	var ps core.Problems
	s.check(ctx, &in, 0, &ps, 0)
	if err := ps.Err(""); err != nil {
		if len(ps) == 1 && ps[0].Field == "division_code" && !inScope(ctx, in.Division) && in.Division != "" {
			return nil, scopeErr(in.Division)
		}
		return nil, err
	}
	rec, err := s.seal(&in)
	if err != nil {
		return nil, err
	}
	now := s.now()
	rec.CreatedAt, rec.UpdatedAt = now, now
	if err := s.Store.CreateRecipient(ctx, rec); err != nil {
		return nil, err
	}
	s.changed()
	return rec.Public(), nil
}

// Get returns a recipient, masked.
func (s *Service) Get(ctx context.Context, id int64) (*Recipient, error) {
	rec, err := s.Store.GetRecipient(ctx, id)
	if err != nil {
		return nil, err
	}
	if !inScope(ctx, rec.Division) {
		return nil, core.Errorf(core.ENOTFOUND, "recipient %d not found", id)
	}
	return rec.Public(), nil
}

// Update replaces a recipient's fields; version is the one the caller
// read. Phone, e-mail, push and webhook left empty keep their stored
// values (lists show them masked) unless clear lists them.
func (s *Service) Update(ctx context.Context, id int64, in Recipient, version int, clear []string) (*Recipient, error) {
	old, err := s.Store.GetRecipient(ctx, id)
	if err != nil {
		return nil, err
	}
	if !inScope(ctx, old.Division) {
		return nil, core.Errorf(core.ENOTFOUND, "recipient %d not found", id)
	}
	if version != 0 && version != old.Version {
		return nil, core.Errorf(core.ECONFLICT, "recipient %d was changed by someone else (version %d, you have %d); reload it", id, old.Version, version)
	}
	keep := func(name string) bool {
		for _, c := range clear {
			if c == name {
				return false
			}
		}
		return true
	}
	// the masked values never come back as input: empty keeps the stored one
	var ps core.Problems
	phoneKeep := in.Phone == "" && keep("phone") && old.PhoneSealed != ""
	emailKeep := in.Email == "" && keep("email") && old.EmailSealed != ""
	pushKeep := in.Push == nil && keep("push") && old.PushSealed != ""
	if in.Webhook == "" && keep("webhook") {
		in.Webhook = old.Webhook
	}
	var kept Channel
	if phoneKeep {
		kept |= SMS
	}
	if emailKeep {
		kept |= Email
	}
	if pushKeep {
		kept |= WebPush
	}
	s.check(ctx, &in, 0, &ps, kept)
	if err := ps.Err(""); err != nil {
		return nil, err
	}
	rec, err := s.seal(&in)
	if err != nil {
		return nil, err
	}
	if phoneKeep {
		rec.PhoneSealed, rec.PhoneHash, rec.PhoneMasked = old.PhoneSealed, old.PhoneHash, old.PhoneMasked
	}
	if emailKeep {
		rec.EmailSealed, rec.EmailHash, rec.EmailMasked = old.EmailSealed, old.EmailHash, old.EmailMasked
	}
	if pushKeep {
		rec.PushSealed, rec.PushMasked = old.PushSealed, old.PushMasked
	}
	rec.Channels |= kept
	rec.ID, rec.Version, rec.CreatedAt, rec.UpdatedAt = id, old.Version, old.CreatedAt, s.now()
	if err := s.Store.UpdateRecipient(ctx, rec); err != nil {
		return nil, err
	}
	s.changed()
	return rec.Public(), nil
}

// Delete removes a recipient; its outbox rows stay for the record.
func (s *Service) Delete(ctx context.Context, id int64) error {
	old, err := s.Store.GetRecipient(ctx, id)
	if err != nil {
		return err
	}
	if !inScope(ctx, old.Division) {
		return core.Errorf(core.ENOTFOUND, "recipient %d not found", id)
	}
	if err := s.Store.DeleteRecipient(ctx, id); err != nil {
		return err
	}
	s.changed()
	return nil
}

// List returns recipients in the actor's area, masked.
func (s *Service) List(ctx context.Context, f Filter) ([]*Recipient, int, error) {
	a := core.ActorFrom(ctx)
	if a == nil || (!a.System && a.Division == "") {
		return nil, 0, core.Errorf(core.EFORBIDDEN, "no area")
	}
	if f.Division != "" && !inScope(ctx, f.Division) {
		return nil, 0, scopeErr(f.Division)
	}
	if f.Division == "" && !a.System {
		f.Division = a.Division
	}
	hash := ""
	if f.Phone != "" {
		p, ok := NormalisePhone(f.Phone)
		if !ok {
			return nil, 0, core.Invalid("phone", "%q is not a phone number", f.Phone)
		}
		hash = s.Protect.Hash("phone", p)
	}
	recs, total, err := s.Store.ListRecipients(ctx, f, hash)
	if err != nil {
		return nil, 0, err
	}
	out := make([]*Recipient, len(recs))
	for i, r := range recs {
		out[i] = r.Public()
	}
	return out, total, nil
}

// Import adds recipients, all or none: every row is checked first and
// every problem reported with its row.
func (s *Service) Import(ctx context.Context, in []Recipient) (int, error) {
	var ps core.Problems
	recs := make([]*Record, 0, len(in))
	now := s.now()
	seen := map[string]int{}
	for i := range in {
		row := in[i].rowNo
		if row == 0 {
			row = i + 1
		}
		s.check(ctx, &in[i], row, &ps, 0)
		if len(ps) > 0 && ps[len(ps)-1].Row == row {
			continue
		}
		rec, err := s.seal(&in[i])
		if err != nil {
			return 0, err
		}
		for _, h := range []struct{ field, hash string }{{"phone", rec.PhoneHash}, {"email", rec.EmailHash}} {
			if h.hash == "" {
				continue
			}
			if prev, dup := seen[h.field+h.hash]; dup {
				ps.Add(row, h.field, "the same %s as row %d", h.field, prev)
			}
			seen[h.field+h.hash] = row
		}
		rec.CreatedAt, rec.UpdatedAt, rec.Version = now, now, 1
		recs = append(recs, rec)
	}
	if err := ps.Err("the import has errors; nothing was stored"); err != nil {
		return 0, err
	}
	if err := s.Store.ImportRecipients(ctx, recs); err != nil {
		return 0, err
	}
	s.changed()
	return len(recs), nil
}

// checkArea refuses areas that are empty or name unknown divisions.
func (s *Service) checkArea(a Area) error {
	var ps core.Problems
	for i, d := range a.Divisions {
		if _, ok := s.Land.tree.Get(d); !ok {
			ps.Add(0, "area.divisions", "%q (item %d) is not a known division", d, i+1)
		}
	}
	for i, c := range a.Circles {
		if c.RadiusM <= 0 || c.RadiusM > 500000 || math.IsNaN(c.RadiusM) || c.Lon < -180 || c.Lon > 180 || c.Lat < -90 || c.Lat > 90 {
			ps.Add(0, "area.circles", "circle %d: want lon, lat in range and 0 < radius_m ≤ 500000", i+1)
		}
	}
	if len(a.Polygons) == 0 && len(a.Circles) == 0 && len(a.Divisions) == 0 {
		ps.Add(0, "area", "give a polygon, a circle or a division")
	}
	return ps.Err("")
}

// DryRun resolves the area without sending.
func (s *Service) DryRun(ctx context.Context, a Area) (Targeting, error) {
	if err := s.checkArea(a); err != nil {
		return Targeting{}, err
	}
	ix, err := s.idx(ctx)
	if err != nil {
		return Targeting{}, err
	}
	return ix.Resolve(a).Targeting(), nil
}

// Enqueue resolves the message's area and puts one outbox row per
// recipient and channel, in one transaction. A message already enqueued
// (same warning and identifier) is not enqueued again.
func (s *Service) Enqueue(ctx context.Context, m Message) (Targeting, error) {
	if err := s.checkArea(m.Area); err != nil {
		return Targeting{}, err
	}
	ix, err := s.idx(ctx)
	if err != nil {
		return Targeting{}, err
	}
	match := ix.Resolve(m.Area)
	t := match.Targeting()
	sm := &StoredMessage{WarningID: m.WarningID, Identifier: m.Identifier, Population: map[string]int64{}, CreatedAt: s.now(),
		Body: MessageBody{WarningID: m.WarningID, Identifier: m.Identifier, MsgType: m.MsgType, Level: m.Level, Event: m.Event, Headline: m.Headline,
			Description: m.Description, Instruction: m.Instruction, Lang: m.Lang, Sent: m.Sent.UTC(), Expires: m.Expires.UTC(), CAP: m.CAP}}
	for _, d := range t.Divisions {
		if d.Code != "" {
			sm.Population[d.Code] = d.Population
		}
	}
	rows := match.Rows(nil)
	created, err := s.Store.EnqueueMessage(ctx, sm, rows, s.now())
	if err != nil {
		return Targeting{}, err
	}
	t.Enqueued = created
	if created {
		s.notify()
	}
	return t, nil
}

// Rows appends the outbox rows of the match to dst.
func (m *Match) Rows(dst []Row) []Row {
	land := m.ix.land
	counties := make([]int32, len(land.counties))
	for k, c := range land.counties {
		n, _ := strconv.Atoi(c)
		counties[k] = int32(n)
	}
	if dst == nil {
		dst = make([]Row, 0, len(m.pos)*2)
	}
	for _, p := range m.pos {
		e := &m.ix.ent[p]
		var county int32
		if e.div >= 0 && land.countyOf[e.div] >= 0 {
			county = counties[land.countyOf[e.div]]
		}
		for c := e.ch; c != 0; c &= c - 1 {
			dst = append(dst, Row{RecipientID: e.id, Channel: c & -c, County: county})
		}
	}
	return dst
}

// ChannelStats is the roll-up of one channel.
type ChannelStats struct {
	Channel   string `json:"channel"`
	Queued    int64  `json:"queued"`
	Sent      int64  `json:"sent"`
	Delivered int64  `json:"delivered"`
	Failed    int64  `json:"failed"`
}

// DivisionStats is the roll-up of one county-level division.
type DivisionStats struct {
	Code       string `json:"code"`
	Name       string `json:"name"`
	Queued     int64  `json:"queued"`
	Sent       int64  `json:"sent"`
	Delivered  int64  `json:"delivered"`
	Failed     int64  `json:"failed"`
	Population int64  `json:"population"`
	Reached    int64  `json:"people_reached"`
}

// Stats is a warning's delivery: counts per channel and division, people
// reached and coverage against the goal.
type Stats struct {
	WarningID     int64           `json:"warning_id"`
	Channels      []ChannelStats  `json:"channels"`
	Divisions     []DivisionStats `json:"divisions"`
	PeopleReached int64           `json:"people_reached"`
	Population    int64           `json:"population"`
	Coverage      float64         `json:"coverage"`
	Goal          float64         `json:"goal"`
}

// CoverageGoal is the plan's target: warnings reach 95 % of the population.
const CoverageGoal = 0.95

func add(st string, n int64, q, s, d, f *int64) {
	switch st {
	case StateQueued, StateSending:
		*q += n
	case StateSent:
		*s += n
	case StateDelivered:
		*d += n
	case StateFailed:
		*f += n
	}
}

// Stats rolls up a warning's delivery. People reached are the distinct
// recipients with a message delivered on any channel, plus, for each
// loudspeaker group that played it, the population of its division;
// per county the sum is capped at the county's population in the area.
func (s *Service) Stats(ctx context.Context, warningID int64) (Stats, error) {
	st := Stats{WarningID: warningID, Goal: CoverageGoal, Channels: []ChannelStats{}, Divisions: []DivisionStats{}}
	pop, err := s.Store.WarningPopulation(ctx, warningID)
	if err != nil {
		return st, err
	}
	counts, err := s.Store.DeliveryCounts(ctx, warningID)
	if err != nil {
		return st, err
	}
	persons, lsDivs, err := s.Store.Reached(ctx, warningID)
	if err != nil {
		return st, err
	}
	byCh := map[Channel]*ChannelStats{}
	byDiv := map[string]*DivisionStats{}
	div := func(code string) *DivisionStats {
		d := byDiv[code]
		if d == nil {
			d = &DivisionStats{Code: code, Name: s.Land.Name(code), Population: pop[code]}
			if code == "" {
				d.Name = "其他 / other"
			}
			byDiv[code] = d
		}
		return d
	}
	for code := range pop {
		div(code)
	}
	for _, c := range counts {
		cs := byCh[c.Channel]
		if cs == nil {
			cs = &ChannelStats{Channel: c.Channel.String()}
			byCh[c.Channel] = cs
		}
		add(c.State, c.N, &cs.Queued, &cs.Sent, &cs.Delivered, &cs.Failed)
		code := ""
		if c.County != 0 {
			code = strconv.Itoa(int(c.County))
		}
		d := div(code)
		add(c.State, c.N, &d.Queued, &d.Sent, &d.Delivered, &d.Failed)
	}
	for county, n := range persons {
		code := ""
		if county != 0 {
			code = strconv.Itoa(int(county))
		}
		div(code).Reached += n
	}
	lsPop := map[string]float64{}
	for _, d := range topmost(lsDivs) {
		if c := s.Land.CountyOf(d); c != "" {
			lsPop[c] += s.Land.DivisionPopulation(d)
		}
	}
	for c, p := range lsPop {
		div(c).Reached += int64(math.Round(p))
	}
	for _, d := range byDiv {
		if d.Population > 0 && d.Reached > d.Population {
			d.Reached = d.Population
		}
		st.PeopleReached += d.Reached
		st.Population += d.Population
		st.Divisions = append(st.Divisions, *d)
	}
	sort.Slice(st.Divisions, func(i, j int) bool { return st.Divisions[i].Code < st.Divisions[j].Code })
	for _, c := range AllChannels {
		if cs := byCh[c]; cs != nil {
			st.Channels = append(st.Channels, *cs)
		}
	}
	if st.Population > 0 {
		st.Coverage = math.Min(1, float64(st.PeopleReached)/float64(st.Population))
	}
	return st, nil
}

// Receipt records a delivery receipt from a channel (SMPP deliver_sm, an
// HTTP SMS gateway's callback): ref is the id the channel gave on send.
func (s *Service) Receipt(ctx context.Context, ch Channel, ref string, delivered bool, reason string) error {
	ok, err := s.Store.RecordReceipt(ctx, ch, ref, delivered, reason, s.now())
	if err != nil {
		return err
	}
	if !ok {
		return core.Errorf(core.ENOTFOUND, "no %s message with reference %q", ch, ref)
	}
	return nil
}

// OpenContact decrypts what a job's channel needs.
func (s *Service) OpenContact(j *Job) (Contact, error) {
	c := Contact{RecipientID: j.RecipientID, Name: j.Name, Division: j.Division, AppUser: j.AppUser, Webhook: j.Webhook, Topic: j.Topic}
	var err error
	switch j.Channel {
	case SMS:
		c.Phone, err = s.Protect.Open("phone", j.PhoneSealed)
	case Email:
		c.Email, err = s.Protect.Open("email", j.EmailSealed)
	case WebPush:
		var raw string
		if raw, err = s.Protect.Open("push", j.PushSealed); err == nil && raw != "" {
			c.Push = &PushSubscription{}
			err = json.Unmarshal([]byte(raw), c.Push)
		}
	}
	if err != nil {
		return c, fmt.Errorf("recipient %d: %w", j.RecipientID, err)
	}
	return c, nil
}

// Contact is an opened recipient address for one send.
type Contact struct {
	RecipientID      int64
	Name, Division   string
	Phone, Email     string
	Push             *PushSubscription
	AppUser, Webhook string
	Topic            string
}

// Subscribe attaches a browser's Web Push subscription to the signed-in
// user's own recipient record (app_user = their user name), creating a
// staff recipient in their division when they have none.
func (s *Service) Subscribe(ctx context.Context, sub PushSubscription) (*Recipient, error) {
	a := core.ActorFrom(ctx)
	if a == nil || a.Username == "" || a.Division == "" {
		return nil, core.Errorf(core.EFORBIDDEN, "sign in with an account that has a division")
	}
	recs, _, err := s.Store.ListRecipients(ctx, Filter{AppUser: a.Username, Limit: 1}, "")
	if err != nil {
		return nil, err
	}
	if len(recs) == 0 {
		return s.Create(ctx, Recipient{Kind: Staff, Name: a.Username, Division: a.Division, AppUser: a.Username, Push: &sub, Enabled: true})
	}
	r := recs[0]
	in := Recipient{Kind: r.Kind, Name: r.Name, Division: r.Division, Lon: r.Lon, Lat: r.Lat, Follows: r.Follows, AppUser: r.AppUser,
		Webhook: r.Webhook, Topic: r.Topic, Note: r.Note, Enabled: r.Enabled, Push: &sub}
	return s.Update(ctx, r.ID, in, r.Version, nil)
}

// Unsubscribe removes the signed-in user's push subscription.
func (s *Service) Unsubscribe(ctx context.Context) error {
	a := core.ActorFrom(ctx)
	if a == nil || a.Username == "" {
		return core.Errorf(core.EFORBIDDEN, "sign in first")
	}
	recs, _, err := s.Store.ListRecipients(ctx, Filter{AppUser: a.Username, Limit: 1}, "")
	if err != nil {
		return err
	}
	if len(recs) == 0 || recs[0].PushSealed == "" {
		return core.Errorf(core.ENOTFOUND, "you have no push subscription")
	}
	r := recs[0]
	in := Recipient{Kind: r.Kind, Name: r.Name, Division: r.Division, Lon: r.Lon, Lat: r.Lat, Follows: r.Follows, AppUser: r.AppUser,
		Webhook: r.Webhook, Topic: r.Topic, Note: r.Note, Enabled: r.Enabled}
	_, err = s.Update(ctx, r.ID, in, r.Version, []string{"push"})
	return err
}
