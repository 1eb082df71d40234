package marketdata

import (
	"errors"
	"fmt"

	"github.com/mts-krx/mts/matching"
)

// DefaultDepth is the number of levels per side the book and depth streams
// cover when Config.Depth is zero.
const DefaultDepth = 10

// ErrSeqGap is returned by Apply when a command is missing from the input:
// the builder's state would be wrong from there on, so it refuses the
// command. The caller must feed the missing commands (from the journal).
var ErrSeqGap = errors.New("marketdata: gap in the command sequence")

// Config configures a Builder.
type Config struct {
	// Depth is the number of levels per side the book and depth streams
	// cover: 1 to MaxDepth, 0 means DefaultDepth.
	Depth int
	// StartSeq is the engine sequence number just before the first command
	// the builder will see: 0 when it reads the journal from its start,
	// else the last record of the previous trading day. The day's
	// statistics (ticker, daily candle) start there.
	StartSeq uint64
}

// stream indexes a symbol's sequence counters. Depth has none of its own:
// it shares the book's.
const (
	seqBook = iota
	seqTrade
	seqTicker
	seqCandle
	seqStatus
	numSeqs
)

// symbol is the builder's state for one instrument.
type symbol struct {
	inst     matching.Instrument
	grid     grid       // the valid prices
	book     [2]ladder  // [Buy-1], [Sell-1]: every level, not just the top
	window   [2][]Level // the top Depth levels a side as last published, best first
	scratch  []Level    // the window being computed
	bookHead Header     // header of the last book delta: Snapshot's
	seq      [numSeqs]uint64
	ticker   Ticker
	status   Status                // the latest published; Seq 0 before the first
	candles  [Day1 + 1]candleState // indexed by Interval

	// Per-command flags, cleared by flush.
	listed bool    // in Builder.touched
	dirty  [2]bool // a book event may have changed this side's window
	traded bool    // a trade arrived
}

// Builder turns committed engine events into market-data messages. It is
// a pure, deterministic state machine: the same commands give the same
// messages, byte for byte, so a restarted builder that replays the journal
// from the day's first record reproduces every sequence number. A Builder
// is not safe for concurrent use: one goroutine owns it (see the package
// documentation).
type Builder struct {
	depth   int
	seq     uint64 // the last command applied
	ts      int64  // its TS (0 before the first)
	symbols map[string]*symbol
	order   []*symbol             // the symbols in the instruments' order: the state encoding's
	conf    []matching.Instrument // the instruments as given, indexed like order
	last    *symbol               // the previous lookup: events of one command share a symbol
	touched []*symbol             // symbols the current command touched, in first-touch order

	// Messages reused for every Publish.
	delta  BookDelta
	depthM Depth
	trade  Trade
	ticker Ticker
	candle Candle
	status Status
}

// NewBuilder returns a builder for the given instruments: the same list
// the engine has. An event for any other symbol is a broken invariant and
// panics.
func NewBuilder(instruments []matching.Instrument, cfg Config) (*Builder, error) {
	if cfg.Depth == 0 {
		cfg.Depth = DefaultDepth
	}
	if cfg.Depth < 1 || cfg.Depth > MaxDepth {
		return nil, fmt.Errorf("marketdata: depth %d outside 1..%d", cfg.Depth, MaxDepth)
	}
	b := &Builder{
		depth:   cfg.Depth,
		seq:     cfg.StartSeq,
		symbols: make(map[string]*symbol, len(instruments)),
		touched: make([]*symbol, 0, len(instruments)),
	}
	for _, in := range instruments {
		if err := in.Validate(); err != nil {
			return nil, fmt.Errorf("marketdata: instrument %q: %w", in.Symbol, err)
		}
		if b.symbols[in.Symbol] != nil {
			return nil, fmt.Errorf("marketdata: duplicate instrument %q", in.Symbol)
		}
		s := newSymbol(in, cfg.Depth)
		b.symbols[in.Symbol] = s
		b.order, b.conf = append(b.order, s), append(b.conf, in)
	}
	return b, nil
}

func newSymbol(in matching.Instrument, depth int) *symbol {
	s := &symbol{inst: in, grid: newGrid(&in)}
	s.book = [2]ladder{newLadder(matching.Buy, &s.grid), newLadder(matching.Sell, &s.grid)}
	for i := range s.window {
		s.window[i] = make([]Level, 0, depth)
	}
	s.scratch = make([]Level, 0, depth)
	s.bookHead.Symbol = in.Symbol
	s.ticker.Symbol, s.ticker.BasePrice = in.Symbol, in.BasePrice
	return s
}

// Depth returns the number of levels per side the builder publishes.
func (b *Builder) Depth() int { return b.depth }

// Seq returns the engine sequence number of the last command applied.
func (b *Builder) Seq() uint64 { return b.seq }

