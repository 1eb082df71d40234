package gateway

import (
	"sync"
	"time"

	"github.com/mts-krx/mts/api"
	"github.com/mts-krx/mts/matching"
)

// execStream is one connection's executions stream. No report may be
// lost between the openOrders snapshot and the live stream, so the order
// is: subscribe to the account's reports first and hold them, then query
// the open orders (their first page; the snapshot's next cursor reads the
// rest with orders.open), then queue the snapshot, then the held reports,
// then go live. A held report may already be part of the snapshot; reports
// carry the order's whole state (cumQty, leavesQty, status) and come in
// engine order, so a client that applies each as "the order's state now"
// ends in the right state (see docs/protocol.md).
//
// A report never vanishes unannounced: one that does not fit the send
// queue (sendQueue.pushReport), or the held list (bounded by the queue's
// frame limit), is dropped and a resync marker for the stream follows it,
// after which the client queries its orders (the Go client resubscribes,
// which brings a fresh snapshot). A burst the client did not choose (its
// orders all filling at the open) costs a resync, not the connection; a
// client that stays too slow is cut off as for market data.
type execStream struct {
	c        *conn
	unsub    func() error
	snapshot []byte

	mu      sync.Mutex
	live    bool
	stopped bool
	gap     bool // a report was dropped before the stream went live
	held    [][]byte
}

// execResync is the marker that stands for dropped execution reports.
var execResync = mustJSON(api.Resync{Type: api.TypeResync, Stream: StreamExecutions, Reason: reasonSlow})

// startExec subscribes and takes the snapshot; start queues it.
func (c *conn) startExec(r *call) (*execStream, *api.Error) {
	es := &execStream{c: c}
	unsub, err := c.srv.cfg.Backend.SubscribeExec(c.account, es.deliver)
	if err != nil {
		return nil, c.srv.backendError(err, false)
	}
	es.unsub = unsub
	res, err := c.srv.cfg.Backend.Query(r.ctx, &Query{Kind: QueryOpenOrders, Account: c.account})
	if err != nil {
		es.stop()
		return nil, c.srv.backendError(err, false)
	}
	es.snapshot = mustJSON(api.OpenOrders{
		Type: api.TypeOpenOrders, TS: r.now.UTC().Format(time.RFC3339Nano),
		Orders: orderStates(res.Orders, c.account), Next: nextCursor(res),
	})
	return es, nil
}

// deliver is the SubscribeExec callback: encode the account's reports now
// (evs is valid only during the call) and queue or hold them.
func (es *execStream) deliver(evs []matching.Event) {
	es.mu.Lock()
	defer es.mu.Unlock()
	for i := range evs {
		e := &evs[i]
		if e.Kind != matching.EvExec || e.Account != es.c.account || es.stopped {
			continue
		}
		es.queue(mustJSON(clientReport(e, es.c.srv.cfg.Calendar)))
	}
}

func (es *execStream) queue(frame []byte) {
	switch {
	case es.live && es.c.q.pushReport(frame, execResync):
	case !es.live && len(es.held) < es.c.srv.cfg.SendQueue:
		es.held = append(es.held, frame)
	default:
		es.gap = es.gap || !es.live
		es.c.srv.cfg.Metrics.Dropped(1)
	}
}

// start queues the snapshot and the held reports and goes live.
func (es *execStream) start() {
	es.mu.Lock()
	defer es.mu.Unlock()
	if es.stopped {
		return
	}
	held := es.held
	es.held, es.live = nil, true
	es.queue(es.snapshot)
	for _, f := range held {
		es.queue(f)
	}
	if es.gap {
		es.c.q.pushGap(execResync) // after what the snapshot and the held reports say
	}
	es.snapshot = nil
}

// stop ends the subscription. The callback may be running: it finds the
// stream stopped.
func (es *execStream) stop() {
	es.mu.Lock()
	es.stopped = true
	es.held = nil
	es.mu.Unlock()
	if es.unsub != nil {
		if err := es.unsub(); err != nil {
			es.c.srv.cfg.Logger.Warn("gateway: executions unsubscribe", "account", es.c.account, "err", err)
		}
	}
}
