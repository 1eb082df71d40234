package orderbook

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// mustCheck fails the test when the whole-book walk finds a broken invariant.
// Every test calls it after every operation.
func mustCheck[T any](t testing.TB, b *Book[T]) {
	t.Helper()
	if err := b.Check(); err != nil {
		t.Fatalf("Check() = %v", err)
	}
}

// order is a test's description of one Add.
type order struct {
	id    OrderID
	side  Side
	price Price
	qty   Qty
}

func (o order) String() string { return fmt.Sprintf("#%d %v %d x %d", o.id, o.side, o.price, o.qty) }

// build adds orders in the given sequence, checking after each.
func build(t *testing.T, orders ...order) *Book[string] {
	t.Helper()
	b := New[string]()
	for _, o := range orders {
		b.Add(o.id, o.side, o.price, o.qty, o.String())
		mustCheck(t, b)
	}
	return b
}

func levels(b *Book[string], s Side) []Level {
	var got []Level
	b.Levels(s, func(l Level) bool {
		got = append(got, l)
		return true
	})
	return got
}

func ids(b *Book[string], s Side) []OrderID {
	var got []OrderID
	b.Orders(s, func(o *Order[string]) bool {
		got = append(got, o.ID)
		return true
	})
	return got
}

// levelIDs follows Next from the head of the level at price.
func levelIDs(b *Book[string], s Side, price Price) []OrderID {
	var got []OrderID
	b.Orders(s, func(o *Order[string]) bool {
		if o.Price != price {
			return true
		}
		for ; o != nil; o = o.Next() {
			got = append(got, o.ID)
		}
		return false
	})
	return got
}

func headID(b *Book[string], s Side) OrderID {
	if o := b.Head(s); o != nil {
		return o.ID
	}
	return 0
}

func TestAddLevelsBestFirst(t *testing.T) {
	tests := []struct {
		name   string
		orders []order
		bids   []Level
		asks   []Level
	}{
		{"empty", nil, nil, nil},
		{
			name:   "bids descend",
			orders: []order{{1, Buy, 50_000, 1}, {2, Buy, 50_200, 2}, {3, Buy, 49_900, 3}, {4, Buy, 50_100, 4}},
			bids:   []Level{{50_200, 2, 1}, {50_100, 4, 1}, {50_000, 1, 1}, {49_900, 3, 1}},
		},
		{
			name:   "asks ascend",
			orders: []order{{1, Sell, 50_000, 1}, {2, Sell, 50_200, 2}, {3, Sell, 49_900, 3}, {4, Sell, 50_100, 4}},
			asks:   []Level{{49_900, 3, 1}, {50_000, 1, 1}, {50_100, 4, 1}, {50_200, 2, 1}},
		},
		{
			name: "both sides, levels aggregate",
			orders: []order{
				{1, Buy, 49_900, 10}, {2, Sell, 50_100, 5}, {3, Buy, 49_900, 7}, {4, Sell, 50_000, 1},
				{5, Buy, 49_800, 2}, {6, Sell, 50_100, 8}, {7, Buy, 49_950, 4}, {8, Sell, 50_100, 1},
			},
			bids: []Level{{49_950, 4, 1}, {49_900, 17, 2}, {49_800, 2, 1}},
			asks: []Level{{50_000, 1, 1}, {50_100, 14, 3}},
		},
		{
			// Call auctions rest crossed orders; the book does not care.
			name:   "crossed",
			orders: []order{{1, Buy, 51_000, 1}, {2, Sell, 49_000, 1}, {3, Buy, 49_000, 2}, {4, Sell, 51_000, 2}},
			bids:   []Level{{51_000, 1, 1}, {49_000, 2, 1}},
			asks:   []Level{{49_000, 1, 1}, {51_000, 2, 1}},
		},
		{
			name:   "one price, both sides",
			orders: []order{{1, Buy, 1_000, 1}, {2, Sell, 1_000, 2}, {3, Buy, 1_000, 3}},
			bids:   []Level{{1_000, 4, 2}},
			asks:   []Level{{1_000, 2, 1}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := build(t, tt.orders...)
			for _, s := range [2]Side{Buy, Sell} {
				want := tt.bids
				if s == Sell {
					want = tt.asks
				}
				if got := levels(b, s); !slices.Equal(got, want) {
					t.Errorf("Levels(%v) after %v = %v, want %v", s, tt.orders, got, want)
				}
				if got := b.Depth(s, 100, nil); !slices.Equal(got, want) {
					t.Errorf("Depth(%v, 100) after %v = %v, want %v", s, tt.orders, got, want)
				}
				if got := b.LevelCount(s); got != len(want) {
					t.Errorf("LevelCount(%v) after %v = %d, want %d", s, tt.orders, got, len(want))
				}
				got, ok := b.Best(s)
				if len(want) == 0 {
					if ok {
						t.Errorf("Best(%v) after %v = %v, true, want false", s, tt.orders, got)
					}
				} else if !ok || got != want[0] {
					t.Errorf("Best(%v) after %v = %v, %v, want %v, true", s, tt.orders, got, ok, want[0])
				}
			}
			if got, want := b.Len(), len(tt.orders); got != want {
				t.Errorf("Len() after %v = %d, want %d", tt.orders, got, want)
			}
		})
	}
}

