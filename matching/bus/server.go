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
//
// A batch of requests (a Client's) is submitted entry by entry; its
// replies gather in the outbox of the client's inbox and go out as one
// message per inbox when the loop has delivered a batch's replies
// (flush, run by Loop.OnReplies), so a loop batch holding fifty requests
// of one gateway costs one NATS message back.
type Server struct {
	nc    *nats.Conn
	loop  *matching.Loop
	sub   *nats.Subscription
	calls sync.Pool // *call
	limit int       // NATS's payload limit

	boxes    map[string]*outbox // by inbox; the subscription goroutine's alone
	batches  uint64             // batches handled, the clock of outbox.seen
	refusals []byte             // scratch of handleBatch

	mu    sync.Mutex // guards every outbox's buf and queued, and dirty
	dirty []*outbox  // outboxes with replies to flush
}

// outbox gathers the replies bound for one client inbox.
type outbox struct {
	subject string // inbox + ".r"
	buf     []byte // entries
	queued  bool   // on Server.dirty
	seen    uint64 // Server.batches when its client last sent one
}

// maxOutboxes bounds the outboxes kept: each gateway (bus client) has one,
// and a restarted gateway comes back with a new inbox, so past this many
// the ones idle for as many batches are forgotten. A call in flight keeps
// its outbox alive, and a client that returns simply gets a new one.
const maxOutboxes = 1024

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
	s := &Server{nc: nc, loop: loop, limit: int(nc.MaxPayload()), boxes: make(map[string]*outbox)}
	s.calls.New = func() any { return newCall(s) }
	loop.OnReplies(s.flush)
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

// handle runs on the subscription's goroutine for each message: a single
// request, or a batch.
func (s *Server) handle(m *nats.Msg) {
	if len(m.Data) >= 2 && m.Data[0] == WireVersion && m.Data[1] == kindBatch {
		s.handleBatch(m)
		return
	}
	c := s.calls.Get().(*call)
	c.reply = m.Reply
	if st, reason := c.submit(m.Data); st != statusOK {
		c.refuse(st, reason)
	}
}

// handleBatch submits each request of a batch. One that does not decode or
// is refused is answered at once, in one message for the batch; one that
// does not frame refuses the batch whole, before any of it is applied, on
// the batch's own reply subject.
func (s *Server) handleBatch(m *nats.Msg) {
	inbox, entries, err := decodeBatchHeader(m.Data)
	if err == nil {
		err = checkEntries(entries)
	}
	if err != nil {
		if m.Reply != "" {
			_ = s.nc.Publish(m.Reply, appendError(nil, statusBadRequest, err.Error()))
		}
		return
	}
	box := s.outboxFor(inbox)
	s.refusals = s.refusals[:0]
	for len(entries) > 0 {
		id, body, rest, _ := nextEntry(entries) // checked above
		entries = rest
		c := s.calls.Get().(*call)
		c.box, c.id = box, id
		if st, reason := c.submit(body); st != statusOK {
			c.buf = appendError(c.buf[:0], st, reason)
			s.refusals = appendEntry(s.refusals, id, c.buf)
			c.release()
		}
	}
	if len(s.refusals) > 0 {
		_ = s.nc.Publish(box.subject, s.refusals)
	}
}

// outboxFor returns the outbox of a client's inbox, made on its first
// batch, and marks it used now.
func (s *Server) outboxFor(inbox []byte) *outbox {
	s.batches++
	box := s.boxes[string(inbox)]
	if box == nil {
		s.forgetIdleOutboxes()
		box = &outbox{subject: string(inbox) + ".r"}
		s.boxes[string(inbox)] = box
	}
	box.seen = s.batches
	return box
}

// forgetIdleOutboxes drops, once maxOutboxes are kept, those whose clients
// have sent nothing for maxOutboxes batches.
func (s *Server) forgetIdleOutboxes() {
	if len(s.boxes) < maxOutboxes {
		return
	}
	for inbox, box := range s.boxes {
		if s.batches-box.seen > maxOutboxes {
			delete(s.boxes, inbox)
		}
	}
}

