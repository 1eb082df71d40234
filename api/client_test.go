package api

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// fakeServer speaks just enough of the gateway's protocol for the client's
// tests: each request goes to the test's handle function, which answers
// through the fakeConn (or not at all).
type fakeServer struct {
	srv     *httptest.Server
	handle  func(fc *fakeConn, req Request)
	conns   chan *fakeConn // every accepted connection, in order
	headers chan http.Header
}

type fakeConn struct {
	ws  *websocket.Conn
	wmu sync.Mutex
}

func (fc *fakeConn) send(v any) {
	fc.wmu.Lock()
	defer fc.wmu.Unlock()
	fc.ws.WriteJSON(v)
}

func (fc *fakeConn) reply(req Request, result any) { fc.send(OK(req.ID, result)) }

func (fc *fakeConn) fail(req Request, code Code, result any) {
	r := Fail(req.ID, Errorf(code, "fake"))
	r.Result = result
	fc.send(r)
}

func newFakeServer(t *testing.T, handle func(fc *fakeConn, req Request)) *fakeServer {
	t.Helper()
	fs := &fakeServer{handle: handle, conns: make(chan *fakeConn, 16), headers: make(chan http.Header, 16)}
	up := websocket.Upgrader{}
	fs.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") == "Bearer bad" {
			http.Error(w, "no", http.StatusUnauthorized)
			return
		}
		ws, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		fc := &fakeConn{ws: ws}
		fs.headers <- r.Header
		fs.conns <- fc
		fs.serve(fc)
	}))
	t.Cleanup(fs.srv.Close)
	return fs
}

func (fs *fakeServer) serve(fc *fakeConn) {
	defer fc.ws.Close()
	for {
		var req Request
		if err := fc.ws.ReadJSON(&req); err != nil {
			return
		}
		if req.Method == MethodPing {
			fc.reply(req, PingResult{TS: "2026-01-01T00:00:00Z"})
			continue
		}
		fs.handle(fc, req)
	}
}

func (fs *fakeServer) url() string { return "ws" + strings.TrimPrefix(fs.srv.URL, "http") + "/ws" }

func (fs *fakeServer) dial(t *testing.T, opts ClientOptions) *Client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := Dial(ctx, fs.url(), opts)
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func params[T any](t *testing.T, req Request) T {
	var p T
	if err := DecodeStrict(req.Params, &p); err != nil {
		t.Errorf("%s params %s: %v", req.Method, req.Params, err)
	}
	return p
}

func ackOf(p PlaceParams, seq uint64) OrderResult {
	return OrderResult{Seq: seq, Reports: []ExecutionReport{{
		Type: TypeExecution, Symbol: p.Symbol, ClientOrderID: p.ClientOrderID, ExecType: "new", Status: "new", Qty: p.Qty,
	}}}
}

// Replies sent in reverse order must still reach the calls they answer.
func TestClientPipelinesCalls(t *testing.T) {
	const n = 50
	var held []Request
	var mu sync.Mutex
	fs := newFakeServer(t, func(fc *fakeConn, req Request) {
		mu.Lock()
		defer mu.Unlock()
		held = append(held, req)
		if len(held) < n {
			return
		}
		for i := len(held) - 1; i >= 0; i-- {
			p := params[PlaceParams](t, held[i])
			fc.reply(held[i], ackOf(p, uint64(i+1)))
		}
	})
	c := fs.dial(t, ClientOptions{Token: "tok"})
	if h := <-fs.headers; h.Get("Authorization") != "Bearer tok" {
		t.Errorf("Authorization header %q, want %q", h.Get("Authorization"), "Bearer tok")
	}
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id := "c" + string(rune('A'+i%26)) + strings.Repeat("x", i/26)
			r, err := c.Place(testCtx(t), PlaceParams{Symbol: "005930", Side: "buy", Type: "limit", Price: "71000", Qty: "1", ClientOrderID: id})
			if err != nil || r.Reports[0].ClientOrderID != id {
				t.Errorf("Place(%s) = %+v, %v; want its own ack", id, r, err)
			}
		}()
	}
	wg.Wait()
}

