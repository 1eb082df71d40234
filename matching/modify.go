package matching

// target finds the open order an amend or cancel names, by order id or else by
// the account's client order id. An order of another account is reported as
// unknown, never as someone else's: an account learns nothing about orders it
// does not own. The order is either on the book (o) or an untriggered stop
// (so). ref is the order id the request resolved to, when it resolved to one
// this account owns (it is echoed on rejections).
func (e *Engine) target(c *Command) (s *symbolState, o *restingOrder, so *stopOrder, ref OrderID, r Reason) {
	if r := validateIdentity(c); r != ReasonNone {
		return nil, nil, nil, 0, r
	}
	if s = e.symbol(c.Symbol); s == nil {
		return nil, nil, nil, 0, RejUnknownSymbol
	}
	if s.phase == PhaseClosed {
		return s, nil, nil, 0, RejMarketClosed
	}
	id, known := c.OrderID, false
	if id == 0 {
		a := e.accounts[c.Account]
		if a == nil || c.OrigClientOrderID == "" {
			return s, nil, nil, 0, RejUnknownOrder
		}
		rf, ok := a.clientOrderIDs[c.OrigClientOrderID]
		if !ok || rf.symbol != s.inst.Symbol {
			return s, nil, nil, 0, RejUnknownOrder
		}
		id, known = rf.id, true
	}
	if o = s.book.Get(id); o != nil && o.Data.owner.name == c.Account {
		return s, o, nil, id, ReasonNone
	}
	if so = s.stops.get(id); so != nil && so.info.owner.name == c.Account {
		return s, nil, so, id, ReasonNone
	}
	if known {
		return s, nil, nil, id, RejOrderNotOpen
	}
	return s, nil, nil, 0, RejUnknownOrder
}

// rejectRequest refuses an amend or cancel. When the order is open the report
// carries its current state (FIX's cancel-reject: the order lives on).
func (e *Engine) rejectRequest(c *Command, s *symbolState, o *restingOrder, so *stopOrder, ref OrderID, r Reason) {
	var ev *Event
	switch {
	case o != nil:
		ev = e.execResting(s, o, ExecRejected)
	case so != nil:
		ev = e.exec(s, so.id, so.side, so.price, so.leaves, &so.info, ExecRejected, StatusNew)
	default:
		ev = e.reject(c, r)
		if ref != 0 {
			ev.OrderID = ref
		}
	}
	ev.Reason = r
}

// amend changes an open order's price and/or lowers its quantity (정정).
// Qty is the new total order quantity (FIX OrderQty), which must stay above
// what has filled and may never go up. A lower quantity at the same price
// keeps time priority; a new price loses it and the order re-enters, trading
// first if it now crosses.
func (e *Engine) amend(c *Command) {
	s, o, so, ref, r := e.target(c)
	if r == ReasonNone && s.phase == PhaseHalted {
		r = RejSymbolHalted
	}
	if r == ReasonNone && so != nil {
		r = RejNotAmendable
	}
	var price Price
	var qty Qty
	if r == ReasonNone {
		price, qty, r = s.amendTo(c, o)
	}
	if r == ReasonNone {
		r = e.riskAmend(s, o, price, qty)
	}
	if r != ReasonNone {
		e.rejectRequest(c, s, o, so, ref, r)
		return
	}
	if price == o.Price {
		e.amendQty(s, o, qty)
		return
	}
	e.reprice(s, o, price, qty)
	e.runStops(s)
}

// amendTo validates an amend against the live order and returns the order's
// new price and quantity.
func (s *symbolState) amendTo(c *Command, o *restingOrder) (Price, Qty, Reason) {
	price, qty := c.Price, c.Qty
	if price == 0 {
		price = o.Price
	} else if o.Data.typ == Market {
		return 0, 0, RejInvalidPrice // a market order resting in an auction has no price to change
	} else if r := s.checkPrice(price); r != ReasonNone {
		return 0, 0, r
	}
	if qty == 0 {
		qty = o.Data.qty
	}
	switch {
	case qty > o.Data.qty || qty <= o.Data.cumQty:
		return 0, 0, RejAmendQtyIncrease
	case price == o.Price && qty == o.Data.qty:
		return 0, 0, RejAmendNoChange
	}
	return price, qty, ReasonNone
}

