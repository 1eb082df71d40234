package bus

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"

	"github.com/mts-krx/mts/internal/natstest"
	"github.com/mts-krx/mts/matching"
	"github.com/mts-krx/mts/risk"
)

// runNATS and connect: the shared helpers of internal/natstest.
var (
	runNATS = natstest.RunServer
	connect = natstest.Connect
)

// memJournal keeps records in memory; with a gate, each Append waits for a
// token (or for the gate to close).
type memJournal struct {
	mu   sync.Mutex
	recs []matching.Record
	gate chan struct{}
}

func (j *memJournal) Append(recs []matching.Record) error {
	if j.gate != nil {
		<-j.gate
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	for _, r := range recs {
		j.recs = append(j.recs, matching.Record{Seq: r.Seq, TS: r.TS, Payload: append([]byte(nil), r.Payload...)})
	}
	return nil
}

func newEngine(t testing.TB, withRisk bool) *matching.Engine {
	t.Helper()
	ins, err := matching.LoadInstrumentFile("../testdata/instruments.json")
	if err != nil {
		t.Fatal(err)
	}
	cfg := matching.Config{Instruments: ins, MaxOrdersPerAccountDay: 1 << 40}
	if withRisk {
		cfg.Risk = risk.New(risk.DefaultConfig())
	}
	e, err := matching.NewEngine(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// engine is a running loop, its server and publisher, and a client.
type engine struct {
	nc     *nats.Conn
	j      *memJournal
	loop   *matching.Loop
	client *Client
}

func startEngine(t testing.TB, withRisk bool, j *memJournal, mutate func(*matching.LoopConfig)) *engine {
	t.Helper()
	ns := runNATS(t)
	nc := connect(t, ns)
	var now atomic.Int64
	cfg := matching.LoopConfig{Engine: newEngine(t, withRisk), Journal: j, Publisher: NewExecPublisher(nc),
		Clock: func() int64 { return now.Add(1000) }}
	if mutate != nil {
		mutate(&cfg)
	}
	loop, err := matching.NewLoop(cfg)
	if err != nil {
		t.Fatal(err)
	}
	loop.Start()
	srv, err := NewServer(nc, loop, ServerConfig{Partition: 3})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close(); loop.Stop() })
	return &engine{nc: nc, j: j, loop: loop, client: NewClient(connect(t, ns), ClientConfig{Partition: 3})}
}

func place(account, cl string, side matching.Side, px matching.Price, qty matching.Qty) *matching.Command {
	return &matching.Command{Kind: matching.CmdPlace, Account: account, Symbol: "005930", ClientOrderID: cl,
		Side: side, Type: matching.Limit, TIF: matching.Day, Price: px, Qty: qty}
}

func TestSubmitOutcome(t *testing.T) {
	e := startEngine(t, false, &memJournal{}, nil)
	out, err := e.client.Submit(t.Context(), place("A", "c1", matching.Buy, 70000, 5))
	if err != nil {
		t.Fatal(err)
	}
	if out.Cmd.Seq != 1 || out.Cmd.TS == 0 || out.Cmd.ClientOrderID != "c1" {
		t.Errorf("outcome command = %+v, want seq 1, stamped, cl c1", out.Cmd)
	}
	if len(out.Events) != 2 || out.Events[0].ExecType != matching.ExecNew || out.Events[1].Kind != matching.EvBook {
		t.Errorf("outcome events = %+v, want new report and book level", out.Events)
	}
	e.j.mu.Lock()
	defer e.j.mu.Unlock()
	if len(e.j.recs) != 1 {
		t.Errorf("journal has %d records after one command, want 1", len(e.j.recs))
	}
}

// TestSubmitBusy: with the journal stalled the pipeline backs up; the queue
// fills and the client hears busy at once.
func TestSubmitBusy(t *testing.T) {
	j := &memJournal{gate: make(chan struct{})}
	e := startEngine(t, false, j, func(c *matching.LoopConfig) { c.QueueLen, c.MaxBatchLen = 4, 1 })
	defer close(j.gate) // let the journal drain so the loop can stop
	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	var wg sync.WaitGroup
	var busy atomic.Int64
	for i := range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := e.client.Submit(ctx, place("A", fmt.Sprint(i), matching.Buy, 70000, 1)); errors.Is(err, ErrBusy) {
				busy.Add(1)
			}
		}()
	}
	wg.Wait()
	if busy.Load() == 0 {
		t.Error("40 submits against a stalled journal never got ErrBusy")
	}
}

