package api

import "encoding/json"

// Methods a client may call.
const (
	MethodPlace       = "order.place"
	MethodAmend       = "order.amend"
	MethodCancel      = "order.cancel"
	MethodCancelAll   = "order.cancelAll"
	MethodStatus      = "order.status"
	MethodOpenOrders  = "orders.open"
	MethodBalance     = "account.balance"
	MethodPositions   = "account.positions"
	MethodSubscribe   = "subscribe"
	MethodUnsubscribe = "unsubscribe"
	MethodPing        = "ping"
)

// Methods of the back office and operators. They are not client methods:
// they reach the engine from back-office tools, and the journal shows them
// with these names (see JournalCommand).
const (
	MethodOpenAccount  = "account.open"
	MethodDeposit      = "account.deposit"
	MethodWithdraw     = "account.withdraw"
	MethodCreditShares = "account.creditShares"
	MethodDebitShares  = "account.debitShares"
	MethodKillSwitch   = "admin.killSwitch"
)

// Types of pushed messages (the "type" field).
const (
	TypeExecution = "execution"
	TypeTrade     = "trade"
	TypeBook      = "book"
	// The back office's: in the journal, and later on operator streams.
	TypeAccount    = "account"
	TypeKillSwitch = "killSwitch"
	TypeAlert      = "alert"
	// Streams (stream.go).
	TypeBookSnapshot = "bookSnapshot"
	TypeBookDelta    = "bookDelta"
	TypeDepth        = "depth"
	TypeMarketTrade  = "marketTrade"
	TypeTicker       = "ticker"
	TypeCandle       = "candle"
	TypeOpenOrders   = "openOrders"
	TypeMarketStatus = "marketStatus"
	TypeResync       = "resync"
)

// MaxIDLen bounds a request id (its JSON text) so echoing it costs little.
const MaxIDLen = 64

// Request is one client request. ID is echoed verbatim in the reply: any JSON
// string or number of at most MaxIDLen bytes. Params depend on Method.
type Request struct {
	ID     json.RawMessage `json:"id,omitempty"`
	Method string          `json:"method"`
	Params json.RawMessage `json:"params,omitempty"`
}

// Reply answers one Request. Status is HTTP-like: 200 with Result, or the
// error code's status with Error.
type Reply struct {
	ID     json.RawMessage `json:"id,omitempty"`
	Status int             `json:"status"`
	Result any             `json:"result,omitempty"`
	Error  *Error          `json:"error,omitempty"`
}

// OK returns a successful reply.
func OK(id json.RawMessage, result any) Reply {
	return Reply{ID: id, Status: 200, Result: result}
}

// Fail returns an error reply with the status of the error's code.
func Fail(id json.RawMessage, err *Error) Reply {
	return Reply{ID: id, Status: err.Status(), Error: err}
}

// Decimal is a price (integer KRW) or quantity (integer shares) on the wire:
// a JSON string of decimal digits such as "71000". See the package
// documentation for what is accepted.
type Decimal string

// OrderID is an engine order id on the wire: a JSON string of decimal digits.
type OrderID string

// PlaceParams are the params of order.place.
type PlaceParams struct {
	Symbol        string  `json:"symbol"`
	Side          string  `json:"side"`                    // "buy" or "sell"
	Type          string  `json:"type"`                    // "limit", "market", "best_limit", "first_best", "stop_limit"
	Price         Decimal `json:"price,omitempty"`         // limit and stop_limit only
	StopPrice     Decimal `json:"stopPrice,omitempty"`     // stop_limit only
	Qty           Decimal `json:"qty"`                     // shares, positive
	TIF           string  `json:"tif,omitempty"`           // "day" (default), "ioc", "fok"
	ClientOrderID string  `json:"clientOrderId,omitempty"` // unique per account per trading day
	STP           string  `json:"stp,omitempty"`           // self-match prevention: "cancel_resting", "cancel_incoming" (default), "cancel_both", "decrement"
	Confirm       bool    `json:"confirm,omitempty"`       // the customer confirmed a warning (resend after CONFIRM_REQUIRED or DUPLICATE_ORDER)
}

// AmendParams are the params of order.amend (정정). At least one of Price and
// Qty must be given. Qty is the new total order quantity (FIX OrderQty): it
// may only go down, and must stay above what has filled.
type AmendParams struct {
	Symbol            string  `json:"symbol"`
	OrderID           OrderID `json:"orderId,omitempty"`
	OrigClientOrderID string  `json:"origClientOrderId,omitempty"`
	Price             Decimal `json:"price,omitempty"`
	Qty               Decimal `json:"qty,omitempty"`
}

// CancelParams are the params of order.cancel (취소). Without Qty the whole
// remainder is canceled; with it, only that many shares (일부취소), and the
// rest keeps its time priority.
type CancelParams struct {
	Symbol            string  `json:"symbol"`
	OrderID           OrderID `json:"orderId,omitempty"`
	OrigClientOrderID string  `json:"origClientOrderId,omitempty"`
	Qty               Decimal `json:"qty,omitempty"`
}

