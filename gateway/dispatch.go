package gateway

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"time"

	"github.com/gorilla/websocket"
	"golang.org/x/time/rate"

	"github.com/mts-krx/mts/api"
)

// method is one entry of the method table.
type method struct {
	name    string
	private bool // needs a trader token; counts against the account's rate
	// async methods wait on the backend or a feed: they run on a goroutine
	// of their own, so the reader goes on with the next frame.
	async bool
	fn    func(c *conn, r *call) answer
}

// call is one admitted request as a method sees it. now is the Clock's
// time at receipt: the command's timestamp and the rate limiters' time.
type call struct {
	ctx    context.Context
	now    time.Time
	method string
	params json.RawMessage
}

// answer is a method's outcome: a result, an error, or (an engine
// rejection) both. after, if set, runs once the reply is queued: streams
// start after the reply that confirms them.
type answer struct {
	result any
	err    *api.Error
	after  func()
}

func fail(err *api.Error) answer { return answer{err: err} }

var methods map[string]*method

func init() {
	methods = make(map[string]*method)
	for _, m := range []*method{
		{name: api.MethodPing, fn: ping},
		{name: api.MethodSubscribe, async: true, fn: subscribe},
		{name: api.MethodUnsubscribe, async: true, fn: unsubscribe},
		{name: api.MethodPlace, private: true, async: true, fn: orderEntry},
		{name: api.MethodAmend, private: true, async: true, fn: orderEntry},
		{name: api.MethodCancel, private: true, async: true, fn: orderEntry},
		{name: api.MethodCancelAll, private: true, async: true, fn: cancelAll},
		{name: api.MethodStatus, private: true, async: true, fn: orderStatus},
		{name: api.MethodOpenOrders, private: true, async: true, fn: openOrders},
		{name: api.MethodBalance, private: true, async: true, fn: balance},
		{name: api.MethodPositions, private: true, async: true, fn: positions},
	} {
		methods[m.name] = m
	}
}

// handle answers one text frame.
func (c *conn) handle(data []byte) {
	start := time.Now()
	now := c.srv.cfg.Clock()
	req, err := DecodeRequest(data)
	if err != nil {
		c.reject(req.ID, err.(*api.Error))
		return
	}
	m := methods[req.Method]
	if m == nil {
		c.reject(req.ID, api.Errorf(api.UnknownMethod, "method %q is unknown", truncate(req.Method)))
		return
	}
	if e := c.admit(m, now); e != nil {
		c.finish(req.ID, m.name, start, fail(e))
		if e.Code == api.RateLimited {
			c.strike() // after the reply, which a close would drop
		}
		return
	}
	if !m.async {
		c.finish(req.ID, m.name, start, m.fn(c, &call{context.Background(), now, m.name, req.Params}))
		return
	}
	c.inflight.Add(1)
	c.reqs.Add(1)
	c.srv.workers.run(func() { c.serve(req, m, start, now) })
}

func (c *conn) serve(req api.Request, m *method, start, now time.Time) {
	defer c.reqs.Done()
	defer c.inflight.Add(-1)
	ctx := c.srv.deadlines.ctx(start)
	c.finish(req.ID, m.name, start, m.fn(c, &call{ctx, now, m.name, req.Params}))
}

// reject answers a frame that is not a usable request (malformed, unknown
// method, binary). Each is a strike: a stream of them closes the connection.
func (c *conn) reject(id json.RawMessage, err *api.Error) {
	c.finish(id, "unknown", time.Now(), fail(err))
	c.strike()
}

// strike counts a rejected frame; past StrikeRate (with StrikeBurst of
// slack) the client is flooding, and the connection is closed 1008.
func (c *conn) strike() {
	if !c.strikes.AllowN(c.srv.cfg.Clock(), 1) {
		c.q.close(websocket.ClosePolicyViolation, closeReason(api.RateLimited, "too many rejected requests; connection closed"))
	}
}

// admit checks, in order, the connection's rate, the token, the account's
// rate and the in-flight bound.
func (c *conn) admit(m *method, now time.Time) *api.Error {
	if d, ok := allow(c.connLim, now); !ok {
		return c.rateLimited(d, "connection request rate exceeded")
	}
	if m.private {
		if e := c.authorize(now); e != nil {
			return e
		}
		if d, ok := c.srv.accounts.allow(c.account, now); !ok {
			return c.rateLimited(d, "account request rate exceeded")
		}
	}
	if m.async && int(c.inflight.Load()) >= c.srv.cfg.MaxInFlight {
		return c.rateLimited(10*time.Millisecond, fmt.Sprintf("more than %d requests in flight", c.srv.cfg.MaxInFlight))
	}
	return nil
}

func (c *conn) rateLimited(d time.Duration, msg string) *api.Error {
	c.srv.cfg.Metrics.RateLimited()
	return &api.Error{Code: api.RateLimited, Msg: msg, RetryAfterMs: millis(d)}
}

// millis rounds d up to whole milliseconds, at least 1.
func millis(d time.Duration) int64 {
	return max(1, int64(math.Ceil(float64(d)/float64(time.Millisecond))))
}

// allow takes a token from l, or says how long until one is there.
func allow(l *rate.Limiter, now time.Time) (time.Duration, bool) {
	if l.AllowN(now, 1) {
		return 0, true
	}
	r := l.ReserveN(now, 1)
	defer r.CancelAt(now)
	if !r.OK() {
		return time.Second, false
	}
	return r.DelayFrom(now), false
}

// authorize admits a private method: a trader's token, still valid. The
// token was checked at the upgrade; its expiry is checked on every request.
func (c *conn) authorize(now time.Time) *api.Error {
	switch {
	case c.claims.Subject == "":
		return api.Errorf(api.Unauthorized, "this method needs a token: connect with Authorization: Bearer <token>")
	case !now.Before(c.claims.ExpiresAt):
		return api.Errorf(api.Unauthorized, "the token has expired: reconnect with a new one")
	case c.account == "":
		return api.Errorf(api.Forbidden, "a %s token may not trade or read an account", c.claims.Role)
	}
	return nil
}

// finish queues the reply and records the request. A reply that does not
// fit the queue closes the connection: replies are never dropped.
func (c *conn) finish(id json.RawMessage, name string, start time.Time, a answer) {
	rep := api.Reply{ID: id, Status: 200, Result: a.result, Error: a.err}
	if a.err != nil {
		rep.Status = a.err.Status()
	}
	frame := encodeReply(&rep)
	// Counted before the push: a client that has its reply finds it counted.
	c.srv.cfg.Metrics.Request(name, rep.Status, time.Since(start))
	if !c.q.pushPrivate(frame) {
		c.slowConsumer()
		return
	}
	if a.after != nil {
		a.after()
	}
}

// slowConsumer cuts off a client whose private messages do not fit.
func (c *conn) slowConsumer() {
	c.srv.cfg.Metrics.SlowConsumer()
	c.q.close(CloseSlowConsumer, closeReason(api.SlowConsumer, "send queue full; reconnect and query what you missed"))
}

// closeReason formats a close frame's reason, "CODE: message", within the
// 123 bytes a close frame allows.
func closeReason(code api.Code, format string, args ...any) string {
	s := string(code) + ": " + fmt.Sprintf(format, args...)
	if len(s) > 123 {
		s = s[:123]
	}
	return s
}

func ping(_ *conn, r *call) answer {
	if err := decodeParams(r.params, &struct{}{}); err != nil {
		return fail(err)
	}
	return answer{result: api.PingResult{TS: r.now.UTC().Format(time.RFC3339Nano)}}
}