func TestDepthLimit(t *testing.T) {
	b := build(t, order{1, Sell, 100, 1}, order{2, Sell, 101, 2}, order{3, Sell, 102, 3})
	all := []Level{{100, 1, 1}, {101, 2, 1}, {102, 3, 1}}
	prefix := []Level{{7, 7, 7}}
	tests := []struct {
		n    int
		buf  []Level
		want []Level
	}{
		{-1, nil, nil},
		{0, nil, nil},
		{1, nil, all[:1]},
		{2, nil, all[:2]},
		{3, nil, all},
		{4, nil, all},
		{0, prefix, prefix},
		{2, prefix, append(slices.Clone(prefix), all[:2]...)},
	}
	for _, tt := range tests {
		got := b.Depth(Sell, tt.n, slices.Clone(tt.buf))
		mustCheck(t, b)
		if !slices.Equal(got, tt.want) {
			t.Errorf("Depth(sell, %d, %v) = %v, want %v", tt.n, tt.buf, got, tt.want)
		}
	}
	if got := b.Depth(Buy, 5, nil); len(got) != 0 {
		t.Errorf("Depth(buy, 5) on a book without bids = %v, want empty", got)
	}
}

func TestLevelsStopsEarly(t *testing.T) {
	b := build(t, order{1, Buy, 100, 1}, order{2, Buy, 99, 1}, order{3, Buy, 98, 1})
	var got []Price
	b.Levels(Buy, func(l Level) bool {
		got = append(got, l.Price)
		return len(got) < 2
	})
	mustCheck(t, b)
	if want := []Price{100, 99}; !slices.Equal(got, want) {
		t.Errorf("Levels(buy) stopping after 2 visited %v, want %v", got, want)
	}
}

func TestFIFOWithinLevel(t *testing.T) {
	tests := []struct {
		name   string
		orders []order
		side   Side
		want   []OrderID // Orders walk
	}{
		{
			name:   "one level keeps arrival order",
			orders: []order{{5, Sell, 100, 1}, {3, Sell, 100, 1}, {9, Sell, 100, 1}, {1, Sell, 100, 1}},
			side:   Sell,
			want:   []OrderID{5, 3, 9, 1},
		},
		{
			name: "price first, then arrival, asks",
			orders: []order{
				{1, Sell, 101, 1}, {2, Sell, 100, 1}, {3, Sell, 101, 1}, {4, Sell, 100, 1}, {5, Sell, 102, 1},
			},
			side: Sell,
			want: []OrderID{2, 4, 1, 3, 5},
		},
		{
			name: "price first, then arrival, bids",
			orders: []order{
				{1, Buy, 99, 1}, {2, Buy, 100, 1}, {3, Buy, 99, 1}, {4, Buy, 100, 1}, {5, Buy, 98, 1},
			},
			side: Buy,
			want: []OrderID{2, 4, 1, 3, 5},
		},
		{
			name:   "the other side does not interleave",
			orders: []order{{1, Buy, 100, 1}, {2, Sell, 100, 1}, {3, Buy, 100, 1}, {4, Sell, 100, 1}},
			side:   Buy,
			want:   []OrderID{1, 3},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := build(t, tt.orders...)
			if got := ids(b, tt.side); !slices.Equal(got, tt.want) {
				t.Errorf("Orders(%v) after %v = %v, want %v", tt.side, tt.orders, got, tt.want)
			}
			if got := headID(b, tt.side); got != tt.want[0] {
				t.Errorf("Head(%v) after %v = #%d, want #%d", tt.side, tt.orders, got, tt.want[0])
			}
		})
	}
}

