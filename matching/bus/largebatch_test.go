package bus

import (
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/nats-io/nats-server/v2/server"

	"github.com/mts-krx/mts/internal/natstest"
	"github.com/mts-krx/mts/matching"
)

// TestExecStreamSplitsLargeBatches: an account's events of one batch that
// would not fit in one NATS message (here 400 fills of one taker against a
// server limited to 8 KiB a message) arrive in several, every one of them,
// in commit order, and nothing is dropped.
func TestExecStreamSplitsLargeBatches(t *testing.T) {
	loop, pub, client := smallPayloadEngine(t)
	var mu sync.Mutex
	got := map[string][]matching.Event{}
	msgs := map[string]int{}
	for _, acct := range []string{"A", "B"} {
		unsub, err := client.SubscribeExec(acct, func(evs []matching.Event) {
			mu.Lock()
			defer mu.Unlock()
			got[acct] = append(got[acct], evs...)
			msgs[acct]++
		})
		if err != nil {
			t.Fatal(err)
		}
		defer unsub()
	}
	client.nc.Flush()

	const n = sweepMakers
	submitAndWait(t, loop, append(makerOrders(), place("B", "b1", matching.Buy, 70000, n)))
	count := func(acct string) int { mu.Lock(); defer mu.Unlock(); return len(got[acct]) }
	waitFor(t, "every execution report", func() bool { return count("A") >= 2*n && count("B") >= n })

	mu.Lock()
	defer mu.Unlock()
	if dropped, _ := pub.Dropped(); dropped != 0 || msgs["B"] < 2 {
		t.Fatalf("dropped %d execution messages, B's reports came in %d; want none dropped, several messages", dropped, msgs["B"])
	}
	var cum matching.Qty
	for _, ev := range got["B"] {
		if ev.ExecType == matching.ExecTrade {
			if ev.CumQty != cum+1 {
				t.Fatalf("B's fill with cumQty %d after %d: out of order or missing", ev.CumQty, cum)
			}
			cum = ev.CumQty
		}
	}
	if cum != n || len(got["A"]) != 2*n {
		t.Errorf("B filled %d of %d, A got %d reports; want %d and %d", cum, n, len(got["A"]), n, 2*n)
	}
}

// TestAnswerOverLimitKeepsOwnReports: a command whose answer (every
// account's events) is over the payload limit was still applied, so the
// caller gets an answer, not an error: its own execution reports, the
// first and the latest that fit, the last one the order's current state.
func TestAnswerOverLimitKeepsOwnReports(t *testing.T) {
	loop, _, client := smallPayloadEngine(t)
	submitAndWait(t, loop, makerOrders())
	out, err := client.Submit(t.Context(), place("B", "b1", matching.Buy, 70000, sweepMakers))
	if err != nil {
		t.Fatalf("a sweep of %d orders: %v; want an answer", sweepMakers, err)
	}
	evs := out.Events
	if len(evs) < 2 || len(evs) > sweepMakers {
		t.Fatalf("%d events in the answer; want the first and the latest of B's %d+ reports", len(evs), sweepMakers)
	}
	for _, ev := range evs {
		if ev.Kind != matching.EvExec || ev.Account != "B" {
			t.Fatalf("the answer carries %+v; want B's execution reports only", ev)
		}
	}
	last := evs[len(evs)-1]
	if last.Status != matching.StatusFilled || last.CumQty != sweepMakers || evs[0].CumQty > 1 {
		t.Errorf("first report cumQty %d, last %s cumQty %d; want the first, and filled at %d", evs[0].CumQty, last.Status, last.CumQty, sweepMakers)
	}
	for i := 2; i < len(evs); i++ {
		if evs[i].CumQty != evs[i-1].CumQty+1 {
			t.Fatalf("reports %d and %d: cumQty %d then %d; want the latest reports, consecutive", i-1, i, evs[i-1].CumQty, evs[i].CumQty)
		}
	}
}

// sweepMakers is how many one-share sells makerOrders rests for a sweep.
const sweepMakers = 400

// makerOrders are sweepMakers one-share sells of account A at 70,000.
func makerOrders() []*matching.Command {
	var cmds []*matching.Command
	for i := range sweepMakers {
		cmds = append(cmds, place("A", "a"+strconv.Itoa(i), matching.Sell, 70000, 1))
	}
	return cmds
}

// smallPayloadEngine is a loop publishing to, and served over, a NATS
// server that takes messages of 8 KiB at most, and a client of it.
func smallPayloadEngine(t *testing.T) (*matching.Loop, *ExecPublisher, *Client) {
	t.Helper()
	ns := natstest.RunServerWith(t, func(o *server.Options) { o.MaxPayload = 8 << 10 })
	nc := connect(t, ns)
	pub := NewExecPublisher(nc)
	var now atomic.Int64
	loop, err := matching.NewLoop(matching.LoopConfig{Engine: newEngine(t, false), Journal: &memJournal{},
		Publisher: pub, Clock: func() int64 { return now.Add(1000) }})
	if err != nil {
		t.Fatal(err)
	}
	loop.Start()
	srv, err := NewServer(nc, loop, ServerConfig{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close(); loop.Stop() })
	return loop, pub, NewClient(connect(t, ns), ClientConfig{})
}

