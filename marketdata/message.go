package marketdata

import (
	"strconv"

	"github.com/mts-krx/mts/matching"
	"github.com/mts-krx/mts/orderbook"
)

// The value types are the engine's; the aliases spare callers an import.
type (
	// Price is a price in integer KRW.
	Price = matching.Price
	// Qty is a quantity in integer shares.
	Qty = matching.Qty
	// Side is Buy or Sell.
	Side = matching.Side
	// Level is one aggregated price level: its price, total quantity and
	// number of orders.
	Level = orderbook.Level
)

// Stream names one of the per-symbol streams. Values are part of the wire
// format: never renumber, only append.
type Stream uint8

// The streams. Each has its own per-symbol sequence counter, except depth,
// which shares book's (see the package documentation).
const (
	StreamBook   Stream = 1 // BookDelta: changes to the top Depth levels
	StreamDepth  Stream = 2 // Depth: the whole top Depth levels after a change
	StreamTrade  Stream = 3 // Trade: one match, as the public sees it
	StreamTicker Stream = 4 // Ticker: best bid/ask, last, the day's statistics
	StreamCandle Stream = 5 // Candle: one OHLCV bucket of one interval
)

var streamNames = [...]string{
	StreamBook: "book", StreamDepth: "depth", StreamTrade: "trade",
	StreamTicker: "ticker", StreamCandle: "candle", StreamStatus: "status",
}

// String returns the stream's name, the last token of its NATS subject
// (md.<symbol>.<stream>).
func (s Stream) String() string {
	if int(s) < len(streamNames) && streamNames[s] != "" {
		return streamNames[s]
	}
	return "stream(" + strconv.Itoa(int(s)) + ")"
}

// Interval is a candle interval. Values are part of the wire format.
type Interval uint8

// The candle intervals. Buckets are aligned to KST (UTC+9) boundaries.
const (
	Minute1 Interval = 1
	Minute5 Interval = 2
	Hour1   Interval = 3
	Day1    Interval = 4
)

var intervals = [...]Interval{Minute1, Minute5, Hour1, Day1}

// Intervals returns every interval, shortest first: the order in which the
// builder publishes a command's candle updates.
func Intervals() [4]Interval { return intervals }

var intervalNanos = [...]int64{Minute1: 60e9, Minute5: 300e9, Hour1: 3600e9, Day1: 86400e9}

var intervalNames = [...]string{Minute1: "1m", Minute5: "5m", Hour1: "1h", Day1: "1d"}

// Nanos returns the interval's length in nanoseconds; iv must be Valid.
func (iv Interval) Nanos() int64 { return intervalNanos[iv] }

// Valid reports whether iv is one of the four intervals.
func (iv Interval) Valid() bool { return iv >= Minute1 && iv <= Day1 }

// String returns "1m", "5m", "1h" or "1d".
func (iv Interval) String() string {
	if iv.Valid() {
		return intervalNames[iv]
	}
	return "interval(" + strconv.Itoa(int(iv)) + ")"
}

// Header is what every message carries.
type Header struct {
	Symbol string
	// Seq is the message's number in its symbol's stream: 1, 2, 3, … with
	// no gaps. A depth message carries the seq of the book delta it follows.
	Seq uint64
	// SrcSeq is the engine sequence number (journal record) of the command
	// that caused the message. Several messages share one.
	SrcSeq uint64
	// TS is that command's timestamp, Unix nanoseconds.
	TS int64
}

// Head returns the header. Every message type embeds Header, so every
// message has this method.
func (h Header) Head() Header { return h }

// Message is one output message: *BookDelta, *Depth, *Trade, *Ticker or
// *Candle. A gateway type-switches on it to build its JSON.
type Message interface {
	Head() Header
	Stream() Stream
	// Append appends the message's binary encoding (codec.go) to dst.
	Append(dst []byte) []byte
	// Decode replaces the message with the one encoded in src, reusing its
	// slices. src must hold exactly one message of this type.
	Decode(src []byte) error
}

// Sink receives the builder's messages, in order. The message and
// everything it points to belong to the builder and are valid only during
// the call: encode or copy what you keep.
type Sink interface {
	Publish(m Message)
}

// SinkFunc adapts a function to Sink.
type SinkFunc func(m Message)

// Publish calls f(m).
func (f SinkFunc) Publish(m Message) { f(m) }

