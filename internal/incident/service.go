package incident

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/paulmach/orb"

	"github.com/yingji/yingji/internal/core"
	"github.com/yingji/yingji/internal/geo"
	"github.com/yingji/yingji/internal/region"
	"github.com/yingji/yingji/internal/registry"
)

// Regions is what intake needs of the division tree.
type Regions interface {
	Get(code string) (region.Division, bool)
	Locate(p orb.Point) (region.Division, bool)
}

// Service runs incident command.
type Service struct {
	Store   Store
	Regions func() Regions
	// Alarms, when set, lets an incident be raised from an alarm.
	Alarms Alarms
	// Enterprises, when set, lets intake name the enterprise where it
	// happened.
	Enterprises Enterprises
	Clock       core.Clock
	Duplicates  DuplicatePolicy
	Logger      *slog.Logger
	// Changed, if set, is told of every stored change of an incident.
	Changed func(in *Incident)

	types atomic.Pointer[Catalog]
}

// LoadTypes reads the event-type table, seeding it when empty.
func (s *Service) LoadTypes(ctx context.Context) error {
	rows, err := s.Store.ListTypes(ctx)
	if err != nil {
		return err
	}
	if len(rows) == 0 {
		sys := core.WithActor(ctx, core.SystemActor)
		for _, t := range SeedTypes() {
			t.Version = 0
			if err := s.Store.PutType(sys, &t); err != nil {
				return fmt.Errorf("incident: seed event types: %w", err)
			}
			rows = append(rows, t)
		}
		for _, p := range SeedPlans() {
			if err := s.Store.CreateEmergencyPlan(sys, &p); err != nil {
				return fmt.Errorf("incident: seed plans: %w", err)
			}
		}
	}
	c, err := NewCatalog(rows)
	if err != nil {
		return fmt.Errorf("incident: event-type table: %w", err)
	}
	s.types.Store(c)
	return nil
}

// Types returns the event-type table.
func (s *Service) Types() *Catalog {
	if c := s.types.Load(); c != nil {
		return c
	}
	c, _ := NewCatalog(SeedTypes())
	return c
}

func (s *Service) now() time.Time {
	if s.Clock == nil {
		return core.SystemClock().Truncate(time.Millisecond)
	}
	return s.Clock().UTC().Truncate(time.Millisecond)
}

func actorName(ctx context.Context) string {
	if a := core.ActorFrom(ctx); a != nil {
		return a.Username
	}
	return "unknown"
}

// GradeRequest is the grading calculator's input.
type GradeRequest struct {
	Category string `json:"category"`
	Type     string `json:"type"`
	Figures
}

// Grade grades figures by the criteria of a type (or of a category).
func (s *Service) Grade(req GradeRequest) (Grading, error) {
	if f, msg := req.Figures.Check(); f != "" {
		return Grading{}, core.Invalid(f, "%s", msg)
	}
	types := s.Types()
	if req.Type != "" {
		t, ok := types.Get(req.Type)
		if !ok {
			return Grading{}, core.Invalid("type", "%q is not in the event-type table", req.Type)
		}
		if req.Category != "" && req.Category != t.Category {
			return Grading{}, core.Invalid("category", "type %s belongs to %s, not %s", req.Type, t.Category, req.Category)
		}
		return types.Criteria(req.Type).Grade(req.Figures), nil
	}
	if !ValidCategory(req.Category) {
		return Grading{}, core.Invalid("category", "%q: want natural, accident, health or social (or give a type)", req.Category)
	}
	return CategoryCriteria(req.Category).Grade(req.Figures), nil
}

// Input is the intake form and the fields of a change; nil leaves a field
// alone on a change.
type Input struct {
	Title           *string            `json:"title"`
	Type            *string            `json:"type"`
	OccurredAt      *time.Time         `json:"occurred_at"`
	Lon             *float64           `json:"lon"`
	Lat             *float64           `json:"lat"`
	CRS             string             `json:"crs"`
	Address         *string            `json:"address"`
	Division        *string            `json:"division_code"`
	Source          *string            `json:"source"`
	Reporter        *string            `json:"reporter"`
	ReporterPhone   *string            `json:"reporter_phone"`
	Unit            *string            `json:"unit"`
	Deaths          *int               `json:"deaths"`
	Missing         *int               `json:"missing"`
	SeriousInjuries *int               `json:"serious_injuries"`
	Trapped         *int               `json:"trapped"`
	LossCNY         *float64           `json:"direct_loss_cny"`
	Extra           map[string]float64 `json:"extra"`
	Description     *string            `json:"description"`
	// AlarmID raises the incident from an alarm (create only).
	AlarmID int64 `json:"alarm_id"`
	// EnterpriseID names the enterprise where it happened (create only;
	// from an alarm, the alarm's enterprise).
	EnterpriseID int64 `json:"enterprise_id"`
	// Confirm saves a new incident despite possible duplicates.
	Confirm bool `json:"confirm"`
	Version int  `json:"version"`
}