func TestOrdersStopsEarly(t *testing.T) {
	b := build(t, order{1, Buy, 100, 1}, order{2, Buy, 100, 1}, order{3, Buy, 99, 1}, order{4, Buy, 99, 1})
	var got []OrderID
	b.Orders(Buy, func(o *Order[string]) bool {
		got = append(got, o.ID)
		return len(got) < 3
	})
	mustCheck(t, b)
	if want := []OrderID{1, 2, 3}; !slices.Equal(got, want) {
		t.Errorf("Orders(buy) stopping after 3 visited %v, want %v", got, want)
	}
}

func TestRemove(t *testing.T) {
	// Three orders at 100, one at 101, on each side.
	book := []order{
		{1, Sell, 100, 1}, {2, Sell, 100, 2}, {3, Sell, 100, 3}, {4, Sell, 101, 4},
		{11, Buy, 90, 1}, {12, Buy, 90, 2}, {13, Buy, 90, 3}, {14, Buy, 89, 4},
	}
	tests := []struct {
		name    string
		remove  []OrderID
		side    Side
		price   Price
		wantIDs []OrderID // at price, following Next
		want    Level     // LevelAt(side, price)
	}{
		{"head", []OrderID{1}, Sell, 100, []OrderID{2, 3}, Level{100, 5, 2}},
		{"middle", []OrderID{2}, Sell, 100, []OrderID{1, 3}, Level{100, 4, 2}},
		{"tail", []OrderID{3}, Sell, 100, []OrderID{1, 2}, Level{100, 3, 2}},
		{"head then tail", []OrderID{1, 3}, Sell, 100, []OrderID{2}, Level{100, 2, 1}},
		{"whole level", []OrderID{2, 1, 3}, Sell, 100, nil, Level{100, 0, 0}},
		{"bid head", []OrderID{11}, Buy, 90, []OrderID{12, 13}, Level{90, 5, 2}},
		{"bid middle", []OrderID{12}, Buy, 90, []OrderID{11, 13}, Level{90, 4, 2}},
		{"bid tail", []OrderID{13}, Buy, 90, []OrderID{11, 12}, Level{90, 3, 2}},
		{"lone order of a worse level", []OrderID{14}, Buy, 89, nil, Level{89, 0, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := build(t, book...)
			for _, id := range tt.remove {
				b.Remove(b.Get(id))
				mustCheck(t, b)
				if o := b.Get(id); o != nil {
					t.Errorf("Get(%d) after Remove = %v, want nil", id, o.ID)
				}
			}
			if got := levelIDs(b, tt.side, tt.price); !slices.Equal(got, tt.wantIDs) {
				t.Errorf("level %v %d after Remove %v = %v, want %v", tt.side, tt.price, tt.remove, got, tt.wantIDs)
			}
			if got := b.LevelAt(tt.side, tt.price); got != tt.want {
				t.Errorf("LevelAt(%v, %d) after Remove %v = %v, want %v", tt.side, tt.price, tt.remove, got, tt.want)
			}
			if got, want := b.Len(), len(book)-len(tt.remove); got != want {
				t.Errorf("Len() after Remove %v = %d, want %d", tt.remove, got, want)
			}
			if got, want := b.LevelCount(tt.side), len(levels(b, tt.side)); got != want {
				t.Errorf("LevelCount(%v) after Remove %v = %d, want %d", tt.side, tt.remove, got, want)
			}
			if tt.want.Count == 0 {
				for _, l := range levels(b, tt.side) {
					if l.Price == tt.price {
						t.Errorf("Levels(%v) after Remove %v still has %v", tt.side, tt.remove, l)
					}
				}
			}
		})
	}
}