// Change is one entry of a book delta: the new state of one level of the
// top-Depth window. Qty 0 means the level left the window: it is gone from
// the book or was pushed below the window by a better one. Count is the
// number of orders at the level (0 with Qty 0).
type Change struct {
	Side  Side
	Price Price
	Qty   Qty
	Count int
}

// BookDelta is one book-stream message: every change one command made to
// the top Depth levels of one symbol, bids first, then asks, each side best
// price first. Applied to the top-Depth book at Seq-1 it gives the book at
// Seq; see Replica.
type BookDelta struct {
	Header
	Changes []Change
}

// Depth is the whole top of one symbol's book: at most Depth levels a side,
// best first. It is the depth stream's message (one after every book delta,
// with that delta's Seq) and the answer to a snapshot request; either can
// (re)start a Replica.
type Depth struct {
	Header
	Bids []Level
	Asks []Level
}

// Trade is one match as the public sees it: no accounts, no order ids.
type Trade struct {
	Header
	TradeID uint64 // the engine's, unique for the day across symbols
	Price   Price  // the resting order's price (KRX)
	Qty     Qty
	Side    Side // the aggressor's (taker's) side
}

// Ticker is the symbol's level-1 summary after a command that traded or
// changed the best bid or ask. Prices are 0 where there is nothing to show:
// an empty side, or no trade yet today (Last, LastQty, Change, ChangeBP,
// Open, High and Low).
type Ticker struct {
	Header
	BasePrice Price // 기준가: the reference for Change
	BidPrice  Price
	BidQty    Qty // total at the best bid
	AskPrice  Price
	AskQty    Qty
	Last      Price // last trade price
	LastQty   Qty   // last trade quantity
	Change    Price // Last − BasePrice
	// ChangeBP is Change / BasePrice in basis points (1/100 of a percent),
	// rounded half away from zero: the 등락률 a screen shows as ±x.xx%.
	ChangeBP int64
	Open     Price
	High     Price
	Low      Price
	Volume   Qty   // shares traded today
	Value    int64 // KRW traded today: the sum of price × qty
}

// Candle is the state of one OHLCV bucket. The builder sends it after every
// command that traded in the bucket (Closed false) and once more, Closed
// true and otherwise unchanged, when a trade arrives in a later bucket.
// Buckets without trades are never sent.
type Candle struct {
	Header
	Interval Interval
	Start    int64 // bucket start, Unix nanoseconds, on a KST boundary
	Open     Price
	High     Price
	Low      Price
	Close    Price
	Volume   Qty
	Value    int64 // KRW
	Closed   bool
}

// Stream returns StreamBook.
func (*BookDelta) Stream() Stream { return StreamBook }

// Stream returns StreamDepth.
func (*Depth) Stream() Stream { return StreamDepth }

// Stream returns StreamTrade.
func (*Trade) Stream() Stream { return StreamTrade }

// Stream returns StreamTicker.
func (*Ticker) Stream() Stream { return StreamTicker }

// Stream returns StreamCandle.
func (*Candle) Stream() Stream { return StreamCandle }

// CopyTo makes dst an independent copy of d, reusing dst's slices. A
// gateway conflating the depth stream keeps the latest message per symbol
// this way (replace when the new Seq is higher).
func (d *Depth) CopyTo(dst *Depth) {
	dst.Header = d.Header
	dst.Bids = append(dst.Bids[:0], d.Bids...)
	dst.Asks = append(dst.Asks[:0], d.Asks...)
}

// CopyTo makes dst an independent copy of d, reusing dst's slice.
func (d *BookDelta) CopyTo(dst *BookDelta) {
	dst.Header = d.Header
	dst.Changes = append(dst.Changes[:0], d.Changes...)
}

// Clone returns an independent copy of m, for a consumer that keeps
// messages past a Sink call.
func Clone(m Message) Message {
	switch m := m.(type) {
	case *BookDelta:
		c := &BookDelta{}
		m.CopyTo(c)
		return c
	case *Depth:
		c := &Depth{}
		m.CopyTo(c)
		return c
	case *Trade:
		c := *m
		return &c
	case *Ticker:
		c := *m
		return &c
	case *Candle:
		c := *m
		return &c
	case *Status:
		c := *m
		return &c
	}
	panic("marketdata: Clone of an unknown message type")
}
