package marketdata

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// The binary format is drawn in the package documentation ("Wire format").

// CodecVersion is the first byte of every encoded message.
const CodecVersion = 1

// Limits the decoder enforces, so that a hostile message cannot make it
// allocate without bound.
const (
	// MaxDepth is the largest Config.Depth and the most levels a side of a
	// Depth message may carry.
	MaxDepth = 50
	// MaxChanges is the most entries a BookDelta may carry: per side, every
	// level that left the window plus every level that entered or changed.
	MaxChanges = 4 * MaxDepth
	// MaxSymbolLen is the longest symbol (matching.Instrument.Validate's
	// limit).
	MaxSymbolLen = 12
)

// ErrCodec is wrapped by every decoding error.
var ErrCodec = errors.New("marketdata: malformed message")

// Append appends the encoding of d.
func (d *BookDelta) Append(dst []byte) []byte {
	dst = appendHeader(dst, StreamBook, &d.Header)
	dst = binary.AppendUvarint(dst, uint64(len(d.Changes)))
	for i := range d.Changes {
		c := &d.Changes[i]
		dst = append(dst, byte(c.Side))
		dst = binary.AppendVarint(dst, int64(c.Price))
		dst = binary.AppendVarint(dst, int64(c.Qty))
		dst = binary.AppendUvarint(dst, uint64(c.Count))
	}
	return dst
}

// Append appends the encoding of d.
func (d *Depth) Append(dst []byte) []byte {
	dst = appendHeader(dst, StreamDepth, &d.Header)
	dst = appendLevels(dst, d.Bids)
	return appendLevels(dst, d.Asks)
}

// Append appends the encoding of t.
func (t *Trade) Append(dst []byte) []byte {
	dst = appendHeader(dst, StreamTrade, &t.Header)
	dst = binary.AppendUvarint(dst, t.TradeID)
	dst = binary.AppendVarint(dst, int64(t.Price))
	dst = binary.AppendVarint(dst, int64(t.Qty))
	return append(dst, byte(t.Side))
}

// Append appends the encoding of t.
func (t *Ticker) Append(dst []byte) []byte {
	dst = appendHeader(dst, StreamTicker, &t.Header)
	for _, v := range t.values() {
		dst = binary.AppendVarint(dst, v)
	}
	return dst
}

// values lists the ticker's body in wire order.
func (t *Ticker) values() [14]int64 {
	return [14]int64{
		int64(t.BasePrice), int64(t.BidPrice), int64(t.BidQty), int64(t.AskPrice), int64(t.AskQty),
		int64(t.Last), int64(t.LastQty), int64(t.Change), t.ChangeBP,
		int64(t.Open), int64(t.High), int64(t.Low), int64(t.Volume), t.Value,
	}
}

// Append appends the encoding of c.
func (c *Candle) Append(dst []byte) []byte {
	dst = appendHeader(dst, StreamCandle, &c.Header)
	dst = append(dst, byte(c.Interval))
	for _, v := range [...]int64{c.Start, int64(c.Open), int64(c.High), int64(c.Low), int64(c.Close), int64(c.Volume), c.Value} {
		dst = binary.AppendVarint(dst, v)
	}
	if c.Closed {
		return append(dst, 1)
	}
	return append(dst, 0)
}

func appendHeader(dst []byte, s Stream, h *Header) []byte {
	dst = append(dst, CodecVersion, byte(s))
	dst = binary.AppendUvarint(dst, uint64(len(h.Symbol)))
	dst = append(dst, h.Symbol...)
	dst = binary.AppendUvarint(dst, h.Seq)
	dst = binary.AppendUvarint(dst, h.SrcSeq)
	return binary.AppendVarint(dst, h.TS)
}

func appendLevels(dst []byte, ls []Level) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(ls)))
	for _, l := range ls {
		dst = binary.AppendVarint(dst, int64(l.Price))
		dst = binary.AppendVarint(dst, int64(l.Qty))
		dst = binary.AppendUvarint(dst, uint64(l.Count))
	}
	return dst
}

// PeekStream returns the stream of an encoded message without decoding it.
func PeekStream(src []byte) (Stream, error) {
	if len(src) < 2 {
		return 0, fmt.Errorf("%w: %d bytes", ErrCodec, len(src))
	}
	if src[0] != CodecVersion {
		return 0, fmt.Errorf("%w: version %d", ErrCodec, src[0])
	}
	return Stream(src[1]), nil
}

// DecodeMessage decodes one message of any stream into a new value.
func DecodeMessage(src []byte) (Message, error) {
	s, err := PeekStream(src)
	if err != nil {
		return nil, err
	}
	var m Message
	switch s {
	case StreamBook:
		m = &BookDelta{}
	case StreamDepth:
		m = &Depth{}
	case StreamTrade:
		m = &Trade{}
	case StreamTicker:
		m = &Ticker{}
	case StreamCandle:
		m = &Candle{}
	case StreamStatus:
		m = &Status{}
	default:
		return nil, fmt.Errorf("%w: unknown stream %d", ErrCodec, s)
	}
	if err := m.Decode(src); err != nil {
		return nil, err
	}
	return m, nil
}

// Decode decodes a book-stream message into d.
func (d *BookDelta) Decode(src []byte) error {
	r := reader{b: src}
	r.header(StreamBook, &d.Header)
	n := r.count(MaxChanges)
	d.Changes = d.Changes[:0]
	for range n {
		d.Changes = append(d.Changes, Change{Side: r.side(), Price: Price(r.varint()), Qty: Qty(r.varint()), Count: r.levelCount()})
	}
	return r.done()
}