func TestReduceKeepsPriority(t *testing.T) {
	tests := []struct {
		name   string
		reduce OrderID
		by     Qty
		want   []OrderID // Orders walk of asks
		level  Level     // LevelAt(sell, 100)
		qty    Qty       // the reduced order's leaves
	}{
		{"head", 1, 4, []OrderID{1, 2, 3, 4}, Level{100, 56, 3}, 6},
		{"middle", 2, 19, []OrderID{1, 2, 3, 4}, Level{100, 41, 3}, 1},
		{"tail", 3, 1, []OrderID{1, 2, 3, 4}, Level{100, 59, 3}, 29},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := build(t, order{1, Sell, 100, 10}, order{2, Sell, 100, 20}, order{3, Sell, 100, 30}, order{4, Sell, 101, 1})
			o := b.Get(tt.reduce)
			if !b.Reduce(o, tt.by) {
				t.Fatalf("Reduce(#%d, %d) = false, want true", tt.reduce, tt.by)
			}
			mustCheck(t, b)
			if got := ids(b, Sell); !slices.Equal(got, tt.want) {
				t.Errorf("Orders(sell) after Reduce(#%d, %d) = %v, want %v", tt.reduce, tt.by, got, tt.want)
			}
			if got := b.LevelAt(Sell, 100); got != tt.level {
				t.Errorf("LevelAt(sell, 100) after Reduce(#%d, %d) = %v, want %v", tt.reduce, tt.by, got, tt.level)
			}
			if got := b.Get(tt.reduce); got != o || got.Qty != tt.qty {
				t.Errorf("Get(%d) after Reduce by %d = %p with qty %d, want %p with qty %d", tt.reduce, tt.by, got, got.Qty, o, tt.qty)
			}
		})
	}
}

func TestReduceToZeroRemoves(t *testing.T) {
	tests := []struct {
		name   string
		reduce []OrderID // each reduced by its whole quantity, in order
		asks   []Level
		head   OrderID
	}{
		{"head of a deep level", []OrderID{1}, []Level{{100, 5, 2}, {101, 4, 1}}, 2},
		{"middle", []OrderID{2}, []Level{{100, 4, 2}, {101, 4, 1}}, 1},
		{"whole best level", []OrderID{1, 2, 3}, []Level{{101, 4, 1}}, 4},
		{"whole book", []OrderID{4, 3, 2, 1}, nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := build(t, order{1, Sell, 100, 1}, order{2, Sell, 100, 2}, order{3, Sell, 100, 3}, order{4, Sell, 101, 4})
			for _, id := range tt.reduce {
				o := b.Get(id)
				if b.Reduce(o, o.Qty) {
					t.Fatalf("Reduce(#%d, its whole quantity) = true, want false", id)
				}
				mustCheck(t, b)
				if got := b.Get(id); got != nil {
					t.Errorf("Get(%d) after Reduce to zero = #%d, want nil", id, got.ID)
				}
			}
			if got := levels(b, Sell); !slices.Equal(got, tt.asks) {
				t.Errorf("Levels(sell) after Reduce to zero of %v = %v, want %v", tt.reduce, got, tt.asks)
			}
			if got := headID(b, Sell); got != tt.head {
				t.Errorf("Head(sell) after Reduce to zero of %v = #%d, want #%d", tt.reduce, got, tt.head)
			}
			if got, want := b.Len(), 4-len(tt.reduce); got != want {
				t.Errorf("Len() after Reduce to zero of %v = %d, want %d", tt.reduce, got, want)
			}
		})
	}
}

