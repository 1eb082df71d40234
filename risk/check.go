package risk

import "github.com/mts-krx/mts/orderbook"

// Check runs every pre-trade check on a new order and returns the first that
// fails, or OK. It changes nothing. Blocks come before warnings, so a
// confirmation can never push a blocked order through.
func (c *Checker) Check(o *Order) Verdict {
	a := c.orderAccount(o)
	if v := c.checkAccess(a, o.Symbol); v != OK {
		return v
	}
	if o.RefPrice <= 0 {
		return ReferenceDataMissing // fail closed: never guess a reference
	}
	t := c.cfg.tiers(o.Class)
	if v := c.checkBlock(o, &t); v != OK {
		return v
	}
	if v := c.checkFlow(a, o); v != OK {
		return v
	}
	if v := c.checkWarn(o, &t); v != OK {
		return v
	}
	if v := c.checkDuplicate(a, o); v != OK {
		return v
	}
	return c.checkCover(a, o)
}

// orderAccount returns o's account: its handle's, else by id (nil if none).
func (c *Checker) orderAccount(o *Order) *account {
	if o.Acct.a != nil {
		return o.Acct.a
	}
	return c.get(o.Account)
}

// checkAccess covers the kill switches and unknown accounts.
func (c *Checker) checkAccess(a *account, symbol string) Verdict {
	switch {
	case c.halted:
		return TradingHalted
	case len(c.haltedSymbols) > 0 && c.haltedSymbols[symbol]:
		return SymbolHalted
	case a == nil:
		return UnknownAccount
	case a.killed:
		return KillSwitchActive
	}
	return OK
}

// notional is the order's value at its own price, or at the reference price
// when it has none yet (a market order).
func notional(o *Order) int64 {
	p := o.Price
	if p == 0 {
		p = o.RefPrice
	}
	return int64(p) * int64(o.Qty)
}

// overListed reports whether qty exceeds ppm of the listed shares; listed 0
// means the reference data lacks it.
func overListed(q qty, listed, ppm int64) bool {
	return int64(q)*1_000_000 > listed*ppm
}

func (c *Checker) checkBlock(o *Order, t *Tiers) Verdict {
	if on(t.BlockNotional) && notional(o) > t.BlockNotional {
		return NotionalExceedsMax
	}
	if on(t.BlockListedPPM) {
		if o.ListedShares <= 0 {
			return ReferenceDataMissing
		}
		if overListed(o.Qty, o.ListedShares, t.BlockListedPPM) {
			return FatFingerBlocked
		}
	}
	return OK
}

// checkFlow limits the order rate (from command timestamps) and the number
// of open orders.
func (c *Checker) checkFlow(a *account, o *Order) Verdict {
	if c.cfg.RateMaxOrders > 0 && a.rate.full(o.TS, c.cfg.RateWindowNanos) {
		return OrderRateExceeded
	}
	if c.cfg.MaxOpenOrders > 0 && a.open >= c.cfg.MaxOpenOrders {
		return TooManyOpenOrders
	}
	return OK
}

// checkWarn is the warning tier: large notional, a large share of the listed
// shares, or a limit far from the last trade needs the customer's explicit
// confirmation.
func (c *Checker) checkWarn(o *Order, t *Tiers) Verdict {
	if o.Confirm {
		return OK
	}
	if on(t.WarnNotional) && notional(o) >= t.WarnNotional {
		return ConfirmRequired
	}
	if on(t.WarnListedPPM) && o.ListedShares > 0 && overListed(o.Qty, o.ListedShares, t.WarnListedPPM) {
		return ConfirmRequired
	}
	if on(t.WarnPriceDevPPM) && o.Price > 0 {
		dev := int64(o.Price - o.RefPrice)
		if dev < 0 {
			dev = -dev
		}
		if dev*1_000_000 >= int64(o.RefPrice)*t.WarnPriceDevPPM {
			return ConfirmRequired
		}
	}
	return OK
}

// checkDuplicate asks for confirmation of the same order (symbol, side,
// price, quantity) sent again within the window: the double tap.
func (c *Checker) checkDuplicate(a *account, o *Order) Verdict {
	if o.Confirm || c.cfg.DupWindowNanos <= 0 {
		return OK
	}
	for k, ts := range &a.recentTS {
		if o.TS-ts < c.cfg.DupWindowNanos {
			if r := &a.recent[k]; r.qty == o.Qty && r.price == o.Price && r.side == o.Side && r.symbol == o.Symbol {
				return DuplicateOrder
			}
		}
	}
	return OK
}

// checkCover is the credit and position check: cash for a buy, shares for a
// sell (no naked short selling).
func (c *Checker) checkCover(a *account, o *Order) Verdict {
	if o.Side == orderbook.Buy {
		if int64(o.Qty)*c.PerShare(o.Side, o.HoldPrice) > a.bal.Available() {
			return InsufficientFunds
		}
		return OK
	}
	p := a.held(o.Symbol)
	if p == nil || o.Qty > p.Available() {
		return InsufficientHoldings
	}
	return OK
}
