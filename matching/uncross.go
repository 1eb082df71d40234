package matching

import (
	"slices"

	"github.com/mts-krx/mts/orderbook"
)

// This file runs a symbol's single-price auctions inside the engine: the
// book collects orders without matching while the symbol is in an auction
// phase (and may be crossed then, and only then), the public sees the
// indicative price after every change, and when the phase ends the engine
// uncrosses the book with Uncross (auction.go) and reports the result as
// ordinary fills.

// participants lists the symbol's resting orders that can trade at price px
// in an uncross (bids at bidFloor or above, asks at askCeil or below: px
// for both) into the cache's
// orders, with their book orders in refs: bids then asks, each in priority
// order, Seq being the position in that walk (so that within one price,
// time priority is the book's queue order). The rest of the book cannot
// trade and is not walked. A market order takes part as a market order
// (Price 0), at the most aggressive price; on the book it rests at the
// daily limit, the best level, so it is always listed.
func (e *Engine) participants(s *symbolState, bidFloor, askCeil Price) (orders []AuctionOrder, refs []*restingOrder) {
	c := &s.ind
	// At most every order on the book takes part: one allocation of that
	// size rather than a series of doublings on a large book.
	refs = slices.Grow(c.refs[:0], s.book.Len())
	refs = s.book.AppendOrders(refs, Buy, func(p Price) bool { return p >= bidFloor })
	refs = s.book.AppendOrders(refs, Sell, func(p Price) bool { return p <= askCeil })
	orders = slices.Grow(c.orders[:0], len(refs))
	for i, o := range refs {
		p := o.Price
		if o.Data.typ == Market {
			p = 0
		}
		orders = append(orders, AuctionOrder{ID: o.ID, Side: o.Side, Price: p, Qty: o.Qty, Seq: uint64(i)})
	}
	c.orders, c.refs = orders, refs
	return orders, refs
}

// auctionLevels lists the symbol's price levels as one order each: all the
// indicative price needs, at a cost in levels rather than orders, so that a
// 100,000-order opening auction does not walk 100,000 orders per command.
// (A market order rests at the daily limit, which is where Uncross ranks
// it, so its level is exact.)
func (e *Engine) auctionLevels(s *symbolState) []AuctionOrder {
	orders := e.auction[:0]
	for _, side := range [2]Side{Buy, Sell} {
		s.book.Levels(side, func(l orderbook.Level) bool {
			orders = append(orders, AuctionOrder{Side: side, Price: l.Price, Qty: l.Qty, Seq: uint64(len(orders))})
			return true
		})
	}
	e.auction = orders
	return orders
}

// markAuction notes that an auction book changed in this command, so that
// Apply ends it with the symbol's EvAuction.
func (e *Engine) markAuction(s *symbolState) {
	if !s.dirty && s.phase.Auction() {
		s.dirty = true
		e.dirty = append(e.dirty, s)
	}
}

// publishIndicative appends one EvAuction for each auction book the command
// changed, in the order the command first changed them: the price and volume
// an uncross would give now (KRX publishes the expected price, not trades,
// during an auction).
func (e *Engine) publishIndicative() {
	for _, s := range e.dirty {
		s.dirty = false
		if !s.phase.Auction() {
			continue // the command ended the auction: its uncross said it all
		}
		px, vol := s.ind.indicative(e.auctionLevels(s), s.last, s.inst.Tick, s.lower, s.upper)
		*e.slot() = Event{
			Kind: EvAuction, Seq: e.cur.seq, TS: e.cur.ts, Symbol: s.inst.Symbol, Phase: s.phase, Price: px, Qty: vol,
		}
	}
	clear(e.dirty)
	e.dirty = e.dirty[:0]
}

// uncrossBook runs the single-price auction over the symbol's book and
// returns the auction price (0 when nothing traded). The previous price is
// the last price (the base price before the day's first trade). With
// limitRounds (the uncross that sets the opening price) the short side at
// a daily limit is allocated in KRX's rounds; otherwise it keeps time
// priority there.
//
// It is Uncross (auction.go) in two steps, so that a large book costs a
// walk of its levels plus a walk of the orders that trade: the price and
// volume come from the levels, as the indicative price does, then only the
// participants are allocated. The result is Uncross's over the whole book
// (uncross_test.go checks it against Uncross).
//
// Each fill becomes a trade at the auction price, reported as a continuous
// trade is (EvTrade, then the maker's and the taker's ExecTrade) and settled
// the same way. An auction has no aggressor: the order entered later (higher
// order id) is reported as the taker. Self-match prevention does not apply
// inside the uncross (the allocation is KRX's, not the engine's to change);
// a trade between orders of one account or group raises a self_match alert
// first, for surveillance. After the trades, one EvBook for each level that
// traded, bids then asks in priority order; then each market order's
// remainder is canceled (NO_LIQUIDITY): nothing is left within the limits
// for it to trade with, and it may not rest.
func (e *Engine) uncrossBook(s *symbolState, limitRounds bool) Price {
	b := s.ind.load(e.auctionLevels(s), s.inst.Tick, s.lower, s.upper)
	lvl, vol := b.choose(s.last)
	if vol == 0 {
		// Only market orders can need anything (a cancel): they rest at
		// the limits.
		orders, _ := e.participants(s, s.upper, s.lower)
		e.cancelMarketOrders(s, orders)
		return 0
	}
	px := b.grid[lvl]
	orders, refs := e.participants(s, px, px)
	filled := resizeQty(s.ind.filled, len(orders))
	s.ind.filled = filled
	atLimit := limitRounds && (lvl == 0 || lvl == len(b.grid)-1)
	buys, sells := b.allocateAt(orders, lvl, vol, atLimit, 1, filled)
	// Three events a trade and one a traded level, counted exactly: one
	// allocation of the right size here rather than a dozen doublings of a
	// large slice (an overestimate costs as much: zeroed pages the GC scans).
	// A self-match alert (auctionFill) is one more event for its trade.
	n := 0
	pairAuctionFills(buys, sells, filled, func(buy, sell auctionKey, _ Qty) {
		n += 3
		if refs[buy.i].Data.stpKey == refs[sell.i].Data.stpKey {
			n++
		}
	})
	e.reserve(n + tradedLevels(e, s, orders, filled) + afterUncross(orders))
	pairAuctionFills(buys, sells, filled, func(buy, sell auctionKey, q Qty) {
		e.auctionFill(s, refs[buy.i], refs[sell.i], px, q)
	})
	forTradedLevels(e, s, orders, filled, func(side Side, at Price) { e.level(s, side, at) })
	s.ref = px
	e.cancelMarketOrders(s, orders)
	return px
}

