package marketdata

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/mts-krx/mts/internal/wire"
	"github.com/mts-krx/mts/matching"
)

// sampleInstruments loads the instruments `mts serve` trades.
func sampleInstruments(t testing.TB) []matching.Instrument {
	t.Helper()
	ins, err := matching.LoadInstrumentFile("../cmd/mts/sample/instruments.json")
	if err != nil {
		t.Fatal(err)
	}
	return ins
}

// validPrices returns every valid price of an instrument, ascending.
func validPrices(in matching.Instrument) []Price {
	lo, hi := in.Limits()
	var ps []Price
	for p := lo; p <= hi; p++ {
		if in.Tick.OnTick(p) {
			ps = append(ps, p)
		}
	}
	return ps
}

// recorder is a Sink that keeps a copy of every message.
type recorder struct{ msgs []Message }

func (r *recorder) Publish(m Message) { r.msgs = append(r.msgs, Clone(m)) }

func (r *recorder) take() []Message {
	m := r.msgs
	r.msgs = nil
	return m
}

// ---- a random order flow over the sample instruments -------------------

// flow generates commands: limit orders of all conditions around a
// drifting center price, market, best-limit, first-best and stop-limit
// orders, amends and cancels of live orders, rejected junk, and, with risk
// on, kill switches. Seq rises by one, TS by a random step that sometimes
// jumps hours, so every candle interval closes buckets.
type flow struct {
	rng      *rand.Rand
	ins      []matching.Instrument
	grids    [][]Price
	centers  []int
	accounts []string
	live     []liveOrder
	kills    []matching.Command // switches that are on, to turn off later
	risk     bool
	seq      uint64
	ts       int64
}

type liveOrder struct {
	id      matching.OrderID
	account string
	symbol  string
}

func newFlow(seed uint64, ins []matching.Instrument, withRisk bool) *flow {
	f := &flow{rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), ins: ins, risk: withRisk,
		ts: time.Date(2026, 3, 2, 8, 59, 30, 0, KST).UnixNano()}
	for _, in := range ins {
		g := validPrices(in)
		f.grids = append(f.grids, g)
		i, _ := slices.BinarySearch(g, in.BasePrice)
		f.centers = append(f.centers, i)
	}
	for i := range 6 {
		f.accounts = append(f.accounts, fmt.Sprintf("ACC%d", i))
	}
	return f
}

// setup returns the back-office commands that open and fund every account
// (risk on only).
func (f *flow) setup() []matching.Command {
	if !f.risk {
		return nil
	}
	var cmds []matching.Command
	for _, a := range f.accounts {
		cmds = append(cmds,
			matching.Command{Kind: matching.CmdOpenAccount, Account: a, RequestID: "open"},
			matching.Command{Kind: matching.CmdDeposit, Account: a, Amount: 1e15, RequestID: "cash"})
		for _, in := range f.ins {
			cmds = append(cmds, matching.Command{Kind: matching.CmdCreditShares, Account: a, Symbol: in.Symbol, Qty: 1e9, RequestID: "sh" + in.Symbol})
		}
	}
	for i := range cmds {
		f.stamp(&cmds[i])
	}
	return cmds
}

// WithRisk switches risk on in an engine config. The import table lets
// marketdata (its in-package tests included) import only matching and
// orderbook, so the risk checker comes from risk_test.go, an external test
// package, which sets this hook in its init.
var WithRisk func(*matching.Config)

func (f *flow) stamp(c *matching.Command) {
	f.seq++
	c.Seq = f.seq
	switch r := f.rng.IntN(1000); {
	case r < 2:
		f.ts += int64(f.rng.IntN(14*3600)) * 1e9 // overnight
	case r < 15:
		f.ts += int64(f.rng.IntN(2*3600)) * 1e9
	case r < 300:
		// same TS as the command before
	default:
		f.ts += int64(f.rng.IntN(4000)) * 1e6
	}
	c.TS = f.ts
}

func (f *flow) price(sym int, side matching.Side, spread int) Price {
	g := f.grids[sym]
	off := f.rng.IntN(spread+3) - 2 // mostly behind the center, sometimes through it
	if side == matching.Buy {
		off = -off
	}
	return g[max(0, min(len(g)-1, f.centers[sym]+off))]
}

