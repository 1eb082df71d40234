package main

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mts-krx/mts/api"
	"github.com/mts-krx/mts/marketdata"
	"github.com/mts-krx/mts/marketdata/natspub"
	"github.com/mts-krx/mts/risk"
)

// End-to-end tests: a real node (embedded NATS in-process, Badger journal
// in a temporary directory, engine loop, market-data publisher, gateway on
// a loopback port) driven by the Go client over WebSocket.

var e2eSecret = []byte("e2e-secret-e2e-secret-e2e-secret-0123")

const e2eSym = "005930"

// startE2E starts a node on dir, listening on addr ("127.0.0.1:0" for any
// port), with funded accounts A1 and B1.
func startE2E(t *testing.T, dir, addr string) *node {
	t.Helper()
	return startE2ELogging(t, dir, addr, io.Discard)
}

// startE2ELogging is startE2E with the node's log written to log.
func startE2ELogging(t *testing.T, dir, addr string, log io.Writer) *node {
	t.Helper()
	ins, err := loadInstrumentFile("")
	if err != nil {
		t.Fatal(err)
	}
	rc := risk.DefaultConfig()
	n, err := startNode(context.Background(), nodeOptions{
		Engine: true, Gateway: true, DataDir: dir, Instruments: ins, Risk: &rc,
		HTTPAddr: addr, Secret: e2eSecret, Accounts: []string{"A1", "B1"},
		Logger: slog.New(slog.NewTextHandler(log, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func dialE2E(t *testing.T, n *node, account string, reconnect bool) *api.Client {
	t.Helper()
	opts := api.ClientOptions{Reconnect: reconnect, MinBackoff: 20 * time.Millisecond, MaxBackoff: 200 * time.Millisecond}
	if account != "" {
		tok, err := api.IssueToken(e2eSecret, account, api.RoleTrader, time.Hour, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		opts.Token = tok
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := api.Dial(ctx, n.URL("ws")+"/ws", opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// inbox collects a client's stream messages for a test to wait on.
type inbox struct {
	mu   sync.Mutex
	msgs []any
	wake chan struct{}
}

func newInbox() *inbox { return &inbox{wake: make(chan struct{}, 1)} }

func (b *inbox) add(m any) {
	b.mu.Lock()
	b.msgs = append(b.msgs, m)
	b.mu.Unlock()
	select {
	case b.wake <- struct{}{}:
	default:
	}
}

// waitFor returns the first message from index from on that ok accepts,
// and the index after it.
func (b *inbox) waitFor(t *testing.T, from int, what string, ok func(any) bool) (any, int) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		b.mu.Lock()
		for i := from; i < len(b.msgs); i++ {
			if ok(b.msgs[i]) {
				m := b.msgs[i]
				b.mu.Unlock()
				return m, i + 1
			}
		}
		b.mu.Unlock()
		select {
		case <-b.wake:
		case <-deadline:
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

func (b *inbox) snapshot() []any {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]any(nil), b.msgs...)
}

func ctx5(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func limit(side, price, qty, clID string) api.PlaceParams {
	return api.PlaceParams{Symbol: e2eSym, Side: side, Type: "limit", Price: api.Decimal(price), Qty: api.Decimal(qty), ClientOrderID: clID}
}

func isExec(execType, clID string) func(any) bool {
	return func(m any) bool {
		e, ok := m.(*api.ExecutionReport)
		return ok && e.ExecType == execType && e.ClientOrderID == clID
	}
}

// TestE2ECross: two accounts cross; both receive their execution reports
// on their private streams, and the taker's reply carries its fill.
func TestE2ECross(t *testing.T) {
	n := startE2E(t, t.TempDir(), "127.0.0.1:0")
	defer n.Close()
	a, b := dialE2E(t, n, "A1", false), dialE2E(t, n, "B1", false)
	ai, bi := newInbox(), newInbox()
	ctx := ctx5(t)
	if err := a.Subscribe(ctx, []string{"executions"}, ai.add); err != nil {
		t.Fatal(err)
	}
	if err := b.Subscribe(ctx, []string{"executions"}, bi.add); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Place(ctx, limit("sell", "71000", "10", "a-1")); err != nil {
		t.Fatal(err)
	}
	res, err := b.Place(ctx, limit("buy", "71000", "10", "b-1"))
	if err != nil {
		t.Fatal(err)
	}
	last := res.Reports[len(res.Reports)-1]
	if last.Status != "filled" || last.LastPx != "71000" || last.LastQty != "10" || last.Account != "B1" {
		t.Fatalf("taker's reply: %+v", last)
	}
	m, _ := ai.waitFor(t, 0, "A1's fill", isExec("trade", "a-1"))
	if e := m.(*api.ExecutionReport); e.Status != "filled" || e.Liquidity != "maker" || e.Fee == "" {
		t.Fatalf("maker's report: %+v", e)
	}
	bi.waitFor(t, 0, "B1's fill", isExec("trade", "b-1"))
	for _, msg := range ai.snapshot() {
		if e, ok := msg.(*api.ExecutionReport); ok && e.Account != "A1" {
			t.Fatalf("A1 saw another account's report: %+v", e)
		}
	}
	// The reads go through the engine too.
	st, err := b.Status(ctx, api.StatusParams{ClientOrderID: "b-1"})
	if err != nil || st.Open || st.OrderID != last.OrderID || st.Status != "filled" || st.CumQty != "10" || st.LeavesQty != "0" || st.AvgPx != "71000" {
		t.Fatalf("status of the filled order: %+v %v, want filled, 10 at 71000", st, err)
	}
	if _, err := a.Status(ctx, api.StatusParams{ClientOrderID: "b-1"}); err == nil {
		t.Fatal("A1 could read B1's order status")
	}
	pos, err := b.Positions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pos.Positions {
		if p.Symbol == e2eSym && p.Qty != api.Decimal(strconv.Itoa(fundShares+10)) {
			t.Fatalf("B1's position after buying 10: %+v", p)
		}
	}
}

// TestE2EMarketData: a subscriber sees a snapshot, then deltas with
// contiguous seq and trades; a forced gap in the gateway's feed leads to a
// resync whose book equals the publisher's.
func TestE2EMarketData(t *testing.T) {
	n := startE2E(t, t.TempDir(), "127.0.0.1:0")
	defer n.Close()
	a, b, watcher := dialE2E(t, n, "A1", false), dialE2E(t, n, "B1", false), dialE2E(t, n, "", false)
	wi := newInbox()
	ctx := ctx5(t)
	if err := watcher.Subscribe(ctx, []string{"book." + e2eSym, "trades." + e2eSym}, wi.add); err != nil {
		t.Fatal(err)
	}
	wi.waitFor(t, 0, "the first book snapshot", func(m any) bool { _, ok := m.(*api.BookSnapshot); return ok })
	for i := range 5 {
		if _, err := a.Place(ctx, limit("sell", strconv.Itoa(71000+100*i), "10", "s"+strconv.Itoa(i))); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := b.Place(ctx, limit("buy", "71100", "15", "b-x")); err != nil {
		t.Fatal(err)
	}
	wi.waitFor(t, 0, "a trade", func(m any) bool { tr, ok := m.(*api.MarketTrade); return ok && tr.Price == "71000" })
	checkContiguous(t, wi.snapshot())

	// Force a gap: the gateway's feed drops the next delta; the next
	// order's delta then reveals it, and the gateway resyncs.
	n.feed.InjectGap(e2eSym)
	mark := len(wi.snapshot())
	if _, err := a.Place(ctx, limit("sell", "72000", "7", "gap-1")); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Place(ctx, limit("sell", "72100", "3", "gap-2")); err != nil {
		t.Fatal(err)
	}
	wi.waitFor(t, mark, "a resync snapshot", func(m any) bool { _, ok := m.(*api.BookSnapshot); return ok })
	want := publisherBook(t, n)
	var book api.Book
	deadline := time.Now().Add(5 * time.Second)
	for {
		book = api.Book{}
		for _, m := range wi.snapshot() {
			if _, isBook := m.(*api.BookSnapshot); isBook || isDelta(m) {
				book.Apply(m)
			}
		}
		if book.Equal(want.bids, want.asks) || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if !book.Equal(want.bids, want.asks) {
		t.Fatalf("client book after resync\n bids %v asks %v\nwant bids %v asks %v", book.Bids(), book.Asks(), want.bids, want.asks)
	}
	if len(want.asks) == 0 || want.asks[0].Price != "71100" || want.asks[0].Qty != "5" {
		t.Fatalf("engine's book is not what the orders make: asks %v", want.asks)
	}
}

func isDelta(m any) bool { _, ok := m.(*api.BookDelta); return ok }

// checkContiguous checks that the book messages after each snapshot have
// seq one more than the message before.
func checkContiguous(t *testing.T, msgs []any) {
	t.Helper()
	var last uint64
	deltas := 0
	for _, m := range msgs {
		switch m := m.(type) {
		case *api.BookSnapshot:
			last = m.Seq
		case *api.BookDelta:
			if m.Seq != last+1 {
				t.Fatalf("book delta seq %d after %d", m.Seq, last)
			}
			last = m.Seq
			deltas++
		}
	}
	if deltas == 0 {
		t.Fatal("no book deltas")
	}
}

type levels struct{ bids, asks []api.Level }

// publisherBook asks the engine's market-data publisher for its snapshot:
// the book the engine's committed events make.
func publisherBook(t *testing.T, n *node) levels {
	t.Helper()
	var d marketdata.Depth
	if err := natspub.RequestSnapshot(ctx5(t), n.gwNC, e2eSym, &d); err != nil {
		t.Fatal(err)
	}
	conv := func(ls []marketdata.Level) []api.Level {
		out := []api.Level{}
		for _, l := range ls {
			out = append(out, api.Level{Price: api.Decimal(strconv.FormatInt(int64(l.Price), 10)),
				Qty: api.Decimal(strconv.FormatInt(int64(l.Qty), 10)), Count: int32(l.Count)})
		}
		return out
	}
	return levels{conv(d.Bids), conv(d.Asks)}
}

// TestE2ERestart: the server restarts on the same journal; the client
// reconnects by itself, its open orders are intact, and a retried client
// order id is recognised as a duplicate.
func TestE2ERestart(t *testing.T) {
	dir := t.TempDir()
	n := startE2E(t, dir, "127.0.0.1:0")
	addr := n.ln.Addr().String()
	a := dialE2E(t, n, "A1", true)
	ctx := ctx5(t)
	first, err := a.Place(ctx, limit("buy", "70000", "5", "keep-1"))
	if err != nil {
		t.Fatal(err)
	}
	if err := n.Close(); err != nil {
		t.Fatal(err)
	}
	n = startE2E(t, dir, addr)
	defer n.Close()
	var open []api.OrderState
	deadline := time.Now().Add(10 * time.Second)
	for {
		open, err = a.OpenOrders(ctx5(t), e2eSym)
		if err == nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("after restart: %v", err)
	}
	if len(open) != 1 || open[0].ClientOrderID != "keep-1" || open[0].LeavesQty != "5" || open[0].OrderID != first.Reports[0].OrderID {
		t.Fatalf("open orders after restart: %+v", open)
	}
	res, err := a.Place(ctx5(t), limit("buy", "70000", "5", "keep-1"))
	var aerr *api.Error
	if !errors.As(err, &aerr) || aerr.Code != api.DuplicateClientOrderID {
		t.Fatalf("retried client order id: %v", err)
	}
	if res == nil || len(res.Reports) == 0 || res.Reports[0].RefOrderID != first.Reports[0].OrderID {
		t.Fatalf("duplicate's result should name the first order: %+v", res)
	}
}

// TestE2EScaleOut runs the halves as separate nodes, the way `mts engine`
// and `mts gateway` do: one engine (with the embedded NATS server on a TCP
// port) and two gateways connected to it over TCP. Accounts on different
// gateways trade with each other, and each sees its own reports; a
// subscriber on the other gateway sees the trade.
func TestE2EScaleOut(t *testing.T) {
	ins, err := loadInstrumentFile("")
	if err != nil {
		t.Fatal(err)
	}
	rc := risk.DefaultConfig()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	eng, err := startNode(context.Background(), nodeOptions{
		Engine: true, DataDir: t.TempDir(), Instruments: ins, Risk: &rc, NATSListen: "127.0.0.1:0",
		HTTPAddr: "127.0.0.1:0", Secret: e2eSecret, Accounts: []string{"A1", "B1"}, Logger: quiet,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	gw := func() *node {
		n, err := startNode(context.Background(), nodeOptions{
			Gateway: true, Instruments: ins, NATSURL: eng.ns.ClientURL(), HTTPAddr: "127.0.0.1:0",
			Secret: e2eSecret, Logger: quiet,
		})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { n.Close() })
		return n
	}
	gw1, gw2 := gw(), gw()
	a, b, watcher := dialE2E(t, gw1, "A1", false), dialE2E(t, gw2, "B1", false), dialE2E(t, gw2, "", false)
	ai, wi := newInbox(), newInbox()
	ctx := ctx5(t)
	if err := a.Subscribe(ctx, []string{"executions"}, ai.add); err != nil {
		t.Fatal(err)
	}
	if err := watcher.Subscribe(ctx, []string{"trades." + e2eSym}, wi.add); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Place(ctx, limit("sell", "71500", "4", "so-a")); err != nil {
		t.Fatal(err)
	}
	res, err := b.Place(ctx, limit("buy", "71500", "4", "so-b"))
	if err != nil || res.Reports[len(res.Reports)-1].Status != "filled" {
		t.Fatalf("cross through two gateways: %+v %v", res, err)
	}
	ai.waitFor(t, 0, "A1's fill via gateway 1", isExec("trade", "so-a"))
	wi.waitFor(t, 0, "the trade on gateway 2", func(m any) bool { tr, ok := m.(*api.MarketTrade); return ok && tr.Qty == "4" })
	resp, err := http.Get(eng.URL("") + "/readyz")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("engine /readyz: %v %v", resp, err)
	}
	resp.Body.Close()
}

// TestE2EJournalFailure: when the journal fails under a running server,
// the order in flight is answered OUTCOME_UNKNOWN (never acknowledged),
// the node reports itself failed and not ready, and Close returns the
// cause, which `mts serve` turns into exit status 1.
func TestE2EJournalFailure(t *testing.T) {
	n := startE2E(t, t.TempDir(), "127.0.0.1:0")
	a := dialE2E(t, n, "A1", false)
	if _, err := a.Place(ctx5(t), limit("buy", "70000", "1", "ok-1")); err != nil {
		t.Fatal(err)
	}
	n.eng.j.Close() // the disk goes away under the loop
	_, err := a.Place(ctx5(t), limit("buy", "70000", "1", "lost-1"))
	var aerr *api.Error
	if !errors.As(err, &aerr) || aerr.Status() < 500 {
		t.Fatalf("order after the journal failed: %v, want a 5xx outcome-unknown/unavailable error", err)
	}
	select {
	case <-n.Failed():
	case <-time.After(5 * time.Second):
		t.Fatal("the node did not report the failure")
	}
	resp, err := http.Get(n.URL("") + "/readyz")
	if err != nil || resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("/readyz after the failure: %v %v", resp, err)
	}
	resp.Body.Close()
	if err := n.Close(); err == nil {
		t.Fatal("Close after a journal failure returned nil")
	}
}

// lockedBuffer is an io.Writer a test can read while the program writes.
type lockedBuffer struct {
	mu  sync.Mutex
	buf []byte
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf = append(b.buf, p...)
	return len(p), nil
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return string(b.buf)
}

// TestServeDemoCommand runs `mts serve --demo` as a newcomer would (no
// secret configured): it generates a token secret in the data directory,
// the demo traders make trades, a token issued with that secret works, and
// cancelling the context (SIGINT) shuts down cleanly with status 0.
func TestServeDemoCommand(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr lockedBuffer
	done := make(chan int, 1)
	m := &Main{Getenv: func(string) string { return "" }}
	go func() {
		done <- m.Run(ctx, []string{"serve", "--demo", "--data", dir + "/data", "--listen", "127.0.0.1:0", "--nats-listen", ""}, nil, &stdout, &stderr)
	}()
	var wsURL string
	deadline := time.Now().Add(15 * time.Second)
	for wsURL == "" && time.Now().Before(deadline) {
		for _, f := range strings.Fields(stdout.String()) {
			if strings.HasPrefix(f, "ws://") {
				wsURL = f
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	if wsURL == "" {
		t.Fatalf("no WebSocket URL printed; stderr:\n%s", stderr.String())
	}
	secret, err := os.ReadFile(dir + "/data/token.secret")
	if err != nil {
		t.Fatal(err)
	}
	tok, err := api.IssueToken([]byte(strings.TrimSpace(string(secret))), "demo01", api.RoleTrader, time.Minute, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	c, err := api.Dial(ctx5(t), wsURL, api.ClientOptions{Token: tok})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	bal, err := c.Balance(ctx5(t))
	if err != nil || bal.Cash == "" || bal.Cash == "0" {
		t.Fatalf("demo01's balance: %+v %v", bal, err)
	}
	trades := newInbox()
	if err := c.Subscribe(ctx5(t), []string{"trades.005930", "trades.000660", "trades.035720"}, trades.add); err != nil {
		t.Fatal(err)
	}
	trades.waitFor(t, 0, "a demo trade", func(m any) bool { _, ok := m.(*api.MarketTrade); return ok })
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("exit %d; stderr:\n%s", code, stderr.String())
		}
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not shut down")
	}
	if !strings.Contains(stderr.String(), "stopped cleanly") {
		t.Fatalf("no clean-stop line; stderr:\n%s", stderr.String())
	}
}
