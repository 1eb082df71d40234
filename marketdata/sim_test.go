package marketdata

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/mts-krx/mts/matching"
)

var (
	simSeed     = flag.Uint64("sim.seed", 0, "run TestSimulation for this seed only")
	simCommands = flag.Int("sim.commands", 0, "commands per TestSimulation run (0: 3000; 800 with -short or -race)")
)

// TestSimulation drives random order flow over the sample instruments
// through a real engine, feeds every command's events to a Builder, and
// after every command checks the builder against independent references:
// the engine's own resting orders (from its snapshot), a naive full book
// kept from the events, a Replica fed every delta, a Replica that loses
// deltas and must resync, contiguous sequence numbers, trades, the ticker
// and the candles recomputed naively, and the codec on every message. A
// failure names its seed; rerun one with -sim.seed.
func TestSimulation(t *testing.T) {
	n := *simCommands
	if n == 0 {
		n = 3000
		if testing.Short() || raceEnabled {
			n = 800 // the race detector makes the engine-snapshot oracle slow
		}
	}
	seeds := []uint64{1, 2, 3}
	if *simSeed != 0 {
		seeds = []uint64{*simSeed}
	}
	for _, seed := range seeds {
		for _, withRisk := range []bool{false, true} {
			t.Run(fmt.Sprintf("seed=%d/risk=%v", seed, withRisk), func(t *testing.T) {
				t.Parallel()
				s := newSim(t, seed, withRisk, 0)
				for range n {
					s.step()
					if t.Failed() {
						t.Fatalf("repro: go test ./marketdata -run 'TestSimulation/seed=%d/risk=%v' -sim.seed %d -sim.commands %d",
							seed, withRisk, seed, n)
					}
				}
				s.finish()
				s.summary()
			})
		}
	}
}

// TestSimulationDepths repeats a shorter simulation with other depths: a
// window of 1 (every new best pushes a level out) and the maximum.
func TestSimulationDepths(t *testing.T) {
	for _, depth := range []int{1, 3, MaxDepth} {
		t.Run(fmt.Sprintf("depth=%d", depth), func(t *testing.T) {
			t.Parallel()
			s := newSim(t, 7, true, depth)
			for range 800 {
				s.step()
				if t.Failed() {
					t.FailNow()
				}
			}
			s.finish()
		})
	}
}

type sim struct {
	t     *testing.T
	flow  *flow
	e     *matching.Engine
	b     *Builder
	depth int
	rec   recorder
	drops *rand.Rand

	naive     naiveBook
	full      map[string]*Replica // fed every delta
	lossy     map[string]*Replica // loses about one delta in twenty
	lost      map[string]bool     // lossy lost a delta since its last reset
	seqs      map[string]*[StreamCandle + 1]uint64
	lastDepth map[string]*Depth // the last depth message
	bests     map[string][2]Level
	day       map[string]*dayStats
	cndl      map[candleKey]Candle // naive buckets
	pub       map[candleKey]Candle // the last published state of each bucket

	cmd    matching.Command
	trades []matching.Event // this command's EvTrade events
	stats  struct{ cmds, msgs, deltas, gaps, trades, closed int }
}

type candleKey struct {
	sym   string
	iv    Interval
	start int64
}

type dayStats struct {
	open, high, low, last Price
	lastQty, volume       Qty
	value                 int64
}

