package api

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"time"
)

// ResyncClientGap is the Reason of a Resync message the client itself
// hands to a handler when it sees a bookDelta whose seq does not follow
// the last one: the handler's copy of the book is stale until the
// bookSnapshot that the client's resubscription brings.
const ResyncClientGap = "client_gap"

// streamExecutions is the private stream's name.
const streamExecutions = "executions"

// resubscribeTimeout bounds the unsubscribe + subscribe of a resync.
const resubscribeTimeout = 10 * time.Second

// subscription is one stream's handler and, for book streams, the seq
// check. Guarded by Client.mu.
type subscription struct {
	handler func(msg any)
	book    bool   // book.<symbol>: bookDelta seqs are checked
	seq     uint64 // seq of the last bookSnapshot or bookDelta passed on
	synced  bool   // a bookSnapshot has arrived since (re)subscribing
	// resyncing is set while a resubscription is in flight, so a burst of
	// out-of-order deltas causes one resubscription, not one each.
	resyncing bool
}

type delivery struct {
	handler func(msg any)
	msg     any
}

// Subscribe subscribes to streams (see SubscribeParams for the names) and
// delivers their decoded messages to handler: *BookSnapshot, *BookDelta,
// *Depth, *MarketTrade, *Ticker, *Candle, *ExecutionReport, *OpenOrders and
// *Resync. Every handler of the client runs on one goroutine, one message
// at a time, in the order the messages arrived. Subscribing to a stream
// again replaces its handler.
//
// On book streams the client checks that each bookDelta follows the
// previous message's seq. On a gap, or a resync message from the server,
// it resubscribes the stream; the handler sees a *Resync (Reason
// ResyncClientGap for a gap the client found), then the new *BookSnapshot,
// and never a delta that does not apply to what it has.
//
// On the executions stream a *Resync from the server says reports were
// dropped (the connection could not take a burst of them): the client
// resubscribes, and the handler sees the *Resync, then a new *OpenOrders
// (the first page; OpenOrders.Next and Client.OpenOrders read the rest),
// then reports again.
//
// An error reply (UNKNOWN_STREAM, say) unsubscribes nothing else but
// forgets these streams. If the connection is down or lost before the
// reply and Reconnect is on, the streams are kept and subscribed on the
// next connection, and Subscribe returns nil.
func (c *Client) Subscribe(ctx context.Context, streams []string, handler func(msg any)) error {
	if handler == nil || len(streams) == 0 {
		return Errorf(BadRequest, "api: Subscribe needs streams and a handler")
	}
	c.mu.Lock()
	for _, s := range streams {
		c.subs[s] = &subscription{handler: handler, book: strings.HasPrefix(s, "book.")}
	}
	c.mu.Unlock()
	err := c.Call(ctx, MethodSubscribe, SubscribeParams{Streams: streams}, nil)
	if err == nil || (c.opts.Reconnect && connectionError(err)) {
		return nil
	}
	c.forget(streams)
	return err
}

// connectionError reports whether err says the connection, not the server,
// failed the call.
func connectionError(err error) bool {
	var e *Error
	return errors.Is(err, ErrNotConnected) || (errors.As(err, &e) && e.Code == OutcomeUnknown)
}

// Unsubscribe stops the streams. Messages already queued for the handler
// are still delivered; none received after this call is.
func (c *Client) Unsubscribe(ctx context.Context, streams []string) error {
	c.forget(streams)
	return c.Call(ctx, MethodUnsubscribe, SubscribeParams{Streams: streams}, nil)
}

func (c *Client) forget(streams []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, s := range streams {
		delete(c.subs, s)
	}
}

// resubscribeAll subscribes a new connection to every stream the client
// has. A failure is left alone: the connection it failed on is gone, and
// the next one tries again.
func (c *Client) resubscribeAll() {
	c.mu.Lock()
	streams := make([]string, 0, len(c.subs))
	for s := range c.subs {
		streams = append(streams, s)
	}
	c.mu.Unlock()
	if len(streams) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(c.ctx, resubscribeTimeout)
	defer cancel()
	c.Call(ctx, MethodSubscribe, SubscribeParams{Streams: streams}, nil)
	c.resynced(streams)
}

// resubscribe gets a fresh snapshot of one book stream, or of the
// executions stream. It runs on its own
// goroutine: the reader that found the gap must keep reading to see the
// replies.
func (c *Client) resubscribe(stream string) {
	ctx, cancel := context.WithTimeout(c.ctx, resubscribeTimeout)
	defer cancel()
	p := SubscribeParams{Streams: []string{stream}}
	c.Call(ctx, MethodUnsubscribe, p, nil)
	c.Call(ctx, MethodSubscribe, p, nil)
	c.resynced(p.Streams)
}

// resynced allows another resubscription of streams that are still
// without a snapshot: if this one failed, the next delta starts another.
func (c *Client) resynced(streams []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, s := range streams {
		if sub := c.subs[s]; sub != nil {
			sub.resyncing = false
		}
	}
}

// route decodes a stream message and queues it for its subscription's
// handler. Messages of unknown types or of streams not subscribed are
// dropped: a newer server may send more than this client knows.
func (c *Client) route(typ string, data []byte) {
	msg, stream := decodeStream(typ, data)
	if msg == nil {
		return
	}
	c.dispatchStream(msg, stream)
}

