package queue

import (
	"math/bits"
	"runtime"
	"sync/atomic"
)

// cacheLine is the padding between fields written by different goroutines.
// Lines are 64 bytes on amd64 and arm64, but Intel's spatial prefetcher pulls
// lines in pairs, so 128 keeps two hot words from interfering there too.
const cacheLine = 128

// ringClosed is the top bit of Ring.tail.
const ringClosed = uint64(1) << 63

// How the consumer waits on an empty ring: check the next slot ringSpins
// times (roughly 10-20µs), yielding the processor every ringYieldEvery
// checks so that a producer sharing it can run (GOMAXPROCS=1), then park on
// the signal channel.
const (
	ringSpins      = 4096
	ringYieldEvery = 1024
)

// Ring is the lock-free candidate: Dmitry Vyukov's bounded MPMC queue
// (1024cores.net, "Bounded MPMC queue") with the consumer side specialized to
// one goroutine.
//
// Every slot carries a sequence number that says whose turn it is. For slot
// i = pos & mask on lap pos/cap:
//
//	seq == pos        empty, a producer may claim position pos
//	seq == pos+1      full, the consumer may take position pos
//	seq == pos+cap    taken, empty again for position pos+cap (next lap)
//
// Producers claim a position by CAS on tail, write the value, then publish
// it by storing seq = pos+1. The consumer alone advances head, so it needs no
// CAS: it reads the value once seq == head+1 and hands the slot to the next
// lap by storing seq = head+cap. Producers never read head; they learn that
// the ring is full from the slot itself (seq still pos+1-cap: last lap's item
// is not taken yet).
//
// Memory ordering. Go's sync/atomic operations are sequentially consistent,
// and an atomic load that observes an atomic store synchronizes with it:
//   - value handoff: the producer writes val, then stores seq = pos+1; the
//     consumer loads seq == pos+1, then reads val. The store→load pair orders
//     the plain write of val before the plain read, so there is no data race.
//   - slot reuse: the consumer reads and clears val, then stores seq =
//     pos+cap; the producer of the next lap loads that seq before it may win
//     the CAS and write val, so the consumer's read is over before the write.
//   - exclusive claim: the CAS on tail hands each position to one producer.
//   - close: Close sets ringClosed in tail with an atomic Or. Every CAS
//     compares the whole word, so no producer claims a position after that;
//     tail&^ringClosed is then the exact end, and the consumer drains up to
//     it, waiting for producers that claimed but had not yet published.
//   - parking (Dekker's pattern): the consumer stores sleeping=true and then
//     re-checks the next slot; a producer stores seq and then loads sleeping.
//     Sequential consistency forbids both loads missing the other's store,
//     so either the consumer sees the item and does not block, or the
//     producer sees the flag and posts a token. A token nobody needed (the
//     consumer un-parked itself meanwhile) only causes one spurious wake-up.
//
// Layout: the read-only fields, tail (written by every producer), head
// (written by the consumer) and the parking flags each sit on their own
// cache-line pair, so a producer's CAS does not invalidate the consumer's
// line and vice versa.
type Ring[T any] struct {
	slots    []ringSlot[T]
	mask     uint64
	maxBatch int
	signal   chan struct{} // capacity 1: wakes the parked consumer
	_        [cacheLine]byte

	tail atomic.Uint64 // next position to claim; ringClosed once closed
	_    [cacheLine - 8]byte

	head    uint64        // next position to take; the consumer's alone
	headPub atomic.Uint64 // head as of the last Drain, for Len
	_       [cacheLine - 16]byte

	sleeping atomic.Bool // the consumer is parked, or about to park
	woken    atomic.Bool // Wake was called since the last Drain returned
	_        [cacheLine - 2]byte
}

type ringSlot[T any] struct {
	seq atomic.Uint64
	val T
}

// NewRing returns a lock-free queue holding capacity items, rounded up to a
// power of two, and handing the consumer up to maxBatchLen per Drain.
func NewRing[T any](capacity, maxBatchLen int) *Ring[T] {
	checkSizes(capacity, maxBatchLen)
	n := 1 << bits.Len(uint(capacity-1))
	q := &Ring[T]{
		slots:    make([]ringSlot[T], n),
		mask:     uint64(n - 1),
		maxBatch: maxBatchLen,
		signal:   make(chan struct{}, 1),
	}
	for i := range q.slots {
		q.slots[i].seq.Store(uint64(i))
	}
	return q
}

