package matching

import "github.com/mts-krx/mts/risk"

// Reason is why an order was rejected, or why the engine canceled or expired
// it. Every business outcome that is not plain success carries one. The
// numeric value is stored in the journal and the Code is what clients see;
// both are stable: never renumber or rename, only append.
type Reason uint16

// The reason table. One registry, so that the journal, the wire protocol and
// the documentation cannot drift apart.
const (
	ReasonNone Reason = iota
	RejUnknownSymbol
	RejInvalidAccount
	RejInvalidClientOrderID
	RejInvalidSide
	RejInvalidOrderType
	RejInvalidTIF
	RejTIFNotAllowed
	RejInvalidQty
	RejQtyExceedsMax
	RejInvalidPrice
	RejPriceOffTick
	RejPriceOutOfLimits
	RejInvalidStopPrice
	RejNoReferenceQuote
	RejDuplicateClientOrderID
	RejTooManyOrders
	RejUnknownOrder
	RejOrderNotOpen
	RejNotAmendable
	RejAmendQtyIncrease
	RejAmendNoChange
	RejInvalidSTPMode
	RejUnknownCommand
	CxlNoLiquidity
	CxlSelfMatch
	ExpFOKNotFillable
	ExpIOCRemainder
	RejUnknownAccount
	RejAccountExists
	RejInvalidAmount
	RejInvalidRequestID
	DuplicateRequest
	RejInsufficientFunds
	RejInsufficientHoldings
	RejNotionalExceedsMax
	RejFatFingerBlocked
	RejConfirmRequired
	RejDuplicateOrder
	RejOrderRateExceeded
	RejTooManyOpenOrders
	RejReferenceDataMissing
	RejKillSwitchActive
	RejSymbolHalted
	RejTradingHalted
	CxlKillSwitch
	RejRiskDisabled
	RejInvalidScope
	RejOrderTypeNotInPhase
	RejTIFNotInPhase
	RejMarketClosed
	RejInvalidPhase
	ExpEndOfDay
	RstConvertedToMarket
	numReasons
)

var reasonCodes = [numReasons]struct{ code, text string }{
	ReasonNone:                {"", ""},
	RejUnknownSymbol:          {"UNKNOWN_SYMBOL", "no instrument with that code"},
	RejInvalidAccount:         {"INVALID_ACCOUNT", "account missing or too long"},
	RejInvalidClientOrderID:   {"INVALID_CLIENT_ORDER_ID", "client order id too long"},
	RejInvalidSide:            {"INVALID_SIDE", "side must be buy or sell"},
	RejInvalidOrderType:       {"INVALID_ORDER_TYPE", "unknown order type"},
	RejInvalidTIF:             {"INVALID_TIF", "unknown time in force"},
	RejTIFNotAllowed:          {"TIF_NOT_ALLOWED", "this order type does not accept that time in force"},
	RejInvalidQty:             {"INVALID_QUANTITY", "quantity must be a positive whole number of shares"},
	RejQtyExceedsMax:          {"QUANTITY_EXCEEDS_MAX", "quantity above the instrument's maximum order quantity"},
	RejInvalidPrice:           {"INVALID_PRICE", "price missing, not positive, or given for an order type that takes none"},
	RejPriceOffTick:           {"PRICE_OFF_TICK", "price is not a multiple of the tick size of its band"},
	RejPriceOutOfLimits:       {"PRICE_OUT_OF_LIMITS", "price outside the daily price limits"},
	RejInvalidStopPrice:       {"INVALID_STOP_PRICE", "stop price missing, off tick or outside the daily limits"},
	RejNoReferenceQuote:       {"NO_REFERENCE_QUOTE", "no quote on the book to price this order type from"},
	RejDuplicateClientOrderID: {"DUPLICATE_CLIENT_ORDER_ID", "client order id already used today by this account"},
	RejTooManyOrders:          {"TOO_MANY_ORDERS", "daily order count limit for this account reached"},
	RejUnknownOrder:           {"UNKNOWN_ORDER", "no such open order for this account"},
	RejOrderNotOpen:           {"ORDER_NOT_OPEN", "order already filled, canceled or expired"},
	RejNotAmendable:           {"ORDER_NOT_AMENDABLE", "untriggered stop orders cannot be amended; cancel and re-enter"},
	RejAmendQtyIncrease:       {"AMEND_QTY_INCREASE", "an amend may not raise the quantity, nor lower it to or below the filled quantity"},
	RejAmendNoChange:          {"AMEND_NO_CHANGE", "amend changes neither price nor quantity"},
	RejInvalidSTPMode:         {"INVALID_STP_MODE", "unknown self-match prevention mode"},
	RejUnknownCommand:         {"UNKNOWN_COMMAND", "unknown command kind"},
	CxlNoLiquidity:            {"NO_LIQUIDITY", "market order remainder canceled: nothing left to trade within the price limits"},
	CxlSelfMatch:              {"SELF_MATCH_PREVENTED", "would have traded with an order of the same account"},
	ExpFOKNotFillable:         {"FOK_NOT_FILLABLE", "fill-or-kill order could not be filled in full"},
	ExpIOCRemainder:           {"IOC_REMAINDER", "immediate-or-cancel remainder expired"},
	RejUnknownAccount:         {"UNKNOWN_ACCOUNT", "no such account"},
	RejAccountExists:          {"ACCOUNT_EXISTS", "an account with that id exists"},
	RejInvalidAmount:          {"INVALID_AMOUNT", "amount must be a positive whole number"},
	RejInvalidRequestID:       {"INVALID_REQUEST_ID", "request id missing or longer than 64 bytes"},
	DuplicateRequest:          {"DUPLICATE_REQUEST", "this request id was applied before; nothing changed"},
	RejInsufficientFunds:      {"INSUFFICIENT_FUNDS", "not enough available cash"},
	RejInsufficientHoldings:   {"INSUFFICIENT_HOLDINGS", "not enough available shares (no short selling)"},
	RejNotionalExceedsMax:     {"NOTIONAL_EXCEEDS_MAX", "order value above the per-order maximum"},
	RejFatFingerBlocked:       {"FAT_FINGER_BLOCKED", "order quantity too large a share of listed shares"},
	RejConfirmRequired:        {"CONFIRM_REQUIRED", "large or off-market order: resend with confirm to proceed"},
	RejDuplicateOrder:         {"DUPLICATE_ORDER", "the same order was just sent: resend with confirm to proceed"},
	RejOrderRateExceeded:      {"ORDER_RATE_EXCEEDED", "too many orders in a short time"},
	RejTooManyOpenOrders:      {"TOO_MANY_OPEN_ORDERS", "open order limit for this account reached"},
	RejReferenceDataMissing:   {"REFERENCE_DATA_MISSING", "a reference price or listed share count needed for a check is missing"},
	RejKillSwitchActive:       {"KILL_SWITCH_ACTIVE", "trading for this account is stopped"},
	RejSymbolHalted:           {"SYMBOL_HALTED", "trading in this instrument is halted"},
	RejTradingHalted:          {"TRADING_HALTED", "all trading is halted"},
	CxlKillSwitch:             {"KILL_SWITCH", "canceled by a kill switch"},
	RejRiskDisabled:           {"RISK_DISABLED", "accounts and kill switches need the risk checker on"},
	RejInvalidScope:           {"INVALID_SCOPE", "kill switch scope must be account, symbol or global"},
	RejOrderTypeNotInPhase:    {"ORDER_TYPE_NOT_IN_PHASE", "this order type is not accepted in the current trading phase"},
	RejTIFNotInPhase:          {"TIF_NOT_IN_PHASE", "IOC and FOK are accepted only during continuous trading"},
	RejMarketClosed:           {"MARKET_CLOSED", "the market is closed for this instrument"},
	RejInvalidPhase:           {"INVALID_PHASE", "unknown trading phase"},
	ExpEndOfDay:               {"END_OF_DAY", "day order expired at the close"},
	RstConvertedToMarket:      {"CONVERTED_TO_MARKET", "conditional limit order became a market order at the closing auction"},
}

