package risk

import (
	"fmt"

	"github.com/mts-krx/mts/orderbook"
)

// Open records an accepted order: it holds the order's cash or shares,
// counts it as open, and remembers it for the rate and duplicate checks. The
// caller must have had OK from Check for the same order and state. It returns
// what each share holds and the account's handle, which the caller keeps
// with the order and passes to Fill, Release, Rehold and Closed.
func (c *Checker) Open(o *Order) (perShare int64, h Handle) {
	a := c.orderAccount(o)
	if a == nil {
		panic("risk: order of unknown account " + o.Account)
	}
	perShare = c.PerShare(o.Side, o.HoldPrice)
	if o.Side == orderbook.Buy {
		a.bal.Hold += int64(o.Qty) * perShare
	} else {
		a.position(o.Symbol).Hold += o.Qty
	}
	a.open++
	a.rate.push(o.TS)
	a.recentTS[a.next] = o.TS
	a.recent[a.next] = recentOrder{symbol: o.Symbol, side: o.Side, price: o.Price, qty: o.Qty}
	a.next = (a.next + 1) % dupDepth
	a.surv.orders++
	c.mustHold(a)
	return perShare, Handle{a}
}

// Fill settles one trade of q shares at px between a buyer and a seller:
// cash and shares move, the buyer's hold for these shares is released, the
// seller's held shares leave, and commission and tax are collected.
func (c *Checker) Fill(buyer, seller Handle, symbol string, px price, q qty, buyPerShare int64) Fees {
	b, s := buyer.must(), seller.must()
	value := int64(px) * int64(q)
	f := Fees{
		BuyCommission:  floorPPM(value, c.cfg.CommissionPPM),
		SellCommission: floorPPM(value, c.cfg.CommissionPPM),
		SellTax:        floorPPM(value, c.cfg.SaleTaxPPM),
	}
	b.bal.Hold -= int64(q) * buyPerShare
	b.bal.Cash -= value + f.BuyCommission
	b.position(symbol).Qty += q
	sp := s.position(symbol)
	sp.Qty -= q
	sp.Hold -= q
	mustPosition(s, symbol, sp)
	s.bal.Cash += value - f.SellCommission - f.SellTax
	c.fees += f.BuyCommission + f.SellCommission
	c.tax += f.SellTax
	b.surv.fills++
	s.surv.fills++
	c.mustHold(b)
	c.mustHold(s)
	return f
}

// Release gives back the hold of q shares of an order whose leaves went down
// without a fill. closed says the order is finished, so it no longer counts
// as open.
func (c *Checker) Release(h Handle, symbol string, side orderbook.Side, q qty, perShare int64, closed bool) {
	a := h.must()
	if side == orderbook.Buy {
		a.bal.Hold -= int64(q) * perShare
	} else {
		p := a.position(symbol)
		p.Hold -= q
		mustPosition(a, symbol, p)
	}
	if closed {
		a.closeOrder()
	}
	c.mustHold(a)
}

// Closed records that an order finished by filling (its hold went with the
// fills).
func (c *Checker) Closed(h Handle) { h.must().closeOrder() }

func (a *account) closeOrder() {
	if a.open <= 0 {
		panic("risk: more orders closed than opened for " + a.id)
	}
	a.open--
}

// Rehold moves the hold of an open buy of q shares from oldPer to newPer per
// share (an amend to a new price). A larger hold needs available cash, or
// the amend is refused with InsufficientFunds and nothing changes.
func (c *Checker) Rehold(h Handle, q qty, oldPer, newPer int64) Verdict {
	a := h.must()
	delta := int64(q) * (newPer - oldPer)
	if delta > a.bal.Available() {
		return InsufficientFunds
	}
	a.bal.Hold += delta
	c.mustHold(a)
	return OK
}

// mustHold panics when an account's books went negative: a broken invariant,
// never a user error, since every path that could do it is checked first.
func (c *Checker) mustHold(a *account) {
	if a.bal.Cash < 0 || a.bal.Hold < 0 || a.bal.Available() < 0 {
		panic(fmt.Sprintf("risk: account %s cash %d hold %d", a.id, a.bal.Cash, a.bal.Hold))
	}
}

func mustPosition(a *account, symbol string, p *Position) {
	if p.Qty < 0 || p.Hold < 0 || p.Available() < 0 {
		panic(fmt.Sprintf("risk: account %s %s shares %d hold %d", a.id, symbol, p.Qty, p.Hold))
	}
}