// TS returns the timestamp of the last command applied (0 before the
// first, and after a state load, that state's).
func (b *Builder) TS() int64 { return b.ts }

// Apply consumes one durable batch, command by command (see ApplyCommand).
func (b *Builder) Apply(batch *matching.Batch, sink Sink) error {
	for i := range batch.Len() {
		if err := b.ApplyCommand(batch.Command(i), batch.Events(i), sink); err != nil {
			return err
		}
	}
	return nil
}

// ApplyCommand consumes the events of one committed command and publishes
// the messages they cause to sink, in this order: each trade as it comes,
// then for each symbol the command touched (in the order it first touched
// them) its book delta and depth message, its ticker, and its candles.
//
// Commands must come in sequence order. A command at or below Seq() was
// applied already and is skipped, so that a caller switching from journal
// replay to the live feed may overlap the two; a command beyond Seq()+1
// returns ErrSeqGap and changes nothing.
func (b *Builder) ApplyCommand(cmd *matching.Command, events []matching.Event, sink Sink) error {
	switch {
	case cmd.Seq <= b.seq:
		return nil
	case cmd.Seq != b.seq+1:
		return fmt.Errorf("%w: command %d after %d", ErrSeqGap, cmd.Seq, b.seq)
	}
	b.seq, b.ts = cmd.Seq, cmd.TS
	head := Header{SrcSeq: cmd.Seq, TS: cmd.TS}
	for i := range events {
		switch ev := &events[i]; ev.Kind {
		case matching.EvBook:
			b.bookEvent(ev)
		case matching.EvTrade:
			b.tradeEvent(ev, head, sink)
		case matching.EvMarketStatus:
			if ev.Reason != matching.ReasonNone {
				break // a refused phase command changed nothing
			}
			rollover := b.isRollover(ev)
			if rollover {
				b.newDay(ev)
			}
			b.statusEvent(ev, head, sink, rollover)
		case matching.EvAuction:
			b.statusEvent(ev, head, sink, false)
		}
	}
	for _, s := range b.touched {
		b.flush(s, head, sink)
	}
	clear(b.touched)
	b.touched = b.touched[:0]
	return nil
}

// BuilderEvent returns the part of ev that ApplyCommand reads, and whether
// it reads ev at all (only EvBook, EvTrade and EvMarketStatus). A caller that hands events
// to a builder on another goroutine copies these instead of whole events:
// a fraction of the size, and no accounts, order ids or other private data
// held past the call. ApplyCommand on the stripped events publishes the
// same bytes as on the originals (tested).
func BuilderEvent(ev *matching.Event) (matching.Event, bool) {
	switch ev.Kind {
	case matching.EvBook, matching.EvTrade, matching.EvMarketStatus, matching.EvAuction:
	default:
		return matching.Event{}, false
	}
	out := matching.Event{
		Kind: ev.Kind, Seq: ev.Seq, Symbol: ev.Symbol, Side: ev.Side, Price: ev.Price, Qty: ev.Qty, Count: ev.Count,
		LastPx: ev.LastPx, LastQty: ev.LastQty, TradeID: ev.TradeID, Cmd: ev.Cmd, Reason: ev.Reason, Phase: ev.Phase,
	}
	if ev.Kind == matching.EvMarketStatus {
		// A VI's end and what triggered it; other events' extras are
		// private. Shared, not copied: an Extra is never changed.
		out.Extra = ev.Extra
	}
	return out, true
}

// isRollover reports whether a market-status event is a symbol's day
// rollover. A CmdNewDay reports two for a symbol that was not closed yet:
// first its close (phase closed, the closing uncross's price, 0 if none),
// then the rollover (the day's first phase, the new base price). The close
// has phase closed and comes while the symbol is not; a rollover into a
// closed day comes when the symbol is closed already.
func (b *Builder) isRollover(ev *matching.Event) bool {
	if ev.Cmd != matching.CmdNewDay {
		return false
	}
	if ev.Phase != matching.PhaseClosed {
		return true
	}
	st := &b.lookup(ev.Symbol).status
	return st.Seq != 0 && st.Phase == matching.PhaseClosed
}

// newDay starts a symbol's next trading day (the engine's CmdNewDay): the
// base price is the event's Price and the daily limits follow from it by
// KRX's formula, as the engine computes them; the price grid, ticker and
// candles start afresh. The book is empty by then (the close expired every
// order), but the window last published and the stream sequence numbers
// carry over, so that a delta this command still owes is published and no
// subscriber sees a sequence restart.
func (b *Builder) newDay(ev *matching.Event) {
	s := b.lookup(ev.Symbol)
	in := s.inst
	in.BasePrice, in.LowerLimit, in.UpperLimit = ev.Price, 0, 0
	if err := in.Validate(); err != nil {
		panic(fmt.Sprintf("marketdata: new day for %s at base %d: %v (seq %d)", ev.Symbol, ev.Price, err, ev.Seq))
	}
	ns := newSymbol(in, b.depth)
	ns.window, ns.bookHead, ns.seq = s.window, s.bookHead, s.seq
	ns.listed, ns.dirty, ns.traded = s.listed, s.dirty, s.traded
	*s = *ns
}

