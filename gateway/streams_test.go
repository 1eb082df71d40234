package gateway

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/mts-krx/mts/api"
	"github.com/mts-krx/mts/marketdata"
	"github.com/mts-krx/mts/matching"
)

func hdr(seq uint64) marketdata.Header {
	return marketdata.Header{Symbol: "005930", Seq: seq, SrcSeq: seq, TS: testNow.UnixNano()}
}

func bookSnap(seq uint64) *marketdata.Depth {
	return &marketdata.Depth{Header: hdr(seq),
		Bids: []marketdata.Level{{Price: 70900, Qty: 10, Count: 1}},
		Asks: []marketdata.Level{{Price: 71000, Qty: 5, Count: 1}}}
}

// bookDelta sets the best bid's quantity to seq, so every delta changes it.
func bookDelta(seq uint64) *marketdata.BookDelta {
	return &marketdata.BookDelta{Header: hdr(seq), Changes: []marketdata.Change{{Side: matching.Buy, Price: 70900, Qty: marketdata.Qty(seq), Count: 1}}}
}

func (c *client) subscribe(streams ...string) msg {
	c.t.Helper()
	m := c.call(api.MethodSubscribe, map[string]any{"streams": streams})
	if m.Status != 200 {
		c.t.Fatalf("subscribe %v: %s", streams, m.raw)
	}
	return m
}

func TestTradesSubscribeUnsubscribe(t *testing.T) {
	e := newEnv(t, nil)
	c := e.dial(nil)
	m := c.subscribe("trades.005930", "trades.005930")
	if r := decode[api.SubscribeResult](t, m.Result); len(r.Streams) != 1 {
		t.Errorf("subscribe result %s: want one stream", m.raw)
	}
	e.waitMembers("trades.005930", 1)
	e.md.publish(marketdata.StreamTrade, &marketdata.Trade{Header: hdr(1), TradeID: 7, Price: 71000, Qty: 3, Side: matching.Buy})
	got := c.next()
	tr := decode[api.MarketTrade](t, got.raw)
	if tr.Type != api.TypeMarketTrade || tr.TradeID != "7" || tr.Price != "71000" || tr.Seq != 1 {
		t.Errorf("trade message %s", got.raw)
	}
	m = c.call(api.MethodUnsubscribe, map[string]any{"streams": []string{"trades.005930"}})
	if r := decode[api.SubscribeResult](t, m.Result); len(r.Streams) != 0 {
		t.Errorf("unsubscribe result %s", m.raw)
	}
	e.md.publish(marketdata.StreamTrade, &marketdata.Trade{Header: hdr(2), TradeID: 8, Price: 71000, Qty: 3, Side: matching.Buy})
	c.alive() // the ping reply comes first: no trade after unsubscribe
	if n := e.md.subs.Load(); n != 1 {
		t.Errorf("%d MarketData subscriptions, want 1", n)
	}
}

func TestBookSnapshotThenDeltas(t *testing.T) {
	e := newEnv(t, nil)
	a := e.dial(nil)
	a.subscribe("book.005930")
	e.waitMembers("book.005930", 1)
	e.md.publish(marketdata.StreamBook, bookSnap(1))
	for seq := uint64(2); seq <= 4; seq++ {
		e.md.publish(marketdata.StreamBook, bookDelta(seq))
	}
	if m := a.next(); m.Type != api.TypeBookSnapshot || m.Seq != 1 {
		t.Fatalf("first message %s, want bookSnapshot seq 1", m.raw)
	}
	for seq := uint64(2); seq <= 4; seq++ {
		if m := a.next(); m.Type != api.TypeBookDelta || m.Seq != seq {
			t.Fatalf("message %s, want bookDelta seq %d", m.raw, seq)
		}
	}
	// A late subscriber gets the book as of now, then the next delta.
	b := e.dial(nil)
	_, before := b.reply(b.send(api.MethodSubscribe, map[string]any{"streams": []string{"book.005930"}}))
	if len(before) != 0 {
		t.Errorf("messages before the subscribe reply: %d", len(before))
	}
	m := b.next()
	snap := decode[api.BookSnapshot](t, m.raw)
	if snap.Type != api.TypeBookSnapshot || snap.Seq != 4 || snap.Bids[0].Qty != "4" {
		t.Fatalf("late snapshot %s, want seq 4 with the bid at qty 4", m.raw)
	}
	e.waitMembers("book.005930", 2)
	e.md.publish(marketdata.StreamBook, bookDelta(5))
	for _, c := range []*client{a, b} {
		if m := c.next(); m.Type != api.TypeBookDelta || m.Seq != 5 {
			t.Errorf("after the snapshot: %s, want bookDelta 5", m.raw)
		}
	}
	if n := e.md.subs.Load(); n != 1 {
		t.Errorf("%d MarketData subscriptions for two clients, want 1", n)
	}
}

