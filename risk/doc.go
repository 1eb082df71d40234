// Package risk keeps every account's cash, holdings and holds, and runs the
// pre-trade checks a retail broker owes its customers and the market: no
// buying with money the customer does not have, no selling shares they do not
// hold, no order that could sink the firm.
//
// # Contract
//
// A Checker is part of the deterministic core. The matching engine owns it
// and calls it from Apply; it has no goroutines, clock, I/O or locks, and it
// decides nothing by map iteration order. Time arrives in the orders it is
// shown (Order.TS, from the journaled command), so order-rate windows and
// duplicate checks decide the same way on replay.
//
// The engine drives it in this order:
//
//	Check(o)        every pre-trade check; changes nothing
//	Open(o)         the order is accepted: hold cash or shares, count it
//	Fill(...)       a trade: settle both sides, collect fees and tax
//	Release(...)    leaves went down without a fill (cancel, expiry,
//	                self-match decrement, kill switch): give the hold back
//	Rehold(...)     an amended buy changed its price: move its hold
//
// Open returns the account's Handle, which the engine keeps with the order
// (and with its own state of the account) and passes to every later call
// about that order — Fill, Release, Rehold, Closed, the surveillance calls
// OnCancel and CheckOTR — and to Check and Open through Order.Acct: with
// thousands of accounts a lookup by id per call was most of what risk cost.
// Handles stay valid for the Checker's life; after LoadState the engine
// takes them again.
//
// # Holds
//
// A buy holds, per share, its limit price plus the commission on it rounded
// up (a market or best-limit buy uses the upper daily limit, since its price
// is not known when it is checked). Holding per share, rather than per
// order, means every fill releases exactly its shares' part, and the actual
// cost of a fill (at a price no worse than the limit, fee rounded down) never
// exceeds what it releases. A sell holds its shares. available = balance −
// holds, and no balance, hold or available amount ever goes negative.
//
// # Money
//
// All amounts are integer KRW. Rates are in parts per million (PPM): the
// default commission is 150 PPM (0.015%) and the securities transaction tax
// on sales 2,000 PPM (0.20%, the 2026 rate). Fees and tax are rounded down
// to the won, which is what customers are charged.
//
// # Conservation
//
// Per symbol, the sum of all holdings changes only by back-office credits
// and debits. Cash summed over accounts plus collected fees and tax changes
// only by deposits and withdrawals. Tests check both after every command.
package risk
