package matching

import "github.com/mts-krx/mts/orderbook"

// The book's value types are the engine's too; the aliases spare callers an
// import of orderbook for them.
type (
	// Price is a price in integer KRW.
	Price = orderbook.Price
	// Qty is a quantity in integer shares.
	Qty = orderbook.Qty
	// OrderID identifies an order; the engine assigns them densely from 1.
	OrderID = orderbook.OrderID
	// Side is Buy or Sell.
	Side = orderbook.Side
)

// The two sides.
const (
	Buy  = orderbook.Buy
	Sell = orderbook.Sell
)

// OrderType is a KRX order type (호가 유형). Values are part of the journal
// format: never renumber, only append.
type OrderType uint8

// Order types. See KRX.md for the rules of each.
const (
	Limit     OrderType = 1 // 지정가: the given price or better
	Market    OrderType = 2 // 시장가: sweeps the opposite side, remainder canceled
	BestLimit OrderType = 3 // 최유리지정가: priced at the best opposite price on arrival
	FirstBest OrderType = 4 // 최우선지정가: priced at the best same-side price on arrival
	StopLimit OrderType = 5 // 스톱지정가: a limit order entered when the last trade reaches the stop price
	// ConditionalLimit (조건부지정가) is a limit order during continuous
	// trading (and the opening and VI auctions) whose remainder becomes a
	// market order when the closing auction starts.
	ConditionalLimit OrderType = 6
)

// TIF is an order's time in force (condition).
type TIF uint8

// Conditions. Values are part of the journal format.
const (
	Day TIF = 1 // rests until filled, canceled or the end of the day
	IOC TIF = 2 // fill what can be filled now, expire the rest
	FOK TIF = 3 // fill everything now or nothing
)

// STPMode is what self-match prevention does when an incoming order would
// trade with a resting order of the same account. Values are part of the
// journal format.
type STPMode uint8

// Self-match prevention modes. STPDefault resolves to STPCancelIncoming: the
// newest instruction is the one most likely to be a mistake, and canceling it
// leaves the customer's resting queue position intact.
const (
	STPDefault        STPMode = 0
	STPCancelResting  STPMode = 1 // cancel the resting order, keep matching
	STPCancelIncoming STPMode = 2 // cancel the rest of the incoming order
	STPCancelBoth     STPMode = 3 // cancel both
	STPDecrement      STPMode = 4 // reduce both by the smaller quantity, no trade
)

// ExecType is FIX's ExecType: what happened to an order in this report.
type ExecType uint8

// Execution types. Values are part of the journal format.
const (
	ExecNew       ExecType = 1 // accepted (or a stop order accepted and waiting)
	ExecTrade     ExecType = 2 // a fill
	ExecCanceled  ExecType = 3 // canceled, fully or partially, on request or by the engine
	ExecReplaced  ExecType = 4 // amended
	ExecRejected  ExecType = 5 // never accepted, or an amend / cancel refused
	ExecExpired   ExecType = 6 // time in force ran out (IOC / FOK remainder, end of day)
	ExecTriggered ExecType = 7 // a stop order's stop price traded: it enters the book now
	ExecRestated  ExecType = 8 // reduced by the engine (self-match decrement)
)

// OrdStatus is FIX's OrdStatus: the order's state after this report.
type OrdStatus uint8

// Order states. Values are part of the journal format.
const (
	StatusNew             OrdStatus = 1
	StatusPartiallyFilled OrdStatus = 2
	StatusFilled          OrdStatus = 3
	StatusCanceled        OrdStatus = 4
	StatusExpired         OrdStatus = 5
	StatusRejected        OrdStatus = 6
)

// Liquidity says whether a fill added (maker) or took (taker) liquidity.
type Liquidity uint8

// Liquidity indicators.
const (
	Maker Liquidity = 1
	Taker Liquidity = 2
)
