package matching

// This file ends the trading day: the close expires what is left, and the
// day rollover (CmdNewDay) carries each symbol's closing price into the next
// day's base price and limits.

// closeSymbol is what entering PhaseClosed does after the closing uncross:
// the closing price is fixed, then every resting day order expires (bids
// then asks, each in priority order, one EvBook per level as it empties),
// then every untriggered stop (buys then sells, in trigger order). Each is
// reported ExecExpired with END_OF_DAY and LastQty the quantity that
// expired, and its holds are released.
func (e *Engine) closeSymbol(s *symbolState) {
	s.close = s.closingPrice()
	ids := e.scratch[:0]
	for _, side := range [2]Side{Buy, Sell} {
		s.book.Orders(side, func(o *restingOrder) bool {
			ids = append(ids, o.ID)
			return true
		})
	}
	for i, id := range ids {
		o := s.book.Get(id)
		side, price := o.Side, o.Price
		ev := e.exec(s, o.ID, o.Side, o.Price, 0, &o.Data, ExecExpired, StatusExpired)
		ev.Reason, ev.LastQty = ExpEndOfDay, o.Qty
		e.release(s, o.Side, &o.Data, o.Qty, true)
		bookReduce(s, o, o.Qty)
		if i == len(ids)-1 || s.book.Get(ids[i+1]).Side != side || s.book.Get(ids[i+1]).Price != price {
			e.level(s, side, price)
		}
	}
	e.scratch = ids
	for _, l := range [2][]*stopOrder{s.stops.buys, s.stops.sells} {
		for _, so := range l {
			ev := e.exec(s, so.id, so.side, so.price, 0, &so.info, ExecExpired, StatusExpired)
			ev.Reason, ev.LastQty = ExpEndOfDay, so.leaves
			e.release(s, so.side, &so.info, so.leaves, true)
		}
	}
	s.stops = stopBook{}
}

// closingPrice is the day's closing price (종가): the last trade's price.
// When nothing traded all day, KRX's quotation rule (기세) applies: a best
// bid above the base price at the close, or a best ask below it, becomes the
// closing price; else the base price stays. (At the close the book is
// uncrossed, so at most one of the two can hold.)
func (s *symbolState) closingPrice() Price {
	if s.traded {
		return s.last
	}
	if bid, ok := s.book.Best(Buy); ok && bid.Price > s.base {
		return bid.Price
	}
	if ask, ok := s.book.Best(Sell); ok && ask.Price < s.base {
		return ask.Price
	}
	return s.base
}

// newDay applies CmdNewDay, the day rollover. Symbol by symbol, in symbol
// order: a symbol not yet closed is closed first, as CmdSetPhase closed
// would (uncross, expiry); then its closing price becomes the base price,
// the daily limits are recomputed from it by KRX's formula (explicit limits
// in reference data hold for the first day only), the last price and the
// static VI reference restart from it, and the symbol enters c.Phase (closed
// when it is 0), reported by an EvMarketStatus whose Price is the new base
// price. Then the per-day tables go: every account's client order ids and
// order count, and risk's daily surveillance counts. c.Amount seeds the day's VI draws (see viDraw).
func (e *Engine) newDay(c *Command) {
	start := c.Phase
	if start == 0 {
		start = PhaseClosed
	}
	if !start.Valid() {
		e.refusePhase(c, "", RejInvalidPhase)
		return
	}
	for _, s := range e.sorted {
		e.enterPhase(s, PhaseClosed)
		s.rollover()
		s.phase = start
		if start.Auction() {
			e.markAuction(s)
		}
		e.marketStatus(s).Price = s.base
	}
	clear(e.accounts)
	if e.risk != nil {
		e.risk.NewDay() // surveillance counts per day
	}
	e.seed = uint64(c.Amount)
	e.dayStart, e.marketPhase = c.TS, start
}

// rollover starts a closed symbol's next day from its closing price.
func (s *symbolState) rollover() {
	base := s.close
	if base == 0 {
		base = s.base
	}
	s.base, s.last, s.ref = base, base, base
	s.lower, s.upper = s.inst.Tick.PriceLimits(base)
	s.close, s.viEnd, s.resume, s.traded = 0, 0, 0, false
	s.syncInstrument()
}

// syncInstrument makes the symbol's reference data (what Engine.Instrument
// returns) carry today's base price and limits once they differ from the
// file's, so that a market-data builder built from it after a restart
// agrees with the engine.
func (s *symbolState) syncInstrument() {
	if lo, hi := s.inst.Limits(); s.base == s.inst.BasePrice && lo == s.lower && hi == s.upper {
		return
	}
	s.inst.BasePrice, s.inst.LowerLimit, s.inst.UpperLimit = s.base, s.lower, s.upper
}
