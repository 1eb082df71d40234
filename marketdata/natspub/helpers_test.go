package natspub_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/mts-krx/mts/internal/natstest"
	"github.com/mts-krx/mts/marketdata"
	"github.com/mts-krx/mts/matching"
)

// runServer and connect: the shared helpers of internal/natstest.
var (
	runServer = natstest.RunServer
	connect   = natstest.Connect
)

func sampleInstruments(t testing.TB) []matching.Instrument {
	t.Helper()
	ins, err := matching.LoadInstrumentFile("../../cmd/mts/sample/instruments.json")
	if err != nil {
		t.Fatal(err)
	}
	return ins
}

// gen makes a random order flow: limit orders within a few ticks of the
// base price (so they trade and rest), some marketable ones, and cancels of
// orders it saw rest. Seq and TS rise; TS by 0.4 s a command so that
// candles close.
type gen struct {
	rng    *rand.Rand
	ins    []matching.Instrument
	prices [][]matching.Price // valid prices near each base price
	live   []liveOrder
	seq    uint64
	ts     int64
}

type liveOrder struct {
	id      matching.OrderID
	account string
	symbol  string
}

func newGen(seed uint64, ins []matching.Instrument) *gen {
	g := &gen{rng: rand.New(rand.NewPCG(seed, 7)), ins: ins, ts: time.Date(2026, 3, 2, 9, 0, 0, 0, marketdata.KST).UnixNano()}
	for _, in := range ins {
		lo, hi := in.Limits()
		var ps []matching.Price
		for p := in.BasePrice; p >= lo && len(ps) < 12; p-- {
			if in.Tick.OnTick(p) {
				ps = append(ps, p)
			}
		}
		for p := in.BasePrice + 1; p <= hi && len(ps) < 24; p++ {
			if in.Tick.OnTick(p) {
				ps = append(ps, p)
			}
		}
		slices.Sort(ps)
		g.prices = append(g.prices, ps)
	}
	return g
}

// next returns the next command for one of the symbols (all if syms is
// empty).
func (g *gen) next(syms ...int) matching.Command {
	g.seq++
	g.ts += 400 * int64(time.Millisecond)
	if len(g.live) > 0 && g.rng.IntN(5) == 0 {
		i := g.rng.IntN(len(g.live))
		o := g.live[i]
		g.live = slices.Delete(g.live, i, i+1)
		return matching.Command{Kind: matching.CmdCancel, Seq: g.seq, TS: g.ts, Account: o.account, Symbol: o.symbol, OrderID: o.id}
	}
	s := g.rng.IntN(len(g.ins))
	if len(syms) > 0 {
		s = syms[g.rng.IntN(len(syms))]
	}
	side := matching.Side(1 + g.rng.IntN(2))
	// Mostly on its own side of the middle, sometimes through it.
	ps, mid, k := g.prices[s], len(g.prices[s])/2, g.rng.IntN(len(g.prices[s])/2)
	i := mid - k + 1
	if side == matching.Sell {
		i = mid + k - 2
	}
	p := ps[max(0, min(len(ps)-1, i))]
	return matching.Command{Kind: matching.CmdPlace, Seq: g.seq, TS: g.ts, Symbol: g.ins[s].Symbol,
		Account: fmt.Sprintf("A%d", g.rng.IntN(5)), Side: side, Type: matching.Limit, TIF: matching.Day,
		Price: p, Qty: matching.Qty(1 + g.rng.IntN(30)), Confirm: true}
}

// observe tracks orders that rest, to cancel some later.
func (g *gen) observe(evs []matching.Event) {
	for _, ev := range evs {
		if ev.Kind == matching.EvExec && ev.ExecType == matching.ExecNew && ev.OrderID != 0 {
			g.live = append(g.live, liveOrder{ev.OrderID, ev.Account, ev.Symbol})
		}
	}
}

// world is an engine and a reference builder fed the same commands as the
// publisher under test: the builder's state is what the publisher's must
// be, computed on the test's goroutine.
type world struct {
	t   testing.TB
	ins []matching.Instrument
	e   *matching.Engine
	ref *marketdata.Builder
	g   *gen
	log []recordedCmd // every command and its events, for Replay
}

type recordedCmd struct {
	cmd matching.Command
	evs []matching.Event
}

func newWorld(t testing.TB, seed uint64) *world {
	ins := sampleInstruments(t)
	e, err := matching.NewEngine(matching.Config{Instruments: ins})
	if err != nil {
		t.Fatal(err)
	}
	ref, err := marketdata.NewBuilder(ins, marketdata.Config{})
	if err != nil {
		t.Fatal(err)
	}
	return &world{t: t, ins: ins, e: e, ref: ref, g: newGen(seed, ins)}
}

// step applies one generated command to the engine and the reference
// builder and returns it with its events (valid until the next step).
func (w *world) step(syms ...int) (*matching.Command, []matching.Event) {
	cmd := w.g.next(syms...)
	evs := w.e.Apply(&cmd)
	w.g.observe(evs)
	if err := w.ref.ApplyCommand(&cmd, evs, marketdata.SinkFunc(func(marketdata.Message) {})); err != nil {
		w.t.Fatal(err)
	}
	w.log = append(w.log, recordedCmd{cmd, slices.Clone(evs)})
	return &cmd, evs
}

// collector is a subscriber that keeps a copy of every message.
type collector struct {
	mu   sync.Mutex
	msgs []marketdata.Message
}

func (c *collector) fn(m marketdata.Message) {
	c.mu.Lock()
	c.msgs = append(c.msgs, marketdata.Clone(m))
	c.mu.Unlock()
}

func (c *collector) snapshot() []marketdata.Message {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.msgs)
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// bookView replays a book subscriber's messages: it checks the protocol
// (a Depth first; deltas with contiguous Seq after each Depth) and returns
// the resulting replica and how many Depths came.
func bookView(t testing.TB, msgs []marketdata.Message) (*marketdata.Replica, int) {
	t.Helper()
	r := marketdata.NewReplica(0)
	depths := 0
	for i, m := range msgs {
		switch m := m.(type) {
		case *marketdata.Depth:
			depths++
			if err := r.Reset(m); err != nil {
				t.Fatalf("message %d: reset: %v", i, err)
			}
		case *marketdata.BookDelta:
			if i == 0 {
				t.Fatal("first book message is a delta, want a Depth")
			}
			if m.Seq != r.Seq()+1 {
				t.Fatalf("message %d: delta seq %d after %d, want contiguous", i, m.Seq, r.Seq())
			}
			if err := r.Apply(m); err != nil {
				t.Fatalf("message %d: %v", i, err)
			}
		default:
			t.Fatalf("message %d on the book stream is a %T", i, m)
		}
	}
	return r, depths
}

// sameBook reports whether the replica holds the reference snapshot.
func sameBook(r *marketdata.Replica, d marketdata.Depth) bool {
	return r.Synced() && r.Seq() == d.Seq && slices.Equal(r.Bids(), d.Bids) && slices.Equal(r.Asks(), d.Asks)
}
