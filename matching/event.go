package matching

// EventKind says what an Event describes. Values are part of the journal
// format: never renumber, only append.
type EventKind uint8

// Event kinds.
const (
	// EvExec is an execution report for one order of one account.
	EvExec EventKind = 1
	// EvTrade is one match of a taker with a maker, as the public sees it
	// (the accounts are for the back office; market data strips them).
	EvTrade EventKind = 2
	// EvBook is the new state of one price level after a command.
	EvBook EventKind = 3
)

// Event is one outcome of a command. It is a flat struct rather than an
// interface so that the engine can append events to a reused slice without
// allocating. Every event carries the Seq and TS of the command that caused
// it; the other fields depend on Kind:
//
//	EvExec:  Account, Symbol, OrderID, ClientOrderID, Cmd, ExecType, Status,
//	         Reason, Side, Type, TIF, Price, StopPrice, Qty, CumQty, LeavesQty,
//	         CumValue, and on ExecTrade also LastPx, LastQty, Liquidity, TradeID.
//	         ExecCanceled / ExecRestated also set LastQty to the quantity taken
//	         off the order; a duplicate-id rejection sets RefOrderID.
//	EvTrade: Symbol, TradeID, LastPx, LastQty, Side (the taker's side),
//	         OrderID and Account (taker), MakerOrderID and MakerAccount.
//	EvBook:  Symbol, Side, Price (the level), Qty (its new total, 0 = gone),
//	         Count (orders at the level).
//
// Qty on an execution report is the order quantity (FIX OrderQty); avgPx is
// CumValue / CumQty, computed at the edge as a decimal so no float ever
// touches money inside the engine.
type Event struct {
	Kind EventKind
	Seq  uint64
	TS   int64

	Symbol        string
	Account       string
	OrderID       OrderID
	ClientOrderID string
	Cmd           CommandKind // the kind of command this report answers

	ExecType  ExecType
	Status    OrdStatus
	Reason    Reason
	Side      Side
	Type      OrderType
	TIF       TIF
	Price     Price
	StopPrice Price
	Qty       Qty
	CumQty    Qty
	LeavesQty Qty
	CumValue  int64 // KRW: sum of LastPx × LastQty over the order's fills

	LastPx    Price
	LastQty   Qty
	Liquidity Liquidity
	TradeID   uint64

	MakerOrderID OrderID
	MakerAccount string

	// RefOrderID is set on a DUPLICATE_CLIENT_ORDER_ID rejection: the order
	// that already owns the client order id, so a retrying client learns
	// what became of its first attempt. It is kept apart from OrderID so that
	// nobody tracking orders by id mistakes the rejection for that order's.
	RefOrderID OrderID

	Count int32 // EvBook: orders at the level
}

// AvgPx returns the average fill price as an exact fraction (numerator,
// denominator) so the edge can render it as a decimal without floats. It is
// (0, 1) when nothing has filled.
func (e *Event) AvgPx() (num int64, den int64) {
	if e.CumQty == 0 {
		return 0, 1
	}
	return e.CumValue, int64(e.CumQty)
}