// submit decodes a request into c and submits it to the loop; anything but
// statusOK means it was not submitted, for the reason given.
func (c *call) submit(data []byte) (status, string) {
	if err := decodeRequest(data, &c.in); err != nil {
		return statusBadRequest, err.Error()
	}
	c.req.Cmd, c.req.Read = c.in.cmd, nil
	if c.in.read {
		c.req.Cmd, c.req.Read = matching.Command{}, c.readFn
	}
	if err := c.s.loop.Submit(&c.req); err != nil {
		return submitStatus(err), err.Error()
	}
	return statusOK, ""
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
	reply  string  // a single request's reply subject
	box    *outbox // a batched request's outbox, and its id there
	id     uint64
	in     request
	req    matching.Request
	res    QueryResult
	buf    []byte
	own    []matching.Event // scratch for an answer cut to the caller's reports
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
	r.Found, r.More, r.Orders, r.Positions, r.Balance = false, false, r.Orders[:0], r.Positions[:0], matching.BalanceView{}
	switch q.Kind {
	case QueryOrder:
		var v matching.OrderView
		if v, r.Found = e.Order(q.Account, q.Symbol, q.OrderID, q.ClientOrderID); r.Found {
			r.Orders = append(r.Orders, v)
		}
	case QueryOpenOrders:
		r.Orders, r.More = e.OpenOrdersPage(q.Account, q.Symbol, q.After, OpenOrdersPage, r.Orders)
		r.Found = true
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
		c.buf = c.readReply()
	default:
		c.buf = matching.AppendRecord(append(c.buf[:0], byte(statusOK)), res.Cmd, res.Events)
		if len(c.buf)+entryOverhead > c.s.limit {
			c.buf = c.ownAnswer(res)
		}
	}
	if len(c.buf)+entryOverhead > c.s.limit {
		c.buf = appendError(c.buf[:0], statusTooLong, "answer over the NATS payload limit")
	}
	if c.box != nil {
		c.s.queue(c.box, c.id, c.buf)
		c.release()
		return
	}
	c.publish()
}

// readReply encodes the answer to a read. A page of open orders that is
// over the payload limit (long strings in each) is cut to what fits, with
// More set: the gateway asks for the rest after the page's last order.
func (c *call) readReply() []byte {
	r := &c.res
	buf := appendReadReply(c.buf[:0], c.in.q.Kind, r)
	room := c.s.limit - entryOverhead
	for c.in.q.Kind == QueryOpenOrders && len(buf) > room && len(r.Orders) > 1 {
		keep := max(1, min(len(r.Orders)-1, len(r.Orders)*room/len(buf)))
		clear(r.Orders[keep:])
		r.Orders, r.More = r.Orders[:keep], true
		buf = appendReadReply(buf[:0], c.in.q.Kind, r)
	}
	return buf
}

// ownAnswer encodes the answer to an applied command whose full answer (all
// its events, every account's) is over the payload limit: a taker that
// swept thousands of orders. The command was applied and journaled, so it
// must still be answered as such. The answer keeps what the gateway shows
// the caller, the execution reports of the command's own account; if those
// are too many still, the first and as many of the latest as fit (the
// order's current state is the last). The executions stream and the
// journal carry every report.
func (c *call) ownAnswer(res *matching.Result) []byte {
	c.own = c.own[:0]
	for i := range res.Events {
		if ev := &res.Events[i]; ev.Kind == matching.EvExec && ev.Account == res.Cmd.Account {
			c.own = append(c.own, *ev)
		}
	}
	room := c.s.limit - entryOverhead
	buf := matching.AppendRecord(append(c.buf[:0], byte(statusOK)), res.Cmd, c.own)
	for keep := len(c.own) - 1; len(buf) > room && keep > 1; {
		keep = max(1, keep*room/len(buf)) // the latest keep reports, after the first
		tail := c.own[len(c.own)-keep:]
		c.own = append(c.own[:1], tail...)
		buf = matching.AppendRecord(append(buf[:0], byte(statusOK)), res.Cmd, c.own)
		keep = len(c.own) - 2 // one fewer next time, if the estimate fell short
	}
	clear(c.own) // drop the strings until the next answer
	return buf
}

// queue adds a reply to box, for the next flush. A reply that would take
// the outbox over the payload limit sends what it holds first.
func (s *Server) queue(box *outbox, id uint64, reply []byte) {
	s.mu.Lock()
	if len(box.buf)+len(reply)+entryOverhead > s.limit {
		_ = s.nc.Publish(box.subject, box.buf)
		box.buf = box.buf[:0]
	}
	box.buf = appendEntry(box.buf, id, reply)
	if !box.queued {
		box.queued = true
		s.dirty = append(s.dirty, box)
	}
	s.mu.Unlock()
}

// flush sends each outbox's replies as one message. The loop runs it after
// every batch's replies (Loop.OnReplies), before the batch's execution
// reports go out. A failed publish (connection closed) is the clients'
// timeout: they query, as they must for any lost reply.
func (s *Server) flush() {
	s.mu.Lock()
	for _, box := range s.dirty {
		_ = s.nc.Publish(box.subject, box.buf)
		box.buf, box.queued = box.buf[:0], false
		if cap(box.buf) > keepBufBytes {
			box.buf = nil
		}
	}
	clear(s.dirty)
	s.dirty = s.dirty[:0]
	s.mu.Unlock()
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
	c.reply, c.box, c.in = "", nil, request{}
	c.req.Cmd, c.req.Read = matching.Command{}, nil
	if cap(c.buf) > keepBufBytes || cap(c.res.Orders) > keepViews || cap(c.res.Positions) > keepViews {
		return // let a large call go rather than pool it
	}
	clear(c.res.Orders[:cap(c.res.Orders)])
	c.res.Orders, c.res.Positions = c.res.Orders[:0], c.res.Positions[:0]
	c.s.calls.Put(c)
}
