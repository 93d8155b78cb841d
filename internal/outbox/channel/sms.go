package channel

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"text/template"

	"github.com/yingji/yingji/internal/outbox"
)

// HTTPSMSSender submits SMS to an HTTP gateway: a JSON POST built from a
// template (fields .Phone, .Text, .Key, .Sign as JSON strings), with an
// optional bearer token. The gateway's answer carries its message id at
// RefField (a top-level JSON member); its delivery reports come back to
// the receipt callback.
type HTTPSMSSender struct {
	URL      string
	Token    string
	Template *template.Template
	RefField string
	// Sign is the SMS signature (短信签名), e.g. 【保山应急】.
	Sign   string
	Client *http.Client
}

// DefaultSMSTemplate is used when none is configured.
const DefaultSMSTemplate = `{"phone":{{.Phone}},"text":{{.Text}},"client_ref":{{.Key}}}`

// defaultSMSTemplate is DefaultSMSTemplate parsed once, not per message.
var defaultSMSTemplate = template.Must(template.New("sms").Parse(DefaultSMSTemplate))

func (s *HTTPSMSSender) Channel() outbox.Channel { return outbox.SMS }

func jsonString(v string) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// SMSText is the short text of a message: signature, level, headline, instruction.
func SMSText(sign string, m *outbox.MessageBody) string {
	t := sign + Subject(m)
	if m.Instruction != "" {
		t += "。" + m.Instruction
	}
	return t
}

func (s *HTTPSMSSender) Send(ctx context.Context, m *outbox.MessageBody, c outbox.Contact, key string) (bool, string, error) {
	tpl := s.Template
	if tpl == nil {
		tpl = defaultSMSTemplate
	}
	var body bytes.Buffer
	if err := tpl.Execute(&body, map[string]string{"Phone": jsonString(c.Phone), "Text": jsonString(SMSText(s.Sign, m)), "Key": jsonString(key), "Sign": jsonString(s.Sign)}); err != nil {
		return false, "", &outbox.Permanent{Err: fmt.Errorf("sms template: %w", err)}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.URL, &body)
	if err != nil {
		return false, "", &outbox.Permanent{Err: err}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(HeaderIdempotency, key)
	if s.Token != "" {
		req.Header.Set("Authorization", "Bearer "+s.Token)
	}
	cl := s.Client
	if cl == nil {
		cl = http.DefaultClient
	}
	resp, err := cl.Do(req)
	if err != nil {
		return false, "", err
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if _, _, err := classify(resp.StatusCode, "SMS gateway"); err != nil {
		return false, "", err
	}
	field := s.RefField
	if field == "" {
		field = "message_id"
	}
	var ans map[string]any
	if err := json.Unmarshal(data, &ans); err != nil {
		return false, "", fmt.Errorf("SMS gateway answer is not JSON: %.100s", data)
	}
	ref := strings.TrimSpace(fmt.Sprint(ans[field]))
	if ans[field] == nil || ref == "" {
		return false, "", fmt.Errorf("SMS gateway answer has no %q", field)
	}
	// accepted by the gateway: sent; delivered comes with the receipt.
	return false, ref, nil
}
