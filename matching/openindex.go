package matching

import (
	"cmp"
	"slices"

	"github.com/mts-krx/mts/orderbook"
)

// This file keeps each account's index of its resting orders
// (accountState.open: order id → symbol, an inttable.Table, cheaper to
// update than a Go map), so that orders.open and
// order.cancelAll cost the account's own orders rather than a walk of every
// book. Without it a query on a 1,000,000-order book held the loop's
// goroutine — and so all matching — for about 0.3 s, and every client that
// subscribes to its executions asks for one. Every order enters a book
// through rest (or a snapshot load) and leaves it through bookReduce or
// bookRemove; a conditional limit's conversion at the closing auction moves
// it within its book under the same id. Stops are few and stay outside it:
// the queries walk them.
//
// An order that leaves is not deleted from the index at once but counted
// (accountState.stale): the entry is stale when its book no longer holds
// the id (ids are never reused), and readers skip it. The stale entries go
// when the account next rests an order and they outnumber its live ones, so
// each costs one probe later rather than a delete now: an auction uncross
// fills tens of thousands of orders of thousands of accounts in one
// command, and the delete, a cache miss in each account's table, was a
// fifth of its time.

// indexOpen records a new resting order of s in its account's index.
func (e *Engine) indexOpen(s *symbolState, o *restingOrder) {
	a := o.Data.owner
	if a.stale > a.open.Len()-a.stale {
		e.purgeIndex(a)
	}
	if !a.open.Insert(o.ID, s) {
		// Its stale entry: the order left and is back under its id (an
		// amend that gives it a new place).
		a.open.Put(o.ID, s)
		a.stale--
	}
}

// purgeIndex deletes a's stale index entries.
func (e *Engine) purgeIndex(a *accountState) {
	gone := e.staleIDs[:0]
	a.open.All(func(id OrderID, s *symbolState) bool {
		if s.book.Get(id) == nil {
			gone = append(gone, id)
		}
		return true
	})
	for _, id := range gone {
		a.open.Del(id)
	}
	a.stale -= len(gone)
	e.staleIDs = gone[:0]
}

// bookReduce is s.book.Reduce, counting the index entry stale when the
// order leaves.
func bookReduce(s *symbolState, o *restingOrder, q Qty) bool {
	if q == o.Qty {
		o.Data.owner.stale++
	}
	return s.book.Reduce(o, q)
}

// bookRemove is s.book.Remove, counting the index entry stale.
func bookRemove(s *symbolState, o *restingOrder) orderbook.Level {
	o.Data.owner.stale++
	return s.book.Remove(o)
}

// eachOpen calls fn for each resting order of account a in symbol s (every
// symbol when s is nil) in the index's slot order, which means nothing, so
// callers sort what they get before it can decide anything.
func (a *accountState) eachOpen(s *symbolState, fn func(*symbolState, *restingOrder)) {
	a.open.All(func(id OrderID, in *symbolState) bool {
		if s == nil || in == s {
			if o := in.book.Get(id); o != nil { // else stale: it has left
				fn(in, o)
			}
		}
		return true
	})
}

// accountIDs returns the ids of account a's resting orders in s in book
// priority order (bids, then asks, by price, then time), as a walk of the
// whole book would list them, from the index and the queues of the levels
// the account is on.
func (e *Engine) accountIDs(s *symbolState, a *accountState, dst []OrderID) []OrderID {
	type lvl struct {
		side  Side
		price Price
	}
	var levels []lvl
	a.eachOpen(s, func(_ *symbolState, o *restingOrder) { levels = append(levels, lvl{o.Side, o.Price}) })
	slices.SortFunc(levels, func(x, y lvl) int {
		if x.side != y.side {
			return cmp.Compare(x.side, y.side) // bids first
		}
		if x.side == Buy {
			return cmp.Compare(y.price, x.price)
		}
		return cmp.Compare(x.price, y.price)
	})
	levels = slices.Compact(levels)
	for _, l := range levels {
		s.book.LevelOrders(l.side, l.price, func(o *restingOrder) bool {
			if o.Data.owner == a {
				dst = append(dst, o.ID)
			}
			return true
		})
	}
	return dst
}
