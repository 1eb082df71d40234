package orderbook

import (
	"testing"

	"github.com/mts-krx/mts/internal/invariants"
)

// The Memory section of the package doc promises that in steady state — as
// many orders leave as arrive — Add, Remove, Reduce and matching allocate
// nothing. These tests hold it to that on a book shaped like a liquid KRX
// instrument (about 1,000 orders over 750 levels), with levels appearing and
// disappearing all the time so that the ladder, the map and both free lists are
// exercised.
//
// Each test measures one AllocsPerRun "run" of steadyOps operations, so the
// figure is the exact number of allocations over all of them, not an average
// rounded down to zero.

const (
	steadyOps    = 20_000
	steadyOrders = 1_000
	steadyLevels = 750
	steadyQty    = 1_000 // leaves room for steadyOps partial Reduces by 1
)

// steady is a book in steady state: it always holds steadyOrders orders, ids
// next-steadyOrders up to next, spread over about steadyLevels prices per side.
type steady struct {
	b    *Book[payload]
	next OrderID
}

// steadyPrice scatters ids over the levels of a side: a multiplicative hash so
// that consecutive ids land on different levels and levels empty and refill.
func steadyPrice(id OrderID) Price {
	k := Price(uint64(id)*0x9e3779b97f4a7c15>>32) % steadyLevels
	return krxPrice(k)
}

func steadySide(id OrderID) Side { return Buy + Side(id&1) }

func newSteady(t testing.TB) *steady {
	// The allocations that matter are the production build's: invariants
	// builds walk the whole book on every mutation, and the race runtime
	// allocates on its own.
	if invariants.Enabled {
		t.Skip("skipped in invariants builds")
	}
	if raceEnabled {
		t.Skip("skipped under -race")
	}
	s := &steady{b: New[payload]()}
	// Run the cycle a few times over before measuring, so that the map, the
	// free lists and the tree nodes have grown to their steady size.
	for range steadyOrders {
		s.add()
	}
	for range 10 * steadyOrders {
		s.cycle()
	}
	mustCheck(t, s.b)
	return s
}

func (s *steady) add() *Order[payload] {
	id := s.next
	s.next++
	return s.b.Add(id, steadySide(id), steadyPrice(id), steadyQty, samplePayload)
}

// oldest returns the order that has rested longest.
func (s *steady) oldest() *Order[payload] { return s.b.Get(s.next - steadyOrders) }

// cycle cancels the oldest order and adds one.
func (s *steady) cycle() {
	s.b.Remove(s.oldest())
	s.add()
}

// assertNoAllocs runs op steadyOps times inside one AllocsPerRun run.
func assertNoAllocs(t *testing.T, s *steady, what string, op func()) {
	t.Helper()
	assertNoAllocsN(t, s, steadyOps, what, op)
}

func assertNoAllocsN(t *testing.T, s *steady, ops int, what string, op func()) {
	t.Helper()
	got := testing.AllocsPerRun(1, func() {
		for range ops {
			op()
		}
	})
	mustCheck(t, s.b)
	if got != 0 {
		t.Errorf("%d steady-state %s allocated %v times, want 0", ops, what, got)
	}
	if n := s.b.Len(); n < steadyOrders/2 || n > 2*steadyOrders {
		t.Errorf("after %d %s the book holds %d orders, want about %d: not steady", ops, what, n, steadyOrders)
	}
}

func TestAllocsAddCancel(t *testing.T) {
	s := newSteady(t)
	assertNoAllocs(t, s, "Add+Remove pairs (levels come and go)", s.cycle)
}

// TestAllocsAddCancelSameLevels: when the levels stay (the common case near
// the touch, where orders join and leave existing levels), Add and Remove
// allocate nothing at all.
func TestAllocsAddCancelSameLevels(t *testing.T) {
	s := newSteady(t)
	best, ok := s.b.Best(Buy)
	if !ok {
		t.Fatal("no resting bid to join")
	}
	assertNoAllocs(t, s, "Add+Remove pairs at an existing level", func() {
		o := s.b.Add(s.next, Buy, best.Price, steadyQty, samplePayload)
		s.next++
		s.b.Remove(o)
	})
}