// TestBestAfterBestLevelEmpties walks each side's best level away one level at
// a time, by Remove and by Reduce, and checks that the cached best follows.
func TestBestAfterBestLevelEmpties(t *testing.T) {
	tests := []struct {
		side   Side
		prices []Price // best first
		reduce bool
	}{
		{Buy, []Price{103, 102, 100, 97}, false},
		{Buy, []Price{103, 102, 100, 97}, true},
		{Sell, []Price{97, 100, 102, 103}, false},
		{Sell, []Price{97, 100, 102, 103}, true},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%v reduce=%v", tt.side, tt.reduce), func(t *testing.T) {
			b := New[string]()
			// Add in an order unrelated to priority, two orders per level, and
			// keep the other side populated so that a mix-up would show.
			for i, j := range []int{2, 0, 3, 1} {
				p := tt.prices[j]
				b.Add(OrderID(10*i+1), tt.side, p, 1, "")
				b.Add(OrderID(10*i+2), tt.side, p, 2, "")
				b.Add(OrderID(10*i+3), tt.side.Opposite(), p, 5, "")
				mustCheck(t, b)
			}
			for i, p := range tt.prices {
				got, ok := b.Best(tt.side)
				if want := (Level{p, 3, 2}); !ok || got != want {
					t.Fatalf("Best(%v) with %v left = %v, %v, want %v, true", tt.side, tt.prices[i:], got, ok, want)
				}
				for range 2 {
					h := b.Head(tt.side)
					if h == nil || h.Price != p {
						t.Fatalf("Head(%v) with %v left = %v, want an order at %d", tt.side, tt.prices[i:], h, p)
					}
					if tt.reduce {
						b.Reduce(h, h.Qty)
					} else {
						b.Remove(h)
					}
					mustCheck(t, b)
				}
			}
			if got, ok := b.Best(tt.side); ok {
				t.Errorf("Best(%v) on an emptied side = %v, true, want false", tt.side, got)
			}
			if h := b.Head(tt.side); h != nil {
				t.Errorf("Head(%v) on an emptied side = #%d, want nil", tt.side, h.ID)
			}
			if got, want := levels(b, tt.side.Opposite()), 4; len(got) != want {
				t.Errorf("Levels(%v) of the untouched side = %v, want %d levels", tt.side.Opposite(), got, want)
			}
		})
	}
}

// TestBestImprovesOnAdd checks the cache when a new level beats the best.
func TestBestImprovesOnAdd(t *testing.T) {
	b := New[string]()
	for i, p := range []Price{100, 99, 101, 98, 102} {
		b.Add(OrderID(i+1), Buy, p, 1, "")
		b.Add(OrderID(i+101), Sell, p+10, 1, "")
		mustCheck(t, b)
	}
	if got, _ := b.Best(Buy); got.Price != 102 {
		t.Errorf("Best(buy) = %v, want price 102", got)
	}
	if got, _ := b.Best(Sell); got.Price != 108 {
		t.Errorf("Best(sell) = %v, want price 108", got)
	}
}

func TestLevelAtAbsent(t *testing.T) {
	b := build(t, order{1, Buy, 100, 1}, order{2, Buy, 98, 2}, order{3, Sell, 103, 3}, order{4, Sell, 104, 4})
	b.Remove(b.Get(4))
	mustCheck(t, b)
	tests := []struct {
		side  Side
		price Price
		want  Level
	}{
		{Buy, 100, Level{100, 1, 1}},
		{Buy, 99, Level{Price: 99}},   // between levels
		{Buy, 101, Level{Price: 101}}, // better than best
		{Buy, 97, Level{Price: 97}},   // worse than worst
		{Buy, 103, Level{Price: 103}}, // a price of the other side
		{Sell, 100, Level{Price: 100}},
		{Sell, 103, Level{103, 3, 1}},
		{Sell, 104, Level{Price: 104}}, // emptied
		{Sell, 0, Level{Price: 0}},
	}
	for _, tt := range tests {
		if got := b.LevelAt(tt.side, tt.price); got != tt.want {
			t.Errorf("LevelAt(%v, %d) = %v, want %v", tt.side, tt.price, got, tt.want)
		}
	}
	if got, want := New[string]().LevelAt(Sell, 5), (Level{Price: 5}); got != want {
		t.Errorf("LevelAt(sell, 5) on an empty book = %v, want %v", got, want)
	}
}

