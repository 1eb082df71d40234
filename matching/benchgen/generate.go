package benchgen

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/mts-krx/mts/matching"
)

// Tuning constants, after exchange-core's TestOrdersGenerator unless noted.
const (
	// fastFillMax caps how far below target a side may fall before the
	// generator writes nothing but new orders for it (exchange-core:
	// CHECK_ORDERBOOK_STAT_EVERY_NTH_COMMAND).
	fastFillMax = 512
	// moveAlphaPct is how far a move takes an order towards the center, in
	// percent of the distance, at least one tick (CENTRAL_MOVE_ALPHA = 0.01).
	moveAlphaPct = 1
	// driftPct bounds the center's drift around the base price, in percent.
	// exchange-core lets it wander ±25%; KRX's static VI halts trading 10%
	// from the base price, so the center stays well inside that.
	driftPct = 5
	// iocReachPct is how far past the center an IOC order is priced, in
	// percent. exchange-core prices IOC orders at the edge of its range; KRX's
	// dynamic VI halts a trade 3% (KOSPI200) or 6% from the last price, so
	// no trade here may print 2% or more away from it.
	iocReachPct = 2
	// pickWindow is how many of the oldest resting orders cancels and moves
	// choose from (exchange-core: the first 512 entries of an insertion-ordered
	// map).
	pickWindow = 512
	// tsStep is the time between consecutive commands.
	tsStep = int64(time.Microsecond)
)

// startTS is the TS of the first command: 09:00:10 KST on a Monday, inside
// continuous trading. At tsStep per command, ten million commands end before
// 09:00:21.
var startTS = time.Date(2026, 1, 5, 9, 0, 10, 0, time.FixedZone("KST", 9*3600)).UnixNano()

// Stats is what the generator's model saw. It predicts what the engine must
// report for the same commands: a benchmark harness can compare the engine's
// counts with these to prove the stream ran as designed.
type Stats struct {
	Prefill int // commands in the prefill (all GTC places)
	// The stream's mix.
	Places, IOCs, Cancels, Amends int
	// Trades is the number of maker-taker matches in the stream, TradedQty
	// their shares, Crossing the stream commands that traded at least once.
	Trades    int
	TradedQty matching.Qty
	Crossing  int
	// SelfMatchRetries counts candidate commands dropped because they would
	// have traded with their own account.
	SelfMatchRetries int
	// The book after the prefill and after the stream.
	PrefillOrders, PrefillLevels int
	Resting, Levels              int
	// Spread is the widest offset from the center, in ticks, at which a new
	// GTC order may be placed: what Config.Levels calibrated to.
	Spread int
}

// Result is a generated prefill and stream with the model's statistics.
type Result struct {
	Prefill []matching.Command
	Stream  []matching.Command
	Stats   Stats
}

// Generate builds the prefill (the resting book, not timed) and the timed
// stream for cfg. The stream's Seq and TS continue where the prefill's stop,
// so the two are applied in that order to one fresh engine. It panics on an
// invalid Config.
func Generate(cfg Config) (prefill, stream []matching.Command) {
	r := Run(cfg)
	return r.Prefill, r.Stream
}

// Prefill builds only the initial resting book for cfg: the same commands as
// Generate's prefill, without generating the stream.
func Prefill(cfg Config) []matching.Command {
	cfg.Commands = 0
	return Run(cfg).Prefill
}

// Run generates like Generate and also returns the model's statistics.
func Run(cfg Config) Result {
	cfg.validate()
	g := newGenerator(cfg)
	g.prefill()
	n := len(g.out)
	for len(g.out) < n+cfg.Commands {
		g.step()
	}
	g.stats.Resting, g.stats.Levels = g.book.restingCount(), g.book.levelCount()
	return Result{Prefill: g.out[:n:n], Stream: g.out[n:], Stats: g.stats}
}

// generator is the state of one generation run.
type generator struct {
	cfg      Config
	symbol   string
	rng      *rand.Rand
	ladder   ladder
	book     *book
	accounts []string // "A0001", …: shared by every command, never reallocated
	nextCOID []uint64 // per account: the last client order id issued

	half     int   // target resting orders per side
	fastFill int   // a side this far below half gets only new orders
	spread   int32 // new GTC orders rest 1..spread ticks from the center
	center   int32 // ladder index of the last trade (clamped to the drift band)
	lo, hi   int32 // the drift band
	dir      int   // -1, 0, +1: the center's current drift direction

	fills []fill // scratch for book.take
	out   []matching.Command
	stats Stats
}

