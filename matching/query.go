package matching

import (
	"cmp"
	"slices"

	"github.com/mts-krx/mts/risk"
)

// Read-only views of the engine's state, for order.status, orders.open,
// account.balance and account.positions. They are plain values: a view
// never points into the engine, so it may leave the loop goroutine.
//
// The engine answers these on the loop's apply goroutine (see Request.Read),
// and the loop releases the answer only once every command before it is
// durable, so a view never shows state the journal could lose.

// OrderView is one order's state. Open is false for an order that is known
// (its client order id was used today) but no longer rests in the book:
// then only Account, Symbol, OrderID and ClientOrderID are set, and the
// execution stream or the journal has its history.
type OrderView struct {
	Account       string
	Symbol        string
	OrderID       OrderID
	ClientOrderID string
	Open          bool
	Side          Side
	Type          OrderType
	TIF           TIF
	Price         Price // 0 for orders without one
	StopPrice     Price // stop orders not yet triggered
	Qty           Qty   // order quantity: CumQty + LeavesQty
	CumQty        Qty
	LeavesQty     Qty
	CumValue      int64 // sum of fill price × qty: AvgPx = CumValue / CumQty
	Triggered     bool  // a stop order that has triggered (false for other types)
}

// BalanceView is an account's cash. Available = Cash − Hold.
type BalanceView struct {
	Account string
	Cash    int64 // KRW
	Hold    int64 // KRW held by open buy orders
}

// PositionView is an account's holding of one symbol. Available = Qty − Hold.
type PositionView struct {
	Symbol string
	Qty    Qty // shares owned
	Hold   Qty // shares held by open sell orders
}

// Order returns one of the account's orders: by id when id is nonzero, else
// by the client order id it was entered with today. Resting orders and
// untriggered stops are open. A client order id used today whose order is
// no longer open gives a closed view (Open false, ids only). Another
// account's order is not found, never revealed. With a symbol the lookup is
// a few map probes; with symbol "" and an id it probes every symbol's book.
func (e *Engine) Order(account, symbol string, id OrderID, clientOrderID string) (OrderView, bool) {
	if account == "" {
		return OrderView{}, false
	}
	if id == 0 {
		return e.orderByClientID(account, symbol, clientOrderID)
	}
	if symbol != "" {
		return e.orderIn(e.symbols[symbol], account, id)
	}
	if a := e.accounts[account]; a != nil {
		if s := a.open.Get(id); s != nil { // resting: its symbol is indexed
			return e.orderIn(s, account, id)
		}
	}
	for _, s := range e.sorted { // a stop, or not open
		if v, ok := e.orderIn(s, account, id); ok {
			return v, true
		}
	}
	return OrderView{}, false
}

func (e *Engine) orderByClientID(account, symbol, clientOrderID string) (OrderView, bool) {
	a := e.accounts[account]
	if a == nil || clientOrderID == "" {
		return OrderView{}, false
	}
	ref, ok := a.clientOrderIDs[clientOrderID]
	if !ok || (symbol != "" && ref.symbol != symbol) {
		return OrderView{}, false
	}
	if v, open := e.orderIn(e.symbols[ref.symbol], account, ref.id); open {
		return v, true
	}
	return OrderView{Account: account, Symbol: ref.symbol, OrderID: ref.id, ClientOrderID: clientOrderID}, true
}

// orderIn finds an open order of the account in one symbol (s may be nil).
func (e *Engine) orderIn(s *symbolState, account string, id OrderID) (OrderView, bool) {
	if s == nil {
		return OrderView{}, false
	}
	if o := s.book.Get(id); o != nil && o.Data.owner.name == account {
		return restingView(s, o), true
	}
	if so := s.stops.get(id); so != nil && so.info.owner.name == account {
		return stopView(s, so), true
	}
	return OrderView{}, false
}

// OpenOrders appends the account's open orders to dst, in symbol (all when
// symbol is "") then order id order, and returns the extended slice. It
// costs the account's resting orders (openindex.go) and a walk of the
// covered symbols' stops, which are few.
func (e *Engine) OpenOrders(account, symbol string, dst []OrderView) []OrderView {
	dst, _ = e.OpenOrdersPage(account, symbol, OrderKey{}, 0, dst)
	return dst
}

// OrderKey is an order's place in the sequence OpenOrders lists: symbol,
// then order id. A page of open orders starts after one; the zero key comes
// before every order.
type OrderKey struct {
	Symbol  string
	OrderID OrderID
}

// Key returns v's place in OpenOrders' sequence.
func (v *OrderView) Key() OrderKey { return OrderKey{Symbol: v.Symbol, OrderID: v.OrderID} }

// IsZero reports whether k is the zero key (from the first order).
func (k OrderKey) IsZero() bool { return k == OrderKey{} }

func (k OrderKey) compare(o OrderKey) int {
	if c := cmp.Compare(k.Symbol, o.Symbol); c != 0 {
		return c
	}
	return cmp.Compare(k.OrderID, o.OrderID)
}