// forTradedLevels calls fn for each book level (side, price) in which an
// order of orders traded, in the orders' bids-then-asks priority order.
func forTradedLevels(e *Engine, s *symbolState, orders []AuctionOrder, filled []Qty, fn func(Side, Price)) {
	var side Side
	var at Price
	for i := range orders {
		if o := &orders[i]; filled[i] > 0 {
			p := e.restingPrice(s, o)
			if o.Side != side || p != at {
				side, at = o.Side, p
				fn(side, at)
			}
		}
	}
}

// afterUncross bounds the events that follow an uncross's trades and book
// levels: a cancel and a book event for each market order, and a few
// status events. Short of room, the next event would double the slice.
func afterUncross(orders []AuctionOrder) int {
	n := 16
	for i := range orders {
		if orders[i].Price == 0 {
			n += 2
		}
	}
	return n
}

// tradedLevels counts the levels forTradedLevels visits.
func tradedLevels(e *Engine, s *symbolState, orders []AuctionOrder, filled []Qty) int {
	n := 0
	forTradedLevels(e, s, orders, filled, func(Side, Price) { n++ })
	return n
}

// resizeQty returns buf resized to n zeroed elements, reusing its array when
// it is large enough.
func resizeQty(buf []Qty, n int) []Qty {
	if cap(buf) < n {
		return make([]Qty, n)
	}
	buf = buf[:n]
	clear(buf)
	return buf
}

// restingPrice is the book price of an auction order: a market order rests
// at the daily limit.
func (e *Engine) restingPrice(s *symbolState, o *AuctionOrder) Price {
	switch {
	case o.Price != 0:
		return o.Price
	case o.Side == Buy:
		return s.upper
	}
	return s.lower
}

// auctionFill executes one trade of an uncross: buy bought q from sell at
// the auction price px.
func (e *Engine) auctionFill(s *symbolState, buy, sell *restingOrder, px Price, q Qty) {
	taker, maker := buy, sell
	if sell.ID > buy.ID {
		taker, maker = sell, buy
	}
	if taker.Data.stpKey == maker.Data.stpKey {
		e.alert(s, AlertSelfMatch, taker.Data.owner.name, taker.ID)
	}
	e.nextTradeID++
	s.last, s.traded = px, true
	// Field by field into the slot: a literal would be built aside and
	// moved, a write barrier over the whole event while the GC runs.
	tr := e.newEvent(EvTrade, s)
	tr.TradeID, tr.LastPx, tr.LastQty, tr.Side = e.nextTradeID, px, q, taker.Side
	tr.OrderID, tr.Account, tr.MakerOrderID, tr.MakerAccount = taker.ID, taker.Data.owner.name, maker.ID, maker.Data.owner.name
	var bf, sf fees
	if e.risk != nil {
		r := e.risk.Fill(buy.Data.acct, sell.Data.acct, s.inst.Symbol, px, q, buy.Data.perShare)
		bf, sf = fees{fee: r.BuyCommission}, fees{fee: r.SellCommission, tax: r.SellTax}
	}
	makerFees, takerFees := bf, sf
	if maker == sell {
		makerFees, takerFees = sf, bf
	}
	e.auctionReport(s, maker, px, q, Maker, makerFees)
	e.auctionReport(s, taker, px, q, Taker, takerFees)
	bookReduce(s, maker, q) // last: each is recycled if this fills it
	bookReduce(s, taker, q)
}

// auctionReport records one side's fill of an uncross trade and reports it.
func (e *Engine) auctionReport(s *symbolState, o *restingOrder, px Price, q Qty, liq Liquidity, f fees) {
	o.Data.cumQty += q
	o.Data.cumValue += int64(px) * int64(q)
	leaves := o.Qty - q
	ev := e.exec(s, o.ID, o.Side, o.Price, leaves, &o.Data, ExecTrade, fillStatus(&o.Data, leaves))
	ev.LastPx, ev.LastQty, ev.Liquidity, ev.TradeID = px, q, liq, e.nextTradeID
	ev.Fee, ev.Tax = f.fee, f.tax
	if leaves == 0 {
		e.closedByFill(&o.Data)
	}
}

// cancelMarketOrders cancels the market orders of the auction (orders, in
// its bids-then-asks priority order) that are still on the book.
func (e *Engine) cancelMarketOrders(s *symbolState, orders []AuctionOrder) {
	for i := range orders {
		if orders[i].Price != 0 {
			continue
		}
		if o := s.book.Get(orders[i].ID); o != nil {
			side, price := o.Side, o.Price
			e.cancelResting(s, o, o.Qty, CxlNoLiquidity)
			e.level(s, side, price)
		}
	}
}
