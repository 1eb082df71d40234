package gateway

import (
	"sync"
	"time"
)

// sendQueue is one connection's bounded queue of encoded frames, filled by
// any goroutine (the market-data fan-out, request goroutines, the
// execution stream) and drained by the connection's writer goroutine alone.
//
// Frames are shared: the fan-out encodes a market-data message once and
// queues the same bytes to every subscriber, so nobody may modify a frame
// after queuing it. A push never blocks: this is what keeps one slow
// client from slowing the publisher or other clients. When the queue is
// full the caller decides what to do by class of message (see the package
// documentation): market data is dropped and later resynced, depth is
// conflated in slots of its own, and a private message that does not fit
// closes the connection.
//
// The bound counts frames waiting and frames the writer has taken but not
// yet written. Past it, replies and execution reports may still queue up
// to privateBytes bytes in all: one engine batch can hand an account
// thousands of fills at once (a market maker at the opening uncross), and
// a burst the client did not choose is not a slow client. Execution
// reports stop at three quarters of that, keeping room for replies; one
// that does not fit is dropped and replaced by a resync marker (see
// pushReport). A client that reads nothing holds at most limit frames plus
// privateBytes, and a marker.
type sendQueue struct {
	mu           sync.Mutex
	items        [][]byte
	depth        []depthSlot // conflated depth, at most one per symbol
	writing      int         // frames of the batch being written
	bytes        int         // bytes of items
	writingBytes int         // bytes of the batch being written, depth aside
	limit        int         // every frame
	mdLimit      int         // market data stops here
	privateBytes int         // replies and execution reports past limit stop here
	closing      *closeFrame // set once: the writer sends it and ends
	dead         bool        // the connection is gone: drop everything
	wake         chan struct{}

	// gapMarked: an executions resync marker is queued and not yet
	// written, so a report refused meanwhile is covered by it (the client
	// reads the marker, and queries, after the refusal); gapTaken: the
	// writer has taken it.
	gapMarked, gapTaken bool

	// A client that stays too slow is cut off: when market data has been
	// refused for longer than slowAfter without the queue draining to half
	// its market-data limit in between, onSlow is called (once). Dropping
	// and resyncing serves a client that falls behind for a moment; one
	// that never catches up would only hold memory and a goroutine.
	slowAfter time.Duration
	onSlow    func()
	now       func() time.Time
	fullSince time.Time // first refusal since the queue last drained; zero when draining
	cutOff    bool
}

// depthSlot is the latest depth message of one symbol not yet written.
type depthSlot struct {
	symbol string
	frame  []byte
}

// closeFrame is a close code and reason the writer sends before closing.
type closeFrame struct {
	code   int
	reason string
}

func newSendQueue(limit, privateBytes int) *sendQueue {
	return &sendQueue{limit: limit, mdLimit: limit * 3 / 4, privateBytes: privateBytes, wake: make(chan struct{}, 1)}
}

