package matching

import (
	"cmp"
	"math"
	"slices"
)

// AuctionOrder is one order taking part in a single-price auction.
type AuctionOrder struct {
	ID    OrderID
	Side  Side
	Price Price  // 0: a market order, at the upper limit (buy) or the lower (sell)
	Qty   Qty    // > 0; a zero quantity takes no part
	Seq   uint64 // time priority: lower is earlier; unique within an auction
}

// AuctionFill is one trade of an uncross: BuyID bought Qty from SellID at the
// auction price.
type AuctionFill struct {
	BuyID, SellID OrderID
	Qty           Qty
}

// AuctionResult is the outcome of an uncross.
type AuctionResult struct {
	Price  Price         // the auction price; 0 when nothing can trade
	Volume Qty           // shares traded (bought, and sold)
	Filled []Qty         // per input order, same index: the quantity it filled
	Fills  []AuctionFill // the trades, in the order described on Uncross
}

// limitRoundCaps are the cumulative caps, in trading units, of the first
// rounds of allocation at a daily limit.
var limitRoundCaps = [...]Qty{100, 500, 1_000, 2_000}

// Uncross runs a single-price auction (단일가매매, KRX.md's section of that
// name) over orders: it picks the auction price and allocates the volume to
// orders and to trades. prev is the previous price (직전가격), lower and upper
// the daily limits, unit the trading unit (1 for stocks). It is a pure
// function: no engine state, no map iteration, no floats. The result does not
// depend on the order of the input beyond Filled's indexing, as long as
// (Seq, ID) is unique. Broken preconditions (unit ≤ 0, lower < 1, no on-tick
// price in the limits, a negative price or quantity, an invalid side) panic.
//
// # How the rules are read
//
// Effective prices. A market order (Price 0) takes part at the most
// aggressive candidate price: a buy at the highest, a sell at the lowest. KRX
// treats a market buy and a limit buy at the upper limit as orders of the
// same price (and a market sell and a limit sell at the lower limit), so they
// share one level and are ranked together, by time or in the limit rounds
// below. A limit price off the grid counts as the nearest candidate on its
// less aggressive side (a buy at the highest candidate at or below its price,
// a sell at the lowest at or above); one that no candidate satisfies never
// trades. The engine validates prices, so these last cases do not arise from
// it. A consequence of the rules below: a market order that cannot fill
// completely pulls the price to its limit, since below the upper limit a
// market buy is a bid above P (symmetrically for sells).
//
// Candidates. Every on-tick price in [lower, upper] under the scheme (the tick
// of each price's own band), including prices where no order rests. At a
// candidate P, B(P) is the buy quantity at or above P, A(P) the sell quantity
// at or below P, and the executable volume is V(P) = min(B(P), A(P)). Let Vmax
// be the largest V over the candidates; when it is 0 nothing trades and the
// price is 0.
//
// Qualifying prices. Among the candidates with V(P) = Vmax:
//
//	rule 1  every bid above P and every ask below P fills completely:
//	        B(P) − bids at P ≤ Vmax and A(P) − asks at P ≤ Vmax;
//	rule 2  at P one side fills completely (the smaller of B(P), A(P) does,
//	        by the definition of V) and the other side's orders at P get at
//	        least one unit: if A(P) > Vmax then A(P) − asks at P < Vmax, and
//	        if B(P) > Vmax then B(P) − bids at P < Vmax. When the other side
//	        has no order at P the clause asks nothing (that side "fills
//	        completely" too), which is what lets a price where nothing rests
//	        qualify, as the spec's candidate list requires.
//
// Rule 2 implies rule 1. The prices meeting both qualify. A book can leave no
// maximizer meeting rule 2, e.g. buys 100@70,100 and 50@70,000 against sells
// 100@70,000 and 50@70,100: at 70,000 the bids there get nothing, at 70,100
// the asks there get nothing. Then the maximizers meeting rule 1 alone
// qualify (there always is one: the lowest maximizer whose bids above it
// total at most Vmax). The remaining book is uncrossed either way.
//
// Choice. The qualifying price closest in KRW to prev (직전가격: the base
// price before the open, else the last price), which is prev itself when it
// qualifies. At equal distance the lower price wins. Both qualifying sets are
// runs of adjacent candidates, so a tie needs prev off the grid, between two
// of them. With prev 0 the choice is the lowest qualifying price.
//
// # Allocation
//
// Buys fill best price first, sells likewise; every order better than P
// fills completely (rule 1). At P, at most one side is short: its orders at
// P share what is left of the volume (the budget). Off the limits they take
// it in time priority (Seq, then ID). When P is the highest or the lowest
// candidate (the daily limits, which are on tick for every KRX instrument),
// time priority is dropped on that side and the budget is allocated in
// rounds. The orders are ranked largest quantity first, ties by Seq, then ID.
// In each round the orders are visited in that rank and each takes its round
// increment, or what is left of the budget if less; once the budget is
// spent, later orders get nothing more. The rounds, with u the trading unit:
//
//	1–4  cumulative caps: an order's total becomes min(Qty, cap) for caps of
//	     100u, 500u, 1,000u and 2,000u (so round 2 adds at most 400u);
//	5    half of its remaining balance (Qty − total), truncated to a whole
//	     number of units (a 1-unit balance gets nothing here);
//	6    the rest of its balance.
//
// The rounds are applied to whichever side is short at a limit (normally
// buys at the upper limit, sells at the lower). KRX's customer-before-member
// priority (위탁자 우선) is not modelled. KRX.md names the opening auction for
// this treatment; Uncross applies it to every auction it is given, so keeping
// time priority at a limit in the closing auction would need a parameter.
//
// # Trades
//
// The Fills field pairs the filled buys with the filled sells greedily, each
// side in priority order: best price first, then by time (Seq, then ID);
// when P is a limit, the orders at P on both sides come in the rounds' rank
// (largest first) instead. Each AuctionFill is the largest quantity the
// current buy and sell still have to trade. Every trade prints at P.
//
// # Cost
//
// One pass buckets the orders by candidate level (a table lookup, see
// index), prefix sums over the grid give B and A, and a counting sort by
// level with a sort of each level ranks the orders that trade. Memory is
// O(orders + grid); the grid is bounded by the daily limits (a few hundred
// to a few thousand prices for a stock, 430 for 49,700–92,300).
func Uncross(orders []AuctionOrder, prev Price, scheme TickScheme, lower, upper Price, unit Qty) AuctionResult {
	return uncross(orders, prev, scheme, lower, upper, unit, true)
}

