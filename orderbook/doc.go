// Package orderbook is one instrument's limit order book: price levels, a FIFO
// queue of orders at each level, and an index from order id to order.
//
// # Contract
//
// A Book is plain data with no goroutines, locks, clock or I/O. It is not safe
// for concurrent use: exactly one goroutine (the engine loop) owns it. The book
// does not decide anything about matching. It offers primitives — Add, Remove,
// Reduce, Head, walks and depth — and the matching package composes them into
// order types, conditions and self-match prevention. That keeps the book small
// enough to check against a naive reference and lets call auctions (which rest
// crossed orders on purpose) use the same book.
//
// Prices are integer KRW (Price), quantities integer shares (Qty). Both sides
// are kept best-first: bids in descending price, asks in ascending price. Time
// priority within a level is the order of Add; Reduce keeps an order's place,
// and a price change is Remove followed by Add (a new place at the back), or
// Move, which does the same to the order in place.
//
// # Layout
//
//	Book
//	 ├─ bids: ladder[-price] ─► level{price, qty, count} ─► order ⇄ order ⇄ order (FIFO)
//	 │        table[price] ───┘ (the same levels, found without the ladder)
//	 ├─ asks: ladder[+price] ─► level ─► …
//	 ├─ index: table[OrderID] ─► *Order
//	 └─ free lists of orders and levels
//
// The price tables and the index are open-addressing hash tables specialised
// for integer keys (internal/inttable): the hot path probes them several times per
// command, and they cost a fraction of a Go map probe.
//
// A ladder keeps a side's levels in order. Prices are numbered on the side's
// price step (the greatest common divisor of the prices it has seen: the
// instrument's tick grid, learnt rather than configured), and the numbers are
// cut into blocks of 64. A tidwall/btree map orders the blocks; each block
// holds a 64-bit map of its occupied steps and their levels. A level that
// appears or goes inside a live block is a bit flip, and the tree changes
// only when a block opens or empties: on a thin book, where most amends
// empty one level and open another, one tree operation per level change
// was 40% of a command. A price off the current step (a coarser grid seen
// first) refiles the side's levels once on the finer step.
//
// Keys are negated for bids so that both sides ascend best-first and the best
// level is always the first. The best level of each side is cached because
// matching touches it on almost every command.
//
// # Memory
//
// Orders, levels and ladder blocks are recycled through free lists: in
// steady state (as many orders leave as arrive) Add, Remove, Move, Reduce and
// matching allocate nothing, even while levels come and go. New orders come from chunks (16 to 512 orders, doubling), so a
// large book is a few hundred objects for the garbage collector rather than
// one per order; a recycled order keeps its payload until it is reused.
// A *Order handed out by the book is valid until the order leaves the book;
// the caller must not keep it after Remove, or after a Reduce that empties it.
//
// # Invariants
//
// Check walks the whole book and reports the first broken invariant: sides
// sorted best-first, every level filed at its step in its block, no empty
// block or level, level totals and counts equal the sum of their orders,
// every order reachable from the index and from its level. In
// builds with -tags invariants every mutating method runs Check and panics on
// failure.
package orderbook