// amendQty lowers the quantity in place, keeping time priority.
func (e *Engine) amendQty(s *symbolState, o *restingOrder, qty Qty) {
	cut := o.Data.qty - qty
	o.Data.qty = qty
	e.exec(s, o.ID, o.Side, o.Price, o.Qty-cut, &o.Data, ExecReplaced, openStatus(&o.Data))
	e.release(s, o.Side, &o.Data, cut, false)
	bookReduce(s, o, cut) // o stays: the new quantity is above what filled
	e.levelEvent(s, o.Level(), o.Side)
}

// reprice moves an order to a new price: it leaves its level, is reported as
// replaced, and re-enters as a taker with the same id.
func (e *Engine) reprice(s *symbolState, o *restingOrder, price Price, qty Qty) {
	if cut := o.Data.qty - qty; cut > 0 {
		e.release(s, o.Side, &o.Data, cut, false)
	}
	perShare := o.Data.perShare
	if e.risk != nil && o.Side == Buy && o.Data.typ != ConditionalLimit {
		perShare = e.risk.PerShare(Buy, price)
	}
	if s.restsAt(o, price) {
		e.move(s, o, price, qty, perShare)
		return
	}
	t := taker{id: o.ID, side: o.Side, price: price, limit: price, info: o.Data}
	t.info.qty, t.info.perShare = qty, perShare
	t.leaves = qty - t.info.cumQty
	left := bookRemove(s, o)
	e.exec(s, t.id, t.side, t.price, t.leaves, &t.info, ExecReplaced, openStatus(&t.info))
	e.levelEvent(s, left, t.side)
	e.execute(s, &t)
}

// restsAt reports whether resting order o, repriced to price, would rest
// there at once without trading: during an auction, or in continuous
// trading when it does not reach the best opposite order. (A resting order
// is a day order, and never a market order, whose price an amend cannot
// change; the checks say so in case that ever changes.)
func (s *symbolState) restsAt(o *restingOrder, price Price) bool {
	if o.Data.tif != Day || o.Data.typ == Market {
		return false
	}
	if s.phase.Auction() {
		return true
	}
	t := taker{side: o.Side, limit: price}
	m := s.book.Head(o.Side.Opposite())
	return s.phase == PhaseContinuous && (m == nil || !t.crosses(m.Price))
}

// move is reprice for an order that rests at its new price without
// trading, most amends: the book moves the order itself, so nothing is
// copied out and back and the order index is not touched. The events are
// the ones reprice would produce: replaced, the old level, the new level.
func (e *Engine) move(s *symbolState, o *restingOrder, price Price, qty Qty, perShare int64) {
	o.Data.qty, o.Data.perShare = qty, perShare
	left := s.book.Move(o, price, qty-o.Data.cumQty)
	e.execResting(s, o, ExecReplaced)
	e.levelEvent(s, left, o.Side)
	e.levelEvent(s, o.Level(), o.Side)
}

// cancel cancels all of an open order, or part of it (일부취소) when Qty is
// below what is left; a partial cancel keeps time priority.
func (e *Engine) cancel(c *Command) {
	s, o, so, ref, r := e.target(c)
	if r == ReasonNone && c.Qty < 0 {
		r = RejInvalidQty
	}
	if r != ReasonNone {
		e.rejectRequest(c, s, o, so, ref, r)
		return
	}
	if so != nil {
		e.cancelStop(s, so, c.Qty, ReasonNone)
		return
	}
	q := c.Qty
	if q == 0 || q > o.Qty {
		q = o.Qty
	}
	side, price := o.Side, o.Price
	account, acct, entryTS, filled := o.Data.owner.name, o.Data.acct, o.Data.entryTS, o.Data.cumQty > 0
	e.cancelResting(s, o, q, ReasonNone)
	e.level(s, side, price)
	e.checkLayering(s, account, acct, entryTS, filled)
}