func newSim(t *testing.T, seed uint64, withRisk bool, depth int) *sim {
	ins := sampleInstruments(t)
	cfg := matching.Config{Instruments: ins}
	if withRisk {
		if WithRisk == nil {
			t.Fatal("risk_test.go did not set WithRisk")
		}
		WithRisk(&cfg)
	}
	e, err := matching.NewEngine(cfg)
	if err != nil {
		t.Fatal(err)
	}
	b, err := NewBuilder(ins, Config{Depth: depth})
	if err != nil {
		t.Fatal(err)
	}
	s := &sim{t: t, flow: newFlow(seed, ins, withRisk), e: e, b: b, depth: b.Depth(),
		drops: rand.New(rand.NewPCG(seed, 99)), naive: naiveBook{},
		full: map[string]*Replica{}, lossy: map[string]*Replica{}, lost: map[string]bool{},
		seqs: map[string]*[StreamCandle + 1]uint64{}, lastDepth: map[string]*Depth{}, bests: map[string][2]Level{},
		day: map[string]*dayStats{}, cndl: map[candleKey]Candle{}, pub: map[candleKey]Candle{}}
	for _, in := range ins {
		snap, _ := b.Snapshot(in.Symbol)
		s.full[in.Symbol], s.lossy[in.Symbol] = NewReplica(s.depth), NewReplica(s.depth)
		for _, r := range []*Replica{s.full[in.Symbol], s.lossy[in.Symbol]} {
			if err := r.Reset(&snap); err != nil {
				t.Fatal(err)
			}
		}
		s.seqs[in.Symbol] = new([StreamCandle + 1]uint64)
		s.day[in.Symbol] = &dayStats{}
	}
	for _, c := range s.flow.setup() {
		s.apply(c)
	}
	return s
}

func (s *sim) step() {
	s.apply(s.flow.next())
}

func (s *sim) apply(cmd matching.Command) {
	s.cmd = cmd
	evs := s.e.Apply(&cmd)
	s.flow.observe(evs)
	s.naive.apply(evs)
	s.trades = s.trades[:0]
	for _, ev := range evs {
		if ev.Kind == matching.EvTrade {
			s.trades = append(s.trades, ev)
			s.naiveTrade(&ev)
		}
	}
	if err := s.b.ApplyCommand(&cmd, evs, &s.rec); err != nil {
		s.t.Fatalf("seq %d: ApplyCommand: %v", cmd.Seq, err)
	}
	msgs := s.rec.take()
	s.stats.cmds++
	s.stats.msgs += len(msgs)
	s.checkMessages(msgs)
	s.checkBooks(msgs)
}

func (s *sim) naiveTrade(ev *matching.Event) {
	d := s.day[ev.Symbol]
	if d.open == 0 {
		d.open, d.high, d.low = ev.LastPx, ev.LastPx, ev.LastPx
	}
	d.high, d.low, d.last, d.lastQty = max(d.high, ev.LastPx), min(d.low, ev.LastPx), ev.LastPx, ev.LastQty
	d.volume += ev.LastQty
	d.value += int64(ev.LastPx) * int64(ev.LastQty)
	for _, iv := range Intervals() {
		k := candleKey{ev.Symbol, iv, naiveBucket(ev.TS, iv)}
		c, ok := s.cndl[k]
		if !ok {
			c = Candle{Interval: iv, Start: k.start, Open: ev.LastPx, High: ev.LastPx, Low: ev.LastPx}
		}
		c.High, c.Low, c.Close = max(c.High, ev.LastPx), min(c.Low, ev.LastPx), ev.LastPx
		c.Volume += ev.LastQty
		c.Value += int64(ev.LastPx) * int64(ev.LastQty)
		s.cndl[k] = c
	}
}

// naiveBucket computes a bucket start with the time package in KST,
// independently of BucketStart's arithmetic.
func naiveBucket(ts int64, iv Interval) int64 {
	t := time.Unix(0, ts).In(KST)
	y, mo, d := t.Date()
	h, mi := t.Hour(), t.Minute()
	var start time.Time
	switch iv {
	case Minute1:
		start = time.Date(y, mo, d, h, mi, 0, 0, KST)
	case Minute5:
		start = time.Date(y, mo, d, h, mi-mi%5, 0, 0, KST)
	case Hour1:
		start = time.Date(y, mo, d, h, 0, 0, 0, KST)
	case Day1:
		start = time.Date(y, mo, d, 0, 0, 0, 0, KST)
	}
	return start.UnixNano()
}

