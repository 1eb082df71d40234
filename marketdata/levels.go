package marketdata

import (
	"math/bits"

	"github.com/mts-krx/mts/matching"
)

// grid maps the valid prices of one instrument, every price on the tick of
// its own band within the daily limits, to dense indices 0..n-1 in
// ascending price. It is a handful of segments, one per tick band the
// limits cross (at most seven for a stock, one for an ETF).
type grid struct {
	segs []segment
	n    int
}

type segment struct {
	from, to Price // on-tick prices, inclusive
	tick     Price
	base     int // index of from
}

func newGrid(in *matching.Instrument) grid {
	lower, upper := in.Limits()
	var g grid
	for p := lower; p <= upper; {
		if !in.Tick.OnTick(p) {
			p++ // explicit limits off the grid: the first valid price is above
			continue
		}
		t := in.Tick.Tick(p)
		if k := len(g.segs); k > 0 && g.segs[k-1].tick == t && g.segs[k-1].to+t == p {
			g.segs[k-1].to = p
		} else {
			g.segs = append(g.segs, segment{from: p, to: p, tick: t, base: g.n})
		}
		g.n++
		p += t
	}
	return g
}

// index returns the index of price p, or false if p is not a valid price.
func (g *grid) index(p Price) (int, bool) {
	for _, s := range g.segs {
		if p >= s.from && p <= s.to {
			if (p-s.from)%s.tick != 0 {
				return 0, false
			}
			return s.base + int((p-s.from)/s.tick), true
		}
	}
	return 0, false
}

// price returns the price at index i.
func (g *grid) price(i int) Price {
	for _, s := range g.segs {
		if n := int((s.to-s.from)/s.tick) + 1; i < s.base+n {
			return s.from + Price(i-s.base)*s.tick
		}
	}
	panic("marketdata: grid index out of range")
}

// ladder is one side of one book: every valid price's level, indexed by
// grid index, and a bitmap of the occupied ones. Setting a level is O(1);
// finding the next occupied level skips 64 empty prices a step, so walking
// the top N stays cheap in a sparse book. Memory is fixed at construction
// by the number of valid prices (a few hundred to a few thousand for a
// stock; 18,001 for the benchmark's ETF): the bound on levels per side.
type ladder struct {
	buy    bool
	levels []Level
	occ    []uint64
	best   int // index of the best occupied level, -1 when empty
}

func newLadder(side Side, g *grid) ladder {
	l := ladder{buy: side == matching.Buy, levels: make([]Level, g.n), occ: make([]uint64, (g.n+63)/64), best: -1}
	for i := range l.levels {
		l.levels[i].Price = g.price(i)
	}
	return l
}

// set gives the level at index i its new total; qty 0 empties it.
func (l *ladder) set(i int, qty Qty, count int) {
	l.levels[i].Qty, l.levels[i].Count = qty, count
	if qty > 0 {
		l.occ[i>>6] |= 1 << (i & 63)
		if l.best < 0 || l.better(i, l.best) {
			l.best = i
		}
		return
	}
	l.occ[i>>6] &^= 1 << (i & 63)
	if i == l.best {
		l.best = l.worse(i)
	}
}

func (l *ladder) better(i, j int) bool { return (i > j) == l.buy }

// worse returns the next occupied index behind i (lower for bids, higher
// for asks), or -1.
func (l *ladder) worse(i int) int {
	if l.buy {
		return prevSet(l.occ, i)
	}
	return nextSet(l.occ, i)
}

// top appends the best n levels, best first.
func (l *ladder) top(dst []Level, n int) []Level {
	for i, k := l.best, 0; i >= 0 && k < n; i, k = l.worse(i), k+1 {
		dst = append(dst, l.levels[i])
	}
	return dst
}

// nextSet returns the lowest set bit above i, or -1.
func nextSet(occ []uint64, i int) int {
	i++
	w := i >> 6
	if w >= len(occ) {
		return -1
	}
	if m := occ[w] >> (i & 63); m != 0 {
		return i + bits.TrailingZeros64(m)
	}
	for w++; w < len(occ); w++ {
		if occ[w] != 0 {
			return w<<6 + bits.TrailingZeros64(occ[w])
		}
	}
	return -1
}

// prevSet returns the highest set bit below i, or -1.
func prevSet(occ []uint64, i int) int {
	i--
	if i < 0 {
		return -1
	}
	w := i >> 6
	if m := occ[w] << (63 - i&63); m != 0 {
		return i - bits.LeadingZeros64(m)
	}
	for w--; w >= 0; w-- {
		if occ[w] != 0 {
			return w<<6 + 63 - bits.LeadingZeros64(occ[w])
		}
	}
	return -1
}

// diffTop appends to dst the changes that turn the window before into the
// window after (both best first, on one side): a level in both with a new
// quantity or count, a level only in after (it entered), and a level only
// in before (it left: quantity 0). The changes come out best price first.
func diffTop(dst []Change, side Side, before, after []Level) []Change {
	i, j := 0, 0
	for i < len(before) || j < len(after) {
		switch {
		case j == len(after) || (i < len(before) && better(side, before[i].Price, after[j].Price)):
			dst = append(dst, Change{Side: side, Price: before[i].Price})
			i++
		case i == len(before) || better(side, after[j].Price, before[i].Price):
			a := after[j]
			dst = append(dst, Change{Side: side, Price: a.Price, Qty: a.Qty, Count: a.Count})
			j++
		default: // the same price in both
			if b, a := before[i], after[j]; a != b {
				dst = append(dst, Change{Side: side, Price: a.Price, Qty: a.Qty, Count: a.Count})
			}
			i, j = i+1, j+1
		}
	}
	return dst
}
