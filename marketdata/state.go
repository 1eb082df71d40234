package marketdata

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"math/bits"

	"github.com/mts-krx/mts/matching"
)

// StateVersion is the version of the builder's state encoding
// (AppendState). It changes with any change to the layout; LoadState
// refuses every other version.
const StateVersion = 1

// State errors. LoadState and StateSeq wrap one of them.
var (
	// ErrState: the bytes are not a sound state encoding (truncated, a
	// bad checksum, another version, a value out of range).
	ErrState = errors.New("marketdata: bad builder state")
	// ErrStateMismatch: the state is sound but belongs to a builder with
	// another depth or other instruments.
	ErrStateMismatch = errors.New("marketdata: builder state is for another configuration")
)

var (
	stateMagic = [4]byte{'M', 'D', 'S', 'T'}
	castagnoli = crc32.MakeTable(crc32.Castagnoli)
)

// maxStateLevels bounds the price grid a decoded day rollover may give a
// symbol, so that a state that passed its checksum but carries an absurd
// base price cannot make LoadState allocate without limit. The largest
// real grid is a few thousand prices (doc.go, Bounds).
const maxStateLevels = 1 << 20

// AppendState appends an encoding of everything the builder carries from
// one command to the next: the last command's seq and TS and, per symbol,
// every book level, the window last published, each stream's seq, the
// ticker, the latest status, each interval's open candle, and the base
// price and limits a day rollover gave it. A builder of the same
// instruments and depth that loads it (LoadState) publishes, from the next
// command on, exactly what this one would: the same bytes, the same
// sequence numbers. The encoding is deterministic: the same state gives
// the same bytes.
//
//	state:
//	+-------+---------+-------+-----+----+----------+--------------+--------+
//	| magic | version | depth | seq | ts | nSymbols | nSymbols ×   | crc32c |
//	| MDST  | 1 byte  |   u   |  u  | s  |    u     | symbol       | 4 B LE |
//	+-------+---------+-------+-----+----+----------+--------------+--------+
//
//	symbol:  name u len, raw | tick b | base s | lower s | upper s   (as configured)
//	         base s | lower s | upper s   (in effect: a day rollover's; limits 0 = KRX's formula)
//	         book: bids, asks, each n u, n × level, ascending price, every occupied level
//	         window: bids, asks, each n u (≤ depth), n × level, best first
//	         bookHead: seq u | srcSeq u | ts s
//	         stream seqs: book u | trade u | ticker u | candle u | status u
//	         ticker: seq u | srcSeq u | ts s | basePrice … value: 14 × s
//	         status: 0 (none yet) or 1 | seq u | srcSeq u | ts s | phase b |
//	                 indicativePrice s | indicativeQty s | auctionPrice s | until s | trigger u len, raw
//	         candles, 1m 5m 1h 1d: 0 (none open) or 1 | seq u | srcSeq u | ts s |
//	                 start s | open s | high s | low s | close s | volume s | value s
//	level:   price s | qty s | count u
//
// u, s: unsigned and zigzag varints as in the wire format; the checksum
// (CRC-32C) covers every byte before it. Symbols come in the order of the
// instruments given to NewBuilder; LoadState matches them by name.
func (b *Builder) AppendState(dst []byte) []byte {
	start := len(dst)
	dst = append(dst, stateMagic[:]...)
	dst = append(dst, StateVersion)
	dst = binary.AppendUvarint(dst, uint64(b.depth))
	dst = binary.AppendUvarint(dst, b.seq)
	dst = binary.AppendVarint(dst, b.ts)
	dst = binary.AppendUvarint(dst, uint64(len(b.order)))
	for i, s := range b.order {
		dst = s.appendState(dst, &b.conf[i])
	}
	return binary.LittleEndian.AppendUint32(dst, crc32.Checksum(dst[start:], castagnoli))
}