// checkMessages checks every message of one command on its own.
func (s *sim) checkMessages(msgs []Message) {
	t, cmd := s.t, &s.cmd
	trade := 0
	var prev Message
	for i, m := range msgs {
		h := m.Head()
		if h.SrcSeq != cmd.Seq || h.TS != cmd.TS {
			t.Errorf("seq %d: message %d %v header %+v: want SrcSeq %d TS %d", cmd.Seq, i, m.Stream(), h, cmd.Seq, cmd.TS)
		}
		s.checkCodec(m)
		s.checkSeq(m, prev)
		switch m := m.(type) {
		case *Trade:
			if trade >= len(s.trades) {
				t.Errorf("seq %d: more trade messages than trades", cmd.Seq)
				break
			}
			ev := &s.trades[trade]
			want := Trade{Header: h, TradeID: ev.TradeID, Price: ev.LastPx, Qty: ev.LastQty, Side: ev.Side}
			if *m != want || h.Symbol != ev.Symbol {
				t.Errorf("seq %d: trade message %+v, want %+v for %s", cmd.Seq, *m, want, ev.Symbol)
			}
			trade++
			s.stats.trades++
		case *BookDelta:
			s.stats.deltas++
			s.feedReplicas(m)
		case *Depth:
			s.lastDepth[h.Symbol] = m
		case *Ticker:
			s.checkTicker(m)
		case *Candle:
			s.checkCandle(m)
		}
		prev = m
	}
	if trade != len(s.trades) {
		t.Errorf("seq %d: %d trade messages for %d trades", cmd.Seq, trade, len(s.trades))
	}
}

// checkCodec encodes, decodes and re-encodes a message.
func (s *sim) checkCodec(m Message) {
	enc := m.Append(nil)
	got, err := DecodeMessage(enc)
	if err != nil {
		s.t.Errorf("seq %d: decode %v: %v", s.cmd.Seq, m.Stream(), err)
		return
	}
	if !reflect.DeepEqual(got, m) {
		s.t.Errorf("seq %d: codec round trip\n got %+v\nwant %+v", s.cmd.Seq, got, m)
	}
	if again := got.Append(nil); !bytes.Equal(again, enc) {
		s.t.Errorf("seq %d: re-encoding differs", s.cmd.Seq)
	}
}

// checkSeq checks that each stream counts 1, 2, 3, … per symbol, and that a
// depth message follows the book delta of the same seq.
func (s *sim) checkSeq(m Message, prev Message) {
	h, st := m.Head(), m.Stream()
	seqs := s.seqs[h.Symbol]
	if st == StreamDepth {
		d, ok := prev.(*BookDelta)
		if !ok || d.Symbol != h.Symbol || d.Seq != h.Seq {
			s.t.Errorf("seq %d: depth %s/%d does not follow its book delta (previous %T)", s.cmd.Seq, h.Symbol, h.Seq, prev)
		}
		return
	}
	if h.Seq != seqs[st]+1 {
		s.t.Errorf("seq %d: %s %v seq %d after %d", s.cmd.Seq, h.Symbol, st, h.Seq, seqs[st])
	}
	seqs[st] = h.Seq
}

func (s *sim) feedReplicas(d *BookDelta) {
	if err := s.full[d.Symbol].Apply(d); err != nil {
		s.t.Errorf("seq %d: full replica: %v", s.cmd.Seq, err)
	}
	r := s.lossy[d.Symbol]
	if r.Synced() && !s.lost[d.Symbol] && s.drops.IntN(20) == 0 {
		s.lost[d.Symbol] = true // this delta never arrives
		return
	}
	err := r.Apply(d)
	switch {
	case s.lost[d.Symbol] && !errors.Is(err, ErrGap) && !errors.Is(err, ErrStale):
		s.t.Errorf("seq %d: lossy replica after a lost delta: Apply(%d) = %v, want ErrGap", s.cmd.Seq, d.Seq, err)
	case errors.Is(err, ErrGap):
		s.stats.gaps++
	case !s.lost[d.Symbol] && err != nil:
		s.t.Errorf("seq %d: lossy replica: %v", s.cmd.Seq, err)
	}
}

