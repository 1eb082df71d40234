package marketdata

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/mts-krx/mts/matching"
)

// Hand-made event streams, for the rules one at a time. The instruments:
// AAA base 10,000 KRW (tick 10, limits 7,000–13,000), BBB base 2,000.

func testInstruments() []matching.Instrument {
	return []matching.Instrument{
		{Symbol: "AAA", Market: "KOSPI", BasePrice: 10_000, Tick: matching.TickStock, MaxOrderQty: 1000},
		{Symbol: "BBB", Market: "KOSDAQ", BasePrice: 2_000, Tick: matching.TickStock, MaxOrderQty: 1000},
	}
}

type fixture struct {
	t   *testing.T
	b   *Builder
	seq uint64
	ts  int64
	rec recorder
}

func newFixture(t *testing.T, depth int) *fixture {
	b, err := NewBuilder(testInstruments(), Config{Depth: depth})
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{t: t, b: b, ts: time.Date(2026, 3, 2, 9, 0, 0, 0, KST).UnixNano()}
}

// cmd applies one command with the given events and returns its messages.
func (f *fixture) cmd(evs ...matching.Event) []Message {
	f.t.Helper()
	f.seq++
	c := matching.Command{Seq: f.seq, TS: f.ts}
	for i := range evs {
		evs[i].Seq, evs[i].TS = c.Seq, c.TS
	}
	if err := f.b.ApplyCommand(&c, evs, &f.rec); err != nil {
		f.t.Fatal(err)
	}
	return f.rec.take()
}

func lvl(sym string, side Side, price Price, qty Qty, count int32) matching.Event {
	return matching.Event{Kind: matching.EvBook, Symbol: sym, Side: side, Price: price, Qty: qty, Count: count}
}

func trd(sym string, id uint64, price Price, qty Qty, side Side) matching.Event {
	return matching.Event{Kind: matching.EvTrade, Symbol: sym, TradeID: id, LastPx: price, LastQty: qty, Side: side,
		Account: "SECRET", MakerAccount: "SECRET2", OrderID: 7, MakerOrderID: 8}
}

const (
	buy  = matching.Buy
	sell = matching.Sell
)

// streams lists messages as "stream:symbol:seq" for compact comparison.
func streams(msgs []Message) string {
	var s []string
	for _, m := range msgs {
		s = append(s, fmt.Sprintf("%v:%s:%d", m.Stream(), m.Head().Symbol, m.Head().Seq))
	}
	return strings.Join(s, " ")
}

func deltaOf(t *testing.T, msgs []Message) []Change {
	t.Helper()
	for _, m := range msgs {
		if d, ok := m.(*BookDelta); ok {
			return d.Changes
		}
	}
	t.Fatalf("no book delta in %s", streams(msgs))
	return nil
}

func TestWindowEnterAndLeave(t *testing.T) {
	f := newFixture(t, 3)
	got := deltaOf(t, f.cmd(lvl("AAA", buy, 9990, 5, 1), lvl("AAA", buy, 9980, 6, 2), lvl("AAA", buy, 9970, 7, 1), lvl("AAA", buy, 9960, 8, 1)))
	want := []Change{{buy, 9990, 5, 1}, {buy, 9980, 6, 2}, {buy, 9970, 7, 1}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("four bids into a window of three: %v, want %v", got, want)
	}
	// A better bid pushes 9970 out of the window.
	got = deltaOf(t, f.cmd(lvl("AAA", buy, 10000, 1, 1)))
	want = []Change{{buy, 10000, 1, 1}, {buy, 9970, 0, 0}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("new best bid: %v, want %v", got, want)
	}
	// The best goes: 9970 comes back in.
	got = deltaOf(t, f.cmd(lvl("AAA", buy, 10000, 0, 0)))
	want = []Change{{buy, 10000, 0, 0}, {buy, 9970, 7, 1}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("best bid gone: %v, want %v", got, want)
	}
	// A change below the window publishes nothing at all.
	if msgs := f.cmd(lvl("AAA", buy, 9960, 80, 3)); len(msgs) != 0 {
		t.Errorf("change below the window published %s", streams(msgs))
	}
	snap, _ := f.b.Snapshot("AAA")
	if want := []Level{{Price: 9990, Qty: 5, Count: 1}, {Price: 9980, Qty: 6, Count: 2}, {Price: 9970, Qty: 7, Count: 1}}; !reflect.DeepEqual(snap.Bids, want) || snap.Seq != 3 {
		t.Errorf("snapshot %+v, want seq 3 bids %v", snap, want)
	}
}