// uncross is Uncross with the limit rounds optional: without them, orders at
// a daily limit keep time priority like any other price (the engine's
// closing and VI auctions; KRX.md names the rounds for the opening only).
func uncross(orders []AuctionOrder, prev Price, scheme TickScheme, lower, upper Price, unit Qty, limitRounds bool) AuctionResult {
	if unit <= 0 {
		panic("matching: Uncross: trading unit must be positive")
	}
	b := newAuctionBook(orders, scheme, lower, upper, true)
	res := AuctionResult{Filled: make([]Qty, len(orders))}
	lvl, vol := b.choose(prev)
	if vol == 0 {
		return res
	}
	res.Price, res.Volume = b.grid[lvl], vol
	atLimit := limitRounds && (lvl == 0 || lvl == len(b.grid)-1)
	buys := b.allocate(orders, Buy, lvl, vol, atLimit, unit, res.Filled)
	sells := b.allocate(orders, Sell, lvl, vol, atLimit, unit, res.Filled)
	res.Fills = make([]AuctionFill, 0, len(buys)+len(sells)-1)
	pairAuctionFills(buys, sells, res.Filled, func(buy, sell auctionKey, q Qty) {
		res.Fills = append(res.Fills, AuctionFill{BuyID: buy.id, SellID: sell.id, Qty: q})
	})
	return res
}