func (s *sim) checkTicker(m *Ticker) {
	d := s.day[m.Symbol]
	snap, _ := s.b.Snapshot(m.Symbol)
	want := Ticker{Header: m.Header, BasePrice: s.instrument(m.Symbol).BasePrice,
		Last: d.last, LastQty: d.lastQty, Open: d.open, High: d.high, Low: d.low, Volume: d.volume, Value: d.value}
	if len(snap.Bids) > 0 {
		want.BidPrice, want.BidQty = snap.Bids[0].Price, snap.Bids[0].Qty
	}
	if len(snap.Asks) > 0 {
		want.AskPrice, want.AskQty = snap.Asks[0].Price, snap.Asks[0].Qty
	}
	if d.last != 0 {
		want.Change = d.last - want.BasePrice
		want.ChangeBP = naiveBP(want.Change, want.BasePrice)
	}
	if *m != want {
		s.t.Errorf("seq %d: ticker\n got %+v\nwant %+v", s.cmd.Seq, *m, want)
	}
}

// naiveBP rounds change/base·10⁴ half away from zero by comparing the
// remainder, a different route from changeBP's.
func naiveBP(change, base Price) int64 {
	n, d := int64(change)*10_000, int64(base)
	q, r := n/d, n%d
	if 2*max(r, -r) >= d {
		if n < 0 {
			q--
		} else {
			q++
		}
	}
	return q
}

func (s *sim) checkCandle(m *Candle) {
	k := candleKey{m.Symbol, m.Interval, m.Start}
	want, ok := s.cndl[k]
	want.Header, want.Closed = m.Header, m.Closed
	if !ok || *m != want {
		s.t.Errorf("seq %d: candle\n got %+v\nwant %+v (known %v)", s.cmd.Seq, *m, want, ok)
	}
	cur := naiveBucket(s.cmd.TS, m.Interval)
	if m.Closed != (m.Start < cur) {
		s.t.Errorf("seq %d: candle %v %d closed=%v while the current bucket starts %d", s.cmd.Seq, m.Interval, m.Start, m.Closed, cur)
	}
	if last, ok := s.pub[k]; ok && last.Closed {
		s.t.Errorf("seq %d: candle %v %d published after it closed", s.cmd.Seq, m.Interval, m.Start)
	}
	if m.Closed {
		s.stats.closed++
	}
	s.pub[k] = *m
}

func (s *sim) instrument(sym string) matching.Instrument {
	in, _ := s.e.Instrument(sym)
	return in
}

