package api

import "fmt"

// Code is a stable client-facing error or reason code, e.g. "PRICE_OFF_TICK".
type Code string

// Class says where a code comes from and how a client meets it.
type Class uint8

// Classes of codes.
const (
	// ClassProtocol codes come from the edge: the request never reached the
	// engine (or its outcome is unknown). They appear as reply errors.
	ClassProtocol Class = 1
	// ClassReject codes are the engine's refusals of a command. They appear
	// as the reason of an execution report with execType "rejected", or as a
	// reply error when the gateway can tell without the engine.
	ClassReject Class = 2
	// ClassCancel codes say why the engine canceled or expired an accepted
	// order. They appear only as the reason of an execution report.
	ClassCancel Class = 3
	// ClassInfo codes qualify a success: the request was already applied
	// (an idempotent retry) and nothing changed.
	ClassInfo Class = 4
)

func (c Class) String() string {
	switch c {
	case ClassProtocol:
		return "protocol"
	case ClassReject:
		return "reject"
	case ClassCancel:
		return "cancel"
	case ClassInfo:
		return "info"
	}
	return "unknown"
}

// Protocol codes.
const (
	BadRequest      Code = "BAD_REQUEST"
	MalformedJSON   Code = "MALFORMED_JSON"
	MessageTooLarge Code = "MESSAGE_TOO_LARGE"
	UnknownMethod   Code = "UNKNOWN_METHOD"
	MissingField    Code = "MISSING_FIELD"
	UnknownField    Code = "UNKNOWN_FIELD"
	InvalidField    Code = "INVALID_FIELD"
	InvalidNumber   Code = "INVALID_NUMBER"
	Unauthorized    Code = "UNAUTHORIZED"
	Forbidden       Code = "FORBIDDEN"
	RateLimited     Code = "RATE_LIMITED"
	Busy            Code = "BUSY"
	Unavailable     Code = "UNAVAILABLE"
	Timeout         Code = "TIMEOUT"
	Internal        Code = "INTERNAL"
	// Appended with the WebSocket gateway.
	OutcomeUnknown       Code = "OUTCOME_UNKNOWN"
	UnknownStream        Code = "UNKNOWN_STREAM"
	TooManySubscriptions Code = "TOO_MANY_SUBSCRIPTIONS"
	SlowConsumer         Code = "SLOW_CONSUMER"
)

// Reject codes: the engine's reasons for refusing a command. They mirror
// matching.Reason codes one for one (a gateway test checks it).
const (
	UnknownSymbol          Code = "UNKNOWN_SYMBOL"
	InvalidAccount         Code = "INVALID_ACCOUNT"
	InvalidClientOrderID   Code = "INVALID_CLIENT_ORDER_ID"
	InvalidSide            Code = "INVALID_SIDE"
	InvalidOrderType       Code = "INVALID_ORDER_TYPE"
	InvalidTIF             Code = "INVALID_TIF"
	TIFNotAllowed          Code = "TIF_NOT_ALLOWED"
	InvalidQuantity        Code = "INVALID_QUANTITY"
	QuantityExceedsMax     Code = "QUANTITY_EXCEEDS_MAX"
	InvalidPrice           Code = "INVALID_PRICE"
	PriceOffTick           Code = "PRICE_OFF_TICK"
	PriceOutOfLimits       Code = "PRICE_OUT_OF_LIMITS"
	InvalidStopPrice       Code = "INVALID_STOP_PRICE"
	NoReferenceQuote       Code = "NO_REFERENCE_QUOTE"
	DuplicateClientOrderID Code = "DUPLICATE_CLIENT_ORDER_ID"
	TooManyOrders          Code = "TOO_MANY_ORDERS"
	UnknownOrder           Code = "UNKNOWN_ORDER"
	OrderNotOpen           Code = "ORDER_NOT_OPEN"
	OrderNotAmendable      Code = "ORDER_NOT_AMENDABLE"
	AmendQtyIncrease       Code = "AMEND_QTY_INCREASE"
	AmendNoChange          Code = "AMEND_NO_CHANGE"
	InvalidSTPMode         Code = "INVALID_STP_MODE"
	UnknownCommand         Code = "UNKNOWN_COMMAND"
	UnknownAccount         Code = "UNKNOWN_ACCOUNT"
	AccountExists          Code = "ACCOUNT_EXISTS"
	InvalidAmount          Code = "INVALID_AMOUNT"
	InvalidRequestID       Code = "INVALID_REQUEST_ID"
	InsufficientFunds      Code = "INSUFFICIENT_FUNDS"
	InsufficientHoldings   Code = "INSUFFICIENT_HOLDINGS"
	NotionalExceedsMax     Code = "NOTIONAL_EXCEEDS_MAX"
	FatFingerBlocked       Code = "FAT_FINGER_BLOCKED"
	ConfirmRequired        Code = "CONFIRM_REQUIRED"
	DuplicateOrder         Code = "DUPLICATE_ORDER"
	OrderRateExceeded      Code = "ORDER_RATE_EXCEEDED"
	TooManyOpenOrders      Code = "TOO_MANY_OPEN_ORDERS"
	ReferenceDataMissing   Code = "REFERENCE_DATA_MISSING"
	KillSwitchActive       Code = "KILL_SWITCH_ACTIVE"
	SymbolHalted           Code = "SYMBOL_HALTED"
	TradingHalted          Code = "TRADING_HALTED"
	RiskDisabled           Code = "RISK_DISABLED"
	InvalidScope           Code = "INVALID_SCOPE"
	OrderTypeNotInPhase    Code = "ORDER_TYPE_NOT_IN_PHASE"
	TIFNotInPhase          Code = "TIF_NOT_IN_PHASE"
	MarketClosed           Code = "MARKET_CLOSED"
	InvalidPhase           Code = "INVALID_PHASE"
)