func TestTickerLatestAndCandleIntervals(t *testing.T) {
	e := newEnv(t, nil)
	a := e.dial(nil)
	a.subscribe("ticker.005930", "candles.5m.005930")
	e.waitMembers("ticker.005930", 1)
	e.waitMembers("candles.5m.005930", 1)
	e.md.publish(marketdata.StreamTicker, &marketdata.Ticker{Header: hdr(1), BasePrice: 71000, Last: 70100, Change: -900, ChangeBP: -127})
	tk := decode[api.Ticker](t, a.next().raw)
	if tk.ChangePct != "-1.27" || tk.Change != "-900" {
		t.Errorf("ticker %+v", tk)
	}
	for _, iv := range marketdata.Intervals() {
		e.md.publish(marketdata.StreamCandle, &marketdata.Candle{Header: hdr(1), Interval: iv, Open: 1, High: 1, Low: 1, Close: 1})
	}
	if cd := decode[api.Candle](t, a.next().raw); cd.Interval != "5m" {
		t.Errorf("candle %+v, want the 5m one only", cd)
	}
	b := e.dial(nil)
	b.subscribe("ticker.005930")
	if tk := decode[api.Ticker](t, b.next().raw); tk.Seq != 1 {
		t.Errorf("a joining ticker subscriber got %+v, want the latest at once", tk)
	}
	a.alive() // nothing else queued: the other intervals were not sent
}

func TestDepthConflates(t *testing.T) {
	q := newSendQueue(16, 0)
	q.pushDepth("005930", []byte("d1"))
	q.pushDepth("000660", []byte("x1"))
	q.pushDepth("005930", []byte("d2"))
	batch, _, _ := q.take(nil)
	if len(batch) != 2 || string(batch[0]) != "d2" || string(batch[1]) != "x1" {
		t.Errorf("batch %q, want the latest depth per symbol", batch)
	}
}

func TestSubscriptionCap(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.MaxSubscriptions = 2 })
	c := e.dial(nil)
	c.subscribe("trades.005930", "ticker.005930")
	c.expectError(c.call(api.MethodSubscribe, map[string]any{"streams": []string{"book.005930"}}), api.TooManySubscriptions)
	c.subscribe("trades.005930") // already there: not a new one
}

// TestSlowSubscriberResyncs: a member whose queue is full loses book
// deltas, then gets a resync marker and a fresh snapshot; a fast client on
// the same feed gets every delta.
func TestSlowSubscriberResyncs(t *testing.T) {
	e := newEnv(t, nil)
	fast := e.dial(nil)
	fast.subscribe("book.005930")
	e.waitMembers("book.005930", 1)
	slow := newSendQueue(16, 0) // a connection whose writer is stuck: nothing drains it
	ref, _ := parseStream("book.005930", e.srv.symbols)
	if err := e.srv.hub.attach(ref, slow); err != nil {
		t.Fatal(err)
	}
	e.md.publish(marketdata.StreamBook, bookSnap(1))
	for seq := uint64(2); seq <= 100; seq++ {
		e.md.publish(marketdata.StreamBook, bookDelta(seq))
	}
	fast.next()
	for seq := uint64(2); seq <= 100; seq++ {
		if m := fast.next(); m.Seq != seq {
			t.Fatalf("fast client got %s, want bookDelta %d", m.raw, seq)
		}
	}
	batch, _, _ := slow.take(nil)
	if len(batch) != slow.mdLimit {
		t.Errorf("slow queue held %d, want its market-data limit %d", len(batch), slow.mdLimit)
	}
	slow.written()
	e.md.publish(marketdata.StreamBook, bookDelta(101))
	batch, _, _ = slow.take(nil)
	if len(batch) != 2 || !strings.Contains(string(batch[0]), `"reason":"slow_consumer"`) ||
		!strings.Contains(string(batch[1]), `"type":"bookSnapshot"`) || !strings.Contains(string(batch[1]), `"seq":101`) {
		t.Errorf("after draining: %q, want resync then bookSnapshot 101", batch)
	}
}

func TestSlowTradesSubscriberResyncs(t *testing.T) {
	e := newEnv(t, nil)
	e.dial(nil).subscribe("trades.005930")
	e.waitMembers("trades.005930", 1)
	slow := newSendQueue(8, 0)
	ref, _ := parseStream("trades.005930", e.srv.symbols)
	e.srv.hub.attach(ref, slow)
	for seq := uint64(1); seq <= 10; seq++ {
		e.md.publish(marketdata.StreamTrade, &marketdata.Trade{Header: hdr(seq), TradeID: seq, Price: 71000, Qty: 1, Side: matching.Buy})
	}
	slow.take(nil)
	slow.written()
	e.md.publish(marketdata.StreamTrade, &marketdata.Trade{Header: hdr(11), TradeID: 11, Price: 71000, Qty: 1, Side: matching.Buy})
	batch, _, _ := slow.take(nil)
	if len(batch) != 2 || !strings.Contains(string(batch[0]), `"type":"resync","stream":"trades.005930"`) {
		t.Errorf("after draining: %q, want a resync marker then trade 11", batch)
	}
}

