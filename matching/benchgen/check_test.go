package benchgen

import (
	"fmt"
	"slices"

	"github.com/mts-krx/mts/matching"
)

// check walks the whole model and returns the first broken invariant.
func (b *book) check() error {
	var count, occupied [2]int
	var best [2]int32 = [2]int32{-1, -1}
	for si := range 2 {
		side := matching.Side(si + 1)
		for idx, l := range b.levels[si] {
			var n int32
			var prev matching.OrderID
			for id := l.head; id != 0; id = b.orders[id].next {
				o := &b.orders[id]
				if o.prev != prev || o.side != side || o.idx != int32(idx) || o.qty <= 0 || o.slot < 0 || b.resting[o.slot] != id {
					return fmt.Errorf("order %d at side %v idx %d inconsistent: %+v", id, side, idx, *o)
				}
				prev = id
				n++
			}
			if n != l.n || l.tail != prev {
				return fmt.Errorf("level %v/%d count %d, walked %d", side, idx, l.n, n)
			}
			if n > 0 {
				count[si] += int(n)
				occupied[si]++
				if best[si] < 0 || better(side, int32(idx), best[si]) {
					best[si] = int32(idx)
				}
			}
		}
	}
	if count != b.count || occupied != b.occupied || best != b.best {
		return fmt.Errorf("count %v occupied %v best %v, walked %v %v %v", b.count, b.occupied, b.best, count, occupied, best)
	}
	if len(b.resting) != count[0]+count[1] {
		return fmt.Errorf("resting list has %d, book %d", len(b.resting), count[0]+count[1])
	}
	want := slices.Clone(b.resting)
	slices.Sort(want)
	want = want[:min(len(want), b.windowLen)]
	got := slices.Clone(b.window)
	slices.Sort(got)
	if !slices.Equal(got, want) {
		return fmt.Errorf("pick window %v, want the oldest resting %v", got[:min(8, len(got))], want[:min(8, len(want))])
	}
	for i, id := range b.window {
		if b.orders[id].win != int32(i) {
			return fmt.Errorf("window slot %d holds %d, which says %d", i, id, b.orders[id].win)
		}
	}
	return nil
}
