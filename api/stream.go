package api

// Params and results of the methods beyond order entry, and the messages of
// the subscription streams. See docs/protocol.md for examples of each.

// CancelAllParams are the params of order.cancelAll: cancel every open
// order of the account, in Symbol only if it is given.
type CancelAllParams struct {
	Symbol string `json:"symbol,omitempty"`
}

// StatusParams are the params of order.status: exactly one of OrderID and
// ClientOrderID. Symbol is optional.
type StatusParams struct {
	Symbol        string  `json:"symbol,omitempty"`
	OrderID       OrderID `json:"orderId,omitempty"`
	ClientOrderID string  `json:"clientOrderId,omitempty"`
}

// OpenOrdersParams are the params of orders.open; both optional. After is
// the Next of the answer before, to read the page that follows it.
type OpenOrdersParams struct {
	Symbol string `json:"symbol,omitempty"`
	After  string `json:"after,omitempty"`
}

// SubscribeParams are the params of subscribe and unsubscribe. Stream names:
//
//	book.<symbol>              L2 top 10: a bookSnapshot, then bookDelta messages
//	depth.<symbol>             the whole top 10 after each change (conflated: latest wins)
//	trades.<symbol>            marketTrade messages
//	ticker.<symbol>            ticker messages (the latest at once, if any)
//	candles.<interval>.<symbol> candle messages; interval 1m, 5m, 1h or 1d
//	status.<symbol>            marketStatus messages: the trading phase, and in
//	                           auctions the indicative price and volume (the latest at once)
//	executions                 the account's own: an openOrders snapshot, then execution reports
type SubscribeParams struct {
	Streams []string `json:"streams"`
}

// SubscribeResult lists the streams the connection is subscribed to after
// the request.
type SubscribeResult struct {
	Streams []string `json:"streams"`
}

// OrderResult answers order.place, order.amend, order.cancel and
// order.cancelAll: the command's journal sequence number and the execution
// reports it produced for the caller's account (an ack, fills,
// cancellations). On an engine rejection the reply has both an error (the
// reason code) and this result (the rejected report, with refOrderId on
// DUPLICATE_CLIENT_ORDER_ID). Every report is also sent on the executions
// stream. A command with more than MaxReplyReports reports for the caller
// (a cancelAll of thousands of orders, a sweep of thousands of fills)
// answers with the first and the latest, the last being the order's state
// now, and Truncated set; the executions stream carries every one.
type OrderResult struct {
	Seq       uint64            `json:"seq"`
	Reports   []ExecutionReport `json:"reports"`
	Truncated bool              `json:"truncated,omitempty"`
}

// MaxReplyReports is the most execution reports one OrderResult holds.
const MaxReplyReports = 1000

// OrderState is one order as order.status and orders.open show it. Status
// is "new", "partially_filled" or "pending" (a stop order waiting for its
// trigger) while the order is open. Open is false for an order that is
// known (its client order id was used today) but no longer open: Status is
// then how it ended, "filled", "canceled" or "expired", with its last
// quantities and average price (LeavesQty 0); or "closed" with the ids only
// when the engine does not know how it ended (it closed before the engine
// kept that). The executions stream and the journal have its history.
type OrderState struct {
	OrderID       OrderID `json:"orderId"`
	ClientOrderID string  `json:"clientOrderId,omitempty"`
	Symbol        string  `json:"symbol"`
	Open          bool    `json:"open"`
	Status        string  `json:"status"`
	Side          string  `json:"side,omitempty"`
	OrdType       string  `json:"ordType,omitempty"`
	TIF           string  `json:"tif,omitempty"`
	Price         Decimal `json:"price,omitempty"`
	StopPrice     Decimal `json:"stopPrice,omitempty"`
	Qty           Decimal `json:"qty,omitempty"`
	CumQty        Decimal `json:"cumQty,omitempty"`
	LeavesQty     Decimal `json:"leavesQty,omitempty"`
	AvgPx         Decimal `json:"avgPx,omitempty"`
}

// OrdersResult answers orders.open: a page of at most OpenOrdersPage open
// orders, by symbol then order id. Next, when set, says more follow: it is
// an opaque cursor to send as After for the next page.
type OrdersResult struct {
	Orders []OrderState `json:"orders"`
	Next   string       `json:"next,omitempty"`
}

// OpenOrdersPage is the most orders one orders.open answer or openOrders
// message holds.
const OpenOrdersPage = 1000

// BalanceResult answers account.balance. Available = Cash − Hold.
type BalanceResult struct {
	Account   string  `json:"account"`
	Cash      Decimal `json:"cash"`
	Hold      Decimal `json:"hold"`
	Available Decimal `json:"available"`
}

// Position is one holding in PositionsResult. Available = Qty − Hold.
type Position struct {
	Symbol    string  `json:"symbol"`
	Qty       Decimal `json:"qty"`
	Hold      Decimal `json:"hold"`
	Available Decimal `json:"available"`
}

// PositionsResult answers account.positions.
type PositionsResult struct {
	Account   string     `json:"account"`
	Positions []Position `json:"positions"`
}

// PingResult answers ping with the server's time (RFC 3339, UTC).
type PingResult struct {
	TS string `json:"ts"`
}

// Level is one aggregated price level of a book message.
type Level struct {
	Price Decimal `json:"price"`
	Qty   Decimal `json:"qty"`
	Count int32   `json:"count"`
}