// Cancel codes: why an accepted order was canceled or expired by the engine.
const (
	NoLiquidity        Code = "NO_LIQUIDITY"
	SelfMatchPrevented Code = "SELF_MATCH_PREVENTED"
	FOKNotFillable     Code = "FOK_NOT_FILLABLE"
	IOCRemainder       Code = "IOC_REMAINDER"
	KillSwitch         Code = "KILL_SWITCH"
	EndOfDay           Code = "END_OF_DAY"
	ConvertedToMarket  Code = "CONVERTED_TO_MARKET"
)

// Info codes.
const (
	DuplicateRequest Code = "DUPLICATE_REQUEST"
)

type codeInfo struct {
	code   Code
	class  Class
	status int
	text   string
}

// registry is the one table of codes: protocol codes first, then the
// engine's in matching.Reason order. Append only. The engine's codes never
// have a 5xx status: their outcome is known, and 5xx means "unknown".
var registry = [...]codeInfo{
	{BadRequest, ClassProtocol, 400, "the request is not valid"},
	{MalformedJSON, ClassProtocol, 400, "the request is not well-formed JSON"},
	{MessageTooLarge, ClassProtocol, 413, "the message is longer than the server accepts"},
	{UnknownMethod, ClassProtocol, 404, "no such method"},
	{MissingField, ClassProtocol, 400, "a required field is missing or empty"},
	{UnknownField, ClassProtocol, 400, "the params contain a field the method does not take"},
	{InvalidField, ClassProtocol, 400, "a field has the wrong JSON type or an invalid value"},
	{InvalidNumber, ClassProtocol, 400, "numbers are JSON strings of whole units within int64, e.g. \"71000\""},
	{Unauthorized, ClassProtocol, 401, "no valid token for this request"},
	{Forbidden, ClassProtocol, 403, "the token does not allow this method or account"},
	{RateLimited, ClassProtocol, 429, "too many requests; slow down and retry"},
	{Busy, ClassProtocol, 503, "the engine's input queue is full; the request was not accepted, retry later"},
	{Unavailable, ClassProtocol, 503, "the engine is not accepting orders"},
	{Timeout, ClassProtocol, 504, "no answer in time: outcome unknown, query by client order id"},
	{Internal, ClassProtocol, 500, "internal error: outcome unknown, query by client order id"},

	{UnknownSymbol, ClassReject, 404, "no instrument with that code"},
	{InvalidAccount, ClassReject, 400, "account missing or too long"},
	{InvalidClientOrderID, ClassReject, 400, "client order id too long"},
	{InvalidSide, ClassReject, 400, "side must be buy or sell"},
	{InvalidOrderType, ClassReject, 400, "unknown order type"},
	{InvalidTIF, ClassReject, 400, "unknown time in force"},
	{TIFNotAllowed, ClassReject, 400, "this order type does not accept that time in force"},
	{InvalidQuantity, ClassReject, 400, "quantity must be a positive whole number of shares"},
	{QuantityExceedsMax, ClassReject, 400, "quantity above the instrument's maximum order quantity"},
	{InvalidPrice, ClassReject, 400, "price missing, not positive, or given for an order type that takes none"},
	{PriceOffTick, ClassReject, 400, "price is not a multiple of the tick size of its band"},
	{PriceOutOfLimits, ClassReject, 400, "price outside the daily price limits"},
	{InvalidStopPrice, ClassReject, 400, "stop price missing, off tick or outside the daily limits"},
	{NoReferenceQuote, ClassReject, 409, "no quote on the book to price this order type from"},
	{DuplicateClientOrderID, ClassReject, 409, "client order id already used today by this account"},
	{TooManyOrders, ClassReject, 429, "daily order count limit for this account reached"},
	{UnknownOrder, ClassReject, 404, "no such open order for this account"},
	{OrderNotOpen, ClassReject, 409, "order already filled, canceled or expired"},
	{OrderNotAmendable, ClassReject, 409, "untriggered stop orders cannot be amended; cancel and re-enter"},
	{AmendQtyIncrease, ClassReject, 400, "an amend may not raise the quantity, nor lower it to or below the filled quantity"},
	{AmendNoChange, ClassReject, 400, "amend changes neither price nor quantity"},
	{InvalidSTPMode, ClassReject, 400, "unknown self-match prevention mode"},
	{UnknownCommand, ClassReject, 400, "unknown command kind"},

	{NoLiquidity, ClassCancel, 200, "market order remainder canceled: nothing left to trade within the price limits"},
	{SelfMatchPrevented, ClassCancel, 200, "would have traded with an order of the same account"},
	{FOKNotFillable, ClassCancel, 200, "fill-or-kill order could not be filled in full"},
	{IOCRemainder, ClassCancel, 200, "immediate-or-cancel remainder expired"},

	{UnknownAccount, ClassReject, 404, "no such account"},
	{AccountExists, ClassReject, 409, "an account with that id exists"},
	{InvalidAmount, ClassReject, 400, "amount must be a positive whole number"},
	{InvalidRequestID, ClassReject, 400, "request id missing or longer than 64 bytes"},
	{DuplicateRequest, ClassInfo, 200, "this request id was applied before; nothing changed"},
	{InsufficientFunds, ClassReject, 400, "not enough available cash"},
	{InsufficientHoldings, ClassReject, 400, "not enough available shares (no short selling)"},
	{NotionalExceedsMax, ClassReject, 400, "order value above the per-order maximum"},
	{FatFingerBlocked, ClassReject, 403, "order quantity too large a share of listed shares"},
	{ConfirmRequired, ClassReject, 428, "large or off-market order: resend with confirm to proceed"},
	{DuplicateOrder, ClassReject, 428, "the same order was just sent: resend with confirm to proceed"},
	{OrderRateExceeded, ClassReject, 429, "too many orders in a short time"},
	{TooManyOpenOrders, ClassReject, 429, "open order limit for this account reached"},
	{ReferenceDataMissing, ClassReject, 409, "a reference price or listed share count needed for a check is missing"},
	{KillSwitchActive, ClassReject, 403, "trading for this account is stopped"},
	{SymbolHalted, ClassReject, 409, "trading in this instrument is halted"},
	{TradingHalted, ClassReject, 409, "all trading is halted"},
	{KillSwitch, ClassCancel, 200, "canceled by a kill switch"},
	{RiskDisabled, ClassReject, 409, "accounts and kill switches need the risk checker on"},
	{InvalidScope, ClassReject, 400, "kill switch scope must be account, symbol or global"},
	{OrderTypeNotInPhase, ClassReject, 409, "this order type is not accepted in the current trading phase"},
	{TIFNotInPhase, ClassReject, 409, "IOC and FOK are accepted only during continuous trading"},
	{MarketClosed, ClassReject, 409, "the market is closed for this instrument"},
	{InvalidPhase, ClassReject, 400, "unknown trading phase"},
	{EndOfDay, ClassCancel, 200, "day order expired at the close"},
	{ConvertedToMarket, ClassCancel, 200, "conditional limit order became a market order at the closing auction"},

	{OutcomeUnknown, ClassProtocol, 504, "the request was sent but its answer was lost: outcome unknown, query by client order id"},
	{UnknownStream, ClassProtocol, 404, "no such stream (see subscribe's stream names)"},
	{TooManySubscriptions, ClassProtocol, 429, "subscription limit for this connection reached"},
	{SlowConsumer, ClassProtocol, 503, "the client did not read its messages fast enough"},
}

