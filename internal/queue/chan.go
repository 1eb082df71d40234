package queue

import (
	"runtime"
	"sync/atomic"
)

// chanClosed is the high bit of Chan.state; the bits below count pushes in
// flight.
const chanClosed = int64(1) << 62

// Chan is the channel candidate: a buffered Go channel of items. Drain does
// one blocking receive, then keeps receiving without blocking until the batch
// is full or the channel is empty, so the consumer handles a slice per wake-up
// like a channel of batches would, without producers having to batch.
//
// The channel's own lock serializes producers and the consumer; Go parks the
// consumer in the receive and the first sender wakes it. Wake and Close post
// a token on a second channel that Drain selects on.
//
// Close cannot close the item channel (a producer racing with it would panic
// on a send to a closed channel), so Push announces itself in state before
// sending, and the consumer, once it sees the closed bit, waits for the pushes
// in flight to finish before its final drain. That makes Close exact (every
// accepted item is delivered) at the price of two atomic adds on one shared
// word per Push, which the benchmark includes.
type Chan[T any] struct {
	items    chan T
	signal   chan struct{} // capacity 1: a Wake or Close token
	state    atomic.Int64  // chanClosed | pushes in flight
	woken    atomic.Bool
	maxBatch int
}

// NewChan returns a channel-backed queue holding up to capacity items and
// handing the consumer up to maxBatchLen per Drain.
func NewChan[T any](capacity, maxBatchLen int) *Chan[T] {
	checkSizes(capacity, maxBatchLen)
	return &Chan[T]{
		items:    make(chan T, capacity),
		signal:   make(chan struct{}, 1),
		maxBatch: maxBatchLen,
	}
}

// Push implements Queue.
func (q *Chan[T]) Push(v T) bool {
	// The plain load keeps refused pushes off the counter once closed, so
	// producers that keep retrying cannot hold off the consumer's final
	// drain; only pushes that passed it before Close can be in flight.
	if q.state.Load()&chanClosed != 0 {
		return false
	}
	if q.state.Add(1)&chanClosed != 0 {
		q.state.Add(-1)
		return false
	}
	ok := true
	select {
	case q.items <- v:
	default:
		ok = false
	}
	q.state.Add(-1)
	return ok
}

// Drain implements Queue.
func (q *Chan[T]) Drain(buf []T) ([]T, bool) {
	buf = buf[:0]
	for {
		if q.state.Load()&chanClosed != 0 {
			return q.final(buf)
		}
		select {
		case v := <-q.items:
			return q.more(append(buf, v)), true
		case <-q.signal:
			if q.woken.Swap(false) {
				return buf, true
			}
			// A Close token (handled at the top of the loop) or a stale one.
		}
	}
}

// more receives without blocking until the batch is full or nothing waits.
func (q *Chan[T]) more(buf []T) []T {
	for len(buf) < q.maxBatch {
		select {
		case v := <-q.items:
			buf = append(buf, v)
		default:
			return buf
		}
	}
	return buf
}

// final drains a closed queue: it waits out the pushes in flight (each is a
// few instructions from done), then returns what is left, a batch at a time.
func (q *Chan[T]) final(buf []T) ([]T, bool) {
	for q.state.Load() != chanClosed {
		runtime.Gosched()
	}
	buf = q.more(buf)
	return buf, len(buf) > 0
}

// Wake implements Queue.
func (q *Chan[T]) Wake() {
	q.woken.Store(true)
	q.post()
}

// Close implements Queue.
func (q *Chan[T]) Close() {
	q.state.Or(chanClosed)
	q.post()
}

func (q *Chan[T]) post() {
	select {
	case q.signal <- struct{}{}:
	default: // a token is already waiting
	}
}

// Len implements Queue.
func (q *Chan[T]) Len() int { return len(q.items) }

// Cap implements Queue.
func (q *Chan[T]) Cap() int { return cap(q.items) }