// LevelChange is one entry of a bookDelta: the new state of one level of
// the top-10 window; qty "0" means it left the window.
type LevelChange struct {
	Side  string  `json:"side"`
	Price Decimal `json:"price"`
	Qty   Decimal `json:"qty"`
	Count int32   `json:"count"`
}

// MarketHeader starts every market-data message. Seq counts the symbol's
// messages of one stream (1, 2, 3, … without gaps; depth shares book's);
// SrcSeq is the journal sequence number of the command that caused it.
type MarketHeader struct {
	Type   string `json:"type"`
	Symbol string `json:"symbol"`
	Seq    uint64 `json:"seq"`
	SrcSeq uint64 `json:"srcSeq"`
	TS     string `json:"ts"`
}

// BookSnapshot (type bookSnapshot) is the top of the book; a client
// replaces its copy with it. It comes first on a book stream and again
// after a resync; the bookDelta messages after it continue from its Seq.
type BookSnapshot struct {
	MarketHeader
	Bids []Level `json:"bids"`
	Asks []Level `json:"asks"`
}

// BookDelta (type bookDelta) changes the top of the book. Its Seq is the
// previous message's + 1; anything else is a gap: resubscribe.
type BookDelta struct {
	MarketHeader
	Changes []LevelChange `json:"changes"`
}

// Depth (type depth) is the whole top of the book after a change, for
// screens that redraw rather than patch. Conflated: a slow client gets the
// latest only.
type Depth struct {
	MarketHeader
	Bids []Level `json:"bids"`
	Asks []Level `json:"asks"`
}

// MarketTrade (type marketTrade) is one trade as the public sees it: no
// accounts, no order ids. Side is the aggressor's.
type MarketTrade struct {
	MarketHeader
	TradeID string  `json:"tradeId"`
	Price   Decimal `json:"price"`
	Qty     Decimal `json:"qty"`
	Side    string  `json:"side"`
}

// Ticker (type ticker) is the level-1 summary. ChangePct is the change
// against the base price in percent with two decimals ("-1.25"). Prices
// are "0" where there is nothing to show yet.
type Ticker struct {
	MarketHeader
	BasePrice Decimal `json:"basePrice"`
	Bid       Decimal `json:"bid"`
	BidQty    Decimal `json:"bidQty"`
	Ask       Decimal `json:"ask"`
	AskQty    Decimal `json:"askQty"`
	Last      Decimal `json:"last"`
	LastQty   Decimal `json:"lastQty"`
	Change    Decimal `json:"change"`
	ChangePct string  `json:"changePct"`
	Open      Decimal `json:"open"`
	High      Decimal `json:"high"`
	Low       Decimal `json:"low"`
	Volume    Decimal `json:"volume"`
	Value     Decimal `json:"value"`
}

// Candle (type candle) is one OHLCV bucket, sent after each command that
// traded in it, and once more with closed true when the next bucket starts.
type Candle struct {
	MarketHeader
	Interval string  `json:"interval"` // 1m, 5m, 1h, 1d
	Start    string  `json:"start"`    // bucket start, RFC 3339 UTC (KST boundaries)
	Open     Decimal `json:"open"`
	High     Decimal `json:"high"`
	Low      Decimal `json:"low"`
	Close    Decimal `json:"close"`
	Volume   Decimal `json:"volume"`
	Value    Decimal `json:"value"`
	Closed   bool    `json:"closed"`
}

// MarketStatus (type marketStatus) is a symbol's trading phase:
// "opening_auction", "continuous", "closing_auction", "vi_auction",
// "halted" or "closed". During an auction no trades print and
// IndicativePrice and IndicativeQty say what would trade if it ended now
// (omitted when nothing would). When a phase change ended an auction,
// AuctionPrice is the price it uncrossed at (its trades follow on the
// trades stream). A volatility interruption (phase vi_auction) gives its
// scheduled end in Until and what triggered it ("static" or "dynamic").
type MarketStatus struct {
	MarketHeader
	Phase           string  `json:"phase"`
	IndicativePrice Decimal `json:"indicativePrice,omitempty"`
	IndicativeQty   Decimal `json:"indicativeQty,omitempty"`
	AuctionPrice    Decimal `json:"auctionPrice,omitempty"`
	Until           string  `json:"until,omitempty"`
	Trigger         string  `json:"trigger,omitempty"`
}

// OpenOrders (type openOrders) is the first message of the executions
// stream: the account's open orders when the subscription started. The
// execution reports after it (type execution) continue from there. It holds
// at most OpenOrdersPage orders; Next, set when the account has more, is
// the cursor for orders.open's After to read the rest.
type OpenOrders struct {
	Type   string       `json:"type"`
	TS     string       `json:"ts"`
	Orders []OrderState `json:"orders"`
	Next   string       `json:"next,omitempty"`
}

// Resync (type resync) tells a client that the server dropped messages of
// Stream for it: Reason is "slow_consumer" (its send queue was full) or
// "gap" (the server's own feed lost a message). For book streams a
// bookSnapshot follows; for executions, query orders.open or resubscribe
// (the Go client does) for a fresh openOrders; for others the client may
// query what it missed.
type Resync struct {
	Type   string `json:"type"`
	Stream string `json:"stream"`
	Reason string `json:"reason"`
}
