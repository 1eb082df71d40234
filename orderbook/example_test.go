package orderbook_test

import (
	"fmt"

	"github.com/mts-krx/mts/orderbook"
)

// The book rests orders and hands out makers; the caller (the matching
// engine) decides what trades. Here a buy order for 250 shares at 50,100 won
// sweeps the asks that cross it and rests what is left.
func Example() {
	type account string
	b := orderbook.New[account]()
	b.Add(1, orderbook.Sell, 50_100, 100, "alice")
	b.Add(2, orderbook.Sell, 50_000, 50, "bob")
	b.Add(3, orderbook.Sell, 50_100, 70, "carol") // behind alice at 50,100
	b.Add(4, orderbook.Sell, 50_200, 10, "dave")
	b.Add(5, orderbook.Buy, 49_900, 30, "erin")

	left := orderbook.Qty(250)
	for left > 0 {
		maker := b.Head(orderbook.Sell)
		if maker == nil || maker.Price > 50_100 {
			break
		}
		n := min(left, maker.Qty)
		fmt.Printf("trade %d @ %d with #%d (%s)\n", n, maker.Price, maker.ID, maker.Data)
		b.Reduce(maker, n) // recycles the maker when it is filled
		left -= n
	}
	b.Add(6, orderbook.Buy, 50_100, left, "frank")

	for _, side := range []orderbook.Side{orderbook.Buy, orderbook.Sell} {
		fmt.Println(side, b.Depth(side, 5, nil))
	}
	fmt.Println("orders:", b.Len(), "check:", b.Check())
	// Output:
	// trade 50 @ 50000 with #2 (bob)
	// trade 100 @ 50100 with #1 (alice)
	// trade 70 @ 50100 with #3 (carol)
	// buy [{50100 30 1} {49900 30 1}]
	// sell [{50200 10 1}]
	// orders: 3 check: <nil>
}

// A partial cancel keeps the order's place in its queue; a price change is a
// cancel and a new order at the back.
func ExampleBook_Reduce() {
	b := orderbook.New[struct{}]()
	first := b.Add(1, orderbook.Buy, 10_000, 500, struct{}{})
	b.Add(2, orderbook.Buy, 10_000, 300, struct{}{})

	b.Reduce(first, 200) // still first in line, now for 300
	fmt.Println(b.Head(orderbook.Buy).ID, b.Head(orderbook.Buy).Qty)

	b.Remove(first)
	b.Add(1, orderbook.Buy, 10_000, 300, struct{}{}) // back of the queue
	for o := b.Head(orderbook.Buy); o != nil; o = o.Next() {
		fmt.Print(o.ID, " ")
	}
	fmt.Println()
	// Output:
	// 1 300
	// 2 1
}
