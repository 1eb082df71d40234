// Package natspub carries market data over NATS, at both ends: Publisher
// runs next to the engine and publishes what a marketdata.Builder makes of
// the committed commands; Feed runs in each gateway and hands the streams
// to its WebSocket sessions, keeping one marketdata.Replica per symbol for
// the book. NATS is transport only: every message has a per-symbol seq,
// and a lost one costs a resync, never data (DESIGN.md).
//
// # Subjects
//
//	md.<symbol>.book      BookDelta        encoded by marketdata (its wire format)
//	md.<symbol>.depth     Depth
//	md.<symbol>.trade     Trade
//	md.<symbol>.ticker    Ticker
//	md.<symbol>.candle    Candle
//	md.<symbol>.snapshot  request/reply, below
//
// Each NATS message carries exactly one encoded marketdata message, no
// headers. A symbol is one subject token (ValidSymbol).
//
// # Snapshot request/reply
//
// A request to md.<symbol>.snapshot (any payload; it is ignored) is
// answered on the publisher's builder goroutine, between two commands:
//
//	success: no headers; payload = the symbol's Depth encoding, Seq = the
//	         book seq it reflects (0 before the first delta). Every delta
//	         with a higher Seq is published after the reply.
//	error:   empty payload; headers (the NATS micro services convention)
//	           Nats-Service-Error-Code: 404   unknown symbol
//	                                    503   snapshot queue full, ask later
//	           Nats-Service-Error:      text
//	no publisher running: the server's no-responders status
//	         (nats.ErrNoResponders from a request).
//
// RequestSnapshot makes the request and maps the answers to errors
// (ErrUnknownSymbol, ErrSnapshot).
//
// # Publisher
//
//	engine loop commit goroutine ──Publish(batch)──► copy public events
//	        (blocks when full: backpressure, never a drop)      │
//	                                               bounded queue (QueueLen)
//	                                                            ▼
//	md.*.snapshot requests ──bounded queue──► publisher goroutine: Builder,
//	  (full: 503 reply)                        encode, nc.Publish md.<sym>.<stream>
//
// At process start the caller (cmd/mts) builds the Publisher, replays the
// trading day's journal into it with Replay (the builder rebuilds books,
// ticker, candles and every per-symbol seq without publishing), calls
// Start, and only then starts the engine loop with the Publisher as its
// matching.Publisher. Live batches overlapping the replay are skipped
// where they overlap. Close, after the loop has stopped, publishes what
// was handed over and flushes the connection.
//
// To shorten that replay, the caller may LoadState a builder state saved
// earlier (marketdata.Builder.AppendState) and Replay only the records
// after it. PublisherConfig.SaveState receives the state on the publisher
// goroutine, between two hand-offs, every StateEvery commands or
// StateInterval of command time and once more in Close; the caller keeps
// a copy and writes it elsewhere, so that market data never waits for a
// disk. AppendState before Start saves what a replay rebuilt.
//
// # Feed
//
// Subscribe(symbol, stream, fn) subscribes md.<symbol>.<stream> when the
// first subscriber of that pair arrives and unsubscribes it when the last
// leaves. One goroutine per pair decodes and calls the subscribers in
// order. The book stream is kept in a Replica shared by the symbol's
// subscribers:
//
//	subscribe md.<sym>.book, keep the deltas ──► request md.<sym>.snapshot
//	Reset(snapshot); every subscriber gets a *Depth; kept deltas applied
//	(older ones ignored), then each new delta ──► subscribers, contiguous Seq
//	gap (lost delta, publisher restart) ──► request again; a new *Depth
//	failed request ──► retry after 50 ms … 5 s with jitter; nothing sent
//
// A new subscriber of a synced book gets the replica's Depth at once; of a
// ticker, the latest ticker the feed has. Depth, trade and candle messages
// are forwarded as they come.
package natspub
