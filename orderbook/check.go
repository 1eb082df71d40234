package orderbook

import (
	"errors"
	"fmt"
)

// ErrInvariant is wrapped by every error Check returns.
var ErrInvariant = errors.New("orderbook: broken invariant")

// Check walks the whole book and returns the first broken invariant, or nil.
// It is O(orders) and meant for tests and invariants builds.
func (b *Book[T]) Check() error {
	seen := 0
	for _, side := range [2]Side{Buy, Sell} {
		n, err := b.checkSide(side)
		if err != nil {
			return err
		}
		seen += n
	}
	if seen != b.index.Len() {
		return fmt.Errorf("%w: %d orders on levels, %d in index", ErrInvariant, seen, b.index.Len())
	}
	return nil
}

func (b *Book[T]) checkSide(side Side) (int, error) {
	s := b.side(side)
	if err := s.levels.check(); err != nil {
		return 0, fmt.Errorf("%w: %v %w", ErrInvariant, side, err)
	}
	var err error
	seen, first := 0, true
	var prev Price
	s.levels.scan(func(l *level[T]) bool {
		if first && s.best != l {
			err = fmt.Errorf("%w: %v best level cache is stale", ErrInvariant, side)
		} else if !first && s.key(l.price) <= s.key(prev) {
			err = fmt.Errorf("%w: %v levels out of order at %d", ErrInvariant, side, l.price)
		} else if s.levels.get(l.price) != l {
			err = fmt.Errorf("%w: %v level %d not found by its price", ErrInvariant, side, l.price)
		} else {
			var n int
			n, err = b.checkLevel(side, l)
			seen += n
		}
		first, prev = false, l.price
		return err == nil
	})
	if err == nil && first && s.best != nil {
		err = fmt.Errorf("%w: %v side empty but best level cached", ErrInvariant, side)
	}
	return seen, err
}

// check reports the first way the ladder disagrees with itself: a block
// under another key or missing from the block table, an empty block, a
// level filed off its price's step or slot (or remembering another step
// than its slot's, which remove relies on), or a wrong level count.
func (d *ladder[T]) check() error {
	var err error
	n, blocks := 0, 0
	d.tree.Scan(func(k int64, blk *block[T]) bool {
		blocks++
		switch {
		case blk.key != k:
			err = fmt.Errorf("block %d filed under key %d", blk.key, k)
		case d.blocks.Get(k) != blk:
			err = fmt.Errorf("block %d missing from the block table", k)
		case blk.occ == 0:
			err = fmt.Errorf("empty block %d", k)
		}
		for slot := range int64(blockSpan) {
			l, occupied := blk.levels[slot], blk.occ&(1<<slot) != 0
			switch {
			case err != nil:
			case occupied != (l != nil):
				err = fmt.Errorf("block %d slot %d: bit and level disagree", k, slot)
			case l == nil:
			case l.blk != blk || l.price%d.step != 0 || d.ordinal(l.price) != k<<blockShift|slot || l.ord != k<<blockShift|slot:
				err = fmt.Errorf("level %d filed under key %d", l.price, k<<blockShift|slot)
			default:
				n++
			}
		}
		return err == nil
	})
	if err == nil && blocks != d.blocks.Len() {
		err = fmt.Errorf("block table has %d blocks, tree %d", d.blocks.Len(), blocks)
	}
	if err == nil && n != d.n {
		err = fmt.Errorf("ladder counts %d levels, holds %d", d.n, n)
	}
	return err
}

func (b *Book[T]) checkLevel(side Side, l *level[T]) (int, error) {
	if l.count == 0 || l.head == nil {
		return 0, fmt.Errorf("%w: %v empty level at %d", ErrInvariant, side, l.price)
	}
	var qty Qty
	n := 0
	var prev *Order[T]
	for o := l.head; o != nil; o = o.next {
		switch {
		case o.prev != prev || o.lvl != l:
			return n, fmt.Errorf("%w: order %d links broken", ErrInvariant, o.ID)
		case o.Side != side || o.Price != l.price || o.Qty <= 0:
			return n, fmt.Errorf("%w: order %d (%v %d x %d) on %v level %d", ErrInvariant, o.ID, o.Side, o.Price, o.Qty, side, l.price)
		case b.index.Get(o.ID) != o:
			return n, fmt.Errorf("%w: order %d not in index", ErrInvariant, o.ID)
		}
		qty += o.Qty
		n++
		prev = o
	}
	if l.tail != prev || qty != l.qty || n != l.count {
		return n, fmt.Errorf("%w: %v level %d says %d x %d orders, has %d x %d", ErrInvariant, side, l.price, l.qty, l.count, qty, n)
	}
	return n, nil
}