// OpenOrdersPage is OpenOrders from the first order after the key after, and
// at most limit orders (all when limit <= 0). more reports whether orders
// after the last one appended remain: the next page starts after its Key.
// An account with many thousands of open orders is read in pages so that no
// answer outgrows a message; each page costs a walk of all of them.
func (e *Engine) OpenOrdersPage(account, symbol string, after OrderKey, limit int, dst []OrderView) (_ []OrderView, more bool) {
	a := e.accounts[account]
	if account == "" || a == nil {
		return dst, false // never had an order accepted
	}
	var only *symbolState
	if symbol != "" {
		if only = e.symbols[symbol]; only == nil {
			return dst, false
		}
	}
	start := len(dst)
	// Orders up to the cursor are skipped before a view is made of them.
	later := func(s *symbolState, id OrderID) bool {
		return after.IsZero() || OrderKey{Symbol: s.inst.Symbol, OrderID: id}.compare(after) > 0
	}
	a.eachOpen(only, func(s *symbolState, o *restingOrder) {
		if later(s, o.ID) {
			dst = append(dst, restingView(s, o))
		}
	})
	for _, s := range e.sorted {
		if (only != nil && s != only) || s.inst.Symbol < after.Symbol {
			continue
		}
		for _, l := range [2][]*stopOrder{s.stops.buys, s.stops.sells} {
			for _, so := range l {
				if so.info.owner.name == account && later(s, so.id) {
					dst = append(dst, stopView(s, so))
				}
			}
		}
	}
	page := dst[start:]
	slices.SortFunc(page, func(x, y OrderView) int { return x.Key().compare(y.Key()) })
	end := start + len(page)
	if limit > 0 && len(page) > limit {
		end, more = start+limit, true
	}
	clear(dst[end : start+len(page)]) // drop the strings of what was cut
	return dst[:end], more
}

func restingView(s *symbolState, o *restingOrder) OrderView {
	in := &o.Data
	return OrderView{
		Account: in.owner.name, Symbol: s.inst.Symbol, OrderID: o.ID, ClientOrderID: in.clientOrderID, Open: true,
		Side: o.Side, Type: in.typ, TIF: in.tif, Price: o.Price, StopPrice: in.stopPrice,
		Qty: in.qty, CumQty: in.cumQty, LeavesQty: o.Qty, CumValue: in.cumValue,
		Triggered: in.typ == StopLimit, // on the book, so its stop has traded
	}
}

func stopView(s *symbolState, so *stopOrder) OrderView {
	in := &so.info
	return OrderView{
		Account: in.owner.name, Symbol: s.inst.Symbol, OrderID: so.id, ClientOrderID: in.clientOrderID, Open: true,
		Side: so.side, Type: in.typ, TIF: in.tif, Price: so.price, StopPrice: in.stopPrice,
		Qty: in.qty, CumQty: in.cumQty, LeavesQty: so.leaves, CumValue: in.cumValue,
	}
}

// Balance returns the account's cash; false when risk is off or the
// account does not exist.
func (e *Engine) Balance(account string) (BalanceView, bool) {
	if e.risk == nil {
		return BalanceView{}, false
	}
	b, ok := e.risk.Balance(account)
	if !ok {
		return BalanceView{}, false
	}
	return BalanceView{Account: account, Cash: b.Cash, Hold: b.Hold}, true
}

// Positions appends the account's holdings to dst, by symbol, and returns
// the extended slice. A symbol with no shares and no hold is left out.
// Nothing is appended when risk is off or the account does not exist.
func (e *Engine) Positions(account string, dst []PositionView) []PositionView {
	if e.risk == nil {
		return dst
	}
	e.risk.Positions(account, func(symbol string, p risk.Position) {
		if p.Qty != 0 || p.Hold != 0 {
			dst = append(dst, PositionView{Symbol: symbol, Qty: p.Qty, Hold: p.Hold})
		}
	})
	return dst
}

// MarketStatus is a symbol's trading state: its phase and today's prices.
type MarketStatus struct {
	Phase        Phase
	Base         Price // today's base price
	Lower, Upper Price // today's daily limits
	Last         Price // last trade price (the base price before the first)
	Reference    Price // the static VI reference: the last auction's price
	Until        int64 // a VI auction's scheduled end (Unix ns); 0 otherwise
}

// Status returns a symbol's trading state, or false for an unknown symbol.
// Like the other reads it runs on the loop (Request.Read).
func (e *Engine) Status(symbol string) (MarketStatus, bool) {
	s := e.symbols[symbol]
	if s == nil {
		return MarketStatus{}, false
	}
	return MarketStatus{
		Phase: s.phase, Base: s.base, Lower: s.lower, Upper: s.upper, Last: s.last, Reference: s.ref, Until: s.viEnd,
	}, true
}
