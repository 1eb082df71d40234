package orderbook

import (
	"math/bits"

	"github.com/mts-krx/mts/internal/inttable"
	"github.com/tidwall/btree"
)

// ladder keeps one side's levels in best-first order. The btree orders
// blocks of blockSpan consecutive price steps; each block holds a bitmap of
// its occupied steps and their levels.
//
// Why not one tree entry per level: on a thin book (about one order per
// level, as in exchange-core's mix) most amends empty a level and open
// another, and a tree insert or delete (a binary search through nodes that
// miss the cache, a memmove, sometimes a rebalance) was 40% of a command.
// Within a block a level appearing or going is a bit flip; the tree changes
// only when a whole block of 64 steps opens or empties, which a live book
// rarely does. The price step is learnt from the prices themselves (their
// greatest common divisor, see stepFor), so a block spans 64 ticks of the
// instrument's grid without the book knowing the tick table.
type ladder[T any] struct {
	tree   btree.Map[int64, *block[T]]
	blocks inttable.Table[int64, block[T]] // the tree's blocks by key, found without a search
	step   Price                           // every price on the side is a multiple of it
	sign   Price                           // +1 for asks, -1 for bids: sign*price ascends best-first
	n      int                             // levels
	free   []*block[T]
}

const (
	blockShift = 6
	blockSpan  = 1 << blockShift // price steps per block: one bitmap word
)

type block[T any] struct {
	key    int64 // ordinal >> blockShift
	occ    uint64
	levels [blockSpan]*level[T]
}

// ordinal is price's position on the side's grid, ascending best-first.
func (d *ladder[T]) ordinal(p Price) int64 { return int64(d.sign * p / d.step) }

// get returns the level at price p, or nil. It is the book's lookup by
// price: one division and one probe of the block table.
func (d *ladder[T]) get(p Price) *level[T] {
	if d.step == 0 {
		return nil
	}
	o := d.ordinal(p)
	if Price(o)*d.step != d.sign*p {
		return nil // off the step: no level can be there
	}
	if b := d.blocks.Get(o >> blockShift); b != nil {
		return b.levels[o&(blockSpan-1)]
	}
	return nil
}

// insert files l, which must not be on the ladder yet.
func (d *ladder[T]) insert(l *level[T]) {
	if d.step == 0 || l.price%d.step != 0 {
		d.regrid(stepFor(d.step, l.price))
	}
	o := d.ordinal(l.price)
	l.ord = o
	k, slot := o>>blockShift, o&(blockSpan-1)
	b := d.blocks.Get(k)
	if b == nil {
		b = d.newBlock(k)
	}
	b.occ |= 1 << slot
	b.levels[slot] = l
	l.blk = b
	d.n++
}

// remove takes l off the ladder.
func (d *ladder[T]) remove(l *level[T]) {
	b, slot := l.blk, l.ord&(blockSpan-1)
	b.occ &^= 1 << slot
	b.levels[slot] = nil
	l.blk = nil
	d.n--
	if b.occ == 0 {
		d.tree.Delete(b.key)
		d.blocks.Del(b.key)
		d.free = append(d.free, b)
	}
}

// min returns the best level, or nil.
func (d *ladder[T]) min() *level[T] {
	_, b, ok := d.tree.Min()
	if !ok {
		return nil
	}
	return b.levels[bits.TrailingZeros64(b.occ)]
}

// nextIn returns the best level after the best one just removed from b,
// or nil: usually the next one in the same block, else the tree's first.
func (d *ladder[T]) nextIn(b *block[T]) *level[T] {
	if b.occ != 0 {
		return b.levels[bits.TrailingZeros64(b.occ)]
	}
	return d.min()
}

// scan calls fn for each level best first until fn returns false.
func (d *ladder[T]) scan(fn func(*level[T]) bool) {
	d.tree.Scan(func(_ int64, b *block[T]) bool {
		for occ := b.occ; occ != 0; occ &= occ - 1 {
			if !fn(b.levels[bits.TrailingZeros64(occ)]) {
				return false
			}
		}
		return true
	})
}

func (d *ladder[T]) len() int { return d.n }

func (d *ladder[T]) newBlock(k int64) *block[T] {
	var b *block[T]
	if n := len(d.free); n > 0 {
		b, d.free = d.free[n-1], d.free[:n-1]
	} else {
		b = new(block[T])
	}
	b.key = k
	d.tree.Set(k, b)
	d.blocks.Put(k, b)
	return b
}

// regrid refiles every level on a finer step. It runs when a price off the
// current step arrives: a few times while a new book sees its first prices,
// then (the step having reached the tick grid) practically never.
func (d *ladder[T]) regrid(step Price) {
	var all []*level[T]
	d.scan(func(l *level[T]) bool { all = append(all, l); return true })
	d.tree.Clear()
	d.blocks = inttable.Table[int64, block[T]]{}
	d.free, d.n, d.step = nil, 0, step
	for _, l := range all {
		d.insert(l)
	}
}

// stepFor is the coarsest step that divides both the current step (0 for
// none yet) and p: their greatest common divisor.
func stepFor(step, p Price) Price {
	for step != 0 {
		p, step = step, p%step
	}
	return p
}