// Decode decodes a depth message (or snapshot) into d.
func (d *Depth) Decode(src []byte) error {
	r := reader{b: src}
	r.header(StreamDepth, &d.Header)
	d.Bids = r.levels(d.Bids[:0])
	d.Asks = r.levels(d.Asks[:0])
	return r.done()
}

// Decode decodes a trade message into t.
func (t *Trade) Decode(src []byte) error {
	r := reader{b: src}
	r.header(StreamTrade, &t.Header)
	t.TradeID = r.uvarint()
	t.Price = Price(r.varint())
	t.Qty = Qty(r.varint())
	t.Side = r.side()
	return r.done()
}

// Decode decodes a ticker message into t.
func (t *Ticker) Decode(src []byte) error {
	r := reader{b: src}
	r.header(StreamTicker, &t.Header)
	r.tickerBody(t)
	return r.done()
}

// tickerBody reads a ticker's fields after its header (the wire message and
// the builder's saved state encode them alike).
func (r *reader) tickerBody(t *Ticker) {
	var v [14]int64
	for i := range v {
		v[i] = r.varint()
	}
	t.BasePrice, t.BidPrice, t.BidQty, t.AskPrice, t.AskQty = Price(v[0]), Price(v[1]), Qty(v[2]), Price(v[3]), Qty(v[4])
	t.Last, t.LastQty, t.Change, t.ChangeBP = Price(v[5]), Qty(v[6]), Price(v[7]), v[8]
	t.Open, t.High, t.Low, t.Volume, t.Value = Price(v[9]), Price(v[10]), Price(v[11]), Qty(v[12]), v[13]
}

// Decode decodes a candle message into c.
func (c *Candle) Decode(src []byte) error {
	r := reader{b: src}
	r.header(StreamCandle, &c.Header)
	c.Interval = Interval(r.byte())
	if !c.Interval.Valid() {
		r.fail("interval %d", c.Interval)
	}
	var v [7]int64
	for i := range v {
		v[i] = r.varint()
	}
	c.Start, c.Open, c.High, c.Low, c.Close, c.Volume, c.Value = v[0], Price(v[1]), Price(v[2]), Price(v[3]), Price(v[4]), Qty(v[5]), v[6]
	switch r.byte() {
	case 0:
		c.Closed = false
	case 1:
		c.Closed = true
	default:
		r.fail("bad closed flag")
	}
	return r.done()
}

// reader decodes canonically: every varint must be in its shortest form,
// so that a message has exactly one encoding and decoding then encoding
// gives the input back (the fuzz tests check this). It records the first
// error and reads zeros after it.
type reader struct {
	b    []byte
	err  error
	kind error // the sentinel fail wraps: ErrCodec when nil
}

func (r *reader) fail(format string, args ...any) {
	if r.err == nil {
		kind := r.kind
		if kind == nil {
			kind = ErrCodec
		}
		r.err = fmt.Errorf("%w: %s", kind, fmt.Sprintf(format, args...))
	}
	r.b = nil
}

func (r *reader) done() error {
	if r.err == nil && len(r.b) != 0 {
		r.fail("%d trailing bytes", len(r.b))
	}
	return r.err
}

func (r *reader) byte() byte {
	if len(r.b) == 0 {
		r.fail("truncated")
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

func (r *reader) uvarint() uint64 {
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.fail("bad uvarint")
		return 0
	}
	if n != uvarintLen(v) {
		r.fail("non-canonical uvarint")
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *reader) varint() int64 {
	u := r.uvarint() // zigzag: the canonical check is the unsigned one
	v := int64(u >> 1)
	if u&1 != 0 {
		v = ^v
	}
	return v
}

func uvarintLen(v uint64) int {
	n := 1
	for v >= 0x80 {
		v >>= 7
		n++
	}
	return n
}

func (r *reader) count(limit int) int {
	n := r.uvarint()
	if n > uint64(limit) {
		r.fail("count %d above %d", n, limit)
		return 0
	}
	return int(n)
}

func (r *reader) levelCount() int {
	n := r.uvarint()
	if n > math.MaxInt32 {
		r.fail("order count %d", n)
		return 0
	}
	return int(n)
}

func (r *reader) side() Side {
	s := Side(r.byte())
	if r.err == nil && !s.Valid() {
		r.fail("side %d", s)
	}
	return s
}

func (r *reader) header(want Stream, h *Header) {
	if v := r.byte(); v != CodecVersion && r.err == nil {
		r.fail("version %d", v)
	}
	if s := Stream(r.byte()); s != want && r.err == nil {
		r.fail("stream %v, want %v", s, want)
	}
	n := r.uvarint()
	switch {
	case r.err != nil:
	case n == 0 || n > MaxSymbolLen || n > uint64(len(r.b)):
		r.fail("symbol length %d", n)
	default:
		// The comparison does not allocate: a gateway decoding one symbol's
		// stream into one value reuses its Symbol string.
		if string(r.b[:n]) != h.Symbol {
			h.Symbol = string(r.b[:n])
		}
		r.b = r.b[n:]
	}
	h.Seq = r.uvarint()
	h.SrcSeq = r.uvarint()
	h.TS = r.varint()
}

func (r *reader) levels(dst []Level) []Level {
	n := r.count(MaxDepth)
	for range n {
		dst = append(dst, Level{Price: Price(r.varint()), Qty: Qty(r.varint()), Count: r.levelCount()})
	}
	return dst
}
