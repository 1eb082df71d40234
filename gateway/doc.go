// Package gateway is the edge of MTS: it turns client JSON into engine
// commands and engine events into client JSON. Later it grows the WebSocket
// server (sessions, auth, rate limits, subscriptions, routing over NATS);
// today it holds the translation, which the server and `mts replay` share.
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