// Indicative returns the price and volume Uncross would give for the same
// orders: the expected price and quantity the public feed shows during an
// auction. It allocates nothing to orders. Price and volume are 0 when
// nothing would trade.
func Indicative(orders []AuctionOrder, prev Price, scheme TickScheme, lower, upper Price) (price Price, volume Qty) {
	b := newAuctionBook(orders, scheme, lower, upper, false)
	lvl, vol := b.choose(prev)
	if vol == 0 {
		return 0, 0
	}
	return b.grid[lvl], vol
}

// auctionBook is the orders bucketed by candidate price level.
type auctionBook struct {
	grid       []Price // the candidate prices, ascending
	bids, asks []Qty   // quantity per level
	cumB, cumA []Qty   // bids at or above, asks at or below each level
	level      []int32 // per order: its level, or -1 if it trades at no candidate

	// floor[(p − grid[0]) / step] is the highest level at or below p, for
	// grid[0] ≤ p ≤ the top of the grid; nil when the grid does not suit a
	// table (see index).
	floor []int32
	step  Price
}

func newAuctionBook(orders []AuctionOrder, scheme TickScheme, lower, upper Price, keepLevels bool) *auctionBook {
	if len(orders) > math.MaxInt32 {
		panic("matching: auction: too many orders")
	}
	g := auctionGrid(scheme, lower, upper)
	b := &auctionBook{grid: g, bids: make([]Qty, len(g)), asks: make([]Qty, len(g))}
	b.index()
	if keepLevels {
		b.level = make([]int32, len(orders))
	}
	b.bucket(orders, keepLevels)
	return b
}

// bucket adds orders' quantities to their levels (bids, asks), with each
// order's level in b.level when keepLevels, and cumulates them.
func (b *auctionBook) bucket(orders []AuctionOrder, keepLevels bool) {
	for i := range orders {
		o := &orders[i]
		l := b.levelOf(o)
		if keepLevels {
			b.level[i] = int32(l)
		}
		switch {
		case l < 0:
		case o.Side == Buy:
			b.bids[l] += o.Qty
		default:
			b.asks[l] += o.Qty
		}
	}
	b.cumulate()
}

// indicativeCache keeps an auction book's grid, its floor table and its
// per-level arrays between calls for one symbol, so that the indicative
// price the engine publishes after every command of an auction costs a pass
// over the book's levels and the grid, not a new grid each time. The grid
// depends only on the tick scheme and the limits; it is rebuilt when they
// change (a new day). The engine's uncross reuses it too, with the orders
// and book pointers of the orders that trade (uncross.go). It is a cache:
// not state, not hashed.
type indicativeCache struct {
	scheme       TickScheme
	lower, upper Price
	b            auctionBook

	orders []AuctionOrder  // the uncross's participants
	refs   []*restingOrder // their book orders, same index
	filled []Qty           // what each participant filled, same index
}

// indicative is Indicative over the cached grid.
func (c *indicativeCache) indicative(orders []AuctionOrder, prev Price, scheme TickScheme, lower, upper Price) (Price, Qty) {
	b := c.load(orders, scheme, lower, upper)
	lvl, vol := b.choose(prev)
	if vol == 0 {
		return 0, 0
	}
	return b.grid[lvl], vol
}

// load buckets orders into the cached book (rebuilding the grid when the
// scheme or the limits changed) and returns it, ready for choose.
func (c *indicativeCache) load(orders []AuctionOrder, scheme TickScheme, lower, upper Price) *auctionBook {
	b := &c.b
	if b.grid == nil || c.scheme != scheme || c.lower != lower || c.upper != upper {
		g := auctionGrid(scheme, lower, upper)
		c.scheme, c.lower, c.upper = scheme, lower, upper
		c.b = auctionBook{grid: g, bids: make([]Qty, len(g)), asks: make([]Qty, len(g))}
		b.index()
	} else {
		clear(b.bids)
		clear(b.asks)
	}
	b.bucket(orders, false)
	return b
}