// TestSubmitNoReply: an engine that receives but never answers leaves the
// outcome unknown once the timeout passes.
func TestSubmitNoReply(t *testing.T) {
	ns := runSilentEngine(t)
	c := NewClient(connect(t, ns), ClientConfig{Timeout: 50 * time.Millisecond})
	start := time.Now()
	_, err := c.Submit(t.Context(), place("A", "c1", matching.Buy, 70000, 1))
	if !errors.Is(err, ErrOutcomeUnknown) {
		t.Errorf("Submit to a silent engine = %v, want ErrOutcomeUnknown", err)
	}
	if d := time.Since(start); d < 50*time.Millisecond || d > 5*time.Second {
		t.Errorf("Submit returned after %v, want about the 50ms timeout", d)
	}
	// Either deadline, the client's or the caller's, reads as one (the
	// gateway tells a timed-out query from a lost command by it).
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Submit past the client's timeout = %v, want it to wrap context.DeadlineExceeded", err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
	defer cancel()
	if _, err := c.Query(ctx, &Query{Kind: QueryBalance, Account: "A"}); !errors.Is(err, ErrOutcomeUnknown) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Query past the caller's deadline = %v, want ErrOutcomeUnknown wrapping context.DeadlineExceeded", err)
	}
}

func TestSubmitNoEngine(t *testing.T) {
	ns := runNATS(t)
	c := NewClient(connect(t, ns), ClientConfig{Partition: 7})
	if _, err := c.Submit(t.Context(), place("A", "c1", matching.Buy, 70000, 1)); !errors.Is(err, ErrUnavailable) {
		t.Errorf("Submit with no engine = %v, want ErrUnavailable", err)
	}
	if _, err := c.Query(t.Context(), &Query{Kind: QueryBalance, Account: "A"}); !errors.Is(err, ErrUnavailable) {
		t.Errorf("Query with no engine = %v, want ErrUnavailable", err)
	}
}

func TestSubmitNATSDown(t *testing.T) {
	ns := runNATS(t)
	nc := connect(t, ns)
	c := NewClient(nc, ClientConfig{})
	nc.Close()
	if _, err := c.Submit(t.Context(), place("A", "c1", matching.Buy, 70000, 1)); !errors.Is(err, ErrUnavailable) {
		t.Errorf("Submit on a closed connection = %v, want ErrUnavailable", err)
	}
}

func TestSubmitTooLong(t *testing.T) {
	c := NewClient(nil, ClientConfig{})
	cmd := place("A", string(make([]byte, matching.MaxStringLen+1)), matching.Buy, 70000, 1)
	if _, err := c.Submit(t.Context(), cmd); !errors.Is(err, ErrBadRequest) || !errors.Is(err, matching.ErrTooLong) {
		t.Errorf("Submit with an over-long string = %v, want ErrBadRequest wrapping ErrTooLong", err)
	}
}

// runSilentEngine runs a NATS server on which an "engine" receives
// partition 0's commands and never answers.
func runSilentEngine(t *testing.T) *server.Server {
	t.Helper()
	ns := runNATS(t)
	silent := connect(t, ns)
	if _, err := silent.Subscribe(CmdSubject(0), func(*nats.Msg) {}); err != nil {
		t.Fatal(err)
	}
	if err := silent.Flush(); err != nil {
		t.Fatal(err)
	}
	return ns
}

