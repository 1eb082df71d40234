package orderbook

import (
	"errors"
	"strings"
	"testing"
)

// TestCheckFindsCorruption breaks one invariant at a time behind the book's
// back and checks that Check reports it. Every other test trusts Check, so it
// must not pass a broken book.
func TestCheckFindsCorruption(t *testing.T) {
	tests := []struct {
		name    string
		corrupt func(b *Book[string])
		want    string
	}{
		{"level qty", func(b *Book[string]) { b.Get(1).lvl.qty++ }, "says"},
		{"level count", func(b *Book[string]) { b.Get(1).lvl.count-- }, "says"},
		{"level tail", func(b *Book[string]) { b.Get(1).lvl.tail = b.Get(1) }, "says"},
		{"order qty zero", func(b *Book[string]) { o := b.Get(2); o.lvl.qty -= o.Qty; o.Qty = 0 }, "on buy level"},
		{"order side", func(b *Book[string]) { b.Get(2).Side = Sell }, "on buy level"},
		{"order price", func(b *Book[string]) { b.Get(2).Price++ }, "on buy level"},
		{"prev link", func(b *Book[string]) { b.Get(2).prev = nil }, "links broken"},
		{"order's level", func(b *Book[string]) { b.Get(2).lvl = b.Get(3).lvl }, "links broken"},
		{"order not in index", func(b *Book[string]) { b.index.Del(2) }, "not in index"},
		{"index entry under another id", func(b *Book[string]) { b.index.Put(2, b.Get(1)) }, "not in index"},
		{"index entry not on a level", func(b *Book[string]) { b.index.Put(99, &Order[string]{ID: 99}) }, "in index"},
		{"empty level", func(b *Book[string]) {
			s := &b.asks
			l := &level[string]{price: 200}
			s.levels.insert(l)
		}, "empty level"},
		{"stale best cache", func(b *Book[string]) { b.asks.best = b.asks.levels.get(102) }, "best level cache is stale"},
		{"best cached on an empty side", func(b *Book[string]) {
			b.asks.levels = ladder[string]{sign: 1}
			for id := range OrderID(6) {
				if o := b.index.Get(id); o != nil && o.Side == Sell {
					b.index.Del(id)
				}
			}
		}, "empty but best level cached"},
		{"key", func(b *Book[string]) {
			l := b.Get(3).lvl
			unfile(&b.bids.levels, 99)
			file(&b.bids.levels, 98, l)
		}, "filed under key"},
		{"remembered step", func(b *Book[string]) { b.Get(3).lvl.ord++ }, "filed under key"},
		{"duplicate level", func(b *Book[string]) { file(&b.bids.levels, 98, b.Get(3).lvl) }, "filed under key"},
		{"bit without a level", func(b *Book[string]) {
			d := &b.bids.levels
			d.ladderBlock(99).occ |= 1 << (d.ordinal(98) & (blockSpan - 1))
		}, "bit and level disagree"},
		{"empty block", func(b *Book[string]) { b.asks.levels.newBlock(1 << 20) }, "empty block"},
		{"block missing from the table", func(b *Book[string]) { b.asks.levels.blocks.Del(b.asks.levels.ordinal(101) >> blockShift) }, "missing from the block table"},
		{"stray block table entry", func(b *Book[string]) { b.asks.levels.blocks.Put(1<<20, &block[string]{}) }, "block table has"},
		{"ladder level count", func(b *Book[string]) { b.asks.levels.n++ }, "ladder counts"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := build(t,
				order{1, Buy, 100, 1}, order{2, Buy, 100, 2}, order{3, Buy, 99, 3},
				order{4, Sell, 101, 4}, order{5, Sell, 102, 5},
			)
			tt.corrupt(b)
			err := b.Check()
			if !errors.Is(err, ErrInvariant) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Check() after corrupting the %s = %v, want an ErrInvariant containing %q", tt.name, err, tt.want)
			}
		})
	}
}

// ladderBlock is the block holding price's step, which must exist.
func (d *ladder[T]) ladderBlock(price Price) *block[T] {
	return d.blocks.Get(d.ordinal(price) >> blockShift)
}

// file and unfile set and clear a slot of the block holding 99 behind the
// ladder's back (the test book's bids share one block).
func file[T any](d *ladder[T], price Price, l *level[T]) {
	blk, slot := d.ladderBlock(99), d.ordinal(price)&(blockSpan-1)
	blk.levels[slot] = l
	blk.occ |= 1 << slot
}

func unfile[T any](d *ladder[T], price Price) {
	blk, slot := d.ladderBlock(99), d.ordinal(price)&(blockSpan-1)
	blk.levels[slot] = nil
	blk.occ &^= 1 << slot
}
