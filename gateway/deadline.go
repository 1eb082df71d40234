package gateway

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// deadlines hands out the contexts that bound backend calls. A context of
// its own per request (context.WithTimeout) cost a timer and a few
// allocations per order; instead, every request that starts within one
// slot shares a context whose deadline is the slot's start plus
// RequestTimeout. A request so gets at most RequestTimeout and at least
// one slot less (a slot is 10 ms, or a 64th of a shorter timeout), and
// the gateway makes a hundred contexts a second rather than one per
// request. Never more than RequestTimeout also lets a backend with a
// timeout of its own, no shorter, skip making a context of its own. Each
// context cancels itself when its deadline passes, which frees it;
// Shutdown cancels all of them through the parent.
//
// The current slot is read with one atomic load; mu only serializes
// making the next one.
type deadlines struct {
	parent  context.Context
	timeout time.Duration
	slot    time.Duration
	cur     atomic.Pointer[deadlineSlot]
	mu      sync.Mutex
}

type deadlineSlot struct {
	ctx    context.Context
	cancel context.CancelFunc // runs by itself at the deadline; kept for vet
	end    time.Time          // the slot's requests start before this
}

func newDeadlines(parent context.Context, timeout time.Duration) *deadlines {
	return &deadlines{parent: parent, timeout: timeout, slot: min(10*time.Millisecond, max(timeout/64, time.Microsecond))}
}

// ctx returns the context for a request starting at now (a time.Now
// reading, with its monotonic clock).
func (d *deadlines) ctx(now time.Time) context.Context {
	if s := d.cur.Load(); s != nil && now.Before(s.end) {
		return s.ctx
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if s := d.cur.Load(); s != nil && now.Before(s.end) {
		return s.ctx
	}
	ctx, cancel := context.WithDeadline(d.parent, now.Add(d.timeout))
	d.cur.Store(&deadlineSlot{ctx: ctx, cancel: cancel, end: now.Add(d.slot)})
	return ctx
}