// statusEvent publishes a symbol's market status: a phase change
// (EvMarketStatus: the phase entered, the price an auction uncrossed at, a
// VI's end and trigger) or an auction's new indicative price and volume
// (EvAuction).
func (b *Builder) statusEvent(ev *matching.Event, head Header, sink Sink, rollover bool) {
	s := b.lookup(ev.Symbol)
	st := &b.status
	*st = Status{Header: b.next(s, seqStatus, head), Phase: ev.Phase}
	switch {
	case ev.Kind == matching.EvAuction:
		st.IndicativePrice, st.IndicativeQty = ev.Price, ev.Qty
	case !rollover: // a rollover's Price is the new base price
		x := ev.Extras()
		st.AuctionPrice, st.Until, st.Trigger = ev.Price, x.Until, x.Text
	}
	s.status = *st
	sink.Publish(st)
}

// Status returns the symbol's latest status message; false when the
// symbol is unknown or has had none yet (no phase was ever set: it trades
// continuously).
func (b *Builder) Status(sym string) (Status, bool) {
	s := b.symbols[sym]
	if s == nil || s.status.Seq == 0 {
		return Status{}, false
	}
	return s.status, true
}

// HasSymbol reports whether the builder was built with the symbol.
func (b *Builder) HasSymbol(sym string) bool { return b.symbols[sym] != nil }

// lookup finds a symbol's state. An unknown symbol means the builder and
// the engine disagree on the instruments: a wiring bug, so it panics.
func (b *Builder) lookup(name string) *symbol {
	if s := b.last; s != nil && s.inst.Symbol == name {
		return s
	}
	s := b.symbols[name]
	if s == nil {
		panic(fmt.Sprintf("marketdata: event for unknown symbol %q", name))
	}
	b.last = s
	return s
}

func (b *Builder) touch(s *symbol) {
	if !s.listed {
		s.listed = true
		b.touched = append(b.touched, s)
	}
}

// bookEvent records a level's new total. The window (the top Depth levels
// of a side) is recomputed once per command, in flush, and only for a side
// where some event may have changed it: an event at a price strictly worse
// than the last level of a full window cannot, since the window's levels
// keep their totals and anything added behind them stays behind them.
// Publishing a command's changes together also means no consumer ever sees
// a state between two events of one command.
func (b *Builder) bookEvent(ev *matching.Event) {
	s := b.lookup(ev.Symbol)
	i, ok := s.grid.index(ev.Price)
	if !ok || !ev.Side.Valid() || ev.Qty < 0 {
		panic(fmt.Sprintf("marketdata: book event %s %v %d×%d: not a valid price, side and quantity (seq %d)",
			ev.Symbol, ev.Side, ev.Price, ev.Qty, ev.Seq))
	}
	side := ev.Side - 1
	s.book[side].set(i, ev.Qty, int(ev.Count))
	if w := s.window[side]; !s.dirty[side] && (len(w) < b.depth || !better(ev.Side, w[len(w)-1].Price, ev.Price)) {
		s.dirty[side] = true
		b.touch(s)
	}
}

// tradeEvent publishes one trade and adds it to the ticker and candles.
func (b *Builder) tradeEvent(ev *matching.Event, head Header, sink Sink) {
	s := b.lookup(ev.Symbol)
	s.traded = true
	b.touch(s)
	t := &s.ticker
	if t.Open == 0 {
		t.Open, t.High, t.Low = ev.LastPx, ev.LastPx, ev.LastPx
	}
	t.High, t.Low = max(t.High, ev.LastPx), min(t.Low, ev.LastPx)
	t.Last, t.LastQty = ev.LastPx, ev.LastQty
	t.Volume += ev.LastQty
	t.Value += int64(ev.LastPx) * int64(ev.LastQty)
	for _, iv := range intervals {
		s.candles[iv].trade(iv, head.TS, ev.LastPx, ev.LastQty)
	}
	b.trade = Trade{Header: b.next(s, seqTrade, head), TradeID: ev.TradeID, Price: ev.LastPx, Qty: ev.LastQty, Side: ev.Side}
	sink.Publish(&b.trade)
}

// next returns the header of the symbol's next message on one stream.
func (b *Builder) next(s *symbol, stream int, head Header) Header {
	s.seq[stream]++
	head.Symbol, head.Seq = s.inst.Symbol, s.seq[stream]
	return head
}