// TestExecutionsSnapshotThenReports: a report published between the
// subscription and the snapshot is delivered after the snapshot, not lost.
func TestExecutionsSnapshotThenReports(t *testing.T) {
	e := newEnv(t, nil)
	c := e.trader("A1")
	c.call(api.MethodPlace, limitOrder("c1", "buy", "70000", "1"))
	between := []matching.Event{{Kind: matching.EvExec, Account: "A1", Symbol: "005930", OrderID: 99, ExecType: matching.ExecNew, Status: matching.StatusNew, Qty: 1, LeavesQty: 1}}
	e.be.onQuery = func(q *Query) {
		if q.Kind == QueryOpenOrders {
			e.be.publishExec("A1", between)
			e.be.publishExec("A1", []matching.Event{{Kind: matching.EvExec, Account: "B9", OrderID: 100}})
		}
	}
	_, before := c.reply(c.send(api.MethodSubscribe, map[string]any{"streams": []string{"executions"}}))
	if len(before) != 0 {
		t.Errorf("stream messages before the reply: %d", len(before))
	}
	snap := decode[api.OpenOrders](t, c.next().raw)
	if snap.Type != api.TypeOpenOrders || len(snap.Orders) != 1 || snap.Orders[0].ClientOrderID != "c1" {
		t.Fatalf("snapshot %+v, want c1 open", snap)
	}
	if r := decode[api.ExecutionReport](t, c.next().raw); r.OrderID != "99" {
		t.Fatalf("after the snapshot %+v, want the report held during it", r)
	}
	e.be.onQuery = nil
	c.send(api.MethodPlace, limitOrder("c2", "buy", "70000", "1"))
	m1, m2 := c.next(), c.next() // the reply and the stream's report, in either order
	if m1.Type+m2.Type != api.TypeExecution {
		t.Errorf("after a place: %s and %s, want a reply and one execution report", m1.raw, m2.raw)
	}
}

// TestExecutionsSlowConsumerCutOff: a client whose reports keep being
// refused (it reads nothing) for longer than SlowConsumerAfter is cut off
// with SLOW_CONSUMER, as a market-data subscriber would be.
func TestExecutionsSlowConsumerCutOff(t *testing.T) {
	e := newEnv(t, func(c *Config) {
		c.SendQueue, c.PrivateQueueBytes, c.SlowConsumerAfter = 8, 64<<10, 300*time.Millisecond
	})
	e.http.Close()
	e.http = newSmallBufferServer(t, e.srv)
	c := e.trader("A1")
	c.subscribe("executions")
	c.next() // openOrders
	ev := slices.Repeat([]matching.Event{{Kind: matching.EvExec, Account: "A1", Symbol: "005930", OrderID: 1,
		ClientOrderID: strings.Repeat("x", 60), ExecType: matching.ExecNew, Qty: 1, LeavesQty: 1}}, 100)
	var took time.Duration // on the server's (fake) clock
	for start := time.Now(); time.Since(start) < 10*time.Second && !e.srv.anyClosing(); took += time.Millisecond {
		e.be.publishExec("A1", ev) // refused from some point on, for longer than SlowConsumerAfter
		e.advance(time.Millisecond)
		time.Sleep(100 * time.Microsecond)
	}
	code, reason := e.srv.closingFrame()
	if code != CloseSlowConsumer || !strings.HasPrefix(reason, string(api.SlowConsumer)) {
		t.Errorf("told to close with %d %q, want 4000 SLOW_CONSUMER", code, reason)
	}
	if took < 300*time.Millisecond {
		t.Errorf("cut off after %v, before SlowConsumerAfter", took)
	}
}

