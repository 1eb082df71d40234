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
	// Status is a closed order's final status (filled, canceled, expired)
	// when the engine knows it: for an order found by its client order id.
	// Zero for open orders (their status follows from the fields above),
	// and for a closed order known only by its ids.
	Status OrdStatus
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
// no longer open gives a closed view: Open false, and the state the order
// ended in (Status filled, canceled or expired; ids only if it closed
// before a restart from a version 3 snapshot). A closed order is not found
// by its id: the engine keeps closed orders by client order id only. Another
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
	v := OrderView{Account: account, Symbol: ref.symbol, OrderID: ref.id, ClientOrderID: clientOrderID}
	if f := a.closed.at(ref.closed); f.status != 0 {
		v.Status, v.Side, v.Type, v.TIF = f.status, f.side, f.typ, f.tif
		v.Price, v.StopPrice, v.Qty, v.CumQty, v.CumValue = f.price, f.stopPrice, f.qty, f.cumQty, f.cumValue
	}
	return v, true
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
// answer outgrows a message. Each page costs a walk of the account's orders
// with a key comparison for each, but holds and sorts only about twice a
// page of them (pageSelect), and makes views of the page only: the loop's
// goroutine runs this with matching waiting.
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
	sel := pageSelect{after: after, limit: limit, buf: e.page[:0]}
	// The key comes from the index: most orders of a large account are
	// refused by it alone, without a look at the book or the order.
	a.open.All(func(id OrderID, s *symbolState) bool {
		if only != nil && s != only {
			return true
		}
		key := OrderKey{Symbol: s.inst.Symbol, OrderID: id}
		if sel.wants(key) {
			if o := s.book.Get(id); o != nil { // else stale: it has left
				sel.add(pageEntry{key: key, s: s, o: o})
			}
		}
		return true
	})
	for _, s := range e.sorted {
		if (only != nil && s != only) || s.inst.Symbol < after.Symbol {
			continue
		}
		for _, l := range [2][]*stopOrder{s.stops.buys, s.stops.sells} {
			for _, so := range l {
				key := OrderKey{Symbol: s.inst.Symbol, OrderID: so.id}
				if so.info.owner.name == account && sel.wants(key) {
					sel.add(pageEntry{key: key, s: s, so: so})
				}
			}
		}
	}
	page, more := sel.result()
	for _, p := range page {
		if p.o != nil {
			dst = append(dst, restingView(p.s, p.o))
		} else {
			dst = append(dst, stopView(p.s, p.so))
		}
	}
	clear(sel.buf) // drop the pointers to orders
	e.page = sel.buf[:0]
	if cap(e.page) > pageBufKept {
		e.page = nil // the buffer of a listing of all orders (limit <= 0)
	}
	return dst, more
}

// pageBufKept bounds the selection buffer the engine keeps between
// queries, in entries: what two pages of the protocol's 1,000 orders need.
const pageBufKept = 4000

// pageEntry is an open order offered for a page: its key, and the order
// (resting, o, or an untriggered stop, so) to make its view from.
type pageEntry struct {
	key OrderKey
	s   *symbolState
	o   *restingOrder
	so  *stopOrder
}

// pageSelect picks the limit least keys after a cursor from orders offered
// in any order, plus one to tell whether more follow. It keeps at most
// twice that many: when buf fills, it sorts and cuts it back, and from then
// on refuses at once any key above the last one it kept. With limit <= 0 it
// keeps every key after the cursor.
type pageSelect struct {
	after OrderKey
	limit int
	buf   []pageEntry
	// bound is the greatest key that can still make the page, once a cut
	// has found one (bounded).
	bound   OrderKey
	bounded bool
}

// wants reports whether an order with this key could make the page.
func (p *pageSelect) wants(k OrderKey) bool {
	return (p.after.IsZero() || k.compare(p.after) > 0) && (!p.bounded || k.compare(p.bound) <= 0)
}

// add takes an order that wants accepted.
func (p *pageSelect) add(c pageEntry) {
	p.buf = append(p.buf, c)
	if p.limit > 0 && len(p.buf) >= 2*(p.limit+1) {
		p.cut()
	}
}

// cut sorts buf and keeps its limit+1 least entries.
func (p *pageSelect) cut() {
	slices.SortFunc(p.buf, func(x, y pageEntry) int { return x.key.compare(y.key) })
	if keep := p.limit + 1; p.limit > 0 && len(p.buf) > keep {
		clear(p.buf[keep:])
		p.buf = p.buf[:keep]
		p.bound, p.bounded = p.buf[keep-1].key, true
	}
}

// result returns the page, in key order, and whether more keys followed it.
func (p *pageSelect) result() (page []pageEntry, more bool) {
	p.cut()
	if p.limit > 0 && len(p.buf) > p.limit {
		return p.buf[:p.limit], true
	}
	return p.buf, false
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
