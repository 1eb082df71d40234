package matching

// Read-only views of the engine's state, for order.status, orders.open,
// account.balance and account.positions. They are plain values: a view
// never points into the engine, so it may leave the loop goroutine.
//
// The engine answers these only on the loop's apply goroutine (see
// Request.Read); the loop releases the answer after every command before it
// is durable, so a view never shows state the journal could lose.

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
	Triggered     bool  // false for a stop order still waiting for its trigger
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
