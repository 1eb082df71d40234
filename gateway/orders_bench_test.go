package gateway

import (
	"context"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/mts-krx/mts/api"
	"github.com/mts-krx/mts/matching"
)

// stubBackend answers every command at once with one "new" report for the
// command's account, so that the benchmarks below measure the gateway (and
// the client) and not an engine.
type stubBackend struct{ seq atomic.Uint64 }

func (b *stubBackend) Submit(_ context.Context, cmd *matching.Command) (*Outcome, error) {
	c := *cmd
	c.Seq = b.seq.Add(1)
	ev := matching.Event{
		Kind: matching.EvExec, Seq: c.Seq, TS: c.TS, Account: c.Account, Symbol: c.Symbol,
		OrderID: matching.OrderID(c.Seq), ClientOrderID: c.ClientOrderID, Cmd: c.Kind, ExecType: matching.ExecNew,
		Status: matching.StatusNew, Side: c.Side, Type: c.Type, TIF: c.TIF, Price: c.Price, Qty: c.Qty, LeavesQty: c.Qty,
	}
	return &Outcome{Cmd: c, Events: []matching.Event{ev}}, nil
}

func (b *stubBackend) Query(context.Context, *Query) (*QueryResult, error) {
	return &QueryResult{}, nil
}

func (b *stubBackend) SubscribeExec(string, func([]matching.Event)) (func() error, error) {
	return func() error { return nil }, nil
}

const benchPlace = `{"id":12345,"method":"order.place","params":{"symbol":"005930","side":"buy","type":"limit","price":"71000","qty":"10","tif":"day","clientOrderId":"lt-0-1a2b"}}`

func benchConfig(c *Config) {
	c.Backend = &stubBackend{}
	c.ConnRate, c.ConnBurst = 1e9, 1e9
	c.AccountRate, c.AccountBurst = 1e9, 1e9
	c.Clock = time.Now
	// The server counts a request in flight until just after its reply is
	// queued, so a client that sends on each reply may briefly be one
	// ahead: room for that keeps RATE_LIMITED out of the figures.
	c.MaxInFlight = 64
}

// BenchmarkOrderPath is one order.place through a connection without its
// socket: decode, admit, the request goroutine, the stub backend, the
// reply's encoding and the push to the send queue. allocs/op is the
// gateway's own garbage per order.
//
//	go test ./gateway -run '^$' -bench OrderPath -benchmem
func BenchmarkOrderPath(b *testing.B) {
	cfg := Config{MarketData: newFakeMD(), TokenSecret: testSecret}
	benchConfig(&cfg)
	s, err := New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	c := s.newConn(nil, api.Claims{Subject: "A1", Role: api.RoleTrader, ExpiresAt: time.Now().Add(time.Hour)})
	frame := []byte(benchPlace)
	var batch [][]byte
	b.ReportAllocs()
	for b.Loop() {
		c.handle(frame)
		for len(batch) == 0 {
			<-c.q.wake
			batch, _, _ = c.q.take(batch)
		}
		if len(batch[0]) < 100 {
			b.Fatalf("reply %s", batch[0])
		}
		batch = batch[:0]
		c.q.written()
	}
}

// BenchmarkOrdersWebSocket is order entry over loopback WebSockets: 8
// api.Clients (the load generator's client) each keep up to 32 orders in
// flight against the stub backend. Client and server share the machine's
// cores, so orders/s is what both ends together manage, without NATS
// and the engine; cpu-µs/order is the process's CPU time (both ends) per
// order, which other load on the machine disturbs less.
//
//	go test ./gateway -run '^$' -bench OrdersWebSocket -benchtime 200000x
func BenchmarkOrdersWebSocket(b *testing.B) {
	const conns, window = 8, 32
	e := newEnv(b, benchConfig)
	tok, err := api.IssueToken(testSecret, "A1", api.RoleTrader, time.Hour, time.Now())
	if err != nil {
		b.Fatal(err)
	}
	clients := make([]*api.Client, conns)
	for i := range clients {
		cl, err := api.Dial(context.Background(), e.url(), api.ClientOptions{Token: tok})
		if err != nil {
			b.Fatal(err)
		}
		defer cl.Close()
		clients[i] = cl
	}
	p := api.PlaceParams{Symbol: "005930", Side: "buy", Type: "limit", Price: "71000", Qty: "10", TIF: "day", ClientOrderID: "lt-0-1a2b"}
	var failed atomic.Int64
	var firstErr atomic.Value
	var wg sync.WaitGroup
	b.ResetTimer()
	start, cpu0, writes0 := time.Now(), cpuTime(), batchWrites.Load()
	for i, cl := range clients {
		n := b.N / conns
		if i < b.N%conns {
			n++
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			slots := make(chan struct{}, window)
			for range n {
				slots <- struct{}{}
				cl.PlaceAsync(p, func(_ *api.OrderResult, err error) {
					if err != nil && failed.Add(1) == 1 {
						firstErr.Store(err.Error())
					}
					<-slots
				})
			}
			for range window {
				slots <- struct{}{}
			}
		}()
	}
	wg.Wait()
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "orders/s")
	b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/float64(b.N), "cpu-µs/order")
	b.ReportMetric(float64(b.N)/float64(batchWrites.Load()-writes0), "replies/write")
	if n := failed.Load(); n > 0 {
		b.Fatalf("%d of %d orders failed, the first with %v", n, b.N, firstErr.Load())
	}
}

// cpuTime is the process's user and system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
