package matching

// cancelAll cancels every open order of c.Account (mass cancel): in
// c.Symbol, or in every symbol when it is empty. The order is fixed so that
// replay gives the same events: symbol by symbol in symbol order, in each the
// resting orders (bids, then asks, each in priority order) and then the
// untriggered stops (buys, then sells, each in trigger order). Each order is
// reported as a requested cancel would report it (ExecCanceled, no reason,
// LastQty the quantity canceled) and its risk holds are released. Like a
// single cancel it is accepted under a kill switch.
//
// An account with nothing open gets no events at all: the empty answer is
// the answer, and the journal still records the request. A bad account or
// an unknown symbol is rejected like a cancel's.
//
// Cost: the account's resting orders and the queues of the levels they are
// on (openindex.go), and the covered symbols' stops, which are few.
func (e *Engine) cancelAll(c *Command) {
	if r := validateIdentity(c); r != ReasonNone {
		e.reject(c, r)
		return
	}
	if c.Symbol != "" && e.symbols[c.Symbol] == nil {
		e.reject(c, RejUnknownSymbol)
		return
	}
	if e.accounts[c.Account] == nil {
		return // never had an order accepted: nothing can be open
	}
	a := e.accounts[c.Account]
	mine := func(account string) bool { return account == c.Account }
	for _, s := range e.sorted {
		if c.Symbol != "" && s.inst.Symbol != c.Symbol {
			continue
		}
		ids := e.accountIDs(s, a, e.scratch[:0])
		e.cancelIDs(s, ids, ReasonNone)
		e.scratch = ids
		e.cancelStops(s, mine, ReasonNone)
	}
}