// flush publishes what one command changed for one symbol.
func (b *Builder) flush(s *symbol, head Header, sink Sink) {
	if s.dirty[0] || s.dirty[1] {
		b.flushBook(s, head, sink)
	}
	b.flushTicker(s, head, sink)
	if s.traded {
		b.flushCandles(s, head, sink)
	}
	s.listed, s.dirty, s.traded = false, [2]bool{}, false
}

// flushBook publishes the book delta and the depth message, with one seq,
// if the window changed.
func (b *Builder) flushBook(s *symbol, head Header, sink Sink) {
	ch := b.delta.Changes[:0]
	for i, side := range [2]Side{matching.Buy, matching.Sell} {
		if !s.dirty[i] {
			continue
		}
		s.scratch = s.book[i].top(s.scratch[:0], b.depth)
		n := len(ch)
		ch = diffTop(ch, side, s.window[i], s.scratch)
		if len(ch) > n {
			s.window[i], s.scratch = s.scratch, s.window[i]
		}
	}
	b.delta.Changes = ch
	if len(ch) == 0 {
		return // the command changed only levels below the window
	}
	s.bookHead = b.next(s, seqBook, head)
	b.delta.Header = s.bookHead
	d := &b.depthM
	d.Header = s.bookHead
	d.Bids = append(d.Bids[:0], s.window[0]...)
	d.Asks = append(d.Asks[:0], s.window[1]...)
	sink.Publish(&b.delta)
	sink.Publish(d)
}

// flushTicker publishes the ticker if the command traded or moved the best
// bid or ask (price or quantity).
func (b *Builder) flushTicker(s *symbol, head Header, sink Sink) {
	t := &s.ticker
	bid, ask := first(s.window[0]), first(s.window[1])
	moved := bid.Price != t.BidPrice || bid.Qty != t.BidQty || ask.Price != t.AskPrice || ask.Qty != t.AskQty
	if !moved && !s.traded {
		return
	}
	t.BidPrice, t.BidQty, t.AskPrice, t.AskQty = bid.Price, bid.Qty, ask.Price, ask.Qty
	if t.Last != 0 {
		t.Change = t.Last - t.BasePrice
		t.ChangeBP = changeBP(t.Change, t.BasePrice)
	}
	t.Header = b.next(s, seqTicker, head)
	b.ticker = *t
	sink.Publish(&b.ticker)
}

// changeBP returns change / base in basis points, rounded half away from
// zero, in integers: (2·|c|·10⁴ + base) / (2·base).
func changeBP(change, base Price) int64 {
	n, d := int64(change)*10_000, int64(base)
	if n < 0 {
		return -((-2*n + d) / (2 * d))
	}
	return (2*n + d) / (2 * d)
}

// flushCandles publishes, interval by interval, the bucket this command's
// trades closed (if any) and the open bucket's new state.
func (b *Builder) flushCandles(s *symbol, head Header, sink Sink) {
	for _, iv := range intervals {
		c := &s.candles[iv]
		if c.closed {
			b.publishCandle(s, &c.closing, head, sink)
			c.closed = false
		}
		if c.dirty {
			b.publishCandle(s, &c.cur, head, sink)
			c.dirty = false
		}
	}
}

func (b *Builder) publishCandle(s *symbol, c *Candle, head Header, sink Sink) {
	c.Header = b.next(s, seqCandle, head)
	b.candle = *c
	sink.Publish(&b.candle)
}

// Snapshot returns the top of a symbol's book, Depth levels a side, with
// the book stream's current Seq: the state after book delta Seq (Seq 0
// before the first), equal to the depth message of that Seq. A subscriber
// that starts from it applies the deltas after Seq. The slices are new: the
// caller may hand the snapshot to another goroutine.
func (b *Builder) Snapshot(sym string) (Depth, bool) {
	s := b.symbols[sym]
	if s == nil {
		return Depth{}, false
	}
	return Depth{
		Header: s.bookHead,
		Bids:   append(make([]Level, 0, len(s.window[0])), s.window[0]...),
		Asks:   append(make([]Level, 0, len(s.window[1])), s.window[1]...),
	}, true
}

// Ticker returns the last ticker published for a symbol (Seq 0, with only
// the symbol and base price set, before the first).
func (b *Builder) Ticker(sym string) (Ticker, bool) {
	s := b.symbols[sym]
	if s == nil {
		return Ticker{}, false
	}
	return s.ticker, true
}

// Candle returns the open bucket of one interval as last published; false
// if the symbol is unknown or has not traded yet.
func (b *Builder) Candle(sym string, iv Interval) (Candle, bool) {
	s := b.symbols[sym]
	if s == nil || !iv.Valid() || !s.candles[iv].open {
		return Candle{}, false
	}
	return s.candles[iv].cur, true
}

// first returns the first level, or a zero Level.
func first(ls []Level) Level {
	if len(ls) == 0 {
		return Level{}
	}
	return ls[0]
}
