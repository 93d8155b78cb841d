package warning

import (
	"github.com/yingji/yingji/internal/warning/cap"
)

// Alert is the warning as a CAP 1.2 alert: one info in zh-CN and, with
// English text, one in en; the level as the severity (and a "level"
// parameter), the GB/T 35965.1 identifier as the CAP identifier.
func (s *Service) Alert(w *Warning) *cap.Alert {
	a := &cap.Alert{Identifier: w.Identifier, Sender: w.Sender, Status: "Actual", MsgType: w.MsgType, Scope: w.Scope,
		References: w.References, Note: w.Note}
	if w.Sent != nil {
		a.Sent = *w.Sent
	}
	if a.Scope == "" {
		a.Scope = "Public"
	}
	areaDesc := s.areaName(w.Area)
	info := func(lang string, t Text, desc string) cap.Info {
		in := cap.Info{Language: lang, Categories: []string{w.Category}, Event: t.Event, Urgency: w.Urgency, Severity: w.Level.Severity(),
			Certainty: w.Certainty, Onset: w.Onset, Expires: w.Expires, SenderName: s.SenderName, Headline: t.Headline,
			Description: t.Description, Instruction: t.Instruction,
			Parameters: []cap.Value{{Name: "level", Value: string(w.Level)}}}
		if w.MsgType == MsgCancel {
			in.Urgency, in.Certainty = "Past", "Observed"
		}
		if w.ResponseType != "" {
			in.ResponseTypes = []string{w.ResponseType}
		}
		in.Areas = []cap.Area{w.Area.capArea(desc)}
		return in
	}
	a.Infos = append(a.Infos, info("zh-CN", w.Text, areaDesc))
	if w.English != nil {
		a.Infos = append(a.Infos, info("en", *w.English, areaDesc))
	}
	return a
}

func (s *Service) encode(w *Warning) ([]byte, error) { return cap.Encode(s.Alert(w)) }