func newGenerator(cfg Config) *generator {
	in := cfg.Instrument
	l := newLadder(&in)
	g := &generator{
		cfg:      cfg,
		symbol:   in.Symbol,
		rng:      rand.New(rand.NewPCG(uint64(cfg.Seed), 0x6d74735f62656e63)),
		ladder:   l,
		book:     newBook(len(l), pickWindow),
		nextCOID: make([]uint64, cfg.Accounts),
		half:     cfg.TargetOrders / 2,
		center:   l.at(in.BasePrice),
		lo:       l.atOrAbove(in.BasePrice * (100 - driftPct) / 100),
		hi:       l.at(in.BasePrice * (100 + driftPct) / 100),
	}
	g.fastFill = min(fastFillMax, g.half*3/4)
	for i := range cfg.Accounts {
		g.accounts = append(g.accounts, fmt.Sprintf("A%04d", i+1))
	}
	room := min(g.lo, int32(len(l))-1-g.hi)
	g.spread = calibrateSpread(g.half, cfg.Levels/2, max(room, 1))
	g.out = make([]matching.Command, 0, cfg.TargetOrders+cfg.Commands+16)
	return g
}

// prefill places GTC orders on sides below target until both reach it. No
// prefill order crosses: the center stays at the base price and every order
// rests at least one tick away from it on its own side. The statistics then
// restart, so that the mix describes the stream alone.
func (g *generator) prefill() {
	for g.book.count[0] < g.half || g.book.count[1] < g.half {
		side := g.anySide()
		if g.book.count[sideIndex(side)] >= g.half {
			side = side.Opposite()
		}
		for !g.placeGTC(side) {
		}
	}
	g.stats = Stats{
		Prefill: len(g.out), PrefillOrders: g.book.restingCount(), PrefillLevels: g.book.levelCount(),
		Spread: int(g.spread),
	}
}

// step writes one stream command. The choice is exchange-core's: pick a side;
// if that side is below its target, write a new GTC order with probability
// 2/10 (2/2 when far below), else an IOC order with probability 2/40;
// otherwise cancel (1/10 or 1/40) or move (the rest) one of the oldest
// resting orders. A candidate that would self-match is dropped and the choice
// redrawn.
func (g *generator) step() {
	for {
		side := g.anySide()
		lack := g.half - g.book.count[sideIndex(side)]
		var q int
		switch {
		case lack > g.fastFill:
			q = g.rng.IntN(2)
		case lack > 0:
			q = g.rng.IntN(10)
		default:
			q = g.rng.IntN(40)
		}
		var ok bool
		switch {
		case q < 2 && lack > 0:
			ok = g.placeGTC(side)
		case q < 2:
			ok = g.placeIOC(g.driftSide())
		case q == 2:
			ok = g.cancel()
		default:
			ok = g.move()
		}
		if ok {
			return
		}
	}
}

// anySide returns Buy or Sell with equal probability.
func (g *generator) anySide() matching.Side {
	if g.rng.IntN(2) == 0 {
		return matching.Buy
	}
	return matching.Sell
}

// driftSide picks the side of an IOC order: Buy with probability (2+dir)/4,
// so that once the center has reached an edge of the drift band, three IOC
// orders in four push it back towards the other edge. exchange-core tilts
// every side choice this way; tilting only the IOC orders keeps the feedback
// on book size symmetric, so neither side runs thin while the center drifts.
func (g *generator) driftSide() matching.Side {
	if g.rng.IntN(4)+g.dir >= 2 {
		return matching.Buy
	}
	return matching.Sell
}

// placeGTC writes a day limit order 1..spread ticks behind the center on its
// own side, concentrated near the center: the offset is spread×u² for a
// uniform u (exchange-core draws 1 + u²×deviation the same way).
func (g *generator) placeGTC(side matching.Side) bool {
	u := g.rng.Uint64N(1 << 20)
	off := 1 + int32(u*u*uint64(g.spread)>>40)
	idx := g.center - off
	if side == matching.Sell {
		idx = g.center + off
	}
	idx = min(max(idx, 0), int32(len(g.ladder))-1)
	return g.place(side, matching.Day, idx)
}

// placeIOC writes an immediate-or-cancel limit order priced iocReachPct past
// the center: it takes what rests near the touch, and the rest expires.
func (g *generator) placeIOC(side matching.Side) bool {
	p := g.ladder[g.center]
	idx := g.ladder.at(p * (100 + iocReachPct) / 100)
	if side == matching.Sell {
		idx = g.ladder.atOrAbove(p * (100 - iocReachPct) / 100)
	}
	return g.place(side, matching.IOC, idx)
}

// place writes a new limit order for a random account and applies it to the
// model, unless it would trade with that account's own orders.
func (g *generator) place(side matching.Side, tif matching.TIF, idx int32) bool {
	acct := int32(g.rng.IntN(g.cfg.Accounts))
	qty := matching.Qty(1 + g.rng.IntN(6)*g.rng.IntN(6)*g.rng.IntN(6))
	if g.book.meetsOwn(acct, side, idx, qty) {
		g.stats.SelfMatchRetries++
		return false
	}
	c := g.command(matching.CmdPlace, acct)
	c.ClientOrderID = g.clientOrderID(acct)
	c.Side, c.Type, c.TIF, c.Price, c.Qty = side, matching.Limit, tif, g.ladder[idx], qty
	id := g.book.add(acct, side, idx, qty)
	g.execute(id)
	if tif == matching.Day {
		g.stats.Places++
		if g.book.orders[id].qty > 0 {
			g.book.rest(id)
		}
	} else {
		g.stats.IOCs++
	}
	return true
}

