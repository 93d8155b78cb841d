package supervision

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/yingji/yingji/internal/alarm"
	"github.com/yingji/yingji/internal/core"
	"github.com/yingji/yingji/internal/notify"
	"github.com/yingji/yingji/internal/registry"
	"github.com/yingji/yingji/internal/supervision/gb18218"
)

// Store keeps supervision records. Reads apply the scope of the actor in
// ctx (records outside it are ENOTFOUND); every change is audited in its
// own transaction; updates with a stale Version return ECONFLICT.
type Store interface {
	CreateHazard(ctx context.Context, h *HiddenDanger, step HazardStep) error
	UpdateHazard(ctx context.Context, h *HiddenDanger, step HazardStep) error
	GetHazard(ctx context.Context, id int64) (*HiddenDanger, error)
	ListHazards(ctx context.Context, f HazardFilter) ([]*HiddenDanger, int, error)
	// DueHazards returns, regardless of scope, open hidden dangers past
	// their deadline whose escalation is below 2.
	DueHazards(ctx context.Context, now time.Time, limit int) ([]*HiddenDanger, error)
	AddPhoto(ctx context.Context, p *PhotoInfo, data []byte) error
	Photo(ctx context.Context, hazardID, photoID int64) (*PhotoInfo, []byte, error)

	AddDiagnosis(ctx context.Context, d *Diagnosis) error
	// LatestDiagnoses returns each enterprise's newest diagnosis in scope.
	LatestDiagnoses(ctx context.Context) (map[int64]*Diagnosis, error)
	Diagnoses(ctx context.Context, enterpriseID int64) ([]*Diagnosis, error)
	// RiskActivity counts, per enterprise in scope, open and overdue hidden
	// dangers at now and enforcement cases filed since from.
	RiskActivity(ctx context.Context, from, now time.Time) (map[int64]*Activity, error)
	Weights(ctx context.Context) (*Weights, error)
	SaveWeights(ctx context.Context, w *Weights) error

	AddAssessment(ctx context.Context, a *Assessment) error
	Assessments(ctx context.Context, sourceID int64) ([]*Assessment, error)

	CreatePlan(ctx context.Context, p *Plan) error
	UpdatePlan(ctx context.Context, p *Plan, action string) error
	GetPlan(ctx context.Context, id int64) (*Plan, error)
	ListPlans(ctx context.Context) ([]*Plan, error)
	// PublishedPlans returns published plans regardless of scope.
	PublishedPlans(ctx context.Context, limit int) ([]*Plan, error)

	// CreateRecord stores the record, its findings as hidden dangers and
	// the plan's assignment result in one transaction.
	CreateRecord(ctx context.Context, r *Record, hazards []*HiddenDanger, plan *Plan) error
	GetRecord(ctx context.Context, id int64) (*Record, error)
	ListRecords(ctx context.Context, enterpriseID int64) ([]*Record, error)

	CreateCase(ctx context.Context, c *Case) error
	UpdateCase(ctx context.Context, c *Case) error
	GetCase(ctx context.Context, id int64) (*Case, error)
	ListCases(ctx context.Context, enterpriseID int64) ([]*Case, error)
}

// AlarmStats reads alarm history for the dynamic risk.
type AlarmStats interface {
	// AlarmActivity counts alarms raised in [from, to) per enterprise in
	// scope, by level, and those escalated past their first tier (late).
	AlarmActivity(ctx context.Context, from, to time.Time) (map[int64]*Activity, error)
	GetAlarm(ctx context.Context, id int64) (*alarm.Alarm, error)
}

// Registry is what supervision needs of the registry (registry.Service).
type Registry interface {
	Get(ctx context.Context, kind string, id int64) (*registry.Object, error)
	List(ctx context.Context, f registry.Filter) ([]*registry.Object, int, error)
	Update(ctx context.Context, k *registry.Kind, id int64, in *registry.Input) (*registry.Object, error)
}

// Inbox takes notifications (notify's in-app inbox).
type Inbox interface {
	AddMessage(ctx context.Context, m *notify.Message) error
}

// Service is safety supervision. Set every field but Accidents.
type Service struct {
	Store    Store
	Alarms   AlarmStats
	Registry Registry
	Inbox    Inbox
	Table    *gb18218.Table
	Ref      *Reference
	// Inspectors lists the inspector accounts in a division and below.
	Inspectors func(ctx context.Context, division string) ([]Person, error)
	// Accidents, when set, counts accidents per enterprise in [from, to)
	// (the incidents area); nil counts none and the grade says so.
	Accidents func(ctx context.Context, from, to time.Time) (map[int64]int, error)
	Clock     core.Clock
	// CityAfter is how long a hidden danger stays overdue at the county
	// before the city is told (default 7 days).
	CityAfter time.Duration
}

func actorName(ctx context.Context) string {
	if a := core.ActorFrom(ctx); a != nil {
		return a.Username
	}
	return "system"
}