// allocateAt allocates volume vol at level lvl (chosen by choose from the
// same book's levels) to orders, which must include every order that
// trades there: bids at lvl or above, asks at lvl or below; any others get
// nothing. It sets filled (same index as orders) and returns both sides'
// filled orders in pairing order. With the whole book as orders it is what
// uncross does after choosing.
func (b *auctionBook) allocateAt(orders []AuctionOrder, lvl int, vol Qty, atLimit bool, unit Qty, filled []Qty) (buys, sells []auctionKey) {
	b.level = b.level[:0]
	for i := range orders {
		b.level = append(b.level, int32(b.levelOf(&orders[i])))
	}
	buys = b.allocate(orders, Buy, lvl, vol, atLimit, unit, filled)
	sells = b.allocate(orders, Sell, lvl, vol, atLimit, unit, filled)
	return buys, sells
}

// auctionGrid lists the on-tick prices in [lower, upper], ascending.
func auctionGrid(scheme TickScheme, lower, upper Price) []Price {
	if lower < 1 {
		panic("matching: auction: lower limit must be positive")
	}
	var g []Price
	for p := ceilTick(scheme, lower); p <= upper; p = ceilTick(scheme, p+1) {
		g = append(g, p)
	}
	if len(g) == 0 {
		panic("matching: auction: no on-tick price within the limits")
	}
	return g
}

// ceilTick returns the lowest on-tick price at or above p (p > 0). Rounding
// up to the tick of p's band may land in a higher band whose tick it is not
// a multiple of, hence the loop; with KRX's nested tables it runs at most
// twice.
func ceilTick(scheme TickScheme, p Price) Price {
	for !scheme.OnTick(p) {
		t := scheme.Tick(p)
		p += t - p%t
	}
	return p
}

// maxFloorTable bounds the floor table relative to the grid: beyond it
// index falls back to binary search. A KRX stock grid needs about 2×.
const maxFloorTable = 8

// index builds the floor table. On KRX grids every candidate is grid[0] plus
// a multiple of the smallest tick (each tick divides the ones above it), so
// a table with one entry per smallest tick finds any price's level in O(1)
// where a binary search of the grid mispredicts a branch per step. A grid
// without that property, or with wide bands of large ticks that would make
// the table more than maxFloorTable times the grid, keeps floor nil.
func (b *auctionBook) index() {
	g := b.grid
	if len(g) < 2 {
		return
	}
	step := g[1] - g[0]
	for k := 1; k < len(g); k++ {
		step = min(step, g[k]-g[k-1])
	}
	span := g[len(g)-1] - g[0]
	if span/step >= Price(maxFloorTable*len(g)) {
		return
	}
	for _, p := range g {
		if (p-g[0])%step != 0 {
			return
		}
	}
	floor := make([]int32, span/step+1)
	l := 0
	for s := range floor {
		if l+1 < len(g) && g[l+1] == g[0]+Price(s)*step {
			l++
		}
		floor[s] = int32(l)
	}
	b.floor, b.step = floor, step
}

// floorLevel returns the highest level at or below p, or -1.
func (b *auctionBook) floorLevel(p Price) int {
	g, top := b.grid, len(b.grid)-1
	switch {
	case p < g[0]:
		return -1
	case p >= g[top]:
		return top
	case b.floor != nil:
		return int(b.floor[(p-g[0])/b.step])
	}
	i, found := slices.BinarySearch(g, p)
	if !found {
		i--
	}
	return i
}

// levelOf returns the level at which o takes part, or -1: a buy at the
// highest candidate at or below its price, a sell at the lowest at or above.
func (b *auctionBook) levelOf(o *AuctionOrder) int {
	if o.Qty < 0 || o.Price < 0 || !o.Side.Valid() {
		panic("matching: auction: order with a negative price or quantity, or no side")
	}
	top := len(b.grid) - 1
	switch {
	case o.Qty == 0:
		return -1
	case o.Price == 0 && o.Side == Buy:
		return top
	case o.Price == 0:
		return 0
	case o.Side == Buy:
		return b.floorLevel(o.Price)
	}
	l := b.floorLevel(o.Price)
	if l < 0 || b.grid[l] != o.Price {
		l++
	}
	if l > top {
		return -1
	}
	return l
}

