// Package gateway is the edge of MTS: the WebSocket server clients talk to
// (Server), and the translation between client JSON and engine commands and
// events, which the server and `mts replay` share. docs/protocol.md is the
// client's reference; this page is the server's contract.
//
// # The server
//
// Server is an http.Handler serving the WebSocket endpoint at /ws. It
// reaches the engine only through Backend (Submit, Query, SubscribeExec)
// and market data only through MarketData; cmd/mts adapts the NATS
// implementations to both. It holds no state a restart would lose: rate
// limiters and subscriptions are rebuilt as clients reconnect.
//
//	client ──frames──► reader ──cheap methods──────────────────► sendQueue ──► writer ──► client
//	                     │                                         ▲   ▲   ▲
//	                     └─ request goroutine (≤ MaxInFlight) ─────┘   │   │   Backend.Submit / Query
//	            MarketData feed (one per symbol×stream) ── encode once ┘   │
//	            Backend.SubscribeExec (executions stream) ─────────────────┘
//
// Goroutines. Per connection: the reader (the HTTP handler's goroutine,
// kept after the upgrade) and the writer; each request that waits on the
// backend or a feed runs on a goroutine of its own, at most MaxInFlight at
// once (beyond: RATE_LIMITED), so order entry is pipelined and replies come
// back in completion order, matched by id. Per gateway: the workers those
// requests run on (an idle one is reused, keeping its grown stack; else a
// new one starts; idle ones end after 10 s); MarketData and Backend call
// back on their own goroutines.
//
// Cost per message. The writer sends each batch it takes from the send
// queue with one write system call (batchConn, under gorilla's framing),
// after yielding once so that replies finishing together share it. The
// hot requests (the envelope, order.place and order.cancel params) and
// order replies are read and written without reflection, byte for byte
// as DecodeStrict and json.Marshal would, which fall back for anything
// else; requests share a deadline context per 10 ms.
//
// Back-pressure. Nothing that produces messages ever blocks on a client:
// every message goes through the connection's bounded sendQueue
// (SendQueue frames), whose push never blocks. What happens when it is
// full depends on the message:
//
//	market data (book, trades,   dropped once 3/4 full; the stream is marked, and when the
//	ticker, candles)             queue is back under 3/8 the client gets a resync
//	                             {"type":"resync","reason":"slow_consumer"} and, for book
//	                             streams, a fresh bookSnapshot from the feed's Replica
//	depth                        conflated: one slot per symbol, the latest wins; never dropped
//	execution reports            queue past the frame limit up to 3/4 of PrivateQueueBytes
//	                             (a burst of fills is not a slow client); past that
//	                             dropped, and the first dropped since the last marker
//	                             was written queues {"type":"resync","stream":"executions",
//	                             "reason":"slow_consumer"}: query, or resubscribe for a
//	                             fresh openOrders
//	replies                      up to PrivateQueueBytes, never dropped: if one does not
//	                             fit, the connection is closed 4000 SLOW_CONSUMER
//
// A client that stays too slow — its market data or execution reports
// refused for longer than SlowConsumerAfter without the queue draining to
// 3/8 in between — is closed 4000 SLOW_CONSUMER too, and its write deadline
// is cut to a second so a writer blocked on a socket nobody reads lets go.
//
// Each market-data message is encoded to JSON once per gateway and the same
// bytes are queued to every subscriber; the fan-out holds the feed's lock,
// which is also what makes a joining or resyncing member's snapshot
// consistent with the deltas after it.
//
// Auth. A token (api.VerifyToken) comes at the upgrade, in
// "Authorization: Bearer <token>" or, from browsers, as the subprotocol
// "bearer.<token>" offered beside "mts.v1" (only "mts.v1" is echoed); a
// token in the query string is refused. A refused upgrade is an HTTP error
// with a JSON body and no upgrade. Without a token the connection is
// anonymous: public streams and ping only. A trader token's sub is the
// account: the gateway sets Command.Account and Query.Account from it and
// never from params, checks the token's expiry on every private request,
// and shows a caller only its own account's reports.
//
// Limits. Per connection: ConnRate requests/s (ConnBurst), MaxInFlight,
// MaxSubscriptions, SendQueue, ReadLimit (larger frames close 1009).
// Per account (shared by its connections to this gateway): AccountRate
// (AccountBurst), the limiter kept AccountIdle after its last use.
// Rejected frames (rate limited, malformed) are strikes; past StrikeRate
// (StrikeBurst) the connection is closed 1008. Per gateway: MaxConns.
//
// # Contract
//
// The gateway is the only place where the wire's decimal strings meet the
// engine's integers, and it uses shopspring/decimal only here. Inside the
// engine a price is int64 KRW and a quantity int64 shares; on the wire both
// are strings ("71000"). Going in, DecodeCommand refuses anything that is not
// a whole positive int64 before the engine sees it. Coming out, Message
// renders integers as strings and the average price (CumValue / CumQty, an
// exact fraction from the engine) as a decimal rounded half to even at four
// places. No float ever holds money.
//
//	client JSON ──DecodeRequest──► api.Request ──DecodeCommand(account, ts)──► matching.Command
//	                                                                                │ engine
//	client JSON ◄──json.Marshal── api.ExecutionReport / Trade / BookLevel ◄──Message─┘ matching.Event
//
// What the gateway checks, and with which code (api's registry):
//
//	the method                             UNKNOWN_METHOD
//	JSON shape, unknown and wrong-typed    MALFORMED_JSON, UNKNOWN_FIELD, INVALID_FIELD,
//	fields, JSON numbers for decimals      INVALID_NUMBER
//	required fields                        MISSING_FIELD
//	enum spellings                         INVALID_SIDE, INVALID_ORDER_TYPE, INVALID_TIF, INVALID_STP_MODE
//	fractions, overflow, bad syntax        INVALID_NUMBER
//	zero or negative values                INVALID_PRICE, INVALID_STOP_PRICE, INVALID_QUANTITY
//	account and client order id lengths    INVALID_ACCOUNT, INVALID_CLIENT_ORDER_ID
//
// Everything that depends on reference data or the book (unknown symbol, tick
// grid, price limits, maximum quantity, which order types take a price, the
// order an amend names) is the engine's to decide, so that there is one
// source of truth; its answer is an execution report with execType
// "rejected".
//
// The gateway never holds the engine: it may import matching only for the
// command and event types, the enum spellings and the reason table (a test
// in cmd/mts enforces this).
//
// # Sequence numbers
//
// Every message carries the seq of the command that caused it (the engine's
// journal sequence), so all messages of one command share it. Per-symbol
// market-data sequence numbers come from the marketdata package.
package gateway
