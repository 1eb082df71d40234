package matching

import "testing"

// TestOpenIndexPurge: orders that leave the book stay in their account's
// index as stale entries, which no query returns, until the account rests
// an order while they outnumber its live ones; then they all go.
func TestOpenIndexPurge(t *testing.T) {
	e := newTestEngine(t)
	seq := uint64(0)
	apply := func(c Command) []Event {
		seq++
		c.Seq, c.Account, c.Symbol = seq, "A", "005930"
		return e.Apply(&c)
	}
	place := func(price Price) OrderID {
		evs := apply(Command{Kind: CmdPlace, Side: Buy, Type: Limit, TIF: Day, Price: price, Qty: 1})
		if evs[0].ExecType != ExecNew {
			t.Fatalf("order refused: %s", formatEvent(&evs[0]))
		}
		return evs[0].OrderID
	}
	var ids []OrderID
	for i := range 10 {
		ids = append(ids, place(Price(70_000+100*i)))
	}
	for _, id := range ids[:8] {
		apply(Command{Kind: CmdCancel, OrderID: id})
	}
	a := e.accounts["A"]
	if a.open.Len() != 10 || a.stale != 8 {
		t.Fatalf("after 8 cancels: %d entries, %d stale; want 10 and 8", a.open.Len(), a.stale)
	}
	if got := len(e.OpenOrders("A", "", nil)); got != 2 {
		t.Fatalf("%d open orders listed, want 2", got)
	}
	for _, id := range ids[:8] {
		if v, ok := e.Order("A", "", id, ""); ok && v.Open {
			t.Fatalf("canceled order %d reported open", id)
		}
	}
	place(69_000) // 8 stale > 2 live: purged first
	if a.open.Len() != 3 || a.stale != 0 {
		t.Fatalf("after the next order: %d entries, %d stale; want 3 and 0", a.open.Len(), a.stale)
	}
	if err := checkOpenIndex(e); err != nil {
		t.Fatal(err)
	}
}
