package benchgen

import (
	"fmt"
	"sort"

	"github.com/mts-krx/mts/matching"
)

// ladder is every valid price of an instrument, ascending: each price on the
// tick of its own band and inside the daily limits. The generator works in
// ladder indices ("ticks from the lower limit"), so any price it can form is
// valid by construction, whatever the tick scheme; an index converts to a
// price only when a command is written.
type ladder []matching.Price

// newLadder lists the valid prices of in. Stepping by the tick of the current
// price lands on the grid of the next band too, because every KRX band starts
// at a multiple of its own tick (2,000, 5,000, 20,000, …); the check below
// would catch a table where that failed.
func newLadder(in *matching.Instrument) ladder {
	lo, hi := in.Limits()
	p := lo
	for !in.Tick.OnTick(p) {
		p++ // explicit reference-data limits need not be on tick
	}
	var l ladder
	for ; p <= hi; p += in.Tick.Tick(p) {
		if !in.Tick.OnTick(p) {
			panic(fmt.Sprintf("benchgen: stepping the tick table reached off-tick price %d", p))
		}
		l = append(l, p)
	}
	return l
}

// at returns the index of the highest price at or below p (or 0).
func (l ladder) at(p matching.Price) int32 {
	i := sort.Search(len(l), func(i int) bool { return l[i] > p })
	return int32(max(i-1, 0))
}

// atOrAbove returns the index of the lowest price at or above p (or the last).
func (l ladder) atOrAbove(p matching.Price) int32 {
	i := sort.Search(len(l), func(i int) bool { return l[i] >= p })
	return int32(min(i, len(l)-1))
}
