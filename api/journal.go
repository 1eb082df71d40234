package api

// The back office's view of the journal: one JournalRecord per sequence
// number, every command the engine applied and every event it produced,
// gap-free. `mts journal export` writes them from a stopped engine's data
// directory, GET /v1/journal streams them from a running one, both as JSON
// lines (one record a line) or CSV (one event a row, JournalCSVColumns).

// JournalRecord is one journal record. TS is the engine's timestamp of the
// command (RFC 3339, UTC, nanoseconds); TradeDate is that instant's date in
// Korea (KST, UTC+9, YYYY-MM-DD). Events are the command's events in the
// order the engine produced them, each the message the client protocol
// uses for it (ExecutionReport, Trade, BookLevel, AccountUpdate,
// KillSwitchUpdate, Alert), with TradeDate and SettlementDate set on every
// fill (execType "trade").
type JournalRecord struct {
	Seq       uint64         `json:"seq"`
	TS        string         `json:"ts"`
	TradeDate string         `json:"tradeDate"`
	Command   JournalCommand `json:"command"`
	Events    []any          `json:"events"`
}

// JournalCommand is the command of a record. Params has the shape of the
// method's params in the client protocol (PlaceParams, AmendParams,
// CancelParams) or of the back office's (OpenAccountParams, CashParams,
// SharesParams, KillSwitchParams), with decimal strings for prices,
// quantities and amounts. Account is the account the command is for: the
// trader's for orders, the target's for back-office commands and for an
// account-scope kill switch; empty for symbol and global kill switches.
type JournalCommand struct {
	Method  string `json:"method"`
	Account string `json:"account,omitempty"`
	Params  any    `json:"params"`
}

// OpenAccountParams are the params of account.open. Group is the account's
// self-match prevention group. RequestID makes the command idempotent per
// account.
type OpenAccountParams struct {
	Group     string `json:"group,omitempty"`
	RequestID string `json:"requestId"`
}

// CashParams are the params of account.deposit and account.withdraw.
// Amount is KRW.
type CashParams struct {
	Amount    Decimal `json:"amount"`
	RequestID string  `json:"requestId"`
	Text      string  `json:"text,omitempty"`
}

// SharesParams are the params of account.creditShares and
// account.debitShares (transfers of shares in and out).
type SharesParams struct {
	Symbol    string  `json:"symbol"`
	Qty       Decimal `json:"qty"`
	RequestID string  `json:"requestId"`
	Text      string  `json:"text,omitempty"`
}

// KillSwitchParams are the params of admin.killSwitch. Scope is "account"
// (the command's account), "symbol" (Symbol) or "global".
type KillSwitchParams struct {
	Scope  string `json:"scope"`
	Symbol string `json:"symbol,omitempty"`
	Active bool   `json:"active"`
	Text   string `json:"text,omitempty"`
}

// JournalCSVColumns returns the header of the journal's CSV form, one row per
// event (a command without events still gets one row, with the event
// columns empty, so every seq appears). The first five columns are the
// command's; the rest are the event's, each column always holding the same
// field, empty where the event type has none:
//
//	seq ts tradeDate method cmdAccount   the command: as in JournalRecord
//	type                                 execution, trade, book, account, killSwitch, alert
//	account symbol                       the event's (trade: the taker's account)
//	orderId                              execution, alert; trade: the taker's order
//	clientOrderId execType status reason side ordType tif
//	                                     as in ExecutionReport (reason also account,
//	                                     killSwitch; side also trade, book)
//	price qty                            execution: the order's; trade: the trade's;
//	                                     book: the level's
//	stopPrice cumQty leavesQty avgPx lastPx lastQty liquidity
//	                                     execution
//	tradeId                              execution, trade
//	fee tax settlementDate               execution fills (KRW; YYYY-MM-DD)
//	makerOrderId makerAccount            trade
//	refOrderId                           execution (DUPLICATE_CLIENT_ORDER_ID)
//	count                                book: orders at the level; killSwitch:
//	                                     orders canceled; alert: orders today (order_to_trade)
//	requestId amount cash cashHold shares sharesHold
//	                                     account
//	scope active                         killSwitch ("true" / "false")
//	alert fills                          alert
//	text                                 account, killSwitch
//
// Cells are written verbatim (RFC 4180 quoting only): strings a client
// chose (account, clientOrderId, requestId, text) are not defused for
// spreadsheets, so a file meant for one should be imported, not opened.
func JournalCSVColumns() []string {
	return []string{
		"seq", "ts", "tradeDate", "method", "cmdAccount",
		"type", "account", "symbol", "orderId", "clientOrderId",
		"execType", "status", "reason", "side", "ordType", "tif",
		"price", "qty", "stopPrice", "cumQty", "leavesQty", "avgPx",
		"lastPx", "lastQty", "liquidity", "tradeId", "fee", "tax", "settlementDate",
		"makerOrderId", "makerAccount", "refOrderId", "count",
		"requestId", "amount", "cash", "cashHold", "shares", "sharesHold",
		"scope", "active", "alert", "fills", "text",
	}
}
