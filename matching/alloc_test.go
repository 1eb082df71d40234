package matching

import "testing"

// TestApplySteadyStateAllocs proves the engine's hot path allocates nothing
// once warm: placing, matching, moving and canceling orders reuse the book's
// free lists and the engine's event slice. Orders carry no client order id
// here; the per-day id table is a map that grows (and so allocates) as ids
// arrive, which BenchmarkEngine measures separately.
func TestApplySteadyStateAllocs(t *testing.T) {
	if testing.Short() {
		t.Skip("allocation counts under -short are not representative")
	}
	e := newTestEngine(t)
	var seq uint64
	apply := func(c Command) []Event {
		seq++
		c.Seq, c.TS = seq, int64(seq)
		return e.Apply(&c)
	}
	// Warm up: a book with resting orders on both sides, every path run once.
	for i := range 200 {
		p := Price(70000 + 100*(i%10))
		apply(Command{Kind: CmdPlace, Account: "MM", Symbol: "005930", Side: Sell, Type: Limit, TIF: Day, Price: p + 1000, Qty: 10})
		apply(Command{Kind: CmdPlace, Account: "MM", Symbol: "005930", Side: Buy, Type: Limit, TIF: Day, Price: p - 1000, Qty: 10})
	}
	cycle := func() {
		// A buy that takes one ask level and rests nothing, a resting bid that
		// is moved and canceled, and a sell that refills the ask.
		apply(Command{Kind: CmdPlace, Account: "T1", Symbol: "005930", Side: Buy, Type: Limit, TIF: IOC, Price: 71000, Qty: 10})
		evs := apply(Command{Kind: CmdPlace, Account: "T2", Symbol: "005930", Side: Buy, Type: Limit, TIF: Day, Price: 69000, Qty: 5})
		id := evs[0].OrderID
		apply(Command{Kind: CmdAmend, Account: "T2", Symbol: "005930", OrderID: id, Price: 68900})
		apply(Command{Kind: CmdCancel, Account: "T2", Symbol: "005930", OrderID: id})
		apply(Command{Kind: CmdPlace, Account: "MM", Symbol: "005930", Side: Sell, Type: Limit, TIF: Day, Price: 71000, Qty: 10})
	}
	for range 100 {
		cycle()
	}
	if got := testing.AllocsPerRun(1000, cycle); got != 0 {
		t.Errorf("place/match/amend/cancel cycle: %v allocs per run, want 0", got)
	}
}