// waitFor polls cond until it holds or five seconds pass.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// TestExecStream: each account's stream carries its own events only, in
// commit order.
func TestExecStream(t *testing.T) {
	e := startEngine(t, false, &memJournal{}, nil)
	var mu sync.Mutex
	got := map[string][]matching.Event{}
	for _, acct := range []string{"A", "B", "odd.acct *"} {
		unsub, err := e.client.SubscribeExec(acct, func(evs []matching.Event) {
			mu.Lock()
			defer mu.Unlock()
			got[acct] = append(got[acct], evs...) // copy: evs is reused
		})
		if err != nil {
			t.Fatal(err)
		}
		defer unsub()
	}
	e.client.nc.Flush()
	for _, cmd := range []*matching.Command{
		place("A", "a1", matching.Buy, 70000, 5),
		place("B", "b1", matching.Sell, 70000, 3),
		place("odd.acct *", "o1", matching.Sell, 71000, 1),
	} {
		if _, err := e.client.Submit(t.Context(), cmd); err != nil {
			t.Fatal(err)
		}
	}
	count := func(acct string) int { mu.Lock(); defer mu.Unlock(); return len(got[acct]) }
	// A: new, maker fill. B: new, taker fill. odd: new.
	waitFor(t, "execution reports", func() bool { return count("A") == 2 && count("B") == 2 && count("odd.acct *") == 1 })
	mu.Lock()
	defer mu.Unlock()
	for acct, evs := range got {
		for _, ev := range evs {
			if ev.Account != acct || ev.Kind != matching.EvExec {
				t.Errorf("stream of %q carried %+v", acct, ev)
			}
		}
	}
	if a := got["A"]; a[0].ExecType != matching.ExecNew || a[1].ExecType != matching.ExecTrade || a[1].Liquidity != matching.Maker {
		t.Errorf("A's stream = %+v, want new then a maker fill", a)
	}
}

// TestJournalStream: every record is published, in seq order, with the
// payload the journal holds.
func TestJournalStream(t *testing.T) {
	e := startEngine(t, false, &memJournal{}, nil)
	var mu sync.Mutex
	var seqs []uint64
	var bad []string
	unsub, err := e.client.SubscribeJournal(func(seq uint64, ts int64, payload []byte) {
		var c matching.Command
		_, err := matching.DecodeRecord(payload, &c, nil)
		mu.Lock()
		defer mu.Unlock()
		if err != nil || c.Seq != seq || c.TS != ts {
			bad = append(bad, fmt.Sprintf("seq %d ts %d: %+v, %v", seq, ts, c, err))
		}
		seqs = append(seqs, seq)
	})
	if err != nil {
		t.Fatal(err)
	}
	defer unsub()
	e.client.nc.Flush()
	const n = 50
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			side := matching.Buy + matching.Side(i%2)
			if _, err := e.client.Submit(t.Context(), place(fmt.Sprint("P", i%4), fmt.Sprint(i), side, 70000, 1)); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	waitFor(t, "journal records", func() bool { mu.Lock(); defer mu.Unlock(); return len(seqs) == n })
	mu.Lock()
	defer mu.Unlock()
	for i, s := range seqs {
		if s != uint64(i+1) {
			t.Fatalf("journal stream seqs %v, want 1..%d in order", seqs, n)
		}
	}
	if len(bad) > 0 {
		t.Errorf("journal messages that do not match their payload: %v", bad)
	}
}

