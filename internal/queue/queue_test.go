package queue

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// impls builds each candidate for the table-driven tests.
var impls = []struct {
	name string
	new  func(capacity, maxBatchLen int) Queue[item]
}{
	{"chan", func(c, m int) Queue[item] { return NewChan[item](c, m) }},
	{"ring", func(c, m int) Queue[item] { return NewRing[item](c, m) }},
}

// item is what the tests and benchmarks pass: who sent it, its number in
// that producer's sequence, and when it was pushed (latency benchmark).
type item struct {
	producer int32
	n        int64
	pushedNS int64
}

// waitFor fails the test if done is not closed within a generous deadline.
func waitFor(t *testing.T, done <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatalf("%s: still blocked after 10s", what)
	}
}

func TestFIFOAndBatches(t *testing.T) {
	for _, im := range impls {
		t.Run(im.name, func(t *testing.T) {
			q := im.new(16, 4)
			for i := range 10 {
				if !q.Push(item{n: int64(i)}) {
					t.Fatalf("Push(%d) = false on a queue of %d", i, q.Cap())
				}
			}
			if got := q.Len(); got != 10 {
				t.Fatalf("Len() = %d, want 10", got)
			}
			var sizes []int
			var next int64
			buf := make([]item, 0, 4)
			for next < 10 {
				batch, ok := q.Drain(buf)
				if !ok {
					t.Fatalf("Drain: ok = false on an open queue")
				}
				sizes = append(sizes, len(batch))
				for _, it := range batch {
					if it.n != next {
						t.Fatalf("got item %d, want %d", it.n, next)
					}
					next++
				}
			}
			if got, want := fmt.Sprint(sizes), "[4 4 2]"; got != want {
				t.Errorf("batch sizes %s, want %s", got, want)
			}
		})
	}
}

func TestFullReturnsFalse(t *testing.T) {
	for _, im := range impls {
		t.Run(im.name, func(t *testing.T) {
			q := im.new(8, 8)
			for i := range q.Cap() {
				if !q.Push(item{n: int64(i)}) {
					t.Fatalf("Push(%d) = false before the queue of %d was full", i, q.Cap())
				}
			}
			if q.Push(item{n: -1}) {
				t.Fatalf("Push on a full queue of %d = true, want false", q.Cap())
			}
			if _, ok := q.Drain(nil); !ok {
				t.Fatal("Drain: ok = false on an open queue")
			}
			if !q.Push(item{n: 99}) {
				t.Fatal("Push after a Drain freed space = false, want true")
			}
		})
	}
}

func TestCloseWakesConsumer(t *testing.T) {
	for _, im := range impls {
		t.Run(im.name, func(t *testing.T) {
			q := im.new(8, 8)
			done := make(chan struct{})
			var ok atomic.Bool
			ok.Store(true)
			go func() {
				defer close(done)
				for {
					batch, more := q.Drain(nil)
					if !more {
						ok.Store(len(batch) == 0)
						return
					}
				}
			}()
			parked(q)
			q.Close()
			waitFor(t, done, "Drain after Close")
			if !ok.Load() {
				t.Error("the final Drain returned items with ok = false")
			}
			if q.Push(item{}) {
				t.Error("Push after Close = true, want false")
			}
		})
	}
}

func TestWakeReturnsEmptyBatch(t *testing.T) {
	for _, im := range impls {
		t.Run(im.name, func(t *testing.T) {
			q := im.new(8, 8)
			done := make(chan struct{})
			var n atomic.Int64
			n.Store(-1)
			go func() {
				defer close(done)
				batch, ok := q.Drain(nil)
				if ok {
					n.Store(int64(len(batch)))
				}
			}()
			parked(q)
			q.Wake()
			waitFor(t, done, "Drain after Wake")
			if got := n.Load(); got != 0 {
				t.Errorf("Drain after Wake returned %d items (-1: ok = false), want an empty batch", got)
			}
		})
	}
}

// parked gives the consumer the chance to block before the test acts. Both
// orders are correct; this makes the interesting one (waking a parked
// consumer) the likely one. For the ring it waits until the consumer has
// announced that it parks.
func parked(q Queue[item]) {
	if r, ok := q.(*Ring[item]); ok {
		for !r.sleeping.Load() {
			runtime.Gosched()
		}
		return
	}
	for range 100 {
		runtime.Gosched()
	}
}

// stressItems is the total pushed by TestStress: a million normally, fewer
// under the race detector, which slows atomics by an order of magnitude.
func stressItems() int {
	if raceEnabled {
		return 200_000
	}
	return 1_000_000
}

// TestStress runs producers against one consumer through a small queue, so
// that it is full and empty many times, and checks that every item arrives
// exactly once and in each producer's order.
func TestStress(t *testing.T) {
	for _, im := range impls {
		for _, producers := range []int{4, 8} {
			t.Run(fmt.Sprintf("%s/producers=%d", im.name, producers), func(t *testing.T) {
				stress(t, im.new(64, 16), producers, stressItems()/producers)
			})
		}
	}
}

func stress(t *testing.T, q Queue[item], producers, perProducer int) {
	var wg sync.WaitGroup
	for p := range producers {
		wg.Go(func() {
			for n := range perProducer {
				for !q.Push(item{producer: int32(p), n: int64(n)}) {
					runtime.Gosched()
				}
			}
		})
	}
	go func() { wg.Wait(); q.Close() }()

	next := make([]int64, producers)
	var buf []item
	for {
		batch, ok := q.Drain(buf)
		if !ok {
			break
		}
		for _, it := range batch {
			if it.n != next[it.producer] {
				t.Fatalf("producer %d: got item %d, want %d", it.producer, it.n, next[it.producer])
			}
			next[it.producer]++
		}
		buf = batch
	}
	for p, n := range next {
		if n != int64(perProducer) {
			t.Errorf("producer %d: received %d items, want %d", p, n, perProducer)
		}
	}
}

// TestCloseRacingPushes closes the queue while producers push into it: every
// Push that returned true must be delivered, none twice. The consumer closes
// it itself, after a number of items that varies by round.
func TestCloseRacingPushes(t *testing.T) {
	for _, im := range impls {
		t.Run(im.name, func(t *testing.T) {
			for round := range 20 {
				q := im.new(1024, 64)
				var accepted atomic.Int64
				var closing atomic.Bool
				var wg sync.WaitGroup
				for p := range 4 {
					wg.Go(func() {
						for n := 0; ; n++ {
							if q.Push(item{producer: int32(p), n: int64(n)}) {
								accepted.Add(1)
							} else if closing.Load() {
								return
							} else {
								runtime.Gosched()
							}
						}
					})
				}
				var received int64
				closeAt := int64(100 + 500*round)
				for {
					batch, ok := q.Drain(nil)
					if !ok {
						break
					}
					if received += int64(len(batch)); received >= closeAt {
						closing.Store(true)
						q.Close() // again and again until drained: idempotent
					}
				}
				wg.Wait()
				if received != accepted.Load() {
					t.Fatalf("round %d: received %d items, Push accepted %d", round, received, accepted.Load())
				}
			}
		})
	}
}

func TestRingRoundsCapacityUp(t *testing.T) {
	for _, tc := range []struct{ in, want int }{{1, 1}, {2, 2}, {3, 4}, {1000, 1024}, {1024, 1024}} {
		if got := NewRing[int](tc.in, 1).Cap(); got != tc.want {
			t.Errorf("NewRing(%d).Cap() = %d, want %d", tc.in, got, tc.want)
		}
	}
}
