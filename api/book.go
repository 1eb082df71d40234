package api

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// ErrBookGap is wrapped by Book.Apply when a bookDelta does not follow the
// book's seq (or no snapshot has arrived yet): the book is stale until the
// next BookSnapshot.
var ErrBookGap = errors.New("api: book gap")

// Book is a local copy of one symbol's top-of-book window, kept from a book
// stream: a BookSnapshot replaces it, each BookDelta patches it. It checks
// seq contiguity itself, independently of the Client (which already hides
// deltas after a gap), so a test or the load generator can compare it with
// the server's own view. A Book is not safe for concurrent use; a
// subscription handler, which runs on one goroutine, is the natural owner.
type Book struct {
	Symbol string
	Seq    uint64 // seq of the last message applied
	synced bool
	bids   []Level // best (highest) first
	asks   []Level // best (lowest) first
}

// Apply applies a *BookSnapshot or *BookDelta and ignores every other
// message. On a gap it returns an error wrapping ErrBookGap and the book
// stays stale (Synced false) until the next snapshot.
func (b *Book) Apply(msg any) error {
	switch m := msg.(type) {
	case *BookSnapshot:
		return b.ApplySnapshot(m)
	case *BookDelta:
		return b.ApplyDelta(m)
	}
	return nil
}

// ApplySnapshot replaces the book with s.
func (b *Book) ApplySnapshot(s *BookSnapshot) error {
	bids, err := sortedLevels(s.Bids, true)
	if err != nil {
		return err
	}
	asks, err := sortedLevels(s.Asks, false)
	if err != nil {
		return err
	}
	b.Symbol, b.Seq, b.synced, b.bids, b.asks = s.Symbol, s.Seq, true, bids, asks
	return nil
}

// ApplyDelta applies d if it follows the book's seq.
func (b *Book) ApplyDelta(d *BookDelta) error {
	switch {
	case !b.synced:
		return fmt.Errorf("%w: %s delta seq %d before any snapshot", ErrBookGap, d.Symbol, d.Seq)
	case d.Symbol != b.Symbol:
		return fmt.Errorf("api: book of %s given a delta of %s", b.Symbol, d.Symbol)
	case d.Seq != b.Seq+1:
		b.synced = false
		return fmt.Errorf("%w: %s seq %d after %d", ErrBookGap, d.Symbol, d.Seq, b.Seq)
	}
	for _, ch := range d.Changes {
		if err := b.change(ch); err != nil {
			b.synced = false
			return err
		}
	}
	b.Seq = d.Seq
	return nil
}

// change sets one level: qty "0" removes it.
func (b *Book) change(ch LevelChange) error {
	price, err := ch.Price.Int64()
	if err != nil {
		return fmt.Errorf("api: %s delta: price: %w", b.Symbol, err)
	}
	qty, err := ch.Qty.Int64()
	if err != nil {
		return fmt.Errorf("api: %s delta: qty: %w", b.Symbol, err)
	}
	side := &b.asks
	switch ch.Side {
	case "buy", "bid":
		side = &b.bids
	case "sell", "ask":
	default:
		return fmt.Errorf("api: %s delta: side %q", b.Symbol, ch.Side)
	}
	*side = setLevel(*side, ch.Side == "buy" || ch.Side == "bid", price, qty, Level{ch.Price, ch.Qty, ch.Count})
	return nil
}

// setLevel inserts, replaces or (qty 0) removes the level at price, keeping
// the slice best first. Windows are ten levels, so a linear search is the
// cheap one.
func setLevel(levels []Level, bids bool, price, qty int64, l Level) []Level {
	i, found := slices.BinarySearchFunc(levels, price, func(x Level, p int64) int {
		return comparePrice(mustInt(x.Price), p, bids)
	})
	switch {
	case found && qty == 0:
		return slices.Delete(levels, i, i+1)
	case found:
		levels[i] = l
		return levels
	case qty == 0:
		return levels
	}
	return slices.Insert(levels, i, l)
}

// comparePrice orders prices best first: descending for bids.
func comparePrice(a, b int64, bids bool) int {
	if bids {
		a, b = b, a
	}
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func sortedLevels(in []Level, bids bool) ([]Level, error) {
	out := make([]Level, 0, len(in))
	for _, l := range in {
		if _, err := l.Price.Int64(); err != nil {
			return nil, fmt.Errorf("api: snapshot price: %w", err)
		}
		out = append(out, l)
	}
	slices.SortFunc(out, func(x, y Level) int {
		return comparePrice(mustInt(x.Price), mustInt(y.Price), bids)
	})
	return out, nil
}

// mustInt is for prices already checked on the way in.
// plainInt parses s when it is what the server sends for prices and
// quantities, an optional minus and at most 18 digits, with no allocation:
// a book replica compares prices on every delta, and strconv's general
// path was most of a fan-out subscriber's book upkeep. Anything else is
// left to Int64's general path.
func plainInt(s string) (int64, bool) {
	neg := len(s) > 0 && s[0] == '-'
	if neg {
		s = s[1:]
	}
	if len(s) == 0 || len(s) > 18 {
		return 0, false
	}
	var v int64
	for i := 0; i < len(s); i++ {
		c := s[i] - '0'
		if c > 9 {
			return 0, false
		}
		v = v*10 + int64(c)
	}
	if neg {
		v = -v
	}
	return v, true
}

func mustInt(d Decimal) int64 {
	v, _ := d.Int64()
	return v
}

// Synced reports whether the book has a snapshot and no gap since.
func (b *Book) Synced() bool { return b.synced }

// Bids returns a copy of the bid levels, best (highest) first.
func (b *Book) Bids() []Level { return slices.Clone(b.bids) }

// Asks returns a copy of the ask levels, best (lowest) first.
func (b *Book) Asks() []Level { return slices.Clone(b.asks) }

// Best returns the best bid and ask; ok is false for an empty side.
func (b *Book) Best() (bid, ask Level, bidOK, askOK bool) {
	if len(b.bids) > 0 {
		bid, bidOK = b.bids[0], true
	}
	if len(b.asks) > 0 {
		ask, askOK = b.asks[0], true
	}
	return
}

// Equal reports whether the book shows exactly bids and asks (best first),
// as a bookSnapshot or depth message of the same seq would.
func (b *Book) Equal(bids, asks []Level) bool {
	return slices.Equal(b.bids, bids) && slices.Equal(b.asks, asks)
}

// Int64 parses a Decimal: decimal digits, optionally with a zero fraction
// ("71000.00"), as the protocol allows.
func (d Decimal) Int64() (int64, error) {
	if v, ok := plainInt(string(d)); ok {
		return v, nil
	}
	s := string(d)
	if whole, frac, ok := strings.Cut(s, "."); ok && strings.Trim(frac, "0") == "" && frac != "" {
		s = whole
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("api: %q is not a whole decimal number", string(d))
	}
	return v, nil
}
