package api

import "encoding/json"

// Methods a client may call.
const (
	MethodPlace  = "order.place"
	MethodAmend  = "order.amend"
	MethodCancel = "order.cancel"
)

// Types of pushed messages (the "type" field).
const (
	TypeExecution = "execution"
	TypeTrade     = "trade"
	TypeBook      = "book"
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
// already owns the client order id.
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
