package ratelimit

import (
	"context"
	"log/slog"
	"time"
)

// EventStore appends security events to the audit trail (store.DB).
type EventStore interface {
	AuditEvent(ctx context.Context, action, entity string, id int64, division string, detail any) error
}

// Event is what the audit trail keeps of a limited key (entity
// "ratelimit", action "limited"): the limit's scope (login, ingest, api,
// mqtt), the key ("ip:…", "user:…", "device:…") and the refusals since
// the key's previous entry.
type Event struct {
	Scope string `json:"scope"`
	Key   string `json:"key"`
	Count int    `json:"count"`
}

// Audit returns an OnLimited that writes each report to the audit trail;
// a failed write is logged (the refusal itself stands).
func Audit(store EventStore, log *slog.Logger) func(scope, key string, count int) {
	if log == nil {
		log = slog.Default()
	}
	return func(scope, key string, count int) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := store.AuditEvent(ctx, "limited", "ratelimit", 0, "", Event{Scope: scope, Key: key, Count: count}); err != nil {
			log.Error("audit a rate limit", "scope", scope, "key", key, "err", err)
		}
		log.Warn("rate limit reached", "scope", scope, "key", key, "refused", count)
	}
}
