package orderbook

import (
	"math/rand/v2"
	"testing"
)

// TestAppendOrders: the interleaved walk lists exactly what Orders lists, in
// the same order, up to the price bound, after what dst already held; on
// books from one level to hundreds, with levels of one order to many.
func TestAppendOrders(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for round := range 200 {
		b := New[string]()
		levels := 1 + r.IntN(300)
		n := OrderID(1 + r.IntN(3000))
		for id := OrderID(1); id <= n; id++ {
			side := Side(1 + r.IntN(2))
			b.Add(id, side, Price(1000+r.IntN(levels)), 1, "")
		}
		for _, side := range []Side{Buy, Sell} {
			bound := Price(1000 + r.IntN(levels+1))
			within := func(p Price) bool { return side == Buy && p >= bound || side == Sell && p <= bound }
			want := []*Order[string]{nil}
			b.Orders(side, func(o *Order[string]) bool {
				if !within(o.Price) {
					return false
				}
				want = append(want, o)
				return true
			})
			got := b.AppendOrders([]*Order[string]{nil}, side, within)
			if len(got) != len(want) {
				t.Fatalf("round %d %s bound %d: %d orders, want %d", round, side, bound, len(got)-1, len(want)-1)
			}
			for i := range want {
				if got[i] != want[i] {
					t.Fatalf("round %d %s bound %d: order %d differs", round, side, bound, i)
				}
			}
		}
	}
}