func (s *symbol) appendState(dst []byte, conf *matching.Instrument) []byte {
	dst = appendStr(dst, s.inst.Symbol)
	dst = append(dst, byte(conf.Tick))
	dst = appendInts(dst, int64(conf.BasePrice), int64(conf.LowerLimit), int64(conf.UpperLimit))
	dst = appendInts(dst, int64(s.inst.BasePrice), int64(s.inst.LowerLimit), int64(s.inst.UpperLimit))
	for i := range s.book {
		dst = s.book[i].appendState(dst)
	}
	for _, w := range s.window {
		dst = binary.AppendUvarint(dst, uint64(len(w)))
		for _, l := range w {
			dst = appendLevel(dst, l)
		}
	}
	dst = appendHead(dst, &s.bookHead)
	for _, q := range s.seq {
		dst = binary.AppendUvarint(dst, q)
	}
	t := &s.ticker
	dst = appendHead(dst, &t.Header)
	dst = appendInts(dst, int64(t.BasePrice), int64(t.BidPrice), int64(t.BidQty), int64(t.AskPrice), int64(t.AskQty),
		int64(t.Last), int64(t.LastQty), int64(t.Change), t.ChangeBP, int64(t.Open), int64(t.High), int64(t.Low),
		int64(t.Volume), t.Value)
	dst = appendStatusState(dst, &s.status)
	for _, iv := range intervals {
		c := &s.candles[iv]
		if !c.open {
			dst = append(dst, 0)
			continue
		}
		dst = append(dst, 1)
		dst = appendHead(dst, &c.cur.Header)
		dst = appendInts(dst, c.cur.Start, int64(c.cur.Open), int64(c.cur.High), int64(c.cur.Low), int64(c.cur.Close),
			int64(c.cur.Volume), c.cur.Value)
	}
	return dst
}

// appendState appends the occupied levels, ascending price.
func (l *ladder) appendState(dst []byte) []byte {
	n := 0
	for _, w := range l.occ {
		n += bits.OnesCount64(w)
	}
	dst = binary.AppendUvarint(dst, uint64(n))
	for i := nextSet(l.occ, -1); i >= 0; i = nextSet(l.occ, i) {
		dst = appendLevel(dst, l.levels[i])
	}
	return dst
}

func appendStatusState(dst []byte, st *Status) []byte {
	if st.Seq == 0 {
		return append(dst, 0)
	}
	dst = append(dst, 1)
	dst = appendHead(dst, &st.Header)
	dst = append(dst, byte(st.Phase))
	dst = appendInts(dst, int64(st.IndicativePrice), int64(st.IndicativeQty), int64(st.AuctionPrice), st.Until)
	return appendStr(dst, st.Trigger)
}

func appendHead(dst []byte, h *Header) []byte {
	dst = binary.AppendUvarint(dst, h.Seq)
	dst = binary.AppendUvarint(dst, h.SrcSeq)
	return binary.AppendVarint(dst, h.TS)
}

func appendLevel(dst []byte, l Level) []byte {
	dst = appendInts(dst, int64(l.Price), int64(l.Qty))
	return binary.AppendUvarint(dst, uint64(l.Count))
}

func appendInts(dst []byte, vs ...int64) []byte {
	for _, v := range vs {
		dst = binary.AppendVarint(dst, v)
	}
	return dst
}

func appendStr(dst []byte, s string) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(s)))
	return append(dst, s...)
}

// StateSeq checks a state encoding's frame (magic, version, checksum) and
// returns the seq and TS of the last command it reflects, without decoding
// the rest: a caller decides from them whether the state fits its journal
// before loading it.
func StateSeq(src []byte) (seq uint64, ts int64, err error) {
	r, err := stateBody(src)
	if err != nil {
		return 0, 0, err
	}
	r.uvarint() // depth
	seq, ts = r.uvarint(), r.varint()
	return seq, ts, r.err
}

// stateBody checks the frame and returns a reader over the body.
func stateBody(src []byte) (*reader, error) {
	const frame = len(stateMagic) + 1 + 4
	switch {
	case len(src) < frame || [4]byte(src[:4]) != stateMagic:
		return nil, fmt.Errorf("%w: no state header", ErrState)
	case src[4] != StateVersion:
		return nil, fmt.Errorf("%w: version %d, want %d", ErrState, src[4], StateVersion)
	}
	n := len(src) - 4
	if got, want := crc32.Checksum(src[:n], castagnoli), binary.LittleEndian.Uint32(src[n:]); got != want {
		return nil, fmt.Errorf("%w: checksum %08x, want %08x", ErrState, got, want)
	}
	return &reader{b: src[5:n], kind: ErrState}, nil
}

