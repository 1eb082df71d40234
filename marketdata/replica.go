package marketdata

import (
	"errors"
	"fmt"

	"github.com/mts-krx/mts/matching"
)

// Replica errors. After either, the replica is stale until Reset.
var (
	// ErrGap: a book delta's Seq is not the one after the replica's. A
	// delta was lost (or the publisher restarted): resync from a snapshot.
	ErrGap = errors.New("marketdata: book delta gap")
	// ErrStale: Apply was called on a replica that has not been Reset
	// since it was built or since it reported a gap or a bad delta.
	ErrStale = errors.New("marketdata: replica needs a snapshot")
	// ErrBadBook: a snapshot or delta does not describe a valid top-N book
	// (unsorted, crossed, too deep, a removal of a level it does not hold).
	ErrBadBook = errors.New("marketdata: inconsistent book message")
)

// Replica is a consumer's copy of the top of one symbol's book, kept from
// a snapshot (or depth message) and the book deltas after it. A gateway
// keeps one per subscribed symbol, serves a new subscriber its Depth at
// once, and on a gap asks for a fresh snapshot:
//
//	subscribe md.<sym>.book (buffer deltas)   ── then ──►  request md.<sym>.snapshot
//	Reset(snapshot); Apply each buffered and later delta:
//	   Seq ≤ replica's   → ignored (already in the snapshot), unless its
//	                       SrcSeq is newer: numbering restarted, ErrGap
//	   Seq = replica's+1 → applied
//	   Seq > replica's+1 → ErrGap; stale until the next Reset
//
// A Replica is not safe for concurrent use.
type Replica struct {
	depth  int
	synced bool
	head   Header
	sides  [2][]Level // [Buy-1], [Sell-1]: best first, at most depth each
}

// NewReplica returns a stale replica for books depth levels deep (the
// publisher's Config.Depth; 0 means DefaultDepth).
func NewReplica(depth int) *Replica {
	if depth == 0 {
		depth = DefaultDepth
	}
	if depth < 1 || depth > MaxDepth {
		panic(fmt.Sprintf("marketdata: replica depth %d outside 1..%d", depth, MaxDepth))
	}
	return &Replica{depth: depth, sides: [2][]Level{make([]Level, 0, 2*depth), make([]Level, 0, 2*depth)}}
}

// Synced reports whether the replica is usable: Reset succeeded and no gap
// or bad delta came since.
func (r *Replica) Synced() bool { return r.synced }

// Seq returns the book seq the replica reflects.
func (r *Replica) Seq() uint64 { return r.head.Seq }

// Reset replaces the replica's book with a snapshot or depth message and
// marks it synced. An invalid snapshot leaves it stale and returns
// ErrBadBook.
func (r *Replica) Reset(d *Depth) error {
	r.synced = false
	for i, ls := range [2][]Level{d.Bids, d.Asks} {
		if err := r.checkSide(Side(i+1), ls); err != nil {
			return err
		}
		r.sides[i] = append(r.sides[i][:0], ls...)
	}
	if err := r.checkCrossed(); err != nil {
		return err
	}
	r.head, r.synced = d.Header, true
	return nil
}