var byCode = func() map[Code]*codeInfo {
	m := make(map[Code]*codeInfo, len(registry))
	for i := range registry {
		if m[registry[i].code] != nil {
			panic("api: code registered twice: " + string(registry[i].code))
		}
		m[registry[i].code] = &registry[i]
	}
	return m
}()

// Codes returns every registered code in registry order.
func Codes() []Code {
	out := make([]Code, len(registry))
	for i := range registry {
		out[i] = registry[i].code
	}
	return out
}

// Registered reports whether c is in the registry.
func (c Code) Registered() bool { return byCode[c] != nil }

// Status returns the code's HTTP-like status, or 500 for an unregistered code.
func (c Code) Status() int {
	if in := byCode[c]; in != nil {
		return in.status
	}
	return 500
}

// Class returns the code's class, or 0 for an unregistered code.
func (c Code) Class() Class {
	if in := byCode[c]; in != nil {
		return in.class
	}
	return 0
}

// Text returns the code's generic explanation.
func (c Code) Text() string {
	if in := byCode[c]; in != nil {
		return in.text
	}
	return "unknown code"
}

// Error is the error object of a reply: a registered code and a message for
// humans that names the offending field. Clients branch on Code, never on Msg.
type Error struct {
	Code Code   `json:"code"`
	Msg  string `json:"msg"`
	// RetryAfterMs is set on RATE_LIMITED and BUSY: how long to wait
	// before retrying, in milliseconds.
	RetryAfterMs int64 `json:"retryAfterMs,omitempty"`
}

// Errorf returns an *Error with a formatted message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Msg: fmt.Sprintf(format, args...)}
}

func (e *Error) Error() string { return string(e.Code) + ": " + e.Msg }

// Status returns the HTTP-like status of the error's code.
func (e *Error) Status() int { return e.Code.Status() }
