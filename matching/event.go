package matching

import "fmt"

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
	// EvAccount answers a back-office command with the account's state
	// after it (or why it was refused).
	EvAccount EventKind = 4
	// EvKillSwitch reports a kill switch going on or off.
	EvKillSwitch EventKind = 5
	// EvAlert is a surveillance signal for the back office.
	EvAlert EventKind = 6
	// EvMarketStatus reports a symbol's trading phase changing (or a phase
	// command refused).
	EvMarketStatus EventKind = 7
	// EvAuction is the indicative (expected) price and volume of a
	// symbol's single-price auction, after a command changed its book.
	EvAuction EventKind = 8
)

// AlertKind says what a surveillance alert is about. Values are part of the
// journal format.
type AlertKind uint8

// Alert kinds.
const (
	AlertSelfMatch AlertKind = 1 // a self-match was prevented
	AlertLayering  AlertKind = 2 // many orders canceled soon after entry, unfilled
	AlertOTR       AlertKind = 3 // order-to-trade ratio above the threshold
)

var alertNames = [...]string{AlertSelfMatch: "self_match", AlertLayering: "layering", AlertOTR: "order_to_trade"}

func (a AlertKind) String() string { return name(alertNames[:], int(a)) }

// Event is one outcome of a command. It is a flat struct rather than an
// interface so that the engine can append events to a reused slice without
// allocating. Every event carries the Seq and TS of the command that caused
// it; the other fields depend on Kind (fields of Extra marked with *: read
// them through Extras, since Extra is nil on events that have none):
//
//	EvExec:  Account, Symbol, OrderID, ClientOrderID, Cmd, ExecType, Status,
//	         Reason, Side, Type, TIF, Price, StopPrice, Qty, CumQty, LeavesQty,
//	         CumValue, and on ExecTrade also LastPx, LastQty, Liquidity, TradeID.
//	         ExecCanceled / ExecRestated also set LastQty to the quantity taken
//	         off the order; a duplicate-id rejection sets *RefOrderID.
//	EvTrade: Symbol, TradeID, LastPx, LastQty, Side (the taker's side),
//	         OrderID and Account (taker), MakerOrderID and MakerAccount.
//	EvBook:  Symbol, Side, Price (the level), Qty (its new total, 0 = gone),
//	         Count (orders at the level).
//	EvAccount: Cmd, Account, *RequestID, Reason (ReasonNone = applied;
//	         DUPLICATE_REQUEST = applied before, nothing changed), *Amount,
//	         *Cash, *CashHold, and for share commands Symbol, *Shares,
//	         *SharesHold; *Text as the command gave it.
//	EvKillSwitch: Scope, Account or Symbol, Active, Count (orders canceled),
//	         *Text, Reason when refused.
//	EvAlert: Alert, Account, Symbol, OrderID where one order is concerned,
//	         Count (orders today for AlertOTR), Qty (fills today for AlertOTR).
//	EvMarketStatus: Cmd, Symbol, Phase (the phase entered), Reason when
//	         refused; Price: the auction price when the change uncrossed an
//	         auction (0 if nothing traded); *Until: a VI auction's scheduled
//	         end (Unix ns); *Text: what triggered a VI ("static", "dynamic"),
//	         or the command's text.
//	EvAuction: Symbol, Phase, Price (indicative price, 0 = nothing would
//	         trade), Qty (indicative volume).
//
// With risk on, ExecTrade reports carry Fee (the commission this side paid)
// and Tax (the seller's transaction tax), both KRW.
//
// Qty on an execution report is the order quantity (FIX OrderQty); avgPx is
// CumValue / CumQty, computed at the edge as a decimal so no float ever
// touches money inside the engine.
type Event struct {
	Seq uint64
	TS  int64

	Symbol        string
	Account       string
	OrderID       OrderID
	ClientOrderID string

	// The one-byte fields sit together so the struct carries no padding:
	// an uncross emits hundreds of thousands of events in one slice.
	Kind      EventKind
	Cmd       CommandKind // the kind of command this report answers
	ExecType  ExecType
	Status    OrdStatus
	Side      Side
	Type      OrderType
	TIF       TIF
	Liquidity Liquidity
	Reason    Reason
	Scope     KillScope
	Active    bool
	Alert     AlertKind
	Phase     Phase // EvMarketStatus, EvAuction
	Count     int32 // EvBook: orders at the level; EvKillSwitch: orders canceled

	Price     Price
	StopPrice Price
	Qty       Qty
	CumQty    Qty
	LeavesQty Qty
	CumValue  int64 // KRW: sum of LastPx × LastQty over the order's fills

	LastPx  Price
	LastQty Qty
	TradeID uint64

	MakerOrderID OrderID
	MakerAccount string

	Fee, Tax int64 // ExecTrade with risk on: KRW

	// Extra holds the fields only rare kinds of event use; nil on the
	// others (trades, book changes, ordinary execution reports). It is
	// shared by copies of the event, so it is never changed once set.
	Extra *Extra
}

// Extra is the part of an Event that only account, kill-switch and market
// status events and a few rejections fill. Kept behind a pointer, it leaves
// the event at 216 bytes rather than 296: an uncross writes hundreds of
// thousands of events at once, and each byte of them is zeroed, written,
// faulted in and scanned by the GC (BenchmarkEngineUncross).
type Extra struct {
	// RefOrderID is set on a DUPLICATE_CLIENT_ORDER_ID rejection: the order
	// that already owns the client order id, so a retrying client learns
	// what became of its first attempt. It is kept apart from OrderID so that
	// nobody tracking orders by id mistakes the rejection for that order's.
	RefOrderID OrderID

	Amount         int64 // EvAccount: KRW, or shares for share commands
	Cash, CashHold int64 // EvAccount: KRW after the command
	Shares         Qty   // EvAccount: shares of Symbol after the command
	SharesHold     Qty   //
	RequestID      string
	Text           string
	Until          int64 // EvMarketStatus of a VI auction: its scheduled end, Unix ns
}

// String prints the fields, so that an Event printed with %+v shows them
// rather than the pointer.
func (x *Extra) String() string {
	if x == nil {
		return "<nil>"
	}
	return fmt.Sprintf("%+v", *x)
}

// Extras returns the event's Extra fields, all zero when it has none.
func (e *Event) Extras() Extra {
	if e.Extra == nil {
		return Extra{}
	}
	return *e.Extra
}

// Equal reports whether e and o are the same event: every field equal, the
// Extra fields compared by value.
func (e *Event) Equal(o *Event) bool {
	a, b := *e, *o
	a.Extra, b.Extra = nil, nil
	return a == b && e.Extras() == o.Extras()
}

// newExtra returns x on the heap, or nil when all of it is zero: the engine,
// like the decoder, gives an event an Extra only when one of its fields is
// set, so an event built and the same event decoded are alike to the byte.
func newExtra(x Extra) *Extra {
	if x == (Extra{}) {
		return nil
	}
	p := new(Extra) // not &x, which would move every caller's x to the heap
	*p = x
	return p
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