// fastStreamFrame decodes a frame of the busiest streams (book deltas,
// trades, tickers), valid JSON, in one pass, instead of an envelope pass
// over the whole frame first and then the message's: the server writes
// "type" first, so it is read from the prefix. The message's own decoding
// must then agree: its type (the last "type" key, as json.Unmarshal takes
// it) is the prefix's, and no key could be read as another envelope field
// (fastFields declines those). Anything else (false) is left to the
// general path, which reads it exactly as before.
func fastStreamFrame(data []byte) (any, string, bool) {
	typ, ok := peekType(data)
	if !ok {
		return nil, "", false
	}
	msg := fastStreamMessage(typ, data)
	h, stream := fastStreamKey(msg)
	if h == nil || h.Type != typ {
		return nil, "", false
	}
	return msg, stream, true
}

// fastStreamKey returns the header and the stream of a message
// fastStreamMessage decoded; nil for anything else.
func fastStreamKey(msg any) (*MarketHeader, string) {
	switch m := msg.(type) {
	case *BookDelta:
		return &m.MarketHeader, "book." + m.Symbol
	case *MarketTrade:
		return &m.MarketHeader, "trades." + m.Symbol
	case *Ticker:
		return &m.MarketHeader, "ticker." + m.Symbol
	}
	return nil, ""
}

// dispatchStream queues a decoded stream message for its subscription's handler.
func (c *Client) dispatchStream(msg any, stream string) {
	c.mu.Lock()
	sub := c.subs[stream]
	var out []any
	if sub != nil {
		out = c.admit(stream, sub, msg)
	}
	c.mu.Unlock()
	for _, m := range out {
		c.enqueue(sub.handler, m)
	}
}

// admit applies the seq check of book streams and returns what the handler
// should see. Called with c.mu held.
func (c *Client) admit(stream string, sub *subscription, msg any) []any {
	if !sub.book {
		if _, ok := msg.(*Resync); ok && stream == streamExecutions {
			c.startResync(stream, sub) // a fresh openOrders follows
		}
		return []any{msg}
	}
	switch m := msg.(type) {
	case *BookSnapshot:
		sub.seq, sub.synced = m.Seq, true
	case *BookDelta:
		return c.admitDelta(stream, sub, m)
	case *Resync:
		sub.synced = false
		c.startResync(stream, sub)
	}
	return []any{msg}
}

func (c *Client) admitDelta(stream string, sub *subscription, d *BookDelta) []any {
	switch {
	case !sub.synced:
		// Waiting for a snapshot; the delta cannot be applied to anything.
		c.startResync(stream, sub)
		return nil
	case d.Seq <= sub.seq:
		return nil // already covered by the snapshot
	case d.Seq != sub.seq+1:
		sub.synced = false
		c.startResync(stream, sub)
		return []any{&Resync{Type: TypeResync, Stream: stream, Reason: ResyncClientGap}}
	}
	sub.seq = d.Seq
	return []any{d}
}

func (c *Client) startResync(stream string, sub *subscription) {
	if sub.resyncing {
		return
	}
	sub.resyncing = true
	go c.resubscribe(stream)
}

// enqueue waits for room in the delivery queue: the reader slowing down is
// the backpressure that tells the server this client is slow.
func (c *Client) enqueue(h func(any), msg any) {
	select {
	case c.deliver <- delivery{h, msg}:
	case <-c.ctx.Done():
	}
}

// dispatch runs handlers one at a time until the client is closed.
func (c *Client) dispatch() {
	for {
		select {
		case d := <-c.deliver:
			d.handler(d.msg)
		case <-c.ctx.Done():
			return
		}
	}
}

// decodeStream decodes a stream message of type typ and names the stream
// it belongs to; nil for a type the client does not know or cannot read.
func decodeStream(typ string, data []byte) (any, string) {
	msg := fastStreamMessage(typ, data)
	if h, stream := fastStreamKey(msg); h != nil {
		return msg, stream
	}
	switch typ {
	case TypeBookSnapshot:
		m, err := decodeAs[BookSnapshot](data)
		return orNil(m, err), "book." + m.Symbol
	case TypeBookDelta:
		m, err := decodeAs[BookDelta](data)
		return orNil(m, err), "book." + m.Symbol
	case TypeDepth:
		m, err := decodeAs[Depth](data)
		return orNil(m, err), "depth." + m.Symbol
	case TypeMarketTrade:
		m, err := decodeAs[MarketTrade](data)
		return orNil(m, err), "trades." + m.Symbol
	case TypeTicker:
		m, err := decodeAs[Ticker](data)
		return orNil(m, err), "ticker." + m.Symbol
	case TypeCandle:
		m, err := decodeAs[Candle](data)
		return orNil(m, err), "candles." + m.Interval + "." + m.Symbol
	case TypeMarketStatus:
		m, err := decodeAs[MarketStatus](data)
		return orNil(m, err), "status." + m.Symbol
	case TypeExecution:
		m, err := decodeAs[ExecutionReport](data)
		return orNil(m, err), streamExecutions
	case TypeOpenOrders:
		m, err := decodeAs[OpenOrders](data)
		return orNil(m, err), streamExecutions
	case TypeResync:
		m, err := decodeAs[Resync](data)
		return orNil(m, err), m.Stream
	}
	return nil, ""
}

func decodeAs[T any](data []byte) (*T, error) {
	m := new(T)
	err := json.Unmarshal(data, m)
	return m, err
}

// orNil keeps a typed nil pointer out of an interface.
func orNil[T any](m *T, err error) any {
	if err != nil {
		return nil
	}
	return m
}