// DuplicatesError is returned instead of saving when possible duplicates
// exist and the client did not confirm.
type DuplicatesError struct {
	Candidates []Duplicate
}

func (e *DuplicatesError) Error() string {
	nums := make([]string, len(e.Candidates))
	for i, c := range e.Candidates {
		nums[i] = c.Number
	}
	return fmt.Sprintf("possible duplicate of %s (same type, close in time and place); merge into one of them, or send confirm: true to save a new incident", strings.Join(nums, ", "))
}

// Unwrap makes the error an ECONFLICT for the HTTP layer.
func (e *DuplicatesError) Unwrap() error { return core.Errorf(core.ECONFLICT, "%s", e.Error()) }

// apply writes the input onto in and checks the result.
func (s *Service) apply(in *Incident, inp *Input, create bool) error {
	var p core.Problems
	str := func(dst *string, v *string, name string, max int) {
		if v == nil {
			return
		}
		t := strings.TrimSpace(*v)
		if len(t) > max {
			p.Add(0, name, "is too long (%d bytes, at most %d)", len(t), max)
			return
		}
		*dst = t
	}
	str(&in.Title, inp.Title, "title", 300)
	str(&in.Address, inp.Address, "address", 500)
	str(&in.Reporter, inp.Reporter, "reporter", 100)
	str(&in.ReporterPhone, inp.ReporterPhone, "reporter_phone", 30)
	str(&in.Unit, inp.Unit, "unit", 300)
	str(&in.Description, inp.Description, "description", 20000)
	if inp.Source != nil {
		in.Source = strings.TrimSpace(*inp.Source)
	}
	if inp.Type != nil {
		in.Type = strings.TrimSpace(*inp.Type)
	}
	if inp.OccurredAt != nil {
		in.OccurredAt = inp.OccurredAt.UTC().Truncate(time.Millisecond)
	}
	setInt := func(dst *int, v *int) {
		if v != nil {
			*dst = *v
		}
	}
	setInt(&in.Deaths, inp.Deaths)
	setInt(&in.Missing, inp.Missing)
	setInt(&in.SeriousInjuries, inp.SeriousInjuries)
	setInt(&in.Trapped, inp.Trapped)
	if inp.LossCNY != nil {
		in.LossCNY = *inp.LossCNY
	}
	if inp.Extra != nil {
		in.Extra = inp.Extra
	}
	if f, msg := in.Figures.Check(); f != "" {
		p.Add(0, f, "%s", msg)
	}
	t, ok := s.Types().Get(in.Type)
	switch {
	case in.Type == "":
		p.Add(0, "type", "is required: an event type code such as accident.hazchem (GET /api/v1/incident-types)")
	case !ok:
		p.Add(0, "type", "%q is not in the event-type table", in.Type)
	default:
		in.Category, in.TypeName = t.Category, s.Types().Path(in.Type)
	}
	if in.Title == "" {
		p.Add(0, "title", "is required (a short description such as 隆阳区某化工厂氨泄漏)")
	}
	if in.OccurredAt.IsZero() {
		p.Add(0, "occurred_at", "is required (RFC 3339)")
	} else if in.OccurredAt.After(in.ReceivedAt.Add(5 * time.Minute)) {
		p.Add(0, "occurred_at", "is in the future (%s)", in.OccurredAt.Format(time.RFC3339))
	}
	if !slices.Contains(Sources, in.Source) {
		p.Add(0, "source", "%q: want phone, field, partner, alarm or feed", in.Source)
	}
	if in.ReporterPhone != "" && !validPhone(in.ReporterPhone) {
		p.Add(0, "reporter_phone", "%q is not a phone number", in.ReporterPhone)
	}
	s.place(in, inp, &p)
	return p.Err(map[bool]string{true: "the incident was not saved", false: "the change was not saved"}[create])
}

