package marketdata

import (
	"math/rand/v2"
	"testing"

	"github.com/mts-krx/mts/matching"
	"github.com/mts-krx/mts/matching/benchgen"
)

// TestGrid checks the price grid against a naive scan of every integer
// price, for the sample instruments, the benchmark ETF and explicit limits
// that lie off the tick grid.
func TestGrid(t *testing.T) {
	ins := append(sampleInstruments(t), benchgen.Instrument(),
		matching.Instrument{Symbol: "OFF", BasePrice: 10_000, LowerLimit: 7_003, UpperLimit: 19_997, Tick: matching.TickStock},
		matching.Instrument{Symbol: "LOW", BasePrice: 3, Tick: matching.TickStock})
	for _, in := range ins {
		g := newGrid(&in)
		want := validPrices(in)
		if g.n != len(want) {
			t.Errorf("%s: grid of %d prices, want %d", in.Symbol, g.n, len(want))
			continue
		}
		for i, p := range want {
			if j, ok := g.index(p); !ok || j != i || g.price(i) != p {
				t.Errorf("%s: index(%d) = %d, %v; price(%d) = %d; want %d", in.Symbol, p, j, ok, i, g.price(i), i)
				break
			}
			if _, ok := g.index(p + 1); ok != in.Tick.OnTick(p+1) && p+1 <= want[len(want)-1] {
				t.Errorf("%s: index(%d) valid = %v", in.Symbol, p+1, ok)
			}
		}
		lo, hi := in.Limits()
		for _, p := range []Price{lo - 1, hi + 1, 0, -5} {
			if _, ok := g.index(p); ok && !(p >= want[0] && p <= want[len(want)-1]) {
				t.Errorf("%s: index(%d) valid outside the limits", in.Symbol, p)
			}
		}
	}
}

func TestBitmapScan(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for range 2000 {
		n := 1 + rng.IntN(300)
		occ := make([]uint64, (n+63)/64)
		set := make([]bool, n)
		for i := range n {
			if rng.IntN(8) == 0 {
				set[i] = true
				occ[i>>6] |= 1 << (i & 63)
			}
		}
		for i := range n {
			next, prev := -1, -1
			for j := i + 1; j < n; j++ {
				if set[j] {
					next = j
					break
				}
			}
			for j := i - 1; j >= 0; j-- {
				if set[j] {
					prev = j
					break
				}
			}
			if got := nextSet(occ, i); got != next {
				t.Fatalf("nextSet(%d) = %d, want %d (n %d)", i, got, next, n)
			}
			if got := prevSet(occ, i); got != prev {
				t.Fatalf("prevSet(%d) = %d, want %d (n %d)", i, got, prev, n)
			}
		}
	}
}