// next returns the next command.
func (f *flow) next() matching.Command {
	sym := f.rng.IntN(len(f.ins))
	c := matching.Command{Kind: matching.CmdPlace, Symbol: f.ins[sym].Symbol,
		Account: f.accounts[f.rng.IntN(len(f.accounts))], Side: matching.Side(1 + f.rng.IntN(2)),
		Type: matching.Limit, TIF: matching.Day, Qty: Qty(1 + f.rng.IntN(5)*f.rng.IntN(40)), Confirm: true,
		STP: matching.STPMode(f.rng.IntN(5))}
	if len(f.kills) > 0 && f.rng.IntN(25) == 0 {
		c = f.kills[0] // a switch goes off again
		f.kills = f.kills[1:]
		c.Active = false
		f.stamp(&c)
		return c
	}
	switch r := f.rng.IntN(100); {
	case r < 45:
		c.Price = f.price(sym, c.Side, 24)
	case r < 52:
		c.Price, c.TIF = f.price(sym, c.Side, 6), matching.TIF(2+f.rng.IntN(2))
	case r < 56:
		c.Type, c.TIF, c.Qty = matching.Market, matching.TIF(1+f.rng.IntN(3)), c.Qty*3
	case r < 59:
		c.Type = matching.BestLimit
	case r < 61:
		c.Type = matching.FirstBest
	case r < 64:
		c.Type, c.Price, c.StopPrice = matching.StopLimit, f.price(sym, c.Side, 6), f.price(sym, c.Side.Opposite(), 4)
	case r < 78:
		f.amend(&c, sym)
	case r < 96:
		f.cancel(&c, sym)
	case r < 99:
		f.junk(&c, sym)
	default:
		f.kill(&c, sym)
	}
	if f.rng.IntN(50) == 0 { // the center drifts
		f.centers[sym] = max(20, min(len(f.grids[sym])-20, f.centers[sym]+f.rng.IntN(5)-2))
	}
	f.stamp(&c)
	return c
}

func (f *flow) pickLive(c *matching.Command) bool {
	if len(f.live) == 0 {
		return false
	}
	o := f.live[f.rng.IntN(len(f.live))]
	c.Account, c.Symbol, c.OrderID = o.account, o.symbol, o.id
	c.Side, c.Type, c.TIF, c.Qty = 0, 0, 0, 0
	return true
}

func (f *flow) amend(c *matching.Command, sym int) {
	if !f.pickLive(c) {
		c.Price = f.price(sym, c.Side, 24)
		return
	}
	for i, in := range f.ins {
		if in.Symbol == c.Symbol {
			sym = i
		}
	}
	c.Kind = matching.CmdAmend
	c.Price = f.price(sym, matching.Side(1+f.rng.IntN(2)), 20)
	if f.rng.IntN(3) == 0 {
		c.Price, c.Qty = 0, Qty(1+f.rng.IntN(20))
	}
}

func (f *flow) cancel(c *matching.Command, sym int) {
	if !f.pickLive(c) {
		c.Price = f.price(sym, c.Side, 24)
		return
	}
	c.Kind = matching.CmdCancel
	if f.rng.IntN(4) == 0 {
		c.Qty = Qty(1 + f.rng.IntN(10)) // partial
	}
}

// junk makes a command the engine rejects: nothing public may come of it.
func (f *flow) junk(c *matching.Command, sym int) {
	switch f.rng.IntN(3) {
	case 0:
		c.Symbol = "999999"
	case 1:
		c.Price = f.grids[sym][len(f.grids[sym])-1] + 1
	default:
		c.Qty = -1
	}
}

func (f *flow) kill(c *matching.Command, sym int) {
	if !f.risk {
		c.Price = f.price(sym, c.Side, 24)
		return
	}
	*c = matching.Command{Kind: matching.CmdKillSwitch, Scope: matching.KillScope(1 + f.rng.IntN(3)), Active: true, Text: "test"}
	switch c.Scope {
	case matching.KillAccount:
		c.Account = f.accounts[f.rng.IntN(len(f.accounts))]
	case matching.KillSymbol:
		c.Symbol = f.ins[sym].Symbol
	}
	f.kills = append(f.kills, *c)
}

