package matching

// execute runs a taker against the book: the FOK pre-check, matching, then
// the remainder's fate by type and condition (rest, expire, or cancel).
// During an auction nothing matches: the order rests, wherever it is priced
// (only day orders are accepted then).
func (e *Engine) execute(s *symbolState, t *taker) {
	if s.phase.Auction() {
		e.rest(s, t)
		return
	}
	if t.info.tif == FOK && !e.fillable(s, t) {
		e.finish(s, t, ExecExpired, StatusExpired, ExpFOKNotFillable)
		return
	}
	stopped := e.match(s, t)
	switch {
	case t.leaves == 0:
		return
	case stopped:
		e.finish(s, t, ExecCanceled, StatusCanceled, CxlSelfMatch)
	case s.phase.Auction() && t.info.tif == Day:
		// A VI interrupted the matching: the remainder joins the auction,
		// a market order at its most aggressive price.
		if t.price == 0 {
			t.price = t.limit
		}
		e.rest(s, t)
	case t.info.typ == Market:
		e.finish(s, t, ExecCanceled, StatusCanceled, CxlNoLiquidity)
	case t.info.tif != Day:
		e.finish(s, t, ExecExpired, StatusExpired, ExpIOCRemainder)
	default:
		e.rest(s, t)
	}
}

// finish ends a taker that will not rest. LastQty carries what was taken off.
func (e *Engine) finish(s *symbolState, t *taker, et ExecType, st OrdStatus, r Reason) {
	ev := e.exec(s, t.id, t.side, t.price, 0, &t.info, et, st)
	ev.Reason, ev.LastQty = r, t.leaves
	e.release(s, t.side, &t.info, t.leaves, true)
	t.leaves = 0
}

// rest puts the remainder of a day order on the book.
func (e *Engine) rest(s *symbolState, t *taker) {
	o := s.book.Add(t.id, t.side, t.price, t.leaves, t.info)
	e.indexOpen(s, o)
	e.levelEvent(s, o.Level(), t.side)
}

// match trades the taker against resting orders in price-time priority while
// it crosses, applying self-match prevention, until a trade would trigger a
// volatility interruption (vi.go): that trade does not happen, and the
// symbol enters a VI auction. It reports whether self-match prevention
// stopped the taker. One book event is emitted per price level
// touched, when matching leaves that level.
func (e *Engine) match(s *symbolState, t *taker) (stopped bool) {
	opp := t.side.Opposite()
	if m := s.book.Head(opp); m == nil || !t.crosses(m.Price) {
		return false // most orders and moves rest at once: spare the VI band
	}
	var at Price
	touched := false
	vi := e.viBand(s)
	for t.leaves > 0 && !stopped {
		m := s.book.Head(opp)
		if m == nil || !t.crosses(m.Price) {
			break
		}
		if vi.triggers(m.Price) {
			e.startVI(s, &vi, m.Price)
			break
		}
		if touched && m.Price != at {
			e.level(s, opp, at)
		}
		at, touched = m.Price, true
		if m.Data.stpKey == t.info.stpKey {
			stopped = e.selfMatch(s, t, m)
		} else {
			e.fill(s, t, m)
		}
	}
	if touched {
		e.level(s, opp, at)
	}
	return stopped
}

// fill executes one trade between the taker and the maker m at m's price
// (KRX: trades print at the resting order's price).
func (e *Engine) fill(s *symbolState, t *taker, m *restingOrder) {
	q := min(t.leaves, m.Qty)
	px := m.Price
	value := int64(px) * int64(q)
	e.nextTradeID++
	s.last, s.traded = px, true
	e.trade(s, t, m, px, q)

	makerFees, takerFees := e.settle(s, t, m, px, q)

	m.Data.cumQty += q
	m.Data.cumValue += value
	makerLeaves := m.Qty - q
	ev := e.exec(s, m.ID, m.Side, m.Price, makerLeaves, &m.Data, ExecTrade, fillStatus(&m.Data, makerLeaves))
	ev.LastPx, ev.LastQty, ev.Liquidity, ev.TradeID = px, q, Maker, e.nextTradeID
	ev.Fee, ev.Tax = makerFees.fee, makerFees.tax

	t.info.cumQty += q
	t.info.cumValue += value
	t.leaves -= q
	ev = e.exec(s, t.id, t.side, t.price, t.leaves, &t.info, ExecTrade, fillStatus(&t.info, t.leaves))
	ev.LastPx, ev.LastQty, ev.Liquidity, ev.TradeID = px, q, Taker, e.nextTradeID
	ev.Fee, ev.Tax = takerFees.fee, takerFees.tax

	if makerLeaves == 0 {
		e.closedByFill(&m.Data)
	}
	if t.leaves == 0 {
		e.closedByFill(&t.info)
	}
	bookReduce(s, m, q) // last: m is recycled if this fills it
}

// fillable is the fill-or-kill pre-check: can the taker be filled in full
// right now, without self-match prevention or a volatility interruption
// stopping it first? Orders of the
// taker's own account count for nothing; under cancel-resting they are
// skipped (they will be canceled), under every other mode they end the walk
// (the taker would be canceled or decremented there).
func (e *Engine) fillable(s *symbolState, t *taker) bool {
	need := t.leaves
	mode := t.info.stp.resolve()
	vi := e.viBand(s)
	s.book.Orders(t.side.Opposite(), func(o *restingOrder) bool {
		if !t.crosses(o.Price) || vi.triggers(o.Price) {
			return false
		}
		if o.Data.stpKey == t.info.stpKey {
			return mode == STPCancelResting
		}
		need -= o.Qty
		return need > 0
	})
	return need <= 0
}
