// Package marketdata turns the engine's committed events into public market
// data: the L2 book (top-N deltas and full top-N depth), trades, the ticker
// and OHLCV candles, every message numbered per symbol and per stream so
// that any consumer detects a gap and resyncs. It also holds Replica, the
// consumer-side copy of a book that gateways keep.
//
// # Contract
//
// Builder is a pure, deterministic state machine like the matching core: no
// goroutines, no clock, no I/O, no floats, and no decision taken by map
// iteration. Time comes only from the commands' TS. It reads only committed
// events (the loop's Publisher hands over a batch after it is durable, or a
// reader replays the journal), so nothing it publishes can be undone by a
// crash. The same commands always give the same messages, byte for byte:
// a builder that restarts replays the journal from the day's first record
// (Config.StartSeq), or loads a saved state (below) and replays the
// records after it, and arrives at the same sequence numbers, so consumers
// need not notice. A Builder belongs to one goroutine; Snapshot, Ticker and
// Candle read its state and must be called from that goroutine too (the
// NATS adapter answers snapshot requests between batches, or from a Replica
// of its own).
//
// The builder takes commands in engine sequence order (ApplyCommand, or
// Apply for a whole matching.Batch). It skips a command it has applied
// already and refuses one that leaves a gap (ErrSeqGap). An event for a
// symbol it was not built with, or a book level at a price that is not a
// valid order price (off the tick grid or outside the daily limits), is a
// broken invariant and panics: the builder and the engine disagree on the
// reference data. Only EvBook and EvTrade
// matter; execution reports, account and surveillance events carry private
// data and are ignored. Public messages never carry accounts or order ids.
//
// # Bounds
//
// The number of symbols is fixed by the instrument list. Each side of each
// book is an array with one slot per valid price (the tick grid inside the
// daily limits: 353 to 835 prices for the sample stocks, at most about
// 1,200 for any KRX stock, 4,229 for the sample 5 KRW ETF) and a bitmap of the occupied slots, allocated once in
// NewBuilder: setting a level is O(1), walking the top N skips 64 empty
// prices a step, and no event can grow the book. A command lists each
// symbol once. A book delta carries at most 4×Depth changes, a depth
// message Depth levels a side; the decoder enforces MaxChanges, MaxDepth
// and MaxSymbolLen before it allocates. Once warm the builder allocates
// nothing per command. It buffers no messages: it hands each to the Sink
// during the call, and what to do with a slow consumer is the Sink's
// business (the gateway drops and resyncs).
//
// # Streams and sequence numbers
//
// Every message has a Header: Symbol, Seq (its number in the symbol's
// stream: 1, 2, 3, … without gaps), SrcSeq (the engine command that caused
// it; several messages share one) and TS (that command's timestamp). Per
// command and symbol the builder publishes, in order:
//
//	stream  NATS subject       message    sent                                  seq counter
//	trade   md.<sym>.trade     Trade      for each EvTrade, as it comes         trade
//	book    md.<sym>.book      BookDelta  when the top-Depth window changed     book
//	depth   md.<sym>.depth     Depth      right after each BookDelta            book (the same Seq)
//	ticker  md.<sym>.ticker    Ticker     on a trade or a best bid/ask change   ticker
//	candle  md.<sym>.candle    Candle     per interval, after trades (below)    candle
//	        md.<sym>.snapshot  Depth      request/reply: Builder.Snapshot       book
//
// (Trades of all the command's symbols come first, as the events list
// them; then the other streams symbol by symbol, in the order the command
// first touched each symbol.)
//
// Book. The builder keeps every level of both sides from EvBook events (the
// new total of one level after a command; 0 = gone). A command's changes
// are applied together: the top Depth levels a side before the command are
// compared with those after it, and if they differ one BookDelta lists the
// difference, bids then asks, best price first: a level whose quantity or
// order count changed, a level that entered the window (new, or moved up
// when a better one went), and a level that left it (quantity 0: gone, or
// pushed below the window by a better one). Applying a delta to the top
// Depth levels at Seq-1 therefore gives exactly the top Depth levels at
// Seq, and a consumer never sees a half-applied command or a crossed
// book. Changes below the window publish nothing. Snapshot returns the
// window with the book stream's current Seq (0 before the first delta).
//
// Depth. After each BookDelta the builder publishes the whole window as a
// Depth message with the same Seq: it is the snapshot at that Seq. Mobile
// clients take depth instead of deltas; a gateway conflates it per client
// (keeps only the newest per symbol while the client is slow: latest
// wins, by Seq), which is safe because each message is complete. A
// gateway that lost book deltas may also Reset its Replica from the next
// depth message instead of asking for a snapshot.
//
// Trade. One per EvTrade: TradeID (the engine's, unique for the day), the
// price (the resting order's), quantity and the aggressor's side.
//
// Ticker. The symbol's level 1 after a command that traded or moved the best
// bid or ask: best bid and ask with their quantities, last price and
// quantity, Change = Last − BasePrice and ChangeBP (basis points, rounded
// half away from zero), the day's open, high, low, volume (shares) and value
// (KRW, Σ price×qty). Before the first trade the last-trade fields are 0.
// The day is the builder's life: one Builder per trading day, started at
// that day's StartSeq with that day's base prices.
//
// Candle. Intervals 1m, 5m, 1h and 1d, buckets aligned to KST (UTC+9)
// boundaries (BucketStart). After every command that traded, each interval
// publishes its open bucket's state (Closed false). All trades of one
// command share its TS, so they fall in one bucket per interval and a
// command sends at most one update per interval: the state each of its
// trades would have left, as of the last one. When a trade lands in a later
// bucket than the open one, the open bucket is first published once more
// with Closed true (final), then the new bucket. Buckets without trades are
// never published; a chart fills them flat. A TS earlier than the open
// bucket (a clock stepped back) counts in the open bucket: closed buckets
// never reopen. With no trade nothing closes a bucket: closing on a timer
// needs a clock, which would come as a journaled command.
//
// # Resync
//
// A consumer checks that each stream's Seq is its last + 1. On a gap in
// book: request md.<sym>.snapshot (or wait for the next depth message),
// Replica.Reset, and apply the deltas after its Seq (Replica ignores older
// ones, so buffering deltas from before the request is safe). Depth, ticker
// and candle messages are complete states: a gap there costs only the
// missed intermediate states. A gap in trade means trades were missed; the
// ticker's volume and value stay right regardless. Duplicates (Seq at or
// below the last, from a builder replaying the journal after a restart)
// are dropped; a Seq at or below the last with a higher SrcSeq means the
// numbering restarted (the next day's builder) and calls for a resync, as
// a gap does (Replica does both).
//
// # Saved state
//
// AppendState encodes everything the builder carries from one command to
// the next (every book level, the published windows, each stream's seq,
// tickers, statuses, open candles, day-rollover prices, the last command's
// seq and TS); LoadState puts it into a fresh builder of the same
// instruments and depth, which then publishes exactly what the saved one
// would have (tested against an uninterrupted builder over a random
// session stream, cut after many commands). The layout is in AppendState's
// comment: versioned (StateVersion), checksummed (CRC-32C), every value
// checked on load (ErrState), the configuration compared
// (ErrStateMismatch), and a refused state leaves the builder as it was.
// The state is derived data: whoever stores it must be ready to rebuild
// from the journal instead, and must check that the state's seq and TS
// are those of its journal's record (StateSeq) before loading it.
//
// # Wire format, version 1
//
// Each message travels alone (one NATS message). All integers are varints
// (encoding/binary) in their shortest form; the decoder rejects any other
// form, so a message has exactly one encoding and decode-then-encode gives
// the input back (fuzzed).
//
//	message:
//	+---------+--------+------------------+-----+--------+----+------+
//	| version | stream | symbol           | seq | srcSeq | ts | body |
//	| 1 byte  | 1 byte | u len 1..12, raw |  u  |   u    | s  |      |
//	+---------+--------+------------------+-----+--------+----+------+
//
//	u  unsigned varint   s  zigzag varint   b  one byte
//
//	stream 1, book:    n u (≤ 200), then n × change
//	                   change = side b (1 buy, 2 sell) | price s | qty s | count u
//	stream 2, depth:   nBids u (≤ 50), nBids × level, nAsks u (≤ 50), nAsks × level
//	                   level = price s | qty s | count u
//	stream 3, trade:   tradeID u | price s | qty s | side b
//	stream 4, ticker:  basePrice s | bidPrice s | bidQty s | askPrice s | askQty s |
//	                   last s | lastQty s | change s | changeBP s |
//	                   open s | high s | low s | volume s | value s
//	stream 5, candle:  interval b (1 1m, 2 5m, 3 1h, 4 1d) | start s (Unix ns) |
//	                   open s | high s | low s | close s | volume s | value s |
//	                   closed b (0 or 1)
//
// Average sizes over the sample instruments' random flow (test bench):
// depth 126 bytes, book 33, trade 29, ticker 55, candle 49. Order counts
// must fit an int32. The version
// byte changes with any change to the layout; testdata/fuzz holds encodings
// of fixed sample messages that a test compares byte for byte, so a silent
// format change fails.
package marketdata