// ExecutionReport is one order's state after a command, in FIX vocabulary.
// Qty is the order quantity (FIX OrderQty). Price is omitted for orders that
// have none (market orders). LastPx, LastQty, Liquidity and TradeID are set
// on fills, and Fee and Tax when the server keeps accounts; LastQty also on
// cancels and expiries (the quantity taken off).
// RefOrderID is set on a DUPLICATE_CLIENT_ORDER_ID rejection: the order that
// already owns the client order id. TradeDate and SettlementDate are set on
// every fill (execType "trade"), for clients and in the journal feed alike.
type ExecutionReport struct {
	Type          string  `json:"type"` // "execution"
	Seq           uint64  `json:"seq"`
	TS            string  `json:"ts"`
	Account       string  `json:"account"`
	Symbol        string  `json:"symbol"`
	OrderID       OrderID `json:"orderId,omitempty"`
	ClientOrderID string  `json:"clientOrderId,omitempty"`
	Request       string  `json:"request"` // the method of the command that caused this report (a maker is filled by someone else's order.place)
	ExecType      string  `json:"execType"`
	Status        string  `json:"status"`
	Reason        Code    `json:"reason,omitempty"`
	Side          string  `json:"side,omitempty"`
	OrdType       string  `json:"ordType,omitempty"`
	TIF           string  `json:"tif,omitempty"`
	Price         Decimal `json:"price,omitempty"`
	StopPrice     Decimal `json:"stopPrice,omitempty"`
	Qty           Decimal `json:"qty"`
	CumQty        Decimal `json:"cumQty"`
	LeavesQty     Decimal `json:"leavesQty"`
	AvgPx         Decimal `json:"avgPx"`
	LastPx        Decimal `json:"lastPx,omitempty"`
	LastQty       Decimal `json:"lastQty,omitempty"`
	Liquidity     string  `json:"liquidity,omitempty"` // "maker" or "taker"
	TradeID       string  `json:"tradeId,omitempty"`
	Fee           Decimal `json:"fee,omitempty"` // KRW commission this side paid for this fill
	Tax           Decimal `json:"tax,omitempty"` // KRW transaction tax (sells) on this fill
	RefOrderID    OrderID `json:"refOrderId,omitempty"`

	// Fills only: the trade date (YYYY-MM-DD, KST) and the T+2 settlement date.
	TradeDate      string `json:"tradeDate,omitempty"`
	SettlementDate string `json:"settlementDate,omitempty"`
}

// Trade is one match of a taker with a maker. Side is the taker's
// (aggressor's) side. The accounts are for private and back-office streams;
// public market data leaves them out.
type Trade struct {
	Type         string  `json:"type"` // "trade"
	Seq          uint64  `json:"seq"`
	TS           string  `json:"ts"`
	Symbol       string  `json:"symbol"`
	TradeID      string  `json:"tradeId"`
	Price        Decimal `json:"price"`
	Qty          Decimal `json:"qty"`
	Side         string  `json:"side"`
	TakerOrderID OrderID `json:"takerOrderId"`
	MakerOrderID OrderID `json:"makerOrderId"`
	TakerAccount string  `json:"takerAccount,omitempty"`
	MakerAccount string  `json:"makerAccount,omitempty"`
}

// BookLevel is the new state of one price level. Qty "0" and Count 0 mean
// the level is gone.
type BookLevel struct {
	Type   string  `json:"type"` // "book"
	Seq    uint64  `json:"seq"`
	TS     string  `json:"ts"`
	Symbol string  `json:"symbol"`
	Side   string  `json:"side"`
	Price  Decimal `json:"price"`
	Qty    Decimal `json:"qty"`
	Count  int32   `json:"count"`
}

// AccountUpdate answers a back-office command (account.open, deposit,
// withdraw, creditShares, debitShares) with the account's state after it.
// Reason is empty when the command was applied, DUPLICATE_REQUEST when the
// same requestId was applied before (nothing changed), or the reject code.
// Amount is KRW for cash commands and shares for share commands; Shares and
// SharesHold (the position in Symbol after the command) are set on share
// commands only.
type AccountUpdate struct {
	Type       string  `json:"type"` // "account"
	Seq        uint64  `json:"seq"`
	TS         string  `json:"ts"`
	Request    string  `json:"request"` // the method, e.g. "account.deposit"
	Account    string  `json:"account"`
	RequestID  string  `json:"requestId,omitempty"`
	Reason     Code    `json:"reason,omitempty"`
	Symbol     string  `json:"symbol,omitempty"`
	Amount     Decimal `json:"amount,omitempty"`
	Cash       Decimal `json:"cash"`     // KRW after the command
	CashHold   Decimal `json:"cashHold"` // KRW held by open buy orders
	Shares     Decimal `json:"shares,omitempty"`
	SharesHold Decimal `json:"sharesHold,omitempty"`
	Text       string  `json:"text,omitempty"`
}

// KillSwitchUpdate reports a kill switch going on or off. Scope is
// "account" (Account set), "symbol" (Symbol set) or "global". Count is how
// many open orders switching it on canceled. Reason is set when the command
// was refused.
type KillSwitchUpdate struct {
	Type    string `json:"type"` // "killSwitch"
	Seq     uint64 `json:"seq"`
	TS      string `json:"ts"`
	Scope   string `json:"scope"`
	Account string `json:"account,omitempty"`
	Symbol  string `json:"symbol,omitempty"`
	Active  bool   `json:"active"`
	Count   int32  `json:"count"`
	Reason  Code   `json:"reason,omitempty"`
	Text    string `json:"text,omitempty"`
}

// Alert is a surveillance signal for the back office; it never blocks
// trading. Alert is "self_match" (a self-match was prevented; OrderID is the
// order concerned), "layering" (many quick cancels of unfilled orders) or
// "order_to_trade" (Orders and Fills are the account's counts today).
// Request is the method of the command that raised it.
type Alert struct {
	Type    string  `json:"type"` // "alert"
	Seq     uint64  `json:"seq"`
	TS      string  `json:"ts"`
	Alert   string  `json:"alert"`
	Request string  `json:"request"`
	Account string  `json:"account"`
	Symbol  string  `json:"symbol,omitempty"`
	OrderID OrderID `json:"orderId,omitempty"`
	Orders  *int64  `json:"orders,omitempty"`
	Fills   *int64  `json:"fills,omitempty"`
}
