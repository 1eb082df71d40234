package orderbook

import (
	"math/rand/v2"
	"runtime"
	"testing"
)

// payload is the size of what the engine keeps on each resting order.
type payload struct {
	account, clientOrderID string
	typ, tif, stp          uint8
	origQty, cumQty        int64
	cumValue               int64
	seq                    uint64
}

// samplePayload's strings are shared, so benchmarks measure the book's own
// memory, not the caller's strings.
var samplePayload = payload{
	account: "ACC-0001234567", clientOrderID: "CL-20260101-000001",
	typ: 1, tif: 1, stp: 0, origQty: 10, cumQty: 0, cumValue: 0, seq: 1,
}

// krxTick is the KRX equity tick size at price p (the 2023 table).
func krxTick(p Price) Price {
	switch {
	case p < 2_000:
		return 1
	case p < 5_000:
		return 5
	case p < 20_000:
		return 10
	case p < 50_000:
		return 50
	case p < 200_000:
		return 100
	case p < 500_000:
		return 500
	}
	return 1_000
}

// krxMid is where the benchmark books are centred: asks from it upwards, bids
// from one tick below it downwards, each side on the KRX tick ladder. It is
// high enough that the deep book's 5,000 bid levels stay above zero (below
// 60,000 KRW the ladder has only about 4,800 prices).
const (
	krxMid        Price = 600_000
	krxLadderSize int   = 6_000
)

var bidLadder, askLadder = krxLadders()

func krxLadders() (bids, asks []Price) {
	bids, asks = make([]Price, krxLadderSize), make([]Price, krxLadderSize)
	bp, ap := krxMid, krxMid
	for k := range krxLadderSize {
		bp -= krxTick(bp - 1)
		bids[k], asks[k] = bp, ap
		ap += krxTick(ap)
	}
	return bids, asks
}

// krxLevel is the k-th price of side away from the mid, k >= 0.
func krxLevel(side Side, k int) Price {
	if side == Buy {
		return bidLadder[k]
	}
	return askLadder[k]
}

// krxPrice is the k-th price of a ladder that both sides share, for the
// steady-state book (which does not care whether it is crossed).
func krxPrice(k Price) Price { return askLadder[k] }

// BenchmarkAdd adds orders to a growing book (up to 64k orders, then a new
// book), over 750 levels per side: the cost of Add while nothing is recycled.
func BenchmarkAdd(b *testing.B) {
	const chunk = 1 << 16
	var bk *Book[payload]
	b.ReportAllocs()
	for i := range b.N {
		if i%chunk == 0 {
			b.StopTimer()
			bk = New[payload]()
			b.StartTimer()
		}
		id := OrderID(i)
		side := steadySide(id)
		bk.Add(id, side, krxLevel(side, int(uint64(id)*0x9e3779b97f4a7c15>>32)%750), 10, samplePayload)
	}
}

// BenchmarkCancel removes orders in random order from books of 64k orders over
// 750 levels per side.
func BenchmarkCancel(b *testing.B) {
	const chunk = 1 << 16
	rng := rand.New(rand.NewPCG(1, 2))
	var bk *Book[payload]
	orders := make([]*Order[payload], 0, chunk)
	b.ReportAllocs()
	for range b.N {
		if len(orders) == 0 {
			b.StopTimer()
			bk = New[payload]()
			for j := range chunk {
				side := Buy + Side(j&1)
				orders = append(orders, bk.Add(OrderID(j), side, krxLevel(side, rng.IntN(750)), 10, samplePayload))
			}
			rng.Shuffle(len(orders), func(i, j int) { orders[i], orders[j] = orders[j], orders[i] })
			b.StartTimer()
		}
		bk.Remove(orders[len(orders)-1])
		orders = orders[:len(orders)-1]
	}
}

// BenchmarkAddCancelSteady adds an order and cancels the oldest on a book
// that holds about 1,000 orders over 750 levels: the engine's steady state.
func BenchmarkAddCancelSteady(b *testing.B) {
	s := newSteady(b)
	b.ReportAllocs()
	for b.Loop() {
		s.cycle()
	}
}

// BenchmarkMatchSweep sweeps a taker through the best makers of a side (Head
// and Reduce, about three makers per sweep, often across levels) and then
// refills the book with as many orders as left it, on the steady-state book.
func BenchmarkMatchSweep(b *testing.B) {
	s := newSteady(b)
	side := Sell
	fills := 0
	b.ReportAllocs()
	for b.Loop() {
		before := s.b.Len()
		left := Qty(5 * steadyQty / 2)
		for left > 0 {
			m := s.b.Head(side)
			n := min(left, m.Qty)
			m.Data.cumQty += int64(n)
			s.b.Reduce(m, n)
			left -= n
			fills++
		}
		for s.b.Len() < before {
			s.add()
		}
		side = side.Opposite()
	}
	b.ReportMetric(float64(fills)/float64(b.N), "fills/op")
}

// BenchmarkDeepBook builds a book of 1,000,000 resting orders over 10,000
// levels (5,000 a side, 100 orders each) and reports the heap it takes per
// order: the Order with its payload, the index entry, and the levels and tree
// nodes shared by the orders of a level. Run it with -benchtime=1x.
func BenchmarkDeepBook(b *testing.B) {
	const (
		orders    = 1_000_000
		perSide   = 5_000
		perLevels = orders / (2 * perSide)
	)
	var perOrder float64
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		before := heapInUse()
		b.StartTimer()
		bk := New[payload]()
		id := OrderID(0)
		// Arrival interleaves the levels, as a real day does.
		for range perLevels {
			for k := range perSide {
				for _, side := range [2]Side{Buy, Sell} {
					bk.Add(id, side, krxLevel(side, k), 10, samplePayload)
					id++
				}
			}
		}
		b.StopTimer()
		after := heapInUse()
		b.StartTimer()
		if bk.Len() != orders {
			b.Fatalf("Len() = %d, want %d", bk.Len(), orders)
		}
		perOrder = float64(after-before) / orders
		runtime.KeepAlive(bk)
	}
	b.ReportMetric(perOrder, "B/order")
}

// heapInUse returns the live heap after a full collection.
func heapInUse() uint64 {
	var m runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}
