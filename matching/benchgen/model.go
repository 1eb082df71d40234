package benchgen

import "github.com/mts-krx/mts/matching"

// book is the generator's model of the engine's book for one instrument: the
// same price-time priority, trades at the resting order's price, IOC
// remainders expire, a repriced order leaves its level and re-enters at the
// back of the new one (trading first if it crosses). With this model the
// generator knows exactly which orders rest and with what quantity, so it
// never cancels or amends an order the engine has already filled.
//
// Prices are ladder indices. Levels are arrays indexed by ladder position
// (a ladder has at most a few tens of thousands of prices), and each level is
// an intrusive doubly linked FIFO through the orders, so every operation is
// O(1) except finding the next best level after the best one empties, which
// scans the (short) gap to the next occupied price. In the deep book the
// model holds a million orders in under 100 MB.
type book struct {
	orders   []order            // by OrderID; orders[0] is unused
	levels   [2][]level         // by side index, then ladder index
	best     [2]int32           // best ladder index per side; -1 when empty
	count    [2]int             // resting orders per side
	occupied [2]int             // non-empty levels per side
	resting  []matching.OrderID // every resting order, unordered
	// The pick window: the windowLen oldest resting orders, unordered (see
	// refill), from which cancels and moves choose.
	window    []matching.OrderID
	windowLen int
	byAge     []matching.OrderID // ids that ever rested, ascending; [aged:] not yet in the window
	aged      int
}

// order is what the model keeps of one order. OrderIDs are predicted the way
// the engine assigns them: densely from 1, one per accepted place, and the
// generator only writes places the engine accepts.
type order struct {
	acct       int32
	side       matching.Side
	idx        int32        // the ladder index it rests at, or its limit while taking
	qty        matching.Qty // what is left
	prev, next matching.OrderID
	slot       int32 // position in book.resting; -1 when not resting
	win        int32 // position in book.window; -1 when not in it
	aged       bool  // appended to book.byAge
}

// level is one price's FIFO queue.
type level struct {
	head, tail matching.OrderID
	n          int32
}

func sideIndex(s matching.Side) int { return int(s) - 1 }

func newBook(prices, windowLen int) *book {
	b := &book{orders: make([]order, 1), best: [2]int32{-1, -1}, windowLen: windowLen}
	for i := range b.levels {
		b.levels[i] = make([]level, prices)
	}
	return b
}

// better reports whether ladder index a is a better price than b for side s.
func better(s matching.Side, a, b int32) bool {
	if s == matching.Buy {
		return a > b
	}
	return a < b
}

// crosses reports whether a taker on side s limited at limit may trade with a
// resting order at idx.
func crosses(s matching.Side, limit, idx int32) bool {
	if s == matching.Buy {
		return idx <= limit
	}
	return idx >= limit
}

// worse returns the step from a side's best price towards its worse prices.
func worse(s matching.Side) int32 {
	if s == matching.Buy {
		return -1
	}
	return 1
}

// add records a new order, not yet resting, and returns its id.
func (b *book) add(acct int32, side matching.Side, idx int32, qty matching.Qty) matching.OrderID {
	b.orders = append(b.orders, order{acct: acct, side: side, idx: idx, qty: qty, slot: -1, win: -1})
	return matching.OrderID(len(b.orders) - 1)
}

// rest puts order id at the back of the queue at its price.
func (b *book) rest(id matching.OrderID) {
	o := &b.orders[id]
	si := sideIndex(o.side)
	l := &b.levels[si][o.idx]
	o.prev, o.next = l.tail, 0
	if l.tail != 0 {
		b.orders[l.tail].next = id
	} else {
		l.head = id
		b.occupied[si]++
	}
	l.tail = id
	l.n++
	if b.best[si] < 0 || better(o.side, o.idx, b.best[si]) {
		b.best[si] = o.idx
	}
	b.count[si]++
	o.slot = int32(len(b.resting))
	b.resting = append(b.resting, id)
	if !o.aged {
		o.aged = true
		b.byAge = append(b.byAge, id)
	}
	b.refill()
}

