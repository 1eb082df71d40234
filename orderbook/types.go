package orderbook

import "strconv"

// Price is a price in integer Korean won.
type Price int64

// Qty is a quantity in integer shares.
type Qty int64

// OrderID identifies an order within the engine. The engine assigns ids densely
// and deterministically; the book only requires them to be unique.
type OrderID uint64

// Side is the side of an order. The zero value is invalid so that a forgotten
// field is caught rather than silently read as a buy.
type Side uint8

// The two sides of a book.
const (
	Buy  Side = 1
	Sell Side = 2
)

// Opposite returns the other side.
func (s Side) Opposite() Side { return 3 - s }

// Valid reports whether s is Buy or Sell.
func (s Side) Valid() bool { return s == Buy || s == Sell }

// String returns "buy" or "sell", the wire spelling.
func (s Side) String() string {
	switch s {
	case Buy:
		return "buy"
	case Sell:
		return "sell"
	}
	return "side(" + strconv.Itoa(int(s)) + ")"
}

// Level is the aggregated view of one price level: what depth and market data
// show.
type Level struct {
	Price Price
	Qty   Qty
	Count int
}
