package channel

import (
	"context"

	"github.com/yingji/yingji/internal/notify"
	"github.com/yingji/yingji/internal/outbox"
)

// Notices keeps the in-app inbox (internal/notify's notifications).
type Notices interface {
	// AddNotice stores m unless the same notice (tier, division, time,
	// title) is already there, so a repeat after a crash adds nothing.
	AddNotice(ctx context.Context, m *notify.Message) error
}

// InboxSender puts warnings into the in-app inbox. The inbox of
// internal/notify is addressed to a division (every signed-in user of the
// division and above sees it, GET /api/v1/notifications), not to a single
// user, so the app users of one division share one notice: the first row
// of the division writes it, the others find it there.
type InboxSender struct {
	Store Notices
}

func (s *InboxSender) Channel() outbox.Channel { return outbox.Inbox }

func (s *InboxSender) Send(ctx context.Context, m *outbox.MessageBody, c outbox.Contact, key string) (bool, string, error) {
	n := &notify.Message{At: m.Sent, Tier: "warning", Division: c.Division, Title: Subject(m), Body: Text(m)}
	if err := s.Store.AddNotice(ctx, n); err != nil {
		return false, "", err
	}
	return true, "", nil
}