func TestLenGet(t *testing.T) {
	b := New[string]()
	mustCheck(t, b)
	if got := b.Len(); got != 0 {
		t.Errorf("Len() of a new book = %d, want 0", got)
	}
	if got := b.Get(1); got != nil {
		t.Errorf("Get(1) on a new book = #%d, want nil", got.ID)
	}
	steps := []struct {
		do      func() *Order[string]
		wantLen int
	}{
		{func() *Order[string] { return b.Add(7, Buy, 100, 5, "a") }, 1},
		{func() *Order[string] { return b.Add(3, Sell, 101, 6, "b") }, 2},
		{func() *Order[string] { return b.Add(9, Buy, 100, 7, "c") }, 3},
	}
	for i, st := range steps {
		o := st.do()
		mustCheck(t, b)
		if got := b.Len(); got != st.wantLen {
			t.Errorf("Len() after add %d = %d, want %d", i, got, st.wantLen)
		}
		if got := b.Get(o.ID); got != o {
			t.Errorf("Get(%d) = %p, want the order Add returned, %p", o.ID, got, o)
		}
	}
	o := b.Get(3)
	if o.ID != 3 || o.Side != Sell || o.Price != 101 || o.Qty != 6 || o.Data != "b" {
		t.Errorf("Get(3) = %+v, want #3 sell 101 x 6 with data b", *o)
	}
	o.Data = "changed" // Data is the caller's
	if got := b.Get(3).Data; got != "changed" {
		t.Errorf("Get(3).Data after the caller changed it = %q, want %q", got, "changed")
	}
	b.Remove(b.Get(7))
	mustCheck(t, b)
	if got := b.Len(); got != 2 {
		t.Errorf("Len() after Remove = %d, want 2", got)
	}
	if got := b.Get(7); got != nil {
		t.Errorf("Get(7) after Remove = #%d, want nil", got.ID)
	}
	// An id may come back once its order has left.
	b.Add(7, Sell, 105, 1, "again")
	mustCheck(t, b)
	if got := b.Get(7); got == nil || got.Side != Sell || got.Data != "again" {
		t.Errorf("Get(7) after re-Add = %v, want the new sell order", got)
	}
}

// TestRecycledOrderIsClean checks that a recycled order does not carry the
// previous order's links, level or payload into its new life.
func TestRecycledOrderIsClean(t *testing.T) {
	b := build(t, order{1, Sell, 100, 1}, order{2, Sell, 100, 1}, order{3, Sell, 100, 1})
	b.Remove(b.Get(2))
	mustCheck(t, b)
	o := b.Add(4, Buy, 90, 1, "")
	mustCheck(t, b)
	if o.Next() != nil || o.Data != "" {
		t.Errorf("Add after Remove returned an order with Next %v and Data %q, want nil and empty", o.Next(), o.Data)
	}
	if got, want := ids(b, Sell), []OrderID{1, 3}; !slices.Equal(got, want) {
		t.Errorf("Orders(sell) = %v, want %v", got, want)
	}
}

// mustPanic runs f and reports whether it panicked with a message containing
// want.
func mustPanic(t *testing.T, name, want string, f func()) {
	t.Helper()
	defer func() {
		t.Helper()
		r := recover()
		if r == nil {
			t.Errorf("%s did not panic, want a panic with %q", name, want)
			return
		}
		if msg := fmt.Sprint(r); !strings.Contains(msg, want) {
			t.Errorf("%s panicked with %q, want %q", name, msg, want)
		}
	}()
	f()
}

