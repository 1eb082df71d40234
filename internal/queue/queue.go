package queue

import "fmt"

// Queue is a bounded multi-producer, single-consumer hand-off. Chan and Ring
// implement it; see the package documentation for the contract.
type Queue[T any] interface {
	// Push offers v without blocking. It returns false when the queue is
	// full or closed; the caller rejects the command (BUSY). Any number of
	// goroutines may call Push concurrently.
	Push(v T) bool
	// Drain appends up to MaxBatchLen items to buf[:0] and returns it. It
	// blocks while the queue is empty, until an item arrives, Wake is called
	// (the batch may then be empty) or the queue is closed. ok is false once
	// the queue is closed and every item a Push accepted has been returned.
	// Only one goroutine, the consumer, may call Drain.
	Drain(buf []T) (batch []T, ok bool)
	// Wake makes the consumer's current or next Drain return even if the
	// queue is empty: a timer or a control message uses it to get the loop's
	// attention.
	Wake()
	// Close refuses further pushes and wakes the consumer, which still
	// receives every item accepted before Close returned.
	Close()
	// Len is the number of items waiting (approximate while others run).
	Len() int
	// Cap is the capacity: Push fails when Len would exceed it.
	Cap() int
}

var (
	_ Queue[int] = (*Chan[int])(nil)
	_ Queue[int] = (*Ring[int])(nil)
)

func checkSizes(capacity, maxBatchLen int) {
	if capacity <= 0 || maxBatchLen <= 0 {
		panic(fmt.Sprintf("queue: capacity %d and maxBatchLen %d must be positive", capacity, maxBatchLen))
	}
}