// cancel writes a full cancel of a resting order picked uniformly.
func (g *generator) cancel() bool {
	if len(g.book.resting) == 0 {
		return false
	}
	id := g.pick()
	c := g.command(matching.CmdCancel, g.book.orders[id].acct)
	c.OrderID = id
	g.book.unrest(id)
	g.book.retire(id)
	g.stats.Cancels++
	return true
}

// move writes an amend that reprices a resting order, picked uniformly,
// moveAlphaPct of the way towards the center (at least one tick; one tick
// either way when it is at the center). It keeps the quantity, so the engine
// never refuses it as AMEND_NO_CHANGE. An order moved across the touch trades
// first and rests with what is left.
func (g *generator) move() bool {
	if len(g.book.resting) == 0 {
		return false
	}
	id := g.pick()
	o := &g.book.orders[id]
	to := o.idx + g.moveStep(o.idx)
	if to < 0 || int(to) >= len(g.ladder) {
		return false
	}
	if g.book.meetsOwn(o.acct, o.side, to, o.qty) {
		g.stats.SelfMatchRetries++
		return false
	}
	c := g.command(matching.CmdAmend, o.acct)
	c.OrderID, c.Price = id, g.ladder[to]
	g.book.unrest(id)
	o.idx = to
	g.execute(id)
	if o.qty > 0 {
		g.book.rest(id)
	} else {
		g.book.retire(id)
	}
	g.stats.Amends++
	return true
}

// pick returns a resting order to cancel or move, uniformly among the
// pickWindow oldest (see doc.go: exchange-core's choice, which concentrates
// moves and cancels on a hot set of orders that converge on the center).
func (g *generator) pick() matching.OrderID {
	return g.book.window[g.rng.IntN(len(g.book.window))]
}

// moveStep returns the signed number of ticks a move takes an order at idx.
func (g *generator) moveStep(idx int32) int32 {
	d := g.center - idx
	switch {
	case d == 0:
		return int32(g.rng.IntN(2)*2 - 1)
	case d > 0:
		return (d*moveAlphaPct + 99) / 100
	default:
		return -((-d*moveAlphaPct + 99) / 100)
	}
}

// execute lets order id take liquidity and moves the center to the last trade
// price. At the drift band's edges the drift direction turns around
// (exchange-core bounces the same way between its price bounds).
func (g *generator) execute(id matching.OrderID) {
	g.fills = g.book.take(id, g.fills[:0])
	if len(g.fills) == 0 {
		return
	}
	for _, f := range g.fills {
		g.stats.TradedQty += f.qty
	}
	g.stats.Trades += len(g.fills)
	g.stats.Crossing++
	last := g.fills[len(g.fills)-1].idx
	switch {
	case last <= g.lo:
		g.dir = 1
	case last >= g.hi:
		g.dir = -1
	}
	g.center = min(max(last, g.lo), g.hi)
}

// command appends a command with the next Seq and TS and returns it to be
// filled in.
func (g *generator) command(k matching.CommandKind, acct int32) *matching.Command {
	n := len(g.out)
	g.out = append(g.out, matching.Command{
		Kind:    k,
		Seq:     uint64(n + 1),
		TS:      startTS + int64(n)*tsStep,
		Account: g.accounts[acct],
		Symbol:  g.symbol,
	})
	return &g.out[n]
}

// clientOrderID returns the account's next client order id, or "" when the
// Config asks for none.
func (g *generator) clientOrderID(acct int32) string {
	if !g.cfg.ClientOrderIDs {
		return ""
	}
	g.nextCOID[acct]++
	return strconv.FormatUint(g.nextCOID[acct], 36)
}

// calibrateSpread returns the smallest spread S (at most room) at which n
// orders placed S×u² ticks from the center are expected to occupy at least
// levels distinct prices. With probability p_k = √((k+1)/S) − √(k/S) of
// landing k ticks out, the expectation is Σ 1 − (1 − p_k)^n. Floats only
// choose S; every draw in the stream is integer arithmetic. The model's
// moves and fills reshape the book afterwards, which the tests measure.
func calibrateSpread(n, levels int, room int32) int32 {
	expect := func(s int32) float64 {
		var e float64
		for k := range s {
			p := math.Sqrt(float64(k+1)/float64(s)) - math.Sqrt(float64(k)/float64(s))
			e += 1 - math.Pow(1-p, float64(n))
		}
		return e
	}
	lo, hi := int32(1), room
	for lo < hi {
		mid := lo + (hi-lo)/2
		if expect(mid) >= float64(levels) {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return lo
}
