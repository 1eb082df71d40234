package matching

import "slices"

// stopOrder is an accepted stop-limit order waiting for its stop price to
// trade. It is not on the book and not visible to market data.
type stopOrder struct {
	id     OrderID
	side   Side
	price  Price // the limit price it enters the book with
	leaves Qty
	info   orderInfo
}

// stopBook holds one symbol's untriggered stops in trigger order: buys by
// stop price ascending (a rising price reaches the lowest first), sells by
// stop price descending, each then by arrival. Stops are few next to resting
// orders, so sorted slices beat a tree here and keep the order obvious.
type stopBook struct {
	buys, sells []*stopOrder
}

// before reports whether a triggers before b on the same side.
func (a *stopOrder) before(b *stopOrder) bool {
	if a.info.stopPrice != b.info.stopPrice {
		if a.side == Buy {
			return a.info.stopPrice < b.info.stopPrice
		}
		return a.info.stopPrice > b.info.stopPrice
	}
	return a.id < b.id
}

func (b *stopBook) list(side Side) *[]*stopOrder {
	if side == Buy {
		return &b.buys
	}
	return &b.sells
}

func (b *stopBook) add(so *stopOrder) {
	l := b.list(so.side)
	i, _ := slices.BinarySearchFunc(*l, so, func(x, target *stopOrder) int {
		if x.before(target) {
			return -1
		}
		return 1
	})
	*l = slices.Insert(*l, i, so)
}

func (b *stopBook) get(id OrderID) *stopOrder {
	for _, l := range [2][]*stopOrder{b.buys, b.sells} {
		for _, so := range l {
			if so.id == id {
				return so
			}
		}
	}
	return nil
}

func (b *stopBook) remove(so *stopOrder) {
	l := b.list(so.side)
	if i := slices.Index(*l, so); i >= 0 {
		*l = slices.Delete(*l, i, i+1)
	}
}

// next returns the stop that the last trade price triggers first, or nil. A
// buy stop triggers when the last price is at or above its stop price, a sell
// stop when at or below. When both sides have one, the earlier order goes.
func (b *stopBook) next(last Price) *stopOrder {
	var buy, sell *stopOrder
	if len(b.buys) > 0 && last >= b.buys[0].info.stopPrice {
		buy = b.buys[0]
	}
	if len(b.sells) > 0 && last <= b.sells[0].info.stopPrice {
		sell = b.sells[0]
	}
	if buy != nil && (sell == nil || buy.id < sell.id) {
		return buy
	}
	return sell
}

// fileStop stores a new stop order; runStops triggers it at once if the last
// price is already past its stop.
func (e *Engine) fileStop(s *symbolState, t *taker) {
	s.stops.add(&stopOrder{id: t.id, side: t.side, price: t.price, leaves: t.leaves, info: t.info})
}

// runStops triggers stops one at a time until none is triggered. Each enters
// as a limit order at its own price and may trade, moving the last price and
// triggering more: a cascade, in trigger order. The check runs after a
// command's matching, against the last trade price it left.
func (e *Engine) runStops(s *symbolState) {
	for s.phase == PhaseContinuous {
		so := s.stops.next(s.last)
		if so == nil {
			return
		}
		s.stops.remove(so)
		t := taker{id: so.id, side: so.side, price: so.price, limit: so.price, leaves: so.leaves, info: so.info}
		e.exec(s, t.id, t.side, t.price, t.leaves, &t.info, ExecTriggered, StatusNew)
		e.execute(s, &t)
	}
}

// cancelStop cancels all or part of an untriggered stop, on request (r is
// ReasonNone) or by the engine.
func (e *Engine) cancelStop(s *symbolState, so *stopOrder, q Qty, r Reason) {
	if q == 0 || q > so.leaves {
		q = so.leaves
	}
	so.leaves -= q
	st := StatusCanceled
	if so.leaves > 0 {
		so.info.qty -= q
		st = StatusNew
	} else {
		s.stops.remove(so)
	}
	ev := e.exec(s, so.id, so.side, so.price, so.leaves, &so.info, ExecCanceled, st)
	ev.LastQty, ev.Reason = q, r
	e.release(s, so.side, &so.info, q, so.leaves == 0)
}