// cumulate fills cumB and cumA from bids and asks.
func (b *auctionBook) cumulate() {
	n := len(b.grid)
	if len(b.cumB) != n {
		b.cumB, b.cumA = make([]Qty, n), make([]Qty, n)
	}
	var s Qty
	for l := n - 1; l >= 0; l-- {
		s += b.bids[l]
		b.cumB[l] = s
	}
	s = 0
	for l := range n {
		s += b.asks[l]
		b.cumA[l] = s
	}
}

// choose returns the auction level and volume, or (-1, 0) if nothing trades.
func (b *auctionBook) choose(prev Price) (level int, volume Qty) {
	var vmax Qty
	for l := range b.grid {
		vmax = max(vmax, min(b.cumB[l], b.cumA[l]))
	}
	if vmax == 0 {
		return -1, 0
	}
	if l := b.closest(prev, vmax, true); l >= 0 {
		return l, vmax
	}
	if l := b.closest(prev, vmax, false); l >= 0 {
		return l, vmax
	}
	panic("matching: auction: no maximizing price meets rule 1")
}

// closest returns the qualifying level nearest prev (the lower on a tie), or
// -1. strict asks for rule 2, else rule 1 only.
func (b *auctionBook) closest(prev Price, vmax Qty, strict bool) int {
	best := -1
	for l, p := range b.grid {
		if b.qualifies(l, vmax, strict) && (best < 0 || auctionDist(p, prev) < auctionDist(b.grid[best], prev)) {
			best = l
		}
	}
	return best
}

// qualifies reports whether level l maximizes the volume (v) and meets rule 2
// (strict) or rule 1.
func (b *auctionBook) qualifies(l int, v Qty, strict bool) bool {
	bid, ask := b.cumB[l], b.cumA[l]
	if min(bid, ask) != v {
		return false
	}
	above, below := bid-b.bids[l], ask-b.asks[l]
	if strict {
		return (ask == v || below < v) && (bid == v || above < v)
	}
	return above <= v && below <= v
}

func auctionDist(p, prev Price) Price {
	if p < prev {
		return prev - p
	}
	return p - prev
}

// allocate sets filled for side's orders and returns the filled ones in
// price-time order (the pairing order).
func (b *auctionBook) allocate(orders []AuctionOrder, side Side, lvl int, vol Qty, atLimit bool, unit Qty, filled []Qty) []auctionKey {
	ranked, atP := b.rank(orders, side, lvl, atLimit)
	budget := vol
	for _, k := range ranked[:len(ranked)-len(atP)] {
		filled[k.i] = k.qty
		budget -= k.qty
	}
	if budget < 0 {
		panic("matching: auction: orders better than the auction price exceed its volume")
	}
	if atLimit {
		allocateLimitRounds(atP, budget, unit, filled)
	} else {
		allocateRound(atP, budget, filled, func(k auctionKey) Qty { return k.qty })
	}
	return slices.DeleteFunc(ranked, func(k auctionKey) bool { return filled[k.i] == 0 })
}