// Push implements Queue.
func (q *Ring[T]) Push(v T) bool {
	pos := q.tail.Load()
	for {
		if pos&ringClosed != 0 {
			return false
		}
		s := &q.slots[pos&q.mask]
		seq := s.seq.Load()
		switch {
		case seq == pos:
			if q.tail.CompareAndSwap(pos, pos+1) {
				s.val = v
				s.seq.Store(pos + 1)
				q.notify()
				return true
			}
		case seq < pos:
			return false // last lap's item is still there: full
		}
		// Another producer claimed pos first: try the new tail.
		pos = q.tail.Load()
	}
}

// notify wakes the consumer if it parked (see the Dekker note on Ring).
func (q *Ring[T]) notify() {
	if q.sleeping.Load() && q.sleeping.CompareAndSwap(true, false) {
		q.post()
	}
}

func (q *Ring[T]) post() {
	select {
	case q.signal <- struct{}{}:
	default: // a token is already waiting
	}
}

// Drain implements Queue.
func (q *Ring[T]) Drain(buf []T) ([]T, bool) {
	buf = buf[:0]
	for wait := 0; ; wait++ {
		if buf = q.take(buf); len(buf) > 0 {
			return buf, true
		}
		if q.woken.Load() && q.woken.Swap(false) {
			return buf, true
		}
		if tail := q.tail.Load(); tail&ringClosed != 0 {
			if q.head == tail&^ringClosed {
				return buf, false
			}
			runtime.Gosched() // a claimed position is about to be published
			continue
		}
		q.idle(wait)
	}
}

// take moves ready items to buf, in order, up to the batch limit.
func (q *Ring[T]) take(buf []T) []T {
	var zero T
	for len(buf) < q.maxBatch {
		s := &q.slots[q.head&q.mask]
		if s.seq.Load() != q.head+1 {
			break
		}
		buf = append(buf, s.val)
		s.val = zero // drop references so the GC can free what T points to
		s.seq.Store(q.head + q.mask + 1)
		q.head++
	}
	q.headPub.Store(q.head)
	return buf
}

// ready reports whether the next position has been published.
func (q *Ring[T]) ready() bool {
	return q.slots[q.head&q.mask].seq.Load() == q.head+1
}

// idle waits a little for the next item: spin, then park until a producer,
// Wake or Close posts a token. Parking puts the OS thread to sleep when
// nothing else is runnable, and waking it can cost milliseconds when other
// processes hold the CPUs (see doc.go), so the consumer spins first.
func (q *Ring[T]) idle(wait int) {
	if wait < ringSpins {
		if wait%ringYieldEvery == ringYieldEvery-1 {
			runtime.Gosched()
		}
		return
	}
	q.sleeping.Store(true)
	if q.ready() || q.woken.Load() || q.tail.Load()&ringClosed != 0 {
		// Un-park ourselves. If the CAS fails a producer got there first
		// and posts a token, which will cost one spurious wake-up.
		q.sleeping.CompareAndSwap(true, false)
		return
	}
	<-q.signal
}

// Wake implements Queue.
func (q *Ring[T]) Wake() {
	q.woken.Store(true)
	q.wakeConsumer()
}

// Close implements Queue.
func (q *Ring[T]) Close() {
	q.tail.Or(ringClosed)
	q.wakeConsumer()
}

// wakeConsumer posts a token if the consumer is parked. Unlike notify it
// does not clear the flag conditionally on winning: the consumer re-checks
// woken and the closed bit after setting it, so either it sees them or it
// parks and the token (posted here because the flag was set) wakes it.
func (q *Ring[T]) wakeConsumer() {
	if q.sleeping.Swap(false) {
		q.post()
	}
}

// Len implements Queue.
func (q *Ring[T]) Len() int {
	head := q.headPub.Load() // first: head never passes a tail read after it
	return int(q.tail.Load()&^ringClosed - head)
}

// Cap implements Queue.
func (q *Ring[T]) Cap() int { return len(q.slots) }