// unrest takes order id off the book: filled, canceled, or being repriced.
func (b *book) unrest(id matching.OrderID) {
	o := &b.orders[id]
	si := sideIndex(o.side)
	l := &b.levels[si][o.idx]
	if o.prev != 0 {
		b.orders[o.prev].next = o.next
	} else {
		l.head = o.next
	}
	if o.next != 0 {
		b.orders[o.next].prev = o.prev
	} else {
		l.tail = o.prev
	}
	o.prev, o.next = 0, 0
	l.n--
	b.count[si]--
	if l.n == 0 {
		b.occupied[si]--
		if b.best[si] == o.idx {
			b.best[si] = b.nextLevel(o.side, o.idx, -1)
		}
	}
	last := b.resting[len(b.resting)-1]
	b.resting[o.slot] = last
	b.orders[last].slot = o.slot
	b.resting = b.resting[:len(b.resting)-1]
	o.slot = -1
}

// retire forgets order id for good: it was filled, canceled or expired. An
// order that is only being repriced is unrested and rested again but not
// retired, so it keeps its place in the pick window.
func (b *book) retire(id matching.OrderID) {
	o := &b.orders[id]
	if o.win >= 0 {
		last := b.window[len(b.window)-1]
		b.window[o.win] = last
		b.orders[last].win = o.win
		b.window = b.window[:len(b.window)-1]
		o.win = -1
	}
	b.refill()
}

// refill tops the pick window up with the next oldest resting orders, so
// that it holds the windowLen resting orders with the lowest ids (fewer when
// fewer rest). Ids grow with arrival, so byAge is in age order; an order keeps
// its age when it is repriced, as in exchange-core's LinkedHashMap, where
// re-putting a key keeps its place.
func (b *book) refill() {
	for len(b.window) < b.windowLen && b.aged < len(b.byAge) {
		id := b.byAge[b.aged]
		b.aged++
		if o := &b.orders[id]; o.slot >= 0 && o.win < 0 {
			o.win = int32(len(b.window))
			b.window = append(b.window, id)
		}
	}
}

// nextLevel returns the first occupied level of side s strictly worse than
// idx, or -1. A limit >= 0 stops the scan at the first index a taker limited
// there could not reach (the caller passes the taker's limit).
func (b *book) nextLevel(s matching.Side, idx, limit int32) int32 {
	si := sideIndex(s)
	if b.count[si] == 0 {
		return -1
	}
	step, levels := worse(s), b.levels[si]
	for i := idx + step; i >= 0 && int(i) < len(levels); i += step {
		if limit >= 0 && !crosses(s.Opposite(), limit, i) {
			return -1
		}
		if levels[i].n > 0 {
			return i
		}
	}
	return -1
}

// meetsOwn reports whether a taker of account acct on side s, limited at
// limit, for qty, would reach one of the account's own resting orders before
// it is done. The generator never writes such a command: how the engine
// prevents the self-match (cancel incoming, resting, both, decrement) is then
// irrelevant to the model.
func (b *book) meetsOwn(acct int32, s matching.Side, limit int32, qty matching.Qty) bool {
	opp := s.Opposite()
	for idx := b.best[sideIndex(opp)]; idx >= 0 && crosses(s, limit, idx); idx = b.nextLevel(opp, idx, limit) {
		for id := b.levels[sideIndex(opp)][idx].head; id != 0; id = b.orders[id].next {
			m := &b.orders[id]
			if m.acct == acct {
				return true
			}
			if qty -= m.qty; qty <= 0 {
				return false
			}
		}
	}
	return false
}

// fill is one trade as the model sees it.
type fill struct {
	idx int32        // the maker's price: where the trade prints
	qty matching.Qty // shares traded
}

// take matches order id, which is not resting, against the opposite side in
// price-time priority up to its limit (its idx). It appends the trades to
// fills and returns them.
func (b *book) take(id matching.OrderID, fills []fill) []fill {
	t := &b.orders[id]
	opp := t.side.Opposite()
	oi := sideIndex(opp)
	for t.qty > 0 {
		idx := b.best[oi]
		if idx < 0 || !crosses(t.side, t.idx, idx) {
			break
		}
		mid := b.levels[oi][idx].head
		m := &b.orders[mid]
		q := min(t.qty, m.qty)
		t.qty -= q
		m.qty -= q
		fills = append(fills, fill{idx: idx, qty: q})
		if m.qty == 0 {
			b.unrest(mid)
			b.retire(mid)
		}
	}
	return fills
}

// levelCount returns the number of occupied levels on both sides.
func (b *book) levelCount() int { return b.occupied[0] + b.occupied[1] }

// restingCount returns the number of resting orders on both sides.
func (b *book) restingCount() int { return b.count[0] + b.count[1] }