// TestExecutionsOverflowResyncs: a burst of reports larger than the send
// queue takes while the client is not reading (small socket buffers) drops
// what does not fit and says so with a resync marker of the executions
// stream; the client that then reads gets the reports before the gap in
// order, the marker, and keeps its connection.
func TestExecutionsOverflowResyncs(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.SendQueue, c.PrivateQueueBytes = 16, 64<<10 })
	e.http.Close()
	e.http = newSmallBufferServer(t, e.srv)
	c := e.trader("A1")
	c.subscribe("executions")
	c.next()       // openOrders
	const n = 2000 // about 900 KB of reports against a 48 KiB share of the budget
	e.be.publishExec("A1", fills("A1", n))
	reports, resyncs, last := 0, 0, 0
	for resyncs == 0 || reports+resyncs < 5 { // through the marker
		m := c.next()
		switch m.Type {
		case api.TypeExecution:
			id, _ := strconv.Atoi(string(decode[api.ExecutionReport](t, m.raw).OrderID))
			if id <= last {
				t.Fatalf("report for order %d after %d: out of order", id, last)
			}
			last, reports = id, reports+1
		case api.TypeResync:
			if r := decode[api.Resync](t, m.raw); r.Stream != "executions" || r.Reason != "slow_consumer" {
				t.Fatalf("resync %+v, want executions / slow_consumer", r)
			}
			resyncs++
		default:
			t.Fatalf("unexpected %s", m.raw)
		}
	}
	if reports == 0 || reports >= n {
		t.Errorf("%d reports before the marker, want some but not all %d", reports, n)
	}
	if e.srv.anyClosing() {
		t.Fatal("the burst closed the connection")
	}
	c.call(api.MethodPing, nil) // still served
}

// fills are n one-share fill reports of account, for orders 1 to n, each
// report about 450 bytes of JSON.
func fills(account string, n int) []matching.Event {
	burst := make([]matching.Event, n)
	for i := range burst {
		burst[i] = matching.Event{Kind: matching.EvExec, Account: account, Symbol: "005930", OrderID: matching.OrderID(i + 1),
			ClientOrderID: strings.Repeat("x", 60), ExecType: matching.ExecTrade, Status: matching.StatusFilled,
			Qty: 1, CumQty: 1, CumValue: 70000, LastPx: 70000, LastQty: 1}
	}
	return burst
}

// TestExecutionsBurstIsNotSlow: one engine batch bringing an account far
// more reports than the send queue has frames (its orders all filling in
// an opening uncross) is delivered whole to a client that reads; the
// connection stays open.
func TestExecutionsBurstIsNotSlow(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.SendQueue = 64 })
	c := e.trader("A1")
	c.subscribe("executions")
	c.next() // openOrders
	const n = 2000
	e.be.publishExec("A1", fills("A1", n))
	for i := range n {
		r := decode[api.ExecutionReport](t, c.next().raw)
		if string(r.OrderID) != strconv.Itoa(i+1) {
			t.Fatalf("report %d is for order %s; want every report, in order", i+1, r.OrderID)
		}
	}
	if e.srv.anyClosing() {
		t.Fatal("the burst closed the connection")
	}
	c.call(api.MethodPing, nil) // still served
}

func TestShutdownClosesWithGoingAway(t *testing.T) {
	e := newEnv(t, nil)
	a, b := e.trader("A1"), e.dial(nil)
	b.subscribe("trades.005930")
	done := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		done <- e.srv.Shutdown(ctx)
	}()
	for _, c := range []*client{a, b} {
		if ce := c.closed(); ce.Code != websocket.CloseGoingAway || !strings.Contains(ce.Text, "shutting down") {
			t.Errorf("close %d %q, want 1001 with a reason", ce.Code, ce.Text)
		}
	}
	if err := <-done; err != nil {
		t.Errorf("Shutdown: %v", err)
	}
	e.refused(e.url(), nil, 503, api.Unavailable)
}

func TestMarketStatusStream(t *testing.T) {
	e := newEnv(t, nil)
	a := e.dial(nil)
	a.subscribe("status.005930")
	e.waitMembers("status.005930", 1)
	e.md.publish(marketdata.StreamStatus, &marketdata.Status{Header: hdr(1), Phase: matching.PhaseOpeningAuction, IndicativePrice: 71100, IndicativeQty: 500})
	st := decode[api.MarketStatus](t, a.next().raw)
	if st.Type != api.TypeMarketStatus || st.Phase != "opening_auction" || st.IndicativePrice != "71100" || st.IndicativeQty != "500" || st.AuctionPrice != "" {
		t.Errorf("status %+v", st)
	}
	e.md.publish(marketdata.StreamStatus, &marketdata.Status{Header: hdr(2), Phase: matching.PhaseVIAuction, Until: 1_772_409_720_000_000_000, Trigger: "dynamic"})
	if st := decode[api.MarketStatus](t, a.next().raw); st.Phase != "vi_auction" || st.Until == "" || st.Trigger != "dynamic" {
		t.Errorf("VI status %+v", st)
	}
	b := e.dial(nil)
	b.subscribe("status.005930")
	if st := decode[api.MarketStatus](t, b.next().raw); st.Seq != 2 {
		t.Errorf("a joining status subscriber got %+v, want the latest at once", st)
	}
}