// place converts the coordinates and derives the division from them.
func (s *Service) place(in *Incident, inp *Input, p *core.Problems) {
	if (inp.Lon == nil) != (inp.Lat == nil) {
		p.Add(0, "lon", "give both lon and lat, or neither")
		return
	}
	moved := inp.Lon != nil
	if moved {
		sys, err := geo.ParseSystem(inp.CRS)
		if err != nil {
			p.Add(0, "crs", "%v", err)
			return
		}
		lon, lat := *inp.Lon, *inp.Lat
		if math.IsNaN(lon) || math.IsNaN(lat) || lon < -180 || lon > 180 || lat < -90 || lat > 90 {
			p.Add(0, "lon", "(%g, %g) is not a position", lon, lat)
			return
		}
		lon, lat = geo.ToWGS84(sys, lon, lat)
		lon, lat = math.Round(lon*1e7)/1e7, math.Round(lat*1e7)/1e7
		in.Lon, in.Lat = &lon, &lat
	}
	regions := s.Regions()
	if inp.Division != nil && strings.TrimSpace(*inp.Division) != "" {
		code := strings.TrimSpace(*inp.Division)
		if _, ok := regions.Get(code); !ok {
			p.Add(0, "division_code", "%q is not a known division", code)
			return
		}
		in.Division = code
		return
	}
	if moved {
		d, ok := regions.Locate(orb.Point{*in.Lon, *in.Lat})
		if !ok {
			p.Add(0, "lon", "(%.5f, %.5f) lies in no known division; check the coordinates and their crs, or give division_code", *in.Lon, *in.Lat)
			return
		}
		in.Division = d.Code
	}
	if in.Division == "" {
		p.Add(0, "division_code", "give the place: coordinates (lon, lat) or a division code")
	}
}

// regrade grades in by its type's criteria.
func (s *Service) regrade(in *Incident) {
	g := s.Types().Criteria(in.Type).Grade(in.Figures)
	in.Level, in.Grade, in.Grading = g.Level, g.Grade, g
}

// clocks fills the computed deadlines.
func (s *Service) clocks(in *Incident, now time.Time) {
	in.TypeName = s.Types().Path(in.Type)
	in.Deadlines = Deadlines(in.Clocks(), s.Types().Policy(in.Type), now)
	in.NextDue, in.Overdue = nil, false
	if n := NextDue(in.Deadlines); !n.IsZero() {
		in.NextDue = &n
		in.Overdue = in.Status == Open && now.After(n)
	}
	for _, t := range in.Tasks {
		t.Overdue = t.Due != nil && (t.Status == TaskOpen || t.Status == TaskDoing) && now.After(*t.Due)
	}
}

// Decorate computes the clocks of incidents read from the store.
func (s *Service) Decorate(now time.Time, ins ...*Incident) {
	for _, in := range ins {
		s.clocks(in, now)
	}
}

func checkScope(ctx context.Context, division string) error {
	sc := registry.ScopeOf(core.ActorFrom(ctx))
	if sc.None || (!sc.All && !strings.HasPrefix(division, sc.DivisionPrefix)) {
		return core.Errorf(core.EFORBIDDEN, "division %s is outside your area", division)
	}
	return nil
}

// Check runs intake's checks without saving: the place, the grade and the
// possible duplicates.
func (s *Service) Check(ctx context.Context, inp *Input) (*Incident, []Duplicate, error) {
	in, err := s.prepare(ctx, inp)
	if err != nil {
		return nil, nil, err
	}
	dups, err := s.duplicates(ctx, in)
	return in, dups, err
}

func (s *Service) prepare(ctx context.Context, inp *Input) (*Incident, error) {
	now := s.now()
	in := &Incident{Status: Open, ReceivedAt: now, Source: "phone", CreatedBy: actorName(ctx)}
	if inp.AlarmID != 0 {
		if s.Alarms == nil {
			return nil, core.Invalid("alarm_id", "alarms are not available on this server")
		}
		al, err := s.Alarms.Alarm(ctx, inp.AlarmID)
		if err != nil {
			if core.ErrorCode(err) == core.ENOTFOUND {
				return nil, core.Invalid("alarm_id", "no alarm %d that you may see", inp.AlarmID)
			}
			return nil, err
		}
		in.AlarmID, in.Source, in.Title, in.Unit, in.EnterpriseID = al.ID, "alarm", al.Title, al.Unit, al.EnterpriseID
		in.OccurredAt, in.Type, in.Division = al.RaisedAt, al.Type, al.Division
		if al.Lon != nil && inp.Lon == nil {
			lon, lat := *al.Lon, *al.Lat
			in.Lon, in.Lat = &lon, &lat
		}
	}
	if inp.EnterpriseID != 0 {
		if s.Enterprises == nil {
			return nil, core.Invalid("enterprise_id", "enterprises are not available on this server")
		}
		name, _, err := s.Enterprises.Enterprise(ctx, inp.EnterpriseID)
		if err != nil {
			if core.ErrorCode(err) == core.ENOTFOUND {
				return nil, core.Invalid("enterprise_id", "no enterprise %d that you may see", inp.EnterpriseID)
			}
			return nil, err
		}
		in.EnterpriseID = inp.EnterpriseID
		if in.Unit == "" {
			in.Unit = name
		}
	}
	if err := s.apply(in, inp, true); err != nil {
		return nil, err
	}
	if err := checkScope(ctx, in.Division); err != nil {
		return nil, err
	}
	s.regrade(in)
	return in, nil
}