// verdictReasons maps the risk package's verdicts into this table, so that
// risk needs no import of matching and codes stay in one place.
var verdictReasons = [risk.NumVerdicts]Reason{
	risk.OK:                   ReasonNone,
	risk.UnknownAccount:       RejUnknownAccount,
	risk.AccountExists:        RejAccountExists,
	risk.InvalidAmount:        RejInvalidAmount,
	risk.InvalidRequestID:     RejInvalidRequestID,
	risk.DuplicateRequest:     DuplicateRequest,
	risk.InsufficientFunds:    RejInsufficientFunds,
	risk.InsufficientHoldings: RejInsufficientHoldings,
	risk.NotionalExceedsMax:   RejNotionalExceedsMax,
	risk.FatFingerBlocked:     RejFatFingerBlocked,
	risk.ConfirmRequired:      RejConfirmRequired,
	risk.DuplicateOrder:       RejDuplicateOrder,
	risk.OrderRateExceeded:    RejOrderRateExceeded,
	risk.TooManyOpenOrders:    RejTooManyOpenOrders,
	risk.ReferenceDataMissing: RejReferenceDataMissing,
	risk.KillSwitchActive:     RejKillSwitchActive,
	risk.SymbolHalted:         RejSymbolHalted,
	risk.TradingHalted:        RejTradingHalted,
}

func reasonOf(v risk.Verdict) Reason { return verdictReasons[v] }

// Code returns the stable client-facing code, e.g. "PRICE_OFF_TICK".
func (r Reason) Code() string {
	if int(r) < len(reasonCodes) {
		return reasonCodes[r].code
	}
	return "UNKNOWN_REASON"
}

// Text returns a short human explanation.
func (r Reason) Text() string {
	if int(r) < len(reasonCodes) {
		return reasonCodes[r].text
	}
	return "unknown reason"
}

func (r Reason) String() string { return r.Code() }

// Reasons returns every registered reason except ReasonNone, in numeric order.
// The api package's error table is checked against it.
func Reasons() []Reason {
	out := make([]Reason, 0, numReasons-1)
	for r := Reason(1); r < numReasons; r++ {
		out = append(out, r)
	}
	return out
}