// checkBooks compares, for every symbol, the builder's snapshot with the
// engine's resting orders, the naive book, the replicas and the last depth
// message, and the ticker and candle accessors with the naive figures.
func (s *sim) checkBooks(msgs []Message) {
	t, cmd := s.t, &s.cmd
	eng := engineTops(t, s.e, s.depth)
	tickers := map[string]bool{}
	for _, m := range msgs {
		if m.Stream() == StreamTicker {
			tickers[m.Head().Symbol] = true
		}
	}
	traded := map[string]bool{}
	for _, ev := range s.trades {
		traded[ev.Symbol] = true
	}
	for _, in := range s.flow.ins {
		sym := in.Symbol
		snap, ok := s.b.Snapshot(sym)
		if !ok || snap.Symbol != sym || snap.Seq != s.seqs[sym][StreamBook] {
			t.Errorf("seq %d: Snapshot(%s) = %v, seq %d; want seq %d", cmd.Seq, sym, ok, snap.Seq, s.seqs[sym][StreamBook])
		}
		for i, side := range []Side{matching.Buy, matching.Sell} {
			got := []Level(nil)
			if i == 0 {
				got = snap.Bids
			} else {
				got = snap.Asks
			}
			if want := eng[sym].sides[i]; !levelsEqual(got, want) {
				t.Errorf("seq %d: %s %v top %d\n  builder %v\n  engine  %v", cmd.Seq, sym, side, s.depth, got, want)
			}
			if want := s.naive.top(sym, side, s.depth); !levelsEqual(got, want) {
				t.Errorf("seq %d: %s %v top %d\n  builder %v\n  naive   %v", cmd.Seq, sym, side, s.depth, got, want)
			}
		}
		s.checkReplica("full", s.full[sym], &snap)
		if r := s.lossy[sym]; !r.Synced() {
			if err := r.Reset(&snap); err != nil {
				t.Errorf("seq %d: lossy reset: %v", cmd.Seq, err)
			}
			s.lost[sym] = false
		}
		if !s.lost[sym] {
			s.checkReplica("lossy", s.lossy[sym], &snap)
		}
		if d := s.lastDepth[sym]; d != nil && !reflect.DeepEqual(normal(*d), normal(snap)) {
			t.Errorf("seq %d: %s snapshot %+v differs from the last depth message %+v", cmd.Seq, sym, snap, *d)
		}
		best := [2]Level{first(snap.Bids), first(snap.Asks)}
		if moved := best != s.bests[sym]; tickers[sym] != (moved || traded[sym]) {
			t.Errorf("seq %d: %s ticker sent %v, best moved %v, traded %v", cmd.Seq, sym, tickers[sym], moved, traded[sym])
		}
		s.bests[sym] = best
		tk, _ := s.b.Ticker(sym)
		if d := s.day[sym]; tk.Volume != d.volume || tk.Value != d.value || tk.Last != d.last {
			t.Errorf("seq %d: %s ticker volume %d value %d last %d; trades sum to %d, %d, last %d",
				cmd.Seq, sym, tk.Volume, tk.Value, tk.Last, d.volume, d.value, d.last)
		}
		if d := s.day[sym]; d.last != 0 && eng[sym].last != d.last {
			t.Errorf("seq %d: %s engine last %d, trades' last %d", cmd.Seq, sym, eng[sym].last, d.last)
		}
	}
}

func (s *sim) checkReplica(name string, r *Replica, snap *Depth) {
	var got Depth
	r.Snapshot(&got)
	if !r.Synced() || !reflect.DeepEqual(normal(got), normal(*snap)) {
		s.t.Errorf("seq %d: %s replica of %s (synced %v)\n got %+v\nwant %+v", s.cmd.Seq, name, snap.Symbol, r.Synced(), got, *snap)
	}
}

// finish compares every published candle with the naive bucket, once all
// trades are in.
func (s *sim) finish() {
	for k, want := range s.cndl {
		got, ok := s.pub[k]
		want.Header, want.Closed = got.Header, got.Closed
		if !ok || got != want {
			s.t.Errorf("candle %v: last published %+v (%v), naive %+v", k, got, ok, want)
		}
	}
	if len(s.pub) != len(s.cndl) {
		s.t.Errorf("%d buckets published, %d naive", len(s.pub), len(s.cndl))
	}
}

func (s *sim) summary() {
	s.t.Logf("%d commands, %d messages: %d deltas, %d trades, %d lossy-replica gaps, %d candles closed, %d buckets",
		s.stats.cmds, s.stats.msgs, s.stats.deltas, s.stats.trades, s.stats.gaps, s.stats.closed, len(s.cndl))
	if s.stats.gaps == 0 || s.stats.closed == 0 || s.stats.trades == 0 {
		s.t.Errorf("the flow did not exercise gaps (%d), closed candles (%d) or trades (%d)", s.stats.gaps, s.stats.closed, s.stats.trades)
	}
}

func levelsEqual(a, b []Level) bool { return slices.Equal(a, b) }

// normal makes empty slices nil so that DeepEqual compares contents.
func normal(d Depth) Depth {
	if len(d.Bids) == 0 {
		d.Bids = nil
	}
	if len(d.Asks) == 0 {
		d.Asks = nil
	}
	return d
}