func TestPanics(t *testing.T) {
	newBook := func() *Book[string] {
		return build(t, order{1, Buy, 100, 5}, order{2, Buy, 100, 5}, order{3, Sell, 101, 5})
	}
	other := build(t, order{1, Buy, 100, 5}, order{9, Sell, 101, 5})
	tests := []struct {
		name string
		want string
		f    func(b *Book[string])
	}{
		{"Add duplicate id, same side", "duplicate", func(b *Book[string]) { b.Add(1, Buy, 100, 1, "") }},
		{"Add duplicate id, other side", "duplicate", func(b *Book[string]) { b.Add(3, Buy, 90, 1, "") }},
		{"Add qty 0", "invalid side, price or quantity", func(b *Book[string]) { b.Add(10, Buy, 100, 0, "") }},
		{"Add qty -1", "invalid side, price or quantity", func(b *Book[string]) { b.Add(10, Sell, 100, -1, "") }},
		{"Add side 0", "invalid side, price or quantity", func(b *Book[string]) { b.Add(10, 0, 100, 1, "") }},
		{"Add side 3", "invalid side, price or quantity", func(b *Book[string]) { b.Add(10, 3, 100, 1, "") }},
		{"Add price 0", "invalid side, price or quantity", func(b *Book[string]) { b.Add(10, Buy, 0, 1, "") }},
		{"Remove foreign order, id on this book", "not on this book", func(b *Book[string]) { b.Remove(other.Get(1)) }},
		{"Remove foreign order, id not on this book", "not on this book", func(b *Book[string]) { b.Remove(other.Get(9)) }},
		{"Remove an order twice", "not on this book", func(b *Book[string]) {
			o := b.Get(3)
			b.Remove(o)
			b.Remove(o)
		}},
		{"Remove an order never added", "not on this book", func(b *Book[string]) { b.Remove(&Order[string]{ID: 1}) }},
		{"Reduce by 0", "outside (0, order qty]", func(b *Book[string]) { b.Reduce(b.Get(1), 0) }},
		{"Reduce by -1", "outside (0, order qty]", func(b *Book[string]) { b.Reduce(b.Get(1), -1) }},
		{"Reduce by more than qty", "outside (0, order qty]", func(b *Book[string]) { b.Reduce(b.Get(1), 6) }},
		{"Reduce a removed order", "outside (0, order qty]", func(b *Book[string]) {
			o := b.Get(2)
			b.Remove(o)
			b.Reduce(o, 1)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newBook()
			before := ids(b, Buy)
			mustPanic(t, tt.name, tt.want, func() { tt.f(b) })
			mustCheck(t, b)
			mustCheck(t, other)
			if got := ids(b, Buy); !strings.Contains(tt.name, "removed") && !slices.Equal(got, before) {
				t.Errorf("Orders(buy) after a panicking %s = %v, want %v unchanged", tt.name, got, before)
			}
		})
	}
	if got, want := other.Len(), 2; got != want {
		t.Errorf("Len() of the other book after foreign Removes = %d, want %d", got, want)
	}
}

func TestSide(t *testing.T) {
	tests := []struct {
		s        Side
		opposite Side
		valid    bool
		str      string
	}{
		{Buy, Sell, true, "buy"},
		{Sell, Buy, true, "sell"},
		{0, 3, false, "side(0)"},
		{7, 252, false, "side(7)"},
	}
	for _, tt := range tests {
		if got := tt.s.Opposite(); got != tt.opposite {
			t.Errorf("Side(%d).Opposite() = %d, want %d", tt.s, got, tt.opposite)
		}
		if got := tt.s.Valid(); got != tt.valid {
			t.Errorf("Side(%d).Valid() = %v, want %v", tt.s, got, tt.valid)
		}
		if got := tt.s.String(); got != tt.str {
			t.Errorf("Side(%d).String() = %q, want %q", tt.s, got, tt.str)
		}
	}
}