// LoadState replaces the builder's state with one that AppendState
// encoded, from a builder of the same depth and instruments (matched by
// symbol, in any order; ErrStateMismatch otherwise). Every value is
// checked (ErrState): no price off the grid, no count out of bounds, no
// trailing byte. On error the builder is unchanged. The builder then
// continues from the state's seq: the next command it takes is seq+1.
func (b *Builder) LoadState(src []byte) error {
	r, err := stateBody(src)
	if err != nil {
		return err
	}
	depth, seq, ts, n := r.uvarint(), r.uvarint(), r.varint(), r.uvarint()
	switch {
	case r.err != nil:
		return r.err
	case depth != uint64(b.depth):
		return fmt.Errorf("%w: depth %d, the builder's is %d", ErrStateMismatch, depth, b.depth)
	case n != uint64(len(b.order)):
		return fmt.Errorf("%w: %d symbols, the builder has %d", ErrStateMismatch, n, len(b.order))
	}
	index := make(map[string]int, len(b.order))
	for i, s := range b.order {
		index[s.inst.Symbol] = i
	}
	loaded := make([]*symbol, len(b.order))
	for range n {
		name := r.str(MaxSymbolLen, "")
		i, ok := index[name]
		switch {
		case r.err != nil:
			return r.err
		case !ok:
			return fmt.Errorf("%w: symbol %q is not the builder's", ErrStateMismatch, name)
		case loaded[i] != nil:
			return fmt.Errorf("%w: symbol %q twice", ErrState, name)
		}
		s, err := b.loadSymbol(r, &b.conf[i])
		if err != nil {
			return err
		}
		loaded[i] = s
	}
	if err := r.done(); err != nil {
		return err
	}
	for i, s := range b.order {
		*s = *loaded[i]
	}
	b.seq, b.ts, b.last = seq, ts, nil
	return nil
}

// loadSymbol decodes one symbol's state. The reference data must be the
// builder's own (conf); the base price and limits in effect may differ
// only as a day rollover makes them: a new base, and limits by formula.
func (b *Builder) loadSymbol(r *reader, conf *matching.Instrument) (*symbol, error) {
	tick := matching.TickScheme(r.byte())
	var v [6]int64
	for i := range v {
		v[i] = r.varint()
	}
	if r.err != nil {
		return nil, r.err
	}
	if tick != conf.Tick || Price(v[0]) != conf.BasePrice || Price(v[1]) != conf.LowerLimit || Price(v[2]) != conf.UpperLimit {
		return nil, fmt.Errorf("%w: instrument %s: tick %d, base %d, limits %d-%d; the builder's: tick %d, base %d, limits %d-%d",
			ErrStateMismatch, conf.Symbol, tick, v[0], v[1], v[2], conf.Tick, conf.BasePrice, conf.LowerLimit, conf.UpperLimit)
	}
	in := *conf
	in.BasePrice, in.LowerLimit, in.UpperLimit = Price(v[3]), Price(v[4]), Price(v[5])
	if in != *conf {
		if err := rolledOver(&in, conf); err != nil {
			return nil, err
		}
	}
	s := newSymbol(in, b.depth)
	for i := range s.book {
		r.book(&s.book[i], &s.grid)
	}
	for i, side := range [2]Side{matching.Buy, matching.Sell} {
		s.window[i] = r.window(s.window[i], side, b.depth)
	}
	r.head(&s.bookHead)
	for i := range s.seq {
		s.seq[i] = r.uvarint()
	}
	r.ticker(&s.ticker)
	r.status(&s.status, in.Symbol)
	for _, iv := range intervals {
		r.candle(&s.candles[iv], iv, in.Symbol)
	}
	return s, r.err
}

