package gateway

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// accountLimits holds one rate limiter per account, shared by all of that
// account's connections to this gateway, so that opening more connections
// buys no more requests. An entry outlives its last use by idle, so that
// reconnecting does not refill the bucket; a sweep at most every idle/2
// removes older ones, which bounds the map by the accounts active in the
// last idle period (each one needed a valid token to get here).
//
// One mutex guards the map: the critical section is a map lookup and a
// limiter update, far shorter than the request it admits.
type accountLimits struct {
	mu        sync.Mutex
	m         map[string]*accountLimit
	limit     rate.Limit
	burst     int
	idle      time.Duration
	lastSweep time.Time
}

type accountLimit struct {
	lim  *rate.Limiter
	last time.Time
}

func newAccountLimits(r float64, burst int, idle time.Duration) *accountLimits {
	return &accountLimits{m: make(map[string]*accountLimit), limit: rate.Limit(r), burst: burst, idle: idle}
}

// allow takes one request from account's budget, or says how long to wait.
func (a *accountLimits) allow(account string, now time.Time) (time.Duration, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.sweep(now)
	e := a.m[account]
	if e == nil {
		e = &accountLimit{lim: rate.NewLimiter(a.limit, a.burst)}
		a.m[account] = e
	}
	e.last = now
	return allow(e.lim, now)
}

func (a *accountLimits) sweep(now time.Time) {
	if now.Sub(a.lastSweep) < a.idle/2 {
		return
	}
	a.lastSweep = now
	for k, e := range a.m {
		if now.Sub(e.last) > a.idle {
			delete(a.m, k)
		}
	}
}

func (a *accountLimits) len() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.m)
}
