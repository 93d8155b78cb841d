package incident

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"mime"
	"net/http"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/yingji/yingji/internal/core"
)

// Order dispatches a resource to an incident.
func (s *Service) Order(ctx context.Context, id int64, d *Dispatch) (*Dispatch, error) {
	inc, err := s.Store.GetIncident(ctx, id, false)
	if err != nil {
		return nil, err
	}
	if inc.Status != Open {
		return nil, core.Errorf(core.ECONFLICT, "incident %s is %s", inc.Number, inc.Status)
	}
	if err := problemsErr(d.ValidateOrder(), "the dispatch was not ordered"); err != nil {
		return nil, err
	}
	now := s.now()
	actor := actorName(ctx)
	d.IncidentID, d.Status, d.OrderedBy, d.OrderedAt, d.UpdatedAt = id, Ordered, actor, now, now
	d.Note = strings.TrimSpace(d.Note)
	d.Steps = []DispatchStep{{Status: Ordered, At: now, By: actor, Note: d.Note}}
	ev := Event{At: now, Kind: "dispatch", Actor: actor}
	if err := s.Store.CreateDispatch(ctx, inc, d, ev); err != nil {
		return nil, err
	}
	s.changed(inc)
	return d, nil
}

// DispatchSummary is the timeline text of a new order; the store calls it
// once it knows the resource's name.
func DispatchSummary(d *Dispatch) string {
	switch d.Kind {
	case SendSupplies:
		parts := make([]string, len(d.Items))
		for i, it := range d.Items {
			parts[i] = fmt.Sprintf("%s %g%s", it.Item, it.Quantity, it.Unit)
		}
		return fmt.Sprintf("调拨物资：%s → %s", d.ResourceName, strings.Join(parts, "、"))
	case SendShelter:
		return fmt.Sprintf("安置：%s 分配 %d 个床位", d.ResourceName, d.People)
	case SendExpert:
		return "调派专家：" + d.ResourceName
	}
	return "调派队伍：" + d.ResourceName
}

// DispatchChange moves an order on.
type DispatchChange struct {
	Status string `json:"status"`
	Note   string `json:"note"`
	// Back is what a returned supplies order brings back to the warehouse.
	Back    []Item `json:"returned_items"`
	Version int    `json:"version"`
}

// Advance changes a dispatch's status.
func (s *Service) Advance(ctx context.Context, id, did int64, c DispatchChange) (*Dispatch, error) {
	inc, err := s.Store.GetIncident(ctx, id, false)
	if err != nil {
		return nil, err
	}
	d, err := s.Store.GetDispatch(ctx, id, did)
	if err != nil {
		return nil, err
	}
	if c.Version != 0 && c.Version != d.Version {
		return nil, core.Errorf(core.ECONFLICT, "dispatch %d was changed by someone else (version %d, you have %d); reload it", did, d.Version, c.Version)
	}
	if err := d.Advance(c.Status); err != nil {
		return nil, core.Errorf(core.ECONFLICT, "%v", err)
	}
	var back []Item
	switch {
	case c.Status == Cancelled && d.Kind == SendSupplies:
		back = d.Items
	case len(c.Back) > 0:
		if c.Status != Returned || d.Kind != SendSupplies {
			return nil, core.Invalid("returned_items", "only a supplies order that returns brings items back")
		}
		sent := map[string]float64{}
		for _, it := range d.Items {
			sent[it.Item] = it.Quantity
		}
		for i, it := range c.Back {
			q, ok := sent[it.Item]
			if !ok {
				return nil, core.Invalid(fmt.Sprintf("returned_items[%d].item", i), "%q was not sent", it.Item)
			}
			if !(it.Quantity > 0) || it.Quantity > q {
				return nil, core.Invalid(fmt.Sprintf("returned_items[%d].quantity", i), "must be more than 0 and at most the %g sent", q)
			}
		}
		back = c.Back
	}
	now := s.now()
	actor := actorName(ctx)
	d.UpdatedAt = now
	d.Steps = append(d.Steps, DispatchStep{Status: d.Status, At: now, By: actor, Note: strings.TrimSpace(c.Note)})
	ev := Event{At: now, Kind: "dispatch", Actor: actor, Summary: fmt.Sprintf("%s：%s", d.ResourceName, statusName[d.Status]),
		Data: map[string]any{"dispatch_id": d.ID, "status": d.Status}}
	if err := s.Store.UpdateDispatch(ctx, inc, d, back, ev); err != nil {
		return nil, err
	}
	s.changed(inc)
	return d, nil
}