// observe tracks live order ids from the engine's execution reports.
func (f *flow) observe(evs []matching.Event) {
	for i := range evs {
		ev := &evs[i]
		if ev.Kind != matching.EvExec || ev.OrderID == 0 {
			continue
		}
		switch ev.Status {
		case matching.StatusNew, matching.StatusPartiallyFilled:
			if ev.ExecType == matching.ExecNew {
				f.live = append(f.live, liveOrder{id: ev.OrderID, account: ev.Account, symbol: ev.Symbol})
			}
		case matching.StatusFilled, matching.StatusCanceled, matching.StatusExpired:
			f.live = slices.DeleteFunc(f.live, func(o liveOrder) bool { return o.id == ev.OrderID })
		}
	}
}

// ---- the engine's own book, from its snapshot --------------------------

// engineTops decodes the engine's snapshot (format in matching/snapshot.go)
// and returns, per symbol, the top n levels a side aggregated from the
// resting orders, and the engine's last trade price. It is independent of
// the EvBook events the builder reads.
func engineTops(t testing.TB, e *matching.Engine, n int) map[string]engineBook {
	t.Helper()
	r := wire.Reader{B: e.AppendSnapshot(nil)}
	if v := r.Uvarint(); v != 3 && v != 4 { // 4 changed only the accounts, not read here
		t.Fatalf("engine snapshot version %d", v)
	}
	r.Uvarint() // seq
	r.Uvarint() // next order id
	r.Uvarint() // next trade id
	r.Uvarint() // VI seed
	r.Varint()  // day start
	r.Uvarint() // market phase
	out := map[string]engineBook{}
	for range r.Count() {
		name := r.String()
		var eb engineBook
		eb.last = Price(r.Varint())
		r.Varint()  // lower
		r.Varint()  // upper
		r.Uvarint() // phase
		r.Varint()  // base
		r.Varint()  // static VI reference
		r.Varint()  // close
		r.Varint()  // VI end
		r.Uvarint() // resume phase
		r.Bool()    // traded today
		for si := range 4 {
			for range r.Count() {
				_ = r.Uvarint() // id
				_ = r.Uvarint() // side
				price, leaves := Price(r.Varint()), Qty(r.Varint())
				_ = r.Bytes() // account
				_ = r.Bytes() // client order id
				r.Uvarint()
				r.Uvarint()
				r.Uvarint()
				r.Varint()
				r.Varint()
				r.Varint()
				r.Varint()
				_ = r.Bytes() // stp key
				r.Varint()
				r.Varint()
				if si < 2 { // resting orders, in priority order; then stops
					eb.sides[si] = addOrder(eb.sides[si], price, leaves, n)
				}
			}
		}
		out[name] = eb
	}
	if r.Err() != nil {
		t.Fatalf("engine snapshot: %v", r.Err())
	}
	return out
}

type engineBook struct {
	sides [2][]Level
	last  Price
}

// addOrder adds a resting order to a best-first list of levels: orders
// come in priority order, so a new price is always worse than the last.
func addOrder(ls []Level, price Price, qty Qty, n int) []Level {
	if k := len(ls); k > 0 && ls[k-1].Price == price {
		ls[k-1].Qty += qty
		ls[k-1].Count++
		return ls
	}
	if len(ls) == n {
		return ls
	}
	return append(ls, Level{Price: price, Qty: qty, Count: 1})
}

// ---- a naive full book from the EvBook events -------------------------

type naiveBook map[string]*[2]map[Price]Level

func (nb naiveBook) apply(evs []matching.Event) {
	for _, ev := range evs {
		if ev.Kind != matching.EvBook {
			continue
		}
		sides := nb[ev.Symbol]
		if sides == nil {
			sides = &[2]map[Price]Level{{}, {}}
			nb[ev.Symbol] = sides
		}
		if ev.Qty == 0 {
			delete(sides[ev.Side-1], ev.Price)
		} else {
			sides[ev.Side-1][ev.Price] = Level{Price: ev.Price, Qty: ev.Qty, Count: int(ev.Count)}
		}
	}
}

func (nb naiveBook) top(sym string, side Side, n int) []Level {
	sides := nb[sym]
	if sides == nil {
		return nil
	}
	var ls []Level
	for _, l := range sides[side-1] {
		ls = append(ls, l)
	}
	slices.SortFunc(ls, func(a, b Level) int {
		if better(side, a.Price, b.Price) {
			return -1
		}
		return 1
	})
	return ls[:min(n, len(ls))]
}
