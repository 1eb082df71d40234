// Package matching is the deterministic heart of MTS: instruments and KRX
// market rules, order types and conditions, and the Engine that applies
// commands to order books and returns events.
//
// # Contract
//
// Engine.Apply(cmd) is a pure function of the engine's state and the command:
// no clock (time arrives in Command.TS), no goroutines, no I/O, no floats, and
// no decision taken by map iteration order. The same commands in the same
// order always give the same events and the same StateHash. The journal,
// recovery, `mts journal verify` and any hot standby rest on that. An Engine
// belongs to one goroutine (the loop); nothing in it locks.
//
// Commands carry a dense sequence number stamped by their owner (the loop or
// the replay tool). Apply returns the events in a slice it reuses: copy
// what you keep. While a symbol's auction collects orders, that slice's
// array is kept large enough for the uncross (uncrossroom.go), so that the
// uncross allocates nothing; this changes when memory is allocated, never
// the events.
//
// # Order entry (CmdPlace)
//
// Validation, in order, each failure a rejection (ExecRejected, status
// rejected, no order id) that changes nothing: account (1–32 bytes), client
// order id (≤ 64 bytes), known symbol, side, type, condition, STP mode, the
// condition allowed for the type (first-best, stop-limit and conditional
// limit are day only), quantity (> 0, ≤ the instrument's maximum), and
// prices: limit, stop-limit and conditional-limit orders need a price on the
// tick grid of its band (KRX 2023 table, or a flat 5 KRW for ETFs) within
// the daily limits, and a stop-limit a stop price that passes the same
// checks; other types must carry no price; and the type and condition
// against the symbol's trading phase (see Trading phases). Then: a client order id the account already used today is rejected with
// DUPLICATE_CLIENT_ORDER_ID and Extra.RefOrderID naming the order that owns it (a
// rejected order never claims its id); the per-account daily order cap
// (counting accepted orders, with or without client order ids); the
// effective price; the risk check. A rejected order changes nothing at all. An accepted order gets the next order id
// and an ExecNew report.
//
// Effective prices: a market order may trade up to the upper daily limit
// (buy) or down to the lower (sell) and never rests: what cannot execute is
// canceled with NO_LIQUIDITY. A best-limit order (최유리지정가) takes the best
// opposite price on arrival, a first-best order (최우선지정가) the best
// same-side price; with no such quote they are rejected NO_REFERENCE_QUOTE.
// From then on both behave as limit orders at that price.
//
// # Matching
//
// Continuous matching is price then time priority; every trade prints at the
// resting order's price. A taker trades with the head of the best opposite
// level while it crosses its limit. For each trade the engine emits, in
// order: the public EvTrade, the maker's ExecTrade, the taker's ExecTrade.
// When matching leaves a price level it reached, one EvBook gives that
// level's new total (even when self-match prevention left it unchanged), and
// it comes before any report that ends the taker. A day order's remainder
// rests (EvBook for its level); a limit IOC or FOK remainder expires
// (ExecExpired, IOC_REMAINDER); a market order's remainder, whatever its
// condition, is canceled (NO_LIQUIDITY). A FOK order first checks that it
// can fill in full within its limit; if not it expires with FOK_NOT_FILLABLE
// and nothing trades.
//
// # Self-match prevention
//
// When a taker meets a resting order of its own account, the taker's STP
// mode decides (default: cancel incoming):
//
//	cancel_resting   the resting order is canceled; matching goes on
//	cancel_incoming  the taker's remainder is canceled; matching stops
//	cancel_both      both are canceled
//	decrement        both quantities drop by the smaller one, no trade; an
//	                 order left with nothing is canceled, else restated
//
// Each of these is reported with reason SELF_MATCH_PREVENTED, and the
// quantity taken off in LastQty; before them, every prevented match raises
// an EvAlert (self_match) for surveillance, with risk on or off. The FOK
// pre-check's walk stops at the first order of the taker's own account (it
// would end or shrink the taker there) except under cancel_resting, where
// such orders are skipped. With risk on, accounts of one group (same
// beneficial owner) count as one account here.
//
// # Amend and cancel
//
// Both name the order by OrderID or by the client order id it was entered
// with (OrigClientOrderID), and the symbol. The account and symbol are
// validated first (INVALID_ACCOUNT, UNKNOWN_SYMBOL). An order that is not
// open, or not the account's, is rejected UNKNOWN_ORDER (ORDER_NOT_OPEN,
// carrying the resolved order id, when the client order id is known but the
// order is done); an account never learns about another's orders. Such
// rejections echo the command with status rejected: they answer the request,
// not the order. An amend gives a new price and/or a new total quantity
// (FIX OrderQty, 0 or equal = unchanged) that may not exceed the current one
// and must stay above the filled quantity (AMEND_QTY_INCREASE otherwise);
// changing nothing is AMEND_NO_CHANGE. Every accepted amend is reported
// ExecReplaced. A lower quantity at the same price keeps time priority; a
// new price is reported ExecReplaced and re-enters at the back of the new
// level, trading first if it crosses. A cancel takes Qty shares off (0 or more
// than is left: all; negative: INVALID_QUANTITY); a partial cancel keeps time
// priority. Rejected amends
// and cancels of open orders report the order's current state with the
// reason. Untriggered stops can be canceled but not amended.
//
// # Mass cancel (CmdCancelAll)
//
// Cancels every open order (resting or untriggered stop) of the account,
// in Symbol or in every symbol when it is empty, in a fixed order: symbols
// in order, in each the bids then the asks in priority order, then the
// stops. Each is reported as a requested cancel is, and it is accepted
// under a kill switch like a cancel. Nothing open: no events.
//
// # Reads
//
// Order, OpenOrders, Balance and Positions return plain views of the state
// (query.go). They run on the loop's apply goroutine through Request.Read
// and change nothing: not the state, not its hash.
//
// # Stop-limit orders
//
// An accepted stop-limit waits off the book. After every command the engine
// triggers, one at a time, each stop whose stop price the last trade price
// has reached (buy: last ≥ stop; sell: last ≤ stop; before the first trade
// the last price is the base price): buys lowest stop first, sells highest
// first, ties by arrival; when a buy and a sell are both due, the earlier
// arrival of the two goes first. A triggered stop is reported
// ExecTriggered and enters as a limit order at its price, possibly trading
// and triggering more.
//
// # Trading phases (CmdSetPhase)
//
// Each symbol has a phase: opening auction, continuous, closing auction, VI
// auction, halted or closed. It is continuous until a CmdSetPhase (issued by
// the session scheduler from the clock, and journaled like any command)
// changes it, for one symbol or all; every change is reported with an
// EvMarketStatus. New orders are checked against the phase (Phase.admits has
// KRX.md's table): auctions take limit and market orders, day only; halted
// takes no new orders nor amends, only cancels; closed takes nothing, not
// even a cancel (MARKET_CLOSED).
//
// In an auction phase orders rest without matching, so the book may cross;
// nowhere else may it. A market order rests at the daily limit (its most
// aggressive price) and its price cannot be amended. After every command
// that changed an auction book the engine appends an EvAuction with the
// indicative price and volume. Entering continuous trading or the close from
// any other phase uncrosses the book (uncross.go): Uncross picks the price
// and allocates (with KRX's limit rounds for the uncross that sets the
// day's opening price: the opening auction's, normally), and
// each of its trades is reported and settled as a continuous trade is, at
// the auction price, with the later order as the taker; self-match
// prevention does not reorder an auction (a self_match alert is raised
// instead). Market order remainders are then canceled (NO_LIQUIDITY), the
// status event carries the auction price, and the auction price becomes the
// static VI reference. Stops trigger only in continuous trading.
//
// A conditional-limit order (조건부지정가) is a limit order until the closing
// auction starts; then its remainder becomes a market order (ExecRestated,
// CONVERTED_TO_MARKET, now of type market at the daily limit). A buy holds
// cash at the upper limit from the start, so the conversion never fails for
// want of cash. The closing auction does not accept new ones.
//
// # End of day (eod.go)
//
// Entering the close (after the closing auction's uncross) fixes the
// closing price and expires every open order: resting day orders, then
// untriggered stops, each ExecExpired with END_OF_DAY. The closing price is
// the day's last trade price; a symbol that never traded closes by KRX's
// quotation rule (기세): at a best bid above the base price, or a best ask
// below it, standing at the close, else at the base price. CmdNewDay rolls
// every symbol over (closing any that is not closed yet): the closing price
// becomes the base price, the daily limits follow from it by KRX's formula,
// the last price and static VI reference restart there, the symbol enters
// the command's phase (closed when none is given), reported by an
// EvMarketStatus carrying the new base price; every account's client order
// ids and order count start afresh, and the command's Amount seeds the
// day's VI draws. Engine.Instrument reports the day's base price and limits
// from then on.
//
// # Volatility interruptions (vi.go)
//
// With Config.VI set, a trade in continuous trading that would print at or
// beyond a threshold does not happen: the static one (±10% of the last
// auction's price, the base price before the open) or the dynamic one
// (±3% for KOSPI200 stocks, ±6% for others, of the last trade price when
// the taker began matching), each the first valid tick at or beyond the
// rate. The symbol enters a VI auction (EvMarketStatus: the price that
// triggered it, "static" or "dynamic", and Until, its scheduled end: two
// minutes plus 0-30 s drawn from the day's seed, the command's seq and the
// symbol). The taker's day remainder joins the auction (a market order at
// the daily limit); an IOC or FOK remainder expires as usual, and a FOK
// whose fill would cross a threshold expires up front (FOK_NOT_FILLABLE)
// without triggering anything. The scheduler ends the auction with a
// CmdSetPhase back to continuous (DueCommands says when), which uncrosses
// it; its price becomes the static reference and the last price. The end
// of an opening or closing auction is checked the same way, on the price
// it would uncross at: the static thresholds, and for the closing auction
// the dynamic closing ones (±2% / ±4% of the last trade). Instead of
// uncrossing, the auction becomes a VI auction that delays the open or the
// close and ends (uncrossing whatever the price) in the phase it
// interrupted. ETFs and ETNs (flat-tick instruments) have no VI. Without
// Config.VI nothing triggers: a VI auction only a command can end needs a
// scheduler.
//
// # Session schedule (schedule.go)
//
// The engine never reads a clock, so the trading day's timetable lives
// outside it: a Schedule (KST session starts, holidays; DefaultSchedule or a
// JSON file via LoadSchedule) answers PhaseAt and Next for a timestamp, and
// Engine.DueCommands, a read run on the loop, turns the loop's clock into
// the commands a scheduler submits: the day rollover when a trading day's
// first session begins, a CmdSetPhase for each symbol followed by a
// CmdMarketPhase (which records the market's phase and moves nothing) when
// the timetable moves on, and the end of each VI auction whose drawn end
// has passed. Everything they change arrives as journaled commands, so
// replay never consults the schedule. A market-wide phase change passes
// halted symbols by (except the close); a halt is lifted only by a command
// naming its symbol. The scheduler moves the symbols one command each,
// rather than with one market-wide CmdSetPhase (still accepted, with the
// same effect: see movesWithMarket), so that each symbol's uncross and
// expiries are a journal record of their own, not one record of a whole
// market's open.
//
// # Events
//
// See Event for the fields of each kind and Reason for the code table. Order
// quantities obey cumQty + leavesQty = qty while an order is open: partial
// cancels and self-match decrements that leave the order open lower qty. A
// finished order's last report keeps the qty it had, with leavesQty 0.
// On ExecCanceled, ExecExpired and ExecRestated, LastQty is the quantity the
// report takes off the order (LastPx stays 0): that is what a partial cancel
// canceled, or what an IOC, FOK or market remainder gave up.
package matching