// signal wakes the writer; a pending wake-up is enough.
func (q *sendQueue) signal() {
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

func (q *sendQueue) pending() int { return len(q.items) + q.writing }

// pushMarket queues market-data frames, all or none, unless that would
// take the queue past its market-data limit. A closing or dead queue
// accepts and drops them.
func (q *sendQueue) pushMarket(frames ...[]byte) bool {
	return q.pushUpTo(q.mdLimit, frames)
}

// pushResync queues the frames that restart a dropped stream (a resync
// marker, a snapshot, the current message) only once the queue has
// drained to half its market-data limit, so that they are not dropped in
// turn and a client that stays slow is not sent a snapshot per message.
func (q *sendQueue) pushResync(frames ...[]byte) bool {
	return q.pushUpTo(q.mdLimit/2, frames)
}

func (q *sendQueue) pushUpTo(limit int, frames [][]byte) bool {
	q.mu.Lock()
	gone := q.closing != nil || q.dead
	ok := gone || q.pending()+len(frames) <= limit
	if ok && !gone {
		q.items = append(q.items, frames...)
		for _, f := range frames {
			q.bytes += len(f)
		}
	}
	slow := !ok && q.stillFull()
	q.mu.Unlock()
	if ok {
		q.signal()
	}
	if slow {
		q.onSlow()
	}
	return ok
}

// stillFull records a refusal and reports whether the client has now been
// too slow for too long (with q.mu held).
func (q *sendQueue) stillFull() bool {
	if q.onSlow == nil || q.cutOff {
		return false
	}
	now := q.now()
	if q.fullSince.IsZero() {
		q.fullSince = now
		return false
	}
	q.cutOff = now.Sub(q.fullSince) > q.slowAfter
	return q.cutOff
}

// pushDepth replaces the symbol's pending depth frame, or adds one: depth
// is conflated (latest wins), so it never counts against the limit and
// never drops.
func (q *sendQueue) pushDepth(symbol string, frame []byte) {
	q.mu.Lock()
	if q.closing == nil && !q.dead {
		q.setDepth(symbol, frame)
	}
	q.mu.Unlock()
	q.signal()
}

func (q *sendQueue) setDepth(symbol string, frame []byte) {
	for i := range q.depth {
		if q.depth[i].symbol == symbol {
			q.depth[i].frame = frame
			return
		}
	}
	q.depth = append(q.depth, depthSlot{symbol, frame})
}

// pushPrivate queues a reply or execution report. It returns false when
// the queue is full, in frames and in private bytes: the caller must then
// close the connection, since a private message is never dropped silently.
func (q *sendQueue) pushPrivate(frame []byte) bool {
	q.mu.Lock()
	ok := q.closing != nil || q.dead || q.pending() < q.limit ||
		q.bytes+q.writingBytes+len(frame) <= q.privateBytes
	if ok && q.closing == nil && !q.dead {
		q.items = append(q.items, frame)
		q.bytes += len(frame)
	}
	q.mu.Unlock()
	if ok {
		q.signal()
	}
	return ok
}

// pushReport queues an execution report. One that does not fit (past the
// frame limit, and three quarters of the private budget) is dropped: the
// first dropped since the last marker was written queues marker instead,
// past every bound (it is a few bytes), which tells the client to query
// its orders. Falling behind for a moment costs a resync, as for market
// data; a client refused for longer than slowAfter is cut off (onSlow). It
// returns whether frame was queued (or the connection is gone).
func (q *sendQueue) pushReport(frame, marker []byte) bool {
	q.mu.Lock()
	gone := q.closing != nil || q.dead
	fits := q.pending() < q.limit || q.bytes+q.writingBytes+len(frame) <= q.privateBytes-q.privateBytes/4
	switch {
	case gone:
	case fits:
		q.items = append(q.items, frame)
		q.bytes += len(frame)
	default:
		q.markGap(marker)
	}
	slow := !gone && !fits && q.stillFull()
	q.mu.Unlock()
	q.signal()
	if slow {
		q.onSlow()
	}
	return gone || fits
}

// pushGap queues an executions resync marker unless one is pending: the
// stream lost reports before it could go live.
func (q *sendQueue) pushGap(marker []byte) {
	q.mu.Lock()
	if q.closing == nil && !q.dead {
		q.markGap(marker)
	}
	q.mu.Unlock()
	q.signal()
}

func (q *sendQueue) markGap(marker []byte) {
	if !q.gapMarked {
		q.items = append(q.items, marker)
		q.bytes += len(marker)
		q.gapMarked = true
	}
}

// close asks the writer to send a close frame and end; the first call wins.
func (q *sendQueue) close(code int, reason string) {
	q.mu.Lock()
	if q.closing == nil && !q.dead {
		q.closing = &closeFrame{code, reason}
	}
	q.mu.Unlock()
	q.signal()
}

// kill marks the connection gone (the reader saw it end): the writer stops
// without a close frame.
func (q *sendQueue) kill() {
	q.mu.Lock()
	q.dead = true
	q.mu.Unlock()
	q.signal()
}

// take hands the writer everything queued, reusing batch's array. The
// frames stay counted until the next take. Depth slots come after the
// queued frames: they are the newest state anyway.
func (q *sendQueue) take(batch [][]byte) ([][]byte, *closeFrame, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	batch = append(batch[:0], q.items...)
	for i := range q.depth {
		batch = append(batch, q.depth[i].frame)
	}
	clear(q.items)
	q.items = shrink(q.items[:0])
	clear(q.depth)
	q.depth = q.depth[:0]
	q.writing = len(batch)
	q.writingBytes, q.bytes = q.bytes, 0
	q.gapTaken = q.gapMarked // a pending marker was queued, so it is in this batch
	return batch, q.closing, q.dead
}

// written tells the queue the batch from take is on the wire.
func (q *sendQueue) written() {
	q.mu.Lock()
	q.writing, q.writingBytes = 0, 0
	if q.gapTaken {
		q.gapMarked, q.gapTaken = false, false
	}
	if q.pending() <= q.mdLimit/2 {
		q.fullSince = time.Time{}
	}
	q.mu.Unlock()
}

// shrink lets a burst's large array go once it has drained, so an idle
// connection keeps little memory.
func shrink(s [][]byte) [][]byte {
	if cap(s) > 64 {
		return nil
	}
	return s
}

func (q *sendQueue) isClosing() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.closing != nil || q.dead
}