func TestCommandIsAtomic(t *testing.T) {
	f := newFixture(t, 10)
	f.cmd(lvl("AAA", sell, 10010, 5, 1))
	// One level reported three times, and one that comes and goes within
	// the command: only the end state counts.
	msgs := f.cmd(lvl("AAA", sell, 10010, 3, 1), lvl("AAA", sell, 10020, 4, 1), lvl("AAA", sell, 10010, 0, 0),
		lvl("AAA", sell, 10020, 0, 0), lvl("AAA", sell, 10010, 9, 2))
	if got, want := deltaOf(t, msgs), []Change{{sell, 10010, 9, 2}}; !reflect.DeepEqual(got, want) {
		t.Errorf("delta %v, want %v", got, want)
	}
	if got, want := streams(msgs), "book:AAA:2 depth:AAA:2 ticker:AAA:2"; got != want {
		t.Errorf("messages %s, want %s", got, want)
	}
	// Back where it started: nothing to publish on book or ticker.
	if msgs := f.cmd(lvl("AAA", sell, 10010, 1, 1), lvl("AAA", sell, 10010, 9, 2)); len(msgs) != 0 {
		t.Errorf("a no-op command published %s", streams(msgs))
	}
}

func TestMessageOrderAcrossSymbols(t *testing.T) {
	f := newFixture(t, 10)
	f.cmd(lvl("AAA", sell, 10010, 5, 1), lvl("BBB", buy, 1990, 5, 1))
	// A command touching BBB first, then AAA (a kill switch walks symbols;
	// a real trade touches one): trades as they come, then BBB, then AAA.
	msgs := f.cmd(lvl("BBB", buy, 1990, 0, 0), trd("AAA", 1, 10010, 5, buy), lvl("AAA", sell, 10010, 0, 0))
	want := "trade:AAA:1 book:BBB:2 depth:BBB:2 ticker:BBB:2 book:AAA:2 depth:AAA:2 ticker:AAA:2 " +
		"candle:AAA:1 candle:AAA:2 candle:AAA:3 candle:AAA:4"
	if got := streams(msgs); got != want {
		t.Errorf("messages\n got %s\nwant %s", got, want)
	}
	tr := msgs[0].(*Trade)
	if want := (Trade{Header: tr.Header, TradeID: 1, Price: 10010, Qty: 5, Side: buy}); *tr != want {
		t.Errorf("trade %+v, want %+v", *tr, want)
	}
	if enc := tr.Append(nil); strings.Contains(string(enc), "SECRET") {
		t.Error("a public trade carries an account")
	}
}

func TestTicker(t *testing.T) {
	f := newFixture(t, 10)
	msgs := f.cmd(lvl("AAA", buy, 9990, 10, 1), lvl("AAA", sell, 10020, 7, 2))
	tk := msgs[len(msgs)-1].(*Ticker)
	want := Ticker{Header: tk.Header, BasePrice: 10_000, BidPrice: 9990, BidQty: 10, AskPrice: 10020, AskQty: 7}
	if *tk != want {
		t.Errorf("ticker before any trade\n got %+v\nwant %+v", *tk, want)
	}
	f.cmd(trd("AAA", 1, 10020, 3, buy), lvl("AAA", sell, 10020, 4, 1))
	msgs = f.cmd(trd("AAA", 2, 9990, 10, sell), lvl("AAA", buy, 9990, 0, 0))
	var got *Ticker
	for _, m := range msgs {
		if m, ok := m.(*Ticker); ok {
			got = m
		}
	}
	want = Ticker{Header: got.Header, BasePrice: 10_000, AskPrice: 10020, AskQty: 4, Last: 9990, LastQty: 10,
		Change: -10, ChangeBP: -10, Open: 10020, High: 10020, Low: 9990, Volume: 13, Value: 3*10020 + 10*9990}
	if *got != want {
		t.Errorf("ticker after two trades\n got %+v\nwant %+v", *got, want)
	}
	if cur, _ := f.b.Ticker("AAA"); cur != *got {
		t.Errorf("Ticker() = %+v, want the last published %+v", cur, *got)
	}
}

