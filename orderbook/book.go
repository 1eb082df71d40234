package orderbook

import (
	"github.com/mts-krx/mts/internal/inttable"
	"github.com/mts-krx/mts/internal/invariants"
)

// Order is one resting order. ID, Side, Price and Qty are owned by the book and
// must not be written by the caller; Data is the caller's payload (the engine
// keeps account, client order id and fill totals there) and is free to change.
type Order[T any] struct {
	ID    OrderID
	Side  Side
	Price Price
	Qty   Qty // leaves quantity: what is still on the book
	Data  T

	prev, next *Order[T]
	lvl        *level[T]
}

// Next returns the order behind o in time priority at the same price, or nil.
func (o *Order[T]) Next() *Order[T] { return o.next }

// Level returns the aggregated level o rests at: what LevelAt would return
// for its side and price, without the lookup.
func (o *Order[T]) Level() Level { return o.lvl.view() }

type level[T any] struct {
	price      Price
	qty        Qty
	count      int
	head, tail *Order[T]
	blk        *block[T] // where the side's ladder files it
	ord        int64     // and at which step
}

func (l *level[T]) view() Level { return Level{Price: l.price, Qty: l.qty, Count: l.count} }

// bookSide is one side's levels, best first, with the best level cached.
//
// The ladder orders the levels and finds one by price.
type bookSide[T any] struct {
	levels ladder[T]
	best   *level[T]
}

// key orders prices best-first: ascending keys are the side's best first.
func (s *bookSide[T]) key(p Price) Price { return s.levels.sign * p }

// Book is one instrument's order book. See the package documentation for the
// ownership rules.
type Book[T any] struct {
	bids, asks bookSide[T]
	index      inttable.Table[OrderID, Order[T]]

	freeOrders *Order[T]  // singly linked through next
	chunk      []Order[T] // orders allocated but never handed out (newOrder)
	chunkLen   int        // the size of the last chunk
	freeLevels []*level[T]
}

// New returns an empty book.
func New[T any]() *Book[T] {
	b := &Book[T]{}
	b.bids.levels.sign, b.asks.levels.sign = -1, 1
	return b
}

func (b *Book[T]) side(s Side) *bookSide[T] {
	if s == Buy {
		return &b.bids
	}
	return &b.asks
}

// Len returns the number of orders on the book.
func (b *Book[T]) Len() int { return b.index.Len() }

// Get returns the order with the given id, or nil.
func (b *Book[T]) Get(id OrderID) *Order[T] { return b.index.Get(id) }

// Add appends an order at the back of its price level and returns it. It panics
// on a duplicate id, an invalid side or a non-positive price or quantity:
// those are engine bugs, not user errors, and the engine validates before
// calling. (A positive price also keeps the negated bid keys from
// overflowing.)
func (b *Book[T]) Add(id OrderID, side Side, price Price, qty Qty, data T) *Order[T] {
	if qty <= 0 || price <= 0 || !side.Valid() {
		panic("orderbook: Add with invalid side, price or quantity")
	}
	o := b.newOrder()
	if !b.index.Insert(id, o) {
		panic("orderbook: Add with duplicate order id")
	}
	o.ID, o.Side, o.Price, o.Qty, o.Data = id, side, price, qty, data
	l := b.levelFor(side, price)
	l.push(o)
	b.check()
	return o
}

// Remove takes an order off the book (a cancel, or the last fill) and
// returns what is left at its level (zero quantity and count when the level
// went with it). The order is recycled: the caller must not use o afterwards.
func (b *Book[T]) Remove(o *Order[T]) Level {
	l := o.lvl
	if l == nil {
		panic("orderbook: Remove of an order not on this book")
	}
	// One probe that checks and deletes: this is a cache miss per order
	// on a large book, and an uncross removes tens of thousands.
	if got := b.index.Take(o.ID); got != o {
		if got != nil {
			b.index.Put(o.ID, got) // another order's id: leave the book as it was
		}
		panic("orderbook: Remove of an order not on this book")
	}
	l.unlink(o)
	left := l.view()
	if l.count == 0 {
		b.dropLevel(o.Side, l)
	}
	b.releaseOrder(o)
	b.check()
	return left
}

// Move gives a resting order a new price and quantity: it leaves its level
// and joins the back of the level at price, keeping its id and payload. It
// is Remove followed by Add of the same order, without recycling the order
// or touching the index, for an amend that reprices an order which will rest
// without trading. It returns what is left at the old level, as Remove does.
func (b *Book[T]) Move(o *Order[T], price Price, qty Qty) Level {
	l := o.lvl
	if l == nil || qty <= 0 || price <= 0 {
		panic("orderbook: Move of an order not on a book, or to a non-positive price or quantity")
	}
	l.unlink(o)
	left := l.view()
	if l.count == 0 {
		b.dropLevel(o.Side, l)
	}
	o.Price, o.Qty = price, qty
	b.levelFor(o.Side, price).push(o)
	b.check()
	return left
}

// Reduce lowers an order's quantity by qty, keeping its time priority (a
// partial cancel or a partial fill). When the quantity reaches zero the order
// is removed and recycled. It reports whether the order is still on the book.
func (b *Book[T]) Reduce(o *Order[T], qty Qty) bool {
	if qty <= 0 || qty > o.Qty || o.lvl == nil {
		panic("orderbook: Reduce by a quantity outside (0, order qty]")
	}
	if qty == o.Qty {
		b.Remove(o)
		return false
	}
	o.Qty -= qty
	o.lvl.qty -= qty
	b.check()
	return true
}