// rolledOver checks the base price and limits a day rollover left: any
// valid base, the limits KRX's formula gives it, and a grid of bounded
// size.
func rolledOver(in, conf *matching.Instrument) error {
	if in.LowerLimit != 0 || in.UpperLimit != 0 {
		if in.LowerLimit != conf.LowerLimit || in.UpperLimit != conf.UpperLimit {
			return fmt.Errorf("%w: %s: limits %d-%d in effect, neither the configured nor the formula's",
				ErrState, in.Symbol, in.LowerLimit, in.UpperLimit)
		}
	}
	if err := in.Validate(); err != nil {
		return fmt.Errorf("%w: %s: base %d: %v", ErrState, in.Symbol, in.BasePrice, err)
	}
	if lo, hi := in.Limits(); (hi-lo)/in.Tick.Tick(lo) >= maxStateLevels {
		return fmt.Errorf("%w: %s: base %d makes a grid of over %d prices", ErrState, in.Symbol, in.BasePrice, maxStateLevels)
	}
	return nil
}

// book reads one ladder's occupied levels, ascending price, each on the
// grid and with a positive quantity.
func (r *reader) book(l *ladder, g *grid) {
	n := r.count(g.n)
	prev := -1
	for range n {
		lv := r.level()
		i, ok := g.index(lv.Price)
		if r.err == nil && (!ok || i <= prev || lv.Qty <= 0) {
			r.fail("book level %d×%d", lv.Price, lv.Qty)
		}
		if r.err != nil {
			return
		}
		l.set(i, lv.Qty, lv.Count)
		prev = i
	}
}

// window reads a published window: at most depth levels, best first, each
// with a positive quantity.
func (r *reader) window(dst []Level, side Side, depth int) []Level {
	n := r.count(depth)
	for range n {
		lv := r.level()
		if r.err == nil && (lv.Qty <= 0 || len(dst) > 0 && !better(side, dst[len(dst)-1].Price, lv.Price)) {
			r.fail("window level %d×%d", lv.Price, lv.Qty)
		}
		if r.err != nil {
			return dst[:0]
		}
		dst = append(dst, lv)
	}
	return dst
}

func (r *reader) level() Level {
	p, q := r.varint(), r.varint()
	return Level{Price: Price(p), Qty: Qty(q), Count: r.levelCount()}
}

// head reads a header's numbers; the symbol is the caller's.
func (r *reader) head(h *Header) {
	h.Seq, h.SrcSeq, h.TS = r.uvarint(), r.uvarint(), r.varint()
}

func (r *reader) ticker(t *Ticker) {
	r.head(&t.Header)
	r.tickerBody(t)
}

func (r *reader) status(st *Status, sym string) {
	if !r.flag() {
		*st = Status{}
		return
	}
	st.Symbol = sym
	r.head(&st.Header)
	st.Phase = matching.Phase(r.byte())
	if r.err == nil && (!st.Phase.Valid() || st.Seq == 0) {
		r.fail("status seq %d phase %d", st.Seq, st.Phase)
	}
	var v [4]int64
	for i := range v {
		v[i] = r.varint()
	}
	st.IndicativePrice, st.IndicativeQty, st.AuctionPrice, st.Until = Price(v[0]), Qty(v[1]), Price(v[2]), v[3]
	st.Trigger = r.str(maxTriggerLen, "")
}

func (r *reader) candle(c *candleState, iv Interval, sym string) {
	*c = candleState{}
	if !r.flag() {
		return
	}
	c.open = true
	c.cur = Candle{Header: Header{Symbol: sym}, Interval: iv}
	r.head(&c.cur.Header)
	var v [7]int64
	for i := range v {
		v[i] = r.varint()
	}
	c.cur.Start, c.cur.Open, c.cur.High, c.cur.Low, c.cur.Close = v[0], Price(v[1]), Price(v[2]), Price(v[3]), Price(v[4])
	c.cur.Volume, c.cur.Value = Qty(v[5]), v[6]
}

// flag reads a presence byte: 0 or 1.
func (r *reader) flag() bool {
	switch r.byte() {
	case 0:
		return false
	case 1:
		return true
	}
	r.fail("flag byte")
	return false
}