func TestChangeBP(t *testing.T) {
	for _, c := range []struct {
		change, base Price
		want         int64
	}{
		{0, 10_000, 0}, {1, 3, 3333}, {2, 3, 6667}, {-2, 3, -6667}, {1, 20_000, 1}, {-1, 20_000, -1},
		{1, 20_001, 0}, {-1, 20_001, 0}, {3, 7, 4286}, {-3, 7, -4286}, {21_300, 71_000, 3000}, {-21_300, 71_000, -3000},
	} {
		if got := changeBP(c.change, c.base); got != c.want || got != naiveBP(c.change, c.base) {
			t.Errorf("changeBP(%d, %d) = %d (naive %d), want %d", c.change, c.base, got, naiveBP(c.change, c.base), c.want)
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 100_000 {
		base := Price(1 + rng.IntN(3_000_000))
		change := Price(rng.IntN(int(base))) - base*3/10
		if got, want := changeBP(change, base), naiveBP(change, base); got != want {
			t.Fatalf("changeBP(%d, %d) = %d, naive %d", change, base, got, want)
		}
	}
}

func TestBucketStart(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for range 100_000 {
		ts := rng.Int64N(4e18) - 1e18 // 1938 to 2096
		for _, iv := range Intervals() {
			if got, want := BucketStart(ts, iv), naiveBucket(ts, iv); got != want {
				t.Fatalf("BucketStart(%d, %v) = %d, want %d", ts, iv, got, want)
			}
		}
	}
	// The day bucket of 08:59 KST on 2 March starts at 00:00 KST, 15:00 UTC
	// on 1 March.
	ts := time.Date(2026, 3, 2, 8, 59, 0, 0, KST).UnixNano()
	if got, want := BucketStart(ts, Day1), time.Date(2026, 3, 1, 15, 0, 0, 0, time.UTC).UnixNano(); got != want {
		t.Errorf("day bucket %v, want %v", time.Unix(0, got).UTC(), time.Unix(0, want).UTC())
	}
}

func TestCandles(t *testing.T) {
	f := newFixture(t, 10)
	at := func(h, m, s int) { f.ts = time.Date(2026, 3, 2, h, m, s, 0, KST).UnixNano() }
	candles := func(msgs []Message) []Candle {
		var out []Candle
		for _, m := range msgs {
			if c, ok := m.(*Candle); ok {
				c.Header = Header{}
				out = append(out, *c)
			}
		}
		return out
	}
	at(9, 0, 5)
	f.cmd(trd("AAA", 1, 10_000, 2, buy), trd("AAA", 2, 10_010, 3, buy))
	at(9, 0, 59)
	got := candles(f.cmd(trd("AAA", 3, 9_990, 1, sell)))
	start := func(h, m int) int64 { return time.Date(2026, 3, 2, h, m, 0, 0, KST).UnixNano() }
	bar := func(iv Interval, s int64) Candle {
		return Candle{Interval: iv, Start: s, Open: 10_000, High: 10_010, Low: 9_990, Close: 9_990, Volume: 6, Value: 20_000 + 30_030 + 9_990}
	}
	day := time.Date(2026, 3, 2, 0, 0, 0, 0, KST).UnixNano()
	want := []Candle{bar(Minute1, start(9, 0)), bar(Minute5, start(9, 0)), bar(Hour1, start(9, 0)), bar(Day1, day)}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("three trades in one minute\n got %+v\nwant %+v", got, want)
	}
	// 09:01:00 closes the first minute only.
	at(9, 1, 0)
	got = candles(f.cmd(trd("AAA", 4, 10_100, 4, buy)))
	closed := bar(Minute1, start(9, 0))
	closed.Closed = true
	next := Candle{Interval: Minute1, Start: start(9, 1), Open: 10_100, High: 10_100, Low: 10_100, Close: 10_100, Volume: 4, Value: 40_400}
	grow := func(c Candle) Candle {
		c.High, c.Close, c.Volume, c.Value = 10_100, 10_100, 10, c.Value+40_400
		return c
	}
	want = []Candle{closed, next, grow(bar(Minute5, start(9, 0))), grow(bar(Hour1, start(9, 0))), grow(bar(Day1, day))}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("a trade in the next minute\n got %+v\nwant %+v", got, want)
	}
	// A command without trades touches no candle; a clock stepped back
	// counts in the open bucket.
	at(8, 0, 0)
	got = candles(f.cmd(trd("AAA", 5, 10_100, 1, buy)))
	if len(got) != 4 || got[0].Start != start(9, 1) || got[0].Volume != 5 || got[0].Closed {
		t.Errorf("a trade stamped before the open bucket: %+v", got)
	}
	if c, ok := f.b.Candle("AAA", Minute1); !ok || c.Volume != 5 || c.Seq != 14 {
		t.Errorf("Candle(AAA, 1m) = %+v, %v", c, ok)
	}
	if _, ok := f.b.Candle("BBB", Minute1); ok {
		t.Error("Candle(BBB) before any trade: found")
	}
}