// Head returns the first order in time priority at the best price of side, or
// nil when that side is empty. Matching takes its makers from here.
func (b *Book[T]) Head(side Side) *Order[T] {
	if l := b.side(side).best; l != nil {
		return l.head
	}
	return nil
}

// Best returns the best level of side.
func (b *Book[T]) Best(side Side) (Level, bool) {
	if l := b.side(side).best; l != nil {
		return l.view(), true
	}
	return Level{}, false
}

// LevelAt returns the aggregated level at price on side; an absent level has
// zero quantity and count.
func (b *Book[T]) LevelAt(side Side, price Price) Level {
	if l := b.side(side).levels.get(price); l != nil {
		return l.view()
	}
	return Level{Price: price}
}

// Levels calls fn for each level of side, best first, until fn returns false.
func (b *Book[T]) Levels(side Side, fn func(Level) bool) {
	b.side(side).levels.scan(func(l *level[T]) bool { return fn(l.view()) })
}

// LevelOrders calls fn for each order at price on side in time priority
// until fn returns false. fn must not change the book.
func (b *Book[T]) LevelOrders(side Side, price Price, fn func(*Order[T]) bool) {
	if l := b.side(side).levels.get(price); l != nil {
		for o := l.head; o != nil && fn(o); o = o.next {
		}
	}
}

// Orders calls fn for each order of side in priority order (price, then time)
// until fn returns false. fn must not change the book.
func (b *Book[T]) Orders(side Side, fn func(*Order[T]) bool) {
	b.side(side).levels.scan(func(l *level[T]) bool {
		for o := l.head; o != nil; o = o.next {
			if !fn(o) {
				return false
			}
		}
		return true
	})
}

// Depth appends up to n levels of side, best first, to buf and returns it. A
// caller that reuses buf gets its depth without allocating.
func (b *Book[T]) Depth(side Side, n int, buf []Level) []Level {
	if n <= 0 {
		return buf
	}
	b.side(side).levels.scan(func(l *level[T]) bool {
		buf = append(buf, l.view())
		n--
		return n > 0
	})
	return buf
}

// levelFor returns the level at price on side, creating it if needed.
func (b *Book[T]) levelFor(side Side, price Price) *level[T] {
	s := b.side(side)
	if l := s.levels.get(price); l != nil {
		return l
	}
	l := b.newLevel(price)
	s.levels.insert(l)
	if s.best == nil || s.key(price) < s.key(s.best.price) {
		s.best = l
	}
	return l
}

func (b *Book[T]) dropLevel(side Side, l *level[T]) {
	s := b.side(side)
	blk := l.blk
	s.levels.remove(l)
	if s.best == l {
		s.best = s.levels.nextIn(blk)
	}
	b.freeLevels = append(b.freeLevels, l)
}

func (l *level[T]) push(o *Order[T]) {
	o.lvl = l
	o.prev = l.tail
	o.next = nil
	if l.tail != nil {
		l.tail.next = o
	} else {
		l.head = o
	}
	l.tail = o
	l.qty += o.Qty
	l.count++
}

func (l *level[T]) unlink(o *Order[T]) {
	if o.prev != nil {
		o.prev.next = o.next
	} else {
		l.head = o.next
	}
	if o.next != nil {
		o.next.prev = o.prev
	} else {
		l.tail = o.prev
	}
	l.qty -= o.Qty
	l.count--
	o.prev, o.next, o.lvl = nil, nil, nil
}

// newOrder takes an order from the free list, or else from the current
// chunk. Orders are allocated in chunks rather than one by one: a book of
// 100,000 orders is then a few hundred objects for the GC to mark, not
// 100,000, and an order's neighbours in time are its neighbours in memory.
// Chunks double from 16 orders to maxChunkOrders, so that a thin book stays
// small; a chunk of 512 fills whole 8 KiB heap pages (maxChunkOrders).
func (b *Book[T]) newOrder() *Order[T] {
	if o := b.freeOrders; o != nil {
		b.freeOrders = o.next
		o.next = nil
		return o
	}
	if len(b.chunk) == 0 {
		b.chunkLen = min(max(2*b.chunkLen, 16), maxChunkOrders)
		b.chunk = make([]Order[T], b.chunkLen)
	}
	o := &b.chunk[0]
	b.chunk = b.chunk[1:]
	return o
}

// maxChunkOrders is the largest chunk newOrder allocates: at 512 orders, a
// chunk's size is a multiple of the runtime's 8 KiB page for any order size
// that is a multiple of 16 bytes, so no page is left part-used.
const maxChunkOrders = 512

// releaseOrder puts o on the free list. Its payload stays until Add
// overwrites it: clearing it here costs a write barrier for every pointer in
// it while the GC is marking, and the path that releases most orders at once
// (an auction uncross empties much of a book) is where a GC cycle starts.
// What the payload refers to stays reachable only until o is reused.
func (b *Book[T]) releaseOrder(o *Order[T]) {
	o.next = b.freeOrders
	b.freeOrders = o
}

func (b *Book[T]) newLevel(price Price) *level[T] {
	n := len(b.freeLevels)
	if n == 0 {
		return &level[T]{price: price}
	}
	l := b.freeLevels[n-1]
	b.freeLevels = b.freeLevels[:n-1]
	*l = level[T]{price: price}
	return l
}

// check runs the whole-book walk in invariants builds.
func (b *Book[T]) check() {
	if invariants.Enabled {
		if err := b.Check(); err != nil {
			panic(err)
		}
	}
}

// LevelCount returns the number of price levels on side.
func (b *Book[T]) LevelCount(side Side) int { return b.side(side).levels.len() }