// TestAllocsMove moves orders about the book the way amends do, to prices
// that often have no level yet: a move can empty one level and create
// another. Levels and ladder blocks come from free lists, and the ladder's
// tree changes only when a block opens or empties, so even that allocates
// nothing once the book is steady.
func TestAllocsMove(t *testing.T) {
	s := newSteady(t)
	i := OrderID(0)
	move := func() {
		o := s.b.Get(s.next - steadyOrders + i%steadyOrders)
		s.b.Move(o, steadyPrice(o.ID+i*7919), o.Qty)
		i++
	}
	for range 10 * steadyOrders {
		move() // moves spread the orders differently from newSteady's cycle
	}
	assertNoAllocs(t, s, "Moves (levels come and go)", move)
}

func TestAllocsReduce(t *testing.T) {
	s := newSteady(t)
	// A partial Reduce of a resting order, rotating through the book.
	i := OrderID(0)
	assertNoAllocs(t, s, "partial Reduces", func() {
		s.b.Reduce(s.b.Get(s.next-steadyOrders+i%steadyOrders), 1)
		i++
	})
	// A Reduce to zero (the last fill of a maker) balanced by an Add: levels
	// come and go.
	assertNoAllocs(t, s, "Reduce-to-zero+Add pairs", func() {
		o := s.oldest()
		if s.b.Reduce(o, o.Qty) {
			t.Fatalf("Reduce(#%d, %d) by its whole quantity = true, want false", o.ID, o.Qty)
		}
		s.add()
	})
}

// TestAllocsMatchSweep sweeps the best levels of one side with a taker the way
// matching does (Head, Reduce, repeat), then refills the book with as many
// orders as the sweep took off.
func TestAllocsMatchSweep(t *testing.T) {
	s := newSteady(t)
	side := Sell
	assertNoAllocs(t, s, "match sweeps", func() {
		before := s.b.Len()
		left := Qty(5 * steadyQty / 2) // two or three makers
		for left > 0 {
			m := s.b.Head(side)
			if m == nil {
				break
			}
			n := min(left, m.Qty)
			m.Data.cumQty += int64(n) // the engine's bookkeeping, on the maker
			s.b.Reduce(m, n)
			left -= n
		}
		for s.b.Len() < before {
			s.add()
		}
		side = side.Opposite()
	})
}

func TestAllocsReads(t *testing.T) {
	s := newSteady(t)
	buf := make([]Level, 0, 2*steadyLevels)
	var levels, orders int
	var qty Qty
	reads := []struct {
		name string
		read func()
	}{
		{"Depth(10) into a reused buffer", func() { buf = s.b.Depth(Buy, 10, buf[:0]) }},
		{"Depth(all) into a reused buffer", func() { buf = s.b.Depth(Sell, steadyLevels+1, buf[:0]) }},
		{"Levels", func() {
			s.b.Levels(Buy, func(l Level) bool { levels++; return levels%5 != 0 })
		}},
		{"Orders", func() {
			s.b.Orders(Sell, func(o *Order[payload]) bool { orders++; return orders%7 != 0 })
		}},
		{"Head, Best, LevelAt, Get", func() {
			h := s.b.Head(Buy)
			l, _ := s.b.Best(Sell)
			qty += h.Qty + l.Qty + s.b.LevelAt(Buy, h.Price).Qty + s.b.Get(h.ID).Qty
		}},
	}
	for _, r := range reads {
		t.Run(r.name, func(t *testing.T) {
			// Reads change nothing, so a few repeat what many would show.
			assertNoAllocsN(t, s, 1_000, r.name, r.read)
		})
	}
}
