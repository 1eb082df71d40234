package matching

import "github.com/mts-krx/mts/risk"

// taker is an order while it is being executed: a new order, an amended order
// re-entering at a new price, or a triggered stop.
type taker struct {
	id     OrderID
	side   Side
	price  Price // the price it rests at (0 for market orders)
	limit  Price // the worst price it may trade at
	leaves Qty
	info   orderInfo
}

// crosses reports whether the taker may trade with a resting order at p.
func (t *taker) crosses(p Price) bool {
	if t.side == Buy {
		return p <= t.limit
	}
	return p >= t.limit
}

// place enters a new order: validate, dedupe, price, risk-check, then either
// file it as a stop or execute it.
func (e *Engine) place(c *Command) {
	s, r := e.validatePlace(c)
	if r != ReasonNone {
		e.reject(c, r)
		return
	}
	acct := e.accounts[c.Account] // nil until the account's first accepted order
	if r := e.checkDuplicate(c, acct); r != ReasonNone {
		return
	}
	price, limit, r := s.effectivePrices(c)
	if s.phase.Auction() && c.Type == Market {
		price = limit // it rests at the daily limit: the most aggressive price
	}
	var perShare int64
	var riskAcct risk.Handle
	if r == ReasonNone {
		perShare, riskAcct, r = e.riskOpen(c, s, price, acct)
	}
	if r != ReasonNone {
		e.reject(c, r)
		return
	}
	if acct == nil {
		acct = e.account(c.Account) // only now: a rejected order changes nothing
	}
	acct.risk = riskAcct
	e.nextOrderID++
	t := taker{id: e.nextOrderID, side: c.Side, price: price, limit: limit, leaves: c.Qty, info: orderInfo{
		clientOrderID: c.ClientOrderID, typ: c.Type, tif: c.TIF,
		stp: c.STP, qty: c.Qty, stopPrice: c.StopPrice,
		stpKey: e.stpKeyOf(acct.name, riskAcct), perShare: perShare, acct: riskAcct, owner: acct, entryTS: c.TS,
	}}
	acct.ordersToday++
	if c.ClientOrderID != "" {
		t.info.closed = acct.closed.add()
		acct.clientOrderIDs[c.ClientOrderID] = orderRef{id: t.id, symbol: s.inst.Symbol, closed: t.info.closed}
	}
	e.exec(s, t.id, t.side, t.price, t.leaves, &t.info, ExecNew, StatusNew)
	e.checkOTR(s, c.Account, riskAcct)
	if c.Type == StopLimit {
		e.fileStop(s, &t)
	} else {
		e.execute(s, &t)
	}
	e.runStops(s)
}

// checkDuplicate rejects a client order id the account already used today,
// pointing at the order that owns it, and enforces the daily order cap. It
// returns the reason it rejected with, or ReasonNone.
func (e *Engine) checkDuplicate(c *Command, acct *accountState) Reason {
	if acct == nil {
		return ReasonNone // no orders yet: nothing to duplicate, no cap reached
	}
	if c.ClientOrderID != "" {
		if ref, dup := acct.clientOrderIDs[c.ClientOrderID]; dup {
			e.reject(c, RejDuplicateClientOrderID).Extra = &Extra{RefOrderID: ref.id}
			return RejDuplicateClientOrderID
		}
	}
	if acct.ordersToday >= e.maxOrdersPerDay {
		e.reject(c, RejTooManyOrders)
		return RejTooManyOrders
	}
	return ReasonNone
}

// effectivePrices resolves the price an order rests at and the worst price it
// may trade at, by order type:
//
//	limit, stop-limit: its own price for both
//	market:            rests never; trades up to the daily limit
//	best-limit:        the best opposite price on arrival
//	first-best:        the best same-side price on arrival
//
// Best-limit and first-best orders need a quote to copy: without one they
// are rejected with NO_REFERENCE_QUOTE.
func (s *symbolState) effectivePrices(c *Command) (price, limit Price, r Reason) {
	switch c.Type {
	case Market:
		if c.Side == Buy {
			return 0, s.upper, ReasonNone
		}
		return 0, s.lower, ReasonNone
	case BestLimit:
		return s.quote(c.Side.Opposite())
	case FirstBest:
		return s.quote(c.Side)
	}
	return c.Price, c.Price, ReasonNone
}

func (s *symbolState) quote(side Side) (price, limit Price, r Reason) {
	l, ok := s.book.Best(side)
	if !ok {
		return 0, 0, RejNoReferenceQuote
	}
	return l.Price, l.Price, ReasonNone
}
