package matching

import "github.com/mts-krx/mts/risk"

// MaxGroupLen bounds an account group name.
const MaxGroupLen = 32

// backOffice applies an account command (open, deposit, withdraw, credit or
// debit shares) and answers with the account's state after it.
func (e *Engine) backOffice(c *Command) {
	ev := e.accountEvent(c)
	r := e.checkBackOffice(c)
	if r == ReasonNone {
		r = reasonOf(e.applyBackOffice(c))
	}
	ev.Reason = r
	x := ev.Extras()
	if e.risk != nil {
		bal, _ := e.risk.Balance(c.Account)
		x.Cash, x.CashHold = bal.Cash, bal.Hold
		if ev.Symbol != "" {
			p := e.risk.Position(c.Account, c.Symbol)
			x.Shares, x.SharesHold = p.Qty, p.Hold
		}
	}
	ev.Extra = newExtra(x)
}

func (e *Engine) accountEvent(c *Command) *Event {
	amount, symbol := c.Amount, ""
	if c.Kind == CmdCreditShares || c.Kind == CmdDebitShares {
		amount, symbol = int64(c.Qty), c.Symbol
	}
	ev := e.slot()
	*ev = Event{
		Kind: EvAccount, Seq: c.Seq, TS: c.TS, Cmd: c.Kind, Account: c.Account, Symbol: symbol,
		Extra: newExtra(Extra{RequestID: c.RequestID, Text: c.Text, Amount: amount}),
	}
	return ev
}

func (e *Engine) checkBackOffice(c *Command) Reason {
	switch {
	case e.risk == nil:
		return RejRiskDisabled
	case c.Account == "" || len(c.Account) > MaxAccountLen:
		return RejInvalidAccount
	case len(c.Group) > MaxGroupLen:
		return RejInvalidAccount
	case (c.Kind == CmdCreditShares || c.Kind == CmdDebitShares) && e.symbols[c.Symbol] == nil:
		return RejUnknownSymbol
	}
	return ReasonNone
}

func (e *Engine) applyBackOffice(c *Command) risk.Verdict {
	r := e.risk
	switch c.Kind {
	case CmdOpenAccount:
		return r.OpenAccount(c.Account, c.Group, c.RequestID)
	case CmdDeposit:
		return r.Deposit(c.Account, c.Amount, c.RequestID)
	case CmdWithdraw:
		return r.Withdraw(c.Account, c.Amount, c.RequestID)
	case CmdCreditShares:
		return r.CreditShares(c.Account, c.Symbol, c.Qty, c.RequestID)
	default:
		return r.DebitShares(c.Account, c.Symbol, c.Qty, c.RequestID)
	}
}

// killSwitch switches a kill switch on or off. Switching it on cancels every
// resting order and untriggered stop in scope (each reported with reason
// KILL_SWITCH); while it is on, new orders and amends in scope are refused
// and cancels still work.
func (e *Engine) killSwitch(c *Command) {
	ev := Event{Kind: EvKillSwitch, Seq: c.Seq, TS: c.TS, Cmd: c.Kind, Scope: c.Scope, Active: c.Active,
		Extra: newExtra(Extra{Text: c.Text})}
	switch c.Scope {
	case KillAccount:
		ev.Account = c.Account
	case KillSymbol:
		ev.Symbol = c.Symbol
	}
	*e.slot() = ev
	at := len(e.events) - 1
	r := e.checkKill(c)
	if r == ReasonNone {
		r = reasonOf(e.risk.SetKill(risk.KillScope(c.Scope), killTarget(c), c.Active))
	}
	var n int
	if r == ReasonNone && c.Active {
		n = e.cancelInScope(c)
	}
	e.events[at].Reason, e.events[at].Count = r, int32(n)
}

func killTarget(c *Command) string {
	if c.Scope == KillSymbol {
		return c.Symbol
	}
	return c.Account
}

func (e *Engine) checkKill(c *Command) Reason {
	switch {
	case e.risk == nil:
		return RejRiskDisabled
	case c.Scope < KillAccount || c.Scope > KillGlobal:
		return RejInvalidScope
	case c.Scope == KillSymbol && e.symbols[c.Symbol] == nil:
		return RejUnknownSymbol
	}
	return ReasonNone
}

// cancelInScope cancels every open order the kill switch covers, symbol by
// symbol in symbol order, each book in priority order, and returns how many.
func (e *Engine) cancelInScope(c *Command) int {
	covered := func(account string) bool { return c.Scope != KillAccount || account == c.Account }
	n := 0
	for _, s := range e.sorted {
		if c.Scope == KillSymbol && s.inst.Symbol != c.Symbol {
			continue
		}
		n += e.cancelBook(s, covered, CxlKillSwitch)
		n += e.cancelStops(s, covered, CxlKillSwitch)
	}
	return n
}

// cancelBook cancels the resting orders of one symbol whose account match
// accepts: bids then asks, each in priority order. The ids are collected
// first because canceling while the book is being walked would unlink the
// walk's next order. Reason r is CxlKillSwitch for the kill switch and
// ReasonNone for a cancel the customer asked for, which surveillance also
// hears about (layering), as it does for a single cancel.
func (e *Engine) cancelBook(s *symbolState, match func(account string) bool, r Reason) int {
	ids := e.scratch[:0]
	for _, side := range [2]Side{Buy, Sell} {
		s.book.Orders(side, func(o *restingOrder) bool {
			if match(o.Data.owner.name) {
				ids = append(ids, o.ID)
			}
			return true
		})
	}
	e.cancelIDs(s, ids, r)
	e.scratch = ids
	return len(ids)
}

// cancelIDs cancels the resting orders ids of s, in that order.
func (e *Engine) cancelIDs(s *symbolState, ids []OrderID, r Reason) {
	for _, id := range ids {
		o := s.book.Get(id)
		side, price := o.Side, o.Price
		account, acct, entryTS, filled := o.Data.owner.name, o.Data.acct, o.Data.entryTS, o.Data.cumQty > 0
		e.cancelResting(s, o, o.Qty, r)
		e.level(s, side, price)
		if r == ReasonNone {
			e.checkLayering(s, account, acct, entryTS, filled)
		}
	}
}

// cancelStops cancels the untriggered stops of one symbol whose account
// match accepts, buys then sells, each in trigger order.
func (e *Engine) cancelStops(s *symbolState, match func(account string) bool, r Reason) int {
	var hit []*stopOrder
	for _, l := range [2][]*stopOrder{s.stops.buys, s.stops.sells} {
		for _, so := range l {
			if match(so.info.owner.name) {
				hit = append(hit, so)
			}
		}
	}
	for _, so := range hit {
		e.cancelStop(s, so, 0, r)
	}
	return len(hit)
}