func (s *Service) duplicates(ctx context.Context, in *Incident) ([]Duplicate, error) {
	pol := s.Duplicates
	if pol.Window <= 0 {
		pol = DefaultDuplicates
	}
	cands, err := s.Store.Candidates(ctx, in.Type, in.OccurredAt.Add(-pol.Window), in.OccurredAt.Add(pol.Window))
	if err != nil {
		return nil, err
	}
	out := []Duplicate{}
	for _, c := range cands {
		if d, ok := pol.IsDuplicate(in, c); ok {
			out = append(out, d)
		}
	}
	return out, nil
}

// Create records a new incident: checks, grades, refuses possible
// duplicates unless confirmed, numbers and stores it, and links the alarm
// it came from.
func (s *Service) Create(ctx context.Context, inp *Input) (*Incident, error) {
	in, err := s.prepare(ctx, inp)
	if err != nil {
		return nil, err
	}
	if !inp.Confirm {
		dups, err := s.duplicates(ctx, in)
		if err != nil {
			return nil, err
		}
		if len(dups) > 0 {
			return nil, &DuplicatesError{Candidates: dups}
		}
	}
	in.CreatedAt, in.UpdatedAt = in.ReceivedAt, in.ReceivedAt
	s.clocks(in, in.ReceivedAt)
	evs := []Event{{At: in.ReceivedAt, Kind: "intake", Actor: in.CreatedBy,
		Summary: fmt.Sprintf("接报：%s（%s，来源 %s）", in.Title, in.TypeName, in.Source),
		Data:    map[string]any{"reporter": in.Reporter, "division_code": in.Division}},
		{At: in.ReceivedAt, Kind: "grade", Actor: "system", Summary: fmt.Sprintf("定级：%s（%s）", in.Grade, gradeWhy(in.Grading)),
			Data: map[string]any{"level": in.Level, "criterion": in.Grading.Criterion}}}
	if in.AlarmID != 0 {
		evs = append(evs, Event{At: in.ReceivedAt, Kind: "alarm", Actor: in.CreatedBy, Summary: fmt.Sprintf("由告警 %d 升级为事件", in.AlarmID),
			Data: map[string]any{"alarm_id": in.AlarmID}})
	}
	if err := s.Store.CreateIncident(ctx, in, NumberPrefix(in.Division, in.ReceivedAt, Shanghai), evs); err != nil {
		return nil, err
	}
	if in.AlarmID != 0 {
		if err := s.Alarms.Escalated(ctx, in.AlarmID, in.ID, in.Number, in.ReceivedAt); err != nil && s.Logger != nil {
			s.Logger.Error("incident: record the escalation on the alarm", "alarm", in.AlarmID, "incident", in.Number, "err", err)
		}
	}
	s.changed(in)
	return in, nil
}

func gradeWhy(g Grading) string {
	if g.Criterion == "" {
		return "未达到较大及以上任何标准；" + g.Basis
	}
	return fmt.Sprintf("%s = %g ≥ %g；%s", g.Criterion, g.Value, g.Bound, g.Basis)
}

func (s *Service) changed(in *Incident) {
	if s.Changed != nil {
		s.Changed(in)
	}
}

// Get returns an incident with everything attached and its clocks.
func (s *Service) Get(ctx context.Context, id int64) (*Incident, error) {
	in, err := s.Store.GetIncident(ctx, id, true)
	if err != nil {
		return nil, err
	}
	s.clocks(in, s.now())
	return in, nil
}

