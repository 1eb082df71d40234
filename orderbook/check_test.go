package orderbook

import (
	"errors"
	"strings"
	"testing"
)

// TestCheckFindsCorruption breaks one invariant at a time behind the book's
// back and checks that Check reports it. Every other test trusts Check, so it
// must not pass a broken book.
func TestCheckFindsCorruption(t *testing.T) {
	tests := []struct {
		name    string
		corrupt func(b *Book[string])
		want    string
	}{
		{"level qty", func(b *Book[string]) { b.Get(1).lvl.qty++ }, "says"},
		{"level count", func(b *Book[string]) { b.Get(1).lvl.count-- }, "says"},
		{"level tail", func(b *Book[string]) { b.Get(1).lvl.tail = b.Get(1) }, "says"},
		{"order qty zero", func(b *Book[string]) { o := b.Get(2); o.lvl.qty -= o.Qty; o.Qty = 0 }, "on buy level"},
		{"order side", func(b *Book[string]) { b.Get(2).Side = Sell }, "on buy level"},
		{"order price", func(b *Book[string]) { b.Get(2).Price++ }, "on buy level"},
		{"prev link", func(b *Book[string]) { b.Get(2).prev = nil }, "links broken"},
		{"order's level", func(b *Book[string]) { b.Get(2).lvl = b.Get(3).lvl }, "links broken"},
		{"order not in index", func(b *Book[string]) { b.index.Del(2) }, "not in index"},
		{"index entry under another id", func(b *Book[string]) { b.index.Put(2, b.Get(1)) }, "not in index"},
		{"index entry not on a level", func(b *Book[string]) { b.index.Put(99, &Order[string]{ID: 99}) }, "in index"},
		{"empty level", func(b *Book[string]) {
			s := &b.asks
			l := &level[string]{price: 200}
			s.levels.Set(s.key(200), l)
			s.byPrice.Put(200, l)
		}, "empty level"},
		{"level missing from the price map", func(b *Book[string]) { b.asks.byPrice.Del(102) }, "missing from the price map"},
		{"stray price map entry", func(b *Book[string]) { b.asks.byPrice.Put(300, &level[string]{price: 300}) }, "price map has"},
		{"stale best cache", func(b *Book[string]) {
			_, l, _ := b.asks.levels.GetAt(1)
			b.asks.best = l
		}, "best level cache is stale"},
		{"best cached on an empty side", func(b *Book[string]) {
			b.asks.levels.Clear()
			for id := range OrderID(6) {
				if o := b.index.Get(id); o != nil && o.Side == Sell {
					b.index.Del(id)
				}
			}
		}, "empty but best level cached"},
		{"key", func(b *Book[string]) {
			l := b.Get(3).lvl
			b.bids.levels.Delete(b.bids.key(99))
			b.bids.levels.Set(b.bids.key(98), l)
		}, "filed under key"},
		{"duplicate level", func(b *Book[string]) { b.bids.levels.Set(b.bids.key(50), b.Get(3).lvl) }, "filed under key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := build(t,
				order{1, Buy, 100, 1}, order{2, Buy, 100, 2}, order{3, Buy, 99, 3},
				order{4, Sell, 101, 4}, order{5, Sell, 102, 5},
			)
			tt.corrupt(b)
			err := b.Check()
			if !errors.Is(err, ErrInvariant) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Check() after corrupting the %s = %v, want an ErrInvariant containing %q", tt.name, err, tt.want)
			}
		})
	}
}
