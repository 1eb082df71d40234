package matching

import "github.com/mts-krx/mts/risk"

// This file is the engine's side of the risk seam: every place where an
// order's leaves change calls into the risk.Checker (when risk is on) so
// that holds, settlement and surveillance follow the book exactly.

// riskOpen runs the pre-trade checks on a new order and, when they pass,
// opens its holds. It returns what each share holds and the account's
// handle, both kept with the order.
//
// a is the engine's state of the account, nil before its first accepted
// order; it keeps the risk handle so that later orders skip the lookup by id.
func (e *Engine) riskOpen(c *Command, s *symbolState, price Price, a *accountState) (perShare int64, acct risk.Handle, r Reason) {
	if e.risk == nil {
		return 0, risk.Handle{}, ReasonNone
	}
	if a != nil {
		acct = a.risk
	}
	o := risk.Order{Acct: acct,
		Account: c.Account, Symbol: c.Symbol, Class: s.inst.Class(), Side: c.Side,
		Price: price, HoldPrice: s.holdPrice(c, price), Qty: c.Qty,
		RefPrice: s.last, ListedShares: s.inst.ListedShares, Confirm: c.Confirm, TS: c.TS,
	}
	if v := e.risk.Check(&o); v != risk.OK {
		return 0, risk.Handle{}, reasonOf(v)
	}
	perShare, acct = e.risk.Open(&o)
	return perShare, acct, ReasonNone
}

// holdPrice is the price a buy holds cash at: its own limit, or the upper
// daily limit for market and best-limit orders, whose execution price is not
// bounded by a price of their own, and for conditional-limit orders, which
// may become market orders at the closing auction.
func (s *symbolState) holdPrice(c *Command, price Price) Price {
	if c.Type == Market || c.Type == BestLimit || c.Type == ConditionalLimit {
		return s.upper
	}
	return price
}

// riskAmend refuses an amend under a kill switch and moves a buy's cash hold
// to its new price, refusing the amend when the cash is not there.
func (e *Engine) riskAmend(s *symbolState, o *restingOrder, price Price, qty Qty) Reason {
	if e.risk == nil {
		return ReasonNone
	}
	if e.risk.Killed(o.Data.owner.name, s.inst.Symbol) {
		return RejKillSwitchActive
	}
	if o.Side != Buy || price == o.Price || o.Data.typ == ConditionalLimit {
		return ReasonNone // a conditional limit holds at the upper limit whatever its price
	}
	newPer := e.risk.PerShare(Buy, price)
	return reasonOf(e.risk.Rehold(o.Data.acct, qty-o.Data.cumQty, o.Data.perShare, newPer))
}

// release gives back the hold of q shares that left an order without a
// fill; closed says the order is finished.
func (e *Engine) release(s *symbolState, side Side, in *orderInfo, q Qty, closed bool) {
	if e.risk != nil && (q > 0 || closed) {
		e.risk.Release(in.acct, s.inst.Symbol, side, q, in.perShare, closed)
	}
}

// closedByFill records an order finished by its last fill.
func (e *Engine) closedByFill(in *orderInfo) {
	if e.risk != nil {
		e.risk.Closed(in.acct)
	}
}

// fees is one side's share of a trade's costs.
type fees struct{ fee, tax int64 }

// settle moves cash and shares for one trade and returns the maker's and
// the taker's fees.
func (e *Engine) settle(s *symbolState, t *taker, m *restingOrder, px Price, q Qty) (maker, taker fees) {
	if e.risk == nil {
		return fees{}, fees{}
	}
	buyer, seller, buyPer := t.info.acct, m.Data.acct, t.info.perShare
	if t.side == Sell {
		buyer, seller, buyPer = m.Data.acct, t.info.acct, m.Data.perShare
	}
	f := e.risk.Fill(buyer, seller, s.inst.Symbol, px, q, buyPer)
	buy, sell := fees{fee: f.BuyCommission}, fees{fee: f.SellCommission, tax: f.SellTax}
	if t.side == Buy {
		return sell, buy
	}
	return buy, sell
}

// stpKeyOf is the self-match prevention key of an order's account: its
// group when risk knows one (h, the account's handle), else the account.
func (e *Engine) stpKeyOf(account string, h risk.Handle) string {
	if e.risk == nil {
		return account
	}
	return h.STPKey()
}

// alert appends a surveillance event.
func (e *Engine) alert(s *symbolState, kind AlertKind, account string, id OrderID) *Event {
	ev := e.slot()
	*ev = Event{
		Kind: EvAlert, Seq: e.cur.seq, TS: e.cur.ts, Cmd: e.cur.kind,
		Symbol: s.inst.Symbol, Account: account, OrderID: id, Alert: kind,
	}
	return ev
}

// checkOTR raises the order-to-trade alert after an order is accepted.
func (e *Engine) checkOTR(s *symbolState, account string, h risk.Handle) {
	if e.risk == nil || e.risk.CheckOTR(h) == risk.NoAlert {
		return
	}
	orders, fills := e.risk.Ratio(h)
	ev := e.alert(s, AlertOTR, account, 0)
	ev.Count, ev.Qty = int32(orders), Qty(fills)
}

// checkLayering raises the layering alert after a requested cancel.
func (e *Engine) checkLayering(s *symbolState, account string, h risk.Handle, entryTS int64, filled bool) {
	if e.risk != nil && e.risk.OnCancel(h, entryTS, e.cur.ts, filled) == risk.AlertLayering {
		e.alert(s, AlertLayering, account, 0)
	}
}