var statusName = map[string]string{Ordered: "已下达", EnRoute: "在途", OnSite: "到达现场", Returned: "已返回", Cancelled: "已取消"}

// NewReport starts the next situation report, pre-filled from the incident.
func (s *Service) NewReport(ctx context.Context, id int64, in ReportInput) (*Report, error) {
	inc, err := s.Store.GetIncident(ctx, id, true)
	if err != nil {
		return nil, err
	}
	if inc.Status == Merged {
		return nil, core.Errorf(core.ECONFLICT, "incident %s was merged", inc.Number)
	}
	published := 0
	for _, r := range inc.Reports {
		if r.Status == Published {
			published++
		}
	}
	now := s.now()
	actor := actorName(ctx)
	place := inc.Address
	if inc.Lon != nil {
		place = strings.TrimSpace(fmt.Sprintf("%s（东经%.5f°，北纬%.5f°）", inc.Address, *inc.Lon, *inc.Lat))
	}
	r := &Report{IncidentID: id, Status: Draft, Author: actor, CreatedAt: now, UpdatedAt: now,
		Title: fmt.Sprintf("%s续报（第%d期）", inc.Title, published+1), Unit: inc.Unit, Place: place,
		Casualties: fmt.Sprintf("死亡%d人，失踪%d人，重伤%d人，被困%d人", inc.Deaths, inc.Missing, inc.SeriousInjuries, inc.Trapped),
		Loss:       fmt.Sprintf("初步估计直接经济损失%.2f万元", inc.LossCNY/10000), Sections: []Section{}}
	if published == 0 {
		r.Title = inc.Title + "情况报告（首报）"
	}
	if err := problemsErr(r.Apply(in, actor, now), "the report was not saved"); err != nil {
		return nil, err
	}
	ev := Event{At: now, Kind: "report", Actor: actor, Summary: "起草报告：" + r.Title}
	if err := s.Store.CreateReport(ctx, inc, r, ev); err != nil {
		return nil, err
	}
	return r, nil
}

// EditReport applies a contributor's changes to a draft.
func (s *Service) EditReport(ctx context.Context, id, rid int64, in ReportInput) (*Report, error) {
	inc, r, err := s.report(ctx, id, rid, in.Version)
	if err != nil {
		return nil, err
	}
	now := s.now()
	if err := problemsErr(r.Apply(in, actorName(ctx), now), "the report was not saved"); err != nil {
		if core.ErrorFields(err)[0].Field == "status" {
			return nil, core.Errorf(core.ECONFLICT, "%s", core.ErrorFields(err)[0].Message)
		}
		return nil, err
	}
	sum := "修改报告：" + r.Title
	if in.Section != nil {
		sum = fmt.Sprintf("报告「%s」增加章节：%s", r.Title, in.Section.Heading)
	}
	if err := s.Store.UpdateReport(ctx, inc, r, Event{At: now, Kind: "report", Actor: actorName(ctx), Summary: sum}); err != nil {
		return nil, err
	}
	return r, nil
}

func (s *Service) report(ctx context.Context, id, rid int64, version int) (*Incident, *Report, error) {
	inc, err := s.Store.GetIncident(ctx, id, false)
	if err != nil {
		return nil, nil, err
	}
	r, err := s.Store.GetReport(ctx, id, rid)
	if err != nil {
		return nil, nil, err
	}
	if version != 0 && version != r.Version {
		return nil, nil, core.Errorf(core.ECONFLICT, "report %d was changed by someone else (version %d, you have %d); reload it", rid, r.Version, version)
	}
	return inc, r, nil
}

// Report returns one situation report.
func (s *Service) Report(ctx context.Context, id, rid int64) (*Incident, *Report, error) {
	return s.report(ctx, id, rid, 0)
}

// StepReport submits, approves, rejects or publishes a report. Publishing
// numbers it and restarts the follow-up clock.
func (s *Service) StepReport(ctx context.Context, id, rid int64, action string, version int) (*Report, error) {
	inc, r, err := s.report(ctx, id, rid, version)
	if err != nil {
		return nil, err
	}
	now := s.now()
	actor := actorName(ctx)
	if err := r.Step(action, actor, now); err != nil {
		return nil, core.Errorf(core.ECONFLICT, "%v", err)
	}
	names := map[string]string{"submit": "提交审核", "approve": "审核通过", "reject": "退回修改", "publish": "签发"}
	ev := Event{At: now, Kind: "report", Actor: actor, Summary: fmt.Sprintf("报告「%s」%s", r.Title, names[action]), Data: map[string]any{"report_id": r.ID, "status": r.Status}}
	if action != "publish" {
		if err := s.Store.UpdateReport(ctx, inc, r, ev); err != nil {
			return nil, err
		}
		return r, nil
	}
	before, after, err := s.load(ctx, id, 0, true)
	if err != nil {
		return nil, err
	}
	after.LastReportAt, after.UpdatedAt = &now, now
	s.clocks(after, now)
	if err := s.Store.PublishReport(ctx, before, after, r, ev); err != nil {
		return nil, err
	}
	s.changed(after)
	return r, nil
}