// submitAndWait submits cmds to the loop directly and waits for every answer.
func submitAndWait(t *testing.T, loop *matching.Loop, cmds []*matching.Command) {
	t.Helper()
	var wg sync.WaitGroup
	for _, c := range cmds {
		wg.Add(1)
		if err := loop.Submit(&matching.Request{Cmd: *c, Reply: func(*matching.Result) { wg.Done() }}); err != nil {
			t.Fatal(err)
		}
	}
	wg.Wait()
}

// TestOpenOrdersInPages: an account's open orders that do not fit in one
// message come in pages, each cut to what fits, with More set on all but
// the last; read after one another they list every open order once, in
// the engine's order.
func TestOpenOrdersInPages(t *testing.T) {
	loop, _, client := smallPayloadEngine(t)
	submitAndWait(t, loop, makerOrders())
	var all []matching.OrderView
	q := Query{Kind: QueryOpenOrders, Account: "A"}
	pages := 0
	for {
		r, err := client.Query(t.Context(), &q)
		if err != nil {
			t.Fatalf("page %d: %v", pages, err)
		}
		pages++
		all = append(all, r.Orders...)
		if !r.More {
			break
		}
		if len(r.Orders) == 0 || pages > sweepMakers {
			t.Fatalf("page %d: %d orders and more to come", pages, len(r.Orders))
		}
		q.After = r.Orders[len(r.Orders)-1].Key()
	}
	if pages < 2 {
		t.Fatalf("%d open orders came in %d page; the test needs them over the 8 KiB limit", len(all), pages)
	}
	if len(all) != sweepMakers {
		t.Fatalf("%d orders in %d pages, want %d", len(all), pages, sweepMakers)
	}
	for i := 1; i < len(all); i++ {
		if all[i].OrderID <= all[i-1].OrderID || all[i].Account != "A" || !all[i].Open {
			t.Fatalf("orders %d and %d: %+v then %+v; want A's open orders, ids ascending", i-1, i, all[i-1], all[i])
		}
	}
}

// TestJournalStreamLargeRecord: a record over the payload limit (a sweep of
// 400 orders: 1,201 events) comes on mts.journal in parts and is put back
// together whole, in seq order with the others; none is dropped.
func TestJournalStreamLargeRecord(t *testing.T) {
	loop, pub, client := smallPayloadEngine(t)
	var mu sync.Mutex
	var seqs []uint64
	var sizes []int
	var bad []string
	unsub, err := client.SubscribeJournal(func(seq uint64, ts int64, payload []byte) {
		var c matching.Command
		evs, err := matching.DecodeRecord(payload, &c, nil)
		mu.Lock()
		defer mu.Unlock()
		if err != nil || c.Seq != seq || c.TS != ts {
			bad = append(bad, fmt.Sprintf("seq %d: %v", seq, err))
		}
		seqs, sizes = append(seqs, seq), append(sizes, len(evs))
	})
	if err != nil {
		t.Fatal(err)
	}
	defer unsub()
	client.nc.Flush()
	submitAndWait(t, loop, append(makerOrders(), place("B", "b1", matching.Buy, 70000, sweepMakers)))
	n := sweepMakers + 1
	waitFor(t, "every journal record", func() bool { mu.Lock(); defer mu.Unlock(); return len(seqs) >= n })
	mu.Lock()
	defer mu.Unlock()
	if _, dropped := pub.Dropped(); dropped != 0 || len(bad) > 0 {
		t.Fatalf("dropped %d journal records; bad ones: %v", dropped, bad)
	}
	for i, s := range seqs {
		if s != uint64(i+1) {
			t.Fatalf("journal seqs %v, want 1..%d", seqs, n)
		}
	}
	if sizes[n-1] < 3*sweepMakers {
		t.Errorf("the sweep's record came with %d events, want its %d+", sizes[n-1], 3*sweepMakers)
	}
}

// TestJournalParts: parts out of place drop the record under way, not the
// next one.
func TestJournalParts(t *testing.T) {
	var j journalParts
	if _, ok := j.add(5, 3, 6, []byte("def")); ok {
		t.Error("a record completed from its second part alone")
	}
	j.add(6, 0, 6, []byte("ab"))
	if _, ok := j.add(6, 4, 6, []byte("ef")); ok {
		t.Error("a record completed with a part missing")
	}
	if _, ok := j.add(6, 2, 6, []byte("cdef")); ok {
		t.Error("the rest of a dropped record completed it")
	}
	j.add(7, 0, 5, []byte("ab"))
	if got, ok := j.add(7, 2, 5, []byte("cde")); !ok || string(got) != "abcde" {
		t.Errorf("record 7: %q, %v; want abcde", got, ok)
	}
	if _, _, ok := parsePart("5/5"); ok {
		t.Error("a part starting at the end was accepted")
	}
}