func TestClientErrorReply(t *testing.T) {
	fs := newFakeServer(t, func(fc *fakeConn, req Request) {
		p := params[PlaceParams](t, req)
		rej := ackOf(p, 9)
		rej.Reports[0].ExecType, rej.Reports[0].Reason = "rejected", PriceOffTick
		fc.fail(req, PriceOffTick, rej)
	})
	c := fs.dial(t, ClientOptions{})
	r, err := c.Place(testCtx(t), PlaceParams{Symbol: "005930", Side: "buy", Type: "limit", Price: "71001", Qty: "1"})
	var e *Error
	if !errors.As(err, &e) || e.Code != PriceOffTick || e.Status() != 400 {
		t.Fatalf("Place off tick: err %v, want *Error PRICE_OFF_TICK", err)
	}
	if r == nil || r.Seq != 9 || r.Reports[0].Reason != PriceOffTick {
		t.Errorf("Place off tick: result %+v, want the rejected report", r)
	}
	if _, err := c.Ping(testCtx(t)); err != nil {
		t.Errorf("Ping after an error reply: %v", err)
	}
}

func TestDialUnauthorized(t *testing.T) {
	fs := newFakeServer(t, func(*fakeConn, Request) {})
	_, err := Dial(testCtx(t), fs.url(), ClientOptions{Token: "bad"})
	var e *Error
	if !errors.As(err, &e) || e.Code != Unauthorized {
		t.Fatalf("Dial with a refused token: %v, want *Error UNAUTHORIZED", err)
	}
}

// bookFeed answers subscribe for book.005930: the first time with a
// snapshot and a gap, the second time with a clean snapshot.
type bookFeed struct {
	t           *testing.T
	subscribes  atomic.Int32
	unsubscribe atomic.Int32
}

func (b *bookFeed) handle(fc *fakeConn, req Request) {
	switch req.Method {
	case MethodUnsubscribe:
		b.unsubscribe.Add(1)
		fc.reply(req, SubscribeResult{})
	case MethodSubscribe:
		p := params[SubscribeParams](b.t, req)
		fc.reply(req, SubscribeResult(p))
		if b.subscribes.Add(1) == 1 {
			fc.send(snapshot(10, "71000"))
			fc.send(delta(11, "70900"))
			fc.send(delta(13, "70800")) // 12 lost
			fc.send(delta(14, "70700"))
			return
		}
		fc.send(snapshot(20, "71000"))
		fc.send(delta(21, "70900"))
	}
}

func snapshot(seq uint64, bid Decimal) *BookSnapshot {
	return &BookSnapshot{
		MarketHeader: MarketHeader{Type: TypeBookSnapshot, Symbol: "005930", Seq: seq},
		Bids:         []Level{{Price: bid, Qty: "10", Count: 1}},
		Asks:         []Level{{Price: "71100", Qty: "5", Count: 1}},
	}
}

func delta(seq uint64, bid Decimal) *BookDelta {
	return &BookDelta{
		MarketHeader: MarketHeader{Type: TypeBookDelta, Symbol: "005930", Seq: seq},
		Changes:      []LevelChange{{Side: "buy", Price: bid, Qty: "3", Count: 1}},
	}
}

// collector gathers handler messages for a test to wait on.
type collector struct {
	mu   sync.Mutex
	msgs []any
}

func (c *collector) add(m any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.msgs = append(c.msgs, m)
}