// Attachment limits.
const MaxAttachment = 20 << 20

// allowedTypes are the content types an attachment may have: photos,
// documents, audio of a call, video from the scene.
var allowedTypes = map[string]bool{
	"image/jpeg": true, "image/png": true, "image/gif": true, "image/webp": true,
	"application/pdf": true, "text/plain": true,
	"application/vnd.openxmlformats-officedocument.wordprocessingml.document": true,
	"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet":       true,
	"audio/mpeg": true, "audio/wav": true, "video/mp4": true,
}

// sniffed maps what the content looks like to the declared types it may
// stand for (zip containers hold the Office formats).
func contentMatches(declared string, data []byte) bool {
	sniff, _, _ := mime.ParseMediaType(http.DetectContentType(data))
	switch declared {
	case "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet":
		return sniff == "application/zip"
	case "text/plain":
		return strings.HasPrefix(sniff, "text/plain") && utf8.Valid(data)
	case "audio/wav":
		return sniff == "audio/wave" || sniff == "audio/wav"
	}
	return sniff == declared
}

// Attach stores a file with an incident after checking its size and that
// its content is what its type says.
func (s *Service) Attach(ctx context.Context, id int64, name, contentType string, data []byte) (*Attachment, error) {
	inc, err := s.Store.GetIncident(ctx, id, false)
	if err != nil {
		return nil, err
	}
	name = filepath.Base(strings.TrimSpace(strings.ReplaceAll(name, "\\", "/")))
	if name == "" || name == "." || name == "/" || len(name) > 200 {
		return nil, core.Invalid("file", "needs a file name (at most 200 bytes)")
	}
	ct, _, err := mime.ParseMediaType(contentType)
	if err != nil || ct == "application/octet-stream" || ct == "" {
		ct = mime.TypeByExtension(strings.ToLower(filepath.Ext(name)))
		ct, _, _ = mime.ParseMediaType(ct)
	}
	switch {
	case len(data) == 0:
		return nil, core.Invalid("file", "%s is empty", name)
	case len(data) > MaxAttachment:
		return nil, core.Invalid("file", "%s is %d bytes; at most %d", name, len(data), MaxAttachment)
	case !allowedTypes[ct]:
		return nil, core.Invalid("file", "%s: type %q is not accepted (photos, PDF, text, Word, Excel, MP3/WAV, MP4)", name, ct)
	case !contentMatches(ct, data):
		return nil, core.Invalid("file", "%s does not contain what its type %s says", name, ct)
	}
	sum := sha256.Sum256(data)
	now := s.now()
	a := &Attachment{IncidentID: id, Name: name, ContentType: ct, Size: int64(len(data)), SHA256: hex.EncodeToString(sum[:]), By: actorName(ctx), At: now}
	ev := Event{At: now, Kind: "attachment", Actor: a.By, Summary: fmt.Sprintf("附件：%s（%d KB）", name, (len(data)+1023)/1024)}
	if err := s.Store.AddAttachment(ctx, inc, a, data, ev); err != nil {
		return nil, err
	}
	return a, nil
}

// PutType creates or changes a row of the event-type table and reloads it.
func (s *Service) PutType(ctx context.Context, t *EventType) error {
	if err := t.Validate(); err != nil {
		return core.Invalid("type", "%v", err)
	}
	old := s.Types()
	if t.Parent != "" {
		if _, ok := old.Get(t.Parent); !ok {
			return core.Invalid("code", "parent %q is not in the table; add it first", t.Parent)
		}
	}
	t.UpdatedAt = s.now()
	if err := s.Store.PutType(ctx, t); err != nil {
		return err
	}
	return s.LoadTypes(ctx)
}

// SavePlan validates and stores a plan (new when ID is 0).
func (s *Service) SavePlan(ctx context.Context, p *Plan) error {
	if err := problemsErr(p.Validate(s.Types()), "the plan was not saved"); err != nil {
		return err
	}
	p.UpdatedAt = s.now()
	if p.ID == 0 {
		return s.Store.CreateEmergencyPlan(ctx, p)
	}
	return s.Store.UpdateEmergencyPlan(ctx, p)
}
