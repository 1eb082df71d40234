package matching

import (
	"unsafe"

	"github.com/mts-krx/mts/internal/hugepage"
)

// Room for the uncross. An uncross writes all its events at once into one
// array: for a 100,000-order book 186,000 events, 40 MB. Allocated at the
// uncross, that array costs the uncross its zeroing or page faults and
// starts a GC cycle whose worker then takes turns on the engine's vCPU
// (BENCHMARKS.md). So while a symbol's auction collects orders, the engine
// keeps its event array large enough for the uncross the book would make,
// growing it as the book grows, and the uncross allocates nothing. The
// cost moves to order entry during the auction, where nothing matches: now
// and then one order's Apply allocates and pre-faults a larger array, and
// the memory is held until the auction ends.
//
// The room is an estimate, not a bound: two events per resting order (an
// uncross reports three a trade, and a trade fills at least one order
// completely, so it is one trade per one to two orders), times 1.5 for
// growth. An uncross that needs more grows the array itself, as before.
// The room affects only allocation: events, state and hash are the same
// with or without it.

// roomPerOrder is the events kept per order resting in an auction book.
const roomPerOrder = 2

// makeRoom raises the room kept for symbol's auction, if it is in one, to
// cover its book with the order being placed.
func (e *Engine) makeRoom(symbol string) {
	s := e.symbol(symbol)
	if s == nil || !s.phase.Auction() {
		return
	}
	need := roomPerOrder*(s.book.Len()+1) + 64
	if need <= s.room {
		return
	}
	grow := need + need/2 - s.room
	s.room += grow
	e.room += grow
}

// freeRoom gives up the room kept for s's auction, once it is over.
func (e *Engine) freeRoom(s *symbolState) {
	e.room -= s.room
	s.room = 0
}

// growRoom replaces the (empty) event array by one of e.room events, on
// huge pages where the kernel has them, and touches each of its pages so
// that the uncross does not fault them in.
func (e *Engine) growRoom() {
	e.events, e.fresh = make([]Event, 0, e.room), 0
	hugepage.Advise(e.events)
	all := e.events[:cap(e.events)]
	const perPage = 4096 / int(unsafe.Sizeof(Event{})) // at least one event a 4 KiB page
	for i := 0; i < len(all); i += perPage {
		all[i].Seq = 0 // a write: the page is mapped now, and stays zero
	}
}
