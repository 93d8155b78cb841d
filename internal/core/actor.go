package core

import (
	"context"
	"time"
)

// Actor is who is making a request: a user through a browser session or an
// API token, or the system itself (migrations, demo loading).
type Actor struct {
	UserID   int64
	Username string
	Role     string
	// Division is the GB/T 2260 code the actor is scoped to; the actor sees
	// and changes only records in it and below it. Empty means unscoped
	// (only the system actor).
	Division string
	// EnterpriseID, when non-zero, limits the actor to one enterprise's
	// records (enterprise users).
	EnterpriseID int64
	// System marks the internal actor used by start-up jobs.
	System bool
}

type actorKey struct{}

// WithActor returns a context carrying a.
func WithActor(ctx context.Context, a *Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorFrom returns the actor in ctx, or nil.
func ActorFrom(ctx context.Context) *Actor {
	a, _ := ctx.Value(actorKey{}).(*Actor)
	return a
}

// SystemActor is the actor for work the platform does on its own behalf.
var SystemActor = &Actor{Username: "system", Role: "system", System: true}

// Clock returns the current time. Code that decides by time takes a Clock
// so that tests can inject one.
type Clock func() time.Time

// SystemClock is the wall clock in UTC.
func SystemClock() time.Time { return time.Now().UTC() }

// Beijing is China Standard Time (UTC+8, no daylight saving since 1991), the
// zone dates are shown and days are counted in. A fixed zone, so that it
// does not depend on the machine's time-zone database.
var Beijing = time.FixedZone("CST", 8*3600)
