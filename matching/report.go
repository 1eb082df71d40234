package matching

// This file builds events. Every execution report goes through exec so that
// the Seq, TS, Cmd and order fields are filled the same way everywhere.

// exec appends an execution report for an order and returns it for the
// caller to add LastPx and the like. The pointer is valid until the next
// append to e.events.
func (e *Engine) exec(s *symbolState, id OrderID, side Side, price Price, leaves Qty, in *orderInfo, et ExecType, st OrdStatus) *Event {
	e.events = append(e.events, Event{
		Kind: EvExec, Seq: e.cur.seq, TS: e.cur.ts, Cmd: e.cur.kind,
		Symbol: s.inst.Symbol, Account: in.account, OrderID: id, ClientOrderID: in.clientOrderID,
		ExecType: et, Status: st, Side: side, Type: in.typ, TIF: in.tif,
		Price: price, StopPrice: in.stopPrice, Qty: in.qty,
		CumQty: in.cumQty, LeavesQty: leaves, CumValue: in.cumValue,
	})
	return &e.events[len(e.events)-1]
}

// execResting reports on an order that is on the book.
func (e *Engine) execResting(s *symbolState, o *restingOrder, et ExecType) *Event {
	return e.exec(s, o.ID, o.Side, o.Price, o.Qty, &o.Data, et, openStatus(&o.Data))
}

// openStatus is the status of an order that still has quantity open.
func openStatus(in *orderInfo) OrdStatus {
	if in.cumQty > 0 {
		return StatusPartiallyFilled
	}
	return StatusNew
}

// fillStatus is the status after a fill that left leaves open.
func fillStatus(in *orderInfo, leaves Qty) OrdStatus {
	if leaves == 0 {
		return StatusFilled
	}
	return StatusPartiallyFilled
}

// reject appends a rejection of a command that names no live order: a place
// that failed validation, or an amend/cancel whose target was not found.
func (e *Engine) reject(c *Command, r Reason) *Event {
	e.events = append(e.events, Event{
		Kind: EvExec, Seq: c.Seq, TS: c.TS, Cmd: c.Kind,
		Symbol: c.Symbol, Account: c.Account, OrderID: c.OrderID, ClientOrderID: c.ClientOrderID,
		ExecType: ExecRejected, Status: StatusRejected, Reason: r,
		Side: c.Side, Type: c.Type, TIF: c.TIF, Price: c.Price, StopPrice: c.StopPrice, Qty: c.Qty,
	})
	if c.Kind != CmdPlace {
		e.events[len(e.events)-1].ClientOrderID = c.OrigClientOrderID
	}
	return &e.events[len(e.events)-1]
}

// level appends the new state of one price level for market data.
func (e *Engine) level(s *symbolState, side Side, price Price) {
	if s.phase.Auction() {
		e.markAuction(s)
	}
	l := s.book.LevelAt(side, price)
	e.events = append(e.events, Event{
		Kind: EvBook, Seq: e.cur.seq, TS: e.cur.ts, Symbol: s.inst.Symbol,
		Side: side, Price: price, Qty: l.Qty, Count: int32(l.Count),
	})
}

// trade appends the public trade event.
func (e *Engine) trade(s *symbolState, t *taker, m *restingOrder, px Price, q Qty) {
	e.events = append(e.events, Event{
		Kind: EvTrade, Seq: e.cur.seq, TS: e.cur.ts, Symbol: s.inst.Symbol,
		TradeID: e.nextTradeID, LastPx: px, LastQty: q, Side: t.side,
		OrderID: t.id, Account: t.info.account, MakerOrderID: m.ID, MakerAccount: m.Data.account,
	})
}
