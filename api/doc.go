// Package api is the public wire protocol of MTS: the JSON messages a client
// exchanges with the gateway, and the one registry of error codes.
//
// It imports nothing from the rest of the project, so that a client (the
// load generator, a test, another team's service) can depend on it without
// pulling in the engine. The gateway translates between these messages and
// the engine's commands and events; a test in the gateway checks that every
// engine reason is registered here.
//
// # Requests and replies
//
// A client sends one JSON object per WebSocket text frame:
//
//	{"id": 7, "method": "order.place", "params": {"symbol": "005930", "side": "buy",
//	  "type": "limit", "price": "71000", "qty": "10", "tif": "day", "clientOrderId": "c1"}}
//
// id is any JSON string or number; the reply echoes it verbatim. The reply
// carries an HTTP-like status and either a result or an error:
//
//	{"id": 7, "status": 200, "result": {...}}
//	{"id": 7, "status": 400, "error": {"code": "INVALID_NUMBER", "msg": "price: \"71000.5\" is not a whole number"}}
//
// A status of 504 or 5xx means the outcome is unknown: the order may or may
// not have reached the engine. Query by client order id, or resend the same
// order.place with the same clientOrderId: client order ids are unique per
// account per trading day, so a resend is rejected as
// DUPLICATE_CLIENT_ORDER_ID (naming the first order) rather than entered
// twice.
//
// # Methods and their params
//
//	order.place   PlaceParams:  symbol, side, type, qty required; price (limit,
//	                            stop_limit), stopPrice (stop_limit), tif
//	                            (default day), clientOrderId, stp, confirm
//	                            (a boolean: resend after CONFIRM_REQUIRED or
//	                            DUPLICATE_ORDER) optional
//	order.amend   AmendParams:  symbol, orderId or origClientOrderId; price
//	                            and/or qty (the new total order quantity)
//	order.cancel  CancelParams: symbol, orderId or origClientOrderId; qty
//	                            optional: cancel only that much (partial cancel)
//
// # Numbers
//
// Prices (integer KRW), quantities (integer shares) and order and trade ids
// are JSON strings of decimal digits: "71000", "10", "42". JSON numbers are
// refused (INVALID_NUMBER): a double cannot carry every int64, and a client
// library that rounds through one must not silently change a price. A value
// with a zero fraction ("71000.00") is accepted; a real fraction, a sign where
// none belongs, an exponent or a value beyond int64 is refused. Counters that
// are not money (seq, count) are plain JSON numbers.
//
// # Strictness
//
// Params are decoded strictly (DecodeStrict): an unknown field is
// UNKNOWN_FIELD, a value of the wrong JSON type INVALID_FIELD or
// INVALID_NUMBER, a missing required field MISSING_FIELD, and every message
// names the field. Checks that depend on the instrument or the book (tick
// grid, price limits, which order types take a price) are the engine's: they
// come back as an execution report with execType "rejected" and the reason
// code, so a client sees the same code whichever stage refused it.
//
// # Output messages
//
// Every message the server pushes has a "type", a "seq" and a "ts" (RFC 3339,
// UTC, nanoseconds):
//
//	execution  ExecutionReport: one order's state after a command (FIX vocabulary)
//	trade      Trade: one match of a taker with a maker
//	book       BookLevel: the new total of one price level (qty "0" = level gone)
//
// and, for the back office (the journal feed):
//
//	account     AccountUpdate: an account's cash and position after a back-office command
//	killSwitch  KillSwitchUpdate: a kill switch going on or off, and the orders it canceled
//	alert       Alert: a surveillance signal (self_match, layering, order_to_trade)
//
// Examples, one line each on the wire:
//
//	{"type":"execution","seq":5,"ts":"2026-11-25T00:01:05Z","account":"A5","symbol":"005930",
//	 "orderId":"5","clientOrderId":"c5","request":"order.place","execType":"trade",
//	 "status":"filled","side":"buy","ordType":"limit","tif":"day","price":"71100",
//	 "qty":"20","cumQty":"20","leavesQty":"0","avgPx":"71100","lastPx":"71100",
//	 "lastQty":"20","liquidity":"taker","tradeId":"1"}
//	{"type":"trade","seq":5,"ts":"2026-11-25T00:01:05Z","symbol":"005930","tradeId":"1",
//	 "price":"71100","qty":"20","side":"buy","takerOrderId":"5","makerOrderId":"2",
//	 "takerAccount":"A5","makerAccount":"A2"}
//	{"type":"book","seq":5,"ts":"2026-11-25T00:01:05Z","symbol":"005930","side":"sell",
//	 "price":"71100","qty":"10","count":1}
//
// avgPx is the exact average fill price as a decimal string, rounded half to
// even at 4 decimal places ("71160", "33333.6667"); "0" before any fill.
//
// # The journal feed
//
// The back office reads the journal, every command and every event by
// sequence number, without gaps, as JournalRecord values: one JSON object a
// line (JSONL), or CSV with one row per event under the header
// JournalCSVColumns. The command is given as the method and params a client
// or back-office tool would send (JournalCommand); the events are the
// messages above, and every fill (execType "trade") also carries its trade
// date (the command's date in KST, UTC+9) and its T+2 settlement date
// (business days: no weekends, no market holidays):
//
//	{"seq":6,"ts":"2026-11-27T00:00:00.006Z","tradeDate":"2026-11-27",
//	 "command":{"method":"order.place","account":"B1","params":{"symbol":"005930",
//	   "side":"buy","type":"limit","price":"71000","qty":"10","tif":"day","clientOrderId":"b-1"}},
//	 "events":[...,{"type":"execution","seq":6,...,"execType":"trade","status":"filled",
//	   "lastPx":"71000","lastQty":"10","liquidity":"taker","tradeId":"1","fee":"106",
//	   "tradeDate":"2026-11-27","settlementDate":"2026-12-01"},...]}
//
// A running server streams it at GET /v1/journal?from=SEQ&follow=1&format=jsonl|csv
// to a token of role backoffice or operator.
//
// # Tokens
//
// A client authenticates with a signed, short-lived token: an HS256 JWT
// (IssueToken, VerifyToken) whose claims are
//
//	sub   the account (role trader) or the person or service (backoffice, operator)
//	role  "trader" | "backoffice" | "operator"
//	iat   issued at, Unix seconds
//	exp   expires at, Unix seconds: refused from that second on, no leeway
//
// sent as "Authorization: Bearer TOKEN" (never in a query string). Only
// HS256 is accepted; "none" and every other algorithm are refused. The
// secret is at least MinSecretLen (32) bytes. A refused token is status 401
// (UNAUTHORIZED, whatever the reason); a valid token whose role may not do
// what it asks is 403 (FORBIDDEN).
//
// # Error codes
//
// Codes are stable strings, registered once in this package (see Codes).
// Each has an HTTP-like status and a class:
//
//	protocol  from the edge: a malformed request, auth, rate limits, an
//	          overloaded engine (BAD_REQUEST, INVALID_NUMBER, RATE_LIMITED, BUSY, ...)
//	reject    the engine refused the command; status 4xx (PRICE_OFF_TICK,
//	          INSUFFICIENT_FUNDS, UNKNOWN_ORDER, ...)
//	cancel    why the engine canceled or expired an accepted order; only ever
//	          the reason of an execution report (IOC_REMAINDER, SELF_MATCH_PREVENTED, ...)
//	info      qualifies a success: DUPLICATE_REQUEST, an idempotent retry
//
// Engine codes never carry a 5xx status, since their outcome is known.
// Codes are never renamed or reused; new ones are appended.
package api
