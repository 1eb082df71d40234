package bus

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/mts-krx/mts/matching"
)

// ServerConfig configures a Server.
type ServerConfig struct {
	Partition int // serves CmdSubject(Partition)
}

// Server is the engine's end of the command subject: it decodes each
// request, submits it to the loop, and publishes the loop's answer to the
// request's reply subject.
//
// A request runs in three places. The NATS handler goroutine (one per
// subscription, so requests are submitted in arrival order) decodes it into
// a pooled call and calls Loop.Submit, which never blocks; a refusal (busy,
// stopped, malformed) is answered there at once. A read runs on the loop's
// apply goroutine (call.read). The reply is encoded and published on the
// loop's commit goroutine (call.done), after the batch is durable; then the
// call goes back to the pool. A call is owned by exactly one of these at a
// time, handed on by the loop's own queue and channels, so it needs no lock.
type Server struct {
	nc    *nats.Conn
	loop  *matching.Loop
	sub   *nats.Subscription
	calls sync.Pool // *call
}

// Bounds on what a pooled call may keep: a call that served a large answer
// (a deep orders.open) is dropped rather than pinning its buffers.
const (
	keepBufBytes = 64 << 10
	keepViews    = 1024
)

// NewServer subscribes to CmdSubject(cfg.Partition) and serves it from loop,
// which must be started. The subscription's pending limits are nats.go's
// defaults; since the handler only queues, they are reached only if the
// process is starved, and the messages dropped then are requests whose
// clients see a timeout (outcome unknown), never corrupted state.
func NewServer(nc *nats.Conn, loop *matching.Loop, cfg ServerConfig) (*Server, error) {
	if nc == nil || loop == nil {
		return nil, errors.New("bus: NewServer needs a connection and a loop")
	}
	s := &Server{nc: nc, loop: loop}
	s.calls.New = func() any { return newCall(s) }
	sub, err := nc.Subscribe(CmdSubject(cfg.Partition), s.handle)
	if err != nil {
		return nil, fmt.Errorf("bus: subscribe %s: %w", CmdSubject(cfg.Partition), err)
	}
	s.sub = sub
	// A round trip, so that the NATS server knows the subscription when
	// NewServer returns: a gateway's first command must not find "no
	// responders" just because the SUB was still in the client's buffer.
	if err := nc.FlushTimeout(5 * time.Second); err != nil {
		sub.Unsubscribe()
		return nil, fmt.Errorf("bus: subscribe %s: %w", CmdSubject(cfg.Partition), err)
	}
	return s, nil
}

// Close stops taking requests: it drains the subscription (requests already
// received are still submitted) and waits up to five seconds for that. A
// request already in the loop is still answered when its batch commits, as
// long as the connection is open.
func (s *Server) Close() error {
	closed := s.sub.StatusChanged(nats.SubscriptionClosed)
	if err := s.sub.Drain(); err != nil {
		return fmt.Errorf("bus: drain: %w", err)
	}
	select {
	case <-closed:
		return nil
	case <-time.After(5 * time.Second):
		return errors.New("bus: drain did not finish in 5s")
	}
}

// handle runs on the subscription's goroutine for each request.
func (s *Server) handle(m *nats.Msg) {
	c := s.calls.Get().(*call)
	c.reply = m.Reply
	if err := decodeRequest(m.Data, &c.in); err != nil {
		c.refuse(statusBadRequest, err.Error())
		return
	}
	c.req.Cmd, c.req.Read = c.in.cmd, nil
	if c.in.read {
		c.req.Cmd, c.req.Read = matching.Command{}, c.readFn
	}
	if err := s.loop.Submit(&c.req); err != nil {
		c.refuse(submitStatus(err), err.Error())
	}
}

func submitStatus(err error) status {
	switch {
	case errors.Is(err, matching.ErrBusy):
		return statusBusy
	case errors.Is(err, matching.ErrTooLong):
		return statusTooLong
	}
	return statusUnavailable
}

// call is one request in flight. readFn and doneFn are its methods bound
// once, when the call is made, so that submitting costs no closure.
type call struct {
	s      *Server
	reply  string
	in     request
	req    matching.Request
	res    QueryResult
	buf    []byte
	readFn func(*matching.Engine)
}

func newCall(s *Server) *call {
	c := &call{s: s}
	c.readFn = c.read
	c.req.Reply = c.done
	return c
}

// read runs on the loop's apply goroutine: it copies the answer out of the
// engine (views are values; their strings are the engine's immutable ones)
// and leaves the encoding to the commit goroutine, which is not the
// bottleneck.
func (c *call) read(e *matching.Engine) {
	q, r := &c.in.q, &c.res
	r.Found, r.Orders, r.Positions, r.Balance = false, r.Orders[:0], r.Positions[:0], matching.BalanceView{}
	switch q.Kind {
	case QueryOrder:
		var v matching.OrderView
		if v, r.Found = e.Order(q.Account, q.Symbol, q.OrderID, q.ClientOrderID); r.Found {
			r.Orders = append(r.Orders, v)
		}
	case QueryOpenOrders:
		r.Orders, r.Found = e.OpenOrders(q.Account, q.Symbol, r.Orders), true
	case QueryBalance:
		r.Balance, r.Found = e.Balance(q.Account)
	case QueryPositions:
		_, r.Found = e.Balance(q.Account) // the account exists (and risk is on)
		r.Positions = e.Positions(q.Account, r.Positions)
	}
}

// done runs on the loop's commit goroutine once the request's batch is
// durable (or failed). It must not block: it publishes into nats.go's
// buffer and returns.
func (c *call) done(res *matching.Result) {
	switch {
	case res.Err != nil && c.in.read:
		c.buf = appendError(c.buf[:0], statusUnavailable, res.Err.Error()) // not answered: retry
	case errors.Is(res.Err, matching.ErrOutcomeUnknown):
		c.buf = appendError(c.buf[:0], statusOutcomeUnknown, res.Err.Error())
	case res.Err != nil:
		c.buf = appendError(c.buf[:0], statusUnavailable, res.Err.Error())
	case c.in.read:
		c.buf = appendReadReply(c.buf[:0], c.in.q.Kind, &c.res)
	default:
		c.buf = matching.AppendRecord(append(c.buf[:0], byte(statusOK)), res.Cmd, res.Events)
	}
	if limit := c.s.nc.MaxPayload(); int64(len(c.buf)) > limit {
		c.buf = appendError(c.buf[:0], statusTooLong, "answer over the NATS payload limit")
	}
	c.publish()
}

// refuse answers a request that never reached the loop.
func (c *call) refuse(st status, reason string) {
	c.buf = appendError(c.buf[:0], st, reason)
	c.publish()
}

// publish sends the reply, if the request asked for one, and recycles the
// call. A failed publish (connection closed) is the client's timeout: it
// queries, as it must for any lost reply.
func (c *call) publish() {
	if c.reply != "" {
		_ = c.s.nc.Publish(c.reply, c.buf)
	}
	c.release()
}

func (c *call) release() {
	c.reply, c.in = "", request{}
	c.req.Cmd, c.req.Read = matching.Command{}, nil
	if cap(c.buf) > keepBufBytes || cap(c.res.Orders) > keepViews || cap(c.res.Positions) > keepViews {
		return // let a large call go rather than pool it
	}
	clear(c.res.Orders[:cap(c.res.Orders)])
	c.res.Orders, c.res.Positions = c.res.Orders[:0], c.res.Positions[:0]
	c.s.calls.Put(c)
}