// Apply applies one book delta. It returns ErrStale if the replica is not
// synced, ErrGap if the delta is not the next one, ErrBadBook if it does
// not fit the book; after any error the replica stays stale until Reset.
// A delta at or below the replica's Seq is ignored: it is already part of
// the snapshot the replica started from (or a restarted builder's replay of
// the journal). If such a delta comes from a later command than the
// replica's, the publisher's numbering started again: ErrGap.
func (r *Replica) Apply(d *BookDelta) error {
	switch {
	case !r.synced:
		return ErrStale
	case d.Symbol != r.head.Symbol:
		r.synced = false
		return fmt.Errorf("%w: delta for %q on a replica of %q", ErrBadBook, d.Symbol, r.head.Symbol)
	case d.Seq <= r.head.Seq && d.SrcSeq > r.head.SrcSeq:
		// An old seq from a newer command: the publisher's numbering
		// started again (a new trading day's builder).
		r.synced = false
		return fmt.Errorf("%w: %s delta %d (command %d) after %d (command %d): numbering restarted",
			ErrGap, d.Symbol, d.Seq, d.SrcSeq, r.head.Seq, r.head.SrcSeq)
	case d.Seq <= r.head.Seq:
		return nil
	case d.Seq != r.head.Seq+1:
		r.synced = false
		return fmt.Errorf("%w: %s delta %d after %d", ErrGap, d.Symbol, d.Seq, r.head.Seq)
	}
	for _, c := range d.Changes {
		if err := r.change(c); err != nil {
			r.synced = false
			return fmt.Errorf("%w: %s delta %d: %v", ErrBadBook, d.Symbol, d.Seq, err)
		}
	}
	for i, ls := range r.sides {
		if err := r.checkSide(Side(i+1), ls); err != nil {
			r.synced = false
			return err
		}
	}
	if err := r.checkCrossed(); err != nil {
		r.synced = false
		return err
	}
	r.head = d.Header
	return nil
}

// change applies one entry, keeping the side sorted best first. A side may
// briefly hold more than depth levels (a level enters before the one it
// pushed out leaves); Apply checks the depth once the delta is done.
func (r *Replica) change(c Change) error {
	if !c.Side.Valid() || c.Qty < 0 || (c.Qty == 0) != (c.Count == 0) || c.Count < 0 {
		return fmt.Errorf("bad entry %+v", c)
	}
	ls := r.sides[c.Side-1]
	i := 0
	for i < len(ls) && better(c.Side, ls[i].Price, c.Price) {
		i++
	}
	found := i < len(ls) && ls[i].Price == c.Price
	switch {
	case c.Qty > 0 && found:
		ls[i].Qty, ls[i].Count = c.Qty, c.Count
	case c.Qty > 0:
		if len(ls) >= 2*r.depth {
			return fmt.Errorf("more than %d levels on one side", 2*r.depth)
		}
		ls = append(ls, Level{})
		copy(ls[i+1:], ls[i:])
		ls[i] = Level{Price: c.Price, Qty: c.Qty, Count: c.Count}
	case found:
		ls = append(ls[:i], ls[i+1:]...)
	default:
		return fmt.Errorf("removal of %v %d, which is not in the book", c.Side, c.Price)
	}
	r.sides[c.Side-1] = ls
	return nil
}

// better reports whether price a ranks above price b on side s.
func better(s Side, a, b Price) bool {
	if s == matching.Buy {
		return a > b
	}
	return a < b
}

func (r *Replica) checkSide(s Side, ls []Level) error {
	if len(ls) > r.depth {
		return fmt.Errorf("%w: %d %v levels, depth %d", ErrBadBook, len(ls), s, r.depth)
	}
	for i, l := range ls {
		if l.Qty <= 0 || l.Count <= 0 || l.Price <= 0 || (i > 0 && !better(s, ls[i-1].Price, l.Price)) {
			return fmt.Errorf("%w: %v level %d %+v", ErrBadBook, s, i, l)
		}
	}
	return nil
}

func (r *Replica) checkCrossed() error {
	if b, a := r.sides[0], r.sides[1]; len(b) > 0 && len(a) > 0 && b[0].Price >= a[0].Price {
		return fmt.Errorf("%w: crossed, bid %d ask %d", ErrBadBook, b[0].Price, a[0].Price)
	}
	return nil
}

// Bids returns the bid levels, best first. The slice is the replica's: do
// not keep it past the next Apply or Reset.
func (r *Replica) Bids() []Level { return r.sides[0] }

// Asks returns the ask levels, best first, like Bids.
func (r *Replica) Asks() []Level { return r.sides[1] }

// Snapshot fills dst (reusing its slices) with the replica's book: what a
// gateway sends a new subscriber, who then applies deltas after dst.Seq.
func (r *Replica) Snapshot(dst *Depth) {
	dst.Header = r.head
	dst.Bids = append(dst.Bids[:0], r.sides[0]...)
	dst.Asks = append(dst.Asks[:0], r.sides[1]...)
}