// enterprise returns an enterprise in the actor's scope.
func (s *Service) enterprise(ctx context.Context, id int64) (*registry.Object, error) {
	o, err := s.Registry.Get(ctx, registry.KEnterprise, id)
	if core.ErrorCode(err) == core.ENOTFOUND {
		return nil, core.Invalid("enterprise_id", "enterprise %d does not exist or is outside your area", id)
	}
	return o, err
}

// Report records a new hidden danger. An enterprise user reports only
// self-inspection findings of their own enterprise.
func (s *Service) Report(ctx context.Context, in HazardInput) (*HiddenDanger, error) {
	a := core.ActorFrom(ctx)
	if a != nil && a.EnterpriseID != 0 {
		if in.EnterpriseID == 0 {
			in.EnterpriseID = a.EnterpriseID
		}
		if in.Source == "" {
			in.Source = "self_inspection"
		}
		if in.Source != "self_inspection" && in.Source != "alarm" {
			return nil, core.Invalid("source", "an enterprise reports its own self-inspection (or alarm) findings")
		}
	}
	if in.Source == "alarm" && in.AlarmID > 0 && in.EnterpriseID == 0 {
		if al, err := s.Alarms.GetAlarm(ctx, in.AlarmID); err == nil {
			in.EnterpriseID = al.EnterpriseID
		}
	}
	if err := in.validate(s.Ref.Criteria).Err("the report has problems; nothing was stored"); err != nil {
		return nil, err
	}
	ent, err := s.enterprise(ctx, in.EnterpriseID)
	if err != nil {
		return nil, err
	}
	if in.AlarmID > 0 {
		al, err := s.Alarms.GetAlarm(ctx, in.AlarmID)
		if err != nil {
			return nil, core.Invalid("alarm_id", "alarm %d does not exist or is outside your area", in.AlarmID)
		}
		if al.EnterpriseID != ent.ID {
			return nil, core.Invalid("alarm_id", "alarm %d belongs to another enterprise", in.AlarmID)
		}
	}
	now := s.Clock()
	h := &HiddenDanger{EnterpriseID: ent.ID, Enterprise: ent.Name, Division: ent.Division, Industry: ent.Category,
		Title: in.Title, Description: in.Description, Location: strings.TrimSpace(in.Location), Source: in.Source, AlarmID: in.AlarmID,
		InspectionID: in.InspectionID, Reporter: strings.TrimSpace(in.Reporter), Level: in.Level, Criterion: in.Criterion,
		State: Reported, ReportedBy: actorName(ctx), ReportedAt: now, UpdatedAt: now}
	step := HazardStep{At: now, Action: "report", Actor: h.ReportedBy, ToState: Reported}
	if err := h.plan(in.Responsible, in.Measures, in.Deadline, now); err != nil {
		return nil, err
	}
	if h.State == Rectifying {
		step.ToState, step.Note = Rectifying, "reported with its rectification plan"
	}
	if err := s.Store.CreateHazard(ctx, h, step); err != nil {
		return nil, err
	}
	h.Version = 1
	return h, nil
}

// Act applies a step to a hidden danger. Verification, rejection and
// closure need an inspector (canVerify); the enterprise does the rest.
func (s *Service) Act(ctx context.Context, id int64, act HazardAction, canVerify bool) (*HiddenDanger, error) {
	if inspectorActions[act.Action] && !canVerify {
		return nil, core.Errorf(core.EFORBIDDEN, "only an inspector may %s a hidden danger's rectification", act.Action)
	}
	h, err := s.Store.GetHazard(ctx, id)
	if err != nil {
		return nil, err
	}
	if act.Version != 0 && act.Version != h.Version {
		return nil, core.Errorf(core.ECONFLICT, "hidden danger %d was changed by someone else (version %d, you sent %d); reload it", id, h.Version, act.Version)
	}
	photos := 0
	for _, p := range h.Photos {
		if p.Stage == "rectification" {
			photos++
		}
	}
	step, err := h.apply(act, actorName(ctx), s.Clock(), photos)
	if err != nil {
		return nil, err
	}
	if err := s.Store.UpdateHazard(ctx, h, step); err != nil {
		return nil, err
	}
	return s.Store.GetHazard(ctx, id)
}

// Photo limits.
const (
	MaxPhotoBytes = 5 << 20
	MaxPhotos     = 20
)