// List returns a page of incidents with their clocks.
func (s *Service) List(ctx context.Context, f Filter) ([]*Incident, int, error) {
	f.Now = s.now()
	ins, total, err := s.Store.ListIncidents(ctx, f)
	if err != nil {
		return nil, 0, err
	}
	s.Decorate(f.Now, ins...)
	return ins, total, nil
}

// load reads an incident for a change: in scope, open unless allowClosed,
// at the version the client read (0 skips the check).
func (s *Service) load(ctx context.Context, id int64, version int, allowClosed bool) (*Incident, *Incident, error) {
	before, err := s.Store.GetIncident(ctx, id, false)
	if err != nil {
		return nil, nil, err
	}
	if version != 0 && version != before.Version {
		return nil, nil, core.Errorf(core.ECONFLICT, "incident %s was changed by someone else (version %d, you have %d); reload it and apply your change again", before.Number, before.Version, version)
	}
	if before.Status == Merged {
		return nil, nil, core.Errorf(core.ECONFLICT, "incident %s was merged into incident %d; work on that one", before.Number, before.MergedInto)
	}
	if before.Status == Closed && !allowClosed {
		return nil, nil, core.Errorf(core.ECONFLICT, "incident %s is closed", before.Number)
	}
	after := *before
	return before, &after, nil
}

// Update changes an incident's fields: the grade is recomputed, and every
// changed field is kept in the timeline with its old and new value.
func (s *Service) Update(ctx context.Context, id int64, inp *Input) (*Incident, error) {
	if inp.AlarmID != 0 {
		return nil, core.Invalid("alarm_id", "an alarm is linked when the incident is created")
	}
	if inp.EnterpriseID != 0 {
		return nil, core.Invalid("enterprise_id", "the enterprise is named when the incident is created")
	}
	before, after, err := s.load(ctx, id, inp.Version, false)
	if err != nil {
		return nil, err
	}
	if err := s.apply(after, inp, false); err != nil {
		return nil, err
	}
	if err := checkScope(ctx, after.Division); err != nil {
		return nil, err
	}
	s.regrade(after)
	now := s.now()
	after.UpdatedAt = now
	changes := diff(before, after)
	if len(changes) == 0 {
		s.clocks(after, now)
		return after, nil
	}
	actor := actorName(ctx)
	names := make([]string, 0, len(changes))
	for k := range changes {
		names = append(names, k)
	}
	slices.Sort(names)
	evs := []Event{{At: now, Kind: "update", Actor: actor, Summary: "修改：" + strings.Join(names, ", "), Data: changes}}
	if after.Level != before.Level {
		evs = append(evs, Event{At: now, Kind: "grade", Actor: "system",
			Summary: fmt.Sprintf("等级由%s调整为%s（%s）", before.Grade, after.Grade, gradeWhy(after.Grading)),
			Data:    map[string]any{"from": before.Level, "to": after.Level, "criterion": after.Grading.Criterion}})
	}
	s.clocks(after, now)
	if err := s.Store.UpdateIncident(ctx, before, after, evs); err != nil {
		return nil, err
	}
	s.changed(after)
	return after, nil
}

// diff lists the fields that changed, as [old, new].
func diff(a, b *Incident) map[string]any {
	out := map[string]any{}
	cmp := func(name string, x, y any) {
		if fmt.Sprint(x) != fmt.Sprint(y) {
			out[name] = []any{x, y}
		}
	}
	f := func(p *float64) any {
		if p == nil {
			return nil
		}
		return *p
	}
	cmp("title", a.Title, b.Title)
	cmp("type", a.Type, b.Type)
	cmp("occurred_at", a.OccurredAt.Format(time.RFC3339), b.OccurredAt.Format(time.RFC3339))
	cmp("lon", f(a.Lon), f(b.Lon))
	cmp("lat", f(a.Lat), f(b.Lat))
	cmp("address", a.Address, b.Address)
	cmp("division_code", a.Division, b.Division)
	cmp("source", a.Source, b.Source)
	cmp("reporter", a.Reporter, b.Reporter)
	cmp("reporter_phone", a.ReporterPhone, b.ReporterPhone)
	cmp("unit", a.Unit, b.Unit)
	cmp("deaths", a.Deaths, b.Deaths)
	cmp("missing", a.Missing, b.Missing)
	cmp("serious_injuries", a.SeriousInjuries, b.SeriousInjuries)
	cmp("trapped", a.Trapped, b.Trapped)
	cmp("direct_loss_cny", a.LossCNY, b.LossCNY)
	cmp("extra", a.Extra, b.Extra)
	cmp("description", a.Description, b.Description)
	return out
}