// rank returns side's orders at level lvl or better, best level first and
// by time within a level, and the tail of that slice that is at lvl; with
// bySize, that tail is ranked for the limit rounds instead (largest first,
// then by time). It is a counting sort by level followed by a sort of each
// level. The keys carry all that the sorts, the allocation and the pairing
// read, which keeps those passes out of the order slice's cache lines.
func (b *auctionBook) rank(orders []AuctionOrder, side Side, lvl int, bySize bool) (ranked, atP []auctionKey) {
	top := len(b.grid) - 1
	rankOf := func(l int32) int { // 0 for the best level, last for lvl
		if side == Buy {
			return top - int(l)
		}
		return int(l)
	}
	last := rankOf(int32(lvl))
	start := make([]int32, last+2)
	for i := range orders {
		if l := b.level[i]; orders[i].Side == side && l >= 0 && rankOf(l) <= last {
			start[rankOf(l)+1]++
		}
	}
	for r := 1; r < len(start); r++ {
		start[r] += start[r-1]
	}
	ranked = make([]auctionKey, start[last+1])
	next := slices.Clone(start[:last+1])
	for i := range orders {
		if l := b.level[i]; orders[i].Side == side && l >= 0 && rankOf(l) <= last {
			r := rankOf(l)
			ranked[next[r]] = auctionKey{seq: orders[i].Seq, id: orders[i].ID, qty: orders[i].Qty, i: int32(i)}
			next[r]++
		}
	}
	for r := range last {
		slices.SortFunc(ranked[start[r]:start[r+1]], cmpAuctionKey)
	}
	atP = ranked[start[last]:]
	if bySize {
		slices.SortFunc(atP, cmpAuctionSize)
	} else {
		slices.SortFunc(atP, cmpAuctionKey)
	}
	return ranked, atP
}

// auctionKey is an order as ranking sees it. Time priority is Seq, then ID,
// then input index i (so that the order is total even for duplicates).
type auctionKey struct {
	seq uint64
	id  OrderID
	qty Qty
	i   int32
}

func cmpAuctionKey(a, b auctionKey) int {
	if c := cmp.Compare(a.seq, b.seq); c != 0 {
		return c
	}
	if c := cmp.Compare(a.id, b.id); c != 0 {
		return c
	}
	return cmp.Compare(a.i, b.i)
}

// cmpAuctionSize is the rank of the limit rounds: largest quantity first,
// then time priority.
func cmpAuctionSize(a, b auctionKey) int {
	if c := cmp.Compare(b.qty, a.qty); c != 0 {
		return c
	}
	return cmpAuctionKey(a, b)
}

// allocateLimitRounds shares budget among group (orders at a daily limit on
// the short side, in cmpAuctionSize order) in the rounds described on
// Uncross.
func allocateLimitRounds(group []auctionKey, budget, unit Qty, filled []Qty) {
	for _, c := range limitRoundCaps {
		limit := c * unit
		budget = allocateRound(group, budget, filled, func(k auctionKey) Qty {
			return min(k.qty, limit) - filled[k.i]
		})
	}
	budget = allocateRound(group, budget, filled, func(k auctionKey) Qty {
		return (k.qty - filled[k.i]) / unit / 2 * unit
	})
	allocateRound(group, budget, filled, func(k auctionKey) Qty { return k.qty - filled[k.i] })
}

// allocateRound gives each order of group, in turn, want(it) more (or what
// is left of budget if less) and returns what is left.
func allocateRound(group []auctionKey, budget Qty, filled []Qty, want func(auctionKey) Qty) Qty {
	for _, k := range group {
		if budget == 0 {
			break
		}
		if d := min(want(k), budget); d > 0 {
			filled[k.i] += d
			budget -= d
		}
	}
	return budget
}

// pairAuctionFills pairs buys with sells (each in pairing order) greedily,
// calling trade for each pair with the quantity they trade. Both lists are
// non-empty and their fills add up to the same volume.
func pairAuctionFills(buys, sells []auctionKey, filled []Qty, trade func(buy, sell auctionKey, q Qty)) {
	bi, si := 0, 0
	bl, sl := filled[buys[0].i], filled[sells[0].i]
	for {
		q := min(bl, sl)
		trade(buys[bi], sells[si], q)
		bl, sl = bl-q, sl-q
		if bl == 0 {
			if bi++; bi == len(buys) {
				return
			}
			bl = filled[buys[bi].i]
		}
		if sl == 0 {
			if si++; si == len(sells) {
				return
			}
			sl = filled[sells[si].i]
		}
	}
}