// waitFor polls until pred holds over the messages so far.
func (c *collector) waitFor(t *testing.T, what string, pred func([]any) bool) []any {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		c.mu.Lock()
		msgs := append([]any(nil), c.msgs...)
		c.mu.Unlock()
		if pred(msgs) {
			return msgs
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s", what)
	return nil
}

func hasDelta(seq uint64) func([]any) bool {
	return func(msgs []any) bool {
		for _, m := range msgs {
			if d, ok := m.(*BookDelta); ok && d.Seq == seq {
				return true
			}
		}
		return false
	}
}

func seqs(msgs []any) []string {
	var out []string
	for _, m := range msgs {
		switch m := m.(type) {
		case *BookSnapshot:
			out = append(out, "snap"+itoa(m.Seq))
		case *BookDelta:
			out = append(out, "delta"+itoa(m.Seq))
		case *Resync:
			out = append(out, "resync:"+m.Reason)
		}
	}
	return out
}

func itoa(v uint64) string { return strconv.FormatUint(v, 10) }

func TestClientResubscribesOnGap(t *testing.T) {
	feed := &bookFeed{t: t}
	fs := newFakeServer(t, feed.handle)
	c := fs.dial(t, ClientOptions{})
	var got collector
	var book Book
	handler := func(m any) {
		if err := book.Apply(m); err != nil {
			t.Errorf("book.Apply(%T): %v; the client must hide deltas after a gap", m, err)
		}
		got.add(m)
	}
	if err := c.Subscribe(testCtx(t), []string{"book.005930"}, handler); err != nil {
		t.Fatalf("Subscribe: %v", err)
	}
	msgs := got.waitFor(t, "delta 21 after the resubscription", hasDelta(21))
	want := "snap10 delta11 resync:client_gap snap20 delta21"
	if s := strings.Join(seqs(msgs), " "); s != want {
		t.Errorf("handler saw %s, want %s", s, want)
	}
	if feed.unsubscribe.Load() != 1 || feed.subscribes.Load() != 2 {
		t.Errorf("server saw %d unsubscribe and %d subscribe, want 1 and 2", feed.unsubscribe.Load(), feed.subscribes.Load())
	}
	if !book.Synced() || book.Seq != 21 {
		t.Errorf("book synced %v at seq %d, want synced at 21", book.Synced(), book.Seq)
	}
}

func TestClientResubscribesOnResync(t *testing.T) {
	var subscribes atomic.Int32
	fs := newFakeServer(t, func(fc *fakeConn, req Request) {
		fc.reply(req, SubscribeResult{})
		if req.Method != MethodSubscribe {
			return
		}
		if subscribes.Add(1) == 1 {
			fc.send(snapshot(1, "71000"))
			fc.send(Resync{Type: TypeResync, Stream: "book.005930", Reason: "slow_consumer"})
			return
		}
		fc.send(snapshot(7, "70000"))
	})
	c := fs.dial(t, ClientOptions{})
	var got collector
	if err := c.Subscribe(testCtx(t), []string{"book.005930"}, got.add); err != nil {
		t.Fatalf("Subscribe: %v", err)
	}
	msgs := got.waitFor(t, "the snapshot after resync", func(m []any) bool { return len(m) == 3 })
	if s := strings.Join(seqs(msgs), " "); s != "snap1 resync:slow_consumer snap7" {
		t.Errorf("handler saw %s, want snap1 resync:slow_consumer snap7", s)
	}
}

// TestClientResubscribesExecutionsOnResync: a resync of the executions
// stream (reports dropped for a burst) makes the client resubscribe, so the
// handler sees the marker and then a fresh openOrders snapshot.
func TestClientResubscribesExecutionsOnResync(t *testing.T) {
	var subscribes, unsubscribes atomic.Int32
	fs := newFakeServer(t, func(fc *fakeConn, req Request) {
		fc.reply(req, SubscribeResult{})
		switch req.Method {
		case MethodUnsubscribe:
			unsubscribes.Add(1)
		case MethodSubscribe:
			if subscribes.Add(1) == 1 {
				fc.send(OpenOrders{Type: TypeOpenOrders, Orders: []OrderState{{OrderID: "1"}, {OrderID: "2"}}})
				fc.send(Resync{Type: TypeResync, Stream: "executions", Reason: "slow_consumer"})
				return
			}
			fc.send(OpenOrders{Type: TypeOpenOrders, Orders: []OrderState{{OrderID: "2"}}})
		}
	})
	c := fs.dial(t, ClientOptions{})
	var got collector
	if err := c.Subscribe(testCtx(t), []string{"executions"}, got.add); err != nil {
		t.Fatalf("Subscribe: %v", err)
	}
	msgs := got.waitFor(t, "the snapshot after the resync", func(m []any) bool { return len(m) == 3 })
	_, first := msgs[0].(*OpenOrders)
	_, marker := msgs[1].(*Resync)
	again, ok := msgs[2].(*OpenOrders)
	if !first || !marker || !ok || len(again.Orders) != 1 {
		t.Errorf("handler saw %+v, want openOrders, the resync, a fresh openOrders", msgs)
	}
	if unsubscribes.Load() != 1 || subscribes.Load() != 2 {
		t.Errorf("server saw %d unsubscribe and %d subscribe, want 1 and 2", unsubscribes.Load(), subscribes.Load())
	}
}

// A dropped connection fails the pending call with OUTCOME_UNKNOWN; the
// client redials and subscribes again to what it had.
func TestClientReconnects(t *testing.T) {
	var subscribes atomic.Int32
	fs := newFakeServer(t, func(fc *fakeConn, req Request) {
		switch req.Method {
		case MethodSubscribe:
			fc.reply(req, SubscribeResult{})
			n := subscribes.Add(1)
			fc.send(snapshot(uint64(n*10), "71000"))
		case MethodPlace:
			fc.ws.Close() // the order's fate is unknown to the client
		}
	})
	states := make(chan bool, 8)
	c := fs.dial(t, ClientOptions{Reconnect: true, MinBackoff: time.Millisecond, MaxBackoff: 10 * time.Millisecond,
		OnStateChange: func(up bool, _ error) { states <- up }})
	var got collector
	if err := c.Subscribe(testCtx(t), []string{"book.005930", "trades.005930"}, got.add); err != nil {
		t.Fatalf("Subscribe: %v", err)
	}
	got.waitFor(t, "the first snapshot", func(m []any) bool { return len(m) == 1 })
	<-fs.conns

	_, err := c.Place(testCtx(t), PlaceParams{Symbol: "005930", Side: "buy", Type: "limit", Price: "71000", Qty: "1", ClientOrderID: "x"})
	var e *Error
	if !errors.As(err, &e) || e.Code != OutcomeUnknown || e.Status() != 504 {
		t.Fatalf("Place on a dropped connection: %v, want *Error OUTCOME_UNKNOWN (504)", err)
	}
	if up := <-states; up {
		t.Errorf("first state change: connected, want disconnected")
	}
	if up := <-states; !up {
		t.Errorf("second state change: disconnected, want connected")
	}
	msgs := got.waitFor(t, "the snapshot after reconnecting", func(m []any) bool { return len(m) == 2 })
	if s := strings.Join(seqs(msgs), " "); s != "snap10 snap20" {
		t.Errorf("handler saw %s, want snap10 snap20", s)
	}
	if _, err := c.Ping(testCtx(t)); err != nil {
		t.Errorf("Ping after reconnecting: %v", err)
	}
}

func TestPlaceAsyncOutcomeUnknownWithoutReconnect(t *testing.T) {
	fs := newFakeServer(t, func(fc *fakeConn, req Request) { fc.ws.Close() })
	c := fs.dial(t, ClientOptions{})
	done := make(chan error, 1)
	c.PlaceAsync(PlaceParams{Symbol: "005930", Side: "buy", Type: "limit", Price: "71000", Qty: "1"},
		func(r *OrderResult, err error) { done <- err })
	var e *Error
	if err := <-done; !errors.As(err, &e) || e.Code != OutcomeUnknown {
		t.Fatalf("PlaceAsync on a dropped connection: %v, want OUTCOME_UNKNOWN", err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for c.Connected() && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if _, err := c.Ping(testCtx(t)); !errors.Is(err, ErrNotConnected) {
		t.Errorf("Ping after the drop without Reconnect: %v, want ErrNotConnected", err)
	}
}

func TestCallContextEnds(t *testing.T) {
	fs := newFakeServer(t, func(*fakeConn, Request) {}) // never answers
	c := fs.dial(t, ClientOptions{})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := c.Balance(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Balance with no reply: %v, want context.DeadlineExceeded", err)
	}
}

func TestSubscribeUnknownStream(t *testing.T) {
	fs := newFakeServer(t, func(fc *fakeConn, req Request) { fc.fail(req, UnknownStream, nil) })
	c := fs.dial(t, ClientOptions{})
	err := c.Subscribe(testCtx(t), []string{"nope"}, func(any) {})
	var e *Error
	if !errors.As(err, &e) || e.Code != UnknownStream {
		t.Errorf("Subscribe(nope): %v, want UNKNOWN_STREAM", err)
	}
}

// An execution report carries the order's status as a string: the reader
// must still route it (it once failed to decode the envelope and dropped
// every report of the executions stream).
func TestEnvelopeOfExecutionReport(t *testing.T) {
	var env envelope
	frame := `{"type":"execution","seq":4,"status":"filled","execType":"trade"}`
	if err := json.Unmarshal([]byte(frame), &env); err != nil || env.Type != TypeExecution {
		t.Fatalf("envelope %+v, err %v", env, err)
	}
	if err := json.Unmarshal([]byte(`{"id":3,"status":429,"error":{"code":"RATE_LIMITED","msg":"x"}}`), &env); err != nil || env.Status != 429 {
		t.Fatalf("reply envelope %+v, err %v", env, err)
	}
}
