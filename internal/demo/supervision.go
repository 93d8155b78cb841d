package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/yingji/yingji/internal/registry"
	"github.com/yingji/yingji/internal/supervision"
)

// demoHazards are plausible hidden dangers per industry (titles end with
// Marker when stored).
var demoHazards = map[string][]struct {
	title, level, criterion string
}{
	"tailings_pond":      {{"干滩长度小于设计规定", supervision.Major, "TP-08"}, {"排洪井井口局部堵塞", supervision.General, ""}, {"坝面排水沟淤积", supervision.General, ""}},
	"hazchem_producer":   {{"储罐区可燃气体检测报警器失效", supervision.General, ""}, {"重大危险源罐区未实现紧急切断", supervision.Major, "HC-05"}, {"动火作业票填写不全", supervision.General, ""}},
	"hazchem_trader":     {{"仓库禁配物质混存", supervision.Major, "HC-20"}, {"仓库应急器材过期", supervision.General, ""}},
	"hazchem_user":       {{"使用场所通风不良", supervision.General, ""}},
	"non_coal_mine":      {{"井下安全出口标识缺失", supervision.General, ""}, {"边坡局部浮石未清理", supervision.General, ""}},
	"fireworks_retailer": {{"零售点超量储存", supervision.General, ""}},
	"liquid_ammonia":     {{"氨泄漏报警器未定期检定", supervision.General, ""}},
	"dust_explosion":     {{"除尘系统未定期清灰", supervision.General, ""}},
}

// LoadSupervision adds demo hidden dangers in every state (some overdue)
// and risk diagnoses to the demo enterprises, deterministically from seed.
// Times are relative to the service's clock. It returns how many hidden
// dangers and diagnoses it stored.
func LoadSupervision(ctx context.Context, svc *supervision.Service, seed int64) (int, int, error) {
	ents, _, err := svc.Registry.List(ctx, registry.Filter{Kind: registry.KEnterprise, Sort: "id", NoGeometry: true})
	if err != nil {
		return 0, 0, err
	}
	rng := rand.New(rand.NewPCG(uint64(seed), 20261128))
	now := svc.Clock()
	back := *svc
	back.Clock = func() time.Time { return now.Add(-20 * 24 * time.Hour) }
	hazards, diags := 0, 0
	for _, e := range ents {
		if !strings.HasSuffix(e.Name, Marker) {
			continue
		}
		list := demoHazards[e.Category]
		if len(list) > 0 && hazards < 40 && rng.IntN(3) == 0 {
			h := list[rng.IntN(len(list))]
			if err := demoHazard(ctx, svc, &back, e, h.title, h.level, h.criterion, hazards%5, now); err != nil {
				return hazards, diags, fmt.Errorf("demo: hidden danger of %s: %w", e.Name, err)
			}
			hazards++
		}
		if strings.HasPrefix(e.Category, "hazchem") || e.Category == "tailings_pond" || e.Category == "liquid_ammonia" {
			in := supervision.DiagnosisInput{EnterpriseID: e.ID, Note: "示例诊断" + Marker}
			for _, it := range svc.Ref.Diagnosis {
				if it.Kind == "deduct" && rng.IntN(2) == 0 {
					in.Deductions = append(in.Deductions, supervision.Deduction{Code: it.Code, Points: float64(rng.IntN(int(it.MaxDeduction) + 1))})
				}
			}
			if diags == 3 {
				in.RedFlags = []string{"R2"}
			}
			if _, err := svc.Diagnose(ctx, in); err != nil {
				return hazards, diags, fmt.Errorf("demo: diagnosis of %s: %w", e.Name, err)
			}
			diags++
		}
	}
	return hazards, diags, nil
}

// demoHazard stores one hidden danger and moves it to a state: 0 reported,
// 1 rectifying, 2 rectifying and overdue, 3 rectified, 4 closed.
func demoHazard(ctx context.Context, svc, back *supervision.Service, e *registry.Object, title, level, criterion string, state int, now time.Time) error {
	s := svc
	if state == 2 {
		s = back // reported 20 days ago with a deadline 5 days ago.
	}
	in := supervision.HazardInput{EnterpriseID: e.ID, Title: title + Marker, Source: "inspector", Level: level, Criterion: criterion}
	if state > 0 {
		deadline := now.Add(10 * 24 * time.Hour)
		if state == 2 {
			deadline = now.Add(-5 * 24 * time.Hour)
		}
		in.Responsible, in.Measures, in.Deadline = "安全负责人（示例）", "按方案整改并复查（示例）", &deadline
	}
	h, err := s.Report(ctx, in)
	if err != nil {
		return err
	}
	steps := map[int][]string{3: {"rectify"}, 4: {"rectify", "verify", "close"}}[state]
	for _, a := range steps {
		if h, err = svc.Act(ctx, h.ID, supervision.HazardAction{Action: a, Evidence: "已整改（示例）"}, true); err != nil {
			return err
		}
	}
	return nil
}
