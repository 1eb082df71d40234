package marketdata

import (
	"encoding/binary"

	"github.com/mts-krx/mts/matching"
)

// StreamStatus is a symbol's market status: its trading phase, and during
// a single-price auction the indicative (expected) price and volume.
const StreamStatus Stream = 6

// Status is one symbol's market status after a command that changed its
// phase or, during an auction, its indicative price or volume. It has its
// own per-symbol sequence counter.
//
// During an auction no trades print; IndicativePrice and IndicativeQty say
// what would trade if the auction ended now (0 when nothing would). When a
// phase change uncrossed an auction, AuctionPrice is the price it traded at
// (0 if nothing traded) and the trades follow on the trade stream. Until
// is a volatility interruption's scheduled end (Unix ns, 0 otherwise);
// Trigger says what started it ("static" or "dynamic").
type Status struct {
	Header
	Phase           matching.Phase
	IndicativePrice Price
	IndicativeQty   Qty
	AuctionPrice    Price
	Until           int64
	Trigger         string
}

// Stream returns StreamStatus.
func (*Status) Stream() Stream { return StreamStatus }

// maxTriggerLen bounds Trigger on the wire.
const maxTriggerLen = 32

// Append appends the encoding of s.
func (s *Status) Append(dst []byte) []byte {
	dst = appendHeader(dst, StreamStatus, &s.Header)
	dst = append(dst, byte(s.Phase))
	for _, v := range [...]int64{int64(s.IndicativePrice), int64(s.IndicativeQty), int64(s.AuctionPrice), s.Until} {
		dst = binary.AppendVarint(dst, v)
	}
	dst = binary.AppendUvarint(dst, uint64(len(s.Trigger)))
	return append(dst, s.Trigger...)
}

// Decode decodes a status message into s.
func (s *Status) Decode(src []byte) error {
	r := reader{b: src}
	r.header(StreamStatus, &s.Header)
	s.Phase = matching.Phase(r.byte())
	if r.err == nil && !s.Phase.Valid() {
		r.fail("phase %d", s.Phase)
	}
	var v [4]int64
	for i := range v {
		v[i] = r.varint()
	}
	s.IndicativePrice, s.IndicativeQty, s.AuctionPrice, s.Until = Price(v[0]), Qty(v[1]), Price(v[2]), v[3]
	s.Trigger = r.str(maxTriggerLen, s.Trigger)
	return r.done()
}

// str reads a length-prefixed string of at most max bytes; it returns cur,
// without allocating, when the bytes are the same (a consumer decoding one
// stream into one value keeps its strings).
func (r *reader) str(max int, cur string) string {
	n := r.uvarint()
	switch {
	case r.err != nil:
		return ""
	case n > uint64(max) || n > uint64(len(r.b)):
		r.fail("string length %d", n)
		return ""
	}
	if string(r.b[:n]) != cur {
		cur = string(r.b[:n])
	}
	r.b = r.b[n:]
	return cur
}
