package matching

import (
	"slices"

	"github.com/mts-krx/mts/internal/hugepage"
	"github.com/mts-krx/mts/orderbook"
)

// This file builds events. Every execution report goes through exec so that
// the Seq, TS, Cmd and order fields are filled the same way everywhere.

// exec appends an execution report for an order and returns it for the
// caller to add LastPx and the like. The pointer is valid until the next
// append to e.events.
func (e *Engine) exec(s *symbolState, id OrderID, side Side, price Price, leaves Qty, in *orderInfo, et ExecType, st OrdStatus) *Event {
	ev := e.newEvent(EvExec, s)
	ev.Cmd, ev.Account, ev.OrderID, ev.ClientOrderID = e.cur.kind, in.owner.name, id, in.clientOrderID
	ev.ExecType, ev.Status, ev.Side, ev.Type, ev.TIF = et, st, side, in.typ, in.tif
	ev.Price, ev.StopPrice, ev.Qty = price, in.stopPrice, in.qty
	ev.CumQty, ev.LeavesQty, ev.CumValue = in.cumQty, leaves, in.cumValue
	if st.closed() && in.clientOrderID != "" {
		e.recordClosed(id, side, price, in, st)
	}
	return ev
}

// recordClosed keeps a closed order's last state for its client order id,
// for order.status. The order carries the number of its entry, so this is
// one write; only an order restored from a snapshot looks it up.
func (e *Engine) recordClosed(id OrderID, side Side, price Price, in *orderInfo, st OrdStatus) {
	n := in.closed
	if n == 0 {
		ref, ok := in.owner.clientOrderIDs[in.clientOrderID]
		if !ok || ref.id != id {
			return
		}
		n = ref.closed
	}
	*in.owner.closed.at(n) = closedOrder{status: st, side: side, typ: in.typ, tif: in.tif, price: price, stopPrice: in.stopPrice,
		qty: in.qty, cumQty: in.cumQty, cumValue: in.cumValue}
}

// newEvent appends a zeroed event of the given kind for symbol s, stamped
// with the command being applied, and returns it. Filling the slice element
// in place matters on the hot path: a composite literal passed to append is
// built in a 300-byte stack temporary and then copied, and a move builds
// three events.
func (e *Engine) newEvent(kind EventKind, s *symbolState) *Event {
	ev := e.slot()
	ev.Kind, ev.Seq, ev.TS, ev.Symbol = kind, e.cur.seq, e.cur.ts, s.inst.Symbol
	return ev
}

// slot appends a zeroed event to e.events and returns it; every event is
// appended through it, which keeps e.fresh true. It clears only a slot an
// earlier command used: the rest of the array is still zero from its
// allocation. That matters in an uncross, which fills hundreds of thousands
// of slots while the GC (started by that very allocation) is marking, when
// clearing a slot that holds pointers costs a write barrier over all of it.
func (e *Engine) slot() *Event {
	n := len(e.events)
	if n == cap(e.events) {
		// A new array: a copy of the old one (all of it in use, so
		// e.fresh == n already), zero from n on.
		e.events = slices.Grow(e.events, 1)
	}
	e.events = e.events[:n+1]
	if n < e.fresh {
		e.events[n] = Event{}
	} else {
		e.fresh = n + 1
	}
	return &e.events[n]
}

// reserve makes room for n more events in one allocation. It leaves
// e.fresh alone: slices.Grow copies the old array up to its capacity, stale
// slots included, so the new one is zero only from where the old one was.
//
// An uncross of a large book reserves tens of megabytes and writes them at
// once; hugepage.Advise turns the thousands of first-touch page faults that
// would cost (about 10 µs each on a VM) into a few dozen.
func (e *Engine) reserve(n int) {
	if cap(e.events)-len(e.events) >= n {
		return
	}
	e.events = slices.Grow(e.events, n)
	hugepage.Advise(e.events)
}

// execResting reports on an order that is on the book.
func (e *Engine) execResting(s *symbolState, o *restingOrder, et ExecType) *Event {
	return e.exec(s, o.ID, o.Side, o.Price, o.Qty, &o.Data, et, openStatus(&o.Data))
}

// openStatus is the status of an order that still has quantity open.
func openStatus(in *orderInfo) OrdStatus {
	if in.cumQty > 0 {
		return StatusPartiallyFilled
	}
	return StatusNew
}

// fillStatus is the status after a fill that left leaves open.
func fillStatus(in *orderInfo, leaves Qty) OrdStatus {
	if leaves == 0 {
		return StatusFilled
	}
	return StatusPartiallyFilled
}

// reject appends a rejection of a command that names no live order: a place
// that failed validation, or an amend/cancel whose target was not found.
func (e *Engine) reject(c *Command, r Reason) *Event {
	ev := e.slot()
	*ev = Event{
		Kind: EvExec, Seq: c.Seq, TS: c.TS, Cmd: c.Kind,
		Symbol: c.Symbol, Account: c.Account, OrderID: c.OrderID, ClientOrderID: c.ClientOrderID,
		ExecType: ExecRejected, Status: StatusRejected, Reason: r,
		Side: c.Side, Type: c.Type, TIF: c.TIF, Price: c.Price, StopPrice: c.StopPrice, Qty: c.Qty,
	}
	if c.Kind != CmdPlace {
		ev.ClientOrderID = c.OrigClientOrderID
	}
	return ev
}

// level appends the new state of one price level for market data.
func (e *Engine) level(s *symbolState, side Side, price Price) {
	e.levelEvent(s, s.book.LevelAt(side, price), side)
}

// levelEvent appends l, the new state of a level of side, for market data:
// callers that already hold the level's state (the book returned it) spare
// the lookup.
func (e *Engine) levelEvent(s *symbolState, l orderbook.Level, side Side) {
	if s.phase.Auction() {
		e.markAuction(s)
	}
	ev := e.newEvent(EvBook, s)
	ev.Side, ev.Price, ev.Qty, ev.Count = side, l.Price, l.Qty, int32(l.Count)
}

// trade appends the public trade event.
func (e *Engine) trade(s *symbolState, t *taker, m *restingOrder, px Price, q Qty) {
	ev := e.newEvent(EvTrade, s)
	ev.TradeID, ev.LastPx, ev.LastQty, ev.Side = e.nextTradeID, px, q, t.side
	ev.OrderID, ev.Account, ev.MakerOrderID, ev.MakerAccount = t.id, t.info.owner.name, m.ID, m.Data.owner.name
}
