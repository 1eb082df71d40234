package natspub

import (
	"context"
	"math/rand/v2"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/mts-krx/mts/marketdata"
)

// bookSync is a book topic's replica and resync state, owned by the
// topic's goroutine:
//
//	synced ──delta applies──► synced (subscribers get the delta)
//	   │
//	   └─ gap / bad delta ──► syncing: deltas kept in pending; one snapshot
//	                          request at a time, on its own goroutine
//	                            ├─ reply: Reset, every subscriber gets the
//	                            │  Depth, pending deltas after it applied
//	                            └─ error: retry after a backoff (timer)
//
// A new topic starts syncing. The request runs off the goroutine so that
// deltas keep being taken from NATS meanwhile (else they would pile up in
// the subscription's channel and be dropped, and the snapshot would be
// followed by a gap at once).
type bookSync struct {
	replica  *marketdata.Replica
	pending  []*nats.Msg // deltas received while syncing, oldest first
	maxKept  int
	inflight bool       // a request goroutine is running
	replies  chan error // cap 1: its result; snap holds the reply
	snap     marketdata.Depth
	retry    *time.Timer // set while waiting to retry
	backoff  time.Duration
	minWait  time.Duration
	maxWait  time.Duration
	timeout  time.Duration
	delta    marketdata.BookDelta // decode target
	depth    marketdata.Depth     // what subscribers are given
}

func newBookSync(cfg FeedConfig) *bookSync {
	return &bookSync{replica: marketdata.NewReplica(cfg.Depth), maxKept: cfg.BufferLen, replies: make(chan error, 1),
		minWait: cfg.MinBackoff, maxWait: cfg.MaxBackoff, timeout: cfg.SnapshotTimeout}
}

// bookDelta takes one book delta from NATS.
func (t *topic) bookDelta(m *nats.Msg) {
	b := t.book
	if t.dropNext.CompareAndSwap(true, false) {
		return // InjectGap: lost on the way
	}
	if !b.replica.Synced() {
		t.keep(m)
		return
	}
	if err := b.delta.Decode(m.Data); err != nil {
		t.f.report(t.key.symbol, err) // as good as lost: the next delta gaps
		return
	}
	t.greet() // new subscribers get the book as it was before this delta
	if err := t.applyDelta(); err != nil {
		t.f.report(t.key.symbol, err)
		t.keep(m)
		t.requestSnapshot()
	}
}

// applyDelta applies b.delta and delivers it if it was new. A delta the
// replica already has (older than its snapshot) is skipped silently.
func (t *topic) applyDelta() error {
	b := t.book
	before := b.replica.Seq()
	if err := b.replica.Apply(&b.delta); err != nil {
		return err
	}
	if b.replica.Seq() != before {
		t.deliver(&b.delta)
	}
	return nil
}

// keep holds a delta for after the snapshot. Past maxKept it drops the
// older half: those are the ones the snapshot most likely covers, and if
// it does not, the replica reports a gap and the topic asks again.
func (t *topic) keep(m *nats.Msg) {
	b := t.book
	if len(b.pending) >= b.maxKept {
		n := copy(b.pending, b.pending[len(b.pending)/2:])
		clear(b.pending[n:])
		b.pending = b.pending[:n]
	}
	b.pending = append(b.pending, m)
}

// requestSnapshot starts a snapshot request unless one is running or a
// retry is already scheduled.
func (t *topic) requestSnapshot() {
	b := t.book
	if b.inflight || b.retry != nil {
		return
	}
	b.inflight = true
	t.f.wg.Add(1) // the topic goroutine holds the count above zero
	go func() {
		defer t.f.wg.Done()
		ctx, cancel := context.WithTimeout(t.ctx, b.timeout)
		defer cancel()
		// b.snap is this goroutine's until the send: the topic goroutine
		// reads it only after receiving the result.
		b.replies <- RequestSnapshot(ctx, t.f.nc, t.key.symbol, &b.snap)
	}()
}

// snapshotDone takes a request's result: on success it resets the replica,
// gives every subscriber the new book, then the deltas kept since.
func (t *topic) snapshotDone(err error) {
	b := t.book
	b.inflight = false
	if t.ctx.Err() != nil {
		return // shut down meanwhile
	}
	if err == nil {
		err = b.replica.Reset(&b.snap)
	}
	if err != nil {
		t.f.report(t.key.symbol, err)
		t.scheduleRetry()
		return
	}
	b.backoff = 0
	b.replica.Snapshot(&b.depth)
	t.deliver(&b.depth) // every subscriber, fresh or not: "replace your book"
	t.drainKept()
}

// drainKept applies the deltas kept while syncing, in arrival order.
func (t *topic) drainKept() {
	b := t.book
	for i, m := range b.pending {
		if err := b.delta.Decode(m.Data); err != nil {
			t.f.report(t.key.symbol, err)
			continue
		}
		if err := t.applyDelta(); err != nil {
			t.f.report(t.key.symbol, err)
			n := copy(b.pending, b.pending[i:])
			clear(b.pending[n:])
			b.pending = b.pending[:n]
			t.requestSnapshot()
			return
		}
	}
	clear(b.pending)
	b.pending = b.pending[:0]
}

// scheduleRetry waits before the next request: the backoff doubles from
// minWait to maxWait, and the wait is drawn from its upper half so that
// many feeds failing together do not retry together.
func (t *topic) scheduleRetry() {
	b := t.book
	b.backoff = min(max(2*b.backoff, b.minWait), b.maxWait)
	wait := b.backoff/2 + rand.N(b.backoff/2+1)
	b.retry = time.NewTimer(wait)
}