func TestSequenceInput(t *testing.T) {
	b, err := NewBuilder(testInstruments(), Config{StartSeq: 100})
	if err != nil {
		t.Fatal(err)
	}
	sink := SinkFunc(func(Message) {})
	ev := []matching.Event{lvl("AAA", buy, 9990, 1, 1)}
	if err := b.ApplyCommand(&matching.Command{Seq: 102}, ev, sink); !errors.Is(err, ErrSeqGap) {
		t.Errorf("seq 102 after start 100: %v, want ErrSeqGap", err)
	}
	if err := b.ApplyCommand(&matching.Command{Seq: 101}, ev, sink); err != nil {
		t.Fatal(err)
	}
	n := 0
	count := SinkFunc(func(Message) { n++ })
	if err := b.ApplyCommand(&matching.Command{Seq: 101}, ev, count); err != nil || n != 0 || b.Seq() != 101 {
		t.Errorf("replayed seq 101: err %v, %d messages, Seq %d; want nil, 0, 101", err, n, b.Seq())
	}
}

func TestBrokenInvariantsPanic(t *testing.T) {
	for name, ev := range map[string]matching.Event{
		"unknown symbol":    lvl("ZZZ", buy, 9990, 1, 1),
		"above the limit":   lvl("AAA", sell, 13_010, 1, 1),
		"below the limit":   lvl("AAA", buy, 6_990, 1, 1),
		"off the tick grid": lvl("AAA", buy, 9_995, 1, 1),
		"no side":           lvl("AAA", 0, 9_990, 1, 1),
		"negative quantity": lvl("AAA", buy, 9_990, -1, 1),
		"trade of unknown":  trd("ZZZ", 1, 9_990, 1, buy),
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			f := newFixture(t, 10)
			f.cmd(ev)
		})
	}
}