// AddPhoto stores an evidence photo (JPEG, PNG or WebP, at most 5 MB) of a
// hidden danger: at report time, or as rectification evidence.
func (s *Service) AddPhoto(ctx context.Context, hazardID int64, data []byte) (*PhotoInfo, error) {
	h, err := s.Store.GetHazard(ctx, hazardID)
	if err != nil {
		return nil, err
	}
	if len(data) == 0 {
		return nil, core.Invalid("photo", "is empty")
	}
	if len(data) > MaxPhotoBytes {
		return nil, core.Invalid("photo", "is %d bytes; the limit is %d (5 MB)", len(data), MaxPhotoBytes)
	}
	ct := http.DetectContentType(data)
	if !slices.Contains([]string{"image/jpeg", "image/png", "image/webp"}, ct) {
		return nil, core.Invalid("photo", "is %s; send a JPEG, PNG or WebP image", ct)
	}
	if len(h.Photos) >= MaxPhotos {
		return nil, core.Invalid("photo", "hidden danger %d already has %d photos (the limit)", hazardID, MaxPhotos)
	}
	stage := "report"
	switch h.State {
	case Rectifying, Rectified:
		stage = "rectification"
	case Verified, Closed:
		return nil, core.Errorf(core.ECONFLICT, "hidden danger %d is %s; its evidence is final", hazardID, h.State)
	}
	p := &PhotoInfo{HazardID: hazardID, Stage: stage, ContentType: ct, Size: len(data), UploadedBy: actorName(ctx), UploadedAt: s.Clock()}
	if err := s.Store.AddPhoto(ctx, p, data); err != nil {
		return nil, err
	}
	return p, nil
}

// Escalate tells the county about hidden dangers open past their deadline,
// then the city once they stay overdue CityAfter longer. It returns how many
// it escalated. Runs as the system; now is a parameter for tests.
func (s *Service) Escalate(ctx context.Context, now time.Time) (int, error) {
	ctx = core.WithActor(ctx, core.SystemActor)
	due, err := s.Store.DueHazards(ctx, now, 200)
	if err != nil {
		return 0, err
	}
	after := s.CityAfter
	if after <= 0 {
		after = 7 * 24 * time.Hour
	}
	n := 0
	for _, h := range due {
		tier, div := "", ""
		switch {
		case h.Escalation == 0:
			tier, div = "county", countyOf(h.Division)
		case h.Escalation == 1 && h.Deadline != nil && !now.Before(h.Deadline.Add(after)):
			tier, div = "city", cityOf(h.Division)
		default:
			continue
		}
		before := *h
		h.Escalation++
		h.EscalatedAt = &now
		h.UpdatedAt = now
		days := int(now.Sub(*h.Deadline).Hours() / 24)
		step := HazardStep{At: now, Action: "escalate", Actor: "system", FromState: before.State, ToState: h.State,
			Note: fmt.Sprintf("overdue since %s; the %s bureau was notified", h.Deadline.Format(time.RFC3339), tier)}
		if err := s.Store.UpdateHazard(ctx, h, step); err != nil {
			if core.ErrorCode(err) == core.ECONFLICT {
				continue // changed meanwhile; the next round sees it again
			}
			return n, err
		}
		lvl := "一般隐患"
		if h.Level == Major {
			lvl = "重大隐患"
		}
		m := &notify.Message{At: now, Tier: tier, Division: div,
			Title: fmt.Sprintf("[隐患逾期] %s：%s（%s）", h.Enterprise, h.Title, lvl),
			Body:  fmt.Sprintf("隐患 #%d 整改期限 %s 已过 %d 天仍未整改完成，责任人：%s。", h.ID, h.Deadline.In(core.Beijing).Format("2006-01-02 15:04"), days, h.Responsible)}
		if err := s.Inbox.AddMessage(ctx, m); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

func countyOf(code string) string {
	if len(code) >= 6 {
		return code[:6]
	}
	return code
}

func cityOf(code string) string {
	if len(code) >= 4 {
		return code[:4] + "00"
	}
	return code
}

// Run escalates overdue hidden dangers every interval until ctx ends.
func (s *Service) Run(ctx context.Context, every time.Duration, logf func(msg string, args ...any)) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if _, err := s.Escalate(ctx, s.Clock()); err != nil && ctx.Err() == nil && logf != nil {
			logf("hidden-danger escalation", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// NewSeed returns a fresh random seed below 2⁵³ (so that browsers show it
// exactly).
func NewSeed() int64 {
	var b [8]byte
	rand.Read(b[:])
	return int64(binary.BigEndian.Uint64(b[:]) & (1<<53 - 1))
}

// Hazard returns a hidden danger with its steps and photos.
func (s *Service) Hazard(ctx context.Context, id int64) (*HiddenDanger, error) {
	h, err := s.Store.GetHazard(ctx, id)
	if err == nil {
		h.Overdue = h.OverdueAt(s.Clock())
	}
	return h, err
}

// Hazards lists hidden dangers, those overdue now first.
func (s *Service) Hazards(ctx context.Context, f HazardFilter) ([]*HiddenDanger, int, error) {
	now := s.Clock()
	f.Now = now
	hs, total, err := s.Store.ListHazards(ctx, f)
	for _, h := range hs {
		h.Overdue = h.OverdueAt(now)
	}
	return hs, total, err
}