// TestQueryAfterCommand: a read sees the commands submitted before it.
func TestQueryAfterCommand(t *testing.T) {
	e := startEngine(t, true, &memJournal{}, nil)
	ctx := t.Context()
	for _, c := range []*matching.Command{
		{Kind: matching.CmdOpenAccount, Account: "A", RequestID: "o"},
		{Kind: matching.CmdDeposit, Account: "A", Amount: 10_000_000, RequestID: "d"},
		{Kind: matching.CmdCreditShares, Account: "A", Symbol: "005930", Qty: 7, RequestID: "c"},
		place("A", "b1", matching.Buy, 70000, 5),
	} {
		if _, err := e.client.Submit(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	r, err := e.client.Query(ctx, &Query{Kind: QueryOrder, Account: "A", ClientOrderID: "b1"})
	if err != nil || !r.Found || len(r.Orders) != 1 || !r.Orders[0].Open || r.Orders[0].LeavesQty != 5 {
		t.Errorf("order query = %+v, %v; want b1 open with 5 left", r, err)
	}
	if r, err := e.client.Query(ctx, &Query{Kind: QueryOrder, Account: "B", OrderID: 1}); err != nil || r.Found {
		t.Errorf("another account's order = %+v, %v; want not found", r, err)
	}
	r, err = e.client.Query(ctx, &Query{Kind: QueryOpenOrders, Account: "A"})
	if err != nil || len(r.Orders) != 1 || r.Orders[0].OrderID != 1 {
		t.Errorf("open orders = %+v, %v", r, err)
	}
	r, err = e.client.Query(ctx, &Query{Kind: QueryBalance, Account: "A"})
	if err != nil || !r.Found || r.Balance.Cash != 10_000_000 || r.Balance.Hold == 0 {
		t.Errorf("balance = %+v, %v; want 10,000,000 cash with a hold", r, err)
	}
	r, err = e.client.Query(ctx, &Query{Kind: QueryPositions, Account: "A"})
	if err != nil || !r.Found || len(r.Positions) != 1 || r.Positions[0] != (matching.PositionView{Symbol: "005930", Qty: 7}) {
		t.Errorf("positions = %+v, %v; want 7 of 005930", r, err)
	}
}

// TestMalformedRequest: garbage gets a bad-request answer and the server
// goes on serving.
func TestMalformedRequest(t *testing.T) {
	e := startEngine(t, false, &memJournal{}, nil)
	for _, data := range [][]byte{nil, {9}, {WireVersion, 7}, {WireVersion, kindCommand, 1, 1, 0x80}, {WireVersion, kindRead, 9, 0, 0, 0, 0}} {
		m, err := e.client.nc.Request(CmdSubject(3), data, 5*time.Second)
		if err != nil {
			t.Fatalf("request %x: %v", data, err)
		}
		if len(m.Data) == 0 || status(m.Data[0]) != statusBadRequest {
			t.Errorf("request %x answered %q, want bad request", data, m.Data)
		}
	}
	stamped := place("A", "c0", matching.Buy, 70000, 1)
	stamped.Seq = 5
	m, err := e.client.nc.Request(CmdSubject(3), appendCommandRequest(nil, stamped), 5*time.Second)
	if err != nil || status(m.Data[0]) != statusBadRequest {
		t.Errorf("a stamped command: %v, %v; want bad request", m, err)
	}
	if _, err := e.client.Submit(t.Context(), place("A", "c1", matching.Buy, 70000, 1)); err != nil {
		t.Errorf("Submit after malformed requests: %v", err)
	}
}

func TestAccountToken(t *testing.T) {
	for _, tt := range []struct{ account, token string }{
		{"ACC-001_x", "ACC-001_x"},
		{"a.b", "~612e62"},
		{"", "~"},
		{"~1", "~7e31"},
		{"주식", "~eca3bcec8b9d"},
	} {
		if got := AccountToken(tt.account); got != tt.token {
			t.Errorf("AccountToken(%q) = %q, want %q", tt.account, got, tt.token)
		}
		if got, ok := AccountFromToken(tt.token); !ok || got != tt.account {
			t.Errorf("AccountFromToken(%q) = %q, %v; want %q", tt.token, got, ok, tt.account)
		}
	}
	for _, bad := range []string{"~6", "~41", "~612E62", "a.b", "~zz"} {
		if got, ok := AccountFromToken(bad); ok {
			t.Errorf("AccountFromToken(%q) = %q, want refused", bad, got)
		}
	}
}
