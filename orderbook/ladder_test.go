package orderbook

import (
	"slices"
	"testing"
)

// TestLadderRefilesOnFinerStep: a side learns its price step from the
// prices it sees, and a price off the step refiles every level on the
// finer one without losing their order. Far-apart prices sit in blocks of
// their own.
func TestLadderRefilesOnFinerStep(t *testing.T) {
	b := New[string]()
	id := OrderID(0)
	for _, tc := range []struct {
		price Price
		step  Price
	}{
		{71_000, 71_000}, {70_000, 1_000}, {69_000, 1_000}, {70_950, 50},
		{70_001, 1}, {7_000_000_000, 1}, {1, 1}, {69_999, 1},
	} {
		for _, side := range []Side{Buy, Sell} {
			id++
			b.Add(id, side, tc.price, 1, "")
			mustCheck(t, b)
			if got := b.side(side).levels.step; got != tc.step {
				t.Errorf("%v after %d: step %d, want %d", side, tc.price, got, tc.step)
			}
		}
	}
	want := []Price{1, 69_000, 69_999, 70_000, 70_001, 70_950, 71_000, 7_000_000_000}
	for _, side := range []Side{Sell, Buy} {
		var got []Price
		b.Levels(side, func(l Level) bool { got = append(got, l.Price); return true })
		if !slices.Equal(got, want) {
			t.Errorf("%v levels %v, want %v", side, got, want)
		}
		if n := b.side(side).levels.blocks.Len(); n != 6 {
			t.Errorf("%v holds %d blocks, want 6 (64 steps of 1 KRW each: 1; 69,000; 69,999-70,001; 70,950; 71,000; 7e9)", side, n)
		}
		slices.Reverse(want)
	}
	// Emptying the best level of a block finds the next in it, then the
	// next block once the block is empty.
	for id > 0 {
		b.Remove(b.Head(Sell))
		b.Remove(b.Head(Buy))
		id -= 2
		mustCheck(t, b)
	}
}
