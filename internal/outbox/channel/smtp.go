package channel

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"github.com/yingji/yingji/internal/core"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/smtp"
	"net/textproto"
	"strings"
	"sync"
	"time"

	"github.com/yingji/yingji/internal/outbox"
)

// SMTPSender sends e-mail through an SMTP relay, keeping a small pool of
// open sessions. Each message carries Message-ID <key@domain>, so a
// receiving system can drop a duplicate after a crash-restart.
type SMTPSender struct {
	Addr     string // host:port
	From     string
	Username string
	Password string
	// StartTLS is required when the server offers it unless Insecure.
	Insecure bool
	Domain   string // for Message-ID; default the From domain
	Pool     int

	mu   sync.Mutex
	idle []*smtp.Client
}

func (s *SMTPSender) Channel() outbox.Channel { return outbox.Email }

func (s *SMTPSender) dial(ctx context.Context) (*smtp.Client, error) {
	d := net.Dialer{Timeout: 10 * time.Second}
	conn, err := d.DialContext(ctx, "tcp", s.Addr)
	if err != nil {
		return nil, err
	}
	host, _, _ := net.SplitHostPort(s.Addr)
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		conn.Close()
		return nil, err
	}
	if ok, _ := c.Extension("STARTTLS"); ok {
		if err := c.StartTLS(&tls.Config{ServerName: host, InsecureSkipVerify: s.Insecure}); err != nil {
			c.Close()
			return nil, err
		}
	}
	if s.Username != "" {
		if err := c.Auth(smtp.PlainAuth("", s.Username, s.Password, host)); err != nil {
			c.Close()
			return nil, &outbox.Permanent{Err: fmt.Errorf("smtp auth: %w", err)}
		}
	}
	return c, nil
}

func (s *SMTPSender) get(ctx context.Context) (*smtp.Client, error) {
	s.mu.Lock()
	if n := len(s.idle); n > 0 {
		c := s.idle[n-1]
		s.idle = s.idle[:n-1]
		s.mu.Unlock()
		if c.Reset() == nil {
			return c, nil
		}
		c.Close()
	} else {
		s.mu.Unlock()
	}
	return s.dial(ctx)
}

func (s *SMTPSender) put(c *smtp.Client) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.idle) < max(s.Pool, 4) {
		s.idle = append(s.idle, c)
		return
	}
	c.Quit()
}

// Close ends the pooled sessions.
func (s *SMTPSender) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.idle {
		c.Quit()
	}
	s.idle = nil
}

// Compose builds the RFC 5322 message.
func (s *SMTPSender) Compose(m *outbox.MessageBody, to, key string) []byte {
	domain := s.Domain
	if domain == "" {
		domain = s.From[strings.LastIndexByte(s.From, '@')+1:]
	}
	var b bytes.Buffer
	h := func(k, v string) { fmt.Fprintf(&b, "%s: %s\r\n", k, v) }
	h("From", s.From)
	h("To", to)
	h("Subject", mime.BEncoding.Encode("UTF-8", Subject(m)))
	h("Date", m.Sent.Format(time.RFC1123Z))
	h("Message-ID", "<"+key+"@"+domain+">")
	h("MIME-Version", "1.0")
	h("Content-Type", "text/plain; charset=UTF-8")
	h("Content-Transfer-Encoding", "quoted-printable")
	h("X-Yingji-Warning", fmt.Sprintf("%d %s", m.WarningID, m.Identifier))
	b.WriteString("\r\n")
	qp := quotedprintable.NewWriter(&b)
	qp.Write([]byte(strings.ReplaceAll(Text(m), "\n", "\r\n")))
	qp.Close()
	return b.Bytes()
}

func (s *SMTPSender) Send(ctx context.Context, m *outbox.MessageBody, c outbox.Contact, key string) (bool, string, error) {
	cl, err := s.get(ctx)
	if err != nil {
		return false, "", err
	}
	err = s.transact(cl, c.Email, s.Compose(m, c.Email, key))
	if err != nil {
		cl.Close()
		var te *textproto.Error
		if errors.As(err, &te) && te.Code >= 500 {
			return false, "", &outbox.Permanent{Err: err}
		}
		return false, "", err
	}
	s.put(cl)
	// 250 after DATA: the relay has taken responsibility for the message.
	return true, "", nil
}

func (s *SMTPSender) transact(cl *smtp.Client, to string, msg []byte) error {
	if err := cl.Mail(s.From); err != nil {
		return err
	}
	if err := cl.Rcpt(to); err != nil {
		return err
	}
	w, err := cl.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(msg); err != nil {
		return err
	}
	return w.Close()
}

// Subject is a message's subject line: level, event, headline.
func Subject(m *outbox.MessageBody) string {
	var prefix string
	switch m.MsgType {
	case "Update":
		prefix = "【更新】"
	case "Cancel":
		prefix = "【解除】"
	}
	return prefix + LevelName(m.Level) + " " + m.Headline
}

// LevelName is the Chinese name of a warning level.
func LevelName(l string) string {
	switch l {
	case "red":
		return "红色预警"
	case "orange":
		return "橙色预警"
	case "yellow":
		return "黄色预警"
	case "blue":
		return "蓝色预警"
	}
	return l
}

// Text is the plain-text body: headline, description, instruction.
func Text(m *outbox.MessageBody) string {
	var b strings.Builder
	b.WriteString(Subject(m))
	b.WriteString("\n\n")
	b.WriteString(m.Description)
	if m.Instruction != "" {
		b.WriteString("\n\n")
		b.WriteString(m.Instruction)
	}
	if !m.Expires.IsZero() {
		fmt.Fprintf(&b, "\n\n有效期至 %s", m.Expires.In(core.Beijing).Format("2006-01-02 15:04"))
	}
	return b.String()
}