func TestNewBuilderErrors(t *testing.T) {
	ins := testInstruments()
	for name, c := range map[string]struct {
		ins []matching.Instrument
		cfg Config
	}{
		"depth too large":   {ins, Config{Depth: MaxDepth + 1}},
		"negative depth":    {ins, Config{Depth: -1}},
		"duplicate symbol":  {append(ins, ins[0]), Config{}},
		"invalid reference": {[]matching.Instrument{{Symbol: "X", BasePrice: 0}}, Config{}},
	} {
		if _, err := NewBuilder(c.ins, c.cfg); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if b, err := NewBuilder(ins, Config{}); err != nil || b.Depth() != DefaultDepth {
		t.Errorf("default depth: %v, %v", b, err)
	}
	b, _ := NewBuilder(ins, Config{})
	if _, ok := b.Snapshot("ZZZ"); ok {
		t.Error("Snapshot of an unknown symbol: found")
	}
	if snap, ok := b.Snapshot("AAA"); !ok || snap.Seq != 0 || snap.Symbol != "AAA" || len(snap.Bids)+len(snap.Asks) != 0 {
		t.Errorf("empty snapshot %+v", snap)
	}
}

// TestBuilderEventKeepsOutput feeds one recorded stream to two builders,
// one with whole events and one with BuilderEvent's copies: a hand-off that
// copies only those must not change a byte of the output.
func TestBuilderEventKeepsOutput(t *testing.T) {
	r := krxSample(t)
	run := func(strip bool) [][]byte {
		b, err := NewBuilder(r.ins, Config{})
		if err != nil {
			t.Fatal(err)
		}
		var out [][]byte
		sink := SinkFunc(func(m Message) { out = append(out, m.Append(nil)) })
		var evs []matching.Event
		start := 0
		for i := range r.cmds {
			evs = append(evs[:0], r.events[start:r.ends[i]]...)
			if strip {
				evs = evs[:0]
				for j := range r.events[start:r.ends[i]] {
					if ev, ok := BuilderEvent(&r.events[start+j]); ok {
						evs = append(evs, ev)
					}
				}
			}
			cmd := matching.Command{Seq: r.cmds[i].Seq, TS: r.cmds[i].TS}
			if err := b.ApplyCommand(&cmd, evs, sink); err != nil {
				t.Fatal(err)
			}
			start = r.ends[i]
		}
		return out
	}
	whole, stripped := run(false), run(true)
	if len(whole) != len(stripped) || len(whole) == 0 {
		t.Fatalf("%d messages from whole events, %d from stripped", len(whole), len(stripped))
	}
	for i := range whole {
		if !bytes.Equal(whole[i], stripped[i]) {
			t.Fatalf("message %d: stripped %q, whole %q", i, stripped[i], whole[i])
		}
	}
}

// TestBuilderNewDay: the engine's day rollover (an EvMarketStatus of
// CmdNewDay) moves a symbol's base price and limits, so prices beyond the
// first day's upper limit become valid levels; the streams' sequence numbers
// carry on and the ticker restarts from the new base. A phase change
// publishes one status message and nothing else.
func TestBuilderNewDay(t *testing.T) {
	f := newFixture(t, 5)
	f.cmd(lvl("AAA", sell, 13_000, 5, 1))
	f.cmd(trd("AAA", 1, 13_000, 5, buy), lvl("AAA", sell, 13_000, 0, 0))
	msgs := f.cmd(matching.Event{Kind: matching.EvMarketStatus, Cmd: matching.CmdSetPhase, Symbol: "AAA", Phase: matching.PhaseClosed, Price: 13_000})
	if len(msgs) != 1 || streams(msgs) != "status:AAA:1" {
		t.Fatalf("a phase change published %s, want one status message", streams(msgs))
	}
	before, _ := f.b.Snapshot("AAA")
	f.cmd(matching.Event{Kind: matching.EvMarketStatus, Cmd: matching.CmdNewDay, Symbol: "AAA", Phase: matching.PhaseOpeningAuction, Price: 13_000})
	if tk, _ := f.b.Ticker("AAA"); tk.BasePrice != 13_000 || tk.Last != 0 {
		t.Errorf("ticker after the new day: base %d last %d, want base 13000 and no last", tk.BasePrice, tk.Last)
	}
	// 16,900 = 13,000 + 3,900 is the new upper limit, off the old grid.
	msgs = f.cmd(lvl("AAA", sell, 16_900, 3, 1))
	d := deltaOf(t, msgs)
	if len(d) != 1 || d[0].Price != 16_900 || d[0].Qty != 3 {
		t.Fatalf("delta %+v, want the 16900 level", d)
	}
	if after, _ := f.b.Snapshot("AAA"); after.Seq != before.Seq+1 {
		t.Errorf("book seq %d after the new day, want %d", after.Seq, before.Seq+1)
	}
}

// TestBuilderNewDayClosesFirst: a CmdNewDay while a symbol still trades
// reports its close first (phase closed, price 0 when nothing uncrossed),
// then the rollover. Only the rollover moves the base price; the close is
// a plain status message.
func TestBuilderNewDayClosesFirst(t *testing.T) {
	f := newFixture(t, 5)
	msgs := f.cmd(
		matching.Event{Kind: matching.EvMarketStatus, Cmd: matching.CmdNewDay, Symbol: "AAA", Phase: matching.PhaseClosed},
		matching.Event{Kind: matching.EvMarketStatus, Cmd: matching.CmdNewDay, Symbol: "AAA", Phase: matching.PhaseOpeningAuction, Price: 11_000})
	if streams(msgs) != "status:AAA:1 status:AAA:2" {
		t.Fatalf("published %s, want two status messages", streams(msgs))
	}
	if tk, _ := f.b.Ticker("AAA"); tk.BasePrice != 11_000 {
		t.Errorf("base price %d after the rollover, want 11000", tk.BasePrice)
	}
	// Into a closed day from a closed symbol: one event, the rollover.
	f.cmd(matching.Event{Kind: matching.EvMarketStatus, Cmd: matching.CmdSetPhase, Symbol: "AAA", Phase: matching.PhaseClosed})
	f.cmd(matching.Event{Kind: matching.EvMarketStatus, Cmd: matching.CmdNewDay, Symbol: "AAA", Phase: matching.PhaseClosed, Price: 12_000})
	if tk, _ := f.b.Ticker("AAA"); tk.BasePrice != 12_000 {
		t.Errorf("base price %d after a rollover into a closed day, want 12000", tk.BasePrice)
	}
}
