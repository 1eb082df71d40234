// Package benchgen generates the command streams the matching benchmarks
// replay: exchange-core's order mix, adapted to KRX, built before any timing
// starts.
//
// # Use
//
//	prefill, stream := benchgen.Generate(benchgen.DefaultConfig())
//	e, _ := matching.NewEngine(matching.Config{Instruments: []matching.Instrument{benchgen.Instrument()}})
//	for i := range prefill { e.Apply(&prefill[i]) }   // not timed: builds the book
//	for i := range stream { e.Apply(&stream[i]) }     // timed
//
// Seq runs densely from 1 through the prefill and on through the stream, and
// TS rises by 1µs a command from 09:00:10 KST, so the two slices go, in that
// order, into one fresh engine (or through the loop, which restamps both).
// Every command is valid and, with risk off, accepted: the stream contains no
// rejections by construction (see "Rejections" below). Run also returns the
// model's Stats (trades, traded quantity, final book) for a harness to
// compare with what the engine reported. A Command is 200 bytes: the deep
// configuration with a million-command stream holds 2M of them, 400 MB.
//
// # The mix (exchange-core's TestOrdersGenerator)
//
// Each stream command picks a side at random and looks at that side's
// resting order count, which a feedback loop holds at TargetOrders/2:
//
//	side below target:  2/10 new GTC order · 1/10 cancel · 7/10 move
//	far below (>512):   new GTC orders only
//	at target:          2/40 IOC order      · 1/40 cancel · 37/40 move
//
// The fraction of time a side spends below target settles where new orders
// replace what cancels and trades remove. With exchange-core's parameters
// that gives, measured over 10^5–10^6 commands of DefaultConfig:
//
//	new GTC 8.6%   IOC 2.8%   cancel 5.8%   move 82.8%
//
// against exchange-core's published 9 / 3 / 6 / 82. About 2.9% of commands
// trade (nearly all of them the IOC orders; moves cross rarely, as in
// exchange-core — a port of its algorithm onto this package's book model,
// used while calibrating, gave the same 2.9% for a 750-level book).
// exchange-core's later versions also send reduces (partial cancels, 1/10 and
// 1/40 where a move would otherwise be); the published mix predates them and
// they are left out here, so the matching cost is comparable to the figures
// exchange-core reports.
//
// Prices: a new GTC order rests 1 + ⌊S·u²⌋ ticks behind the center on its own
// side, u uniform (concentrated near the touch, as exchange-core's 1 + u²·D
// deviation is); S is calibrated from Levels so that TargetOrders/2 orders
// are expected to occupy Levels/2 distinct prices a side. The center is the
// last trade price. A move takes a resting order 1% of its distance towards
// the center, at least one tick (one tick either way when it sits on the
// center); a move across the touch trades first and rests the remainder, as
// an amend does in the engine. Cancels and moves pick uniformly among the 512
// oldest resting orders (exchange-core iterates the first 512 entries of an
// insertion-ordered map), so they work on a hot set that converges on the
// center. Quantities are 1 + a·b·c shares with a, b, c uniform in 0..5 (mean
// about 17). Accounts are drawn uniformly from Accounts ("A0001", …).
//
// # KRX adaptation
//
// The generator works in ladder indices: the list of every valid price of the
// instrument, each on the tick of its own band (KRX 2023 table, or the flat
// 5 KRW of ETFs) and within the daily limits. Any index is a valid price, so
// tick and limit rejections cannot happen, for stocks with changing ticks as
// much as for ETFs.
//
// Volatility interruptions would stop continuous trading and turn the
// benchmark into an auction benchmark, so trades stay well inside both VI
// bands. The center drifts like exchange-core's (a random walk that bounces
// between two bounds, the bounce tilting IOC orders three to one towards
// the way back), but within ±5% of the base price, half the 10% static VI
// band; exchange-core lets it roam ±25%. IOC orders are priced 2% past the
// center, where exchange-core sweeps to its price bounds. TestStaysInsideVI
// checks that no trade prints 2% or more from the one before it (inside the
// 3% dynamic VI band of KOSPI200 stocks) or 10% from the base price.
//
// Both configurations trade Instrument(), a synthetic ETF (flat 5 KRW tick,
// base 150,000 KRW, limits 105,000–195,000: 18,001 prices). A stock would
// need an implausible price: its tick grows with the price (1,000 KRW from
// 500,000 KRW up), so its ±30% band holds at most about 0.6·P/1,000 prices,
// and below 2 million KRW never more than 1,200. The default book needs
// about 2,700 (1,000 orders on 750 distinct levels are sparse: most levels
// hold one order) plus the drift, the deep book over 10,000 plus the drift:
// a 5- and a 17-million-won stock. For stocks (tested at a base of 20,000
// KRW, where the tick changes from 10 to 50 KRW) use a smaller Levels; when
// the limits leave less room than Levels asks for, the spread is capped so
// that no price ever clamps to a limit, and the book occupies fewer levels
// (Stats.Spread, Stats.Levels).
//
//	config          resting  levels (asked / prefill / steady)  spread
//	DefaultConfig     1,000     750 / 755 / ~800                1,325 ticks
//	DeepConfig    1,000,000  10,000 / 10,000 / 10,000           5,000 ticks
//
// # Rejections
//
// The generator keeps a model of the book (model.go): price-time FIFO levels,
// trades at the resting price, IOC remainders expire, a repriced order loses
// its place and may trade. It applies each command to the model as it writes
// it, so it knows exactly which orders rest and what they have left, and
// predicts order ids as the engine assigns them (densely from 1, one per
// accepted place; every place here is accepted). Cancels and moves only name
// resting orders of their own account. A candidate command that would meet an
// order of its own account is redrawn (about 1 in 20,000), so the engine's
// self-match prevention never acts and its mode does not matter. Amends
// always change the price and never the quantity (no AMEND_NO_CHANGE).
//
// Expected rejections with risk off: none. TestStreamOnEngine applies the
// streams to the real engine and requires zero rejections, zero prevented
// self-matches and the model's exact trade count. With risk on, accounts must
// exist and hold enough cash and shares for any position a random walk of
// fills can reach; the generator does not model that. Determinism: the same
// Config gives the same commands on every platform (integer draws from a
// seeded PCG); only the choice of S uses floating point.
package benchgen
